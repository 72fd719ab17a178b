"""Jobs and files as the Agents API's JSON: ``Generation``, ``File``, ``CreateFileResponse``.

Output and upload URLs are presigned on the simulated clock and valid for an hour, as Luma's
are; every read of a completed generation mints fresh output URLs, as Luma's does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from mockluma.engine.jobs import Job, Phase
from mockluma.surfaces import Context
from mockluma.surfaces.agents import catalog
from mockluma.surfaces.agents.files import StoredFile
from mockluma.web.presign import presign
from mockluma.web.urls import base_url_of

STATES = {
    Phase.QUEUED: "queued",
    Phase.RUNNING: "processing",
    Phase.SUCCEEDED: "completed",
    Phase.FAILED: "failed",
}
UPLOAD_PATH = "/_mockluma/agents/uploads/"


def timestamp(seconds: float) -> str:
    """ISO 8601 in UTC to the second, as Luma's examples write it: ``2026-04-08T12:00:00Z``."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def generation(job: Job, request: Request, ctx: Context) -> dict[str, Any]:
    failure = job.failure if job.phase is Phase.FAILED else None
    return {
        "id": job.id,
        "type": job.details["type"],
        "state": STATES[job.phase],
        "model": job.details["model"],
        "created_at": timestamp(job.created_at),
        "output": _outputs(job, request, ctx),
        "failure_reason": failure.reason if failure else None,
        "failure_code": failure.code if failure else None,
    }


def _outputs(job: Job, request: Request, ctx: Context) -> list[dict[str, Any]]:
    # Empty until the generation completes, and on failure.
    if job.phase is not Phase.SUCCEEDED:
        return []
    now = ctx.simulation.now()
    outputs = []
    for index, output in enumerate(job.details["outputs"]):
        # Layers share a file; the output's position keeps each URL distinct.
        token = job.id if index == 0 else f"{job.id}.{index}"
        path = f"/_mockluma/media/{token}/{output['media']}"
        entry: dict[str, Any] = {"type": output["type"], "url": _signed(request, ctx, path, now)}
        if "layer" in output:
            entry["layer"] = dict(output["layer"])
        outputs.append(entry)
    return outputs


def file(stored: StoredFile, ctx: Context) -> dict[str, Any]:
    now = ctx.simulation.now()
    deleted = stored.deleted(now)
    return {
        "id": stored.id,
        "created_at": timestamp(stored.created_at),
        "mime_type": stored.mime_type,
        "purpose": stored.purpose,
        "size_bytes": stored.size_bytes,
        "state": stored.state(now),
        "deleted_at": None if deleted is None else timestamp(deleted),
        "expires_at": None if stored.expires_at is None else timestamp(stored.expires_at),
        "failure_reason": stored.failure_reason(),
        "filename": stored.filename,
        "user_id": stored.user_id,
    }


def created_file(stored: StoredFile, request: Request, ctx: Context) -> dict[str, Any]:
    record = file(stored, ctx)
    upload = None
    if stored.presigned:
        path = UPLOAD_PATH + stored.id
        upload = {
            "method": "PUT",
            "url": _signed(request, ctx, path, stored.created_at),
            "expires_at": timestamp(stored.created_at + catalog.URL_LIFETIME),
            "headers": {"Content-Type": stored.mime_type},
        }
    return {"id": stored.id, "state": record["state"], "file": record, "upload": upload}


def _signed(request: Request, ctx: Context, path: str, signed_at: float) -> str:
    query = presign(path, key=ctx.signing_key, signed_at=signed_at, expires_in=catalog.URL_LIFETIME)
    return f"{base_url_of(request).rstrip('/')}{path}?{query}"
