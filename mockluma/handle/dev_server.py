"""The uvicorn server of ``mockluma serve``, with the limits a server left running all day needs.

Uvicorn supplies most of them (``limit_concurrency``, ``timeout_keep_alive``,
``timeout_graceful_shutdown``, the listen backlog); three things are added here:

- **A deadline for a request's headers.** Uvicorn's idle timeout starts only after a first
  response, so a client that connects and sends nothing, or trickles its headers a byte at a
  time, holds its socket (and file descriptor) for ever. :func:`http_protocol` closes a
  connection that has not sent a whole request head within ``timeout_headers`` seconds of
  connecting or of starting its next request, and one that stays silent past
  ``timeout_keep_alive``.
- **One log line per burst of refused connections.** When the process runs out of file
  descriptors, every ``accept()`` fails; the event loop reports each failure with a traceback
  (tens of thousands a second). :class:`AcceptErrors` logs the first of a burst and a count
  when it ends.
- **Memory handed back.** Bodies arrive in buffers of tens of kilobytes; glibc keeps freed
  blocks of that size in its heap, where fragmentation holds them for good (300 clients that
  hang up mid-body left 46 MB of RSS behind on the asyncio/h11 stack, with 0.4 MB still in
  use). :func:`hand_back_large_blocks` has blocks of 64 KiB and more mapped on their own, so
  freeing one returns it to the system (4 MB left behind instead).
- **A bounded stop.** Within ``timeout_graceful_shutdown`` the connections still open are
  closed, so Ctrl-C or SIGTERM stops the server even while a client holds a half-sent body,
  and the request ends as a hang-up does (no traceback).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import logging
import platform
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn
from uvicorn.server import HANDLED_SIGNALS

from mockluma.handle.server import StreamClosingServer, uvicorn_stack

logger = logging.getLogger("mockluma")

_HANG_UP_BEFORE = 0.5
"""Seconds before the end of the graceful wait at which open connections are closed."""
_OUT_OF_RESOURCES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


_M_MMAP_THRESHOLD = -3  # glibc's mallopt() parameter
LARGE_BLOCK = 64 * 1024


def hand_back_large_blocks() -> bool:
    """Have glibc map every block of :data:`LARGE_BLOCK` bytes or more on its own (returned to
    the system when freed); whether it could (only glibc on Linux has ``mallopt``)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK))
    except (OSError, AttributeError):
        return False


class AcceptErrors:
    """An event-loop exception handler that turns a storm of failed ``accept()`` calls into
    one line per burst (a burst ends after ``quiet`` seconds without a failure)."""

    def __init__(self, quiet: float = 10.0, clock: Any = time.monotonic) -> None:
        self.quiet = quiet
        self._clock = clock
        self._burst_start: float | None = None
        self._last = 0.0
        self.failures = 0
        self.lines = 0

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if not (isinstance(exc, OSError) and exc.errno in _OUT_OF_RESOURCES):
            loop.default_exception_handler(context)
            return
        now = self._clock()
        if self._burst_start is not None and now - self._last > self.quiet:
            self._end_burst()
        self._last = now
        self.failures += 1
        if self._burst_start is None:
            self._burst_start = now
            self.lines += 1
            logger.error(
                "mockluma: cannot accept connections: %s. Clients wait in the backlog until "
                "connections close; idle ones close after --timeout-keep-alive. Raise the limit "
                "(ulimit -n) or lower --limit-concurrency. (Further failures of this burst are "
                "counted, not logged.)",
                exc.strerror or exc,
            )

    def _end_burst(self) -> None:
        self.lines += 1
        logger.error("mockluma: %d connection attempts failed in that burst.", self.failures)
        self._burst_start = None
        self.failures = 0


class DevServer(StreamClosingServer):
    """``uvicorn.Server`` with :class:`AcceptErrors` installed and a shutdown that ends (and
    ends the dashboard's event streams first)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.accept_errors = AcceptErrors()

    async def startup(self, sockets: Any = None) -> None:
        hand_back_large_blocks()
        asyncio.get_running_loop().set_exception_handler(self.accept_errors)
        await super().startup(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Uvicorn's, without raising the captured signals again once stopped: inside the
        # event loop that made a second Ctrl-C cancel the lifespan with a traceback. ``serve``
        # reports the stop itself.
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in HANDLED_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    async def shutdown(self, sockets: Any = None) -> None:
        # Just before uvicorn's graceful wait runs out, hang up on the connections still
        # open (a client holding half a body): their requests then end as a hang-up does
        # (quietly, see app.client_gone) instead of being cancelled with a traceback each.
        grace = self.config.timeout_graceful_shutdown
        hang_up = None
        if grace is not None:
            delay = max(0.0, grace - _HANG_UP_BEFORE)
            hang_up = asyncio.get_running_loop().call_later(delay, self._hang_up)
        try:
            await super().shutdown(sockets)
        finally:
            if hang_up is not None:
                hang_up.cancel()
            self._hang_up()
        if self.force_exit:
            # A second Ctrl-C: uvicorn skips the app's shutdown, whose task is then cancelled
            # with a traceback. It is quick (it stops the ticker and the callback client).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2):
                    await self.lifespan.shutdown()

    def _hang_up(self) -> None:
        for connection in list(self.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None and not transport.is_closing():
                transport.close()


def http_protocol(timeout_headers: float) -> type[asyncio.Protocol]:
    """Uvicorn's HTTP protocol class (httptools when installed, else h11), with deadlines for
    a silent connection and for a request's headers."""
    _, http = uvicorn_stack()
    if http == "httptools":
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        class HttpToolsWithDeadlines(HttpToolsProtocol):
            _head_timer: asyncio.TimerHandle | None = None

            def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
                super().connection_made(transport)
                self._arm_idle()
                self._arm_head()

            def _arm_idle(self) -> None:
                # Uvicorn's own keep-alive timer, armed before a first request too; any data
                # disarms it (uvicorn's data_received).
                self.timeout_keep_alive_task = self.loop.call_later(
                    self.timeout_keep_alive, self.timeout_keep_alive_handler
                )

            def _arm_head(self) -> None:
                if self._head_timer is None:
                    self._head_timer = self.loop.call_later(timeout_headers, self._head_late)

            def _head_late(self) -> None:
                self._head_timer = None
                if not self.transport.is_closing():
                    self.transport.close()

            def on_message_begin(self) -> None:
                super().on_message_begin()
                self._arm_head()

            def on_headers_complete(self) -> None:
                if self._head_timer is not None:
                    self._head_timer.cancel()
                    self._head_timer = None
                super().on_headers_complete()

            def connection_lost(self, exc: Exception | None) -> None:
                if self._head_timer is not None:
                    self._head_timer.cancel()
                    self._head_timer = None
                super().connection_lost(exc)

        return HttpToolsWithDeadlines

    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class H11WithDeadlines(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )
            self._head_timer = self.loop.call_later(timeout_headers, self._head_late)

        def _head_late(self) -> None:
            self._head_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is h11.IDLE:
                # Part of a next request head (or nothing): it must complete in time.
                if self._head_timer is None and data:
                    self._head_timer = self.loop.call_later(timeout_headers, self._head_late)
            elif self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def connection_lost(self, exc: Exception | None) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None
            super().connection_lost(exc)

    return H11WithDeadlines


__all__ = ["AcceptErrors", "DevServer", "hand_back_large_blocks", "http_protocol"]
