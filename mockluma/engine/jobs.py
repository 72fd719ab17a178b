"""The generic job: what every surface's generation, capture or upload is to the engine.

A job moves through four canonical phases — queued, running, succeeded, failed — and each
surface names them in its own words (Dream Machine says ``dreaming`` for running). Its
:class:`Plan` is fixed when it is created: how long it queues, how long it runs, and whether
and when it fails. Phases only move forward; a terminal phase never changes again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mockluma.engine.limits import Allowance
from mockluma.engine.scheduler import EventHandle


class Phase(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def terminal(self) -> bool:
        return self in (Phase.SUCCEEDED, Phase.FAILED)


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a job fails, and when: ``after`` seconds into ``phase``."""

    reason: str
    code: str | None = None
    phase: Phase = Phase.RUNNING
    after: float = 0.0


@dataclass(frozen=True, slots=True)
class Plan:
    """A job's timeline, decided at creation. ``running_for=None`` means it never finishes."""

    queued_for: float
    running_for: float | None
    failure: Failure | None = None


@dataclass(slots=True, eq=False)
class Job:
    """One unit of simulated work, owned by one API key on one surface."""

    id: str
    surface: str
    kind: str
    owner: str
    created_at: float
    request: Mapping[str, Any]
    """The request as the surface will echo it back."""
    details: dict[str, Any]
    """Facts the surface needs to present the job (model, aspect ratio, media to serve...)."""
    plan: Plan
    cost: float = 0.0
    group: str = ""
    """The rate-limit group the job counts towards (Dream Machine: the model family)."""
    allowance: Allowance | None = None
    """The key's per-minute standing when the job was accepted, for rate-limit headers."""
    phase: Phase = Phase.QUEUED
    failure: Failure | None = None
    history: list[tuple[Phase, float]] = field(default_factory=list)
    polls: int = 0
    """Polls of this job since it entered its current phase."""
    deleted: bool = False
    pending: EventHandle | None = None
    """The scheduled event that will move the job on, if any."""

    def entered(self, phase: Phase) -> float | None:
        """When the job entered ``phase``, if it has."""
        for seen, at in self.history:
            if seen is phase:
                return at
        return None
