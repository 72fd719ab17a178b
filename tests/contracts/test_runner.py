"""``mockluma contract``: it passes against the mock, it catches a server that deviates, and a
live run without a budget never asks for billable work. Each of these holds for every surface
that has checks (the deviations are chosen per surface)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockluma import MockLuma
from mockluma.app import SURFACES as MOUNTED
from mockluma.cli import main
from mockluma.contracts.runner import run_against_mock
from mockluma.contracts.surfaces import agents, captures, contracts, dream_machine
from mockluma.server import ThreadedServer

KEY = "luma-api-contract-test"  # the Agents API takes only keys shaped like Luma's
PREFIX = "/dream-machine/v1"
SURFACES = sorted(contracts())
PREFIXES = {surface.name: surface.prefix for surface in MOUNTED}  # as the runner mounts them


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as stopped:
        main(["contract", *args])
    code = stopped.value.code
    assert isinstance(code, int)
    return code


def outcomes(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {result["check"]: result for result in report["results"]}


@pytest.mark.parametrize("surface", SURFACES)
def test_every_check_passes_against_the_mock(
    surface: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit, report_file = tmp_path / "contract.xml", tmp_path / "contract.json"
    assert run_cli("--surface", surface, "--junit", str(junit), "--json", str(report_file)) == 0

    report = json.loads(report_file.read_text())
    assert report["ok"] is True
    assert report["counts"]["failed"] == report["counts"]["error"] == 0
    assert report["counts"]["skipped"] == 0  # the mock is free: every check runs
    checks = outcomes(report)
    assert set(contracts()[surface].checks) <= set(checks)
    assert checks["the_mock_raised_nothing"]["outcome"] == "passed"

    suites = ElementTree.parse(junit).getroot()
    (suite,) = [s for s in suites if s.get("name") == f"contract.{surface}"]
    assert int(suite.get("tests", "0")) == len(contracts()[surface].checks)
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
    firsts = {next(iter(contract.checks)) for contract in contracts().values()}
    report = run_against_mock("all", only=firsts)
    assert report.ok
    assert {result.surface for result in report.results} >= set(contracts())


def test_a_server_run_needs_a_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LUMAAI_API_KEY", raising=False)
    assert run_cli("--surface", "dream-machine", "--base-url", "http://127.0.0.1:9") == 2
    assert "give --api-key or set LUMAAI_API_KEY" in capsys.readouterr().err


# -- a server that deviates --------------------------------------------------------------------


def _regress_generation(state: str) -> Callable[[dict[str, Any]], None]:
    def regress(document: dict[str, Any]) -> None:
        document["state"] = state
        for name in ("assets", "output"):
            if name in document:
                document[name] = None if name == "assets" else []

    return regress


def _capture_run_status(document: dict[str, Any]) -> Any:
    run = document.get("latestRun")
    return run.get("status") if isinstance(run, dict) else None


def _regress_capture(document: dict[str, Any]) -> None:
    document["latestRun"].update(status="dispatched", progress=50, artifacts=[])


@dataclass(frozen=True)
class Deviation:
    """How the proxy breaks one surface's contract in four ways, and what the run must report:
    a renamed field, a dropped header, a 500, and a job that moves back after its end."""

    surface: str
    budget_cents: str
    renamed: tuple[str, bytes, bytes]
    """On a 200 from this path (exact), this field is renamed to that."""
    headerless: tuple[str, str, bytes]
    """Answers to this method and path (exact) lose this header."""
    crashing: tuple[str, str]
    """Answers to this method and path (exact) become a 500."""
    polled: str
    """GETs of paths under this prefix are watched for a job that reached ``finished``..."""
    state_of: Callable[[dict[str, Any]], Any]
    finished: str
    regress: Callable[[dict[str, Any]], None]
    """... and once it has, every later answer is moved back by this."""
    reported: dict[str, tuple[str, str]]
    """Check → (the first finding's check, text the finding must hold)."""
    untouched: tuple[str, ...]
    """Checks that must still pass."""

    @property
    def prefix(self) -> str:
        return PREFIXES[self.surface]


DEVIATIONS = [
    Deviation(
        "dream-machine",
        "1",
        renamed=("/credits", b'"credit_balance"', b'"balance"'),
        headerless=("GET", "/ping", b"content-type"),
        crashing=("GET", "/generations/concepts/list"),
        polled="/generations/",
        state_of=lambda document: document.get("state"),
        finished="completed",
        regress=_regress_generation("dreaming"),
        reported={
            "credit_balance_is_not_negative": ("body_matches_schema", "'credit_balance' is a required property"),
            "ping_answers_with_a_message": ("json_content_type", "application/json"),
            "concepts_are_distinct_and_include_the_documented_ones": ("not_a_server_error", "status 500"),
            "a_terminal_state_is_sticky": ("a_terminal_state_is_sticky", 'expected "completed", got "dreaming"'),
            "the_lifecycle_only_moves_forward": ("the_lifecycle_only_moves_forward", "back to dreaming"),
        },
        untouched=("an_unknown_generation_is_not_found", "creating_an_image_answers_201_with_the_request_echoed"),
    ),
    Deviation(
        "agents",
        "5",  # the uni-1 image; the 360p video is skipped
        renamed=("/files", b'"has_more"', b'"hasMore"'),
        headerless=("GET", f"/files/{agents.NOWHERE}", b"x-api-version"),
        crashing=("POST", f"/files/{agents.NOWHERE}/complete"),
        polled="/generations/",
        state_of=lambda document: document.get("state"),
        finished="completed",
        regress=_regress_generation("processing"),
        reported={
            "a_file_page_says_whether_more_follow": ("body_matches_schema", "'has_more' is a required property"),
            "an_unknown_file_is_not_found": ("request_id_and_api_version_are_sent", "X-API-Version"),
            "completing_an_unknown_file_is_not_found": ("not_a_server_error", "status 500"),
            "a_terminal_state_is_sticky": ("a_terminal_state_is_sticky", 'expected "completed", got "processing"'),
            "the_lifecycle_only_moves_forward": ("the_lifecycle_only_moves_forward", "back to processing"),
        },
        untouched=("an_unknown_generation_is_not_found", "creating_an_image_answers_201_queued"),
    ),
    Deviation(
        "captures",
        "1",  # captures cost credits, not cents, but only a budget lets a run make one
        # Not the credits: the shared capture reads them around its processing.
        renamed=("/capture", b'"captures"', b'"items"'),
        headerless=("GET", f"/capture/{captures.NOWHERE}", b"content-type"),
        crashing=("POST", f"/capture/{captures.NOWHERE}"),
        polled="/capture/",
        state_of=_capture_run_status,
        finished="finished",
        regress=_regress_capture,
        reported={
            "the_clients_list_call_answers_in_order": ("body_matches_schema", "'captures' is a required property"),
            "an_unknown_capture_is_not_found": ("json_content_type", "application/json"),
            "processing_an_unknown_capture_is_not_found": ("not_a_server_error", "status 500"),
            "a_finished_or_failed_run_is_sticky": ("a_finished_or_failed_run_is_sticky", 'expected "finished", got "dispatched"'),
            "a_run_only_moves_forward": ("a_run_only_moves_forward", "back to dispatched"),
        },
        untouched=("the_credits_add_up", "creating_a_capture_answers_its_upload_url"),
    ),
]  # fmt: skip


class Deviating:
    """An ASGI app in front of the mock that breaks the promises a :class:`Deviation` names."""

    def __init__(self, app: ASGIApp, deviation: Deviation) -> None:
        self.app = app
        self.deviation = deviation
        self.finished: set[str] = set()

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
        status, headers, body = self.deviate(scope, status, headers, body)
        headers = [(k, v) for k, v in headers if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def deviate(
        self, scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        plan = self.deviation
        path = scope["path"].removeprefix(plan.prefix)
        renamed_path, field, new_name = plan.renamed
        if path == renamed_path and scope["method"] == "GET" and status == 200:
            return status, headers, body.replace(field, new_name)
        method, headerless, header = plan.headerless
        if (scope["method"], path) == (method, headerless):
            return status, [(k, v) for k, v in headers if k != header], body
        if (scope["method"], path) == plan.crashing:
            return 500, headers, b'{"detail": "Internal Server Error"}'
        if path.startswith(plan.polled) and scope["method"] == "GET" and status == 200:
            document = json.loads(body)
            if not isinstance(document, dict):
                return status, headers, body
            if path in self.finished:
                plan.regress(document)
                return status, headers, json.dumps(document).encode()
            if plan.state_of(document) == plan.finished:
                self.finished.add(path)
        return status, headers, body


@pytest.fixture
def mock_server_settings() -> dict[str, Any]:
    # Each poll moves a job on, so a wall-clock run needs no waiting at all.
    return {"progression": "polls:1", "timing": "quick", "strict": True, "api_keys": [KEY]}


@pytest.mark.parametrize("deviation", DEVIATIONS, ids=[d.surface for d in DEVIATIONS])
def test_each_deviation_of_a_server_is_reported_and_the_run_fails(
    deviation: Deviation,
    mock_server_settings: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The mock's app runs on the proxy's server loop; its own in-process loop stays idle.
    mock = MockLuma(in_process=True, **mock_server_settings)
    server = ThreadedServer(Deviating(mock.app, deviation))
    server.start()
    report_file, junit = tmp_path / "contract.json", tmp_path / "contract.xml"
    try:
        code = run_cli(
            "--surface", deviation.surface, "--base-url", server.url + deviation.prefix,
            "--api-key", KEY, "--budget-cents", deviation.budget_cents, "--poll-interval", "0",
            "--json", str(report_file), "--junit", str(junit),
        )  # fmt: skip
    finally:
        server.stop()
        mock.stop()
    assert code == 1
    checks = outcomes(json.loads(report_file.read_text()))
    junit_failures = {
        case.get("name"): element
        for case in ElementTree.parse(junit).iter("testcase")
        if (element := case.find("failure")) is not None
    }
    out = capsys.readouterr().out
    for check, (finding_check, text) in deviation.reported.items():
        assert checks[check]["outcome"] == "failed", checks[check]
        findings = checks[check]["failures"]
        said = [f for f in findings if f["check"] == finding_check]
        assert said, findings
        assert any(text in f"{f['title']} {f['detail']}" for f in said), said
        assert check in junit_failures
        assert f"FAIL  {deviation.surface}: {check}" in out
    backwards = next(name for name in deviation.reported if "sticky" in name)
    state_path = checks[backwards]["failures"][0]["json_path"]
    assert state_path.endswith("status") or state_path == "$.state"
    assert junit_failures[backwards].get("type") == state_path
    assert f"[{state_path}]" in out
    for check in deviation.untouched:  # everything the proxy left alone still passes
        assert checks[check]["outcome"] == "passed", checks[check]


# -- a live run is safe ------------------------------------------------------------------------


@pytest.fixture
def mock_server(mock_server_settings: dict[str, Any]) -> Iterator[MockLuma]:
    with MockLuma(**mock_server_settings) as luma:
        yield luma


def base_url(luma: MockLuma, surface: str) -> str:
    return luma.url + PREFIXES[surface]


# Where each surface keeps what a create would have made, besides engine jobs.
RECORDS = {"agents": "files", "captures": "captures"}


@pytest.mark.parametrize("surface", SURFACES)
def test_a_live_run_without_a_budget_makes_no_billable_request(
    surface: str, mock_server: MockLuma, tmp_path: Path
) -> None:
    report_file = tmp_path / "contract.json"
    code = run_cli(
        "--surface", surface, "--base-url", base_url(mock_server, surface),
        "--api-key", KEY, "--poll-interval", "0", "--json", str(report_file),
    )  # fmt: skip
    assert code == 0
    report = json.loads(report_file.read_text())
    assert report["spent_cents"] == 0
    skipped = [r for r in report["results"] if r["outcome"] == "skipped"]
    assert {r["check"] for r in skipped} == {
        name for name, check in contracts()[surface].checks.items() if check.creates
    }
    assert all("--budget-cents" in r["reason"] for r in skipped)

    journal = mock_server.journal
    writes = [e for e in journal if e.method not in ("GET", "HEAD")]
    assert writes, "the free checks do send refused requests"
    accepted = [e.describe() for e in writes if e.status < 400]
    assert accepted == [], "a request that was not refused could have cost money"
    assert mock_server.simulation.page(surface, KEY, offset=0, limit=10) == ([], 0)
    if surface in RECORDS:
        assert mock_server.simulation.records(surface, KEY, RECORDS[surface]) == {}
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


def test_an_agents_budget_buys_one_uni_1_image_and_a_file(
    mock_server: MockLuma, tmp_path: Path
) -> None:
    report_file = tmp_path / "contract.json"
    code = run_cli(
        "--surface", "agents", "--base-url", mock_server.agents_url, "--api-key", KEY,
        "--poll-interval", "0", "--budget-cents", "5", "--json", str(report_file),
    )  # fmt: skip
    assert code == 0
    report = json.loads(report_file.read_text())
    assert report["spent_cents"] == pytest.approx(agents.IMAGE_CENTS) == pytest.approx(4.04)
    assert [item["what"] for item in report["spending"]] == [
        "a uni-1 image",
        "an uploaded 13 kB PNG file",
    ]
    checks = outcomes(report)
    assert checks["a_video_completes_with_a_playable_video"]["outcome"] == "skipped"
    assert all(
        result["outcome"] == "passed"
        for name, result in checks.items()
        if name != "a_video_completes_with_a_playable_video"
    )
    (created,) = mock_server.journal.find(method="POST", path="/v1/generations", status=201)
    assert created.request_json() == agents.IMAGE_REQUEST
    (uploaded,) = mock_server.journal.find(method="POST", path="/v1/files", status=201)
    assert uploaded.request_json()["mime_type"] == "image/png"


def test_a_captures_budget_processes_one_capture(mock_server: MockLuma, tmp_path: Path) -> None:
    report_file = tmp_path / "contract.json"
    code = run_cli(
        "--surface", "captures", "--base-url", mock_server.captures_url, "--api-key", KEY,
        "--poll-interval", "0", "--budget-cents", "1", "--json", str(report_file),
    )  # fmt: skip
    assert code == 0
    report = json.loads(report_file.read_text())
    assert report["spent_cents"] == 0  # credits, not money
    assert report["counts"]["skipped"] == 0
    (started,) = mock_server.journal.find(method="POST", path="/api/v2/capture/*", status=200)
    assert mock_server.simulation.balance("captures", KEY) == (
        mock_server.simulation.starting_balances["captures"] - 1
    )
    assert started.response_json()["latestRun"]["status"] == "new"


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
