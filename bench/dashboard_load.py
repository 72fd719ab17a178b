"""What open dashboards cost the API, and how the journal view copes with a full journal.

    python bench/dashboard_load.py [--rounds 20] [--duration 2] [--connections 8]
                                   [--dashboards 5] [--pages journal]

1. **Throughput with dashboards open.** A ``mockluma serve`` (real clock, quick timing) in a
   child process; 20 completed generations; ``GET /dream-machine/v1/generations/{id}`` in turn
   over them from ``--connections`` keep-alive connections for ``--duration`` seconds. Rounds
   alternate (A B B A ...) between no dashboard and ``--dashboards`` dashboards open: each one
   holds the event stream (``/_mockluma/ui/events``) and, as a browser page does, fetches its
   live region whenever an event names a topic its page shows. The dashboards run in a process
   of their own, so their client-side work is not charged to the load generator. Every GET adds
   a journal entry, so the journal page (the default) refreshes on every event: the worst case.
   Reported: median req/s of each kind of round, and the drop (goal: under 5 %).
2. **The journal view with a full journal.** After the load the journal holds its 10,000
   entries (more requests are sent if it does not). Timed, 30 times each: the first page, a
   filter that matches nothing (a scan of every entry), an older page, and one entry with its
   bodies; their sizes show that no page carries the whole journal.

Results go to ``bench/results/dashboard_load.json`` and are summed up in ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import httpx
from _common import API_KEY, DM, VIDEO_BODY, asgi_call, percentile, table, write_result

WATCHES = {
    "": {"generations", "limits", "faults"},
    "/ui/generations": {"generations"},
    "/ui/journal": {"journal"},
    "/ui/faults": {"faults"},
    "/ui/callbacks": {"callbacks"},
}
PAGES = {"overview": "", "generations": "/ui/generations", "journal": "/ui/journal"}
MIXED = ["", "/ui/generations", "/ui/journal", "/ui/faults", "/ui/callbacks"]


# -- the server -----------------------------------------------------------------------------


class Server:
    """``mockluma serve`` on a free port, in a child process."""

    def __init__(self) -> None:
        command = [sys.executable, "-m", "mockluma", "serve", "--port", "0", "--seed", "0"]
        command += ["--clock", "real", "--timing", "quick", "--rate-limits", "off"]
        command += ["--credits", "1000000000000"]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        found = re.search(r"listening on (http://\S+)", first)
        if found is None:
            self.stop()
            raise RuntimeError(f"mockluma serve printed {first!r}")
        self.url = found.group(1)

    def stop(self) -> float:
        """Stop it as Ctrl-C would; return how long that took."""
        started = time.perf_counter()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        return time.perf_counter() - started


def prepare(url: str) -> list[str]:
    """20 completed generations; their paths."""
    with httpx.Client(base_url=url, headers={"authorization": f"Bearer {API_KEY}"}) as client:
        ids = [
            client.post(f"{DM}/generations/video", json=dict(VIDEO_BODY)).json()["id"]
            for _ in range(20)
        ]
        client.post("/_mockluma/clock/run-until-idle", json={})
        states = {client.get(f"{DM}/generations/{i}").json()["state"] for i in ids}
        assert states == {"completed"}, states
    return [f"{DM}/generations/{i}" for i in ids]


# -- load -----------------------------------------------------------------------------------


async def _load(url: str, paths: Sequence[str], seconds: float, connections: int) -> dict[str, Any]:
    """``connections`` keep-alive connections, each sending one GET after another.

    A bare HTTP/1.1 client on asyncio streams, not httpx: httpx spends several times the mock's
    own CPU per request, and on a two-core machine the load generator would be what is measured.
    """
    host, port = url.removeprefix("http://").rsplit(":", 1)
    requests = [
        (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {API_KEY}\r\n\r\n"
        ).encode()
        for path in paths
    ]
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, int(port))
        turn = itertools.islice(itertools.cycle(requests), offset, None)
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                writer.write(next(turn))
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
                await reader.readexactly(int(length.group(1)) if length else 0)
                latencies.append(time.perf_counter() - started)
                errors += not head.startswith(b"HTTP/1.1 200")
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(connections)))
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1e3,
        "p99_ms": percentile(latencies, 99) * 1e3,
        "errors": errors,
    }


async def _paced(url: str, paths: Sequence[str], seconds: float, rate: float) -> int:
    """GETs at a steady ``rate`` per second on one connection (a light, fixed load)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    sent = 0
    started = time.perf_counter()
    try:
        while (elapsed := time.perf_counter() - started) < seconds:
            path = paths[sent % len(paths)]
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Authorization: Bearer {API_KEY}\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            await reader.readexactly(int(length.group(1)) if length else 0)
            sent += 1
            await asyncio.sleep(max(0.0, sent / rate - elapsed))
    finally:
        writer.close()
    return sent


def dashboard_cpu(
    url: str, paths: Sequence[str], pid: int, dashboards: Dashboards, rounds: int
) -> dict[str, Any]:
    """Server CPU per wall second under a fixed light load (100 GET/s, so the journal changes
    every second), with and without the dashboards: the difference is what they cost. Unlike
    req/s, CPU time hardly depends on what else the machine runs."""
    seconds = 3.0
    per_second: dict[str, list[float]] = {"none": [], "open": []}
    for r in range(rounds):
        for kind in ("none", "open") if r % 2 == 0 else ("open", "none"):
            if kind == "open":
                dashboards.open()
            before = cpu_seconds(pid)
            started = time.perf_counter()
            asyncio.run(_paced(url, paths, seconds, 100))
            used = cpu_seconds(pid) - before
            per_second[kind].append(used / (time.perf_counter() - started) * 1e3)
            if kind == "open":
                dashboards.close()
    none = statistics.median(per_second["none"])
    opened = statistics.median(per_second["open"])
    return {"ms_per_s": per_second, "none": none, "open": opened, "cost": opened - none}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux ``/proc``)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(
    url: str, paths: Sequence[str], seconds: float, connections: int, server_pid: int
) -> dict[str, Any]:
    """One round; also the server's CPU time per request, which other processes on a shared
    machine disturb far less than they disturb req/s."""
    before = cpu_seconds(server_pid)
    result = asyncio.run(_load(url, paths, seconds, connections))
    result["server_cpu_us_per_request"] = (
        (cpu_seconds(server_pid) - before) / max(1, result["requests"]) * 1e6
    )
    return result


# -- dashboards (run in a child process: --as-dashboards) ------------------------------------


async def _dashboard(url: str, page: str, ready: asyncio.Event, counts: dict[str, int]) -> None:
    watched = WATCHES[page]
    address = f"/_mockluma{page}" if page else "/_mockluma/"
    async with (
        httpx.AsyncClient(base_url=url, timeout=30) as client,
        client.stream("GET", "/_mockluma/ui/events") as stream,
    ):
        await client.get(address)  # the page itself, as a browser opens it
        event = ""
        async for line in stream.aiter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: "):
                counts["events"] += 1
                if event == "hello":
                    ready.set()
                    continue
                topics = set(json.loads(line.removeprefix("data: "))["topics"])
                if topics & watched:
                    answer = await client.get(address, headers={"x-mockluma-fragment": "live"})
                    counts["fetches"] += 1
                    counts["bytes"] += len(answer.content)


async def _dashboards(url: str, pages: Sequence[str]) -> None:
    """Obey ``open`` and ``close`` lines on stdin: open the dashboards (answering ``READY``
    once every stream has said hello), or close them (answering ``CLOSED`` and the counts)."""
    loop = asyncio.get_running_loop()
    tasks: list[asyncio.Task[None]] = []
    counts = {"events": 0, "fetches": 0, "bytes": 0}
    while command := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
        if command == "open":
            counts = {"events": 0, "fetches": 0, "bytes": 0}
            readies = [asyncio.Event() for _ in pages]
            tasks = [
                asyncio.create_task(_dashboard(url, page, ready, counts))
                for page, ready in zip(pages, readies, strict=True)
            ]
            await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in readies)), 30)
            print("READY", flush=True)
        elif command == "close":
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            print("CLOSED " + json.dumps(counts), flush=True)


class Dashboards:
    """Dashboards on ``pages`` in a child process, opened and closed on demand (so that a
    round does not pay for starting a process)."""

    def __init__(self, url: str, pages: Sequence[str]) -> None:
        command = [sys.executable, __file__, "--as-dashboards", url, *[p or "/" for p in pages]]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def _say(self, command: str) -> str:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def open(self) -> None:
        answer = self._say("open")
        if answer != "READY":
            raise RuntimeError(f"the dashboards said {answer!r}")

    def close(self) -> dict[str, int]:
        answer = self._say("close")
        counts: dict[str, int] = json.loads(answer.removeprefix("CLOSED "))
        return counts

    def end(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()


# -- the app's own cost: one process, one event loop, no sockets -----------------------------


async def _asgi(
    app: Any, method: str, path: str, headers: Sequence[tuple[bytes, bytes]] = (), body: bytes = b""
) -> tuple[int, bytes]:
    return await asgi_call(app, method, path, API_KEY, body, extra_headers=headers, stay=True)


async def _asgi_dashboard(app: Any, page: str, counts: dict[str, int]) -> None:
    """A dashboard over ASGI: the event stream, and a fetch of the live region per change."""
    watched = WATCHES[page]
    address = f"/_mockluma{page}" if page else "/_mockluma/"
    fetches: list[asyncio.Task[Any]] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] != "http.response.body":
            return
        for line in message.get("body", b"").decode().splitlines():
            if not (line.startswith("data: ") and "topics" in line):
                continue
            if set(json.loads(line.removeprefix("data: "))["topics"]) & watched:
                counts["fetches"] += 1
                fetches.append(
                    asyncio.create_task(
                        _asgi(app, "GET", address, [(b"x-mockluma-fragment", b"live")])
                    )
                )

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/_mockluma/ui/events",
        "raw_path": b"/_mockluma/ui/events",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000")],
        "client": ("127.0.0.1", 50001),
        "server": ("127.0.0.1", 8000),
    }
    first = True

    async def receive() -> dict[str, Any]:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    try:
        await app(scope, receive, send)
    finally:
        for task in fetches:
            task.cancel()


async def _in_process(pages: Sequence[str], rounds: int, seconds: float) -> dict[str, Any]:
    import mockluma

    settings = {"clock": "real", "timing": "quick", "seed": 0, "rate_limits": False}
    app = mockluma.create_app(mockluma.build_config(settings, environ={}))
    async with app.router.lifespan_context(app):
        made = [
            json.loads((await _asgi(app, "POST", f"{DM}/generations/video", body=body))[1])["id"]
            for body in [json.dumps(dict(VIDEO_BODY)).encode()] * 20
        ]
        await _asgi(app, "POST", "/_mockluma/clock/run-until-idle", body=b"{}")
        paths = itertools.cycle([f"{DM}/generations/{i}" for i in made])
        results: dict[str, list[float]] = {"none": [], "open": []}
        rounds_open: list[tuple[int, float, float]] = []  # GETs, CPU seconds, wall seconds
        counts = {"fetches": 0}
        for r in range(rounds):
            for kind in ("none", "open") if r % 2 == 0 else ("open", "none"):
                boards = (
                    [asyncio.create_task(_asgi_dashboard(app, page, counts)) for page in pages]
                    if kind == "open"
                    else []
                )
                await asyncio.sleep(0.05)
                done = 0
                started, wall = time.process_time(), time.perf_counter()
                while (used := time.process_time() - started) < seconds:
                    status, _ = await _asgi(app, "GET", next(paths))
                    assert status == 200
                    done += 1
                    await asyncio.sleep(0)  # let the hub and the dashboards have their turn
                results[kind].append(done / used)
                if kind == "open":
                    rounds_open.append((done, used, time.perf_counter() - wall))
                for board in boards:
                    board.cancel()
                await asyncio.gather(*boards, return_exceptions=True)
    none = statistics.median(results["none"])
    opened = statistics.median(results["open"])
    # The dashboards work per wall second (one look a second), the GETs per CPU second; on a
    # shared machine this process gets a fraction of a core, so the dashboards take a larger
    # share of its CPU than they would of a free core. Their CPU per wall second is what a
    # saturated server with a core of its own would lose: (CPU - GETs x cost of a GET) / wall.
    per_get = 1 / none
    share = [(cpu - done * per_get) / wall for done, cpu, wall in rounds_open]
    return {
        "per_cpu_second": results,
        "rounds_open": rounds_open,
        "none": none,
        "open": opened,
        "drop": 1 - opened / none,
        "dashboard_cpu_per_wall_second": statistics.median(share),
        "fetches": counts["fetches"],
    }


# -- the journal view -----------------------------------------------------------------------


def journal_held(client: httpx.Client) -> int:
    found = re.search(r"([\d,]+) exchanges? held", client.get("/_mockluma/ui/journal").text)
    return int(found.group(1).replace(",", "")) if found else 0


def time_view(client: httpx.Client, path: str, runs: int = 30) -> dict[str, Any]:
    times, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        answer = client.get(path)
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200, (path, answer.status_code)
        size = len(answer.content)
    return {
        "path": path,
        "p50_ms": percentile(times, 50) * 1e3,
        "p99_ms": percentile(times, 99) * 1e3,
        "max_ms": max(times) * 1e3,
        "bytes": size,
    }


def journal_view(url: str, paths: Sequence[str]) -> tuple[int, list[dict[str, Any]]]:
    """How many entries the journal holds, and the timings of its views."""
    with httpx.Client(base_url=url, headers={"authorization": f"Bearer {API_KEY}"}) as client:
        while (held := journal_held(client)) < 10_000:
            for _ in range(10_000 - held):
                client.get(paths[0])
        first = client.get("/_mockluma/ui/journal").text
        newest = int(re.findall(r'data-sequence="(\d+)"', first)[0])
        views = {
            "first page": "/_mockluma/ui/journal",
            "filter matching nothing (scans all)": "/_mockluma/ui/journal?status=418",
            "older page (5,000 back)": f"/_mockluma/ui/journal?before={newest - 5_000}",
            "one entry, with bodies": f"/_mockluma/ui/journal/{newest}",
        }
        return held, [{"view": view, **time_view(client, path)} for view, path in views.items()]


# -- the run --------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] == "--as-dashboards":
        asyncio.run(_dashboards(args[1], [p if p != "/" else "" for p in args[2:]]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=20, help="rounds of each kind (default 20)")
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per round")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--dashboards", type=int, default=5)
    parser.add_argument(
        "--pages",
        choices=(*PAGES, "mixed"),
        default="journal",
        help="the page every dashboard shows, or 'mixed' (one of each page)",
    )
    options = parser.parse_args(args)
    if options.pages == "mixed":
        pages = [MIXED[i % len(MIXED)] for i in range(options.dashboards)]
    else:
        pages = [PAGES[options.pages]] * options.dashboards

    # The app's own cost first, while no server runs: GETs per CPU second of one process.
    own = asyncio.run(_in_process(pages, max(6, options.rounds // 2), 3.0))

    server = Server()
    try:
        paths = prepare(server.url)
        pid = server.process.pid
        load(server.url, paths, 2, options.connections, pid)  # warm-up
        runs: dict[str, list[dict[str, Any]]] = {"none": [], "open": []}
        fetched: list[dict[str, int]] = []
        # A B B A ...: drift on a shared machine weighs on both kinds alike.
        dashboards = Dashboards(server.url, pages)
        order = [
            kind
            for r in range(options.rounds)
            for kind in (("none", "open") if r % 2 == 0 else ("open", "none"))
        ]
        for kind in order:
            if kind == "none":
                runs[kind].append(
                    load(server.url, paths, options.duration, options.connections, pid)
                )
                continue
            dashboards.open()
            try:
                runs[kind].append(
                    load(server.url, paths, options.duration, options.connections, pid)
                )
            finally:
                fetched.append(dashboards.close())
        cost = dashboard_cpu(server.url, paths, pid, dashboards, max(4, options.rounds // 2))
        held, journal = journal_view(server.url, paths)
        # Dashboards open while the server stops: Ctrl-C must not wait for them.
        dashboards.open()
    finally:
        stop_seconds = server.stop()
    dashboards.close()
    dashboards.end()

    none = statistics.median(r["rps"] for r in runs["none"])
    open_ = statistics.median(r["rps"] for r in runs["open"])
    drop = 1 - open_ / none
    # Each "open" round next to the "none" round it is paired with (A B B A: rounds 2k, 2k+1).
    pairs = [runs["open"][k]["rps"] / runs["none"][k]["rps"] for k in range(len(runs["open"]))]
    paired_drop = 1 - statistics.median(pairs)
    cpu_none = statistics.median(r["server_cpu_us_per_request"] for r in runs["none"])
    cpu_open = statistics.median(r["server_cpu_us_per_request"] for r in runs["open"])
    print(
        f"GET generation, {options.connections} connections, {options.rounds} rounds of "
        f"{options.duration:g} s each way; {options.dashboards} dashboards on "
        f"{options.pages} (cpu count {os.cpu_count()})"
    )
    print(
        table(
            [
                "rounds",
                "median req/s",
                "server CPU µs/req",
                "p50 ms",
                "p99 ms",
                "errors",
                "each round req/s",
            ],
            [
                [
                    kind,
                    f"{statistics.median(r['rps'] for r in results):,.0f}",
                    f"{statistics.median(r['server_cpu_us_per_request'] for r in results):,.0f}",
                    f"{statistics.median(r['p50_ms'] for r in results):.2f}",
                    f"{statistics.median(r['p99_ms'] for r in results):.2f}",
                    sum(r["errors"] for r in results),
                    " ".join(f"{r['rps']:.0f}" for r in results),
                ]
                for kind, results in (
                    ("no dashboard", runs["none"]),
                    ("dashboards open", runs["open"]),
                )
            ],
        )
    )
    fetches = statistics.median(c.get("fetches", 0) for c in fetched) if fetched else 0
    print(
        f"drop: {drop:.1%} (goal < 5 %): {'met' if drop < 0.05 else 'NOT met'}; the dashboards "
        f"fetched their live region {fetches:.0f} times per round (median)"
    )
    print(
        f"paired rounds: median drop {paired_drop:.1%} "
        f"(each pair: {' '.join(f'{1 - p:+.0%}' for p in pairs)})"
    )
    print(
        f"server CPU per request: {cpu_open / cpu_none - 1:+.1%} with the dashboards open "
        f"({cpu_none:,.0f} -> {cpu_open:,.0f} µs)"
    )
    print(
        f"in one process (ASGI, no sockets), GETs per CPU second: {own['none']:,.0f} without, "
        f"{own['open']:,.0f} with the dashboards (drop {own['drop']:.1%} of this process's CPU "
        f"share; {own['fetches']} live-region fetches in {len(own['rounds_open'])} rounds); the "
        f"dashboards used {own['dashboard_cpu_per_wall_second']:.1%} of a CPU per wall second: "
        f"what a saturated server with a core of its own would lose"
    )
    capacity_ms = cpu_none / 1e3  # server CPU ms per GET, with nothing else running
    print(
        f"server CPU at 100 GET/s: {cost['none']:.1f} ms/s without dashboards, "
        f"{cost['open']:.1f} ms/s with them: they cost {cost['cost']:.1f} ms of CPU per second, "
        f"{cost['cost'] / 10:.1f} % of one core (a saturated server, at {capacity_ms * 1e3:.0f} µs "
        f"a GET, would lose {cost['cost'] / 1000:.1%} of its throughput)"
    )
    print()
    print(f"Journal view with {held:,} entries held (30 requests each, one client, no other load)")
    print(
        table(
            ["view", "p50 ms", "p99 ms", "max ms", "bytes"],
            [
                [
                    j["view"],
                    f"{j['p50_ms']:.1f}",
                    f"{j['p99_ms']:.1f}",
                    f"{j['max_ms']:.1f}",
                    f"{j['bytes']:,}",
                ]
                for j in journal
            ],
        )
    )
    print(f"\nCtrl-C with a dashboard streaming: the server stopped in {stop_seconds:.2f} s")
    path = write_result(
        "dashboard_load",
        {
            "options": vars(options),
            "rounds": runs,
            "median_rps": {"none": none, "open": open_},
            "median_server_cpu_us_per_request": {"none": cpu_none, "open": cpu_open},
            "drop": drop,
            "paired_drop": paired_drop,
            "dashboard_cpu": cost,
            "in_process": own,
            "dashboard_counts": fetched,
            "journal_held": held,
            "journal_view": journal,
            "stop_seconds": stop_seconds,
        },
    )
    print(f"(results in {path.relative_to(path.parents[2])})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
