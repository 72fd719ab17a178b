"""State on the app: snapshots over ``/_mockluma/state``, and the store kept up to date.

- ``GET /_mockluma/state`` exports the state (``?api_key=K`` for one key, ``?mask_keys=true``
  to replace keys with stable placeholders); ``PUT /_mockluma/state`` loads a snapshot, checked
  against ``schemas/mockluma/state.json`` first (a bad one changes nothing: 422 naming the
  JSON path).
- :func:`open_state` gives a new context its store (``--state``), loads what the store holds
  and then any ``--load-state`` snapshot; :func:`keep_saving` hands the store what changed,
  every half second, on the server's event loop (encoding only; the store writes elsewhere).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockluma._version import __version__
from mockluma.app.admin_faults import check_failure_kinds
from mockluma.engine.changes import ChangeTracker
from mockluma.engine.store.base import StateError, Store
from mockluma.engine.store.snapshot import (
    ChangeCollector,
    EngineState,
    export_state,
    import_state,
)
from mockluma.state import check_snapshot, read_snapshot
from mockluma.surfaces import Context, Surface
from mockluma.web import Dialect, read_json

SAVE_INTERVAL = 0.5
"""Wall seconds between batches handed to the store: with the write itself, what a ``kill -9``
can lose stays under one second."""
MAX_SNAPSHOT_BYTES = 512 * 1024**2


def engine_state(ctx: Context) -> EngineState:
    return EngineState(ctx.simulation, ctx.faults, ctx.callbacks, ctx.inboxes)


def snapshot(ctx: Context, api_key: str | None = None, mask_keys: bool = False) -> dict[str, Any]:
    """The state as a snapshot document (see :mod:`mockluma.engine.store.snapshot`)."""
    document = export_state(engine_state(ctx), api_key=api_key, mask_keys=mask_keys)
    return {
        "format_version": document.pop("format_version"),
        "generator": f"mockluma {__version__}",
        **document,
    }


def load(ctx: Context, document: Any, surfaces: Sequence[Surface], origin: str = "") -> int:
    """Check ``document`` and load it; returns how many jobs it held. Raises
    :class:`StateError` (and changes nothing) if it cannot be loaded."""
    from mockluma.scenario import ScenarioError, parse_rules

    checked = check_snapshot(document, origin or "the snapshot")
    try:
        rules = parse_rules([entry["rule"] for entry in checked.get("faults", [])], checked=True)
        check_failure_kinds(rules, surfaces)
    except ScenarioError as exc:
        raise StateError(f"{origin or 'the snapshot'}: $.faults: {exc}") from None
    return import_state(engine_state(ctx), checked)


def open_state(
    ctx: Context,
    store: Store,
    load_state: str | Mapping[str, Any] | None,
    surfaces: Sequence[Surface],
) -> None:
    """Give ``ctx`` its store and its starting state: what the store holds, then the
    ``load_state`` snapshot (which replaces it). Raises :class:`StateError`."""
    object.__setattr__(ctx, "store", store)
    saved = store.load()
    if saved is not None:
        import_state(engine_state(ctx), saved, track=False)
    if store.persistent:
        ctx.simulation.changes = ChangeTracker()
    if load_state is not None:
        document = read_snapshot(load_state)
        origin = "the snapshot" if isinstance(load_state, Mapping) else str(load_state)
        load(ctx, document, surfaces, origin)


def save_changes(ctx: Context, collector: ChangeCollector) -> None:
    ctx.store.save(collector.collect())


async def keep_saving(ctx: Context, collector: ChangeCollector) -> None:
    """Hand the store what changed, every :data:`SAVE_INTERVAL` seconds, until cancelled."""
    while True:
        await asyncio.sleep(SAVE_INTERVAL)
        save_changes(ctx, collector)


def state_routes(
    ctx: Context, surfaces: Sequence[Surface], dialect: Dialect
) -> Sequence[BaseRoute]:
    async def export(request: Request) -> Response:
        params = request.query_params
        mask = params.get("mask_keys", "false").lower()
        if mask not in ("true", "false", "1", "0"):
            raise dialect.error(422, "'mask_keys' must be true or false.")
        key = params.get("api_key") or None
        return JSONResponse(snapshot(ctx, key, mask in ("true", "1")))

    async def replace(request: Request) -> Response:
        document = await read_json(request, max_bytes=MAX_SNAPSHOT_BYTES, dialect=dialect)
        try:
            jobs = load(ctx, document, surfaces)
        except StateError as exc:
            raise dialect.error(422, f"{str(exc)[:1].upper()}{str(exc)[1:]}") from None
        scope = document.get("api_key") if isinstance(document, dict) else None
        return JSONResponse({"loaded": "all" if scope is None else scope, "generations": jobs})

    return [
        Route("/state", export, methods=["GET"]),
        Route("/state", replace, methods=["PUT"]),
    ]
