"""Turning a checked AppyPie request into a job: the video it yields and what it costs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockluma.engine.errors import InsufficientCredits
from mockluma.engine.faults import NO_PLANNED_FAULTS, PlannedFaults
from mockluma.engine.jobs import Job
from mockluma.surfaces import Context
from mockluma.surfaces.appypie import catalog
from mockluma.surfaces.appypie.errors import DIALECT


def generate(
    ctx: Context,
    owner: str,
    body: Mapping[str, Any],
    *,
    kind: str,
    faults: PlannedFaults = NO_PLANNED_FAULTS,
) -> Job:
    """A text-to-video (``kind="text"``) or image-to-video (``kind="image"``) generation."""
    aspect = body.get("aspect_ratio") or catalog.DEFAULT_ASPECT_RATIO
    video = ctx.media.video(aspect, catalog.VIDEO_SECONDS)
    request = {
        "prompt": body["prompt"],
        "aspect_ratio": aspect,
        "loop": bool(body.get("loop")),
        "url": body.get("url"),
    }
    details = {"aspect_ratio": aspect, "media": {"video": ctx.media.name_of(video)}}
    try:
        return ctx.simulation.submit(
            surface=catalog.SURFACE,
            owner=owner,
            kind=f"{kind}_to_video",
            request=request,
            details=details,
            timing=catalog.TIMING,
            group=catalog.LIMIT_GROUP,
            cost=catalog.PRICE_CENTS,
            faults=faults,
        )
    except InsufficientCredits as refusal:
        # APIM answers an exhausted quota with 403; AppyPie's table has 403 for "no access".
        raise DIALECT.error(
            403,
            f"The subscription's balance ({refusal.balance:g} cents) does not cover a video "
            f"({refusal.cost:g} cents). Top it up, or reset the mock.",
        ) from None
