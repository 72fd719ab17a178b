"""Callback delivery: POST a job's update to the URL its creator gave, with the retry policy.

Luma's documented policy (Dream Machine): on each state update the generation is POSTed to
``callback_url``; any answer other than 200, or no answer within 5 s, is retried at most 3
times, 100 ms apart. Here the attempts are events on the simulation's scheduler, so "100 ms
apart" is simulated time, and a test with a manual clock sees each retry only when it moves
the clock. The send itself is real network I/O (a wall-clock timeout bounds it); it runs as a
background task, never inside a request handler.

The engine stays HTTP-free: the app supplies the :data:`Sender` (an httpx client) and each
surface a :data:`Renderer` that says whether a job's update is delivered, where, and with which
body. Every attempt is logged in a bounded list; fault rules can delay an update, deliver it
twice, or hold it back until after the job's next update.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from mockluma.engine.faults import CallbackFault, FaultBook
from mockluma.engine.jobs import Job
from mockluma.engine.simulation import Simulation
from mockluma.errors import DeliveryFailed as DeliveryFailed

_OVERTAKEN_BY = 0.001
"""Simulated seconds between an update and an older one that it overtook, or a copy of it (so
that the order in which they arrive is fixed)."""


Sender = Callable[[str, bytes, float], Awaitable[int]]
"""``await sender(url, body, timeout)`` POSTs ``body`` and returns the status code, or raises
:class:`DeliveryFailed`."""


@dataclass(frozen=True, slots=True)
class Update:
    """One update of one job, to be delivered."""

    url: str
    state: str
    """The state in the surface's own words (``dreaming``, ``completed``...)."""
    body: bytes


Renderer = Callable[[Job], Update | None]
"""Given a job that just changed phase, the update to deliver, or ``None`` for none."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """One POST of an update, as the mock made it."""

    sequence: int
    surface: str
    generation_id: str
    owner: str
    url: str
    state: str
    attempt: int
    """1 for the first try, 2-4 for the retries."""
    at: float
    """Simulated time the attempt was made."""
    status: int | None
    error: str | None
    copy: int = 1
    """2 for the second copy of a duplicated update."""
    body: bytes = b""
    """What was POSTed."""

    @property
    def delivered(self) -> bool:
        return self.status == 200

    def to_json(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "surface": self.surface,
            "generation_id": self.generation_id,
            "url": self.url,
            "state": self.state,
            "attempt": self.attempt,
            "at": self.at,
            "status": self.status,
            "error": self.error,
            "delivered": self.delivered,
            "copy": self.copy,
        }


@dataclass(slots=True)
class _Delivery:
    job: Job
    update: Update
    copy: int = 1
    attempts: int = 0


@dataclass(slots=True)
class CallbackPolicy:
    retries: int = 3
    interval: float = 0.1
    """Simulated seconds between an attempt's failure and the next try."""
    timeout: float = 5.0
    """Wall-clock seconds the receiver has to answer one attempt."""
    hold_limit: float = 3600.0
    """How long (simulated) an out-of-order update waits for the job's next update."""


class CallbackDispatcher:
    """Turns job updates into deliveries, and deliveries into logged attempts."""

    def __init__(
        self,
        simulation: Simulation,
        faults: FaultBook,
        sender: Sender,
        *,
        policy: CallbackPolicy | None = None,
        log_limit: int = 10_000,
    ) -> None:
        self.simulation = simulation
        self.faults = faults
        self.sender = sender
        self.policy = policy or CallbackPolicy()
        self.attempts: deque[Attempt] = deque(maxlen=log_limit)
        self._renderers: dict[str, Renderer] = {}
        self._sequence = itertools.count(1)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._waiting: list[_Delivery] = []
        self._held: dict[str, list[_Delivery]] = {}
        simulation.subscribe(self._on_transition)

    def register(self, surface: str, renderer: Renderer) -> None:
        """Deliver updates of ``surface``'s jobs as ``renderer`` describes them."""
        self._renderers[surface] = renderer

    @property
    def busy(self) -> bool:
        """Whether an attempt is on the wire or waiting for an event loop."""
        return bool(self._in_flight or self._waiting)

    def clear(self) -> None:
        """Forget the log, anything held back and any attempt on the wire (the scheduler is
        cleared by the caller): after a reset, nothing of the old state may reach the log."""
        for task in self._in_flight:
            task.cancel()
        self._in_flight.clear()
        self.attempts.clear()
        self._held.clear()
        self._waiting.clear()

    async def drain(self) -> None:
        """Wait until no attempt is on the wire (attempts they schedule are not run)."""
        while self._waiting or self._in_flight:
            for delivery in self._waiting:
                self._launch(delivery)
            self._waiting.clear()
            if self._in_flight:
                await asyncio.wait(set(self._in_flight))

    async def close(self) -> None:
        """Stop attempts on the wire and release the sender's connections."""
        for task in list(self._in_flight):
            task.cancel()
        if self._in_flight:
            await asyncio.wait(set(self._in_flight))
        closer = getattr(self.sender, "close", None)
        if closer is not None:
            await closer()

    async def advance(self, seconds: float) -> int:
        """Like :meth:`Simulation.advance`, but waiting for each attempt's answer before moving
        on, so retries due within ``seconds`` are made within it too."""
        if seconds < 0:
            raise ValueError("The clock cannot move backwards.")
        simulation = self.simulation
        target = simulation.now() + seconds
        ran = simulation.run_due()
        await self.drain()
        while (due := simulation.scheduler.next_due()) is not None and due <= target:
            simulation.clock.advance(max(0.0, due - simulation.now()))
            ran += simulation.run_due()
            await self.drain()
        simulation.clock.advance(max(0.0, target - simulation.now()))
        ran += simulation.run_due()
        await self.drain()
        return ran

    async def run_until_idle(self, limit: float) -> int:
        """Advance, event by event, until nothing is scheduled or ``limit`` simulated seconds
        have passed (stuck jobs schedule nothing); returns how many events ran."""
        simulation = self.simulation
        start = simulation.now()
        ran = simulation.run_due()
        await self.drain()
        while (due := simulation.scheduler.next_due()) is not None and due - start <= limit:
            ran += await self.advance(max(0.0, due - simulation.now()))
        return ran

    # -- from job updates to attempts -----------------------------------------------------

    def _on_transition(self, job: Job) -> None:
        renderer = self._renderers.get(job.surface)
        update = renderer(job) if renderer is not None else None
        if update is None:
            return
        fault = self.faults.on_callback(job.surface, job.owner, job.id, update.state)
        delivery = _Delivery(job, update)
        held = self._held.pop(job.id, [])
        if fault is not None and fault.out_of_order:
            self._hold(delivery, fault)
        else:
            self._schedule(delivery, fault)
        for late in held:
            # A held update goes out just after the update that overtook it.
            self.simulation.scheduler.at(
                self.simulation.now() + _OVERTAKEN_BY, functools.partial(self._attempt, late)
            )

    def _schedule(self, delivery: _Delivery, fault: CallbackFault | None) -> None:
        delay = fault.delay if fault is not None else 0.0
        now = self.simulation.now()
        self.simulation.scheduler.at(now + delay, lambda: self._attempt(delivery))
        if fault is not None and fault.duplicate:
            twin = _Delivery(delivery.job, delivery.update, copy=2)
            self.simulation.scheduler.at(now + delay + _OVERTAKEN_BY, lambda: self._attempt(twin))

    def _hold(self, delivery: _Delivery, fault: CallbackFault) -> None:
        job_id = delivery.job.id
        self._held.setdefault(job_id, []).append(delivery)
        later = CallbackFault(fault.delay, fault.duplicate, out_of_order=False)

        def give_up_waiting() -> None:
            held = self._held.get(job_id, [])
            if delivery in held:
                held.remove(delivery)
                self._schedule(delivery, later)

        self.simulation.scheduler.at(
            self.simulation.now() + self.policy.hold_limit, give_up_waiting
        )

    def _attempt(self, delivery: _Delivery) -> None:
        delivery.attempts += 1
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self._waiting.append(delivery)
            return
        self._launch(delivery)

    def _launch(self, delivery: _Delivery) -> None:
        at = self.simulation.now()
        task = asyncio.get_running_loop().create_task(self._send(delivery, at))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _send(self, delivery: _Delivery, at: float) -> None:
        update = delivery.update
        status: int | None = None
        error: str | None = None
        try:
            status = await self.sender(update.url, update.body, self.policy.timeout)
        except DeliveryFailed as failure:
            error = str(failure)
        job = delivery.job
        self.attempts.append(
            Attempt(
                next(self._sequence),
                job.surface,
                job.id,
                job.owner,
                _shown_url(update.url),
                update.state,
                delivery.attempts,
                at,
                status,
                error,
                delivery.copy,
                update.body,
            )
        )
        if status != 200 and delivery.attempts <= self.policy.retries:
            retry_at = self.simulation.now() + self.policy.interval
            self.simulation.scheduler.at(retry_at, lambda: self._attempt(delivery))

    def restore_log(self, attempts: list[Attempt]) -> None:
        """Replace the log with saved attempts; numbering continues after the last one."""
        self.attempts.clear()
        self.attempts.extend(attempts)
        last = max((attempt.sequence for attempt in attempts), default=0)
        self._sequence = itertools.count(last + 1)

    def log(self, generation_id: str | None = None) -> list[Attempt]:
        return [a for a in self.attempts if generation_id in (None, a.generation_id)]


LOGGED_URL_LIMIT = 2048
"""How much of a callback URL the attempt log keeps (URLs are the client's to choose)."""


def _shown_url(url: str) -> str:
    return url if len(url) <= LOGGED_URL_LIMIT else url[:LOGGED_URL_LIMIT] + "…"


INBOX_ITEMS = 1000
"""How many POSTs an inbox keeps (the newest)."""
INBOX_BYTES = 1024**2
"""About how many bytes of bodies an inbox keeps (the newest POST is always kept)."""


@dataclass(slots=True)
class Inbox:
    """A callback receiver hosted by the mock: records what arrives, answers as told.

    It keeps the newest :attr:`max_items` POSTs within :attr:`max_bytes` of bodies (as sent);
    older ones are dropped first.
    """

    name: str
    responses: list[int] = field(default_factory=list)
    """Status codes to answer each update with, in order; the last one repeats (empty means
    200). The sequence restarts for every update (every generation and state), so the answers
    do not depend on how concurrent deliveries interleave."""
    delay: float = 0.0
    """Wall-clock seconds to wait before answering (to exercise the sender's timeout)."""
    received: deque[Received] = field(default_factory=deque)
    max_items: int = INBOX_ITEMS
    max_bytes: int = INBOX_BYTES
    _seen: dict[tuple[str | None, str | None], int] = field(default_factory=dict)
    _bytes: int = 0

    def receive(self, at: float, body: Any, size: int = 0) -> Received:
        """Record one POST of ``size`` bytes; the result says what to answer."""
        probe = Received(at, body, 0)
        key = (probe.generation_id, probe.state)
        count = self._seen.get(key, 0)
        if len(self._seen) < 4 * self.max_items or key in self._seen:
            self._seen[key] = count + 1
        status = self.responses[min(count, len(self.responses) - 1)] if self.responses else 200
        item = Received(at, body, status, size)
        self.received.append(item)
        self._bytes += size
        while len(self.received) > 1 and (
            len(self.received) > self.max_items or self._bytes > self.max_bytes
        ):
            self._bytes -= self.received.popleft().size
        return item

    def clear(self) -> None:
        self.received.clear()
        self._seen.clear()
        self._bytes = 0


@dataclass(frozen=True, slots=True)
class Received:
    """One POST that reached an inbox."""

    at: float
    body: Any
    status: int
    """What the inbox answered."""
    size: int = 0
    """The body's size as sent, in bytes."""

    @property
    def generation_id(self) -> str | None:
        return self.body.get("id") if isinstance(self.body, dict) else None

    @property
    def state(self) -> str | None:
        return self.body.get("state") if isinstance(self.body, dict) else None

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "status": self.status, "body": self.body}
