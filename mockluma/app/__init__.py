"""``create_app(config)``: one Starlette app that mounts every surface, the admin API and media."""

from __future__ import annotations

import time

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount

from mockluma.app.admin import ADMIN_DIALECT, admin_routes
from mockluma.app.headers import SurfaceHeadersMiddleware
from mockluma.app.journaling import JournalMiddleware
from mockluma.app.media import media_routes
from mockluma.config import Config, build_config
from mockluma.engine.clock import Clock, ManualClock, RealClock
from mockluma.engine.journal import Journal
from mockluma.engine.media import MediaCatalog
from mockluma.engine.simulation import Simulation
from mockluma.surfaces import Context, Surface
from mockluma.surfaces.agents import AGENTS
from mockluma.surfaces.dream_machine import DREAM_MACHINE
from mockluma.web import ApiError, Dialect

SURFACES: tuple[Surface, ...] = (DREAM_MACHINE, AGENTS)
ADMIN_PREFIX = "/_mockluma"


def surface_for(path: str) -> Surface | None:
    """The surface that owns ``path``: the one with the longest matching prefix."""
    owners = [
        surface
        for surface in SURFACES
        if path == surface.prefix or path.startswith(surface.prefix + "/")
    ]
    return max(owners, key=lambda surface: len(surface.prefix), default=None)


def make_clock(config: Config) -> Clock:
    # The one place the wall clock is read for the simulation's starting time.
    start = time.time() if config.clock_start is None else config.clock_start
    if config.clock == "manual":
        return ManualClock(start)
    return RealClock(start, config.speed)


def starting_balances(config: Config) -> dict[str, float]:
    """What a new account holds on each surface."""
    return {surface.name: surface.starting_balance(config) for surface in SURFACES}


def build_context(config: Config) -> Context:
    simulation = Simulation(
        clock=make_clock(config),
        seed=config.seed,
        timing_mode=config.timing,
        progression=config.progression,
        starting_balances=starting_balances(config),
    )
    return Context(
        config=config,
        simulation=simulation,
        media=MediaCatalog(),
        journal=Journal(config.journal_limit),
    )


def create_app(config: Config | None = None) -> Starlette:
    """Build the mock: every surface at its real path, plus ``/_mockluma/`` for control."""
    ctx = build_context(config or build_config())
    # Longest prefix first: the router takes the first mount that matches, so /v1/luma-ai must
    # be tried before /v1.
    by_length = sorted(SURFACES, key=lambda surface: len(surface.prefix), reverse=True)
    routes = [Mount(surface.prefix, routes=list(surface.routes(ctx))) for surface in by_length]
    side_routes = [
        Mount(f"/{surface.name}", routes=list(surface.side_routes(ctx)))
        for surface in SURFACES
        if surface.side_routes is not None
    ]
    routes.append(
        Mount(ADMIN_PREFIX, routes=[*admin_routes(ctx), *media_routes(ctx), *side_routes])
    )

    def dialect_for(path: str) -> Dialect:
        surface = surface_for(path)
        return ADMIN_DIALECT if surface is None else surface.dialect

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return exc.response()

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        dialect = dialect_for(request.url.path)
        if exc.status_code == 404:
            message = (
                f"There is no endpoint at {request.url.path}. Check the path and the base URL."
            )
        elif exc.status_code == 405:
            headers = {name.lower(): value for name, value in (exc.headers or {}).items()}
            allowed = headers.get("allow", "")
            message = f"{request.method} is not allowed on {request.url.path}; use {allowed}."
        else:
            message = str(exc.detail)
        error = dialect.error(exc.status_code, message)
        error.headers.update(exc.headers or {})
        return error.response()

    async def server_error(request: Request, exc: Exception) -> Response:
        ctx.errors.append(exc)
        dialect = dialect_for(request.url.path)
        message = (
            f"mockluma failed while handling this request ({exc!r}). This is a bug in mockluma."
        )
        error = dialect.error(500, message)
        # This answer is sent from outside every middleware, so the surface's headers are
        # added here.
        surface = surface_for(request.url.path)
        if surface is not None and surface.response_headers is not None:
            error.headers.update(surface.response_headers(request.headers))
        return error.response()

    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: api_error,
            HTTPException: http_error,
            Exception: server_error,
        },
        middleware=[
            Middleware(JournalMiddleware, ctx=ctx),
            Middleware(SurfaceHeadersMiddleware, surface_for=surface_for),
        ],
    )
    app.state.mockluma = ctx
    return app


__all__ = ["ADMIN_PREFIX", "SURFACES", "create_app", "surface_for"]
