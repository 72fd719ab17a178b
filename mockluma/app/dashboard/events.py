"""Server-sent events for the dashboard: one watcher, many bounded streams.

Nothing on the request path announces changes (a hook there would tax every API call to serve
a page someone may not have open). Instead one watcher task, running only while a dashboard is
connected, looks every :attr:`EventHub.interval` wall seconds at a few counters (the
simulation's revision, the journal's last sequence number, the callback log, the fault rules'
hit counts) and tells every stream which of them moved, with the clock's reading. Pages then
fetch the parts they show, with their own filters; a page without events shows the same on
a refresh.

Each stream has a small queue; when a slow client lets it fill, the oldest message is dropped
(each message describes the whole state, so only the newest matters). A comment line goes out
when nothing else has for :attr:`EventHub.heartbeat` seconds, so proxies keep the connection
and a vanished client is noticed. :meth:`EventHub.close` ends every stream at once: the server
calls it when shutdown begins, since uvicorn waits for open responses before it stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from mockluma.surfaces import Context

Topics = dict[str, Any]


def clock_json(ctx: Context) -> dict[str, Any]:
    clock = ctx.simulation.clock
    return {
        "mode": clock.mode,
        "speed": clock.speed,
        "now": clock.now(),
        "pending_events": len(ctx.simulation.scheduler),
    }


def fingerprints(ctx: Context) -> Topics:
    """What each topic looks like now; a topic changed when its value differs."""
    callbacks = ctx.callbacks.attempts
    limiter = ctx.simulation.limiter
    return {
        "generations": ctx.simulation.revision,
        "journal": (ctx.journal.last_sequence, len(ctx.journal)),
        "callbacks": (
            callbacks[-1].sequence if callbacks else 0,
            len(callbacks),
            tuple((name, len(box.received)) for name, box in ctx.inboxes.items()),
        ),
        "faults": tuple(
            (rule.get("name"), rule.get("calls"), rule.get("fired"))
            for rule in ctx.faults.summaries()
        ),
        "limits": (
            limiter.enabled,
            tuple((surface, tuple(groups.items())) for surface, groups in limiter.limits.items()),
        ),
    }


class EventHub:
    """Streams of change notices for the dashboard's pages."""

    def __init__(
        self,
        ctx: Context,
        *,
        interval: float = 1.0,
        heartbeat: float = 15.0,
        queue_size: int = 8,
        max_streams: int = 64,
    ) -> None:
        self.ctx = ctx
        self.interval = interval
        self.heartbeat = heartbeat
        self.queue_size = queue_size
        self.max_streams = max_streams
        self._queues: set[asyncio.Queue[bytes | None]] = set()
        self._watcher: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def streams(self) -> int:
        return len(self._queues)

    @property
    def full(self) -> bool:
        return len(self._queues) >= self.max_streams

    def close(self) -> None:
        """End every stream now, and refuse new ones (the server is shutting down)."""
        self._closed = True
        for queue in self._queues:
            _offer(queue, None)
        if self._watcher is not None:
            self._watcher.cancel()
            self._watcher = None

    async def stream(self) -> AsyncIterator[bytes]:
        """One client's events, as ``text/event-stream`` bytes, until it goes or we close."""
        if self._closed:
            return
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(self.queue_size)
        self._queues.add(queue)
        if self._watcher is None:
            self._watcher = asyncio.get_running_loop().create_task(self._watch())
        try:
            # The browser reconnects after `retry` ms if the stream breaks.
            yield _message("hello", {"clock": clock_json(self.ctx)}, retry=3000)
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), self.heartbeat)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                if message is None:
                    return
                yield message
        finally:
            self._queues.discard(queue)
            if not self._queues and self._watcher is not None:
                self._watcher.cancel()
                self._watcher = None

    async def _watch(self) -> None:
        ctx = self.ctx
        seen = fingerprints(ctx)
        last_clock = clock_json(ctx)
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await asyncio.sleep(self.interval)
                self._tick(seen, last_clock)

    def _tick(self, seen: Topics, last_clock: dict[str, Any]) -> None:
        ctx = self.ctx
        # Reading state runs the events that are due, as any request would.
        ctx.simulation.run_due()
        now = fingerprints(ctx)
        changed = sorted(topic for topic, value in now.items() if seen.get(topic) != value)
        seen.update(now)
        clock = clock_json(ctx)
        if not changed and clock == last_clock:
            return
        last_clock.clear()
        last_clock.update(clock)
        self._broadcast(_message("change", {"topics": changed, "clock": clock}))

    def _broadcast(self, message: bytes) -> None:
        for queue in self._queues:
            _offer(queue, message)


def _offer(queue: asyncio.Queue[bytes | None], message: bytes | None) -> None:
    """Queue ``message``, dropping the oldest one if the client has fallen behind."""
    if queue.full():
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()
    queue.put_nowait(message)


def _message(event: str, data: Any, *, retry: int | None = None) -> bytes:
    head = f"retry: {retry}\n" if retry is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data)}\n\n".encode()
