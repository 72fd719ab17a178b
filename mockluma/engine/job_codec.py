"""Jobs as JSON-able data and back: the encoding of the engine's own objects in a state.

Used by snapshots and stores (:mod:`mockluma.engine.store`) and by :class:`JobTable`, which
keeps jobs read back from a store as JSON text until they are first used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mockluma.engine.jobs import Failure, Job, Phase, Plan
from mockluma.engine.limits import Allowance

KeyNames = Callable[[str], str]
"""How an API key is written in a snapshot: as it is, or as its stable placeholder."""


def as_is(key: str) -> str:
    return key


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
        "request": job.request if isinstance(job.request, dict) else dict(job.request),
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
