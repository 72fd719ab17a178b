"""Jobs as UmamiAI's legacy generation objects, in the field order the web API used.

``video`` stays null until the generation completes; then it names the served MP4 with its real
width and height and a JPEG first frame. ``liked`` and ``estimate_wait_seconds`` are null, as in
every real observation. A failed generation also carries ``failure_reason``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mockluma.engine.jobs import Job, Phase
from mockluma.surfaces import Context
from mockluma.web.urls import media_url

STATES = {
    Phase.QUEUED: "pending",
    Phase.RUNNING: "processing",
    Phase.SUCCEEDED: "completed",
    Phase.FAILED: "failed",
}


def timestamp(seconds: float) -> str:
    """ISO 8601 in UTC with microseconds and ``Z``: ``2024-06-18T14:47:43.318498Z``."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def generation(ctx: Context, job: Job, base_url: str) -> dict[str, Any]:
    """The generation as JSON; media links are absolute URLs under ``base_url``."""
    body: dict[str, Any] = {
        "id": job.id,
        "prompt": job.request["user_prompt"],
        "state": STATES[job.phase],
        "created_at": _created_at(job),
        "video": _video(ctx, job, base_url),
        "liked": None,
        "estimate_wait_seconds": None,
    }
    if job.phase is Phase.FAILED:
        body["failure_reason"] = job.failure.reason if job.failure else "The generation failed."
    return body


def _created_at(job: Job) -> str:
    text = job.details.get("created_at")
    if text is None:
        text = job.details["created_at"] = timestamp(job.created_at)
    return str(text)


def _video(ctx: Context, job: Job, base_url: str) -> dict[str, Any] | None:
    if job.phase is not Phase.SUCCEEDED:
        return None
    media = job.details["media"]
    video = ctx.media.files[media["video"]]
    return {
        "url": media_url(base_url, job.id, media["video"]),
        "width": video.width,
        "height": video.height,
        "thumbnail": media_url(base_url, job.id, media["thumbnail"]),
    }
