"""The control API under ``/_mockluma/``: health, reset and the clock. JSON in and out.

Errors here use mockluma's own shape, ``{"error": "<sentence>"}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockluma._version import __version__
from mockluma.surfaces import Context
from mockluma.web.bodies import read_json
from mockluma.web.errors import ApiError


class AdminDialect:
    def error(self, status: int, message: str) -> ApiError:
        return ApiError(status, {"error": message})


ADMIN_DIALECT = AdminDialect()
_MAX_ADVANCE = 366 * 24 * 3600
_IDLE_LIMIT = 30 * 24 * 3600


def admin_routes(ctx: Context) -> Sequence[BaseRoute]:
    simulation = ctx.simulation

    def clock_state() -> dict[str, Any]:
        clock = simulation.clock
        now = clock.now()
        return {
            "mode": clock.mode,
            "speed": clock.speed,
            "now": _iso(now),
            "epoch": now,
            "pending_events": len(simulation.scheduler),
        }

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__, "seed": ctx.config.seed})

    async def reset(request: Request) -> Response:
        body = await _object(request, ctx)
        key = body.get("api_key")
        if key is not None and not isinstance(key, str):
            raise ADMIN_DIALECT.error(
                422, "'api_key' must be a string, or left out to reset every key."
            )
        ctx.reset(key)
        return JSONResponse({"reset": "all" if key is None else key})

    async def clock(request: Request) -> Response:
        simulation.run_due()
        return JSONResponse(clock_state())

    async def advance(request: Request) -> Response:
        body = await _object(request, ctx)
        seconds = body.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ADMIN_DIALECT.error(
                422, 'Send {"seconds": N} with N a number of seconds, N >= 0.'
            )
        if not 0 <= seconds <= _MAX_ADVANCE:
            raise ADMIN_DIALECT.error(
                422, f"'seconds' must be between 0 and {_MAX_ADVANCE} (one year), not {seconds}."
            )
        ran = await ctx.callbacks.advance(float(seconds))
        return JSONResponse({**clock_state(), "events_run": ran})

    async def run_until_idle(request: Request) -> Response:
        body = await _object(request, ctx)
        limit = body.get("limit", _IDLE_LIMIT)
        if isinstance(limit, bool) or not isinstance(limit, int | float) or limit < 0:
            raise ADMIN_DIALECT.error(422, "'limit' must be a number of seconds, 0 or more.")
        start = simulation.now()
        ran = await ctx.callbacks.run_until_idle(min(float(limit), _MAX_ADVANCE))
        return JSONResponse(
            {**clock_state(), "events_run": ran, "advanced": simulation.now() - start}
        )

    async def journal(request: Request) -> Response:
        params = request.query_params
        filters: dict[str, Any] = {
            name: params[name]
            for name in ("method", "path", "generation_id", "api_key")
            if params.get(name)
        }
        if params.get("status"):
            if not params["status"].isdigit():
                raise ADMIN_DIALECT.error(422, "'status' must be an HTTP status code.")
            filters["status"] = int(params["status"])
        entries = ctx.journal.find(**filters)
        return JSONResponse(
            [
                {
                    "sequence": entry.sequence,
                    "at": _iso(entry.at),
                    "method": entry.method,
                    "path": entry.path,
                    "query": entry.query,
                    "api_key": entry.api_key,
                    "status": entry.status,
                    "request": entry.request_json(),
                    "response": entry.response_json(),
                }
                for entry in entries
            ]
        )

    async def clear_journal(request: Request) -> Response:
        ctx.journal.clear()
        return Response(status_code=204)

    return [
        Route("/health", health, methods=["GET"]),
        Route("/journal", journal, methods=["GET"]),
        Route("/journal", clear_journal, methods=["DELETE"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/clock", clock, methods=["GET"]),
        Route("/clock/advance", advance, methods=["POST"]),
        Route("/clock/run-until-idle", run_until_idle, methods=["POST"]),
    ]


async def _object(request: Request, ctx: Context) -> dict[str, Any]:
    body = await read_json(request, max_bytes=ctx.config.max_body_bytes, dialect=ADMIN_DIALECT)
    if not isinstance(body, dict):
        raise ADMIN_DIALECT.error(422, "The request body must be a JSON object.")
    return body


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")
