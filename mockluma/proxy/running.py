"""Building a proxy from its settings, and running one in a background thread.

:func:`build_proxy` is what ``mockluma proxy`` runs; :class:`ProxyServer` runs the same app on a
free loopback port from Python (tests, benchmarks, a script that wants the traffic of one run
checked), as :class:`~mockluma.MockLuma` does for the mock.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import uvicorn

from mockluma.proxy.inspection import Inspector
from mockluma.proxy.recording import Recorder
from mockluma.proxy.redaction import Redactor
from mockluma.proxy.server import Proxy, ProxySettings
from mockluma.proxy.targets import build_mounts


def build_proxy(
    targets: Mapping[str, str],
    *,
    record: Path | None = None,
    record_media: int = 0,
    timeout: float = 120.0,
    say: Callable[[str], None] = print,
) -> Proxy:
    """The proxy app for ``targets`` (as :func:`~mockluma.proxy.targets.parse_targets` gives).

    Every registered surface that has a route map is proxied; one without (a surface a project
    registered for itself, with no ``schemas/<name>/routes.json``) could not be checked, so it
    is left out."""
    from mockluma.contracts.surfaces import contracts
    from mockluma.schemas.route_schemas import RouteMapError, route_map
    from mockluma.surfaces.registry import surfaces

    maps = {}
    for surface in surfaces():
        try:
            maps[surface.name] = route_map(surface.name)
        except RouteMapError:
            continue
    chosen = [surface for surface in surfaces() if surface.name in maps]
    mounts = build_mounts(chosen, targets)
    recorder = None
    if record is not None:
        recorder = Recorder(record, maps, Redactor(), media_cap=record_media)
    upstreams = ", ".join(sorted({mount.upstream for mount in mounts}))
    return Proxy(
        mounts,
        Inspector(maps, contracts()),
        recorder=recorder,
        settings=ProxySettings(timeout=timeout),
        say=say,
        target=f"mockluma proxy to {upstreams}",
    )


def server_config(app: Any, *, log_level: str = "warning") -> uvicorn.Config:
    # No Server or Date header of the proxy's own: the client gets the upstream's.
    return uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        server_header=False,
        date_header=False,
    )


def listen(host: str, port: int) -> socket.socket:
    """A listening socket (``port`` 0: a free one); ``OSError`` if it cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Without it, each keep-alive answer waits for the client's delayed ACK (~40 ms).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    return sock


class ProxyServer:
    """``with ProxyServer(targets) as proxy:`` serves on ``proxy.url`` until the block ends.

    Violation lines go to ``proxy.lines`` (and to ``say``, when given)."""

    def __init__(
        self,
        targets: Mapping[str, str],
        *,
        record: Path | None = None,
        record_media: int = 0,
        timeout: float = 120.0,
        say: Callable[[str], None] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.lines: list[str] = []

        def keep(line: str) -> None:
            self.lines.append(line)
            if say is not None:
                say(line)

        self.proxy = build_proxy(
            targets, record=record, record_media=record_media, timeout=timeout, say=keep
        )
        self.host = host
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="mockluma-proxy", daemon=True
        )
        self._server: uvicorn.Server | None = None
        self._served: Future[None] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def inspector(self) -> Inspector:
        return self.proxy.inspector

    def start(self, timeout: float = 30.0) -> ProxyServer:
        sock = listen(self.host, 0)
        self.port = sock.getsockname()[1]
        self._server = uvicorn.Server(server_config(self.proxy))
        self._thread.start()
        self._served = asyncio.run_coroutine_threadsafe(
            self._server.serve(sockets=[sock]), self._loop
        )
        started = threading.Event()

        async def wait() -> None:
            while self._server is not None and not self._server.started:
                await asyncio.sleep(0.005)
            started.set()

        asyncio.run_coroutine_threadsafe(wait(), self._loop)
        if not started.wait(timeout):
            self.stop()
            raise RuntimeError("The proxy did not start in time.")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._served is not None:
            self._served.result(timeout=30)
            self._served = None
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        if not self._loop.is_running():
            self._loop.close()

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until every exchange answered so far has been inspected and recorded (that
        happens just after its last byte has gone to the client)."""
        done = threading.Event()

        async def wait() -> None:
            while self.proxy.pending:
                await asyncio.sleep(0.001)
            done.set()

        asyncio.run_coroutine_threadsafe(wait(), self._loop)
        if not done.wait(timeout):
            raise TimeoutError(f"{self.proxy.pending} exchanges were still under way.")

    def __enter__(self) -> ProxyServer:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()


__all__ = ["ProxyServer", "build_proxy", "listen", "server_config"]
