"""Captures and their runs as JSON, in the shape ``GET capture/{slug}`` returns (2024 form).

``lumaapi`` parses this strictly: every capture key below must be present (``location`` and
``username`` may be null), enums are lower-case strings, ``date`` ends in ``Z`` after exactly
three fractional digits, and a run must carry ``status``, ``progress``, ``currentStage`` and
``artifacts``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request

from mockluma.engine.jobs import Job, Phase
from mockluma.surfaces.captures import catalog
from mockluma.surfaces.captures.records import Capture
from mockluma.web.urls import base_url_of, media_url

RUN_STATUSES = {
    Phase.QUEUED: "new",
    Phase.RUNNING: "dispatched",
    Phase.SUCCEEDED: "finished",
    Phase.FAILED: "failed",
}


def capture(record: Capture, now: float, request: Request) -> dict[str, Any]:
    return {
        "title": record.title,
        "type": catalog.CAPTURE_TYPE,
        "location": None,  # API captures have no location
        "privacy": catalog.PRIVACY,
        "date": record.date,
        "username": None,  # API keys have no user name on the mock
        "status": record.status,
        "slug": record.slug,
        "latestRun": None if record.run is None else run(record.run, now, request),
        "uuid": record.slug,  # since 2024 the slug is a UUID, repeated here
    }


def run(job: Job, now: float, request: Request) -> dict[str, Any]:
    progress = _progress(job, now)
    body: dict[str, Any] = {
        "status": RUN_STATUSES[job.phase],
        "progress": progress,
        "currentStage": _stage(job.phase, progress),
        "artifacts": _artifacts(job, request) if job.phase is Phase.SUCCEEDED else [],
        "pipelineVersion": catalog.PIPELINE_VERSION,
    }
    if job.phase is Phase.FAILED:
        body["failureReason"] = job.failure.reason if job.failure else None
    return body


def _progress(job: Job, now: float) -> int:
    """Percent done: time spent running over the planned running time (99 at most until done).

    A failed run keeps the progress it had when it failed."""
    if job.phase is Phase.SUCCEEDED:
        return 100
    started = job.entered(Phase.RUNNING)
    planned = job.plan.running_for
    if started is None or not planned:
        return 0
    ended = job.entered(Phase.FAILED)
    elapsed = (now if ended is None else ended) - started
    return max(0, min(99, int(100 * elapsed / planned)))


def _stage(phase: Phase, progress: int) -> str:
    if phase is Phase.QUEUED:
        return catalog.QUEUED_STAGE
    if phase is Phase.SUCCEEDED:
        return catalog.DONE_STAGE
    if phase is Phase.FAILED:
        return catalog.FAILED_STAGE
    current = catalog.RUNNING_STAGES[0][1]
    for start, name in catalog.RUNNING_STAGES:
        if progress >= start:
            current = name
    return current


def _artifacts(job: Job, request: Request) -> list[dict[str, Any]]:
    scale = job.details["scale_to_world"]
    listed = []
    for artifact in catalog.ARTIFACTS:
        # Each artifact gets its own CDN-like 64-hex name, as on Luma's CDN.
        token = hashlib.sha256(f"{job.id}/{artifact.type}".encode()).hexdigest()
        entry: dict[str, Any] = {
            "url": media_url(base_url_of(request), token, artifact.file),
            "type": artifact.type,
        }
        if artifact.spatial:
            entry["scale_to_world"] = scale
        listed.append(entry)
    return listed
