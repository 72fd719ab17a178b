"""Jobs as Dream Machine ``Generation`` JSON, exactly as ``GET /generations/{id}`` shows them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from mockluma.engine.callbacks import Update
from mockluma.engine.jobs import Job, Phase
from mockluma.web.urls import media_url

STATES = {
    Phase.QUEUED: "queued",
    Phase.RUNNING: "dreaming",
    Phase.SUCCEEDED: "completed",
    Phase.FAILED: "failed",
}


def timestamp(seconds: float) -> str:
    """ISO 8601 in UTC as Luma writes it: millisecond precision padded to six digits, ``Z``."""
    moment = datetime.fromtimestamp(round(seconds, 3), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}000Z"


def generation(job: Job, base_url: str) -> dict[str, Any]:
    """The generation as JSON; media links are absolute URLs under ``base_url``.

    It depends only on the job's phase (its failure is set with the phase), on facts fixed when
    the job was created, and on ``base_url``: the routes reuse its JSON on that basis.
    """
    details = job.details
    return {
        "id": job.id,
        "generation_type": details["output"],
        "state": STATES[job.phase],
        "failure_reason": job.failure.reason if job.failure else None,
        "created_at": _created_at(job),
        "assets": _assets(job, base_url),
        "model": details["model"],
        "request": dict(job.request),
    }


def _created_at(job: Job) -> str:
    # Formatting a date is a noticeable share of a GET; a job's creation time never changes.
    text = job.details.get("created_at")
    if text is None:
        text = job.details["created_at"] = timestamp(job.created_at)
    return str(text)


def _assets(job: Job, base_url: str) -> dict[str, str | None] | None:
    # Assets stay null until the generation completes (Luma's own tools guard for that).
    if job.phase is not Phase.SUCCEEDED:
        return None
    media = job.details["media"]
    links = {role: media_url(base_url, job.id, name) for role, name in media.items()}
    return {
        "video": links.get("video"),
        "image": links.get("image"),
        "progress_video": None,
    }


def callback_update(job: Job) -> Update | None:
    """What Luma POSTs to a generation's ``callback_url``: the generation, on every update
    after it was queued (dreaming, completed, failed)."""
    url = job.request.get("callback_url")
    if not url or job.phase is Phase.QUEUED:
        return None
    body = generation(job, str(job.details.get("base_url", "")))
    return Update(url, STATES[job.phase], json.dumps(body).encode())
