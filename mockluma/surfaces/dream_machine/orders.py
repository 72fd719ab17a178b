"""Turning a checked request into a job: what it echoes, what it costs, how long it takes, and
which media it yields. One function per kind of generation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockluma.engine.errors import InsufficientCredits, JobNotFound
from mockluma.engine.faults import NO_PLANNED_FAULTS, PlannedFaults
from mockluma.engine.jobs import Job, Phase
from mockluma.engine.timing import Timing
from mockluma.surfaces import Context
from mockluma.surfaces.dream_machine import catalog
from mockluma.surfaces.dream_machine.errors import DIALECT, bad_request, not_found
from mockluma.surfaces.dream_machine.validation import frame_types

JSON = dict[str, Any]
_PIXEL_FIELDS = (
    "grid_position_x",
    "grid_position_y",
    "x_start",
    "x_end",
    "y_start",
    "y_end",
    "resized_width",
    "resized_height",
)


def create_video(
    ctx: Context,
    owner: str,
    body: Mapping[str, Any],
    *,
    base_url: str,
    faults: PlannedFaults = NO_PLANNED_FAULTS,
) -> Job:
    sources = _keyframe_sources(ctx, owner, body)
    model = body["model"]
    aspect = body.get("aspect_ratio") or (
        sources[0].details["aspect_ratio"] if sources else catalog.DEFAULT_ASPECT_RATIO
    )
    resolution = body.get("resolution") or catalog.DEFAULT_RESOLUTION
    duration = body.get("duration") or catalog.DEFAULT_DURATION
    seconds = catalog.seconds_of(duration)
    # The echo shows the value used for every field that has a default, as Luma's responses do.
    echo: JSON = {
        "generation_type": "video",
        "prompt": body.get("prompt"),
        "aspect_ratio": aspect,
        "loop": bool(body.get("loop")),
        "keyframes": _keyframes_echo(body.get("keyframes")),
        "callback_url": body.get("callback_url"),
        "model": model,
        "resolution": resolution,
        "duration": duration,
        "concepts": _concepts_echo(body.get("concepts")),
    }
    return _submit(
        ctx,
        owner,
        echo,
        _video_output(ctx, model, aspect, seconds),
        catalog.video_timing(model, resolution, seconds),
        catalog.video_price(model, aspect, resolution, seconds),
        base_url=base_url,
        faults=faults,
    )


def create_image(
    ctx: Context,
    owner: str,
    body: Mapping[str, Any],
    *,
    base_url: str,
    faults: PlannedFaults = NO_PLANNED_FAULTS,
) -> Job:
    model = body["model"]
    aspect = body.get("aspect_ratio") or catalog.DEFAULT_ASPECT_RATIO
    image_format = body.get("format") or catalog.DEFAULT_IMAGE_FORMAT
    echo: JSON = {
        "generation_type": "image",
        "model": model,
        "prompt": body.get("prompt"),
        "aspect_ratio": aspect,
        "format": image_format,
        "callback_url": body.get("callback_url"),
        "image_ref": _weighted_list(body.get("image_ref")),
        "style_ref": _weighted_list(body.get("style_ref")),
        "character_ref": _character_echo(body.get("character_ref")),
        "modify_image_ref": _weighted(body.get("modify_image_ref")),
        "sync": bool(body.get("sync")),
        "sync_timeout": body.get("sync_timeout", catalog.DEFAULT_SYNC_TIMEOUT),
    }
    output = _image_output(ctx, model, aspect, image_format)
    # A synchronous image comes back finished from the create call itself.
    return _submit(
        ctx,
        owner,
        echo,
        output,
        catalog.image_timing(model),
        catalog.image_price(model, *output["size"]),
        finish_now=bool(body.get("sync")),
        base_url=base_url,
        faults=faults,
    )


def reframe_image(
    ctx: Context,
    owner: str,
    body: Mapping[str, Any],
    *,
    base_url: str,
    faults: PlannedFaults = NO_PLANNED_FAULTS,
) -> Job:
    model, aspect = body["model"], body["aspect_ratio"]
    echo: JSON = {
        "generation_type": "reframe_image",
        "model": model,
        "aspect_ratio": aspect,
        "media": {"url": body["media"]["url"]},
        "prompt": body.get("prompt") or "",
        "format": body.get("format") or catalog.DEFAULT_IMAGE_FORMAT,
        **{field: body.get(field) for field in _PIXEL_FIELDS},
        "callback_url": body.get("callback_url"),
    }
    output = _image_output(ctx, model, aspect, echo["format"])
    return _submit(
        ctx,
        owner,
        echo,
        output,
        catalog.image_timing(model),
        catalog.image_price(model, *output["size"]),
        base_url=base_url,
        faults=faults,
    )


def reframe_video(
    ctx: Context,
    owner: str,
    body: Mapping[str, Any],
    *,
    base_url: str,
    faults: PlannedFaults = NO_PLANNED_FAULTS,
) -> Job:
    model, aspect = body["model"], body["aspect_ratio"]
    echo: JSON = {
        "generation_type": "reframe_video",
        "model": model,
        "aspect_ratio": aspect,
        "media": {"url": body["media"]["url"]},
        "first_frame": _media_echo(body.get("first_frame")),
        "prompt": body.get("prompt") or "",
        **{field: body.get(field) for field in _PIXEL_FIELDS},
        "callback_url": body.get("callback_url"),
    }
    # The source video is never fetched, so its length is unknown: five seconds is assumed.
    seconds = 5
    return _submit(
        ctx,
        owner,
        echo,
        _video_output(ctx, model, aspect, seconds),
        catalog.video_timing(model, None, seconds),
        catalog.video_price(model, aspect, None, seconds),
        base_url=base_url,
        faults=faults,
    )


def modify_video(
    ctx: Context,
    owner: str,
    body: Mapping[str, Any],
    *,
    base_url: str,
    faults: PlannedFaults = NO_PLANNED_FAULTS,
) -> Job:
    model = body["model"]
    echo: JSON = {
        "generation_type": "modify_video",
        "model": model,
        "mode": body["mode"],
        "media": {"url": body["media"]["url"]},
        "first_frame": _media_echo(body.get("first_frame")),
        "prompt": body.get("prompt"),
        "callback_url": body.get("callback_url"),
    }
    aspect, seconds = catalog.DEFAULT_ASPECT_RATIO, 5
    return _submit(
        ctx,
        owner,
        echo,
        _video_output(ctx, model, aspect, seconds),
        catalog.video_timing(model, None, seconds),
        catalog.video_price(model, aspect, None, seconds),
        base_url=base_url,
        faults=faults,
    )


def upscale(
    ctx: Context,
    owner: str,
    source_id: str,
    body: Mapping[str, Any],
    *,
    base_url: str,
    faults: PlannedFaults = NO_PLANNED_FAULTS,
) -> Job:
    source = _finished_video(ctx, owner, source_id, "upscaled")
    resolution = body.get("resolution") or catalog.DEFAULT_UPSCALE_RESOLUTION
    echo: JSON = {
        "generation_type": "upscale_video",
        "resolution": resolution,
        "callback_url": body.get("callback_url"),
    }
    model, aspect, seconds = (source.details[k] for k in ("model", "aspect_ratio", "seconds"))
    return _submit(
        ctx,
        owner,
        echo,
        _video_output(ctx, model, aspect, seconds, with_audio=source.details["audio"]),
        catalog.UPSCALE_TIMING,
        catalog.video_price(model, aspect, resolution, seconds),
        base_url=base_url,
        faults=faults,
    )


def add_audio(
    ctx: Context,
    owner: str,
    source_id: str,
    body: Mapping[str, Any],
    *,
    base_url: str,
    faults: PlannedFaults = NO_PLANNED_FAULTS,
) -> Job:
    source = _finished_video(ctx, owner, source_id, "given audio")
    echo: JSON = {
        "generation_type": "add_audio",
        "prompt": body.get("prompt"),
        "negative_prompt": body.get("negative_prompt"),
        "callback_url": body.get("callback_url"),
    }
    model, aspect, seconds = (source.details[k] for k in ("model", "aspect_ratio", "seconds"))
    return _submit(
        ctx,
        owner,
        echo,
        _video_output(ctx, model, aspect, seconds, with_audio=True),
        catalog.AUDIO_TIMING,
        catalog.audio_price(seconds),
        base_url=base_url,
        faults=faults,
    )


# -- shared steps ----------------------------------------------------------------------------


def _submit(
    ctx: Context,
    owner: str,
    echo: JSON,
    details: JSON,
    timing: Timing,
    cost: float,
    *,
    base_url: str,
    faults: PlannedFaults,
    finish_now: bool = False,
) -> Job:
    simulation = ctx.simulation
    # Where the client reached the mock: callbacks, sent later, link media under it.
    details["base_url"] = base_url
    try:
        job = simulation.submit(
            surface=catalog.SURFACE,
            owner=owner,
            kind=echo["generation_type"],
            request=echo,
            details=details,
            timing=timing,
            cost=cost,
            instant=finish_now,
            group=catalog.family(details["model"]),
            faults=faults,
        )
    except InsufficientCredits as refusal:
        raise DIALECT.error(
            402,
            f"Insufficient credits: this generation costs {refusal.cost:g} cents and the "
            f"balance is {refusal.balance:g} cents. Add credits, or reset the mock.",
        ) from None
    if finish_now:
        simulation.run_due()
    return job


def _video_output(
    ctx: Context, model: str, aspect: str, seconds: int, *, with_audio: bool = False
) -> JSON:
    video = ctx.media.video(aspect, seconds, with_audio=with_audio)
    return {
        "output": "video",
        "model": model,
        "aspect_ratio": aspect,
        "seconds": seconds,
        "audio": with_audio,
        "media": {
            "video": ctx.media.name_of(video),
            "image": ctx.media.name_of(ctx.media.thumbnail(aspect)),
        },
    }


def _image_output(ctx: Context, model: str, aspect: str, image_format: str) -> JSON:
    image = ctx.media.image(aspect, image_format)
    return {
        "output": "image",
        "model": model,
        "aspect_ratio": aspect,
        "size": (image.width, image.height),
        "media": {"image": ctx.media.name_of(image)},
    }


def _keyframe_sources(ctx: Context, owner: str, body: Mapping[str, Any]) -> list[Job]:
    """The generations a video continues or interpolates; each must be a finished video."""
    keyframes = body.get("keyframes") or {}
    sources = []
    for slot, kind in zip(("frame0", "frame1"), frame_types(body), strict=True):
        if kind != "generation":
            continue
        generation_id = keyframes[slot]["id"]
        try:
            source = ctx.simulation.get(catalog.SURFACE, owner, generation_id)
        except JobNotFound:
            raise bad_request(
                f"The generation in keyframes.{slot}, {generation_id}, does not exist for this "
                "API key."
            ) from None
        _require_finished_video(source, f"The generation in keyframes.{slot},", "extended")
        sources.append(source)
    return sources


def _finished_video(ctx: Context, owner: str, generation_id: str, verb: str) -> Job:
    try:
        source = ctx.simulation.get(catalog.SURFACE, owner, generation_id)
    except JobNotFound:
        raise not_found(generation_id) from None
    _require_finished_video(source, "Generation", verb)
    return source


def _require_finished_video(source: Job, subject: str, verb: str) -> None:
    if source.details["output"] != "video":
        raise bad_request(
            f"{subject} {source.id} is an image; only a video generation can be {verb}."
        )
    if source.phase is not Phase.SUCCEEDED:
        state = "failed" if source.phase is Phase.FAILED else "not completed yet"
        raise bad_request(
            f"{subject} {source.id} is {state}; only a completed video can be {verb}."
        )


def _keyframes_echo(keyframes: Mapping[str, Any] | None) -> JSON | None:
    if keyframes is None:
        return None
    return {slot: _frame_echo(keyframes.get(slot)) for slot in ("frame0", "frame1")}


def _frame_echo(frame: Mapping[str, Any] | None) -> JSON | None:
    if frame is None:
        return None
    if frame["type"] == "image":
        return {"type": "image", "url": frame["url"]}
    return {"type": "generation", "id": frame["id"]}


def _concepts_echo(concepts: list[Mapping[str, Any]] | None) -> list[JSON] | None:
    return None if concepts is None else [{"key": concept["key"]} for concept in concepts]


def _weighted(item: Mapping[str, Any] | None) -> JSON | None:
    return None if item is None else {"url": item.get("url"), "weight": item.get("weight")}


def _weighted_list(items: list[Mapping[str, Any]] | None) -> list[JSON | None] | None:
    return None if items is None else [_weighted(item) for item in items]


def _character_echo(character: Mapping[str, Any] | None) -> JSON | None:
    if character is None:
        return None
    identity = character.get("identity0")
    return {"identity0": None if identity is None else {"images": identity.get("images")}}


def _media_echo(media: Mapping[str, Any] | None) -> JSON | None:
    return None if media is None else {"url": media["url"]}
