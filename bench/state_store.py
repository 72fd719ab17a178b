"""What ``--state`` costs: throughput with the SQLite store next to memory only, and restart time.

    .venv/bin/python bench/state_store.py [--duration 3] [--rounds 5] [--connections 16]
        [--stored 100000] [--only throughput|restart]

**Throughput.** Two ``mockluma serve`` processes run side by side (manual clock, seed 0, fixed
start, realistic timing, endless credits, no rate limits; pinned to CPU 0 while the loader runs
on CPU 1): one in memory only, one with ``--state`` on a fresh file. Before measuring, the key
``bench`` gets 20 videos and the clock moves an hour. Then, per round, each endpoint is loaded
on one server and then the other (alternating which goes first), for ``--duration`` seconds:

- ``GET generation``: ``GET /dream-machine/v1/generations/{id}`` of one completed video (every
  poll counts as a change of that generation: its poll counter is saved);
- ``POST create video``: ``POST /dream-machine/v1/generations/video`` (a new row every time).

The loader is a small asyncio HTTP/1.1 client over raw keep-alive sockets (``--connections``
of them), since ``wrk`` may not be installed; it sends a request, reads the whole answer, and
sends the next. The ratio state/memory of the medians over the rounds is the figure.

**Restart.** A state file with ``--stored`` generations (realistic ones: the JSON of a created
video, copied with new ids, across 100 keys) is written through the store itself. The time is
measured from starting ``mockluma serve`` to its first answered ``GET /_mockluma/health``, for
that file and, as the reference, for a server without ``--state``; and in-process, the time to
open the store and load the state into a fresh app.

Writes ``bench/results/state_store.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
from _common import API_KEY, CLOCK_START, DM, VIDEO_BODY, table, write_result

SERVER_CPU = 0
LOADER_CPU = 1
SERVE = [
    "--clock", "manual", "--seed", "0", "--timing", "realistic", "--credits", "1e12",
    "--rate-limits", "off", "--log-level", "warning",
]  # fmt: skip


class Server:
    def __init__(self, *extra: str, pin: bool = True) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env = {k: v for k, v in env.items() if not k.startswith("MOCKLUMA_")}
        prefix = ["taskset", "-c", str(SERVER_CPU)] if pin and _has("taskset") else []
        command = [*prefix, sys.executable, "-m", "mockluma", "serve", "--port", "0"]
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [*command, *SERVE, *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**env, "MOCKLUMA_CLOCK_START": str(CLOCK_START)},
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if "listening on" not in line:
            self.process.kill()
            raise SystemExit(f"the server did not start: {line!r} {self.process.stderr!r}")
        self.url = line.rsplit(" ", 1)[-1].strip()
        host, port = self.url.removeprefix("http://").rsplit(":", 1)
        self.address = (host, int(port))

    def wait_healthy(self) -> float:
        """Seconds from starting the process to its first answered health check."""
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/_mockluma/health", timeout=5).status_code == 200:
                    return time.perf_counter() - self.started
            time.sleep(0.005)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _has(program: str) -> bool:
    return any((Path(d) / program).exists() for d in os.environ.get("PATH", "").split(":"))


# -- a raw keep-alive HTTP/1.1 loader -----------------------------------------------------


def _request(method: str, path: str, body: bytes = b"") -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {API_KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _worker(
    address: tuple[str, int], request: bytes, stop_at: float, count: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(*address)
    try:
        while time.perf_counter() < stop_at:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12]
            if status not in (b"200", b"201"):
                raise SystemExit(f"unexpected status {status!r}: {head!r}")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            count[0] += 1
    finally:
        writer.close()


async def _load(
    address: tuple[str, int], request: bytes, seconds: float, connections: int
) -> float:
    count = [0]
    start = time.perf_counter()
    stop_at = start + seconds
    await asyncio.gather(*(_worker(address, request, stop_at, count) for _ in range(connections)))
    return count[0] / (time.perf_counter() - start)


def load(address: tuple[str, int], request: bytes, seconds: float, connections: int) -> float:
    return asyncio.run(_load(address, request, seconds, connections))


# -- throughput -------------------------------------------------------------------------------


def throughput(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    memory = Server()
    stored = Server("--state", str(workdir / "throughput.db"))
    servers = {"memory": memory, "state": stored}
    try:
        ids = {}
        for name, server in servers.items():
            with httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"}
            ) as http:
                made = [
                    http.post(f"{DM}/generations/video", json=VIDEO_BODY).json()["id"]
                    for _ in range(20)
                ]
                http.post("/_mockluma/clock/advance", json={"seconds": 3600})
                ids[name] = made[0]
        assert ids["memory"] == ids["state"]  # same seed, same ids: the same requests
        endpoints = {
            "GET generation": _request("GET", f"{DM}/generations/{ids['memory']}"),
            "POST create video": _request(
                "POST", f"{DM}/generations/video", json.dumps(VIDEO_BODY).encode()
            ),
        }
        with _pinned(LOADER_CPU):
            for request in endpoints.values():  # warm up both
                for server in servers.values():
                    load(server.address, request, 0.5, args.connections)
            samples: dict[str, dict[str, list[float]]] = {
                endpoint: {name: [] for name in servers} for endpoint in endpoints
            }
            for round_number in range(args.rounds):
                order = list(servers) if round_number % 2 == 0 else list(reversed(servers))
                for endpoint, request in endpoints.items():
                    for name in order:
                        rate = load(servers[name].address, request, args.duration, args.connections)
                        samples[endpoint][name].append(rate)
                print(f"  round {round_number + 1}/{args.rounds} done", flush=True)
        rows, result = [], {}
        for endpoint, by_server in samples.items():
            medians = {name: statistics.median(values) for name, values in by_server.items()}
            ratio = medians["state"] / medians["memory"]
            result[endpoint] = {"samples": by_server, "medians": medians, "ratio": ratio}
            rows.append(
                [endpoint, f"{medians['memory']:,.0f}", f"{medians['state']:,.0f}", f"{ratio:.3f}"]
            )
        print(table(["endpoint", "memory req/s", "--state req/s", "state/memory"], rows))
        print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
        return result
    finally:
        for server in servers.values():
            server.stop()


@contextlib.contextmanager
def _pinned(cpu: int) -> Iterator[None]:
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) < 2:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


# -- restart ----------------------------------------------------------------------------------


def build_state(path: Path, count: int) -> None:
    """A state file holding ``count`` generations, written through the SQLite store."""
    from _common import mock_settings

    import mockluma
    from mockluma.app.state import engine_state
    from mockluma.engine.store.snapshot import ChangeCollector, import_state

    app = mockluma.create_app(mockluma.build_config(mock_settings(state=str(path)), environ={}))
    ctx = app.state.mockluma
    import_state(engine_state(ctx), _document(count))
    ctx.store.save(ChangeCollector(engine_state(ctx)).collect())
    ctx.store.close()


def _document(count: int) -> dict[str, Any]:
    """A snapshot of ``count`` completed Dream Machine videos over 100 keys."""
    from mockluma.handle import MockLuma

    with (
        MockLuma(in_process=True, clock_start=CLOCK_START) as luma,
        httpx.Client(
            transport=luma.sync_transport(),
            base_url=luma.url,
            headers={"Authorization": "Bearer k"},
        ) as http,
    ):
        http.post(f"{DM}/generations/video", json=VIDEO_BODY)
        luma.advance(3600)
        snapshot = luma.snapshot()
    template = snapshot["accounts"][0]["jobs"][0]
    keys = 100
    accounts = []
    for n in range(keys):
        key = f"bench-{n}"
        jobs = []
        for _ in range(count // keys):
            job = dict(template, id=str(uuid.uuid4()), api_key=key)
            jobs.append(job)
        accounts.append(
            {
                "surface": "dream-machine",
                "api_key": key,
                "balance": 1e9,
                "sequence": len(jobs),
                "jobs": jobs,
                "records": {},
            }
        )
    return {**snapshot, "accounts": accounts, "limits": {**snapshot["limits"], "usage": []}}


def restart(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    path = workdir / "restart.db"
    started = time.perf_counter()
    build_state(path, args.stored)
    print(
        f"  wrote {args.stored:,} generations in {time.perf_counter() - started:.1f} s "
        f"({path.stat().st_size / 1e6:.0f} MB)",
        flush=True,
    )
    from _common import mock_settings

    from mockluma import build_config, create_app

    in_process, in_process_cpu = [], []
    for _ in range(3):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        app = create_app(build_config(mock_settings(state=str(path)), environ={}))
        in_process.append(time.perf_counter() - begin)
        in_process_cpu.append(time.process_time() - begin_cpu)
        held = sum(len(a.jobs) for _, a in app.state.mockluma.simulation.accounts())
        assert held == args.stored, held
        app.state.mockluma.store.close()
    reference, with_state = [], []
    for _ in range(3):
        server = Server(pin=False)
        reference.append(server.wait_healthy())
        server.stop()
        server = Server("--state", str(path), pin=False)
        with_state.append(server.wait_healthy())
        last = args.stored // 100 - 1  # each of the 100 keys holds stored/100 generations
        answer = httpx.get(
            f"{server.url}{DM}/generations?limit=1&offset={last}",
            headers={"Authorization": "Bearer bench-7"},
        ).json()
        assert (answer["count"], answer["has_more"]) == (1, False), answer
        server.stop()
    result = {
        "stored": args.stored,
        "serve_without_state_s": statistics.median(reference),
        "serve_with_state_s": statistics.median(with_state),
        "open_and_load_in_process_s": statistics.median(in_process),
        "open_and_load_in_process_cpu_s": statistics.median(in_process_cpu),
        "load_average_1min": os.getloadavg()[0],
    }
    print(
        table(
            ["restart (median of 3)", "seconds"],
            [
                [
                    "mockluma serve, memory only (reference)",
                    f"{result['serve_without_state_s']:.2f}",
                ],
                [
                    f"mockluma serve --state, {args.stored:,} stored",
                    f"{result['serve_with_state_s']:.2f}",
                ],
                [
                    "create_app with the state file (in-process)",
                    f"{result['open_and_load_in_process_s']:.2f}",
                ],
                [
                    "  the same, CPU time of the process",
                    f"{result['open_and_load_in_process_cpu_s']:.2f}",
                ],
            ],
        )
    )
    return result


def cpu_cost(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """CPU time per request in-process (no socket, no loader competing for the CPU): memory
    only, and with the SQLite store, counting the saver's batches and the writer thread."""
    from _common import mock_settings

    from mockluma import build_config, create_app
    from mockluma.app.state import engine_state, save_changes
    from mockluma.engine.store.snapshot import ChangeCollector

    async def run(state: str | None, count: int) -> dict[str, float]:
        app = create_app(build_config(mock_settings(state=state), environ={}))
        ctx = app.state.mockluma
        collector = ChangeCollector(engine_state(ctx))
        headers = {"Authorization": f"Bearer {API_KEY}"}
        result = {}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers
        ) as http:
            first = (await http.post(f"{DM}/generations/video", json=VIDEO_BODY)).json()["id"]
            for name, request in (
                (
                    "POST create video",
                    lambda: http.post(f"{DM}/generations/video", json=VIDEO_BODY),
                ),
                ("GET generation", lambda: http.get(f"{DM}/generations/{first}")),
            ):
                begin = time.process_time()
                for number in range(count):
                    await request()
                    if state is not None and number % 200 == 199:
                        save_changes(ctx, collector)  # what the saver does every 0.5 s
                if state is not None:
                    save_changes(ctx, collector)
                    ctx.store.close()  # waits for the writer thread: its CPU time counts
                    ctx.store = type(ctx.store)(state)
                result[name] = (time.process_time() - begin) / count * 1e6
        ctx.store.close()
        return result

    rows, result = [], {}
    runs: dict[str, list[dict[str, float]]] = {"memory": [], "state": []}
    for number in range(args.rounds):
        order = ["memory", "state"] if number % 2 == 0 else ["state", "memory"]
        for name in order:
            path = None if name == "memory" else str(workdir / f"cpu-{number}.db")
            runs[name].append(asyncio.run(run(path, 2000)))
    for endpoint in ("GET generation", "POST create video"):
        memory = statistics.median(r[endpoint] for r in runs["memory"])
        stored = statistics.median(r[endpoint] for r in runs["state"])
        result[endpoint] = {"memory_us": memory, "state_us": stored, "ratio": stored / memory}
        rows.append([endpoint, f"{memory:.0f}", f"{stored:.0f}", f"{stored / memory:.3f}"])
    print(table(["endpoint", "memory CPU µs/req", "--state CPU µs/req", "state/memory"], rows))
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--only", choices=("throughput", "cpu", "restart"))
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="mockluma-state-bench-") as tmp:
        workdir = Path(tmp)
        if args.only in (None, "throughput"):
            print("throughput, memory vs --state:", flush=True)
            results["throughput"] = throughput(args, workdir)
        if args.only in (None, "cpu"):
            print("CPU per request, in-process, memory vs --state:", flush=True)
            results["cpu"] = cpu_cost(args, workdir)
        if args.only in (None, "restart"):
            print("restart:", flush=True)
            results["restart"] = restart(args, workdir)
    write_result("state_store", results)


if __name__ == "__main__":
    main()
