"""Turning a checked create request into a job: its inputs resolved, what it yields, what it
costs and how long it takes. One function per generation type.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mockluma.engine import media as shipped
from mockluma.engine.errors import InsufficientCredits
from mockluma.engine.faults import NO_PLANNED_FAULTS, PlannedFaults
from mockluma.engine.jobs import Job
from mockluma.engine.timing import Timing
from mockluma.surfaces import Context
from mockluma.surfaces.agents import catalog
from mockluma.surfaces.agents.errors import DIALECT, INSUFFICIENT_CREDITS, rejected
from mockluma.surfaces.agents.references import Media, Resolver
from mockluma.surfaces.agents.validation import Plan, check_generation, check_keyframe_indexes

JSON = dict[str, Any]

# The layers a layering yields, front to back; the last is the opaque background. Luma plans
# the layers from the picture; the mock always finds these three.
LAYERS: tuple[JSON, ...] = (
    {
        "label": "subject",
        "description": "The main subject of the picture, in front of everything else",
        "alpha_hint": "soft",
    },
    {
        "label": "object",
        "description": "A solid object between the subject and the background",
        "alpha_hint": "hard",
    },
    {
        "label": "background",
        "description": "The scene behind the subject and the object",
        "alpha_hint": "none",
    },
)


@dataclass(frozen=True, slots=True)
class Order:
    """What a generation will be: its outputs (``details``), its timeline and its price."""

    details: JSON
    timing: Timing
    cost: float


def create_generation(
    ctx: Context,
    owner: str,
    body: Mapping[str, Any],
    origin: str,
    *,
    faults: PlannedFaults = NO_PLANNED_FAULTS,
) -> Job:
    plan = check_generation(body)
    make = _MAKERS[plan.type]
    order = make(ctx, plan, Resolver(ctx, owner, origin))
    details = {"model": plan.model, "type": plan.type, **order.details}
    try:
        return ctx.simulation.submit(
            surface=catalog.SURFACE,
            owner=owner,
            kind=plan.type,
            request=_summary(body),
            details=details,
            timing=order.timing,
            cost=order.cost,
            # One bucket for every type: the documented limits count all generations together.
            group=catalog.LIMIT_GROUP,
            faults=faults,
        )
    except InsufficientCredits:
        raise DIALECT.error(402, INSUFFICIENT_CREDITS) from None


# -- images ----------------------------------------------------------------------------------


def _image(ctx: Context, plan: Plan, resolver: Resolver) -> Order:
    refs = _image_refs(plan, resolver)
    manga = plan.body.get("style") == "manga"
    default = catalog.DEFAULT_MANGA_ASPECT if manga else catalog.DEFAULT_IMAGE_ASPECT
    aspect = plan.aspect_ratio or default
    return Order(
        _image_details(ctx, plan, aspect),
        catalog.image_timing(plan.model, web_search=bool(plan.body.get("web_search"))),
        catalog.image_price(plan.model, inputs=len(refs)),
    )


def _image_edit(ctx: Context, plan: Plan, resolver: Resolver) -> Order:
    source = resolver.image(plan.body["source"], "source")
    refs = _image_refs(plan, resolver)
    # The edit keeps its source's shape.
    aspect = _aspect_of(source, catalog.IMAGE_ASPECT_RATIOS, catalog.DEFAULT_IMAGE_ASPECT)
    return Order(
        _image_details(ctx, plan, aspect),
        catalog.image_timing(plan.model, web_search=bool(plan.body.get("web_search"))),
        catalog.image_price(plan.model, inputs=1 + len(refs)),
    )


def _layering(ctx: Context, plan: Plan, resolver: Resolver) -> Order:
    source = resolver.image(plan.body["source"], "source")
    aspect = _aspect_of(source, catalog.IMAGE_ASPECT_RATIOS, catalog.DEFAULT_IMAGE_ASPECT)
    resolution = (plan.body.get("layering") or {}).get("resolution") or "1k"
    image = ctx.media.image(_shipped_aspect(aspect, shipped.IMAGE_SIZES), "png")
    outputs = [
        {"type": "image", "media": ctx.media.name_of(image), "layer": {"index": index, **layer}}
        for index, layer in enumerate(LAYERS)
    ]
    details = {"family": "image", "output_kind": "layers", "aspect_ratio": aspect}
    return Order(
        {**details, "outputs": outputs},
        catalog.layering_timing(resolution),
        catalog.layering_price(resolution, len(outputs)),
    )


def _image_refs(plan: Plan, resolver: Resolver) -> list[Media]:
    refs = plan.body.get("image_ref") or []
    return [resolver.image(ref, f"image_ref[{index}]") for index, ref in enumerate(refs)]


def _image_details(ctx: Context, plan: Plan, aspect: str) -> JSON:
    image_format = plan.body.get("output_format") or catalog.DEFAULT_IMAGE_FORMAT
    image = ctx.media.image(_shipped_aspect(aspect, shipped.IMAGE_SIZES), image_format)
    return {
        "family": "image",
        "output_kind": "image",
        "aspect_ratio": aspect,
        "outputs": [{"type": "image", "media": ctx.media.name_of(image)}],
    }


# -- videos ----------------------------------------------------------------------------------


def _video(ctx: Context, plan: Plan, resolver: Resolver) -> Order:
    video = plan.video
    start = _optional(resolver.frame, video.get("start_frame"), "video.start_frame")
    end = _optional(resolver.frame, video.get("end_frame"), "video.end_frame")
    keyframes = [
        resolver.frame(ref, f"video.keyframes[{index}]")
        for index, ref in enumerate(video.get("keyframes") or [])
    ]
    extended = [frame for frame in (start, end) if frame is not None and frame.generation_id]
    if extended and start is not None and end is not None:
        raise rejected(
            "Interpolating between a prior generation and another frame is not available yet; "
            "extend with one generation_id frame only"
        )
    # An extension keeps the shape of the video it extends; otherwise the request's ratio
    # applies, or the model's pick: the shape of the first image the video starts from.
    if extended:
        aspect = _aspect_of(extended[0], catalog.VIDEO_ASPECT_RATIOS, catalog.DEFAULT_VIDEO_ASPECT)
    elif plan.aspect_ratio is not None:
        aspect = plan.aspect_ratio
    else:
        first = next((frame for frame in (start, end, *keyframes) if frame is not None), None)
        aspect = _aspect_of(first, catalog.VIDEO_ASPECT_RATIOS, catalog.DEFAULT_VIDEO_ASPECT)
    hdr, exr = bool(video.get("hdr")), bool(video.get("exr_export"))
    return Order(
        _video_details(ctx, aspect, plan.seconds),
        catalog.video_timing("video", plan.resolution, plan.seconds, hdr=hdr),
        catalog.video_price(plan.resolution, plan.seconds, hdr=hdr, exr=exr),
    )


def _video_edit(ctx: Context, plan: Plan, resolver: Resolver) -> Order:
    source = resolver.video(plan.body["source"], "source")
    seconds = _source_seconds(source, catalog.MAX_EDIT_SOURCE_SECONDS)
    video = plan.video
    _optional(resolver.image, video.get("start_frame"), "video.start_frame")
    edit = video.get("edit") or {}
    keyframes = edit.get("keyframes")
    if keyframes is not None:
        for index, ref in enumerate(keyframes):
            resolver.image(ref, f"video.edit.keyframes[{index}]")
        check_keyframe_indexes(
            len(keyframes),
            edit.get("keyframe_indexes"),
            round(seconds * catalog.FRAMES_PER_SECOND),
            "video.edit",
            "the source video",
        )
    aspect = _aspect_of(source, catalog.VIDEO_ASPECT_RATIOS, catalog.DEFAULT_VIDEO_ASPECT)
    whole = max(1, round(seconds))
    hdr, exr = bool(video.get("hdr")), bool(video.get("exr_export"))
    return Order(
        _video_details(ctx, aspect, whole),
        catalog.video_timing("video_edit", plan.resolution, whole, hdr=hdr),
        catalog.video_price(plan.resolution, whole, hdr=hdr, exr=exr),
    )


def _video_reframe(ctx: Context, plan: Plan, resolver: Resolver) -> Order:
    source = resolver.video(plan.body["source"], "source")
    seconds = _source_seconds(source, catalog.MAX_REFRAME_SOURCE_SECONDS)
    aspect = plan.aspect_ratio
    assert aspect is not None
    if source.ratio is not None:
        current = _nearest(source.ratio, catalog.VIDEO_ASPECT_RATIOS)
        if current == aspect:
            raise rejected(
                f"aspect_ratio must differ from the source video's ({current}) for a reframe"
            )
    whole = max(1, round(seconds))
    return Order(
        _video_details(ctx, aspect, whole),
        catalog.video_timing("video_reframe", plan.resolution, whole, hdr=False),
        catalog.reframe_price(plan.resolution, whole),
    )


def _source_seconds(source: Media, limit: float) -> float:
    seconds = source.seconds if source.seconds else catalog.ASSUMED_SOURCE_SECONDS
    if seconds > limit:
        raise rejected(
            f"source: the video is {seconds:.1f} seconds long; the limit is {limit:g} seconds"
        )
    return seconds


def _video_details(ctx: Context, aspect: str, seconds: int) -> JSON:
    video = ctx.media.video(_shipped_aspect(aspect, shipped.VIDEO_SIZES), seconds)
    return {
        "family": "video",
        "output_kind": "video",
        "aspect_ratio": aspect,
        "seconds": seconds,
        "outputs": [{"type": "video", "media": ctx.media.name_of(video)}],
    }


_MAKERS: Mapping[str, Callable[[Context, Plan, Resolver], Order]] = {
    "image": _image,
    "image_edit": _image_edit,
    "layering": _layering,
    "video": _video,
    "video_edit": _video_edit,
    "video_reframe": _video_reframe,
}


# -- shapes ----------------------------------------------------------------------------------


def _optional(
    resolve: Callable[[Mapping[str, Any], str], Media], ref: Mapping[str, Any] | None, field: str
) -> Media | None:
    return None if ref is None else resolve(ref, field)


def _aspect_of(media: Media | None, choices: Iterable[str], default: str) -> str:
    """The ratio among ``choices`` closest to the shape of ``media`` (``default`` if unknown)."""
    if media is None or media.ratio is None:
        return default
    return _nearest(media.ratio, choices)


def _nearest(ratio: float, choices: Iterable[str]) -> str:
    return min(choices, key=lambda choice: abs(math.log(ratio / _value(choice))))


def _shipped_aspect(aspect: str, sizes: Mapping[str, tuple[int, int]]) -> str:
    """The shipped media shape closest to ``aspect`` (the same one when it is shipped)."""
    return aspect if aspect in sizes else _nearest(_value(aspect), sizes)


def _value(aspect: str) -> float:
    across, down = (int(part) for part in aspect.split(":"))
    return across / down


def _summary(body: Mapping[str, Any]) -> JSON:
    """The request as the job keeps it: inline media replaced by its size, to stay small."""

    def shrink(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: f"<{len(item)} base64 characters>"
                if key == "data" and isinstance(item, str)
                else shrink(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [shrink(item) for item in value]
        return value

    summary: JSON = shrink(dict(body))
    return summary
