"""The input-media policy as the surfaces apply it: look at a request's input URLs, note the
outcomes for the journal, hand them to the order.

Each API words a failed input its own way; this module only finds out what each URL holds
(:mod:`mockluma.engine.input_media`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from starlette.requests import Request

from mockluma.engine.faults import PlannedFaults
from mockluma.engine.input_media import Seen
from mockluma.engine.jobs import Failure
from mockluma.surfaces import Context
from mockluma.web.urls import base_url_of

STATE_KEY = "input_media"
"""Where the outcomes of one request wait for the journal (``request.state``)."""


async def look_at(ctx: Context, request: Request, urls: Iterable[tuple[str, str]]) -> list[Seen]:
    """What each ``(field, url)`` finds under the configured mode, noted for the journal."""
    wanted = list(urls)
    if not wanted:  # most creates: nothing to fetch, look at or note
        return []
    mode = ctx.config.input_media
    origin = base_url_of(request)
    await ctx.input_media.prefetch((url for _, url in wanted), origin=origin, mode=mode)
    seen = [ctx.input_media.inspect(url, field, origin=origin, mode=mode) for field, url in wanted]
    note(request, seen)
    return seen


async def prefetch(ctx: Context, request: Request, body: Any) -> None:
    """Under ``input_media=fetch``, download every ``url`` of ``body`` before the synchronous
    checks read them (a no-op in the other modes)."""
    if ctx.config.input_media == "fetch":
        urls = [url for _, url in urls_in(body)]
        await ctx.input_media.prefetch(urls, origin=base_url_of(request), mode="fetch")


def note(request: Request, seen: Sequence[Seen]) -> None:
    """Add ``seen`` to what the journal records with this exchange."""
    if seen:
        noted: list[dict[str, Any]] = request.scope.setdefault("state", {}).setdefault(
            STATE_KEY, []
        )
        noted.extend(outcome.to_json() for outcome in seen)


def unless_triggered(failure: Failure | None, faults: PlannedFaults) -> Failure | None:
    """``failure`` (an input Luma could not read), unless the request's own
    ``[mockluma:fail=...]`` marker says how the generation ends: the test asked for that."""
    return None if faults.triggered is not None else failure


def urls_in(body: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string under a ``url`` key in ``body``, with its dotted path (``source.url``)."""
    if isinstance(body, Mapping):
        for key, value in body.items():
            where = f"{path}.{key}" if path else str(key)
            if key == "url" and isinstance(value, str):
                yield where, value
            else:
                yield from urls_in(value, where)
    elif isinstance(body, list):
        for index, item in enumerate(body):
            yield from urls_in(item, f"{path}[{index}]")
