"""Turning a checked UmamiAI request into a job: a new generation, or an extension of one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockluma.engine.errors import InsufficientCredits, JobNotFound
from mockluma.engine.faults import NO_PLANNED_FAULTS, PlannedFaults
from mockluma.engine.jobs import Job, Phase
from mockluma.surfaces import Context
from mockluma.surfaces.umami import catalog
from mockluma.surfaces.umami.errors import DIALECT, not_found


def create(
    ctx: Context, owner: str, body: Mapping[str, Any], *, faults: PlannedFaults = NO_PLANNED_FAULTS
) -> Job:
    aspect = body.get("aspect_ratio") or catalog.DEFAULT_ASPECT_RATIO
    return _submit(ctx, owner, body, aspect, catalog.VIDEO_SECONDS, extends=None, faults=faults)


def extend(
    ctx: Context,
    owner: str,
    parent_id: str,
    body: Mapping[str, Any],
    *,
    faults: PlannedFaults = NO_PLANNED_FAULTS,
) -> Job:
    """A new generation that continues the completed generation ``parent_id``.

    The extension keeps the parent's aspect ratio (it continues the same frames) and is five
    seconds longer.
    """
    try:
        parent = ctx.simulation.get(catalog.SURFACE, owner, parent_id)
    except JobNotFound:
        raise not_found([parent_id]) from None
    if parent.phase is not Phase.SUCCEEDED:
        state = "failed" if parent.phase is Phase.FAILED else "not completed yet"
        raise DIALECT.error(
            400,
            f"Generation {parent_id} is {state}; only a completed generation can be extended. "
            "Fetch it until its state is completed, then extend it.",
        )
    seconds = parent.details["seconds"] + catalog.EXTEND_SECONDS
    aspect = parent.details["aspect_ratio"]
    return _submit(ctx, owner, body, aspect, seconds, extends=parent_id, faults=faults)


def _submit(
    ctx: Context,
    owner: str,
    body: Mapping[str, Any],
    aspect: str,
    seconds: int,
    *,
    extends: str | None,
    faults: PlannedFaults,
) -> Job:
    video = ctx.media.video(aspect, seconds)
    request = {
        "user_prompt": body["user_prompt"],
        "aspect_ratio": aspect,
        "expand_prompt": bool(body.get("expand_prompt")),
        "image_url": body.get("image_url"),
        "image_end_url": body.get("image_end_url"),
        "extends": extends,
    }
    details = {
        "aspect_ratio": aspect,
        "seconds": seconds,
        "media": {
            "video": ctx.media.name_of(video),
            "thumbnail": ctx.media.name_of(ctx.media.thumbnail(aspect)),
        },
    }
    try:
        return ctx.simulation.submit(
            surface=catalog.SURFACE,
            owner=owner,
            kind="extend" if extends else "generate",
            request=request,
            details=details,
            timing=catalog.TIMING,
            group=catalog.LIMIT_GROUP,
            cost=catalog.TOKENS_PER_GENERATION,
            faults=faults,
        )
    except InsufficientCredits as refusal:
        # AI/ML API, whose service this is, answers an exhausted balance with 403.
        raise DIALECT.error(
            403,
            f"You have run out of tokens: a generation costs {refusal.cost:,.0f} tokens and the "
            f"balance is {refusal.balance:,.0f}. Top up your balance, or reset the mock.",
        ) from None
