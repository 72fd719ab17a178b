"""The lifecycle rules across the polls of one job, applied to traffic as it passes.

A contract check follows a job it created itself (:mod:`mockluma.contracts.lifecycle`); the
proxy sees whatever the client asks, in whatever order, so it remembers the last state each job
was seen in (by surface, kind and id) and holds every later sighting to the same two rules: a
state never moves back, and a terminal state is sticky. The orders and terminal states are the
contract modules' own, and so is the rule (:func:`mockluma.contracts.lifecycle.broken_rule`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mockluma.contracts.lifecycle import broken_rule
from mockluma.contracts.surfaces import agents, appypie, captures, dream_machine, umami
from mockluma.schemas.conformance import Finding

Sighting = tuple[str, str, str]
"""``(job id, state, JSON path of the state)``."""


@dataclass(frozen=True, slots=True)
class Lifecycle:
    surface: str
    kind: str
    """What moves through the states, in the surface's words (``generation``, ``file``)."""
    order: Mapping[str, int]
    terminal: Collection[str]
    applies: Callable[[str], bool]
    """Whether the route (``"GET /files/{id}"``) answers jobs of this kind."""
    sightings: Callable[[Any, Any], Iterator[Sighting]]
    """The jobs a response body shows, given it and the request's JSON body."""


def _with_state(key: str) -> Callable[[Any, Any], Iterator[Sighting]]:
    """Objects with an ``id`` and a state under ``key``: the body itself, a list that is the
    body, or a list under one of the body's keys (a list page)."""

    def one(item: Any, where: str) -> Iterator[Sighting]:
        if isinstance(item, dict) and isinstance(item.get(key), str) and item.get("id"):
            yield str(item["id"]), item[key], f"{where}.{key}"

    def sightings(body: Any, _request: Any) -> Iterator[Sighting]:
        if isinstance(body, list):
            for index, item in enumerate(body):
                yield from one(item, f"$[{index}]")
        elif isinstance(body, dict):
            yield from one(body, "$")
            for name, value in body.items():
                if isinstance(value, list):
                    for index, item in enumerate(value):
                        yield from one(item, f"$.{name}[{index}]")

    return sightings


def _capture_runs(body: Any, _request: Any) -> Iterator[Sighting]:
    def one(item: Any, where: str) -> Iterator[Sighting]:
        run = item.get("latestRun") if isinstance(item, dict) else None
        if isinstance(run, dict) and isinstance(run.get("status"), str) and item.get("slug"):
            yield str(item["slug"]), run["status"], f"{where}.latestRun.status"

    if isinstance(body, dict):
        yield from one(body, "$")
        for name, value in body.items():
            if isinstance(value, list):
                for index, item in enumerate(value):
                    yield from one(item, f"$.{name}[{index}]")


def _appypie_status(body: Any, request: Any) -> Iterator[Sighting]:
    task = request.get("task_id") if isinstance(request, dict) else None
    if task and isinstance(body, dict) and isinstance(body.get("status"), str):
        yield str(task), body["status"], "$.status"


LIFECYCLES: tuple[Lifecycle, ...] = (
    Lifecycle(
        "dream-machine",
        "generation",
        dream_machine.STATE_ORDER,
        dream_machine.TERMINAL,
        lambda route: " /generations" in route,
        _with_state("state"),
    ),
    Lifecycle(
        "agents",
        "generation",
        agents.STATE_ORDER,
        agents.TERMINAL,
        lambda route: " /generations" in route,
        _with_state("state"),
    ),
    Lifecycle(
        "agents",
        "file",
        agents.FILE_STATE_ORDER,
        agents.FILE_TERMINAL,
        lambda route: " /files" in route,
        _with_state("state"),
    ),
    Lifecycle(
        "captures",
        "capture run",
        captures.RUN_ORDER,
        captures.RUN_TERMINAL,
        lambda route: " /capture" in route,
        _capture_runs,
    ),
    Lifecycle(
        "appypie",
        "video",
        appypie.ORDER,
        appypie.TERMINAL,
        lambda route: route.endswith("/getStatus"),
        _appypie_status,
    ),
    Lifecycle(
        "umami",
        "generation",
        umami.STATE_ORDER,
        umami.TERMINAL,
        lambda route: " /generation" in route,
        _with_state("state"),
    ),
)


JOBS_REMEMBERED = 100_000
"""Past this many jobs, the one seen least recently is forgotten (a long session stays small)."""


class LifecycleTracker:
    """The last state of every job seen, and the findings of each new sighting."""

    def __init__(
        self, lifecycles: Collection[Lifecycle] = LIFECYCLES, *, limit: int = JOBS_REMEMBERED
    ) -> None:
        self._lifecycles = lifecycles
        self._limit = limit
        self._last: OrderedDict[tuple[str, str, str], tuple[str, int]] = OrderedDict()
        self._count: dict[tuple[str, str, str], int] = {}

    def follows(self, surface: str, route: str) -> bool:
        """Whether answers of ``route`` can show a job's state."""
        return any(
            lifecycle.surface == surface and lifecycle.applies(route)
            for lifecycle in self._lifecycles
        )

    def observe(self, surface: str, route: str, body: Any, request: Any) -> list[Finding]:
        findings = []
        for lifecycle in self._lifecycles:
            if lifecycle.surface != surface or not lifecycle.applies(route):
                continue
            for job, state, json_path in lifecycle.sightings(body, request):
                key = (surface, lifecycle.kind, job)
                seen = self._count.get(key, 0) + 1
                self._count[key] = seen
                found = _judge(lifecycle, job, self._last.get(key), state, seen, json_path)
                if found is not None:
                    findings.append(found)
                if state in lifecycle.order:
                    self._last[key] = (state, seen)
                    self._last.move_to_end(key)
                    if len(self._last) > self._limit:
                        forgotten, _ = self._last.popitem(last=False)
                        self._count.pop(forgotten, None)
        return findings

    def states(self) -> dict[str, str]:
        """``"surface kind id" -> last state``, for the report."""
        return {" ".join(key): state for key, (state, _) in self._last.items()}


def _judge(
    lifecycle: Lifecycle,
    job: str,
    last: tuple[str, int] | None,
    state: str,
    seen: int,
    json_path: str,
) -> Finding | None:
    if last is None or state not in lifecycle.order:
        return None  # an unknown state is the schema's to judge
    before, at = last
    rule = broken_rule(before, state, order=lifecycle.order, terminal=lifecycle.terminal)
    what = lifecycle.kind.capitalize()
    if rule == "terminal_state_is_sticky":
        return Finding(
            rule,
            f"{what} {job} left its terminal state {before} for {state} "
            f"(sighting {seen}; it was {before} at sighting {at})",
            json_path,
        )
    if rule == "state_moves_forward":
        return Finding(
            rule, f"{what} {job} moved from {before} back to {state} (sighting {seen})", json_path
        )
    return None


__all__ = ["LIFECYCLES", "Lifecycle", "LifecycleTracker"]
