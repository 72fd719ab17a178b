"""Control routes for fault rules and rate limits, under ``/_mockluma``.

- ``GET /faults``: the active rules, each with how often it matched (``calls``) and fired.
- ``POST /faults``: add one rule (a rule object) or several (``{"rules": [...]}``); a rule with
  the name of an existing one replaces it. Rules are checked against
  ``schemas/mockluma/fault-rule.json``; a bad one is refused with 422 naming the key.
- ``DELETE /faults``: remove every rule; ``DELETE /faults/{name}``: remove one.
- ``GET /limits``: whether limits apply, and the limits per surface and group.
- ``PUT /limits`` ``{"enabled": false}`` or ``{"limits": {"dream-machine": {"ray": {...}}}}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockluma.engine.faults import GenerationFault, Rule
from mockluma.engine.limits import Limit
from mockluma.scenario import ScenarioError, parse_limits, parse_rules
from mockluma.surfaces import Context, Surface
from mockluma.web.bodies import read_json
from mockluma.web.errors import Dialect


def check_failure_kinds(rules: Sequence[Rule], surfaces: Sequence[Surface]) -> None:
    """Refuse a generation rule naming a failure kind one of its surfaces does not have."""
    for rule in rules:
        effect = rule.effect
        if not isinstance(effect, GenerationFault) or effect.stuck or effect.reason is not None:
            continue
        kind = effect.kind or "job"
        targets = [
            s for s in surfaces if rule.match.surfaces is None or s.name in rule.match.surfaces
        ]
        lacking = [s for s in targets if kind not in s.failures]
        # A rule for every surface needs the kind somewhere; it applies where the kind exists.
        if lacking and (rule.match.surfaces is not None or len(lacking) == len(targets)):
            surface = lacking[0]
            known = ", ".join(sorted(surface.failures)) or "none"
            raise ScenarioError(
                f"Rule '{rule.name}': {surface.name} has no failure kind {kind!r}; its kinds "
                f"are {known}. Narrow match.surface, or give a 'reason'."
            )


def limits_json(ctx: Context) -> dict[str, Any]:
    limiter = ctx.simulation.limiter
    return {
        "enabled": limiter.enabled,
        "limits": {
            surface: {group: _limit_json(limit) for group, limit in groups.items()}
            for surface, groups in limiter.limits.items()
        },
    }


def _limit_json(limit: Limit) -> dict[str, Any]:
    return {
        "concurrent": limit.concurrent,
        "per_minute": limit.per_minute,
        "retry_after": limit.concurrency_retry_after,
    }


def fault_routes(ctx: Context, surfaces: Sequence[Surface], dialect: Dialect) -> list[BaseRoute]:
    async def body(request: Request) -> Any:
        return await read_json(request, max_bytes=ctx.config.max_body_bytes, dialect=dialect)

    async def list_faults(request: Request) -> Response:
        return JSONResponse({"rules": ctx.faults.summaries()})

    async def add_faults(request: Request) -> Response:
        data = await body(request)
        items = data.get("rules") if isinstance(data, dict) and "rules" in data else [data]
        if not isinstance(items, list):
            raise dialect.error(422, "'rules' must be a list of fault rules.")
        try:
            rules = parse_rules(items)
            check_failure_kinds(rules, surfaces)
        except ScenarioError as exc:
            raise dialect.error(422, str(exc)) from None
        for rule in rules:
            ctx.faults.add(rule)
        return JSONResponse({"rules": ctx.faults.summaries()}, status_code=201)

    async def clear_faults(request: Request) -> Response:
        ctx.faults.clear()
        return Response(status_code=204)

    async def remove_fault(request: Request) -> Response:
        name = request.path_params["name"]
        if not ctx.faults.remove(name):
            raise dialect.error(404, f"There is no fault rule named {name!r}.")
        return Response(status_code=204)

    async def show_limits(request: Request) -> Response:
        return JSONResponse(limits_json(ctx))

    async def set_limits(request: Request) -> Response:
        data = await body(request)
        if not isinstance(data, dict) or set(data) - {"enabled", "limits"}:
            raise dialect.error(
                422, 'Send {"enabled": true|false} and/or {"limits": {surface: {group: {...}}}}.'
            )
        enabled = data.get("enabled", ctx.simulation.limiter.enabled)
        if not isinstance(enabled, bool):
            raise dialect.error(422, "'enabled' must be true or false.")
        if "limits" in data:
            if not isinstance(data["limits"], Mapping):
                raise dialect.error(422, "'limits' must be an object of surfaces.")
            try:
                changes = parse_limits(data["limits"])
            except ScenarioError as exc:
                raise dialect.error(422, str(exc)) from None
            for surface, groups in changes.items():
                ctx.simulation.limiter.limits.setdefault(surface, {}).update(groups)
        ctx.simulation.limiter.enabled = enabled
        return JSONResponse(limits_json(ctx))

    return [
        Route("/faults", list_faults, methods=["GET"]),
        Route("/faults", add_faults, methods=["POST"]),
        Route("/faults", clear_faults, methods=["DELETE"]),
        Route("/faults/{name}", remove_fault, methods=["DELETE"]),
        Route("/limits", show_limits, methods=["GET"]),
        Route("/limits", set_limits, methods=["PUT"]),
    ]
