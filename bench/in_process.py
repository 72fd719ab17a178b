"""What the mock costs inside a test process: start-up, and each request with no socket.

    .venv/bin/python bench/in_process.py [--requests 3000] [--repeats 10]

Start-up ("session start-up cost"): ``import mockluma`` in a fresh interpreter, ``create_app()``
(the first call in a process and later ones), the first requests on a new app (the JSON Schemas
load and compile on first use), and ``mockluma.MockLuma()`` construction, ``start()`` and
``stop()`` with its threaded uvicorn server, plus the latency of sequential requests to it over
its socket.

Per request: GET generation and POST create video through ``httpx.ASGITransport`` with an
``httpx.AsyncClient`` (what an async test does), and the same requests as bare ASGI calls (no
client at all: the app's own cost). A bare Starlette app answering the same routes with the
captured bytes runs the same way, so the difference is what mockluma itself adds.

Writes ``bench/results/in_process.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx
from _common import (
    API_KEY,
    DM,
    REPO_ROOT,
    VIDEO_BODY,
    Stopwatch,
    make_mock_app,
    mock_settings,
    percentile,
    table,
    write_result,
)
from _serve import bare_app
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message

import mockluma

BASE_URL = "http://127.0.0.1:8000"
CREATE_KEY = "bench-create"
BODY = json.dumps(dict(VIDEO_BODY)).encode()


# -- start-up -------------------------------------------------------------------------------


def import_cost(repeats: int) -> dict[str, float]:
    """Median wall time of ``python -c 'import mockluma'`` minus that of ``python -c pass``."""

    def median_run(code: str) -> float:
        times = []
        for _ in range(repeats):
            with Stopwatch() as sw:
                subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)
            times.append(sw.seconds)
        return statistics.median(times)

    bare = median_run("pass")
    with_mockluma = median_run("import mockluma")
    return {"python_s": bare, "python_import_mockluma_s": with_mockluma}


def create_app_cost(repeats: int) -> dict[str, float]:
    with Stopwatch() as first:
        make_mock_app()
    times = []
    for _ in range(repeats):
        with Stopwatch() as sw:
            make_mock_app()
        times.append(sw.seconds)
    return {
        "first_s": first.seconds,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
    }


async def first_requests() -> dict[str, float]:
    """The first create and GET on a new app; the first app in the process loads the schemas."""
    timings: dict[str, float] = {}
    for label in ("first app", "second app"):
        app = make_mock_app()
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {API_KEY}"}
        async with httpx.AsyncClient(
            transport=transport, base_url=BASE_URL, headers=headers
        ) as client:
            with Stopwatch() as create:
                response = await client.post(f"{DM}/generations/video", json=dict(VIDEO_BODY))
            response.raise_for_status()
            with Stopwatch() as get:
                got = await client.get(f"{DM}/generations/{response.json()['id']}")
            got.raise_for_status()
            with Stopwatch() as again:
                await client.post(f"{DM}/generations/video", json=dict(VIDEO_BODY))
        timings[f"{label}: first create"] = create.seconds
        timings[f"{label}: first GET"] = get.seconds
        timings[f"{label}: second create"] = again.seconds
    return timings


def mockluma_lifecycle(repeats: int, sequential: int) -> dict[str, Any]:
    """``MockLuma()`` / ``start()`` / ``stop()`` times, and request latency over its socket."""
    construct, start, stop = [], [], []
    latencies: list[float] = []
    for round_ in range(repeats):
        with Stopwatch() as sw:
            luma = mockluma.MockLuma(**mock_settings())
        construct.append(sw.seconds)
        with Stopwatch() as sw:
            luma.start()
        start.append(sw.seconds)
        try:
            if round_ == 0:
                latencies = socket_latencies(luma.url, sequential)
        finally:
            with Stopwatch() as sw:
                luma.stop()
            stop.append(sw.seconds)
    return {
        "construct_s": statistics.median(construct),
        "start_s": statistics.median(start),
        "stop_s": statistics.median(stop),
        "total_s": statistics.median(
            [a + b + c for a, b, c in zip(construct, start, stop, strict=True)]
        ),
        "socket_get": summarize(latencies, sum(latencies)),
    }


def socket_latencies(url: str, count: int) -> list[float]:
    """Sequential GET generation over one keep-alive connection, as a sync SDK client polls."""
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        created = client.post(f"{DM}/generations/video", json=dict(VIDEO_BODY))
        created.raise_for_status()
        path = f"{DM}/generations/{created.json()['id']}"
        for _ in range(3):
            client.get(path)
        latencies = []
        for _ in range(count):
            started = time.perf_counter()
            client.get(path).raise_for_status()
            latencies.append(time.perf_counter() - started)
    return latencies


# -- per request ----------------------------------------------------------------------------


def summarize(latencies: Sequence[float], seconds: float) -> dict[str, Any]:
    return {
        "requests": len(latencies),
        "rps": len(latencies) / seconds if seconds else 0.0,
        "mean_us": statistics.fmean(latencies) * 1e6 if latencies else 0.0,
        "p50_us": percentile(latencies, 50) * 1e6,
        "p99_us": percentile(latencies, 99) * 1e6,
    }


async def prepare(app: ASGIApp) -> tuple[str, dict[str, tuple[int, str, bytes]]]:
    """Give ``bench`` a completed video; capture the answers the bare app will give."""
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE_URL, headers=headers
    ) as client:
        created = await client.post(f"{DM}/generations/video", json=dict(VIDEO_BODY))
        created.raise_for_status()
        await client.post("/_mockluma/clock/advance", json={"seconds": 3600})
        path = f"{DM}/generations/{created.json()['id']}"
        got = await client.get(path)
        made = await client.post(
            f"{DM}/generations/video",
            content=BODY,
            headers={"Authorization": f"Bearer {CREATE_KEY}", "Content-Type": "application/json"},
        )
    captures = {
        "get": (got.status_code, got.headers["content-type"], got.content),
        "create": (made.status_code, made.headers["content-type"], made.content),
    }
    return path, captures


def bare_for(captures: dict[str, tuple[int, str, bytes]]) -> Starlette:
    spec = []
    for key, method, route in (
        ("get", "GET", f"{DM}/generations/{{id}}"),
        ("create", "POST", f"{DM}/generations/video"),
    ):
        status, content_type, body = captures[key]
        spec.append(
            {
                "method": method,
                "route": route,
                "status": status,
                "content_type": content_type,
                "body_b64": base64.b64encode(body).decode(),
            }
        )
    return bare_app(spec)


Call = Callable[[], Awaitable[int]]


async def timed(call: Call, count: int, warmup: int) -> dict[str, Any]:
    for _ in range(warmup):
        await call()
    gc.collect()
    latencies = []
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        status = await call()
        latencies.append(time.perf_counter() - t0)
        if status >= 400:
            raise RuntimeError(f"request failed with {status}")
    return summarize(latencies, time.perf_counter() - started)


def httpx_calls(client: httpx.AsyncClient, get_path: str) -> dict[str, Call]:
    create_headers = {"Authorization": f"Bearer {CREATE_KEY}", "Content-Type": "application/json"}

    async def get() -> int:
        return (await client.get(get_path)).status_code

    async def create() -> int:
        response = await client.post(
            f"{DM}/generations/video", content=BODY, headers=create_headers
        )
        return response.status_code

    return {"get": get, "create": create}


def raw_calls(app: ASGIApp, get_path: str) -> dict[str, Call]:
    """Calls of the ASGI app itself: a ready-made scope, a one-message body, a list to send to."""

    def scope(method: str, path: str, key: str, body: bytes) -> dict[str, Any]:
        headers = [(b"host", b"127.0.0.1:8000"), (b"authorization", f"Bearer {key}".encode())]
        if body:
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ]
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }

    def make(method: str, path: str, key: str, body: bytes) -> Call:
        base = scope(method, path, key, body)

        async def call() -> int:
            sent: list[Message] = []
            delivered = False

            async def receive() -> Message:
                nonlocal delivered
                if delivered:
                    return {"type": "http.disconnect"}
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: Message) -> None:
                sent.append(message)

            await app(dict(base), receive, send)
            return int(sent[0]["status"])

        return call

    return {
        "get": make("GET", get_path, API_KEY, b""),
        "create": make("POST", f"{DM}/generations/video", CREATE_KEY, BODY),
    }


async def per_request(count: int, warmup: int) -> list[dict[str, Any]]:
    rows = []
    mock = make_mock_app()
    get_path, captures = await prepare(mock)
    bare = bare_for(captures)
    for app_name, app in (("mock", mock), ("bare", bare)):
        headers = {"Authorization": f"Bearer {API_KEY}"}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE_URL, headers=headers
        ) as client:
            for endpoint, call in httpx_calls(client, get_path).items():
                result = await timed(call, count, warmup)
                rows.append({"via": "httpx.ASGITransport", "app": app_name, "endpoint": endpoint})
                rows[-1].update(result)
        for endpoint, call in raw_calls(app, get_path).items():
            result = await timed(call, count, warmup)
            rows.append({"via": "raw ASGI call", "app": app_name, "endpoint": endpoint})
            rows[-1].update(result)
    return rows


# -- the run --------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="In-process cost of the mock.")
    parser.add_argument("--requests", type=int, default=3000, help="measured requests per row")
    parser.add_argument("--warmup", type=int, default=300, help="unmeasured requests first")
    parser.add_argument("--repeats", type=int, default=10, help="repeats of start-up timings")
    parser.add_argument("--socket-requests", type=int, default=50, help="GETs over MockLuma")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    imports = import_cost(max(3, args.repeats // 2))
    app_cost = create_app_cost(args.repeats * 5)
    firsts = asyncio.run(first_requests())
    lifecycle = mockluma_lifecycle(args.repeats, args.socket_requests)

    print("session start-up cost")
    socket_get = lifecycle["socket_get"]
    startup_rows = [
        ["python -c pass (fresh interpreter)", f"{imports['python_s'] * 1e3:.1f}"],
        ["python -c 'import mockluma'", f"{imports['python_import_mockluma_s'] * 1e3:.1f}"],
        [
            "  -> import mockluma alone",
            f"{(imports['python_import_mockluma_s'] - imports['python_s']) * 1e3:.1f}",
        ],
        ["create_app(), first in process", f"{app_cost['first_s'] * 1e3:.2f}"],
        ["create_app(), median of later calls", f"{app_cost['median_s'] * 1e3:.2f}"],
        *([name, f"{seconds * 1e3:.2f}"] for name, seconds in firsts.items()),
        ["MockLuma() construct", f"{lifecycle['construct_s'] * 1e3:.2f}"],
        ["MockLuma.start() (threaded uvicorn)", f"{lifecycle['start_s'] * 1e3:.2f}"],
        ["MockLuma.stop()", f"{lifecycle['stop_s'] * 1e3:.2f}"],
        ["MockLuma construct+start+stop", f"{lifecycle['total_s'] * 1e3:.2f}"],
        [
            f"MockLuma GET over its socket, p50 of {socket_get['requests']} sequential",
            f"{socket_get['p50_us'] / 1e3:.2f}",
        ],
        ["  same, p99", f"{socket_get['p99_us'] / 1e3:.2f}"],
    ]
    print(table(["step", "ms"], startup_rows))

    rows = asyncio.run(per_request(args.requests, args.warmup))
    print()
    print(f"per request, sequential, {args.requests} requests per row after {args.warmup} warm-up")
    printed = [
        [
            row["via"],
            row["app"],
            row["endpoint"],
            f"{row['rps']:,.0f}",
            f"{row['mean_us']:.0f}",
            f"{row['p50_us']:.0f}",
            f"{row['p99_us']:.0f}",
        ]
        for row in rows
    ]
    print(table(["via", "app", "endpoint", "req/s", "mean us", "p50 us", "p99 us"], printed))
    overhead = {}
    for via in ("httpx.ASGITransport", "raw ASGI call"):
        for endpoint in ("get", "create"):
            mock_row, bare_row = (
                next(r for r in rows if (r["via"], r["app"], r["endpoint"]) == (via, a, endpoint))
                for a in ("mock", "bare")
            )
            overhead[f"{via} {endpoint}"] = mock_row["mean_us"] - bare_row["mean_us"]
    print()
    print("mockluma's own cost per request (mock mean - bare mean):")
    print(table(["via / endpoint", "us"], [[k, f"{v:.0f}"] for k, v in overhead.items()]))

    path = write_result(
        "in_process",
        {
            "settings": {
                "requests": args.requests,
                "warmup": args.warmup,
                "repeats": args.repeats,
                "mock": mock_settings(),
            },
            "startup": {
                "import": imports,
                "create_app": app_cost,
                "first_requests_s": firsts,
                "mockluma_handle": lifecycle,
            },
            "per_request": rows,
            "mock_overhead_us": overhead,
            "wall_seconds": time.perf_counter() - started,
        },
    )
    print(f"\nwrote {path.relative_to(REPO_ROOT)} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
