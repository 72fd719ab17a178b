"""How long jobs take: per-surface timing tables and the modes that reshape them.

Each surface declares a *realistic* :class:`Timing` per model (Luma publishes no durations, so
those tables are informed guesses, documented by the surface). The engine's
:class:`TimingMode` then decides what is used:

- ``realistic``: the surface's table, sampled with the job's seeded random generator;
- ``quick``: about five seconds for anything (1-2 s queued, 3-6 s running), so a person can watch
  a generation move through its states in a dev UI.

Independently of the mode, a job can be *instant* (zero-length phases: finished by the next
request), which is what the ``immediate`` progression and synchronous requests use.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from enum import StrEnum

from mockluma.engine.distributions import Distribution, Fixed, Uniform
from mockluma.engine.jobs import Failure, Plan


@dataclass(frozen=True, slots=True)
class Timing:
    """Distributions of the time a job spends queued and running."""

    queued: Distribution
    running: Distribution


class TimingMode(StrEnum):
    REALISTIC = "realistic"
    QUICK = "quick"


_QUICK = Timing(queued=Uniform(1.0, 2.0), running=Uniform(3.0, 6.0))
_INSTANT = Timing(queued=Fixed(0.0), running=Fixed(0.0))


def make_plan(
    timing: Timing,
    mode: TimingMode,
    rng: random.Random,
    *,
    failure: Failure | None = None,
    stuck: bool = False,
    instant: bool = False,
) -> Plan:
    """Sample a job's timeline under ``mode`` (or a zero-length one if ``instant``)."""
    chosen = _INSTANT if instant else timing if mode is TimingMode.REALISTIC else _QUICK
    if instant and failure is not None:
        # A job that must finish by the next request fails at once, too.
        failure = replace(failure, after=0.0)
    queued_for = chosen.queued.sample(rng)
    running_for = chosen.running.sample(rng)
    return Plan(queued_for, None if stuck else running_for, failure)
