"""How the mock scales with what it stores: memory, and GET latency, at 1k, 10k and 100k jobs.

    .venv/bin/python bench/scale.py [--counts 1000 10000 100000] [--sample 2000] [--inflight 1000]

Each scenario runs in a fresh child process (so its resident memory is its own). It creates the
generations straight through the engine, as ``POST /generations/video`` would
(``orders.create_video(ctx, owner, body)`` on ``app.state.mockluma``), either all under one API
key or spread round-robin over 1,000 keys; advances the manual clock until every one of them is
completed; and then times ``GET /generations/{id}`` for randomly chosen ids through
``httpx.ASGITransport``. Memory is measured twice: resident set size (``/proc/self/statm``) in
a first pass, and ``tracemalloc`` (Python allocations only, exact) in a second pass on a new app.

Then 1,000 concurrent in-flight generations (created at the same simulated instant) are advanced
to completion with ``simulation.advance`` and timed. Callbacks do not exist yet, so no callback
deliveries are part of that time.

Writes ``bench/results/scale.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Sequence
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
from starlette.applications import Starlette

from mockluma.surfaces import Context
from mockluma.surfaces.dream_machine import orders

LAYOUTS = {"one-key": 1, "1k-keys": 1000}
STEP = 3600.0
"""Simulated seconds per advance; every video's timeline is well under this."""


# -- one scenario (in a child process) ------------------------------------------------------


def rss_bytes() -> int:
    """Current resident set size of this process (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def owners_for(layout: str) -> list[str]:
    keys = LAYOUTS[layout]
    return [API_KEY] if keys == 1 else [f"{API_KEY}-{i:04d}" for i in range(keys)]


def populate(app: Starlette, owners: Sequence[str], count: int) -> list[tuple[str, str]]:
    """``count`` videos, round-robin over ``owners``; returns ``(owner, id)`` pairs."""
    ctx: Context = app.state.mockluma
    body = dict(VIDEO_BODY)
    made = []
    for i in range(count):
        owner = owners[i % len(owners)]
        made.append((owner, orders.create_video(ctx, owner, body).id))
    return made


def complete_all(app: Starlette) -> int:
    """Advance the clock until nothing is pending; return how many events ran."""
    simulation = app.state.mockluma.simulation
    ran = 0
    while simulation.scheduler.next_due() is not None:
        ran += simulation.advance(STEP)
    return ran


async def get_latencies(
    app: Starlette, made: Sequence[tuple[str, str]], sample: int, warmup: int
) -> list[float]:
    """Sequential GETs of random stored generations through ``httpx.ASGITransport``."""
    rng = random.Random(0)
    picks = [made[rng.randrange(len(made))] for _ in range(sample + warmup)]
    latencies = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
    ) as client:
        for i, (owner, job_id) in enumerate(picks):
            started = time.perf_counter()
            response = await client.get(
                f"{DM}/generations/{job_id}", headers={"Authorization": f"Bearer {owner}"}
            )
            elapsed = time.perf_counter() - started
            if response.status_code != 200 or response.json()["state"] != "completed":
                raise RuntimeError(f"GET {job_id} answered {response.status_code}")
            if i >= warmup:
                latencies.append(elapsed)
    return latencies


def scenario(layout: str, count: int, sample: int) -> dict[str, Any]:
    owners = owners_for(layout)

    # Pass 1: time and resident memory.
    app = make_mock_app()
    gc.collect()
    rss_start = rss_bytes()
    with Stopwatch() as create:
        made = populate(app, owners, count)
    gc.collect()
    rss_in_flight = rss_bytes() - rss_start
    with Stopwatch() as advance:
        events = complete_all(app)
    gc.collect()
    rss_completed = rss_bytes() - rss_start
    latencies = asyncio.run(get_latencies(app, made, sample, warmup=200))
    del app, made
    gc.collect()

    # Pass 2: Python allocations, exactly, on a new app.
    app = make_mock_app()
    gc.collect()
    tracemalloc.start()
    traced_start = tracemalloc.get_traced_memory()[0]
    populate(app, owners, count)
    gc.collect()
    traced_in_flight = tracemalloc.get_traced_memory()[0] - traced_start
    complete_all(app)
    gc.collect()
    traced_completed = tracemalloc.get_traced_memory()[0] - traced_start
    tracemalloc.stop()

    return {
        "layout": layout,
        "keys": len(owners),
        "count": count,
        "create_s": create.seconds,
        "advance_s": advance.seconds,
        "events": events,
        "rss_in_flight_bytes": rss_in_flight,
        "rss_completed_bytes": rss_completed,
        "traced_in_flight_bytes": traced_in_flight,
        "traced_completed_bytes": traced_completed,
        "get": {
            "requests": len(latencies),
            "mean_us": statistics.fmean(latencies) * 1e6,
            "p50_us": percentile(latencies, 50) * 1e6,
            "p99_us": percentile(latencies, 99) * 1e6,
        },
    }


def in_flight(count: int) -> dict[str, Any]:
    """``count`` videos created at one instant, then advanced to completion."""
    app = make_mock_app()
    with Stopwatch() as create:
        made = populate(app, [API_KEY], count)
    simulation = app.state.mockluma.simulation
    with Stopwatch() as advance:
        events = complete_all(app)
    states = {simulation.get("dream-machine", owner, job_id).phase.value for owner, job_id in made}
    return {
        "count": count,
        "create_s": create.seconds,
        "advance_s": advance.seconds,
        "events": events,
        "us_per_event": advance.seconds / events * 1e6 if events else 0.0,
        "final_phases": sorted(states),
    }


# -- the run --------------------------------------------------------------------------------


def child(*args: str) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return what it printed."""
    done = subprocess.run(
        [sys.executable, __file__, "--worker", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def mb(value: float) -> str:
    return f"{value / 1e6:.1f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Memory and latency of the mock at scale.")
    parser.add_argument("--counts", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--sample", type=int, default=2000, help="GETs timed per scenario")
    parser.add_argument("--inflight", type=int, default=1000, help="concurrent generations")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        kind, *rest = args.worker
        if kind == "inflight":
            result = in_flight(int(rest[0]))
        else:
            result = scenario(kind, int(rest[0]), int(rest[1]))
        print(json.dumps(result))
        return 0

    started = time.perf_counter()
    scenarios = [
        child(layout, str(count), str(args.sample))
        for layout in LAYOUTS
        for count in sorted(args.counts)
    ]
    burst = child("inflight", str(args.inflight))

    print("memory: generations created through the engine, then all advanced to completed")
    rows = [
        [
            s["layout"],
            f"{s['count']:,}",
            f"{s['create_s']:.2f}",
            f"{s['count'] / s['create_s']:,.0f}",
            f"{s['advance_s']:.2f}",
            mb(s["traced_in_flight_bytes"]),
            mb(s["traced_completed_bytes"]),
            f"{s['traced_completed_bytes'] / s['count']:,.0f}",
            mb(s["rss_in_flight_bytes"]),
            mb(s["rss_completed_bytes"]),
        ]
        for s in scenarios
    ]
    headers = [
        "layout",
        "stored",
        "create s",
        "jobs/s",
        "advance s",
        "traced MB in flight",
        "traced MB done",
        "B/job done",
        "RSS MB in flight",
        "RSS MB done",
    ]
    print(table(headers, rows))

    print()
    print(f"GET generation through httpx.ASGITransport, {args.sample} random ids, sequential")
    rows = [
        [
            s["layout"],
            f"{s['count']:,}",
            f"{s['get']['mean_us']:.0f}",
            f"{s['get']['p50_us']:.0f}",
            f"{s['get']['p99_us']:.0f}",
        ]
        for s in scenarios
    ]
    print(table(["layout", "stored", "mean us", "p50 us", "p99 us"], rows))
    growth = {}
    for layout in LAYOUTS:
        mine = [s for s in scenarios if s["layout"] == layout]
        smallest, largest = mine[0], mine[-1]
        growth[layout] = largest["get"]["p50_us"] / smallest["get"]["p50_us"]
        print(
            f"{layout}: GET p50 at {largest['count']:,} / at {smallest['count']:,} stored = "
            f"{growth[layout]:.2f}x"
        )

    print()
    print(
        f"{burst['count']:,} concurrent in-flight generations advanced to completion: "
        f"{burst['advance_s'] * 1e3:.1f} ms for {burst['events']:,} events "
        f"({burst['us_per_event']:.1f} us/event; created in {burst['create_s'] * 1e3:.1f} ms; "
        f"final phases {', '.join(burst['final_phases'])})"
    )

    path = write_result(
        "scale",
        {
            "settings": {
                "counts": sorted(args.counts),
                "sample": args.sample,
                "layouts": LAYOUTS,
                "mock": mock_settings(),
            },
            "scenarios": scenarios,
            "get_p50_growth": growth,
            "in_flight": burst,
            "wall_seconds": time.perf_counter() - started,
        },
    )
    print(f"\nwrote {path.relative_to(REPO_ROOT)} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
