"""Requests per second and latency of the mock over real HTTP, next to a bare Starlette app.

    .venv/bin/python bench/server_throughput.py [--duration 2] [--rounds 2] [--connections 32]
        [--stack uvloop+httptools --stack asyncio+h11] [--loader auto|wrk|python]

For each uvicorn stack (event loop + HTTP parser) it starts, each in its own process on a free
loopback port, the mock (manual clock, seed 0, endless credits) and a bare Starlette app that
answers the same route templates with the exact bytes and Content-Type the mock gave, captured
beforehand. Both run under the same uvicorn settings (access log off, log level warning), pinned
to CPU 0, while the load generator runs on CPU 1 (``--no-pin`` to skip). Runs alternate between
the two apps and the best of ``--rounds`` counts for each.

The load generator is ``wrk`` when it is installed and a Python one (concurrent workers with one
``httpx.AsyncClient`` connection each) otherwise; the Python one is slower than the servers it
measures, so its numbers are a floor and the mock/bare ratio is compressed toward 1.

Prints one table per stack (requests/s, p50, p99, mock/bare) and a comparison of the stacks, and
writes ``bench/results/server_throughput.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import importlib.util
import itertools
import json
import os
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx
from _common import API_KEY, BENCH_DIR, DM, VIDEO_BODY, percentile, table, write_result

CREATE_KEY = "bench-create"
"""Creates go to their own key, so the list and GET answers of ``bench`` never change."""
ROTATE_KEY = "bench-rotate"
"""The generations asked in turn: more than the routes keep answers for, so none is reused."""

SERVER_CPU = 0
LOADER_CPU = 1
GOAL_ENDPOINT = "get"
GOAL_RATIO = 0.5

LUA_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %.1f, "p99_us": %.1f, ' ..
    '"mean_us": %.1f, "errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, e.connect + e.read + e.write + e.status + e.timeout))
end
"""


@dataclass(frozen=True, slots=True)
class Stack:
    """The uvicorn settings that differ between runs; the rest are fixed (see module doc)."""

    loop: str
    http: str

    @property
    def label(self) -> str:
        return f"{self.loop}+{self.http}"

    def uvicorn_settings(self) -> dict[str, Any]:
        return {
            "loop": self.loop,
            "http": self.http,
            "access_log": False,
            "log_level": "warning",
            "lifespan": "off",
            "workers": 1,
        }


def importable(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def best_stack() -> Stack:
    """uvloop if importable, else asyncio; httptools if importable, else h11."""
    return Stack(
        "uvloop" if importable("uvloop") else "asyncio",
        "httptools" if importable("httptools") else "h11",
    )


def parse_stack(text: str) -> Stack:
    loop, _, http = text.partition("+")
    if loop not in ("asyncio", "uvloop") or http not in ("h11", "httptools"):
        raise argparse.ArgumentTypeError(
            f"{text!r}: write LOOP+HTTP with LOOP asyncio or uvloop, HTTP h11 or httptools"
        )
    for module in {loop, http} - {"asyncio", "h11"}:
        if not importable(module):
            raise argparse.ArgumentTypeError(
                f"{module} is not installed in this interpreter (.venv/bin/pip install {module})"
            )
    return Stack(loop, http)


@dataclass(frozen=True, slots=True)
class Target:
    """One endpoint under load."""

    key: str
    name: str
    method: str
    path: str
    """The concrete path (and query) requested."""
    route: str
    """The route template the bare app registers (the mock's own template)."""
    api_key: str = API_KEY
    body: bytes | None = None
    rotate: tuple[str, ...] = ()
    """Paths asked in turn instead of ``path`` (each one once per ``len(rotate)`` requests)."""


@dataclass(frozen=True, slots=True)
class Capture:
    """What the mock answered to a target, served verbatim by the bare app."""

    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Load:
    """The outcome of one measured run."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# -- servers --------------------------------------------------------------------------------


class ServerProcess:
    """``bench/_serve.py`` in a child process; ``url`` once it listens."""

    def __init__(
        self,
        app: str,
        stack: Stack,
        *,
        spec: Path | None = None,
        cpu: int | None = None,
        profile: Path | None = None,
    ) -> None:
        command = [sys.executable, str(BENCH_DIR / "_serve.py"), app]
        command += ["--loop", stack.loop, "--http", stack.http]
        if spec is not None:
            command += ["--spec", str(spec)]
        if cpu is not None:
            command += ["--cpu", str(cpu)]
        if profile is not None:
            command += ["--profile", str(profile)]
        self._command = command
        self._process: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> ServerProcess:
        process = subprocess.Popen(self._command, stdout=subprocess.PIPE, text=True)
        self._process = process
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=30):
                self._stop()
                raise RuntimeError(f"{self._command} did not report its port within 30 s")
        line = process.stdout.readline().strip()
        if not line.startswith("PORT "):
            self._stop()
            raise RuntimeError(f"{self._command} printed {line!r} instead of its port")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        process = self._process
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        self._process = None


# -- setting up the mock and capturing its answers ------------------------------------------


def prepare_mock(url: str, rotate: int) -> list[Target]:
    """Give ``bench`` 20 completed videos, and ``bench-rotate`` ``rotate`` more; return the
    targets, in the order they are run."""
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        ids = []
        for _ in range(20):
            response = client.post(f"{DM}/generations/video", json=dict(VIDEO_BODY))
            response.raise_for_status()
            ids.append(response.json()["id"])
        many = []
        rotating = {"Authorization": f"Bearer {ROTATE_KEY}"}
        for _ in range(rotate):
            response = client.post(
                f"{DM}/generations/video", json=dict(VIDEO_BODY), headers=rotating
            )
            response.raise_for_status()
            many.append(response.json()["id"])
        client.post("/_mockluma/clock/advance", json={"seconds": 3600}).raise_for_status()
        generation = client.get(f"{DM}/generations/{ids[0]}").json()
    if generation["state"] != "completed":
        raise RuntimeError(f"the benchmark generation did not complete: {generation!r}")
    media = urlsplit(generation["assets"]["video"]).path
    return [
        Target(
            "get",
            "GET generation",
            "GET",
            f"{DM}/generations/{ids[0]}",
            f"{DM}/generations/{{id}}",
        ),
        Target(
            "get-many",
            f"GET generation, {rotate:,} in turn",
            "GET",
            f"{DM}/generations/{many[0]}",
            f"{DM}/generations/{{id}}",
            api_key=ROTATE_KEY,
            rotate=tuple(f"{DM}/generations/{job_id}" for job_id in many),
        ),
        Target(
            "list", "GET list ?limit=10", "GET", f"{DM}/generations?limit=10", f"{DM}/generations"
        ),
        Target("credits", "GET credits", "GET", f"{DM}/credits", f"{DM}/credits"),
        Target("media", "GET media (mp4)", "GET", media, "/_mockluma/media/{token}/{name:path}"),
        # Last: every create adds a generation (to its own key).
        Target(
            "create",
            "POST create video",
            "POST",
            f"{DM}/generations/video",
            f"{DM}/generations/video",
            api_key=CREATE_KEY,
            body=json.dumps(dict(VIDEO_BODY)).encode(),
        ),
    ]


def fetch(url: str, target: Target) -> Capture:
    headers = {"Authorization": f"Bearer {target.api_key}"}
    if target.body is not None:
        headers["Content-Type"] = "application/json"
    response = httpx.request(
        target.method, url + target.path, content=target.body, headers=headers, timeout=30
    )
    return Capture(response.status_code, response.headers.get("content-type", ""), response.content)


def served_by_bare(targets: Sequence[Target], captures: dict[str, Capture]) -> dict[str, Capture]:
    """What the bare app answers to each target: the capture of the first target with the same
    method and route (GET generation and its in-turn variant share one route; their answers
    differ only in the id, and have the same size)."""
    first: dict[tuple[str, str], Capture] = {}
    for target in targets:
        first.setdefault((target.method, target.route), captures[target.key])
    return {target.key: first[(target.method, target.route)] for target in targets}


def bare_spec(targets: Sequence[Target], captures: dict[str, Capture]) -> list[dict[str, Any]]:
    spec: dict[tuple[str, str], dict[str, Any]] = {}
    for target in targets:
        capture = captures[target.key]
        spec.setdefault(
            (target.method, target.route),
            {
                "method": target.method,
                "route": target.route,
                "status": capture.status,
                "content_type": capture.content_type,
                "body_b64": base64.b64encode(capture.body).decode("ascii"),
            },
        )
    return list(spec.values())


# -- load generators ------------------------------------------------------------------------


def run_wrk(url: str, target: Target, duration: int, connections: int) -> Load:
    lua = ""
    if target.rotate:
        lua += f"paths = {{{', '.join(json.dumps(path) for path in target.rotate)}}}\n"
        lua += "turn = 0\n"
        lua += "request = function()\n"
        lua += "  turn = turn % #paths + 1\n"
        lua += "  return wrk.format(nil, paths[turn])\n"
        lua += "end\n"
    if target.method != "GET":
        lua += f"wrk.method = {json.dumps(target.method)}\n"
    if target.body is not None:
        lua += f"wrk.body = {json.dumps(target.body.decode())}\n"
        lua += 'wrk.headers["Content-Type"] = "application/json"\n'
    lua += LUA_DONE
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        command = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            script.name,
            "-H",
            f"Authorization: Bearer {target.api_key}",
            url + target.path,
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + 60, check=True
        )
    finally:
        os.unlink(script.name)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line.removeprefix("BENCH_JSON "))
            return Load(
                requests=int(data["requests"]),
                seconds=data["duration_us"] / 1e6,
                p50_ms=data["p50_us"] / 1e3,
                p99_ms=data["p99_us"] / 1e3,
                mean_ms=data["mean_us"] / 1e3,
                errors=int(data["errors"]),
            )
    raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")


async def _python_load(url: str, target: Target, duration: float, connections: int) -> Load:
    """``connections`` workers, each with its own one-connection ``httpx.AsyncClient``.

    One client per connection, not one shared pool: a single httpx pool serving dozens of
    concurrent requests spends its time in its own bookkeeping (about 300 req/s at 32 here).
    """
    latencies: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {target.api_key}"}
    if target.body is not None:
        headers["Content-Type"] = "application/json"
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    deadline = time.perf_counter() + duration

    paths = itertools.cycle(target.rotate or (target.path,))

    async def worker() -> None:
        nonlocal errors
        async with httpx.AsyncClient(
            base_url=url, headers=headers, limits=limits, timeout=10
        ) as client:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = await client.request(target.method, next(paths), content=target.body)
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - started)
                if response.status_code >= 400:
                    errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    seconds = time.perf_counter() - started
    return Load(
        requests=len(latencies),
        seconds=seconds,
        p50_ms=percentile(latencies, 50) * 1e3,
        p99_ms=percentile(latencies, 99) * 1e3,
        mean_ms=(sum(latencies) / len(latencies) * 1e3) if latencies else 0.0,
        errors=errors,
    )


def run_python(url: str, target: Target, duration: int, connections: int) -> Load:
    return asyncio.run(_python_load(url, target, duration, connections))


def measure(loader: str, url: str, target: Target, args: argparse.Namespace) -> Load:
    run = run_wrk if loader == "wrk" else run_python
    load = run(url, target, args.duration, args.connections)
    if load.errors:
        print(f"  warning: {load.errors} errors on {target.name} at {url}", file=sys.stderr)
    return load


# -- the run --------------------------------------------------------------------------------


def bench_stack(
    stack: Stack, loader: str, args: argparse.Namespace, cpu: int | None
) -> dict[str, Any]:
    """Both apps up at once (one idle while the other is loaded); rounds alternate between them."""
    profile = None
    if args.profile_dir is not None:
        args.profile_dir.mkdir(parents=True, exist_ok=True)
        profile = args.profile_dir / f"mock-{stack.label}.prof"
    runs: dict[str, dict[str, list[Load]]] = {"mock": {}, "bare": {}}
    with contextlib.ExitStack() as stack_of_servers, tempfile.TemporaryDirectory() as scratch:
        mock = stack_of_servers.enter_context(
            ServerProcess("mock", stack, cpu=cpu, profile=profile)
        )
        targets = [t for t in prepare_mock(mock.url, args.rotate) if t.key in args.endpoints]
        captures = {target.key: fetch(mock.url, target) for target in targets}
        spec = Path(scratch) / "bare.json"
        spec.write_text(json.dumps(bare_spec(targets, captures)), encoding="utf-8")
        bare = stack_of_servers.enter_context(ServerProcess("bare", stack, spec=spec, cpu=cpu))
        served = served_by_bare(targets, captures)
        for target in targets:
            same_size = len(served[target.key].body) == len(captures[target.key].body)
            if target.method == "GET" and (
                fetch(bare.url, target) != served[target.key] or not same_size
            ):
                raise RuntimeError(f"the bare app's answer to {target.name} differs")
        urls = {"mock": mock.url, "bare": bare.url}
        if args.warmup > 0:
            for url in urls.values():
                warm = argparse.Namespace(**{**vars(args), "duration": args.warmup})
                measure(loader, url, targets[0], warm)
        for target in targets:
            for _ in range(args.rounds):
                for app, url in urls.items():
                    runs[app].setdefault(target.key, []).append(measure(loader, url, target, args))
    rows = []
    for target in targets:
        best = {app: max(runs[app][target.key], key=lambda load: load.rps) for app in runs}
        rows.append(
            {
                "endpoint": target.key,
                "name": target.name,
                "method": target.method,
                "path": target.path,
                "response_bytes": len(captures[target.key].body),
                "content_type": captures[target.key].content_type,
                **{
                    app: {
                        **asdict(best[app]),
                        "rps": best[app].rps,
                        "rounds_rps": [load.rps for load in runs[app][target.key]],
                    }
                    for app in runs
                },
                "ratio": best["mock"].rps / best["bare"].rps if best["bare"].rps else 0.0,
            }
        )
    return {"stack": stack.label, "uvicorn": stack.uvicorn_settings(), "endpoints": rows}


def median_of(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One stack's results over several runs, each number the median of the runs' numbers."""
    first = results[0]
    rows = []
    for index, row in enumerate(first["endpoints"]):
        same = [result["endpoints"][index] for result in results]
        rows.append(
            {
                **{key: row[key] for key in ("endpoint", "name", "method", "path")},
                **{
                    app: {
                        key: statistics.median(other[app][key] for other in same)
                        for key in ("rps", "p50_ms", "p99_ms")
                    }
                    for app in ("mock", "bare")
                },
                "ratio": statistics.median(other["ratio"] for other in same),
                "ratios": [other["ratio"] for other in same],
            }
        )
    return {"stack": first["stack"], "uvicorn": first["uvicorn"], "endpoints": rows}


def print_stack(result: dict[str, Any], loader: str, args: argparse.Namespace) -> None:
    print()
    settings = result["uvicorn"]
    print(
        f"uvicorn loop={settings['loop']} http={settings['http']} access_log=off "
        f"log_level=warning workers=1 | loader={loader} connections={args.connections} "
        f"best of {args.rounds} x {args.duration}s, warmup={args.warmup}s"
    )
    rows = [
        [
            row["name"],
            f"{row['mock']['rps']:,.0f}",
            f"{row['bare']['rps']:,.0f}",
            f"{row['ratio']:.0%}",
            f"{row['mock']['p50_ms']:.2f}",
            f"{row['mock']['p99_ms']:.2f}",
            f"{row['bare']['p50_ms']:.2f}",
            f"{row['bare']['p99_ms']:.2f}",
        ]
        for row in result["endpoints"]
    ]
    headers = [
        "endpoint",
        "mock req/s",
        "bare req/s",
        "mock/bare",
        "mock p50 ms",
        "mock p99 ms",
        "bare p50 ms",
        "bare p99 ms",
    ]
    spread = [row.get("ratios") for row in result["endpoints"]]
    if all(spread):
        headers.append("runs' mock/bare")
        for cells, ratios in zip(rows, spread, strict=True):
            cells.append(" ".join(f"{ratio:.0%}" for ratio in ratios or ()))
    print(table(headers, rows))
    for row in result["endpoints"]:
        if row["endpoint"] == GOAL_ENDPOINT:
            verdict = "met" if row["ratio"] >= GOAL_RATIO else "NOT met"
            print(
                f"goal: GET generation >= {GOAL_RATIO:.0%} of bare req/s -> "
                f"{row['ratio']:.0%} ({verdict})"
            )


def print_comparison(results: Sequence[dict[str, Any]]) -> None:
    """How much faster the first stack is than each other one (first / other)."""
    first, *others = results
    for other in others:
        print()
        print(f"stack comparison: {first['stack']} vs {other['stack']} (req/s, speed-up)")
        rows = []
        for a, b in zip(first["endpoints"], other["endpoints"], strict=True):
            rows.append(
                [
                    a["name"],
                    f"{b['mock']['rps']:,.0f}",
                    f"{a['mock']['rps']:,.0f}",
                    f"{a['mock']['rps'] / b['mock']['rps']:.2f}x",
                    f"{b['bare']['rps']:,.0f}",
                    f"{a['bare']['rps']:,.0f}",
                    f"{a['bare']['rps'] / b['bare']['rps']:.2f}x",
                ]
            )
        headers = [
            "endpoint",
            f"mock {other['stack']}",
            f"mock {first['stack']}",
            "speed-up",
            f"bare {other['stack']}",
            f"bare {first['stack']}",
            "speed-up",
        ]
        print(table(headers, rows))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Throughput of the mock over HTTP next to a bare Starlette app."
    )
    parser.add_argument("--duration", type=int, default=2, help="seconds per measured run")
    parser.add_argument(
        "--rounds", type=int, default=2, help="runs per app and endpoint; the best one counts"
    )
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per app")
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="whole measurements, each with fresh servers; with more than one, the last tables "
        "give the medians",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=None,
        help="concurrent connections (default: 32 with wrk, 4 with the Python loader)",
    )
    parser.add_argument(
        "--stack",
        dest="stacks",
        action="append",
        type=parse_stack,
        help="LOOP+HTTP, repeatable (default: the best installed stack and asyncio+h11)",
    )
    parser.add_argument("--loader", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--endpoints",
        nargs="+",
        choices=("get", "get-many", "list", "credits", "media", "create"),
        default=["get", "get-many", "list", "credits", "media", "create"],
    )
    parser.add_argument(
        "--rotate",
        type=int,
        default=2000,
        help="generations asked in turn by the get-many row (more than the 1,024 answers the "
        "routes keep)",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin server and loader CPUs")
    parser.add_argument(
        "--profile-dir", type=Path, default=None, help="cProfile the mock server into this dir"
    )
    args = parser.parse_args(argv)

    stacks: list[Stack] = args.stacks or list(
        dict.fromkeys([best_stack(), Stack("asyncio", "h11")])
    )
    loader = args.loader
    if loader == "auto":
        loader = "wrk" if shutil.which("wrk") else "python"
    elif loader == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install -y wrk), use --loader python")
    if args.connections is None:
        args.connections = 32 if loader == "wrk" else 4
    if loader == "python":
        print(
            "note: wrk not used; the Python load generator is slower than the servers, so "
            "req/s are a floor and mock/bare is compressed toward 1."
        )

    cpu: int | None = None
    if not args.no_pin and hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {LOADER_CPU})  # this process, wrk and the Python loader
        cpu = SERVER_CPU

    print(
        f"stacks: {', '.join(s.label for s in stacks)}; loader: {loader}; "
        f"{'server on CPU 0, loader on CPU 1' if cpu is not None else 'no CPU pinning'}"
    )
    started = time.perf_counter()
    runs: list[list[dict[str, Any]]] = []
    for number in range(args.runs):
        if args.runs > 1:
            print(f"\n=== run {number + 1} of {args.runs}")
        results = []
        for stack in stacks:
            result = bench_stack(stack, loader, args, cpu)
            results.append(result)
            print_stack(result, loader, args)
        runs.append(results)
    medians = [median_of(list(same_stack)) for same_stack in zip(*runs, strict=True)]
    if args.runs > 1:
        print(f"\n=== medians of {args.runs} runs (mock/bare: the median of the runs' ratios)")
        for result in medians:
            print_stack(result, loader, args)
    if len(medians) > 1:
        print_comparison(medians)
    path = write_result(
        "server_throughput",
        {
            "settings": {
                "loader": loader,
                "connections": args.connections,
                "duration_s": args.duration,
                "rounds": args.rounds,
                "runs": args.runs,
                "warmup_s": args.warmup,
                "pinned": cpu is not None,
                "goal": {"endpoint": GOAL_ENDPOINT, "min_ratio": GOAL_RATIO},
            },
            "stacks": medians,
            "runs": runs,
            "wall_seconds": time.perf_counter() - started,
        },
    )
    print(f"\nwrote {path.relative_to(BENCH_DIR.parent)} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
