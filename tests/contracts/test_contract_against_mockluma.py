"""``mockluma contract --base-url http://127.0.0.1:PORT``: one command checks a running mockluma.

It recognises the server from its health endpoint, runs every surface, needs no budget, drives
the server's clock itself and passes against a server started with the default settings.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockluma import build_config, create_app
from mockluma.cli import main
from mockluma.contracts.runner import probe_mockluma
from mockluma.contracts.surfaces import contracts
from mockluma.handle.server import ThreadedServer


def _server(**settings: Any) -> Iterator[str]:
    # As `mockluma serve` builds it: no MOCKLUMA_* variables, the serve defaults otherwise.
    app = create_app(build_config({"port": 0, **settings}, environ={}))
    server = ThreadedServer(app)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def default_server() -> Iterator[str]:
    """`mockluma serve` with its defaults: any key, a real clock, rate limits on."""
    yield from _server()


@pytest.fixture(scope="module")
def locked_server() -> Iterator[str]:
    """`mockluma serve --clock manual --api-key luma-api-only`."""
    yield from _server(clock="manual", api_keys=["luma-api-only"])


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as stopped:
        main(["contract", *args])
    code = stopped.value.code
    assert isinstance(code, int)
    return code


def test_every_check_of_every_surface_passes_against_a_default_server(
    default_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report_file = tmp_path / "report.json"
    assert run_cli("--base-url", default_server, "--json", str(report_file)) == 0
    report = json.loads(report_file.read_text())
    assert report["live"] is False
    assert report["budget_cents"] is None
    assert report["counts"]["failed"] == report["counts"]["error"] == 0
    assert report["counts"]["skipped"] == 0  # nothing is billed: no budget holds a check back
    ran = {(result["surface"], result["check"]) for result in report["results"]}
    expected = {(name, check) for name, c in contracts().items() for check in c.checks}
    assert ran == expected
    out = capsys.readouterr().out
    progress = [line for line in out.splitlines() if line.startswith("  PASS ")]
    assert len(progress) == len(expected)  # one line per check, printed as it finished
    assert out.index("  PASS ") < out.index("checks passed")
    assert "Spent nothing" in out
    assert "budget" not in out


def test_the_runner_uses_a_key_of_its_own_and_resets_it_at_the_end(
    default_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(secrets, "token_hex", lambda size: "feedbeef")
    assert run_cli("--base-url", default_server, "--surface", "dream-machine") == 0
    key = {"Authorization": "Bearer luma-api-contract-runner-feedbeef"}
    used = httpx.get(
        f"{default_server}/_mockluma/journal", params={"api_key": key["Authorization"][7:]}
    )
    assert used.json()  # the checks did run under this key...
    listed = httpx.get(f"{default_server}/dream-machine/v1/generations", headers=key).json()
    assert listed["generations"] == []  # ...and its generations are gone
    credits = httpx.get(f"{default_server}/dream-machine/v1/credits", headers=key).json()
    assert credits == {"credit_balance": 100000.0}


def test_a_server_locked_to_its_keys_needs_one_and_then_refuses_wrong_keys(
    locked_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("--base-url", locked_server) == 2
    assert "accepts only the keys it was started with" in capsys.readouterr().err
    # A manual clock: polls move it through the control API, so nothing waits on real time.
    assert run_cli("--base-url", locked_server, "--api-key", "luma-api-only") == 0


def test_a_surface_url_on_mockluma_runs_that_surface(
    default_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("--base-url", f"{default_server}/v1/luma-ai") == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  PASS ")]
    assert lines
    assert all(" umami: " in line for line in lines)


def test_a_budget_is_refused_for_a_mock(
    default_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("--base-url", default_server, "--budget-cents", "5") == 2
    assert "bills nothing" in capsys.readouterr().err


def test_a_server_that_is_not_mockluma_is_not_taken_for_one() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"detail": "Not Found"})

    target = "https://api.example.test/dream-machine/v1"
    assert probe_mockluma(target, transport=httpx.MockTransport(answer)) is None


def test_a_closed_pipe_ends_the_check_list_quietly() -> None:
    listing = subprocess.Popen(
        [sys.executable, "-m", "mockluma", "contract", "--list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert listing.stdout is not None
    first = listing.stdout.readline()
    listing.stdout.close()  # as `| head -1` does
    _, errors = listing.communicate(timeout=60)
    assert first.startswith(b"agents: ")
    assert listing.returncode == 0
    assert b"BrokenPipeError" not in errors
    assert errors == b""
