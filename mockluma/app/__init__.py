"""``create_app(config)``: one Starlette app that mounts every surface, the admin API and media.

Surfaces may nest: UmamiAI's ``/v1/luma-ai`` sits inside the Agents API's ``/v1``. Mounts are
therefore tried longest prefix first, and a path's error dialect (for 404, 405 and 500 answers
that no handler words) is the one of the longest prefix it falls under.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import traceback
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypedDict

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ExceptionHandler, Lifespan, Receive, Scope, Send

from mockluma.app.admin import ADMIN_DIALECT, admin_routes
from mockluma.app.admin_faults import check_failure_kinds, fault_routes
from mockluma.app.admin_generations import generation_routes
from mockluma.app.callbacks import HttpSender, callback_routes
from mockluma.app.dashboard import EventHub, dashboard_routes
from mockluma.app.dashboard.pages import root_redirect
from mockluma.app.declared import declare
from mockluma.app.faults import TRANSPORT_KEY, FaultLayer, find_transport
from mockluma.app.guard import AdminPolicy, ControlGuard
from mockluma.app.headers import SurfaceHeadersMiddleware
from mockluma.app.input_media import HttpFetcher, own_media
from mockluma.app.journaling import JournalMiddleware
from mockluma.app.media import media_routes
from mockluma.app.openapi import openapi_routes
from mockluma.app.state import keep_saving, load, open_state, save_changes, state_routes
from mockluma.app.strict import strict_middleware
from mockluma.app.ticker import run_ticker
from mockluma.config import Config, ConfigError, build_config
from mockluma.engine.callbacks import CallbackDispatcher, CallbackPolicy
from mockluma.engine.clock import Clock, ManualClock, RealClock
from mockluma.engine.faults import FaultBook
from mockluma.engine.input_media import InputMediaPolicy
from mockluma.engine.journal import Journal
from mockluma.engine.limits import Limiter, RateLimited
from mockluma.engine.media import MediaCatalog
from mockluma.engine.progression import Progression
from mockluma.engine.simulation import Simulation
from mockluma.engine.store.base import MemoryStore, StateError, Store
from mockluma.engine.store.snapshot import ChangeCollector, EngineState
from mockluma.engine.timing import TimingMode
from mockluma.scenario import ScenarioError
from mockluma.schemas import route_schemas
from mockluma.state import read_snapshot
from mockluma.surfaces import Context, Surface, registry
from mockluma.web.errors import ApiError, Dialect
from mockluma.web.router import IndexedMount, IndexedRouter, PrefixIndex

ADMIN_PREFIX = "/_mockluma"


def __getattr__(name: str) -> Any:
    # SURFACES was a fixed tuple; it now reads the registry, so it includes registered surfaces.
    if name == "SURFACES":
        return registry.surfaces()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class EngineSettings(TypedDict):
    """What a :class:`Config` sets on the simulation: :func:`engine_settings`."""

    clock: Clock
    seed: int
    timing_mode: TimingMode
    progression: Progression
    starting_balances: dict[str, float]
    limiter: Limiter


def make_clock(config: Config) -> Clock:
    # The one place the wall clock is read for the simulation's starting time.
    start = time.time() if config.clock_start is None else config.clock_start
    if config.clock == "manual":
        return ManualClock(start)
    return RealClock(start, config.speed)


def starting_balances(config: Config, surfaces: Sequence[Surface]) -> dict[str, float]:
    """What a new account holds on each surface."""
    return {surface.name: surface.starting_balance(config) for surface in surfaces}


def make_limiter(config: Config, surfaces: Sequence[Surface]) -> Limiter:
    """Each surface's default limits, with the configured ones laid over them."""
    limits = {surface.name: dict(surface.rate_limits) for surface in surfaces}
    for surface, groups in config.limits.items():
        limits.setdefault(surface, {}).update(groups)
    return Limiter(limits, enabled=config.rate_limits)


def engine_settings(config: Config, surfaces: Sequence[Surface]) -> EngineSettings:
    """The one translation of a configuration into the simulation's settings, used when the
    app is built and when the handle's ``reset(**settings)`` reconfigures it."""
    try:
        check_failure_kinds(config.faults, surfaces)
    except ScenarioError as exc:
        raise ConfigError(str(exc)) from None
    return EngineSettings(
        clock=make_clock(config),
        seed=config.seed,
        timing_mode=config.timing,
        progression=config.progression,
        starting_balances=starting_balances(config, surfaces),
        limiter=make_limiter(config, surfaces),
    )


def reconfigure(ctx: Context, config: Config) -> None:
    """Forget every state and start again under ``config`` (same server, same surfaces)."""
    settings = engine_settings(config, ctx.surfaces)
    ctx.reset()
    ctx.simulation.reconfigure(**settings)
    ctx.faults.replace(config.faults, seed=config.seed)
    ctx.callbacks.policy.timeout = config.callback_timeout
    ctx.errors.clear()
    ctx.use_config(config)
    if config.load_state is not None:
        load(ctx, read_snapshot(config.load_state), ctx.surfaces)


def build_context(config: Config, surfaces: Sequence[Surface] | None = None) -> Context:
    """The shared state of one app serving ``surfaces`` (default: the registry's)."""
    chosen = registry.surfaces() if surfaces is None else tuple(surfaces)
    simulation = Simulation(
        **engine_settings(config, chosen),
        failure_kinds={surface.name: surface.failures for surface in chosen},
    )
    faults = FaultBook(config.seed, config.faults)
    callbacks = CallbackDispatcher(
        simulation,
        faults,
        HttpSender(),
        policy=CallbackPolicy(timeout=config.callback_timeout),
        log_limit=config.journal_limit,
    )
    for surface in chosen:
        if surface.callbacks is not None:
            callbacks.register(surface.name, surface.callbacks)
    media = MediaCatalog()
    # The input-media policy looks the mock's own URLs up in its media (signed URLs checked
    # against the current key and clock), and downloads the rest only under input_media=fetch.
    input_media = InputMediaPolicy(
        own_media(media, lambda: ctx.signing_key, simulation.now), HttpFetcher()
    )
    ctx = Context(
        config=config,
        simulation=simulation,
        media=media,
        faults=faults,
        callbacks=callbacks,
        journal=Journal(config.journal_limit, config.journal_max_bytes),
        surfaces=chosen,
        input_media=input_media,
    )
    store: Store = MemoryStore()
    try:
        if config.state is not None:
            from mockluma.engine.store.sqlite import SqliteStore

            store = SqliteStore(config.state)
        open_state(ctx, store, config.load_state, ctx.surfaces)
    except StateError as exc:
        store.close()
        raise ConfigError(str(exc)) from None
    return ctx


def surface_index(surfaces: Sequence[Surface]) -> PrefixIndex[Surface]:
    """Each surface by each of its prefixes, for longest-prefix look-ups."""
    return PrefixIndex((prefix, surface) for surface in surfaces for prefix in surface.prefixes)


def surface_for(path: str) -> Surface | None:
    """The registered surface serving ``path`` (the longest matching prefix wins).

    The app itself looks paths up in an index it builds once (:func:`surface_index`).
    """
    return surface_index(registry.surfaces()).find(path)


class MockApp(Starlette):
    """The Starlette app, wrapped in the journal and the fault layer.

    Both sit outside Starlette's error handling: the journal records even the exchanges a
    fault breaks, and the fault layer can reach the connection itself.
    """

    def __init__(
        self,
        ctx: Context,
        *,
        routes: Sequence[BaseRoute],
        exception_handlers: Mapping[Any, ExceptionHandler],
        lifespan: Lifespan[Starlette],
        middleware: Sequence[Middleware],
        find_surface: Callable[[str], Surface | None],
        streams: EventHub,
    ) -> None:
        super().__init__(
            routes=routes,
            exception_handlers=exception_handlers,
            lifespan=lifespan,
            middleware=middleware,
        )
        self.router = IndexedRouter(routes, lifespan=lifespan)
        self.state.mockluma = ctx
        self.streams = streams
        inner = FaultLayer(super().__call__, ctx, find_surface, ADMIN_DIALECT)
        # Surface headers (X-Request-Id...) go on every answer, injected faults and 500s too.
        outer = SurfaceHeadersMiddleware(inner, find_surface)
        journaled = JournalMiddleware(outer, ctx, find_surface)
        # Control calls are checked before anything else sees them (see app/guard.py).
        self._outer = ControlGuard(journaled, AdminPolicy.from_config(ctx.config))

    def close_streams(self) -> None:
        """End the dashboard's event streams: the server calls this as its shutdown begins,
        because uvicorn waits for every open response before it stops."""
        self.streams.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        scope[TRANSPORT_KEY] = find_transport(send)
        await self._outer(scope, receive, send)


def create_app(
    config: Config | None = None, *, surfaces: Sequence[Surface] | None = None
) -> MockApp:
    """Build the mock: every surface (default: the registry's) at its real path, plus
    ``/_mockluma/`` for control."""
    ctx = build_context(config or build_config(), surfaces)
    # Every shipped schema and route map is loaded and checked here, once, not on a request.
    route_schemas.check_all()
    find_surface = surface_index(ctx.surfaces).find
    mounts = [mount for surface in ctx.surfaces for mount in surface.mounts(ctx)]
    # Longest prefix first, so a surface mounted under another's prefix gets its own paths.
    routes: list[BaseRoute] = [*sorted(mounts, key=lambda mount: -len(mount.path))]
    streams = EventHub(ctx)
    control = [
        # The dashboard's pages are control routes: they share the control API's protections.
        *dashboard_routes(ctx, ctx.surfaces, streams),
        *admin_routes(ctx),
        *generation_routes(ctx, ctx.surfaces, ADMIN_DIALECT),
        *fault_routes(ctx, ctx.surfaces, ADMIN_DIALECT),
        *callback_routes(ctx, ADMIN_DIALECT),
        *state_routes(ctx, ctx.surfaces, ADMIN_DIALECT),
        *media_routes(ctx),
        *openapi_routes(ctx.surfaces),
    ]
    control.extend(
        IndexedMount(f"/{surface.name}", list(surface.side_routes(ctx)))
        for surface in ctx.surfaces
        if surface.side_routes is not None
    )
    routes.append(IndexedMount(ADMIN_PREFIX, control))
    routes.append(root_redirect())

    def dialect_for(path: str) -> Dialect:
        surface = find_surface(path)
        return ADMIN_DIALECT if surface is None else surface.dialect

    async def rate_limited(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RateLimited)
        surface = find_surface(request.url.path)
        if surface is None:
            return ADMIN_DIALECT.error(429, str(exc)).response()
        return surface.too_many_requests(exc).response()

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

    async def client_gone(request: Request, exc: Exception) -> Response:
        # The client hung up mid-request: nobody will read an answer, and nothing went wrong
        # in the mock. (The journal marks the exchange abandoned and sends nothing.)
        return Response(status_code=499)

    async def server_error(request: Request, exc: Exception) -> Response:
        # Kept for MockLuma.take_errors(), without the frames' locals (request bodies...): a
        # bounded list of small records, however long the server runs.
        traceback.clear_frames(exc.__traceback__)
        ctx.errors.append(exc)
        dialect = dialect_for(request.url.path)
        message = (
            f"mockluma failed while handling this request ({exc!r}). This is a bug in mockluma."
        )
        error = dialect.error(500, message)
        # This answer is sent from outside every middleware, so the surface's headers are
        # added here.
        surface = find_surface(request.url.path)
        if surface is not None and surface.response_headers is not None:
            error.headers.update(surface.response_headers(request.headers))
        # Uvicorn closes the connection after an exception; say so, so that a keep-alive
        # client does not send its next request into a closed socket.
        error.headers["Connection"] = "close"
        return error.response()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        ticker = asyncio.get_running_loop().create_task(run_ticker(ctx.simulation))
        # With a real clock, callbacks go out while requests are being served: build the
        # sender's client now, not at the first delivery. (A manual clock delivers when a test
        # advances it; the pytest fixture's start-up does not pay for a client it may not use.)
        if ctx.config.clock == "real" and isinstance(ctx.callbacks.sender, HttpSender):
            await ctx.callbacks.sender.warm_up()
        collector = ChangeCollector(
            EngineState(ctx.simulation, ctx.faults, ctx.callbacks, ctx.inboxes)
        )
        saver = None
        if ctx.simulation.changes is not None:
            saver = asyncio.get_running_loop().create_task(keep_saving(ctx, collector))
        try:
            yield
        finally:
            streams.close()
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            await ctx.callbacks.close()
            if saver is not None:
                saver.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await saver
                save_changes(ctx, collector)  # a clean stop loses nothing
            ctx.store.close()

    # The journal and the fault layer wrap the whole app (see MockApp); strict checking sits
    # inside them, so a deliberate fault is never reported as a contract violation.
    middleware = [strict_middleware(ctx, ctx.surfaces)] if ctx.config.strict else []
    app = MockApp(
        ctx,
        routes=routes,
        exception_handlers={
            ApiError: api_error,
            ClientDisconnect: client_gone,
            RateLimited: rate_limited,
            HTTPException: http_error,
            Exception: server_error,
        },
        lifespan=lifespan,
        middleware=middleware,
        find_surface=find_surface,
        streams=streams,
    )
    sender = ctx.callbacks.sender
    if isinstance(sender, HttpSender):
        sender.bind(app)
    declare(app, ctx)  # a scenario's generations, when the state starts empty
    return app


__all__ = ["ADMIN_PREFIX", "SURFACES", "MockApp", "create_app", "surface_for"]
