"""What the input-media policy costs a create call, in process (no socket).

Creates Dream Machine videos with one image keyframe on a public host through the in-process
transport, under ``input_media=simulate`` and under ``input_media=off`` (the policy skipped),
alternating in rounds so that both see the same machine load; prints the medians and their
ratio. Also a create without any input URL, which the policy does not touch.

    .venv/bin/python bench/input_media.py [--rounds 7] [--calls 300]
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx

from mockluma.handle import MockLuma

BODY_WITH_FRAME = {
    "model": "ray-flash-2",
    "prompt": "a tiger in the snow",
    "keyframes": {"frame0": {"type": "image", "url": "https://assets.mockluma-cdn.net/t.jpg"}},
}
BODY_PLAIN = {"model": "ray-flash-2", "prompt": "a tiger in the snow"}


def per_call(luma: MockLuma, mode: str, body: dict[str, object], calls: int) -> float:
    luma.reset(input_media=mode)
    with httpx.Client(
        transport=luma.sync_transport(),
        base_url=luma.dream_machine_url,
        headers={"Authorization": "Bearer bench"},
    ) as client:
        for _ in range(20):  # warm up
            client.post("/generations/video", json=body)
        started = time.perf_counter()
        for _ in range(calls):
            response = client.post("/generations/video", json=body)
        elapsed = time.perf_counter() - started
        assert response.status_code == 201, response.text
    return elapsed / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    runs: dict[str, list[float]] = {"simulate": [], "off": [], "no-url": []}
    with MockLuma(in_process=True, credits_cents=1e12, rate_limits=False) as luma:
        for _ in range(args.rounds):
            runs["simulate"].append(per_call(luma, "simulate", BODY_WITH_FRAME, args.calls))
            runs["off"].append(per_call(luma, "off", BODY_WITH_FRAME, args.calls))
            runs["no-url"].append(per_call(luma, "simulate", BODY_PLAIN, args.calls))
    medians = {name: statistics.median(values) for name, values in runs.items()}
    print(f"{'create (one keyframe URL)':<34}{'median µs/call':>16}")
    for name, value in medians.items():
        print(f"  {name:<32}{value:>16.0f}")
    print(f"simulate / off: {medians['simulate'] / medians['off']:.3f}")


if __name__ == "__main__":
    main()
