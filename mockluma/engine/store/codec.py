"""Engine objects as JSON-able data and back: the one encoding behind snapshots and the store.

Jobs, failures and plans are the engine's own and are encoded here. Records a surface keeps in
an account (Captures' captures, the Agents API's uploaded files) are the surface's: each surface
registers a :class:`RecordCodec` for its collections with :func:`register_records`, so the
engine can save and load them without knowing what they are. A record that points at a job
stores a *job reference* (``{"surface": ..., "id": ...}``, within the record's own key).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mockluma.engine.jobs import Failure, Job, Phase, Plan
from mockluma.engine.limits import Allowance
from mockluma.engine.store.base import StateError

KeyNames = Callable[[str], str]
"""How an API key is written in a snapshot: as it is, or as its stable placeholder."""


def as_is(key: str) -> str:
    return key


class Encoding(Protocol):
    """What a record codec may ask while encoding."""

    def key(self, owner: str) -> str:
        """``owner`` as the snapshot names it (masked or not)."""

    def job(self, job: Job | None) -> dict[str, Any] | None:
        """A reference to ``job``, or ``None``."""


class Decoding(Protocol):
    """What a record codec may ask while decoding."""

    owner: str

    def job(self, reference: Mapping[str, Any] | None) -> Job | None:
        """The job a reference names (raises :class:`StateError` if there is none)."""

    def index(self, surface: str) -> dict[str, Any]:
        """The surface-wide look-up table being rebuilt (see ``Simulation.index``)."""


@dataclass(frozen=True, slots=True)
class RecordCodec:
    encode: Callable[[Any, Encoding], dict[str, Any]]
    decode: Callable[[Mapping[str, Any], Decoding], tuple[str, Any]]
    """Returns the record's key in its collection, and the record."""


_RECORDS: dict[tuple[str, str], RecordCodec] = {}


def register_records(surface: str, collection: str, codec: RecordCodec) -> None:
    """Say how ``surface`` saves and loads the records of ``collection``."""
    _RECORDS[(surface, collection)] = codec


def records_codec(surface: str, collection: str) -> RecordCodec:
    codec = _RECORDS.get((surface, collection))
    if codec is None:
        raise StateError(
            f"no surface knows how to save or load {surface!r} records of {collection!r}."
        )
    return codec


# -- jobs ------------------------------------------------------------------------------------


def failure_to_json(failure: Failure | None) -> dict[str, Any] | None:
    if failure is None:
        return None
    return {
        "reason": failure.reason,
        "code": failure.code,
        "phase": failure.phase.value,
        "after": failure.after,
    }


def failure_from_json(data: Mapping[str, Any] | None) -> Failure | None:
    if data is None:
        return None
    return Failure(data["reason"], data.get("code"), Phase(data["phase"]), float(data["after"]))


def job_to_json(job: Job, key: KeyNames = as_is) -> dict[str, Any]:
    plan = job.plan
    allowance = job.allowance
    return {
        "id": job.id,
        "surface": job.surface,
        "api_key": key(job.owner),
        "kind": job.kind,
        "created_at": job.created_at,
        "request": dict(job.request),
        "details": job.details,
        "plan": {
            "queued_for": plan.queued_for,
            "running_for": plan.running_for,
            "failure": failure_to_json(plan.failure),
        },
        "cost": job.cost,
        "group": job.group,
        "allowance": None
        if allowance is None
        else {
            "limit": allowance.limit,
            "remaining": allowance.remaining,
            "reset_at": allowance.reset_at,
        },
        "phase": job.phase.value,
        "failure": failure_to_json(job.failure),
        "history": [[phase.value, at] for phase, at in job.history],
        "polls": job.polls,
    }


_PHASES = {phase.value: phase for phase in Phase}


def job_from_json(data: Mapping[str, Any], owner: str) -> Job:
    """A job from its JSON; ``data`` is taken over (a fresh parse, not shared with anyone).

    Written for speed: a restart decodes every stored job (100,000 in about a second).
    """
    plan = data["plan"]
    allowance = data.get("allowance")
    failure = plan.get("failure")
    job = Job(
        data["id"],
        data["surface"],
        data["kind"],
        owner,
        data["created_at"],
        data["request"],
        data["details"],
        Plan(
            plan["queued_for"],
            plan["running_for"],
            None if failure is None else failure_from_json(failure),
        ),
        cost=data.get("cost", 0.0),
        group=data.get("group", ""),
    )
    if allowance is not None:
        job.allowance = Allowance(allowance["limit"], allowance["remaining"], allowance["reset_at"])
    phases = _PHASES
    job.phase = phases[data["phase"]]
    failure = data.get("failure")
    if failure is not None:
        job.failure = failure_from_json(failure)
    job.history = [(phases[phase], at) for phase, at in data["history"]]
    job.polls = data.get("polls", 0)
    return job


def job_reference(job: Job | None) -> dict[str, Any] | None:
    return None if job is None else {"surface": job.surface, "id": job.id}
