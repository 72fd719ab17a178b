"""``mockluma contract``: it passes against the mock, it catches a server that deviates, and a
live run without a budget never asks for billable work; for every surface that has checks."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockluma import MockLuma
from mockluma.cli import main
from mockluma.contracts import runner
from mockluma.contracts.runner import run_against_mock
from mockluma.contracts.surfaces import agents, appypie, captures, contracts, dream_machine, umami
from mockluma.handle.server import ThreadedServer
from mockluma.schemas.route_schemas import route_map

KEY = "luma-api-contract-test"  # the Agents API takes only keys shaped like Luma's
PREFIX = "/dream-machine/v1"
SURFACES = sorted(contracts())


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
    contract = contracts()[surface]
    assert set(contract.checks) <= set(checks)
    assert checks["the_mock_raised_nothing"]["outcome"] == "passed"

    suites = ElementTree.parse(junit).getroot()
    (suite,) = [s for s in suites if s.get("name") == f"contract.{surface}"]
    assert int(suite.get("tests", "0")) == len(contract.checks)
    assert suite.get("failures") == "0"
    assert "0 failed" in capsys.readouterr().out


def test_a_surface_without_checks_yet_is_named_clearly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every surface has checks now; the message is for the next one, so one is hidden here.
    fewer = {name: c for name, c in contracts().items() if name != "captures"}
    monkeypatch.setattr(runner, "contracts", lambda: fewer)
    assert run_cli("--surface", "captures") == 2
    assert "There are no contract checks for 'captures' yet" in capsys.readouterr().err


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


@pytest.mark.parametrize("surface", sorted(contracts()))
def test_every_check_is_about_a_route_of_its_surface(surface: str) -> None:
    # A route under another mount is named with it: "POST /lumalabs-ai-polling/v1/getStatus".
    routes = route_map(surface)
    for check in contracts()[surface].checks.values():
        assert routes.route(check.endpoint), check.name


def test_a_surface_under_several_prefixes_needs_the_base_url_of_its_main_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = run_cli(
        "--surface", "appypie", "--base-url", "http://127.0.0.1:9/gateway", "--api-key", KEY
    )  # fmt: skip
    assert code == 2
    assert "give the base URL of /lumalabs-ai/v1" in capsys.readouterr().err


def test_a_server_run_needs_a_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LUMAAI_API_KEY", raising=False)
    assert run_cli("--surface", "dream-machine", "--base-url", "http://127.0.0.1:9") == 2
    assert "give --api-key or set LUMAAI_API_KEY" in capsys.readouterr().err


# -- a server that deviates --------------------------------------------------------------------

Headers = list[tuple[bytes, bytes]]


def without_content_type(headers: Headers) -> Headers:
    return [(name, value) for name, value in headers if name != b"content-type"]


class Deviating:
    """An ASGI app in front of the mock that changes some of its answers (:meth:`deviate`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def deviate(
        self, scope: Scope, status: int, headers: Headers, body: bytes
    ) -> tuple[int, Headers, bytes]:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        start = held[0]
        status, headers, body = self.deviate(
            scope,
            start["status"],
            list(start.get("headers", [])),
            b"".join(m.get("body", b"") for m in held[1:]),
        )
        headers = [(k, v) for k, v in headers if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class DeviatingDreamMachine(Deviating):
    """Breaks four promises of the Dream Machine contract:

    * GET /credits renames ``credit_balance`` to ``balance``;
    * GET /ping loses its Content-Type header;
    * GET /generations/concepts/list answers 500;
    * GET /generations/{id} of a generation already seen completed shows it ``dreaming`` again.
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.completed: set[str] = set()

    def deviate(
        self, scope: Scope, status: int, headers: Headers, body: bytes
    ) -> tuple[int, Headers, bytes]:
        path = scope["path"].removeprefix(PREFIX)
        if path == "/credits" and status == 200:
            body = body.replace(b'"credit_balance"', b'"balance"')
        elif path == "/ping":
            headers = without_content_type(headers)
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
        return status, headers, body


class DeviatingAppyPie(Deviating):
    """Breaks four promises of the AppyPie contract:

    * a 404 says ``message`` where AppyPie says ``error``;
    * a 401 loses its Content-Type header;
    * POST /lumalabs-ai/v1/generateRequestFromImage answers 500;
    * getStatus, once it has said ``completed``, says ``dreaming`` again (one video is made).
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.completed = False

    def deviate(
        self, scope: Scope, status: int, headers: Headers, body: bytes
    ) -> tuple[int, Headers, bytes]:
        path = scope["path"]
        if path == "/lumalabs-ai/v1/generateRequestFromImage":
            status, body = 500, b'{"error": "An unexpected error occurred"}'
        elif status == 404:
            body = body.replace(b'"error"', b'"message"')
        elif status == 401:
            headers = without_content_type(headers)
        elif path == "/lumalabs-ai-polling/v1/getStatus" and b'"completed"' in body:
            if self.completed:
                body = b'{"status": "dreaming"}'
            self.completed = True
        return status, headers, body


class DeviatingUmami(Deviating):
    """Breaks four promises of the UmamiAI contract:

    * a 400 says ``status_code`` where UmamiAI says ``statusCode``;
    * a 401 loses its Content-Type header;
    * GET /v1/luma-ai/generation without a query answers 500;
    * a fetch of a generation already seen completed shows it ``processing`` again.
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.completed: set[str] = set()

    def deviate(
        self, scope: Scope, status: int, headers: Headers, body: bytes
    ) -> tuple[int, Headers, bytes]:
        fetch = scope["path"] == "/v1/luma-ai/generation"
        if fetch and not scope["query_string"]:
            status, body = 500, b'{"message": "Internal server error", "statusCode": 500}'
        elif status == 400:
            body = body.replace(b'"statusCode"', b'"status_code"')
        elif status == 401:
            headers = without_content_type(headers)
        elif fetch and status == 200:
            generations = json.loads(body)
            for generation in generations:
                if generation["id"] in self.completed:
                    generation.update(state="processing", video=None)
                elif generation["state"] == "completed":
                    self.completed.add(generation["id"])
            body = json.dumps(generations).encode()
        return status, headers, body


class DeviatingAgents(Deviating):
    """Breaks four promises of the Agents API contract:

    * GET /v1/files renames ``has_more`` to ``hasMore``;
    * GET /v1/files/{an unknown id} loses its X-API-Version header;
    * POST /v1/files/{an unknown id}/complete answers 500;
    * GET /v1/generations/{id} of a generation already seen completed shows it ``processing``
      again.
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.completed: set[str] = set()

    def deviate(
        self, scope: Scope, status: int, headers: Headers, body: bytes
    ) -> tuple[int, Headers, bytes]:
        path, method = scope["path"], scope["method"]
        if path == "/v1/files" and method == "GET" and status == 200:
            body = body.replace(b'"has_more"', b'"hasMore"')
        elif path == f"/v1/files/{agents.NOWHERE}":
            headers = [(name, value) for name, value in headers if name != b"x-api-version"]
        elif path == f"/v1/files/{agents.NOWHERE}/complete":
            status, body = 500, b'{"detail": "Internal Server Error"}'
        elif path.startswith("/v1/generations/") and method == "GET" and status == 200:
            document = json.loads(body)
            if document["id"] in self.completed:
                document.update(state="processing", output=[])
                body = json.dumps(document).encode()
            elif document["state"] == "completed":
                self.completed.add(document["id"])
        return status, headers, body


class DeviatingCaptures(Deviating):
    """Breaks four promises of the Captures v2 contract (none on the credits, which the shared
    capture reads around its processing):

    * GET /api/v2/capture renames ``captures`` to ``items``;
    * GET /api/v2/capture/{an unknown slug} loses its Content-Type header;
    * POST /api/v2/capture/{an unknown slug} answers 500;
    * GET /api/v2/capture/{slug} of a run already seen finished shows it ``dispatched`` again.
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.finished: set[str] = set()

    def deviate(
        self, scope: Scope, status: int, headers: Headers, body: bytes
    ) -> tuple[int, Headers, bytes]:
        path, method = scope["path"], scope["method"]
        unknown = f"/api/v2/capture/{captures.NOWHERE}"
        if path == "/api/v2/capture" and method == "GET" and status == 200:
            body = body.replace(b'"captures"', b'"items"')
        elif path == unknown and method == "GET":
            headers = without_content_type(headers)
        elif path == unknown and method == "POST":
            status, body = 500, b'{"error": "Internal Server Error"}'
        elif path.startswith("/api/v2/capture/") and method == "GET" and status == 200:
            document = json.loads(body)
            run = document.get("latestRun") or {}
            if path in self.finished:
                run.update(status="dispatched", progress=50, currentStage="Meshing", artifacts=[])
                body = json.dumps(document).encode()
            elif run.get("status") == "finished":
                self.finished.add(path)
        return status, headers, body


@pytest.fixture
def mock_server_settings() -> dict[str, Any]:
    # Each poll moves a generation on, so a wall-clock run needs no waiting at all.
    return {
        "progression": "polls:1",
        "timing": "quick",
        "strict": True,
        "api_keys": [KEY],
        "rate_limits": True,  # as on Luma (and as the runner's own mock has them)
    }


@contextmanager
def deviating_server(settings: dict[str, Any], proxy: type[Deviating]) -> Iterator[str]:
    """The root URL of ``proxy`` in front of a fresh mock."""
    # The mock's app runs on the proxy's server loop; its own in-process loop stays idle.
    mock = MockLuma(in_process=True, **settings)
    server = ThreadedServer(proxy(mock.app))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
        mock.stop()


@pytest.fixture
def deviating_url(mock_server_settings: dict[str, Any]) -> Iterator[str]:
    with deviating_server(mock_server_settings, DeviatingDreamMachine) as root:
        yield root + PREFIX


def failure_of(checks: dict[str, dict[str, Any]], check: str) -> dict[str, Any]:
    """The first finding of ``check``, which must have failed."""
    assert checks[check]["outcome"] == "failed", checks[check]
    first: dict[str, Any] = checks[check]["failures"][0]
    return first


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
        return failure_of(checks, check)

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


@dataclass(frozen=True)
class SurfaceDeviations:
    """What a run against a deviating server must report, check by check."""

    proxy: type[Deviating]
    base_path: str
    budget_cents: float
    renamed: tuple[str, str]
    """A check that meets the renamed field, and the schema's complaint."""
    header_lost: str
    server_error: str
    backwards: tuple[str, str, str]
    """The sticky check, its JSON path and title; then the forward-only check follows."""
    forward_only: str
    untouched: tuple[str, ...]
    header_check: str = "json_content_type"
    """The check that notices the lost header."""


DEVIATIONS = {
    "appypie": SurfaceDeviations(
        proxy=DeviatingAppyPie,
        base_path="/lumalabs-ai/v1",
        budget_cents=appypie.VIDEO_CENTS,
        renamed=("an_unknown_request_id_is_not_found", "'error' is a required property"),
        header_lost="a_request_without_a_key_is_refused",
        server_error="refuses_an_image_request_without_a_url",
        backwards=(
            "a_final_status_is_sticky",
            "$.status",
            'The final status: expected "completed", got "dreaming"',
        ),
        forward_only="the_status_only_moves_forward",
        untouched=(
            "a_status_call_without_an_id_is_refused",
            "refuses_a_missing_prompt",
            "generating_answers_200_with_a_request_id",
        ),
    ),
    "umami": SurfaceDeviations(
        proxy=DeviatingUmami,
        base_path="/v1/luma-ai",
        budget_cents=umami.GENERATION_CENTS,
        renamed=("refuses_a_missing_user_prompt", "'statusCode' is a required property"),
        header_lost="a_request_without_a_key_is_refused",
        server_error="a_fetch_without_ids_is_refused",
        backwards=(
            "a_final_state_is_sticky",
            "$[0].state",
            'The final state: expected "completed", got "processing"',
        ),
        forward_only="the_state_only_moves_forward",
        untouched=(
            "an_unknown_generation_is_not_found",
            "every_id_form_is_read",
            "creating_answers_201_with_a_pending_generation",
        ),
    ),
    "agents": SurfaceDeviations(
        proxy=DeviatingAgents,
        base_path="/v1",
        budget_cents=agents.IMAGE_CENTS,  # the uni-1 image (and the free file), not the video
        renamed=("a_file_page_says_whether_more_follow", "'has_more' is a required property"),
        header_lost="an_unknown_file_is_not_found",
        header_check="request_id_and_api_version_are_sent",
        server_error="completing_an_unknown_file_is_not_found",
        backwards=(
            "a_terminal_state_is_sticky",
            "$.state",
            'The final state: expected "completed", got "processing"',
        ),
        forward_only="the_lifecycle_only_moves_forward",
        untouched=(
            "an_unknown_generation_is_not_found",
            "refuses_an_unknown_model",
            "creating_an_image_answers_201_queued",
            "an_uploaded_file_moves_forward_to_ready_or_failed",
        ),
    ),
    "captures": SurfaceDeviations(
        proxy=DeviatingCaptures,
        base_path="/api/v2",
        budget_cents=1,  # credits, not cents; but creating anything needs a budget
        renamed=("the_clients_list_call_answers_in_order", "'captures' is a required property"),
        header_lost="an_unknown_capture_is_not_found",
        server_error="processing_an_unknown_capture_is_not_found",
        backwards=(
            "a_finished_or_failed_run_is_sticky",
            "$.latestRun.status",
            'The final latestRun.status: expected "finished", got "dispatched"',
        ),
        forward_only="a_run_only_moves_forward",
        untouched=(
            "the_credits_add_up",
            "processing_spends_one_credit",
            "creating_a_capture_answers_its_upload_url",
        ),
    ),
}


@pytest.mark.parametrize("surface", list(DEVIATIONS))
def test_each_deviation_of_a_surface_is_reported_and_the_run_fails(
    surface: str, mock_server_settings: dict[str, Any], tmp_path: Path
) -> None:
    expected = DEVIATIONS[surface]
    report_file = tmp_path / "contract.json"
    with deviating_server(mock_server_settings, expected.proxy) as root:
        code = run_cli(
            "--surface", surface, "--base-url", root + expected.base_path, "--api-key", KEY,
            "--budget-cents", str(expected.budget_cents), "--poll-interval", "0",
            "--json", str(report_file),
        )  # fmt: skip
    assert code == 1
    checks = outcomes(json.loads(report_file.read_text()))

    renamed = failure_of(checks, expected.renamed[0])
    assert renamed["check"] == "body_matches_schema"
    assert expected.renamed[1] in renamed["detail"]
    assert failure_of(checks, expected.header_lost)["check"] == expected.header_check
    crashed = checks[expected.server_error]["failures"]
    assert "not_a_server_error" in [finding["check"] for finding in crashed]
    sticky, json_path, title = expected.backwards
    backwards = failure_of(checks, sticky)
    assert (backwards["json_path"], backwards["title"]) == (json_path, title)
    assert "back to" in failure_of(checks, expected.forward_only)["title"]
    for check in expected.untouched:
        assert checks[check]["outcome"] == "passed", checks[check]


# -- a live run is safe ------------------------------------------------------------------------


@pytest.fixture
def mock_server(mock_server_settings: dict[str, Any]) -> Iterator[MockLuma]:
    with MockLuma(**mock_server_settings) as luma:
        yield luma


# The base URL of each surface's main prefix, under the mock's root.
BASE_PATHS = {
    "dream-machine": PREFIX,
    "agents": "/v1",
    "captures": "/api/v2",
    "appypie": "/lumalabs-ai/v1",
    "umami": "/v1/luma-ai",
}
# Where a surface keeps what a create would have made, besides engine jobs.
RECORDS = {"agents": "files", "captures": "captures"}


def test_every_surface_with_checks_has_a_base_path() -> None:
    assert set(BASE_PATHS) == set(contracts())


@pytest.mark.parametrize("surface", list(BASE_PATHS))
def test_a_live_run_without_a_budget_makes_no_billable_request(
    surface: str, mock_server: MockLuma, tmp_path: Path
) -> None:
    report_file = tmp_path / "contract.json"
    code = run_cli(
        "--surface", surface, "--base-url", mock_server.url + BASE_PATHS[surface],
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


@pytest.mark.parametrize(
    ("surface", "cents", "bought", "create_path", "unaffordable"),
    [
        (
            "appypie",
            appypie.VIDEO_CENTS,
            "a 5 s 1:1 video",
            "/lumalabs-ai/v1/generate",
            "an_image_to_video_request_answers_200_with_a_request_id",
        ),
        (
            "umami",
            umami.GENERATION_CENTS,
            "a 1:1 generation",
            "/v1/luma-ai/generations",
            "extending_a_completed_generation_makes_a_new_one",
        ),
    ],
    ids=["appypie", "umami"],
)
def test_a_gateway_budget_buys_one_generation_for_every_lifecycle_check_and_stops(
    surface: str,
    cents: float,
    bought: str,
    create_path: str,
    unaffordable: str,
    mock_server: MockLuma,
    tmp_path: Path,
) -> None:
    report_file = tmp_path / "contract.json"
    code = run_cli(
        "--surface", surface, "--base-url", mock_server.url + BASE_PATHS[surface],
        "--api-key", KEY, "--poll-interval", "0", "--budget-cents", str(cents),
        "--json", str(report_file),
    )  # fmt: skip
    assert code == 0
    report = json.loads(report_file.read_text())
    assert report["spent_cents"] == pytest.approx(cents)
    assert [item["what"] for item in report["spending"]] == [bought]
    checks = outcomes(report)
    assert checks[unaffordable]["outcome"] == "skipped"
    assert "raise --budget-cents" in checks[unaffordable]["reason"]
    paid = {name for name, check in contracts()[surface].checks.items() if check.creates}
    assert {name for name in paid if checks[name]["outcome"] == "passed"} == paid - {unaffordable}
    # AppyPie's getStatus is a POST that only reads.
    accepted = [e.path for e in mock_server.journal.find(method="POST") if e.status < 300]
    assert [path for path in accepted if not path.endswith("/getStatus")] == [create_path]


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
