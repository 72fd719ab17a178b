"""Runs due events on time when the clock is real, so nothing waits for a request to notice.

With a real clock a generation should complete, and its callback go out, at its planned time
even if no client asks about it. The ticker sleeps until the earliest scheduled event (woken
early when an earlier one is scheduled) and then runs what is due. With a manual clock it only
idles: time moves, and events run, when a test advances the clock.
"""

from __future__ import annotations

import asyncio
import contextlib

from mockluma.engine.clock import RealClock
from mockluma.engine.simulation import Simulation

_IDLE_CHECK = 1.0
"""Wall seconds between looks when nothing is scheduled (the clock may be swapped by a reset)."""


async def run_ticker(simulation: Simulation) -> None:
    wake = asyncio.Event()
    simulation.scheduler.on_earlier = wake.set
    try:
        while True:
            clock = simulation.clock
            due = simulation.scheduler.next_due()
            wait = _IDLE_CHECK
            if isinstance(clock, RealClock) and due is not None:
                wait = min(clock.wall_seconds_until(due), _IDLE_CHECK)
            if wait > 0:
                wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=wait)
            if isinstance(simulation.clock, RealClock):
                simulation.run_due()
    finally:
        simulation.scheduler.on_earlier = None
