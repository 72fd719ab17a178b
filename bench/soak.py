"""Soak and abuse measurements of a running ``mockluma serve`` (loopback only).

    python bench/soak.py soak [--requests 20000] [--seconds 120]
    python bench/soak.py hangups [--clients 300]
    python bench/soak.py big-bodies [--requests 12000] [--kind create|refused]
    python bench/soak.py journal-read
    python bench/soak.py idle-sockets [--sockets 1100] [--fd-limit 1024]
    python bench/soak.py all

Each scenario starts its own server (``python -m mockluma serve`` on a free port of 127.0.0.1,
its log written to a file), drives it, samples the server's resident memory (RSS, from
/proc/<pid>/status) and the journal's size (``GET /_mockluma/health``), prints a table and
writes ``results/soak-<scenario>.json``. Every scenario is bounded in count and in time.

- ``soak``: mixed traffic on every API (creates, polls, lists, refusals, 404s, journal reads,
  inbox posts, clock reads) from 16 clients; RSS and journal bytes sampled every second.
- ``hangups``: clients that send 900 kB of a 1 MB body and close; RSS before and after, log
  size, journal entries answered 500 (should be none) and abandoned.
- ``big-bodies``: POSTs with a 60 KiB prompt; ``create`` makes generations (state that a
  server keeps: the jobs hold their prompts), ``refused`` sends bodies the API refuses (the
  journal alone grows). RSS against the journal budget.
- ``journal-read``: a full journal (64 MB of 60 KiB bodies), read page after page while another
  client pings every 10 ms; the time of each page and of the whole read, and the longest ping
  (how long the read held the server).
- ``journal-block``: the same read in one process through the ASGI app, with a task on the
  same event loop measuring the longest time the loop was held (wall and CPU time).
- ``idle-sockets``: the server under ``ulimit -n`` (a soft limit of 1024 by default) and 1,100
  connections that send nothing; a fresh client keeps asking for ``/_mockluma/health`` for
  15 s. Counts the answers, and the log's size.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from _common import percentile, table, write_result

DM = "/dream-machine/v1"
KEY = "luma-soak-key-0001"
AUTH = {"Authorization": f"Bearer {KEY}"}
AGENTS_AUTH = {"Authorization": "Bearer luma-api-soak-0001"}
MIB = 1024**2
STACK: list[str] = ["-m", "mockluma"]
"""How the server is started: ``python -m mockluma``, or with uvloop and httptools hidden."""
_PLAIN_STACK = """
import sys
sys.modules["uvloop"] = sys.modules["httptools"] = None
try:
    import mockluma.handle.server as stack
except ImportError:  # mockluma before the architecture work
    import mockluma.server as stack
stack.uvicorn_stack = lambda: ("asyncio", "h11")
from mockluma.cli import main
main(sys.argv[1:])
"""
CODE: dict[str, str] = {}
"""``PYTHONPATH`` of the server when ``--code DIR`` measures another version of mockluma."""


class Server:
    """``mockluma serve`` in a child process, on a free loopback port."""

    def __init__(self, *flags: str, fd_limit: int | None = None) -> None:
        self.log_path = Path(tempfile.mkstemp(prefix="mockluma-soak-", suffix=".log")[1])
        self._log = self.log_path.open("w")

        def limit_fds() -> None:
            if fd_limit is not None:
                hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
                resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, hard))

        self.process = subprocess.Popen(
            [
                *(sys.executable, *STACK, "serve", "--port", "0"),
                *("--rate-limits", "off", *flags),
            ],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            preexec_fn=limit_fds,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **CODE},
            cwd=CODE.get("PYTHONPATH"),  # "-m" puts the working directory first
        )
        assert self.process.stdout is not None
        banner = self.process.stdout.readline()
        self.port = int(banner.rsplit(":", 1)[1])
        for line in self.process.stdout:
            if "Ctrl-C" in line:
                break
        self.url = f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def log_bytes(self) -> int:
        self._log.flush()
        return self.log_path.stat().st_size

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def health(server: Server) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{server.url}/_mockluma/health", timeout=30).json()
    # Versions before the byte budget do not report the journal's size.
    answer.setdefault("journal", {"entries": -1, "bytes": -1, "max_bytes": -1})
    return answer


# -- soak ------------------------------------------------------------------------------------


async def mixed_client(
    http: httpx.AsyncClient, stop_at: float, budget: list[int], statuses: dict[int, int]
) -> None:
    rng = random.Random(len(statuses))
    ids: list[str] = []
    while budget[0] > 0 and time.monotonic() < stop_at:
        budget[0] -= 1
        pick = rng.random()
        if pick < 0.2:
            body = {"model": "ray-2", "prompt": "a soak test " + "x" * rng.randrange(2000)}
            answer = await http.post(f"{DM}/generations", json=body, headers=AUTH)
            if answer.status_code == 201:
                ids.append(answer.json()["id"])
        elif pick < 0.45 and ids:
            answer = await http.get(f"{DM}/generations/{rng.choice(ids)}", headers=AUTH)
        elif pick < 0.55:
            answer = await http.get(f"{DM}/generations?limit=10", headers=AUTH)
        elif pick < 0.6:
            answer = await http.post(
                f"{DM}/generations", content=b'{"model": 1', headers=AUTH
            )  # refused
        elif pick < 0.65:
            answer = await http.get(f"/nowhere/{rng.random()}")
        elif pick < 0.7:
            answer = await http.get(
                "/api/v2/capture/credits", headers={"Authorization": "luma-api-key=k"}
            )
        elif pick < 0.75:
            answer = await http.get("/v1/files", headers=AGENTS_AUTH)
        elif pick < 0.8:
            answer = await http.post("/v1/luma-ai/generations", json={"prompt": "x"}, headers=AUTH)
        elif pick < 0.85:
            answer = await http.post("/lumalabs-ai/v1/generate", json={"prompt": "y"})
        elif pick < 0.9:
            answer = await http.post("/_mockluma/inbox/soak", json={"id": "g", "state": "x"})
        elif pick < 0.95:
            answer = await http.get("/_mockluma/journal?limit=50")
        else:
            answer = await http.get("/_mockluma/clock")
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1


async def sample(server: Server, stop: asyncio.Event, rows: list[dict[str, Any]]) -> None:
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        while not stop.is_set():
            journal = (await http.get("/_mockluma/health")).json().get("journal", {})
            journal.pop("max_bytes", None)
            rows.append(
                {"t": round(time.monotonic() - started, 1), "rss_mb": server.rss_mb(), **journal}
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)


def soak(args: argparse.Namespace) -> dict[str, Any]:
    with Server("--speed", "60") as server:
        rss_start = server.rss_mb()
        budget = [args.requests]
        statuses: dict[int, int] = {}
        samples: list[dict[str, Any]] = []

        async def run() -> None:
            stop = asyncio.Event()
            sampler = asyncio.create_task(sample(server, stop, samples))
            limits = httpx.Limits(max_connections=16)
            async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as http:
                stop_at = time.monotonic() + args.seconds
                await asyncio.gather(
                    *(mixed_client(http, stop_at, budget, statuses) for _ in range(16))
                )
            stop.set()
            await sampler

        started = time.monotonic()
        asyncio.run(run())
        elapsed = time.monotonic() - started
        sent = args.requests - budget[0]
        result = {
            "requests": sent,
            "seconds": round(elapsed, 1),
            "statuses": dict(sorted(statuses.items())),
            "server_errors": sum(n for s, n in statuses.items() if s >= 500),
            "rss_start_mb": round(rss_start, 1),
            "rss_end_mb": round(server.rss_mb(), 1),
            "rss_max_mb": round(max(row["rss_mb"] for row in samples), 1),
            "journal_end": health(server).get("journal"),
            "log_bytes": server.log_bytes(),
            "samples": samples,
        }
    print(
        table(
            ["requests", "s", "5xx", "RSS start MB", "RSS max MB", "RSS end MB", "log bytes"],
            [
                [
                    sent,
                    result["seconds"],
                    result["server_errors"],
                    result["rss_start_mb"],
                    result["rss_max_mb"],
                    result["rss_end_mb"],
                    result["log_bytes"],
                ]
            ],
        )
    )
    print("statuses:", result["statuses"], "journal:", result["journal_end"])
    return result


# -- hang-ups --------------------------------------------------------------------------------


def hang_up(port: int, sent: int, declared: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as conn:
        head = (
            f"POST {DM}/generations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {KEY}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {declared}\r\n\r\n"
        ).encode()
        conn.sendall(head + b"{" + b" " * (sent - 1))


def hangups(args: argparse.Namespace) -> dict[str, Any]:
    with Server() as server:
        httpx.get(f"{server.url}/_mockluma/health")
        rss_before = server.rss_mb()
        started = time.monotonic()
        for _ in range(args.clients):
            hang_up(server.port, 900_000, 1_000_000)
        # Let the server notice the last hang-ups (it answers health only after them).
        for _ in range(50):
            if health(server)["journal"]["entries"] >= args.clients:
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        rss_after = server.rss_mb()
        journal = httpx.get(f"{server.url}/_mockluma/journal?status=500").json()
        abandoned = httpx.get(f"{server.url}/_mockluma/journal?status=499").json()
        result = {
            "clients": args.clients,
            "seconds": round(elapsed, 1),
            "rss_before_mb": round(rss_before, 1),
            "rss_after_mb": round(rss_after, 1),
            "rss_growth_mb": round(rss_after - rss_before, 1),
            "entries_500": len(journal),
            "entries_abandoned": len(abandoned),
            "largest_abandoned_body": max(
                (len(json.dumps(e["request"])) for e in abandoned), default=0
            ),
            "log_bytes": server.log_bytes(),
            "journal": health(server)["journal"],
        }
    print(
        table(
            [
                "clients",
                "RSS before MB",
                "RSS after MB",
                "growth MB",
                "500s",
                "abandoned",
                "log bytes",
            ],
            [
                [
                    args.clients,
                    result["rss_before_mb"],
                    result["rss_after_mb"],
                    result["rss_growth_mb"],
                    result["entries_500"],
                    result["entries_abandoned"],
                    result["log_bytes"],
                ]
            ],
        )
    )
    return result


# -- big bodies ------------------------------------------------------------------------------


def big_bodies(args: argparse.Namespace) -> dict[str, Any]:
    prompt = "a long prompt " * (60 * 1024 // 14)
    if args.kind == "create":
        body = json.dumps({"model": "ray-2", "prompt": prompt}).encode()
    else:  # refused by the schema: an unknown model
        body = json.dumps({"model": "no-such-model", "prompt": prompt}).encode()
    with Server() as server:
        rss_before = server.rss_mb()
        statuses: dict[int, int] = {}

        async def run() -> None:
            limits = httpx.Limits(max_connections=8)
            async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as http:
                headers = {**AUTH, "Content-Type": "application/json"}
                queue = iter(range(args.requests))

                async def worker() -> None:
                    for _ in queue:
                        answer = await http.post(f"{DM}/generations", content=body, headers=headers)
                        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1

                await asyncio.gather(*(worker() for _ in range(8)))

        started = time.monotonic()
        asyncio.run(run())
        elapsed = time.monotonic() - started
        rss_after = server.rss_mb()
        journal = health(server)["journal"]
        result = {
            "kind": args.kind,
            "requests": args.requests,
            "body_bytes": len(body),
            "seconds": round(elapsed, 1),
            "statuses": statuses,
            "rss_before_mb": round(rss_before, 1),
            "rss_after_mb": round(rss_after, 1),
            "journal": journal,
            "journal_budget_mb": journal["max_bytes"] / MIB,
            "log_bytes": server.log_bytes(),
        }
    print(
        table(
            ["kind", "requests", "s", "RSS before MB", "RSS after MB", "journal MB", "budget MB"],
            [
                [
                    args.kind,
                    args.requests,
                    result["seconds"],
                    result["rss_before_mb"],
                    result["rss_after_mb"],
                    round(journal["bytes"] / MIB, 1),
                    result["journal_budget_mb"],
                ]
            ],
        )
    )
    print("statuses:", statuses)
    return result


# -- journal read ----------------------------------------------------------------------------


def journal_read(args: argparse.Namespace) -> dict[str, Any]:
    body = json.dumps({"model": "no-such-model", "prompt": "p" * 60 * 1024}).encode()
    with Server() as server:

        async def fill() -> None:
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
                headers = {**AUTH, "Content-Type": "application/json"}

                async def worker(count: int) -> None:
                    for _ in range(count):
                        await http.post(f"{DM}/generations", content=body, headers=headers)

                await asyncio.gather(*(worker(args.fill // 8) for _ in range(8)))

        asyncio.run(fill())
        journal = health(server)["journal"]

        async def read() -> dict[str, Any]:
            # The pinger runs in its own process, so that this one parsing pages does not
            # delay it: what it measures is the server alone.
            pinger = subprocess.Popen(
                [sys.executable, __file__, "_ping", server.url],
                stdout=subprocess.PIPE,
                text=True,
            )
            await asyncio.sleep(3.0)  # pings before the read: the machine's own noise
            read_from = time.time()
            pages: list[tuple[float, int, int]] = []
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
                url: str | None = "/_mockluma/journal"
                whole = time.perf_counter()
                while url:
                    started = time.perf_counter()
                    answer = await http.get(url)
                    took = time.perf_counter() - started
                    pages.append((took, len(answer.json()), len(answer.content)))
                    url = answer.links.get("next", {}).get("url")
                whole = time.perf_counter() - whole
            read_until = time.time()
            await asyncio.sleep(0.5)
            pinger.terminate()
            out, _ = pinger.communicate()
            timed = [tuple(map(float, line.split())) for line in out.splitlines() if line]
            before = [latency for at, latency in timed if at < read_from]
            during = [latency for at, latency in timed if read_from <= at <= read_until]
            return {"pages": pages, "whole_s": whole, "pings": during, "before": before}

        outcome = asyncio.run(read())
        page_times = [p[0] for p in outcome["pages"]]
        result = {
            "journal": journal,
            "pages": len(page_times),
            "entries_read": sum(p[1] for p in outcome["pages"]),
            "page_bytes_max": max(p[2] for p in outcome["pages"]),
            "page_s_median": round(percentile(page_times, 50), 3),
            "page_s_max": round(max(page_times), 3),
            "whole_read_s": round(outcome["whole_s"], 3),
            "ping_ms_median": round(percentile(outcome["pings"], 50) * 1000, 1),
            "ping_ms_max": round(max(outcome["pings"]) * 1000, 1),
            "pings": len(outcome["pings"]),
            "ping_ms_median_before": round(percentile(outcome["before"], 50) * 1000, 1),
            "ping_ms_max_before": round(max(outcome["before"]) * 1000, 1),
        }
    print(
        table(
            [
                "entries",
                "journal MB",
                "pages",
                "page s (median/max)",
                "whole read s",
                "ping ms median/max before",
                "during the read",
            ],
            [
                [
                    result["entries_read"],
                    round(journal["bytes"] / MIB, 1),
                    result["pages"],
                    f"{result['page_s_median']}/{result['page_s_max']}",
                    result["whole_read_s"],
                    f"{result['ping_ms_median_before']}/{result['ping_ms_max_before']}",
                    f"{result['ping_ms_median']}/{result['ping_ms_max']}",
                ]
            ],
        )
    )
    return result


def journal_block(args: argparse.Namespace) -> dict[str, Any]:
    """In one process, no socket: a full journal read page by page through the ASGI app while
    a task on the same event loop wakes every millisecond; the longest gap between its wake-ups,
    in wall time and in CPU time (which a loaded machine does not inflate)."""
    from mockluma.app import create_app
    from mockluma.config import build_config

    app = create_app(build_config({"clock": "manual"}, environ={}))
    journal = app.state.mockluma.journal
    body = json.dumps({"model": "x", "prompt": "p" * 60 * 1024}).encode()
    for _ in range(args.fill):
        journal.record(
            at=0.0,
            method="POST",
            path=f"{DM}/generations",
            query="",
            api_key=KEY,
            status=422,
            request_body=body,
            response_body=b'{"detail": "refused"}',
            response_type="application/json",
        )

    async def run() -> dict[str, Any]:
        wall: list[float] = []
        cpu: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            last_wall, last_cpu = time.perf_counter(), time.process_time()
            while not done.is_set():
                await asyncio.sleep(0.001)
                now_wall, now_cpu = time.perf_counter(), time.process_time()
                wall.append(now_wall - last_wall)
                cpu.append(now_cpu - last_cpu)
                last_wall, last_cpu = now_wall, now_cpu

        task = asyncio.create_task(ticker())
        transport = httpx.ASGITransport(app=app)
        pages: list[float] = []
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            url: str | None = "/_mockluma/journal"
            started = time.perf_counter()
            while url:
                page_started = time.perf_counter()
                answer = await http.get(url)
                pages.append(time.perf_counter() - page_started)
                url = answer.links.get("next", {}).get("url")
            whole = time.perf_counter() - started
        done.set()
        await task
        return {
            "entries": len(journal),
            "journal_mb": round(journal.size / MIB, 1),
            "pages": len(pages),
            "page_s_max": round(max(pages), 3),
            "whole_read_s": round(whole, 3),
            "longest_gap_wall_ms": round(max(wall) * 1000, 1),
            "longest_gap_cpu_ms": round(max(cpu) * 1000, 1),
            "load_average": os.getloadavg()[0],
        }

    result = asyncio.run(run())
    print(table(list(result), [list(result.values())]))
    return result


# -- idle sockets ----------------------------------------------------------------------------


def idle_sockets(args: argparse.Namespace) -> dict[str, Any]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.sockets + 100:  # this process holds the client ends
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.sockets + 1000), hard))
    with Server(fd_limit=args.fd_limit) as server:
        idle: list[socket.socket] = []
        refused = 0
        for _ in range(args.sockets):
            try:
                conn = socket.socket()
                conn.setblocking(False)
                conn.connect_ex(("127.0.0.1", server.port))
                idle.append(conn)
            except OSError:
                refused += 1
        answered = failed = 0
        latencies: list[float] = []
        first_answer: float | None = None
        started = time.monotonic()
        while time.monotonic() - started < args.seconds:
            asked = time.perf_counter()
            try:
                answer = httpx.get(f"{server.url}/_mockluma/health", timeout=2)
                if answer.status_code == 200:
                    answered += 1
                    latencies.append(time.perf_counter() - asked)
                    if first_answer is None:
                        first_answer = time.monotonic() - started
                else:
                    failed += 1
            except httpx.HTTPError:
                failed += 1
            time.sleep(0.1)
        closed_by_server = 0
        for conn in idle:
            try:
                if conn.recv(1) == b"":
                    closed_by_server += 1
            except BlockingIOError:
                pass
            except OSError:
                closed_by_server += 1
            conn.close()
        result = {
            "fd_limit": args.fd_limit,
            "idle_sockets": args.sockets,
            "seconds": args.seconds,
            "health_answered": answered,
            "health_failed": failed,
            "first_answer_after_s": None if first_answer is None else round(first_answer, 1),
            "latency_ms_median": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
            "idle_closed_by_server": closed_by_server,
            "log_bytes": server.log_bytes(),
            "log_head": server.log_path.read_text()[:600],
        }
    print(
        table(
            [
                "fd limit",
                "idle sockets",
                "health OK",
                "failed",
                "first OK after s",
                "idle closed by server",
                "log bytes",
            ],
            [
                [
                    args.fd_limit,
                    args.sockets,
                    answered,
                    failed,
                    result["first_answer_after_s"],
                    closed_by_server,
                    result["log_bytes"],
                ]
            ],
        )
    )
    return result


SCENARIOS = {
    "soak": soak,
    "hangups": hangups,
    "big-bodies": big_bodies,
    "journal-read": journal_read,
    "journal-block": journal_block,
    "idle-sockets": idle_sockets,
}


def _ping(url: str) -> None:
    """``GET /dream-machine/v1/credits`` every 10 ms until terminated; prints each latency."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with httpx.Client(base_url=url, timeout=60) as http:
        while True:
            started = time.perf_counter()
            http.get(f"{DM}/credits", headers=AUTH)
            print(time.time(), time.perf_counter() - started, flush=True)
            time.sleep(0.01)


def main(argv: Sequence[str] | None = None) -> None:
    if sys.argv[1:2] == ["_ping"]:
        _ping(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", choices=[*SCENARIOS, "all"])
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--kind", choices=("create", "refused"), default="refused")
    parser.add_argument("--fill", type=int, default=2000)
    parser.add_argument("--sockets", type=int, default=1100)
    parser.add_argument("--fd-limit", type=int, default=1024)
    parser.add_argument(
        "--code",
        metavar="DIR",
        help="serve the mockluma package found in DIR (an older checkout, for a before/after)",
    )
    parser.add_argument(
        "--plain-stack",
        action="store_true",
        help="serve with asyncio and h11 even where uvloop and httptools are installed",
    )
    args = parser.parse_args(argv)
    if args.plain_stack:
        STACK[:] = ["-c", _PLAIN_STACK]
    if args.code:
        CODE["PYTHONPATH"] = str(Path(args.code).resolve())
    chosen = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    for name in chosen:
        defaults = {
            "soak": (20_000, 120.0),
            "big-bodies": (12_000, 0.0),
            "idle-sockets": (0, 15.0),
        }.get(name, (0, 0.0))
        scenario_args = argparse.Namespace(**vars(args))
        scenario_args.requests = args.requests or defaults[0]
        scenario_args.seconds = args.seconds or defaults[1]
        print(f"== {name}")
        result = SCENARIOS[name](scenario_args)
        write_result(f"soak-{name}", result)


if __name__ == "__main__":
    main()
