"""The one source of time for the simulation.

Every timestamp a surface shows and every due time the scheduler keeps is read from a
:class:`Clock`. Two kinds exist: :class:`ManualClock`, which moves only when told (tests), and
:class:`RealClock`, which follows the wall clock, optionally sped up (the dev server). Both can
be pushed forward with :meth:`Clock.advance`, so "skip the next two minutes" works in either.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """Simulated time, in seconds since the Unix epoch."""

    @property
    def mode(self) -> str:
        """``"manual"`` or ``"real"``."""

    @property
    def speed(self) -> float:
        """How many simulated seconds pass per wall-clock second (0 for a manual clock)."""

    def now(self) -> float:
        """The current simulated time."""

    def advance(self, seconds: float) -> None:
        """Move simulated time forward by ``seconds`` (never backwards)."""


class ManualClock:
    """A clock that stands still until :meth:`advance` is called."""

    mode = "manual"
    speed = 0.0

    def __init__(self, start: float) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("The clock cannot move backwards.")
        self._now += seconds


class RealClock:
    """Wall-clock time from ``start``, multiplied by ``speed``, plus any manual advances."""

    mode = "real"

    def __init__(
        self,
        start: float,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed <= 0:
            raise ValueError("The clock speed must be positive.")
        self._start = start
        self._speed = speed
        self._monotonic = monotonic
        self._origin = monotonic()
        self._offset = 0.0

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        return self._start + (self._monotonic() - self._origin) * self._speed + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("The clock cannot move backwards.")
        self._offset += seconds

    def wall_seconds_until(self, when: float) -> float:
        """How long to wait on the wall clock until simulated time reaches ``when``."""
        return max(0.0, (when - self.now()) / self._speed)
