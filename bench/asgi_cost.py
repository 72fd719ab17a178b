"""The app's own CPU cost per request: bare ASGI calls, mock next to the bare app, no socket.

    .venv/bin/python bench/asgi_cost.py [--batches 20] [--batch 2000]

The steadiest number these benchmarks have, and the one to watch when changing the request
path: no client, no server, no network, and CPU time (``time.process_time``) rather than wall
time, so a busy neighbour changes it little. Each row is the best of ``--batches`` batches of
``--batch`` calls, mock and bare app taking turns:

- GET generation: one completed video, asked again and again (as a client polls);
- GET generation, in turn: 2,000 completed videos asked one after the other, more than the
  answers the routes keep, so each is rendered anew;
- POST create video: a new video each time, under a key of its own.

The bare app is the one of ``server_throughput.py``: the same route templates answering the
mock's captured bytes. Writes ``bench/results/asgi_cost.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from _common import API_KEY, DM, VIDEO_BODY, asgi_call, make_mock_app, table, write_result
from _serve import bare_app
from starlette.types import ASGIApp

CREATE_KEY = "bench-create"
ROTATE_KEY = "bench-rotate"
ROTATE = 2000
BODY = json.dumps(dict(VIDEO_BODY)).encode()

Call = Callable[[], Awaitable[Any]]


async def prepare(app: ASGIApp) -> tuple[str, list[str], dict[str, tuple[int, bytes]]]:
    """A completed video for ``bench``, 2,000 for ``bench-rotate``; the answers to capture."""
    created = [await asgi_call(app, "POST", f"{DM}/generations/video", API_KEY, BODY)]
    created += [
        await asgi_call(app, "POST", f"{DM}/generations/video", ROTATE_KEY, BODY)
        for _ in range(ROTATE)
    ]
    ids = [json.loads(body)["id"] for _, body in created]
    await asgi_call(app, "POST", "/_mockluma/clock/advance", API_KEY, b'{"seconds": 3600}')
    path = f"{DM}/generations/{ids[0]}"
    captures = {
        "get": await asgi_call(app, "GET", path, API_KEY),
        "create": await asgi_call(app, "POST", f"{DM}/generations/video", CREATE_KEY, BODY),
    }
    return path, [f"{DM}/generations/{i}" for i in ids[1:]], captures


def bare_for(captures: dict[str, tuple[int, bytes]]) -> ASGIApp:
    spec = [
        {
            "method": method,
            "route": route,
            "status": captures[key][0],
            "content_type": "application/json",
            "body_b64": base64.b64encode(captures[key][1]).decode(),
        }
        for key, method, route in (
            ("get", "GET", f"{DM}/generations/{{id}}"),
            ("create", "POST", f"{DM}/generations/video"),
        )
    ]
    return bare_app(spec)


def calls(app: ASGIApp, path: str, rotating: Sequence[str]) -> dict[str, Call]:
    turn = 0

    async def get() -> Any:
        return await asgi_call(app, "GET", path, API_KEY)

    async def get_in_turn() -> Any:
        nonlocal turn
        turn = (turn + 1) % len(rotating)
        return await asgi_call(app, "GET", rotating[turn], ROTATE_KEY)

    async def create() -> Any:
        return await asgi_call(app, "POST", f"{DM}/generations/video", CREATE_KEY, BODY)

    return {"get": get, "get in turn": get_in_turn, "create": create}


async def measure(batches: int, batch: int) -> dict[str, dict[str, float]]:
    mock = make_mock_app()
    path, rotating, captures = await prepare(mock)
    bare = bare_for(captures)
    # The bare app has one route per template: every id gets the captured answer.
    apps = {"mock": calls(mock, path, rotating), "bare": calls(bare, path, rotating)}
    best: dict[str, dict[str, float]] = {}
    for row in apps["mock"]:
        for app in apps:
            for _ in range(batch // 4):  # warm-up
                await apps[app][row]()
        for _ in range(batches):
            for app in apps:
                gc.collect()
                started = time.process_time()
                for _ in range(batch):
                    await apps[app][row]()
                cost = (time.process_time() - started) / batch * 1e6
                mine = best.setdefault(row, {})
                mine[app] = min(mine.get(app, cost), cost)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="CPU cost per bare ASGI call, mock and bare.")
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    best = asyncio.run(measure(args.batches, args.batch))
    rows = [
        [
            row,
            f"{costs['mock']:.1f}",
            f"{costs['bare']:.1f}",
            f"{costs['mock'] - costs['bare']:.1f}",
            f"{costs['bare'] / costs['mock']:.0%}",
        ]
        for row, costs in best.items()
    ]
    print(f"CPU us per bare ASGI call, best of {args.batches} batches of {args.batch}")
    print(table(["request", "mock us", "bare us", "mock - bare us", "bare/mock"], rows))
    path = write_result(
        "asgi_cost",
        {
            "settings": {"batches": args.batches, "batch": args.batch, "rotate": ROTATE},
            "cpu_us": best,
            "wall_seconds": time.perf_counter() - started,
        },
    )
    print(f"\nwrote {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
