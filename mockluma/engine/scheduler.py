"""A time-ordered queue of things that must happen at a simulated instant.

State transitions, callback attempts and expiries are all events here. Events due at the same
instant run in the order they were scheduled, which keeps runs with a fixed seed repeatable.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

Action = Callable[[], None]


@dataclass(order=True, slots=True)
class _Event:
    due: float
    order: int
    action: Action = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


class EventHandle:
    """Returned by :meth:`Scheduler.at`; lets the caller cancel the event."""

    __slots__ = ("_event",)

    def __init__(self, event: _Event) -> None:
        self._event = event

    def cancel(self) -> None:
        self._event.cancelled = True

    @property
    def due(self) -> float:
        return self._event.due


class Scheduler:
    """Events keyed by due time; :meth:`pop_due` hands back the ones whose time has come."""

    def __init__(self) -> None:
        self._heap: list[_Event] = []
        self._counter = itertools.count()
        self.on_earlier: Callable[[], None] | None = None
        """Called when a new event becomes the earliest, so a waiting ticker can wake up."""

    def at(self, due: float, action: Action) -> EventHandle:
        """Run ``action`` when simulated time reaches ``due``."""
        event = _Event(due, next(self._counter), action)
        earliest = not self._heap or event < self._heap[0]
        heapq.heappush(self._heap, event)
        if earliest and self.on_earlier is not None:
            self.on_earlier()
        return EventHandle(event)

    def next_due(self) -> float | None:
        """The due time of the earliest pending event, if any."""
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0].due if self._heap else None

    def pop_due(self, now: float) -> Action | None:
        """Remove and return the earliest event due at or before ``now``, or ``None``."""
        due = self.next_due()
        if due is None or due > now:
            return None
        return heapq.heappop(self._heap).action

    def clear(self) -> None:
        self._heap.clear()

    def __len__(self) -> int:
        return sum(1 for event in self._heap if not event.cancelled)
