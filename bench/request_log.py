"""What the dev server's request log costs: GET generation throughput, logged vs ``--quiet``.

    .venv/bin/python bench/request_log.py [--rounds 5] [--duration 3] [--connections 16]

Starts ``mockluma serve`` twice, each in its own process on a free loopback port and pinned to
CPU 0 (``--no-pin`` to skip): once with its request log written to a pipe (this script reads
and counts the lines on another thread, as ``mockluma serve | tee log`` would), once with
``--quiet``. Both have a manual clock and seed 0; one generation is created on each. Then,
alternating between the two servers, a load generator pinned to CPU 1 polls that generation
over ``--connections`` keep-alive connections for ``--duration`` seconds per round.

The load generator is a raw-socket one (pre-built request bytes, one selector, no HTTP
library): it needs a few microseconds per request where the mock needs tens, so the server is
what is measured, as with ``wrk``. Prints each round, the medians and the ratio logged / quiet: the
median of the rounds' ratios (each round measures both servers back to back, so a busy moment
of the shared machine hits both) is the figure to quote; the goal is at least 0.85. Writes
``bench/results/request_log.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from _common import API_KEY, DM, VIDEO_BODY, write_result

SERVER_CPU = 0
LOADER_CPU = 1
GOAL = 0.85
MOCKLUMA = Path(sys.executable).with_name("mockluma")


class Server:
    """One ``mockluma serve`` process; its stdout (banner, then the log) is read and counted."""

    def __init__(self, *, quiet: bool, pin: bool) -> None:
        command = [str(MOCKLUMA), "serve", "--port", "0", "--clock", "manual", "--seed", "0"]
        command += ["--rate-limits", "off", "--quiet"] if quiet else ["--rate-limits", "off"]
        self.label = "quiet" if quiet else "logged"
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NO_COLOR": "1"},
            preexec_fn=(lambda: os.sched_setaffinity(0, {SERVER_CPU})) if pin else None,
        )
        assert self.process.stdout is not None
        self.port = 0
        for raw in self.process.stdout:
            line = raw.decode()
            if " listening on http://" in line:
                self.port = int(line.rsplit(":", 1)[1])
            if "Press Ctrl-C" in line:
                break
        if not self.port:
            raise RuntimeError(f"mockluma serve did not start ({self.label}).")
        self.lines = 0
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for _ in self.process.stdout:
            self.lines += 1

    def create_generation(self) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", self.port)
        connection.request(
            "POST",
            f"{DM}/generations/video",
            body=json.dumps(VIDEO_BODY),
            headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        body = json.loads(response.read())
        connection.close()
        assert response.status == 201, body
        return str(body["id"])

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (all its threads, user + system)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def _responses(buffer: bytearray) -> Iterator[None]:
    """Consume each complete response (headers + Content-Length body) at the buffer's start."""
    while True:
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(buffer[:end]).lower()
        start = head.find(b"content-length:")
        length = int(head[start + 15 : head.find(b"\r\n", start)].strip() or 0) if start >= 0 else 0
        if len(buffer) < end + 4 + length:
            return
        if not head.startswith(b"http/1.1 200"):
            raise RuntimeError(f"unexpected answer: {head[:80]!r}")
        del buffer[: end + 4 + length]
        yield None


def load(port: int, path: str, seconds: float, connections: int) -> tuple[float, int]:
    """Requests per second answered for ``GET path`` over keep-alive connections, and how many
    were answered."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {API_KEY}\r\n\r\n"
    ).encode()
    selector = selectors.DefaultSelector()
    buffers: dict[socket.socket, bytearray] = {}
    for _ in range(connections):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        buffers[sock] = bytearray()
        selector.register(sock, selectors.EVENT_READ)
        sock.send(request)
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while (now := time.perf_counter()) < deadline:
        for key, _ in selector.select(timeout=deadline - now):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            data = sock.recv(65536)
            if not data:
                raise RuntimeError("the server closed a connection")
            buffer = buffers[sock]
            buffer += data
            for _ in _responses(buffer):
                done += 1
                sock.send(request)
    elapsed = time.perf_counter() - started
    for sock in buffers:
        selector.unregister(sock)
        sock.close()
    return done / elapsed, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-pin", action="store_true", help="do not pin to CPUs 0 and 1")
    args = parser.parse_args()
    pin = not args.no_pin and len(os.sched_getaffinity(0)) >= 2
    if pin:
        os.sched_setaffinity(0, {LOADER_CPU})
    servers = [Server(quiet=False, pin=pin), Server(quiet=True, pin=pin)]
    rates: dict[str, list[float]] = {server.label: [] for server in servers}
    cpu: dict[str, list[float]] = {server.label: [] for server in servers}  # µs per request
    try:
        paths = {s.label: f"{DM}/generations/{s.create_generation()}" for s in servers}
        for server in servers:  # warm up: first answers, caches, the log thread
            load(server.port, paths[server.label], 0.5, args.connections)
        lines_before = servers[0].lines
        for round_number in range(args.rounds):
            order = servers if round_number % 2 == 0 else servers[::-1]
            for server in order:
                used = server.cpu_seconds()
                rate, done = load(server.port, paths[server.label], args.duration, args.connections)
                rates[server.label].append(rate)
                cpu[server.label].append((server.cpu_seconds() - used) / done * 1e6)
            print(
                f"round {round_number + 1}: logged {rates['logged'][-1]:8.0f} req/s "
                f"{cpu['logged'][-1]:6.1f} us CPU/req, quiet {rates['quiet'][-1]:8.0f} req/s "
                f"{cpu['quiet'][-1]:6.1f} us CPU/req; throughput ratio "
                f"{rates['logged'][-1] / rates['quiet'][-1]:.3f}",
                flush=True,
            )
        time.sleep(0.5)  # let the log thread and the pipe catch up
        logged_lines = servers[0].lines - lines_before
    finally:
        for server in servers:
            with contextlib.suppress(Exception):
                server.stop()
    ratios = [a / b for a, b in zip(rates["logged"], rates["quiet"], strict=True)]
    logged, quiet = statistics.median(rates["logged"]), statistics.median(rates["quiet"])
    expected = sum(rates["logged"]) * args.duration
    print(
        f"\nmedian: logged {logged:.0f} req/s, quiet {quiet:.0f} req/s; "
        f"ratio of medians {logged / quiet:.3f}, median of round ratios "
        f"{statistics.median(ratios):.3f} (goal: at least {GOAL})"
    )
    cpu_logged, cpu_quiet = statistics.median(cpu["logged"]), statistics.median(cpu["quiet"])
    print(
        f"CPU per request (median): logged {cpu_logged:.1f} us, quiet {cpu_quiet:.1f} us; "
        f"throughput a saturated core would give, logged / quiet: {cpu_quiet / cpu_logged:.3f}"
    )
    print(f"log lines read from the pipe while measuring: {logged_lines} (~{expected:.0f} asked)")
    write_result(
        "request_log",
        {
            "rounds": args.rounds,
            "duration": args.duration,
            "connections": args.connections,
            "pinned": pin,
            "logged_rps": rates["logged"],
            "quiet_rps": rates["quiet"],
            "median_logged_rps": logged,
            "median_quiet_rps": quiet,
            "ratio_of_medians": logged / quiet,
            "median_round_ratio": statistics.median(ratios),
            "logged_cpu_us_per_request": cpu["logged"],
            "quiet_cpu_us_per_request": cpu["quiet"],
            "cpu_ratio": cpu_quiet / cpu_logged,
            "log_lines": logged_lines,
        },
    )
    return 0 if statistics.median(ratios) >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
