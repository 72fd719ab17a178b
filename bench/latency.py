"""Injected latency does not queue: many delayed requests finish in about one delay.

    .venv/bin/python bench/latency.py [--requests 1000] [--delay 0.1]

Starts the mock (threaded uvicorn on loopback) with one fault rule delaying every ping by
``--delay`` seconds, then sends ``--requests`` pings at once from one asyncio httpx client with a
connection per request. If delays blocked the server, the wall time would be requests x delay;
because each delay is a non-blocking sleep, it is about one delay plus the time the server
needs to answer that many requests anyway, which a second run without the rule measures.

Writes ``bench/results/latency.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import httpx
from _common import API_KEY, DM, environment, mock_settings, table, write_result

from mockluma import MockLuma


async def burst(url: str, count: int) -> tuple[float, list[int]]:
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(
        limits=limits, timeout=120, headers={"authorization": f"Bearer {API_KEY}"}
    ) as client:
        started = time.perf_counter()
        responses = await asyncio.gather(*(client.get(url) for _ in range(count)))
        return time.perf_counter() - started, [r.status_code for r in responses]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.1)
    args = parser.parse_args()
    with MockLuma(**mock_settings()) as luma:
        url = f"{luma.dream_machine_url}/ping"
        asyncio.run(burst(url, 50))  # warm up
        plain, plain_statuses = asyncio.run(burst(url, args.requests))
        luma.faults.add(name="delay", match={"path": f"{DM}/ping"}, latency=args.delay)
        delayed, delayed_statuses = asyncio.run(burst(url, args.requests))
        fired = luma.faults.list()[0]["fired"]
    assert set(plain_statuses) == set(delayed_statuses) == {200}
    assert fired == args.requests
    serial = args.requests * args.delay
    rows: list[list[Any]] = [
        ["no delay", args.requests, f"{plain:.3f}", "-"],
        [f"each delayed {args.delay:g} s", args.requests, f"{delayed:.3f}", f"{serial:g}"],
    ]
    print(table(["run", "requests", "wall seconds", "if delays queued"], rows))
    print(
        f"\nThe delays added {delayed - plain:.3f} s to the burst (one delay is {args.delay:g} s; "
        f"had they queued, {serial:g} s)."
    )
    write_result(
        "latency",
        {
            "environment": environment(),
            "requests": args.requests,
            "delay_seconds": args.delay,
            "undelayed_wall_seconds": plain,
            "delayed_wall_seconds": delayed,
            "serial_wall_seconds": serial,
        },
    )


if __name__ == "__main__":
    main()
