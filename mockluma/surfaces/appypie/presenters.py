"""Jobs as AppyPie's ``getStatus`` answers: a flat ``status``, and ``video_url`` once done.

Only the completed answer is documented. Before that the gateway says one of the configured
words (``Config.appypie_statuses``); a failed generation also says why, in ``error``.
"""

from __future__ import annotations

from typing import Any

from mockluma.engine.jobs import Job, Phase
from mockluma.web.urls import media_url

COMPLETED = "completed"


def status(job: Job, base_url: str, words: tuple[str, str, str]) -> dict[str, Any]:
    """The answer of ``getStatus``; the video link is an absolute URL under ``base_url``."""
    queued, running, failed = words
    if job.phase is Phase.SUCCEEDED:
        return {
            "status": COMPLETED,
            "video_url": media_url(base_url, job.id, job.details["media"]["video"]),
        }
    if job.phase is Phase.FAILED:
        reason = job.failure.reason if job.failure else "The generation failed."
        return {"status": failed, "error": reason}
    return {"status": queued if job.phase is Phase.QUEUED else running}
