"""Uploaded files: the records behind ``/v1/files`` and the presigned uploads that fill them.

A file is a record in its owner's account (``Simulation.records``), created ``pending``. Its
bytes arrive inline (multipart) or through a PUT to a presigned storage URL followed by
``POST /files/{id}/complete``; either way an *ingest* job then runs on the engine, so files move
on under every progression policy just as generations do, and end ``ready`` or ``failed``. A
soft delete, or passing the file's own ``expires_at``, makes it ``deleted``.

Only the first megabyte of an upload is kept (enough to probe it); the mock never serves
uploads back, so their bytes are not needed.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockluma.engine.faults import NO_PLANNED_FAULTS, PlannedFaults
from mockluma.engine.jobs import Failure, Job, Phase
from mockluma.surfaces import Context
from mockluma.surfaces.agents import catalog
from mockluma.surfaces.agents.errors import DIALECT, FILE_NOT_FOUND, bad_request
from mockluma.surfaces.agents.probe import Probe, probe

COLLECTION = "files"


@dataclass(slots=True, eq=False)
class StoredFile:
    id: str
    owner: str
    sequence: int
    """Position in the owner's upload order: the key of the list's pagination."""
    created_at: float
    mime_type: str
    size_bytes: int
    purpose: str
    filename: str | None
    user_id: str | None
    expires_at: float | None
    presigned: bool
    """Uploaded through the JSON flow (a PUT, then ``complete``) rather than inline."""
    head: bytes = b""
    received: int | None = None
    """Bytes received so far; ``None`` until something was uploaded."""
    ingest: Job | None = None
    deleted_at: float | None = None

    def state(self, now: float) -> str:
        if self.deleted(now) is not None:
            return "deleted"
        if self.ingest is None or not self.ingest.phase.terminal:
            return "pending"
        return "ready" if self.ingest.phase is Phase.SUCCEEDED else "failed"

    def deleted(self, now: float) -> float | None:
        """When the file was deleted, by a DELETE or by passing its ``expires_at``."""
        if self.deleted_at is not None:
            return self.deleted_at
        if self.expires_at is not None and self.expires_at <= now:
            return self.expires_at
        return None

    def failure_reason(self) -> str | None:
        failure = self.ingest.failure if self.ingest is not None else None
        return failure.reason if failure is not None else None

    @property
    def probe(self) -> Probe | None:
        return probe(self.head)


class Uploads:
    """Which owner each file id belongs to, for the storage side, which receives no API key."""

    def __init__(self) -> None:
        self.owners: dict[str, str] = {}


def uploads(ctx: Context) -> Uploads:
    shared = ctx.shared.setdefault(catalog.SURFACE, Uploads())
    assert isinstance(shared, Uploads)
    return shared


def _files(ctx: Context, owner: str) -> dict[str, StoredFile]:
    return ctx.simulation.records(catalog.SURFACE, owner, COLLECTION)


# -- create ----------------------------------------------------------------------------------


def create(ctx: Context, owner: str, fields: Mapping[str, Any], *, presigned: bool) -> StoredFile:
    """A new ``pending`` file from checked fields (``mime_type``, ``size_bytes``, ...)."""
    files = _files(ctx, owner)
    now = ctx.simulation.now()
    stored = StoredFile(
        id=ctx.simulation.new_id(catalog.SURFACE, owner),
        owner=owner,
        sequence=len(files) + 1,
        created_at=now,
        mime_type=fields["mime_type"],
        size_bytes=fields["size_bytes"],
        purpose=fields.get("purpose") or catalog.DEFAULT_PURPOSE,
        filename=fields.get("filename"),
        user_id=fields.get("user_id"),
        expires_at=fields.get("expires_at"),
        presigned=presigned,
    )
    files[stored.id] = stored
    uploads(ctx).owners[stored.id] = owner
    return stored


def receive(stored: StoredFile, head: bytes, size: int) -> None:
    """Record uploaded bytes (their first megabyte and their count)."""
    stored.head = head
    stored.received = size


def start_ingest(
    ctx: Context, stored: StoredFile, *, faults: PlannedFaults = NO_PLANNED_FAULTS
) -> None:
    """Check the received bytes on the engine; a file that is not what it claims fails."""
    found = stored.probe
    declared = stored.mime_type.split("/")[0]
    failure = None
    if found is None:
        failure = Failure(
            f"The uploaded bytes are not a valid {stored.mime_type} file.", phase=Phase.RUNNING
        )
    elif found.kind != declared:
        failure = Failure(
            f"The uploaded bytes are {found.kind} data ({found.mime_type}), but mime_type "
            f"says {stored.mime_type}.",
            phase=Phase.RUNNING,
        )
    stored.ingest = ctx.simulation.submit(
        surface=catalog.FILES,
        owner=stored.owner,
        kind="file",
        request={"file_id": stored.id, "mime_type": stored.mime_type},
        details={"file_id": stored.id},
        timing=catalog.ingest_timing("video" if declared == "video" else "image"),
        failure=failure,
        faults=faults,
    )


def complete(
    ctx: Context, owner: str, file_id: str, *, faults: PlannedFaults = NO_PLANNED_FAULTS
) -> StoredFile:
    stored = get(ctx, owner, file_id)
    now = ctx.simulation.now()
    if stored.deleted(now) is not None:
        raise bad_request(f"File {file_id} has been deleted; upload the media again.")
    if not stored.presigned or stored.ingest is not None:
        raise bad_request(f"File {file_id} is already complete; poll GET /files/{file_id}.")
    if stored.received is None:
        raise bad_request(
            f"No bytes were uploaded for file {file_id}: PUT them to the upload URL first, "
            "then call complete."
        )
    if stored.received != stored.size_bytes:
        raise bad_request(
            f"File {file_id} received {stored.received} bytes but size_bytes is "
            f"{stored.size_bytes}; PUT exactly those bytes again, then call complete."
        )
    start_ingest(ctx, stored, faults=faults)
    return stored


# -- read and delete -------------------------------------------------------------------------


def get(ctx: Context, owner: str, file_id: str) -> StoredFile:
    stored = _files(ctx, owner).get(file_id)
    if stored is None:
        raise DIALECT.error(404, FILE_NOT_FOUND)
    return stored


def poll(ctx: Context, stored: StoredFile) -> None:
    """A client looked at the file: under ``polls:N`` this moves its ingest on."""
    if stored.ingest is not None:
        ctx.simulation.poll(stored.ingest)


def delete(ctx: Context, owner: str, file_id: str) -> None:
    stored = get(ctx, owner, file_id)
    if stored.deleted_at is None:
        stored.deleted_at = ctx.simulation.now()


@dataclass(frozen=True, slots=True)
class Page:
    files: list[StoredFile]
    has_more: bool
    next_cursor: str | None


def page(
    ctx: Context,
    owner: str,
    *,
    limit: int,
    cursor: str | None,
    purpose: str | None,
    state: str | None,
) -> Page:
    """Files newest first, after ``cursor``; deleted files only when ``state`` asks for them."""
    before = _cursor_position(cursor) if cursor else None
    now = ctx.simulation.now()
    chosen: list[StoredFile] = []
    has_more = False
    for stored in reversed(_files(ctx, owner).values()):
        if before is not None and stored.sequence >= before:
            continue
        current = stored.state(now)
        if (state is None and current == "deleted") or (state is not None and current != state):
            continue
        if purpose is not None and stored.purpose != purpose:
            continue
        if len(chosen) == limit:
            has_more = True
            break
        chosen.append(stored)
    next_cursor = _cursor_for(chosen[-1]) if has_more else None
    return Page(chosen, has_more, next_cursor)


def _cursor_for(stored: StoredFile) -> str:
    text = json.dumps({"before": stored.sequence}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _cursor_position(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))["before"]
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
        position = None
    if isinstance(position, bool) or not isinstance(position, int):
        raise bad_request(
            "Query parameter 'cursor' is not a cursor this API issued; pass the next_cursor "
            "of the previous page unchanged."
        )
    return position
