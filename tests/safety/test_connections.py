"""The dev server's connection limits: silent and slow clients are closed, a storm of failed
accepts logs one line, and a stop ends even while a client holds half a body.

These use real sockets, and the deadlines under test are wall-clock ones (a fraction of a
second here); each wait is bounded by a socket timeout, never a sleep.
"""

from __future__ import annotations

import errno
import logging
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from mockluma.app import create_app
from mockluma.config import build_config
from mockluma.handle.dev_server import (
    AcceptErrors,
    DevServer,
    hand_back_large_blocks,
    http_protocol,
)

HEAD_TIMEOUT = 0.5


@pytest.fixture(scope="module")
def dev_server() -> Iterator[tuple[str, int]]:
    config = build_config({"clock": "manual", "timeout_headers": HEAD_TIMEOUT}, environ={})
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = DevServer(
        uvicorn.Config(
            create_app(config),
            http=http_protocol(config.timeout_headers),
            log_level="warning",
            lifespan="on",
            timeout_keep_alive=1,
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        time.sleep(0.01)
    yield sock.getsockname()
    server.should_exit = True
    thread.join(10)


def closed_within(conn: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``conn`` within ``seconds`` (reading what it sends)."""
    conn.settimeout(seconds)
    try:
        while conn.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


def test_a_silent_connection_is_closed(dev_server: tuple[str, int]) -> None:
    with socket.create_connection(dev_server) as conn:
        assert closed_within(conn, HEAD_TIMEOUT + 2)


def test_a_trickled_request_head_is_closed_at_its_deadline(dev_server: tuple[str, int]) -> None:
    with socket.create_connection(dev_server) as conn:
        conn.sendall(b"GET /_mockluma/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        conn.settimeout(0.1)
        closed = False
        # One more header byte every 100 ms: data keeps flowing, the head never completes.
        while time.monotonic() - started < HEAD_TIMEOUT + 2:
            try:
                conn.sendall(b"X")
                if conn.recv(4096) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
        assert closed


def test_a_prompt_client_is_served_on_one_connection(dev_server: tuple[str, int]) -> None:
    with socket.create_connection(dev_server) as conn:
        conn.settimeout(5)
        for _ in range(3):
            conn.sendall(b"GET /_mockluma/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = conn.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200")


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeLoop:
    def __init__(self) -> None:
        self.passed: list[dict[str, Any]] = []

    def default_exception_handler(self, context: dict[str, Any]) -> None:
        self.passed.append(context)


def test_a_storm_of_failed_accepts_logs_one_line_per_burst(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    handler = AcceptErrors(quiet=10, clock=clock)
    loop: Any = FakeLoop()
    emfile = OSError(errno.EMFILE, "Too many open files")
    with caplog.at_level(logging.ERROR, logger="mockluma"):
        for _ in range(20_000):
            clock.now += 0.0001
            handler(
                loop, {"message": "socket.accept() out of system resource", "exception": emfile}
            )
        clock.now += 30
        handler(loop, {"message": "socket.accept() out of system resource", "exception": emfile})
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 3  # the first burst, its count, the next burst
    assert "Too many open files" in lines[0]
    assert "20000 connection attempts" in lines[1]
    assert loop.passed == []
    other = {"message": "something else", "exception": ValueError("x")}
    handler(loop, other)
    assert loop.passed == [other]


@pytest.mark.parametrize(
    "signals",
    [(signal.SIGINT,), (signal.SIGINT, signal.SIGINT), (signal.SIGTERM,)],
    ids=["ctrl-c", "ctrl-c-twice", "sigterm"],
)
def test_a_stop_ends_the_server_while_a_client_holds_half_a_body(
    signals: tuple[signal.Signals, ...],
) -> None:
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "mockluma", "serve", "--port", "0", "--clock", "manual"),
            *("--timeout-graceful-shutdown", "1"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        port = int(banner.rsplit(":", 1)[1])
        for line in process.stdout:
            if "Ctrl-C" in line:
                break
        with socket.create_connection(("127.0.0.1", port)) as conn:
            conn.sendall(
                b"POST /dream-machine/v1/generations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Authorization: Bearer k\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000000\r\n\r\n" + b"{" + b" " * 100_000
            )
            conn.settimeout(1)
            with pytest.raises(TimeoutError):
                conn.recv(10)  # the server is waiting for the rest of the body
            stopped_at = time.monotonic()
            for number, sent in enumerate(signals):
                if number:
                    time.sleep(0.3)  # the second Ctrl-C comes during the graceful wait
                process.send_signal(sent)
            _, stderr = process.communicate(timeout=15)
        assert time.monotonic() - stopped_at < 8
        assert "Traceback" not in stderr
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.skipif(
    sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only"
)
def test_large_blocks_are_handed_back_to_the_system() -> None:
    # serve calls this at start-up (DevServer.startup); glibc accepts the setting.
    assert hand_back_large_blocks() is True
