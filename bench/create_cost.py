"""CPU per POST create video, in process, against the bare app, and against another tree.

    .venv/bin/python bench/create_cost.py [--rounds 7] [--batch 500] [--against DIR]
        [--varied]

Each round runs ``--batch`` creates as bare ASGI calls (no socket) through the mock and through
the bare app of ``server_throughput.py`` answering the mock's captured bytes, taking turns, and
times them with ``time.process_time`` (CPU, so busy neighbours change it little). The table
shows the median of the rounds. ``--against DIR`` runs the same measurement, in the same rounds,
for the ``mockluma`` package found in ``DIR`` (``git worktree add /tmp/base main``, say): a
before/after in one run. ``--varied`` gives every create a different prompt (so nothing can be
reused between bodies). Writes ``bench/results/create_cost.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from _common import DM, VIDEO_BODY, asgi_call, make_mock_app, table, write_result
from asgi_cost import bare_for

KEY = "bench-create"


def bodies(varied: bool, count: int) -> list[bytes]:
    if not varied:
        return [json.dumps(dict(VIDEO_BODY)).encode()] * count
    return [
        json.dumps({**VIDEO_BODY, "prompt": f"a benchmark, take {i}"}).encode()
        for i in range(count)
    ]


async def one_round(batch: int, varied: bool) -> dict[str, float]:
    """CPU us per create, mock and bare, for one round in a fresh app."""
    mock = make_mock_app()
    sent = bodies(varied, batch)
    path = f"{DM}/generations/video"
    captured = await asgi_call(mock, "POST", path, KEY, sent[0])
    assert captured[0] == 201, captured
    bare = bare_for({"get": captured, "create": captured})
    costs: dict[str, float] = {}
    for name, app in (("mock", mock), ("bare", bare)):
        for body in sent[: batch // 5]:  # warm-up
            await asgi_call(app, "POST", path, KEY, body)
        gc.collect()
        started = time.process_time()
        for body in sent:
            await asgi_call(app, "POST", path, KEY, body)
        costs[name] = (time.process_time() - started) / batch * 1e6
    return costs


def in_child(tree: str, batch: int, varied: bool) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([tree, str(Path(__file__).parent)])}
    args = [sys.executable, __file__, "--child", "--batch", str(batch)]
    out = subprocess.run(
        [*args, *(["--varied"] if varied else [])], env=env, check=True, capture_output=True
    ).stdout
    result: dict[str, float] = json.loads(out)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="CPU per create: mock, bare, another tree.")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--against", help="a directory holding another mockluma package")
    parser.add_argument("--varied", action="store_true", help="a different prompt per create")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(asyncio.run(one_round(args.batch, args.varied))))
        return 0
    here = str(Path(__file__).resolve().parent.parent)
    trees = {"this tree": here, **({"against": args.against} if args.against else {})}
    samples: dict[str, dict[str, list[float]]] = {t: {"mock": [], "bare": []} for t in trees}
    for _ in range(args.rounds):
        for label, tree in trees.items():
            for app, cost in in_child(tree, args.batch, args.varied).items():
                samples[label][app].append(cost)
    rows, medians = [], {}
    for label, by_app in samples.items():
        mock, bare = statistics.median(by_app["mock"]), statistics.median(by_app["bare"])
        medians[label] = {"mock_us": mock, "bare_us": bare}
        rows.append([label, f"{mock:.1f}", f"{bare:.1f}", f"{bare / mock:.0%}"])
    print(f"CPU us per POST create video, median of {args.rounds} rounds of {args.batch}")
    print(table(["tree", "mock us", "bare us", "bare/mock"], rows))
    path = write_result(
        "create_cost",
        {"settings": vars(args) | {"trees": trees}, "median": medians, "samples": samples},
    )
    print(f"\nwrote {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
