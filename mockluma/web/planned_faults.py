"""The generation faults the fault layer planned for a request, carried in its ASGI scope.

The fault layer (:mod:`mockluma.app.faults`) reads a request's fault rules and in-band triggers
before any route runs; a route that creates a job passes what was planned to
:meth:`~mockluma.engine.simulation.Simulation.submit`. The scope is the request's own, so a plan
never outlives its request or reaches a concurrent one.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Scope

from mockluma.engine.faults import NO_PLANNED_FAULTS, PlannedFaults

PLANNED_FAULTS_KEY = "mockluma.planned_faults"


def plan_faults(scope: Scope, faults: PlannedFaults) -> None:
    """Note in ``scope`` the generation faults planned for its request."""
    scope[PLANNED_FAULTS_KEY] = faults


def planned_faults(request: Request) -> PlannedFaults:
    """The generation faults planned for ``request`` (none, when no rule or trigger matched)."""
    faults: PlannedFaults = request.scope.get(PLANNED_FAULTS_KEY, NO_PLANNED_FAULTS)
    return faults


__all__ = ["PLANNED_FAULTS_KEY", "PlannedFaults", "plan_faults", "planned_faults"]
