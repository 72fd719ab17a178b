"""What ``mockluma proxy`` adds: latency on a poll, and memory on a large download.

    .venv/bin/python bench/proxy_overhead.py [--requests 2000] [--megabytes 50] [--record]

Starts the upstream (the mock plus a route streaming a large video, ``_proxy_upstream.py``) and
``mockluma proxy --target all=<upstream>`` (the real command, with its checks on), each in its
own process, then in the same run:

- **latency**: ``GET /dream-machine/v1/generations/{id}`` of one completed video, sent
  ``--requests`` times straight to the upstream and as many through the proxy, interleaved
  (direct, proxied, direct, ...) on two keep-alive connections so both see the same machine.
  The added latency is p50(proxied) - p50(direct); p90 likewise. The CPU time each process
  used over the loop (``/proc/<pid>/stat``), per request, says what the proxy costs whatever
  else the machine is doing: on a busy machine a hop through one more process waits for a
  core, and that wait, not the proxy's work, dominates the added latency.
- **streaming**: ``--megabytes`` MB downloaded through the proxy, read in chunks and dropped,
  while the proxy's resident memory (``/proc/<pid>/status`` VmRSS) is sampled every 5 ms. Flat
  memory means the peak during the download is close to the resident size before it, far
  below the size of the body. The same download straight from the upstream gives the reference
  time.

- **in-process cost**: in the benchmark's own process, the CPU per request of a bare
  ``httpx.AsyncHTTPTransport`` round trip to the upstream, and of the proxy's ASGI app called
  directly (the same round trip plus the proxy's own work: headers, checks, relaying).

``--record`` runs the proxy with ``--record`` into a temporary directory (media sizes only).
Writes ``bench/results/proxy_overhead.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from _common import API_KEY, BENCH_DIR, DM, VIDEO_BODY, percentile, table, write_result

MB = 1024 * 1024


def start(command: list[str], pattern: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    for _ in range(40):
        line = process.stdout.readline()
        match = re.search(pattern, line)
        if match:
            # Keep reading stdout in the background so the process never blocks on a full pipe.
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, match.group(1)
    process.kill()
    raise RuntimeError(f"{command[:3]} did not start")


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def latency(
    direct: str, proxied: str, generation: str, count: int, pids: dict[str, int]
) -> dict[str, float]:
    headers = {"authorization": f"Bearer {API_KEY}"}
    path = f"{DM}/generations/{generation}"
    times: dict[str, list[float]] = {"direct": [], "proxied": []}
    with (
        httpx.Client(base_url=direct, headers=headers) as straight,
        httpx.Client(base_url=proxied, headers=headers) as through,
    ):
        for _ in range(200):  # warm up both paths (connections, caches, the proxy's memo)
            straight.get(path)
            through.get(path)
        spent = {name: cpu_seconds(pid) for name, pid in pids.items()}
        for _ in range(count):
            for name, client in (("direct", straight), ("proxied", through)):
                started = time.perf_counter()
                response = client.get(path)
                times[name].append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
    # The upstream answered every request (2 x count); the proxy forwarded count of them.
    answered = {"upstream": 2 * count, "proxy": count}
    result = {
        f"{name}_cpu_ms_per_request": (cpu_seconds(pid) - spent[name]) * 1000 / answered[name]
        for name, pid in pids.items()
    }
    for name, values in times.items():
        result[f"{name}_p50_ms"] = percentile(values, 50) * 1000
        result[f"{name}_p90_ms"] = percentile(values, 90) * 1000
    result["added_p50_ms"] = result["proxied_p50_ms"] - result["direct_p50_ms"]
    result["added_p90_ms"] = result["proxied_p90_ms"] - result["direct_p90_ms"]
    return result


def in_process_cost(direct: str, generation: str, count: int) -> dict[str, float]:
    """CPU per request, in this process, of a bare httpx transport round trip to the upstream
    and of the proxy's app called directly (no server in front): what the proxy does beyond the
    round trip it cannot avoid. Medians of 5 rounds of ``count // 5``."""
    from mockluma.proxy.running import build_proxy

    path = f"{DM}/generations/{generation}"
    headers = [(b"authorization", f"Bearer {API_KEY}".encode())]
    proxy = build_proxy({"all": direct}, say=lambda line: None)
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1"), *headers],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def discard(message: Any) -> None:
        return None

    async def run() -> dict[str, float]:
        transport = httpx.AsyncHTTPTransport()

        async def bare() -> None:
            request = httpx.Request("GET", direct + path, headers=headers)
            response = await transport.handle_async_request(request)
            await response.aread()
            await response.aclose()

        async def proxied() -> None:
            await proxy(dict(scope), receive, discard)

        rounds: dict[str, list[float]] = {"bare_round_trip": [], "proxy_app": []}
        for _ in range(100):
            await bare()
            await proxied()
        size = max(count // 5, 1)
        for _ in range(5):
            for name, call in (("bare_round_trip", bare), ("proxy_app", proxied)):
                started = time.process_time()
                for _ in range(size):
                    await call()
                rounds[name].append((time.process_time() - started) * 1000 / size)
        await transport.aclose()
        await proxy.aclose()
        return {f"{name}_cpu_ms": percentile(values, 50) for name, values in rounds.items()}

    return asyncio.run(run())


def download(base: str, size: int, pid: int | None) -> dict[str, float]:
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(rss(pid or 0))
            time.sleep(0.005)

    before = rss(pid) if pid else 0
    sampler = threading.Thread(target=sample, daemon=True)
    if pid:
        sampler.start()
    received = 0
    started = time.perf_counter()
    with httpx.stream("GET", f"{base}{DM}/bench/download", params={"bytes": str(size)}) as answer:
        for chunk in answer.iter_raw():
            received += len(chunk)
    seconds = time.perf_counter() - started
    done.set()
    if pid:
        sampler.join()
    assert received == size, (received, size)
    result = {"seconds": seconds, "mb_per_s": size / MB / seconds}
    if pid:
        result.update(
            rss_before_mb=before / MB,
            rss_peak_mb=max(samples) / MB,
            rss_growth_mb=(max(samples) - before) / MB,
            samples=len(samples),
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--record", action="store_true", help="run the proxy with --record")
    args = parser.parse_args()

    upstream, port = start([sys.executable, str(BENCH_DIR / "_proxy_upstream.py")], r"PORT (\d+)")
    direct = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "mockluma",
        "proxy",
        "--port",
        "0",
        "--target",
        f"all={direct}",
    ]
    scratch = tempfile.TemporaryDirectory()
    if args.record:
        command += ["--record", scratch.name]
    proxy, proxied = start(command, r"listening on (http://\S+)")
    try:
        headers = {"authorization": f"Bearer {API_KEY}"}
        created = httpx.post(f"{direct}{DM}/generations/video", json=VIDEO_BODY, headers=headers)
        httpx.post(f"{direct}/_mockluma/clock/advance", json={"seconds": 3600})
        generation = created.json()["id"]
        pids = {"upstream": upstream.pid, "proxy": proxy.pid}
        polled = latency(direct, proxied, generation, args.requests, pids)
        inside = in_process_cost(direct, generation, args.requests)
        size = args.megabytes * MB
        straight = download(direct, size, None)
        resting = rss(proxy.pid)
        # A fifth of the size first: if memory were not flat, the peaks would differ 5-fold.
        small = download(proxied, size // 5, proxy.pid)
        through = download(proxied, size, proxy.pid)
        for result in (small, through):
            result["rss_growth_from_rest_mb"] = result["rss_peak_mb"] - resting / MB
    finally:
        for process in (proxy, upstream):
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        scratch.cleanup()

    print(f"GET generation, {args.requests} each, interleaved (ms)")
    print(
        table(
            ["path", "p50", "p90"],
            [
                ["direct", f"{polled['direct_p50_ms']:.3f}", f"{polled['direct_p90_ms']:.3f}"],
                ["proxied", f"{polled['proxied_p50_ms']:.3f}", f"{polled['proxied_p90_ms']:.3f}"],
                ["added", f"{polled['added_p50_ms']:.3f}", f"{polled['added_p90_ms']:.3f}"],
            ],
        )
    )
    print(
        f"CPU per request: the upstream {polled['upstream_cpu_ms_per_request']:.3f} ms to answer "
        f"one, the proxy {polled['proxy_cpu_ms_per_request']:.3f} ms to forward one"
    )
    print(
        f"In this process: a bare httpx round trip {inside['bare_round_trip_cpu_ms']:.3f} ms "
        f"of CPU, the proxy's app (same round trip, plus its own work) "
        f"{inside['proxy_app_cpu_ms']:.3f} ms"
    )
    print(f"\ndownloads (proxy RSS at rest before them: {resting / MB:.1f} MB)")
    rows: list[list[str]] = [
        [f"direct {args.megabytes} MB", f"{straight['seconds']:.2f}", f"{straight['mb_per_s']:.0f}"]
        + [""] * 3
    ]
    for label, result in (
        (f"proxied {args.megabytes // 5} MB", small),
        (f"proxied {args.megabytes} MB", through),
    ):
        rows.append(
            [
                label,
                f"{result['seconds']:.2f}",
                f"{result['mb_per_s']:.0f}",
                f"{result['rss_before_mb']:.1f} MB",
                f"{result['rss_peak_mb']:.1f} MB",
                f"{result['rss_growth_from_rest_mb']:.1f} MB",
            ]
        )
    print(table(["download", "seconds", "MB/s", "proxy RSS before", "peak", "peak - rest"], rows))
    payload: dict[str, Any] = {
        "requests": args.requests,
        "megabytes": args.megabytes,
        "record": args.record,
        "latency": polled,
        "in_process": inside,
        "download_direct": straight,
        "download_proxied": through,
        "download_proxied_fifth": small,
        "proxy_rss_at_rest_mb": resting / MB,
    }
    print(f"\nwrote {write_result('proxy_overhead', payload)}")


if __name__ == "__main__":
    main()
