"""``mockluma contract``: it passes against the mock, it catches a server that deviates, and a
live run without a budget never asks for billable work."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockluma import MockLuma
from mockluma.cli import main
from mockluma.contracts.runner import run_against_mock
from mockluma.contracts.surfaces import contracts, dream_machine
from mockluma.server import ThreadedServer

KEY = "luma-contract-test"
PREFIX = "/dream-machine/v1"


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as stopped:
        main(["contract", *args])
    code = stopped.value.code
    assert isinstance(code, int)
    return code


def outcomes(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {result["check"]: result for result in report["results"]}


def test_every_dream_machine_check_passes_against_the_mock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit, report_file = tmp_path / "contract.xml", tmp_path / "contract.json"
    assert (
        run_cli("--surface", "dream-machine", "--junit", str(junit), "--json", str(report_file))
        == 0
    )

    report = json.loads(report_file.read_text())
    assert report["ok"] is True
    assert report["counts"]["failed"] == report["counts"]["error"] == 0
    assert report["counts"]["skipped"] == 0  # the mock is free: every check runs
    checks = outcomes(report)
    assert set(dream_machine.CONTRACT.checks) <= set(checks)
    assert checks["the_mock_raised_nothing"]["outcome"] == "passed"

    suites = ElementTree.parse(junit).getroot()
    (suite,) = [s for s in suites if s.get("name") == "contract.dream-machine"]
    assert int(suite.get("tests", "0")) == len(dream_machine.CONTRACT.checks)
    assert suite.get("failures") == "0"
    assert "0 failed" in capsys.readouterr().out


@pytest.mark.parametrize("surface", ["agents", "captures", "appypie", "umami"])
def test_a_surface_without_checks_yet_is_named_clearly(
    surface: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if surface in contracts():
        pytest.skip(f"{surface} has contract checks now")
    assert run_cli("--surface", surface) == 2
    assert f"There are no contract checks for {surface!r} yet" in capsys.readouterr().err


def test_an_unknown_surface_lists_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("--surface", "dream-machin") == 2
    assert (
        "choose one of dream-machine, agents, captures, appypie, umami, all"
        in capsys.readouterr().err
    )


def test_all_runs_every_surface_that_has_checks() -> None:
    report = run_against_mock("all", only={"ping_answers_with_a_message"})
    assert report.ok
    assert {result.surface for result in report.results} >= {"dream-machine"}


def test_a_server_run_needs_a_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LUMAAI_API_KEY", raising=False)
    assert run_cli("--surface", "dream-machine", "--base-url", "http://127.0.0.1:9") == 2
    assert "give --api-key or set LUMAAI_API_KEY" in capsys.readouterr().err


# -- a server that deviates --------------------------------------------------------------------


class Deviating:
    """An ASGI app in front of the mock that breaks four promises of the contract:

    * GET /credits renames ``credit_balance`` to ``balance``;
    * GET /ping loses its Content-Type header;
    * GET /generations/concepts/list answers 500;
    * GET /generations/{id} of a generation already seen completed shows it ``dreaming`` again.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.completed: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        start = held[0]
        status: int = start["status"]
        headers: list[tuple[bytes, bytes]] = list(start.get("headers", []))
        body = b"".join(m.get("body", b"") for m in held[1:])
        path = scope["path"].removeprefix(PREFIX)
        if path == "/credits" and status == 200:
            body = body.replace(b'"credit_balance"', b'"balance"')
        elif path == "/ping":
            headers = [(k, v) for k, v in headers if k != b"content-type"]
        elif path == "/generations/concepts/list":
            status, body = 500, b'{"detail": "Internal Server Error"}'
        elif path.startswith("/generations/") and scope["method"] == "GET" and status == 200:
            document = json.loads(body)
            if not isinstance(document, dict):
                pass
            elif document.get("id") in self.completed:
                document.update(state="dreaming", assets=None)
                body = json.dumps(document).encode()
            elif document.get("state") == "completed":
                self.completed.add(document["id"])
        headers = [(k, v) for k, v in headers if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture
def mock_server_settings() -> dict[str, Any]:
    # Each poll moves a generation on, so a wall-clock run needs no waiting at all.
    return {"progression": "polls:1", "timing": "quick", "strict": True, "api_keys": [KEY]}


@pytest.fixture
def deviating_url(mock_server_settings: dict[str, Any]) -> Iterator[str]:
    # The mock's app runs on the proxy's server loop; its own in-process loop stays idle.
    mock = MockLuma(in_process=True, **mock_server_settings)
    server = ThreadedServer(Deviating(mock.app))
    server.start()
    try:
        yield server.url + PREFIX
    finally:
        server.stop()
        mock.stop()


def test_each_deviation_of_a_server_is_reported_and_the_run_fails(
    deviating_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report_file, junit = tmp_path / "contract.json", tmp_path / "contract.xml"
    code = run_cli(
        "--surface", "dream-machine", "--base-url", deviating_url, "--api-key", KEY,
        "--budget-cents", "1", "--poll-interval", "0", "--json", str(report_file),
        "--junit", str(junit),
    )  # fmt: skip
    assert code == 1
    junit_failures = {
        case.get("name"): element
        for case in ElementTree.parse(junit).iter("testcase")
        if (element := case.find("failure")) is not None
    }
    assert junit_failures["a_terminal_state_is_sticky"].get("type") == "$.state"
    assert "body_matches_schema" in (junit_failures["credit_balance_is_not_negative"].text or "")
    checks = outcomes(json.loads(report_file.read_text()))

    def failure(check: str) -> dict[str, Any]:
        assert checks[check]["outcome"] == "failed", checks[check]
        first: dict[str, Any] = checks[check]["failures"][0]
        return first

    renamed = failure("credit_balance_is_not_negative")
    assert renamed["check"] == "body_matches_schema"
    assert "'credit_balance' is a required property" in renamed["detail"]
    assert failure("ping_answers_with_a_message")["check"] == "json_content_type"
    crashed = checks["concepts_are_distinct_and_include_the_documented_ones"]["failures"]
    assert "not_a_server_error" in [finding["check"] for finding in crashed]
    backwards = failure("a_terminal_state_is_sticky")
    assert backwards["json_path"] == "$.state"
    assert 'expected "completed", got "dreaming"' in backwards["title"]
    assert failure("the_lifecycle_only_moves_forward")["title"].startswith("Generation")
    # everything the proxy left alone still passes
    assert checks["an_unknown_generation_is_not_found"]["outcome"] == "passed"
    assert checks["creating_an_image_answers_201_with_the_request_echoed"]["outcome"] == "passed"
    out = capsys.readouterr().out
    assert "FAIL  dream-machine: credit_balance_is_not_negative" in out
    assert "[$.state]" in out


# -- a live run is safe ------------------------------------------------------------------------


@pytest.fixture
def mock_server(mock_server_settings: dict[str, Any]) -> Iterator[MockLuma]:
    with MockLuma(**mock_server_settings) as luma:
        yield luma


def test_a_live_run_without_a_budget_makes_no_billable_request(
    mock_server: MockLuma, tmp_path: Path
) -> None:
    report_file = tmp_path / "contract.json"
    code = run_cli(
        "--surface", "dream-machine", "--base-url", mock_server.dream_machine_url,
        "--api-key", KEY, "--poll-interval", "0", "--json", str(report_file),
    )  # fmt: skip
    assert code == 0
    report = json.loads(report_file.read_text())
    assert report["spent_cents"] == 0
    skipped = [r for r in report["results"] if r["outcome"] == "skipped"]
    assert {r["check"] for r in skipped} == {
        name for name, check in dream_machine.CONTRACT.checks.items() if check.creates
    }
    assert all("--budget-cents" in r["reason"] for r in skipped)

    journal = mock_server.journal
    writes = [e for e in journal if e.method not in ("GET", "HEAD")]
    assert writes, "the free checks do send refused requests"
    accepted = [e.describe() for e in writes if e.status < 400]
    assert accepted == [], "a request that was not refused could have cost money"
    assert mock_server.simulation.page("dream-machine", KEY, offset=0, limit=10) == ([], 0)
    assert mock_server.take_errors() == []


def test_a_budget_buys_the_cheapest_generation_and_stops(
    mock_server: MockLuma, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report_file = tmp_path / "contract.json"
    code = run_cli(
        "--surface", "dream-machine", "--base-url", mock_server.dream_machine_url,
        "--api-key", KEY, "--poll-interval", "0", "--budget-cents", "1",
        "--json", str(report_file),
    )  # fmt: skip
    assert code == 0
    report = json.loads(report_file.read_text())
    assert report["spent_cents"] == pytest.approx(dream_machine.IMAGE_CENTS)
    assert [item["what"] for item in report["spending"]] == ["a photon-flash-1 image"]
    checks = outcomes(report)
    assert checks["the_lifecycle_only_moves_forward"]["outcome"] == "passed"
    assert checks["a_video_completes_with_a_playable_video"]["outcome"] == "skipped"
    assert "raise --budget-cents" in checks["a_video_completes_with_a_playable_video"]["reason"]
    creates = mock_server.journal.find(method="POST", path=f"{PREFIX}/generations/*", status=201)
    assert len(creates) == 1
    assert creates[0].request_json()["model"] == "photon-flash-1"
    assert "Spent ~0.45¢ of a 1.00¢ budget" in capsys.readouterr().out


def test_the_runner_needs_none_of_the_test_dependencies() -> None:
    # An installed mockluma has no pydantic, hypothesis or SDK: the runner must not need them.
    script = (
        "import sys\n"
        "for name in ('pydantic', 'hypothesis', 'lumaai', 'pytest'):\n"
        "    sys.modules[name] = None\n"
        "from mockluma.cli import main\n"
        "main(['contract', '--surface', 'dream-machine', '--check', 'ping_answers_with_a_message'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "2 checks passed" in result.stdout  # the check, and "the mock raised nothing"
