"""Control routes over every generation of every key and API, under ``/_mockluma``.

- ``GET /generations`` (``?surface=&api_key=&state=&limit=&offset=``): newest first, with the
  total; ``state`` is a canonical phase (``queued``, ``running``, ``succeeded``, ``failed``).
- ``GET /generations/{id}``: one generation: its summary and planned timeline, the request as
  sent, the JSON its API's status call shows now, its callback attempts and media links.
- ``POST /generations/{id}/complete``: finish it successfully now.
- ``POST /generations/{id}/fail`` ``{"kind": "moderation"}``: fail it now with one of its API's
  failure kinds (``job`` when left out); ``{"reason": "...", "code": "..."}`` words it freely.
- ``DELETE /generations/{id}``: forget it, as the API's own delete would.

The dashboard shows the same data through :func:`summary` and :func:`details`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockluma.engine.errors import JobFinished, JobNotFound
from mockluma.engine.jobs import Failure, Job, Phase
from mockluma.engine.simulation import upcoming
from mockluma.surfaces import Context, Surface
from mockluma.web import Dialect, read_json

MEDIA_PATH = "/_mockluma/media/"
VIDEO_SUFFIXES = (".mp4", ".webm", ".mov")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif")
PHASES = tuple(phase.value for phase in Phase)


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def timeline(job: Job) -> list[dict[str, Any]]:
    """Each phase the job entered (``reached``) and each one its plan still has to come."""
    steps = [
        {"phase": phase.value, "at": at, "time": iso(at), "reached": True}
        for phase, at in job.history
    ]
    steps += [
        {"phase": phase.value, "at": at, "time": iso(at), "reached": False}
        for phase, at in upcoming(job)
    ]
    return steps


def summary(job: Job, now: float) -> dict[str, Any]:
    """What a row of the generations table shows."""
    return {
        "id": job.id,
        "surface": job.surface,
        "kind": job.kind,
        "model": job.details.get("model"),
        "api_key": job.owner,
        "state": job.phase.value,
        "failure_reason": job.failure.reason if job.failure else None,
        "failure_code": job.failure.code if job.failure else None,
        "created_at": iso(job.created_at),
        "created": job.created_at,
        "age_seconds": max(0.0, now - job.created_at),
        "stuck": not job.phase.terminal and not upcoming(job),
        "timeline": timeline(job),
    }


def details(ctx: Context, surface: Surface | None, job: Job, request: Request) -> dict[str, Any]:
    """A generation in full, for its own page."""
    response = (
        surface.present(job, ctx, request)
        if surface is not None and surface.present is not None
        else None
    )
    return {
        **summary(job, ctx.simulation.now()),
        "request": dict(job.request),
        "response": response,
        "callbacks": [attempt.to_json() for attempt in ctx.callbacks.log(job.id)],
        "media": media_links(response),
        "failure_kinds": sorted(surface.failures) if surface is not None else [],
    }


def media_links(document: Any) -> list[dict[str, str]]:
    """Links to the mock's media files found anywhere in ``document``, each once, typed
    ``video`` or ``image`` by their extension (other artifacts are left out)."""
    links: dict[str, str] = {}
    for text in _strings(document):
        if MEDIA_PATH not in text:
            continue
        path = text.split("?", 1)[0].lower()
        if path.endswith(VIDEO_SUFFIXES):
            links.setdefault(text, "video")
        elif path.endswith(IMAGE_SUFFIXES):
            links.setdefault(text, "image")
    return [{"url": url, "type": kind} for url, kind in links.items()]


def _strings(document: Any) -> Iterator[str]:
    if isinstance(document, str):
        yield document
    elif isinstance(document, Mapping):
        for value in document.values():
            yield from _strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from _strings(value)


def select(
    jobs: Sequence[Job],
    *,
    surface: str | None = None,
    api_key: str | None = None,
    state: str | None = None,
) -> list[Job]:
    """``jobs`` that match every filter given, newest first."""
    return [
        job
        for job in reversed(jobs)
        if (surface is None or job.surface == surface)
        and (api_key is None or job.owner == api_key)
        and (state is None or job.phase.value == state)
    ]


def failure_for(surface: Surface | None, body: Mapping[str, Any], dialect: Dialect) -> Failure:
    """The failure a ``fail`` call asks for: one of the API's kinds, or a free wording."""
    reason, code, kind = body.get("reason"), body.get("code"), body.get("kind")
    if reason is not None:
        if not isinstance(reason, str) or not reason:
            raise dialect.error(422, "'reason' must be a non-empty string.")
        if code is not None and not isinstance(code, str):
            raise dialect.error(422, "'code' must be a string.")
        return Failure(reason, code)
    kinds = surface.failures if surface is not None else {}
    kind = "job" if kind is None else kind
    if not isinstance(kind, str) or kind not in kinds:
        known = ", ".join(sorted(kinds)) or "none"
        raise dialect.error(
            422, f"{kind!r} is not a failure kind of this API; send 'kind' as one of: {known}."
        )
    return kinds[kind]


def generation_routes(
    ctx: Context, surfaces: Sequence[Surface], dialect: Dialect
) -> list[BaseRoute]:
    by_name = {surface.name: surface for surface in surfaces}
    simulation = ctx.simulation

    def find(request: Request) -> Job:
        generation_id = request.path_params["id"]
        try:
            return simulation.find(generation_id)
        except JobNotFound:
            raise dialect.error(
                404, f"There is no generation {generation_id!r} (under any key or API)."
            ) from None

    def steer(job: Job, action: Any) -> Response:
        try:
            action()
        except JobFinished as exc:
            raise dialect.error(409, str(exc)) from None
        # Callback deliveries for the change are due now: start them.
        simulation.run_due()
        return JSONResponse(summary(job, simulation.now()))

    async def list_generations(request: Request) -> Response:
        params = request.query_params
        state = params.get("state") or None
        if state is not None and state not in PHASES:
            raise dialect.error(422, f"'state' must be one of {', '.join(PHASES)}.")
        limit, offset = params.get("limit", "100"), params.get("offset", "0")
        if not (limit.isdigit() and offset.isdigit() and 1 <= int(limit) <= 1000):
            raise dialect.error(
                422, "'limit' must be a whole number from 1 to 1000 and 'offset' one from 0."
            )
        jobs = select(
            simulation.all_jobs(),
            surface=params.get("surface") or None,
            api_key=params.get("api_key") or None,
            state=state,
        )
        start = int(offset)
        now = simulation.now()
        page = [summary(job, now) for job in jobs[start : start + int(limit)]]
        return JSONResponse({"generations": page, "total": len(jobs)})

    async def show(request: Request) -> Response:
        job = find(request)
        return JSONResponse(details(ctx, by_name.get(job.surface), job, request))

    async def complete(request: Request) -> Response:
        job = find(request)
        return steer(job, lambda: simulation.complete_now(job))

    async def fail(request: Request) -> Response:
        job = find(request)
        body = await read_json(request, max_bytes=ctx.config.max_body_bytes, dialect=dialect)
        if not isinstance(body, dict):
            raise dialect.error(422, 'Send a JSON object: {"kind": "moderation"}.')
        failure = failure_for(by_name.get(job.surface), body, dialect)
        return steer(job, lambda: simulation.fail_now(job, failure))

    async def delete(request: Request) -> Response:
        job = find(request)
        simulation.delete(job.surface, job.owner, job.id)
        return Response(status_code=204)

    return [
        Route("/generations", list_generations, methods=["GET"]),
        Route("/generations/{id}", show, methods=["GET"]),
        Route("/generations/{id}", delete, methods=["DELETE"]),
        Route("/generations/{id}/complete", complete, methods=["POST"]),
        Route("/generations/{id}/fail", fail, methods=["POST"]),
    ]
