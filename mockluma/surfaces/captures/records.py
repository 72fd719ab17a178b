"""Captures as the API keeps them: created empty, given a file, then processed by one run.

A capture exists before any work is done, so it is not an engine job: it is a record in its
key's account (:meth:`Simulation.records`), forgotten with the account on a reset. Its
processing run *is* an engine job, submitted when the client starts processing. Signed upload
URLs carry a random token that the surface-wide index maps back to (key, slug), because the
PUT to storage carries no API key.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mockluma.engine.faults import NO_PLANNED_FAULTS, PlannedFaults, RuleError
from mockluma.engine.jobs import Failure, Job
from mockluma.engine.simulation import Simulation
from mockluma.engine.triggers import (
    find_markers,
    parse_triggers,
)
from mockluma.surfaces.captures import catalog
from mockluma.surfaces.captures.errors import DIALECT, bad_request


@dataclass(frozen=True, slots=True)
class Source:
    """What an upload turned out to be. Only these facts are kept, never the bytes."""

    size: int
    kind: str | None
    """``"video"`` or ``"zip"``; ``None`` when it is neither (or empty)."""
    failure: Failure | None
    """Why a run on this file will fail, if it will."""


@dataclass(slots=True, eq=False)
class Capture:
    slug: str
    owner: str
    title: str
    camera_model: str
    remove_humans: bool
    created_at: float
    date: str
    upload_token: str
    upload_expires: float
    status: str = "new"
    """Upload status: ``new``, ``uploading`` or ``complete``."""
    source: Source | None = None
    run: Job | None = None


@dataclass(frozen=True, slots=True)
class Grant:
    """Where a signed upload URL leads."""

    owner: str
    slug: str


def timestamp(seconds: float) -> str:
    """ISO 8601 in UTC as JavaScript writes it: exactly three fractional digits and ``Z``."""
    moment = datetime.fromtimestamp(round(seconds, 3), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _captures(simulation: Simulation, owner: str) -> dict[str, Capture]:
    captures: dict[str, Capture] = simulation.records(catalog.SURFACE, owner, "captures")
    return captures


def create(
    simulation: Simulation, owner: str, title: str, camera_model: str, remove_humans: bool
) -> Capture:
    captures = _captures(simulation, owner)
    # Seeded like job ids: a key's captures get the same slugs whatever other keys do.
    rng = random.Random(f"{simulation.seed}/{catalog.SURFACE}/{owner}/capture/{len(captures)}")
    slug = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    token = f"{rng.getrandbits(128):032x}"
    now = simulation.now()
    capture = Capture(
        slug=slug,
        owner=owner,
        title=title,
        camera_model=camera_model,
        remove_humans=remove_humans,
        created_at=now,
        date=timestamp(now),
        upload_token=token,
        upload_expires=now + catalog.UPLOAD_URL_SECONDS,
    )
    captures[slug] = capture
    simulation.index(catalog.SURFACE)[token] = Grant(owner, slug)
    return capture


def find(simulation: Simulation, owner: str, slug: str) -> Capture | None:
    return _captures(simulation, owner).get(slug)


def by_upload_token(simulation: Simulation, token: str) -> Capture | None:
    """The capture a signed upload URL was made for, if it still exists."""
    grant: Any = simulation.index(catalog.SURFACE).get(token)
    if not isinstance(grant, Grant):
        return None
    capture = find(simulation, grant.owner, grant.slug)
    # After a reset of one key, a new capture may reuse the slug; the token tells them apart.
    if capture is None or capture.upload_token != token:
        return None
    return capture


def search(
    simulation: Simulation, owner: str, *, text: str, skip: int, take: int, newest_first: bool
) -> list[Capture]:
    """Captures whose title contains ``text`` (ignoring case), in creation order or reversed."""
    needle = text.casefold()
    found = [c for c in _captures(simulation, owner).values() if needle in c.title.casefold()]
    if newest_first:
        found.reverse()
    return found[skip : skip + take]


def start_run(
    simulation: Simulation,
    capture: Capture,
    *,
    triggers: bool = True,
    faults: PlannedFaults = NO_PLANNED_FAULTS,
) -> Job:
    """Submit the capture's processing run: one credit, failing early if the file is bad;
    ``faults`` are those the fault layer planned for the start request.

    A ``[mockluma:...]`` failure trigger in the capture's title applies to its run (the start
    request has no body of its own to carry one).

    Raises 409 if it already has a run, 400 if its file is not uploaded, and lets the engine's
    ``InsufficientCredits`` through.
    """
    if capture.run is not None:
        raise DIALECT.error(
            409,
            f"Capture {capture.slug} is already processing (or processed). Create a new capture "
            "to process another file.",
        )
    source = capture.source
    if capture.status != "complete" or source is None:
        still = "still uploading" if capture.status == "uploading" else "not uploaded yet"
        raise bad_request(
            f"Capture {capture.slug}'s file is {still}. PUT the file to the signed URL from the "
            "create call, then start processing."
        )
    if triggers and (markers := find_markers(capture.title)):
        try:
            triggered = parse_triggers(markers).generation or faults.triggered
        except RuleError as exc:
            raise bad_request(str(exc)) from None
        faults = PlannedFaults(faults.rules, triggered)
    capture.run = _submit_run(simulation, capture, source, faults)
    return capture.run


def _submit_run(
    simulation: Simulation, capture: Capture, source: Source, faults: PlannedFaults
) -> Job:
    return simulation.submit(
        surface=catalog.SURFACE,
        owner=capture.owner,
        kind=catalog.CAPTURE_TYPE,
        request={
            "slug": capture.slug,
            "title": capture.title,
            "camModel": capture.camera_model,
            "removeHumans": capture.remove_humans,
            "source": {"kind": source.kind, "bytes": source.size},
        },
        details={"scale_to_world": scale_to_world(simulation, capture)},
        timing=catalog.TIMING,
        cost=catalog.CREDITS_PER_CAPTURE,
        failure=source.failure,
        faults=faults,
    )


def scale_to_world(simulation: Simulation, capture: Capture) -> float:
    """The capture's scene scale (a seeded, plausible number near 1)."""
    rng = random.Random(f"{simulation.seed}/{catalog.SURFACE}/{capture.slug}/scale")
    return rng.uniform(0.5, 1.5)
