"""Running the app off the caller's thread: an event loop in a daemon thread, optionally serving
the app with uvicorn on a real socket.

Everything that touches the simulation runs on that one loop (requests, and the handle's
controls through :meth:`LoopThread.call`), so the engine never needs locks. Uvicorn installs no
signal handlers outside the main thread, so Ctrl-C still reaches the test runner.
"""

from __future__ import annotations

import asyncio
import contextlib
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

    close_streams: Callable[[], None] | None = None
    """What ends the streams; by default the app's own ``close_streams``, found on the app
    the server runs (set it when a middleware wraps that app)."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.end_streams()
        await super().shutdown(sockets)

    def end_streams(self) -> None:
        """End the app's long-lived responses (called first thing in every shutdown)."""
        close_streams = self.close_streams or getattr(self.config.app, "close_streams", None)
        if callable(close_streams):
            close_streams()


_TICK = 0.1
"""Seconds between uvicorn's housekeeping ticks (the ``Date`` header is refreshed every tenth)."""

_DRAIN_STEP = 0.001
"""Seconds between looks at the open connections while the server shuts down."""


class _Server(StreamClosingServer):
    """uvicorn's server, told to stop by an event instead of finding out by polling.

    uvicorn's own main loop looks at ``should_exit`` every 0.1 s, and its shutdown sleeps a
    fixed 0.1 s before waiting for connections in 0.1 s steps: about 200 ms for every stop, which
    every test that starts its own server pays. Here :meth:`exit` wakes the main loop at once and
    the shutdown waits only while a connection is still open (an idle keep-alive one closes at
    once, one answering a request closes when its response is sent).
    """

    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self._ready = ready
        self._exit = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self._ready.set()

    def exit(self) -> None:
        """Stop serving; call it on the server's event loop."""
        self.should_exit = True
        self._exit.set()

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_TICK):
                    await self._exit.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.end_streams()
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        state = self.server_state
        for connection in list(state.connections):
            connection.shutdown()
        try:
            async with asyncio.timeout(self.config.timeout_graceful_shutdown):
                while state.connections or state.tasks:
                    await asyncio.sleep(_DRAIN_STEP)
        except TimeoutError:
            for task in state.tasks:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


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
            if self.loop.running:
                self.loop.call(self._server.exit)
            else:
                self._server.should_exit = True
        if self._served is not None:
            self._served.result()
            self._served = None
        self.loop.stop()
