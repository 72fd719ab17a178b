"""How the mock scales with what it stores and with what is in flight.

    .venv/bin/python bench/scale.py [--counts 1000 10000 100000] [--sample 2000]
        [--inflight 1000] [--callbacks 1000] [--speed 2] [--stack uvloop+httptools]
        [--only stored|journal|inflight|callbacks ...]

Stored generations: each scenario runs in a fresh child process (so its resident memory is its
own). It creates the generations straight through the engine, as ``POST /generations/video``
would (``orders.create_video(ctx, owner, body)`` on ``app.state.mockluma``), either all under one
API key or spread round-robin over 1,000 keys; advances the manual clock until every one of them
is completed; and then times ``GET /generations/{id}`` for distinct randomly chosen ids, as bare
ASGI calls (each asked twice in a row: rendered, then reused) and through
``httpx.ASGITransport``. Memory is measured twice: resident set size (``/proc/self/statm``) in a
first pass, and ``tracemalloc`` (Python allocations only, exact) in a second pass on a new app.

The journal: bare ASGI GETs in batches while the journal fills to its limit and then drops its
oldest entries; the time per GET must not change.

In flight, engine only: 1,000 generations created at the same simulated instant are advanced to
completion with ``simulation.advance`` and timed (no callbacks, no HTTP).

In flight with callbacks: the mock is served on loopback by uvicorn in a child process, on a real
clock sped up ``--speed`` times with quick timing (about 5 simulated seconds per generation).
This process creates ``--callbacks`` videos over HTTP (16 connections), each with the mock's own
inbox (``/_mockluma/inbox/bench``) as ``callback_url``, and the child reports when every
generation has had both its callbacks (dreaming, completed) accepted: completions, the peak
number in flight, attempts and failures, how long after each update its delivery arrived, and
the event loop's lag (a 5 ms sleep repeated in the server's own loop, and how late it wakes),
while the creates arrive and while the callbacks go out.

Writes ``bench/results/scale.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import uvicorn
from _common import (
    API_KEY,
    DM,
    REPO_ROOT,
    VIDEO_BODY,
    Stopwatch,
    asgi_call,
    make_mock_app,
    mock_settings,
    percentile,
    table,
    write_result,
)
from starlette.applications import Starlette

from mockluma.engine.jobs import Phase
from mockluma.handle.server import uvicorn_stack
from mockluma.surfaces import Context
from mockluma.surfaces.dream_machine import orders, presenters

LAYOUTS = {"one-key": 1, "1k-keys": 1000}
PARTS = ("stored", "journal", "inflight", "callbacks")
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
    """Sequential GETs of distinct random stored generations through ``httpx.ASGITransport``."""
    picks = random.Random(0).sample(list(made), min(len(made), sample + warmup))
    latencies = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://localhost:8000"
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


async def asgi_get(app: Starlette, path: str, owner: str) -> int:
    """One ``GET`` as a bare ASGI call (no client): the app's own cost. Returns the status."""
    status, _ = await asgi_call(app, "GET", path, owner)
    return status


async def raw_get_latencies(
    app: Starlette, made: Sequence[tuple[str, str]], sample: int, warmup: int
) -> tuple[list[float], list[float]]:
    """Bare ASGI GETs of distinct random stored generations, each asked twice in a row: the
    first answer is rendered, the second reuses it (the routes keep recent answers)."""
    picks = random.Random(1).sample(list(made), min(len(made), sample + warmup))
    first: list[float] = []
    again: list[float] = []
    for i, (owner, job_id) in enumerate(picks):
        path = f"{DM}/generations/{job_id}"
        for timings in (first, again):
            started = time.perf_counter()
            status = await asgi_get(app, path, owner)
            elapsed = time.perf_counter() - started
            if status != 200:
                raise RuntimeError(f"GET {job_id} answered {status}")
            if i >= warmup:
                timings.append(elapsed)
    return first, again


def journal_growth(batches: int, size: int) -> dict[str, Any]:
    """GET latency as the journal fills up to its limit and then drops its oldest entries."""
    app = make_mock_app()
    (owner, job_id), *_ = populate(app, [API_KEY], 1)
    complete_all(app)
    journal = app.state.mockluma.journal
    path = f"{DM}/generations/{job_id}"

    async def run() -> list[dict[str, float]]:
        rows = []
        for _ in range(batches):
            before = len(journal)
            latencies = []
            for _ in range(size):
                started = time.perf_counter()
                await asgi_get(app, path, owner)
                latencies.append(time.perf_counter() - started)
            rows.append(
                {
                    "journal_before": before,
                    "journal_after": len(journal),
                    "p50_us": percentile(latencies, 50) * 1e6,
                    "mean_us": statistics.fmean(latencies) * 1e6,
                }
            )
        return rows

    return {"limit": app.state.mockluma.config.journal_limit, "batches": asyncio.run(run())}


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
    # Each pass asks by its own host name, so that neither finds answers the other left behind.
    raw, raw_again = asyncio.run(raw_get_latencies(app, made, sample, warmup=200))
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
        "get_raw": _summary(raw),
        "get_raw_again": _summary(raw_again),
    }


def _summary(latencies: Sequence[float]) -> dict[str, float]:
    return {
        "requests": len(latencies),
        "mean_us": statistics.fmean(latencies) * 1e6,
        "p50_us": percentile(latencies, 50) * 1e6,
        "p99_us": percentile(latencies, 99) * 1e6,
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


# -- 1,000 generations in flight with callbacks, over HTTP, on a sped-up real clock ----------

CALLBACK_KEY = "bench-callbacks"
INBOX = "bench"
LAG_TICK = 0.005
"""Seconds the lag probe sleeps; how much later than that it wakes is the event loop's lag."""


class _Marks:
    """What the driver (the parent process) says on stdin: ``start``, ``created``, then EOF."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.started = asyncio.Event()
        self.created = asyncio.Event()
        self.times: dict[str, float] = {}
        self._loop = loop

    def listen(self) -> None:
        def read() -> None:
            for line in sys.stdin:
                word = line.strip()
                event = {"start": self.started, "created": self.created}.get(word)
                if event is not None:
                    self._loop.call_soon_threadsafe(self._mark, word, event)

        threading.Thread(target=read, daemon=True).start()

    def _mark(self, word: str, event: asyncio.Event) -> None:
        self.times[word] = time.perf_counter()
        event.set()


async def _serve_with_callbacks(
    count: int, speed: float, http: str, timeout: float
) -> dict[str, Any]:
    """The mock on a real clock at ``speed``, serving on loopback until ``count`` generations
    have each had both callbacks (dreaming, completed) accepted by the mock's own inbox."""
    app = make_mock_app(clock="real", speed=speed, timing="quick")
    ctx: Context = app.state.mockluma
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    config = uvicorn.Config(app, http=http, access_log=False, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    loop = asyncio.get_running_loop()
    marks = _Marks(loop)
    serving = loop.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    marks.listen()

    lags: list[tuple[float, float]] = []
    peak_in_flight = 0

    async def probe() -> None:
        nonlocal peak_in_flight
        account = ctx.simulation.account("dream-machine", CALLBACK_KEY)
        samples = 0
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(LAG_TICK)
            woke = time.perf_counter()
            lags.append((woke, woke - asked - LAG_TICK))
            samples += 1
            if samples % 4 == 0:  # every ~20 ms
                in_flight = sum(not job.phase.terminal for job in account.jobs.values())
                peak_in_flight = max(peak_in_flight, in_flight)

    probing = loop.create_task(probe())
    await marks.started.wait()
    expected = 2 * count  # dreaming and completed, for each generation
    deadline = time.perf_counter() + timeout

    def accepted() -> int:
        box = ctx.inboxes.get(INBOX)
        return 0 if box is None else sum(item.status == 200 for item in box.received)

    while accepted() < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    done = time.perf_counter()
    await ctx.callbacks.drain()
    probing.cancel()
    server.should_exit = True
    await serving
    sock.close()

    started, created = marks.times.get("start", done), marks.times.get("created", done)
    jobs = list(ctx.simulation.account("dream-machine", CALLBACK_KEY).jobs.values())
    box = ctx.inboxes.get(INBOX)
    received = box.received if box is not None else []
    attempts = list(ctx.callbacks.attempts)
    # How long after its update (simulated time, converted to wall time) each delivery arrived.
    entered: dict[tuple[str | None, str | None], float] = {
        (job.id, presenters.STATES[phase]): at for job in jobs for phase, at in job.history
    }
    delays = [
        (item.at - entered[(item.generation_id, item.state)]) / speed
        for item in received
        if (item.generation_id, item.state) in entered
    ]

    def lag_summary(first: float, last: float) -> dict[str, float]:
        window = [lag for at, lag in lags if first <= at <= last] or [0.0]
        return {
            "samples": len(window),
            "p50_ms": percentile(window, 50) * 1e3,
            "p99_ms": percentile(window, 99) * 1e3,
            "max_ms": max(window) * 1e3,
        }

    return {
        "count": count,
        "speed": speed,
        "http": http,
        "loop": type(loop).__module__.split(".")[0],
        "create_s": created - started,
        "total_s": done - started,
        "completed": sum(job.phase is Phase.SUCCEEDED for job in jobs),
        "jobs": len(jobs),
        "peak_in_flight": peak_in_flight,
        "callbacks_expected": expected,
        "callbacks_accepted": sum(item.status == 200 for item in received),
        "attempts": len(attempts),
        "attempts_failed": sum(not attempt.delivered for attempt in attempts),
        "delivery_delay_ms": {
            "p50": percentile(delays, 50) * 1e3,
            "p99": percentile(delays, 99) * 1e3,
            "max": max(delays, default=0.0) * 1e3,
        },
        "lag_while_creating": lag_summary(started, created),
        "lag_while_delivering": lag_summary(created, done),
        "lag_whole_run": lag_summary(started, done),
    }


def callbacks_worker(
    count: int, speed: float, loop: str, http: str, timeout: float
) -> dict[str, Any]:
    factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop
    if loop == "uvloop":
        import uvloop

        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(_serve_with_callbacks(count, speed, http, timeout))


async def _create_with_callbacks(url: str, count: int, connections: int) -> list[str]:
    """``count`` videos, each with the mock's own inbox as its ``callback_url``."""
    body = {**VIDEO_BODY, "callback_url": f"{url}/_mockluma/inbox/{INBOX}"}
    headers = {"Authorization": f"Bearer {CALLBACK_KEY}"}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    remaining = iter(range(count))
    made: list[str] = []

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits) as client:
            for _ in remaining:
                response = await client.post(f"{DM}/generations/video", json=body)
                response.raise_for_status()
                made.append(response.json()["id"])

    await asyncio.gather(*(worker() for _ in range(connections)))
    return made


def callbacks_run(count: int, speed: float, loop: str, http: str) -> dict[str, Any]:
    """Start the server child, create ``count`` generations over HTTP, collect its report."""
    worker = subprocess.Popen(
        [sys.executable, __file__, "--worker", "callbacks", str(count), str(speed), loop, http],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    assert worker.stdin is not None
    assert worker.stdout is not None
    try:
        line = worker.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"the callbacks worker printed {line!r} instead of its port")
        url = f"http://127.0.0.1:{int(line.split()[1])}"
        worker.stdin.write("start\n")
        worker.stdin.flush()
        made = asyncio.run(_create_with_callbacks(url, count, connections=16))
        worker.stdin.write("created\n")
        worker.stdin.flush()
        output, _ = worker.communicate(timeout=300)
    finally:
        if worker.poll() is None:
            worker.kill()
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["created_ids"] = len(set(made))
    return result


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


def print_stored(scenarios: Sequence[dict[str, Any]], sample: int) -> dict[str, Any]:
    """Memory and GET latency per scenario; returns the growth of p50 with the count."""
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
    print(
        f"GET generation of {sample} distinct random stored ids, sequential: through "
        "httpx.ASGITransport (what an async test does), as bare ASGI calls (the app alone), "
        "and the same ASGI GET again at once (its answer reused)"
    )
    rows = [
        [
            s["layout"],
            f"{s['count']:,}",
            f"{s['get']['p50_us']:.0f}",
            f"{s['get']['p99_us']:.0f}",
            f"{s['get_raw']['p50_us']:.1f}",
            f"{s['get_raw']['p99_us']:.1f}",
            f"{s['get_raw_again']['p50_us']:.1f}",
            f"{s['get_raw_again']['p99_us']:.1f}",
        ]
        for s in scenarios
    ]
    headers = [
        "layout",
        "stored",
        "httpx p50 us",
        "httpx p99 us",
        "ASGI p50 us",
        "ASGI p99 us",
        "again p50 us",
        "again p99 us",
    ]
    print(table(headers, rows))
    growth = {}
    for layout in LAYOUTS:
        mine = [s for s in scenarios if s["layout"] == layout]
        smallest, largest = mine[0], mine[-1]
        growth[layout] = {
            via: largest[via]["p50_us"] / smallest[via]["p50_us"]
            for via in ("get", "get_raw", "get_raw_again")
        }
        print(
            f"{layout}: GET p50 at {largest['count']:,} / at {smallest['count']:,} stored = "
            f"{growth[layout]['get']:.2f}x (httpx), {growth[layout]['get_raw']:.2f}x (ASGI), "
            f"{growth[layout]['get_raw_again']:.2f}x (ASGI again)"
        )

    return growth


def print_journal(journal: dict[str, Any], batch: int) -> None:
    """GET latency per batch as the journal fills."""
    print()
    print(
        f"GET generation as bare ASGI calls while the journal fills (limit "
        f"{journal['limit']:,} entries, then the oldest are dropped), {batch:,} per batch:"
    )
    rows = [
        [
            f"{b['journal_before']:,} -> {b['journal_after']:,}",
            f"{b['p50_us']:.1f}",
            f"{b['mean_us']:.1f}",
        ]
        for b in journal["batches"]
    ]
    print(table(["journal entries", "p50 us", "mean us"], rows))


def print_burst(burst: dict[str, Any]) -> None:
    """The engine-only in-flight run."""
    print()
    print(
        f"{burst['count']:,} concurrent in-flight generations advanced to completion: "
        f"{burst['advance_s'] * 1e3:.1f} ms for {burst['events']:,} events "
        f"({burst['us_per_event']:.1f} us/event; created in {burst['create_s'] * 1e3:.1f} ms; "
        f"final phases {', '.join(burst['final_phases'])})"
    )


def print_callbacks(d: dict[str, Any]) -> None:
    """The in-flight run with callbacks: completions, deliveries, event-loop lag."""
    print()
    print(
        f"{d['count']:,} generations with callbacks, created over HTTP "
        f"({d['loop']}+{d['http']}, clock x{d['speed']:g}, quick timing): "
        f"{d['completed']:,} of {d['jobs']:,} completed, peak {d['peak_in_flight']:,} in flight; "
        f"{d['callbacks_accepted']:,} of {d['callbacks_expected']:,} callbacks accepted by the "
        f"mock's inbox in {d['attempts']:,} attempts ({d['attempts_failed']} failed); "
        f"created in {d['create_s']:.2f} s, all delivered {d['total_s']:.2f} s after the "
        "first create"
    )
    delay = d["delivery_delay_ms"]
    print(
        f"delivery after each update: p50 {delay['p50']:.1f} ms, p99 {delay['p99']:.1f} ms, "
        f"max {delay['max']:.1f} ms"
    )
    rows = [
        [
            label,
            f"{d[key]['samples']:,}",
            f"{d[key]['p50_ms']:.2f}",
            f"{d[key]['p99_ms']:.2f}",
            f"{d[key]['max_ms']:.2f}",
        ]
        for label, key in (
            ("while creating (HTTP load)", "lag_while_creating"),
            ("while delivering callbacks", "lag_while_delivering"),
            ("whole run", "lag_whole_run"),
        )
    ]
    print(f"event-loop lag (a {LAG_TICK * 1e3:g} ms sleep, woken how much later):")
    print(table(["phase", "samples", "p50 ms", "p99 ms", "max ms"], rows))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Memory and latency of the mock at scale.")
    parser.add_argument("--counts", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--sample", type=int, default=2000, help="GETs timed per scenario")
    parser.add_argument("--inflight", type=int, default=1000, help="concurrent generations")
    parser.add_argument("--batches", type=int, default=12, help="batches of GETs, journal run")
    parser.add_argument("--batch", type=int, default=1000, help="GETs per batch, journal run")
    parser.add_argument(
        "--callbacks", type=int, default=1000, help="generations in flight with callbacks"
    )
    parser.add_argument(
        "--speed", type=float, default=2.0, help="clock speed of the callbacks run (sim s / s)"
    )
    parser.add_argument(
        "--stack",
        default=None,
        help="LOOP+HTTP of the callbacks run (default: uvloop+httptools if installed, else "
        "asyncio+h11)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=PARTS,
        help="run only this part (repeatable; default: all of them)",
    )
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        kind, *rest = args.worker
        if kind == "inflight":
            result = in_flight(int(rest[0]))
        elif kind == "journal":
            result = journal_growth(int(rest[0]), int(rest[1]))
        elif kind == "callbacks":
            count, speed, loop, http = rest
            result = callbacks_worker(int(count), float(speed), loop, http, timeout=120.0)
        else:
            result = scenario(kind, int(rest[0]), int(rest[1]))
        print(json.dumps(result))
        return 0

    started = time.perf_counter()
    parts = args.only or list(PARTS)
    payload: dict[str, Any] = {
        "settings": {
            "counts": sorted(args.counts),
            "sample": args.sample,
            "layouts": LAYOUTS,
            "mock": mock_settings(),
            "parts": parts,
        }
    }
    if "stored" in parts:
        scenarios = [
            child(layout, str(count), str(args.sample))
            for layout in LAYOUTS
            for count in sorted(args.counts)
        ]
        payload["scenarios"] = scenarios
        payload["get_p50_growth"] = print_stored(scenarios, args.sample)
    if "journal" in parts:
        payload["journal"] = child("journal", str(args.batches), str(args.batch))
        print_journal(payload["journal"], args.batch)
    if "inflight" in parts:
        payload["in_flight"] = child("inflight", str(args.inflight))
        print_burst(payload["in_flight"])
    if "callbacks" in parts:
        loop, _, http = (args.stack or "+".join(uvicorn_stack())).partition("+")
        payload["callbacks"] = callbacks_run(args.callbacks, args.speed, loop, http)
        print_callbacks(payload["callbacks"])
    payload["wall_seconds"] = time.perf_counter() - started
    path = write_result("scale", payload)
    print(f"\nwrote {path.relative_to(REPO_ROOT)} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
