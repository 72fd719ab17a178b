"""What the pytest fixture costs a downstream suite: session start-up and per-test overhead.

Run: ``.venv/bin/python bench/fixture_overhead.py``

1. Start-up: building and starting a ``MockLuma`` (threaded server, and in-process), then
   stopping it, repeated; this is what ``luma_mock_server`` costs once per session or worker.
2. Per test, measured directly: what ``luma_mock`` does around each test (``reset()`` with
   the marker's settings, then ``take_errors()``), in both modes.
3. Per test, measured end to end: a generated suite of N empty tests that take ``luma_mock``
   against the same N tests without it, each run by pytest in a subprocess; the difference
   divided by N is the fixture's real per-test overhead.
4. ``MockLuma.stop()`` alone, threaded server: mockluma's event-driven stop against uvicorn's
   own polling main loop and shutdown (what mockluma ran before), in the same run.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from unittest import mock

import httpx
import uvicorn
from _common import environment, table, write_result

import mockluma.handle.server
from mockluma import MockLuma

REPEATS = 20
RESETS = 2000
SUITE_SIZE = 400


def startup_seconds(in_process: bool) -> list[float]:
    timings = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        luma = MockLuma(in_process=in_process, progression="polls:1", timing="quick")
        luma.start()
        luma.stop()
        timings.append(time.perf_counter() - began)
    return timings


class PollingServer(uvicorn.Server):
    """The server mockluma ran before: uvicorn's own main loop, which looks at ``should_exit``
    every 0.1 s, and its own shutdown (a fixed 0.1 s sleep, then 0.1 s steps)."""

    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self._ready.set()

    def exit(self) -> None:
        self.should_exit = True


def stop_seconds(polling: bool) -> list[float]:
    """``stop()`` of a started threaded ``MockLuma`` that has answered one request."""
    timings = []
    server_class = PollingServer if polling else mockluma.handle.server._Server
    # The old server is swapped in for the comparison only; mockluma has no setting for it.
    with mock.patch.object(mockluma.handle.server, "_Server", server_class):
        for _ in range(REPEATS):
            luma = MockLuma(progression="polls:1", timing="quick").start()
            with httpx.Client() as client:
                client.get(f"{luma.url}/_mockluma/health").raise_for_status()
            began = time.perf_counter()
            luma.stop()
            timings.append(time.perf_counter() - began)
    return timings


def reset_seconds(in_process: bool) -> float:
    with MockLuma(in_process=in_process, progression="polls:1", timing="quick") as luma:
        began = time.perf_counter()
        for _ in range(RESETS):
            luma.reset()
            luma.take_errors()
        return (time.perf_counter() - began) / RESETS


def suite_seconds(with_fixture: bool) -> float:
    argument = "luma_mock" if with_fixture else ""
    body = "\n".join(f"def test_{n}({argument}):\n    pass\n" for n in range(SUITE_SIZE))
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "test_generated.py").write_text(body)
        Path(folder, "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider -q\n")
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", folder], check=True, capture_output=True)
        return time.perf_counter() - began


def main() -> None:
    rows = []
    result: dict[str, object] = {"environment": environment()}
    for mode, in_process in (("threaded server", False), ("in-process", True)):
        startup = startup_seconds(in_process)
        per_reset = reset_seconds(in_process)
        rows.append(
            [
                mode,
                f"{statistics.median(startup) * 1000:.1f} ms",
                f"{max(startup) * 1000:.1f} ms",
                f"{per_reset * 1e6:.0f} µs",
            ]
        )
        result[mode] = {
            "startup_median_s": statistics.median(startup),
            "startup_max_s": max(startup),
            "reset_per_test_s": per_reset,
        }
    print(table(["mode", "start+stop (median)", "start+stop (max)", "reset per test"], rows))

    stops = {"event (mockluma)": stop_seconds(False), "polling (uvicorn)": stop_seconds(True)}
    print()
    print(
        table(
            ["threaded stop()", "median", "max"],
            [
                [name, f"{statistics.median(t) * 1000:.1f} ms", f"{max(t) * 1000:.1f} ms"]
                for name, t in stops.items()
            ],
        )
    )
    result["stop"] = {
        name: {"median_s": statistics.median(t), "max_s": max(t)} for name, t in stops.items()
    }

    bare = min(suite_seconds(False) for _ in range(3))
    fixture = min(suite_seconds(True) for _ in range(3))
    per_test = (fixture - bare) / SUITE_SIZE
    print()
    print(
        table(
            ["suite", "tests", "wall time (best of 3)"],
            [
                ["without luma_mock", SUITE_SIZE, f"{bare:.2f} s"],
                ["with luma_mock", SUITE_SIZE, f"{fixture:.2f} s"],
            ],
        )
    )
    print(f"\nper-test overhead of luma_mock, end to end: {per_test * 1000:.2f} ms")
    result["suite"] = {
        "tests": SUITE_SIZE,
        "without_s": bare,
        "with_s": fixture,
        "per_test_s": per_test,
    }
    print(f"wrote {write_result('fixture_overhead', result)}")


if __name__ == "__main__":
    main()
