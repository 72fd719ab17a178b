"""Helpers the benchmark scripts share: the mock's settings, tables, percentiles, result files.

Imported by the scripts in this folder as ``_common`` (they are run as ``python bench/<x>.py``,
which puts this folder first on ``sys.path``). Nothing here is part of mockluma itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message

import mockluma

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
REPO_ROOT = BENCH_DIR.parent

CLOCK_START = 1_750_000_000.0
"""A fixed simulated start time, so ids and timestamps are the same on every run."""

API_KEY = "bench"
VIDEO_BODY: Mapping[str, Any] = {"model": "ray-flash-2", "prompt": "a benchmark"}
DM = "/dream-machine/v1"


def mock_settings(**overrides: Any) -> dict[str, Any]:
    """The mock's settings for every benchmark: manual clock, fixed seed, endless credits, no
    rate limits (as the pytest fixture and ``MockLuma`` default to)."""
    settings: dict[str, Any] = {
        "clock": "manual",
        "clock_start": CLOCK_START,
        "seed": 0,
        "timing": "realistic",
        "credits_cents": 1e12,
        "rate_limits": False,
        "log_level": "warning",
    }
    settings.update(overrides)
    return settings


def make_mock_app(**overrides: Any) -> Starlette:
    """``mockluma.create_app`` with :func:`mock_settings` and no ``MOCKLUMA_*`` variables."""
    return mockluma.create_app(mockluma.build_config(mock_settings(**overrides), environ={}))


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values`` by linear interpolation; 0 if empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def environment() -> dict[str, Any]:
    """Facts about the machine and the software the numbers were taken with."""
    versions: dict[str, str | None] = {}
    for name in ("starlette", "uvicorn", "httpx", "uvloop", "httptools"):
        try:
            module = __import__(name)
        except ImportError:
            versions[name] = None
        else:
            versions[name] = str(getattr(module, "__version__", "?"))
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "mockluma": mockluma.__version__,
        "packages": versions,
    }


def write_result(name: str, payload: Mapping[str, Any]) -> Path:
    """Write ``bench/results/<name>.json`` (with the environment and a timestamp); return it."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {
        "benchmark": name,
        "taken_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "argv": sys.argv[1:],
        "environment": environment(),
        **payload,
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.seconds = time.perf_counter() - self._start


async def asgi_call(
    app: ASGIApp,
    method: str,
    path: str,
    api_key: str,
    body: bytes = b"",
    *,
    extra_headers: Sequence[tuple[bytes, bytes]] = (),
    stay: bool = False,
) -> tuple[int, bytes]:
    """One request as a bare ASGI call (no client, no socket): the app's own cost. Returns the
    status and the body. ``stay`` keeps the client connected after its body (a dashboard's
    stream then ends only when it is cancelled)."""
    headers = [(b"host", b"127.0.0.1:8000"), (b"authorization", f"Bearer {api_key}".encode())]
    headers += extra_headers
    if body:
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
    scope = {
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
    sent: list[Message] = []
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if delivered:
            if stay:
                await asyncio.Event().wait()
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return int(sent[0]["status"]), answer
