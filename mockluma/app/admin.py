"""The control API under ``/_mockluma/``: health, reset, the clock and the journal. JSON in
and out.

Errors here use mockluma's own shape, ``{"error": "<sentence>"}``.

``GET /journal`` answers one page, oldest first: at most ``limit`` entries (default and most
:data:`PAGE_ENTRIES`) and about :data:`PAGE_BYTES` of JSON. When more may follow, the
``X-Mockluma-Next-Cursor`` header gives the ``since`` (alias ``cursor``) of the next page and a
``Link: <...>; rel="next"`` header its URL. API keys are masked unless the server was started
with ``--show-api-keys``. The page is built a slice at a time, handing the event loop back
between slices, so reading a full journal never stalls the other requests.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockluma._version import __version__
from mockluma.app.guard import mask_key
from mockluma.engine.journal import Exchange
from mockluma.surfaces import Context
from mockluma.web.bodies import read_json
from mockluma.web.errors import ApiError
from mockluma.web.json_cache import json_bytes


class AdminDialect:
    def error(self, status: int, message: str) -> ApiError:
        return ApiError(status, {"error": message})


ADMIN_DIALECT = AdminDialect()
_MAX_ADVANCE = 366 * 24 * 3600
PAGE_ENTRIES = 1000
"""The most entries one journal page holds (``limit``'s default and maximum)."""
PAGE_BYTES = 4 * 1024**2
"""About the most JSON one journal page holds (at least one entry is always sent)."""
_SLICE_SECONDS = 0.01
"""How long building a page holds the event loop before letting other requests run."""
_DECIMAL = re.compile(r"[0-9]{1,18}")
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
        journal = ctx.journal
        return JSONResponse(
            {
                "status": "ok",
                "service": "mockluma",
                "version": __version__,
                "seed": ctx.config.seed,
                # What `mockluma contract` needs to know to check this server's key handling.
                "any_key": not ctx.config.api_keys,
                # Sizes only (no content): what a long-running server holds.
                "journal": {
                    "entries": len(journal),
                    "bytes": journal.size,
                    "max_bytes": journal.max_bytes,
                },
            }
        )

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
        return await journal_page(request, ctx)

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


async def journal_page(request: Request, ctx: Context) -> Response:
    """One page of ``GET /_mockluma/journal`` (see the module docstring)."""
    params = request.query_params
    filters: dict[str, Any] = {
        name: params[name]
        for name in ("method", "path", "generation_id", "api_key")
        if params.get(name)
    }
    if params.get("status"):
        filters["status"] = _number(params, "status", "an HTTP status code such as 404")
    limit = PAGE_ENTRIES
    if params.get("limit"):
        limit = _number(params, "limit", f"a number of entries from 1 to {PAGE_ENTRIES}")
        if not 1 <= limit <= PAGE_ENTRIES:
            raise ADMIN_DIALECT.error(
                422, f"'limit' must be a number of entries from 1 to {PAGE_ENTRIES}."
            )
    since = 0
    for name in ("since", "cursor"):
        if params.get(name):
            since = _number(params, name, "the sequence number the previous page ended at")
    mask = ctx.config.mask_api_keys
    chunks: list[bytes] = []
    size = 0
    last = since
    more = False
    pause_at = time.perf_counter() + _SLICE_SECONDS
    for entry in ctx.journal.matching(since=since, **filters):
        if len(chunks) >= limit or size >= PAGE_BYTES:
            more = True
            break
        chunk = json_bytes(entry_json(entry, mask=mask))
        chunks.append(chunk)
        size += len(chunk) + 1
        last = entry.sequence
        if time.perf_counter() >= pause_at:
            await asyncio.sleep(0)
            pause_at = time.perf_counter() + _SLICE_SECONDS
    headers: dict[str, str] = {}
    if more:
        headers["X-Mockluma-Next-Cursor"] = str(last)
        query = urlencode({**_plain(params), "since": str(last)})
        headers["Link"] = f'<{request.url.path}?{query}>; rel="next"'
    body = b"[" + b",".join(chunks) + b"]"
    return Response(body, media_type="application/json", headers=headers)


def entry_json(entry: Exchange, *, mask: bool = True) -> dict[str, Any]:
    """One journal entry as ``GET /_mockluma/journal`` shows it."""
    return {
        "sequence": entry.sequence,
        "at": _iso(entry.at),
        "method": entry.method,
        "path": entry.path,
        "query": entry.query,
        "api_key": mask_key(entry.api_key) if mask else entry.api_key,
        "status": entry.status,
        "request": entry.request_json(),
        "response": entry.response_json(),
        "request_size": entry.request_size,
        "response_size": entry.response_size,
        "truncated": entry.request_size > len(entry.request_body)
        or entry.response_size > len(entry.response_body),
        "abandoned": entry.abandoned,
        **({"input_media": entry.input_media} if entry.input_media else {}),
    }


def _number(params: Mapping[str, str], name: str, what: str) -> int:
    raw = params[name]
    # Only ASCII digits: str.isdigit() also accepts "²", which int() refuses.
    if not _DECIMAL.fullmatch(raw):
        raise ADMIN_DIALECT.error(422, f"'{name}' must be {what}, not {raw!r}.")
    return int(raw)


def _plain(params: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in params.items() if name not in ("since", "cursor")}
