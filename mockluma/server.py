"""Running the app on a real socket in a background thread (for tests and the Python handle).

The server gets its own event loop in a daemon thread; :meth:`ThreadedServer.call` runs a
function on that loop, so the simulation is only ever touched from one thread. Uvicorn installs
no signal handlers outside the main thread, so Ctrl-C still reaches the test runner.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import uvicorn
from starlette.types import ASGIApp

T = TypeVar("T")


class _Server(uvicorn.Server):
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
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: _Server | None = None
        self.port = 0
        self.error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        config = uvicorn.Config(
            self.app, log_level=self._log_level, access_log=False, lifespan="off"
        )
        self._server = _Server(config, ready)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._run, args=(sock,), name=f"mockluma-{self.port}", daemon=True
        )
        self._thread.start()
        if not ready.wait(timeout) or self.error is not None:
            self.stop()
            raise RuntimeError(f"The mock server did not start: {self.error!r}") from self.error

    def _run(self, sock: socket.socket) -> None:
        assert self._loop is not None
        assert self._server is not None
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._server.serve(sockets=[sock]))
        except BaseException as exc:  # surfaced to the caller through .error
            self.error = exc
        finally:
            sock.close()
            self._loop.close()

    def call(self, function: Callable[[], T]) -> T:
        """Run ``function`` on the server's event loop and return its result."""
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running():
            return function()

        async def invoke() -> T:
            return function()

        return asyncio.run_coroutine_threadsafe(invoke(), loop).result()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
        self._thread = None

    def __enter__(self) -> ThreadedServer:
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
