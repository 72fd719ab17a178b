"""Server CPU per POST create video over real HTTP, mock next to the bare app, per uvicorn stack.

    .venv/bin/python bench/create_server_cpu.py [--requests 1500] [--rounds 5] [--connections 8]
        [--stack uvloop+httptools --stack asyncio+h11]

``server_throughput.py`` needs ``wrk`` to load a server to its limit: its Python loader is
slower than the servers, so without wrk its mock/bare ratio says little. This script asks the
question that ratio answers without needing a fast loader: how much CPU the *server process*
spends per create (``/proc/<pid>/stat`` user + system time, before and after ``--requests``
creates sent over ``--connections`` keep-alive connections at once). With a loader that
saturates the server, requests per second are the inverse of that, so ``bare CPU / mock CPU``
is close to the throughput ratio wrk would see (how close depends on how many requests each
wake-up of the server handles, which the loader decides). Servers, settings and captured answers
are those of ``server_throughput.py``; rounds alternate mock and bare, medians are shown.
Writes ``bench/results/create_server_cpu.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import httpx
from _common import table, write_result
from server_throughput import (
    ServerProcess,
    Stack,
    Target,
    bare_spec,
    best_stack,
    fetch,
    parse_stack,
    prepare_mock,
)

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def server_cpu_per_request(
    server: ServerProcess, target: Target, requests: int, connections: int
) -> float:
    process = server._process
    assert process is not None
    assert target.body is not None
    body = target.body
    headers = {
        "Authorization": f"Bearer {target.api_key}",
        "Content-Type": "application/json",
    }

    async def load() -> float:
        clients = [
            httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30)
            for _ in range(connections)
        ]

        async def worker(client: httpx.AsyncClient, count: int) -> None:
            for _ in range(count):
                await client.post(target.path, content=body)

        try:
            await asyncio.gather(*(worker(client, 10) for client in clients))  # warm-up
            before = cpu_seconds(process.pid)
            share = requests // connections
            await asyncio.gather(*(worker(client, share) for client in clients))
            return (cpu_seconds(process.pid) - before) / (share * connections) * 1e6
        finally:
            for client in clients:
                await client.aclose()

    return asyncio.run(load())


def bench_stack(
    stack: Stack, requests: int, rounds: int, connections: int
) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {"mock": [], "bare": []}
    with contextlib.ExitStack() as servers, tempfile.TemporaryDirectory() as scratch:
        mock = servers.enter_context(ServerProcess("mock", stack))
        [target] = [t for t in prepare_mock(mock.url, 1) if t.key == "create"]
        spec = Path(scratch) / "bare.json"
        spec.write_text(json.dumps(bare_spec([target], {"create": fetch(mock.url, target)})))
        bare = servers.enter_context(ServerProcess("bare", stack, spec=spec))
        for _ in range(rounds):
            for name, server in (("mock", mock), ("bare", bare)):
                samples[name].append(server_cpu_per_request(server, target, requests, connections))
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Server CPU per create, mock and bare.")
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--stack", dest="stacks", action="append", type=parse_stack)
    args = parser.parse_args(argv)
    stacks = args.stacks or list(dict.fromkeys([best_stack(), Stack("asyncio", "h11")]))
    rows, results = [], {}
    for stack in stacks:
        samples = bench_stack(stack, args.requests, args.rounds, args.connections)
        mock, bare = statistics.median(samples["mock"]), statistics.median(samples["bare"])
        results[stack.label] = {"mock_us": mock, "bare_us": bare, "samples": samples}
        rows.append([stack.label, f"{mock:.0f}", f"{bare:.0f}", f"{bare / mock:.0%}"])
    print(f"server CPU us per POST create video, median of {args.rounds} rounds of {args.requests}")
    print(table(["stack", "mock us", "bare us", "bare/mock"], rows))
    path = write_result(
        "create_server_cpu",
        {
            "settings": {
                "requests": args.requests,
                "rounds": args.rounds,
                "connections": args.connections,
            },
            "cpu_us": results,
        },
    )
    print(f"\nwrote {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
