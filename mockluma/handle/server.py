"""Running the app off the caller's thread: an event loop in a daemon thread, optionally serving
the app with uvicorn on a real socket.

Everything that touches the simulation runs on that one loop (requests, and the handle's
controls through :meth:`LoopThread.call`), so the engine never needs locks. Uvicorn installs no
signal handlers outside the main thread, so Ctrl-C still reaches the test runner.
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

import uvicorn
from starlette.types import ASGIApp

T = TypeVar("T")


def uvicorn_stack() -> tuple[str, str]:
    """The event loop and the HTTP parser uvicorn's ``"auto"`` settings pick here."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") is not None else "h11"
    return loop, http


class LoopThread:
    """An asyncio event loop running in a background daemon thread."""

    def __init__(self, name: str = "mockluma-loop") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._loop.is_closed()

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        """Start ``coroutine`` on the loop; the returned future holds its outcome."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop and wait for its result."""
        return self.submit(coroutine).result()

    def call(self, function: Callable[[], T]) -> T:
        """Run ``function`` on the loop's thread and return its result."""

        async def invoke() -> T:
            return function()

        return self.run(invoke())

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
        if not self._loop.is_closed():
            self._loop.close()


class StreamClosingServer(uvicorn.Server):
    """A uvicorn server that ends the app's long-lived responses (the dashboard's event
    streams) as soon as shutdown begins: uvicorn waits for open responses before it runs the
    app's shutdown, so without this an open dashboard would hold Ctrl-C."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        close_streams = getattr(self.config.app, "close_streams", None)
        if callable(close_streams):
            close_streams()
        await super().shutdown(sockets)


class _Server(StreamClosingServer):
    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self._ready.set()


class ThreadedServer:
    """A uvicorn server for ``app`` on ``host``, on a free port unless one is given."""

    def __init__(
        self, app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"
    ) -> None:
        self.app = app
        self.host = host
        self._requested_port = port
        self._log_level = log_level
        self.loop = LoopThread("mockluma-server")
        self._server: _Server | None = None
        self._served: Future[None] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit this: without it, a response written as headers then
        # body waits ~40 ms for the client's delayed ACK on every keep-alive request.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self.host, self._requested_port))
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        # The event loop is LoopThread's own asyncio loop (handle controls run on it); the HTTP
        # parser is uvicorn's pick: httptools when installed, else h11.
        config = uvicorn.Config(
            self.app, http="auto", log_level=self._log_level, access_log=False, lifespan="on"
        )
        self._server = _Server(config, ready)
        self.loop.start()

        async def serve() -> None:
            assert self._server is not None
            try:
                await self._server.serve(sockets=[sock])
            finally:
                sock.close()

        self._served = self.loop.submit(serve())
        if not ready.wait(timeout):
            self.stop()
            raise RuntimeError("The mock server did not start in time.")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._served is not None:
            self._served.result()
            self._served = None
        self.loop.stop()
