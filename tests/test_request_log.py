"""The dev server's request log: one line per request, with the API, the id and what was applied."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from mockluma import build_config, create_app
from mockluma.app import request_log, surface_for
from mockluma.app.request_log import RequestLogMiddleware, RequestLogWriter, generation_id
from mockluma.handle.server import LoopThread
from mockluma.handle.transports import SyncASGITransport

KEY = {"Authorization": "Bearer luma-log"}
DM = "http://mockluma.test/dream-machine/v1"


def _api(path: str) -> str | None:
    surface = surface_for(path)
    return None if surface is None else surface.name


def _writer(log_format: str = "text", colour: bool = False) -> tuple[RequestLogWriter, io.StringIO]:
    stream = io.StringIO()
    writer = RequestLogWriter(
        stream, _api, log_format="json" if log_format == "json" else "text", colour=colour
    )
    writer.start()
    return writer, stream


@pytest.fixture
def logged_client() -> Iterator[tuple[httpx.Client, RequestLogWriter, io.StringIO]]:
    writer, stream = _writer()
    app = create_app(build_config({"clock": "manual", "seed": 3}, environ={}))
    loop = LoopThread("request-log-test")
    loop.start()
    transport = SyncASGITransport(RequestLogMiddleware(app, writer.queue.put), loop)
    with httpx.Client(transport=transport, base_url="http://mockluma.test") as client:
        yield client, writer, stream
    writer.stop()
    loop.stop()


def test_each_request_gets_one_line_with_api_status_duration_and_generation_id(
    logged_client: tuple[httpx.Client, RequestLogWriter, io.StringIO],
) -> None:
    client, writer, stream = logged_client
    created = client.post(
        f"{DM}/generations/video", headers=KEY, json={"model": "ray-2", "prompt": "a red fox"}
    )
    gen = created.json()["id"]
    client.get(f"{DM}/generations/{gen}", headers=KEY)
    client.get(f"{DM}/generations/nope", headers=KEY)
    writer.stop()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    post, get, missing = (line.split(" ") for line in lines)
    assert post[1:5] == ["dream-machine", "POST", "/dream-machine/v1/generations/video", "201"]
    assert post[5].endswith("ms")
    assert float(post[5].removesuffix("ms")) > 0
    assert post[6] == f"gen={gen}"
    assert get[1:5] == ["dream-machine", "GET", f"/dream-machine/v1/generations/{gen}", "200"]
    assert get[6] == f"gen={gen}"
    assert missing[4] == "404"


def test_a_trigger_and_a_fault_rule_are_named_on_their_line(
    logged_client: tuple[httpx.Client, RequestLogWriter, io.StringIO],
) -> None:
    client, writer, stream = logged_client
    client.post(
        f"{DM}/generations/video",
        headers=KEY,
        json={"model": "ray-2", "prompt": "a fox [mockluma:fail=moderation]"},
    )
    client.post(
        "http://mockluma.test/_mockluma/faults",
        json={"name": "boom", "match": {"path": "*/credits"}, "error": {"status": 503}},
    )
    assert client.get(f"{DM}/credits", headers=KEY).status_code == 503
    writer.stop()
    trigger, control, fault = stream.getvalue().splitlines()
    assert trigger.endswith("[trigger: fail=moderation]")
    assert " admin POST /_mockluma/faults 201 " in control
    assert " dream-machine GET /dream-machine/v1/credits 503 " in fault
    assert fault.endswith("[fault boom: error=503]")


def test_a_connection_dropped_by_a_fault_is_logged_without_a_status(
    logged_client: tuple[httpx.Client, RequestLogWriter, io.StringIO],
) -> None:
    client, writer, stream = logged_client
    client.post(
        "http://mockluma.test/_mockluma/faults",
        json={"match": {"path": "*/credits"}, "network": "reset"},
    )
    with pytest.raises(httpx.TransportError):
        client.get(f"{DM}/credits", headers=KEY)
    writer.stop()
    dropped = stream.getvalue().splitlines()[-1]
    assert " dream-machine GET /dream-machine/v1/credits --- " in dropped
    assert dropped.endswith("[fault rule-1: network=reset]")  # an unnamed rule gets a name


def test_json_lines_carry_every_field() -> None:
    writer, stream = _writer("json")
    writer.queue.put(
        (1_750_000_000.25, "POST", "/lumalabs-ai-polling/v1/getStatus", b"", 404, 0.0021,
         b'{"task_id": "abc"}', b'{"status": "NOT_FOUND"}', None)
    )  # fmt: skip
    writer.stop()
    record = json.loads(stream.getvalue())
    assert record == {
        "time": "2025-06-15T15:06:40.250+00:00",
        "api": "appypie",
        "method": "POST",
        "path": "/lumalabs-ai-polling/v1/getStatus",
        "status": 404,
        "duration_ms": 2.1,
        "generation_id": "abc",
        "applied": None,
    }


def test_status_is_coloured_on_a_terminal_only() -> None:
    entry = (0.0, "GET", "/dream-machine/v1/credits", b"", 200, 0.001, b"", b"", None)
    plain, coloured = _writer(colour=False)[0], _writer(colour=True)[0]
    assert "\x1b[" not in plain.format(entry)
    assert "\x1b[32m200\x1b[0m" in coloured.format(entry)
    assert "\x1b[31m503" in coloured.format((*entry[:4], 503, *entry[5:]))
    plain.stop()
    coloured.stop()


def test_repeated_polls_reuse_the_line_but_not_the_time_or_duration() -> None:
    writer = _writer()[0]
    path = "/dream-machine/v1/generations/0b5f6a3e-0d5b-4b7e-9d1f-3f3a8c1e2b4d"
    first = writer.format((0.5, "GET", path, b"", 200, 0.0012, b"", b"", None))
    second = writer.format((1.25, "GET", path, b"", 200, 0.0034, b"", b"", None))
    failed = writer.format((1.5, "GET", path, b"", 404, 0.001, b"", b"", "[fault x: error=404]"))
    writer.stop()
    assert (
        first.split(" ", 1)[1]
        == f"dream-machine GET {path} 200 1.2ms gen=0b5f6a3e-0d5b-4b7e-9d1f-3f3a8c1e2b4d"
    )
    assert (
        second.split(" ", 1)[1]
        == f"dream-machine GET {path} 200 3.4ms gen=0b5f6a3e-0d5b-4b7e-9d1f-3f3a8c1e2b4d"
    )
    assert first.split(" ")[0].endswith(".500")
    assert second.split(" ")[0].endswith(".250")
    assert failed.endswith(
        " 404 1.0ms gen=0b5f6a3e-0d5b-4b7e-9d1f-3f3a8c1e2b4d [fault x: error=404]"
    )


@pytest.mark.parametrize(
    ("path", "query", "request_head", "response_head", "expected"),
    [
        (
            "/v1/generations/0b5f6a3e-0d5b-4b7e-9d1f-3f3a8c1e2b4d",
            b"",
            b"",
            b"",
            "0b5f6a3e-0d5b-4b7e-9d1f-3f3a8c1e2b4d",
        ),
        (
            "/v1/luma-ai/generation",
            b"ids%5B0%5D=0b5f6a3e-0d5b-4b7e-9d1f-3f3a8c1e2b4d",
            b"",
            b"",
            "0b5f6a3e-0d5b-4b7e-9d1f-3f3a8c1e2b4d",
        ),
        ("/lumalabs-ai/v1/generate", b"", b'{"prompt": "x"}', b'{"requestId": "r-1"}', "r-1"),
        ("/api/v2/capture", b"", b"title=x", b'{"capture": {"title": "x", "slug": "s-9"}}', "s-9"),
        ("/dream-machine/v1/credits", b"", b"", b'{"credit_balance": 5}', None),
    ],
)
def test_the_id_is_found_where_each_api_puts_it(
    path: str, query: bytes, request_head: bytes, response_head: bytes, expected: str | None
) -> None:
    assert generation_id(path, query, request_head, response_head) == expected


def test_a_reader_that_goes_away_stops_the_log_not_the_server() -> None:
    stream = io.StringIO()
    writer = RequestLogWriter(stream, _api)
    stream.close()  # writing now raises ValueError, as a closed pipe raises OSError
    writer.start()
    writer.queue.put((0.0, "GET", "/x", b"", 200, 0.0, b"", b"", None))
    writer.stop()
    assert not writer._thread.is_alive()


def test_a_reader_that_stops_reading_costs_lines_not_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(request_log, "QUEUE_LIMIT", 3)
    writer = RequestLogWriter(io.StringIO(), _api)  # not started: nothing is written
    for _ in range(5):
        writer.offer((0.0, "GET", "/x", b"", 200, 0.0, b"", b"", None))
    assert writer.queue.qsize() == 3
    assert writer.dropped == 2


def _serve(*flags: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mockluma", "serve", "--port", "0", "--clock", "manual", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _banner(process: subprocess.Popen[str]) -> tuple[str, str]:
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or "Press Ctrl-C" not in lines[-1]:
        lines.append(process.stdout.readline())
        assert lines[-1], "".join(lines)
    root = lines[0].split(" listening on ")[1].strip()
    return root, "".join(lines)


@pytest.mark.parametrize(
    ("flags", "logged"), [(("--log-format", "json", "--strict"), True), (("--quiet",), False)]
)
def test_serve_logs_json_lines_or_nothing_and_its_banner_names_strict_mode(
    flags: tuple[str, ...], logged: bool
) -> None:
    process = _serve(*flags)
    try:
        root, banner = _banner(process)
        assert ("strict mode: on" in banner) is ("--strict" in flags)
        httpx.get(f"{root}/dream-machine/v1/credits", headers=KEY)
        httpx.get(f"{root}/_mockluma/health")
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    lines = [line for line in rest.splitlines() if line.startswith("{")]
    if not logged:
        assert lines == []
        return
    records = [json.loads(line) for line in lines]
    assert [(r["api"], r["method"], r["path"], r["status"]) for r in records] == [
        ("dream-machine", "GET", "/dream-machine/v1/credits", 200),
        ("admin", "GET", "/_mockluma/health", 200),
    ]
