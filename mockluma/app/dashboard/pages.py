"""The dashboard's pages: each handler gathers data and renders one template.

A request with the header ``X-Mockluma-Fragment: live`` gets only the page's live region (the
part that server-sent events refresh), rendered by the same template without its layout.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from mockluma.app.admin_faults import limits_json
from mockluma.app.admin_generations import PHASES, details, select, summary
from mockluma.app.dashboard.events import EventHub, clock_json, fingerprints
from mockluma.app.dashboard.render import (
    attempt_body,
    body_view,
    curl,
    journal_row,
    templates,
)
from mockluma.engine.errors import JobNotFound
from mockluma.engine.journal import Exchange
from mockluma.surfaces import Context, Surface
from mockluma.web import UPLOADS_PATH, base_url_of
from mockluma.web.router import PrefixIndex

HERE = Path(__file__).parent
PAGE_SIZE = 50
"""Rows per page of the generations table and the journal: a page is never the whole log."""
CALLBACKS_SHOWN = 200
JOURNAL_ROWS_KEPT = 2_000
FRAGMENT_HEADER = "x-mockluma-fragment"
FRAGMENT_REUSE = 1.0
"""Wall seconds a rendered live region may be served again while nothing it shows changed."""
FRAGMENTS_KEPT = 64
Endpoint = Callable[[Request], Awaitable[Response]]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")


def dashboard_routes(ctx: Context, surfaces: Sequence[Surface], hub: EventHub) -> list[BaseRoute]:
    """The pages, the event stream and the static files, to mount under ``/_mockluma``."""
    by_name = {surface.name: surface for surface in surfaces}
    find_surface = PrefixIndex(
        (prefix, surface) for surface in surfaces for prefix in surface.prefixes
    ).find
    simulation = ctx.simulation

    # Every open dashboard fetches its live region when an event says it changed, all within a
    # few milliseconds: the first fetch renders it, the others of the same page and filters get
    # those bytes while the state is the same (ages and the clock are repainted in the browser).
    fragments: dict[str, tuple[Any, float, bytes]] = {}

    def state_key() -> Any:
        clock = simulation.clock
        return (fingerprints(ctx), clock.now() if clock.mode == "manual" else clock.mode)

    def cached_fragment(request: Request) -> Response | None:
        kept = fragments.get(str(request.url))
        if kept is None or kept[0] != state_key() or time.monotonic() - kept[1] > FRAGMENT_REUSE:
            return None
        return Response(kept[2], media_type="text/html", headers={"cache-control": "no-store"})

    def keep_fragment(request: Request, body: bytes) -> None:
        if len(fragments) >= FRAGMENTS_KEPT:
            fragments.clear()
        fragments[str(request.url)] = (state_key(), time.monotonic(), body)

    def render(
        request: Request, name: str, title: str, watch: str, status_code: int = 200, **data: Any
    ) -> Response:
        fragment = request.headers.get(FRAGMENT_HEADER) == "live"
        admin = request.scope.get("root_path", "")
        context = {
            "title": title,
            "watch": watch,
            "fragment": fragment,
            "admin": admin,
            "static": f"{admin}/ui/static",
            "clock": clock_json(ctx),
            "surfaces": [surface.name for surface in surfaces],
            **data,
        }
        response = templates.TemplateResponse(request, name, context, status_code=status_code)
        response.headers["cache-control"] = "no-store"
        if fragment and status_code == 200:
            keep_fragment(request, bytes(response.body))
        return response

    def live(handler: Callable[[Request], Awaitable[Response]]) -> Endpoint:
        """``handler``, answering a repeated fetch of its live region from the last render."""

        async def endpoint(request: Request) -> Response:
            if request.headers.get(FRAGMENT_HEADER) == "live":
                cached = cached_fragment(request)
                if cached is not None:
                    return cached
            return await handler(request)

        return endpoint

    async def overview(request: Request) -> Response:
        base = base_url_of(request).rstrip("/")
        apis = [
            {
                "name": surface.title or surface.name,
                "url": f"{base}{prefix}",
                "real": surface.real_url(prefix),
            }
            for surface in surfaces
            for prefix in surface.prefixes
            if not prefix.startswith(UPLOADS_PATH)
        ]
        jobs = simulation.all_jobs()
        counts: Counter[tuple[str, str]] = Counter((job.surface, job.phase.value) for job in jobs)
        table = [(name, [counts[(name, phase)] for phase in PHASES]) for name in by_name]
        totals = [sum(row[i] for _, row in table) for i in range(len(PHASES))]
        config = ctx.config
        return render(
            request,
            "overview.html",
            "Overview",
            "generations limits faults",
            apis=apis,
            phases=PHASES,
            table=table,
            totals=totals,
            seed=simulation.seed,
            timing=config.timing.value,
            progression=str(config.progression),
            limits=limits_json(ctx),
            rules=len(ctx.faults.summaries()),
            journal_size=len(ctx.journal),
        )

    async def generations(request: Request) -> Response:
        params = request.query_params
        surface = params.get("surface") or None
        api_key = params.get("api_key") or None
        state = params.get("state") or None
        if state not in (None, *PHASES):
            state = None
        offset = int(params["offset"]) if params.get("offset", "").isdigit() else 0
        jobs = simulation.all_jobs()
        keys = sorted({job.owner for job in jobs})
        chosen = select(jobs, surface=surface, api_key=api_key, state=state)
        now = simulation.now()
        rows = [summary(job, now) for job in chosen[offset : offset + PAGE_SIZE]]
        for row in rows:
            row["failure_kinds"] = sorted(by_name[row["surface"]].failures)
        return render(
            request,
            "generations.html",
            "Generations",
            "generations",
            rows=rows,
            total=len(chosen),
            offset=offset,
            page_size=PAGE_SIZE,
            keys=keys,
            phases=PHASES,
            filters={"surface": surface, "api_key": api_key, "state": state},
            query=_query(request, drop="offset"),
        )

    async def generation(request: Request) -> Response:
        generation_id = request.path_params["id"]
        try:
            job = simulation.find(generation_id)
        except JobNotFound:
            return render(
                request,
                "missing.html",
                "Generation not found",
                "",
                message=f"There is no generation {generation_id!r} (it may have been deleted "
                "or the mock reset).",
                status_code=404,
            )
        data = details(ctx, by_name.get(job.surface), job, request)
        return render(
            request, "generation.html", f"Generation {job.id}", "generations callbacks", g=data
        )

    async def journal(request: Request) -> Response:
        params = request.query_params
        filters: dict[str, Any] = {}
        problems: dict[str, str] = {}
        if params.get("method"):
            filters["method"] = params["method"].upper()
        if params.get("path"):
            path = params["path"]
            filters["path"] = path if "*" in path or "?" in path else f"*{path}*"
        if params.get("api_key"):
            filters["api_key"] = params["api_key"]
        if params.get("status"):
            if params["status"].isdigit() and len(params["status"]) == 3:
                filters["status"] = int(params["status"])
            else:
                problems["status"] = "Give a three-digit HTTP status code, such as 404."
        api = params.get("surface") or None
        where: Callable[[Exchange], bool] | None = None
        if api is not None:

            def where(entry: Exchange) -> bool:
                found = find_surface(entry.path)
                return found is not None and found.name == api

        before = int(params["before"]) if params.get("before", "").isdigit() else None
        entries = ctx.journal.newest(PAGE_SIZE, before=before, where=where, **filters)
        older = entries[-1].sequence if len(entries) == PAGE_SIZE else None
        return render(
            request,
            "journal.html",
            "Journal",
            "" if before is not None else "journal",
            entries=entries,
            older=older,
            before=before,
            held=len(ctx.journal),
            methods=METHODS,
            filters={
                "surface": api,
                "method": params.get("method", ""),
                "path": params.get("path", ""),
                "status": params.get("status", ""),
                "api_key": params.get("api_key", ""),
            },
            problems=problems,
            query=_query(request, drop="before"),
            rows=journal_rows(entries, request.scope.get("root_path", "")),
        )

    # Journal rows never change once recorded: each is written once, as plain string building
    # (a tenth of a template's cost), and kept for the next refresh of every open journal page.
    written: dict[tuple[int, str], str] = {}

    def journal_rows(entries: Sequence[Exchange], admin: str) -> Markup:
        rows = []
        for entry in entries:
            key = (entry.sequence, admin)
            row = written.get(key)
            if row is None:
                if len(written) >= JOURNAL_ROWS_KEPT:
                    written.clear()
                row = written[key] = journal_row(entry, admin, find_surface(entry.path))
            rows.append(row)
        return Markup("".join(rows))

    async def journal_entry(request: Request) -> Response:
        sequence = request.path_params["sequence"]
        entry = ctx.journal.entry(sequence)
        if entry is None:
            return render(
                request,
                "missing.html",
                "Journal entry not found",
                "",
                message=f"The journal no longer holds entry {sequence}: it keeps the newest "
                f"{ctx.config.journal_limit} exchanges.",
                status_code=404,
            )
        surface = find_surface(entry.path)
        return render(
            request,
            "journal_entry.html",
            f"Journal entry {sequence}",
            "",
            e=entry,
            api=surface.name if surface is not None else None,
            request_body=body_view(entry.request_body, entry.request_json()),
            response_body=body_view(
                entry.response_body, entry.response_json(), entry.response_type
            ),
            curl=curl(base_url_of(request), entry, surface),
        )

    async def faults(request: Request) -> Response:
        kinds = sorted({kind for surface in surfaces for kind in surface.failures})
        return render(
            request,
            "faults.html",
            "Faults",
            "faults",
            rules=[
                {
                    **rule,
                    "spec": json.dumps(
                        {k: v for k, v in rule.items() if k not in ("name", "calls", "fired")}
                    ),
                }
                for rule in ctx.faults.summaries()
            ],
            methods=METHODS,
            kinds=kinds,
            network=("reset", "empty", "malformed", "truncated", "timeout"),
        )

    async def callbacks(request: Request) -> Response:
        attempts = list(ctx.callbacks.attempts)[-CALLBACKS_SHOWN:]
        attempts.reverse()
        return render(
            request,
            "callbacks.html",
            "Callbacks and inboxes",
            "callbacks",
            attempts=attempts,
            total=len(ctx.callbacks.attempts),
            shown=CALLBACKS_SHOWN,
            inboxes=list(ctx.inboxes.values()),
            pretty_body=attempt_body,
        )

    async def events(request: Request) -> Response:
        if hub.full:
            return Response(
                "Too many dashboards are streaming; close one, or refresh pages by hand.",
                status_code=503,
                media_type="text/plain",
            )
        return StreamingResponse(
            hub.stream(),
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    return [
        Route("/", live(overview), methods=["GET"]),
        Route("/ui/generations", live(generations), methods=["GET"]),
        Route("/ui/generations/{id}", live(generation), methods=["GET"]),
        Route("/ui/journal", live(journal), methods=["GET"]),
        Route("/ui/journal/{sequence:int}", journal_entry, methods=["GET"]),
        Route("/ui/faults", live(faults), methods=["GET"]),
        Route("/ui/callbacks", live(callbacks), methods=["GET"]),
        Route("/ui/events", events, methods=["GET"]),
        Mount("/ui/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]


def root_redirect() -> Route:
    """``/`` sends a browser to the dashboard."""

    async def redirect(request: Request) -> Response:
        return RedirectResponse(f"{request.scope.get('root_path', '')}/_mockluma/")

    return Route("/", redirect, methods=["GET", "HEAD"])


def _query(request: Request, *, drop: str) -> str:
    """The request's query string without ``drop`` (nor empty values)."""
    return urlencode(
        [
            (name, value)
            for name, value in request.query_params.multi_items()
            if name != drop and value
        ]
    )
