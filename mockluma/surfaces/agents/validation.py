"""Checks on a create request, before anything is resolved or created.

First the body must match its shipped JSON Schema; a violation is a 400 naming the field
(Luma: 400 is "invalid request parameters"), except where Luma documents its own text (unknown
model, bad aspect ratio, prompt length), which is reproduced. Then the per-type rules: the
documented uni-1-era texts answer 400 as they did; the newer video rules are "parameter
combinations" that Luma's current error guide answers with 422, worded by the mock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError

from mockluma.schemas import store as schema_store
from mockluma.surfaces.agents import catalog, errors
from mockluma.surfaces.agents.errors import bad_request, rejected
from mockluma.web.errors import ApiError


def conform(schema: str, body: Any) -> dict[str, Any]:
    """``body`` if it matches ``schemas/agents/<schema>``; a 400 naming the field if not."""
    problem = schema_store.first_error(f"agents/{schema}", body)
    if problem is not None:
        raise _refusal(problem, body)
    assert isinstance(body, dict)
    return body


def _refusal(problem: ValidationError, body: Any) -> ApiError:
    value = problem.instance
    if isinstance(body, dict):
        match problem.json_path:
            case "$.model":
                return errors.unknown_model(value if isinstance(value, str) else repr(value))
            case "$.aspect_ratio" if isinstance(value, str):
                return errors.invalid_aspect_ratio(value, _valid_ratios(body))
            case "$.prompt" if isinstance(value, str):
                return bad_request(errors.PROMPT_LENGTH)
    return bad_request(schema_store.describe(problem))


def _valid_ratios(body: Mapping[str, Any]) -> frozenset[str]:
    kind = body.get("type") or catalog.DEFAULT_TYPE
    return (
        catalog.VIDEO_ASPECT_RATIOS if kind in catalog.VIDEO_TYPES else catalog.IMAGE_ASPECT_RATIOS
    )


@dataclass(frozen=True, slots=True)
class Plan:
    """A checked request with its defaults applied."""

    body: Mapping[str, Any]
    model: str
    type: str
    aspect_ratio: str | None
    video: Mapping[str, Any]
    resolution: str
    duration: str

    @property
    def seconds(self) -> int:
        return catalog.SECONDS[self.duration]


def check_generation(body: Mapping[str, Any]) -> Plan:
    """The rules of ``POST /generations`` that need nothing but the body itself."""
    model = body.get("model") or catalog.DEFAULT_MODEL
    kind = body.get("type") or catalog.DEFAULT_TYPE
    if kind not in catalog.MODEL_TYPES[model]:
        raise errors.unsupported_type(kind, model)
    _check_prompt(body["prompt"], kind)
    aspect = _check_aspect_ratio(body.get("aspect_ratio"), kind)
    _check_source(body, kind)
    _check_image_refs(body.get("image_ref") or [], kind)
    manga = body.get("style") == "manga" and kind == "image"
    if manga and aspect is not None and aspect not in catalog.MANGA_ASPECT_RATIOS:
        portrait = ", ".join(catalog.MANGA_ASPECT_RATIOS)
        raise rejected(f"style 'manga' needs a portrait aspect_ratio ({portrait}), not '{aspect}'")
    if body.get("layering") is not None and kind != "layering":
        raise bad_request("layering options are only valid for type 'layering'")
    video = body.get("video") or {}
    if body.get("video") is not None and kind not in catalog.VIDEO_TYPES:
        raise bad_request(
            "video options are only valid for types 'video', 'video_edit' and 'video_reframe'"
        )
    plan = Plan(
        body,
        model,
        kind,
        aspect,
        video,
        video.get("resolution") or catalog.DEFAULT_RESOLUTION,
        video.get("duration") or catalog.DEFAULT_DURATION,
    )
    if kind == "video":
        _check_video(plan)
    elif kind == "video_edit":
        _check_video_edit(plan)
    elif kind == "video_reframe":
        _check_video_reframe(plan)
    return plan


def _check_prompt(prompt: str, kind: str) -> None:
    # Layering's prompt only steers the split: the mock lets it be empty (Luma calls it
    # optional, though the SDK makes the field itself required).
    if kind == "layering":
        if len(prompt) > catalog.LAYERING_PROMPT_MAX:
            raise bad_request(
                f"Prompt must be at most {catalog.LAYERING_PROMPT_MAX} characters for type "
                "'layering'"
            )
        return
    if not prompt:
        raise bad_request(errors.PROMPT_LENGTH)


def _check_aspect_ratio(aspect: str | None, kind: str) -> str | None:
    if kind == "video_reframe" and aspect is None:
        raise bad_request("aspect_ratio is required for type 'video_reframe'")
    if aspect is None or kind in ("image_edit", "video_edit", "layering"):
        # Edits and layerings keep their source's shape; Luma ignores aspect_ratio there.
        return None
    valid = catalog.IMAGE_ASPECT_RATIOS if kind == "image" else catalog.VIDEO_ASPECT_RATIOS
    if aspect not in valid:
        raise errors.invalid_aspect_ratio(aspect, valid)
    return aspect


def _check_source(body: Mapping[str, Any], kind: str) -> None:
    has_source = body.get("source") is not None
    if kind == "image" and has_source:
        raise bad_request(errors.SOURCE_ONLY_FOR_EDIT)
    if kind == "video" and has_source:
        raise bad_request(
            "source is not valid for type 'video'; pass an image as video.start_frame or "
            "video.keyframes, or a generation_id there to extend a video"
        )
    if kind not in ("image", "video") and not has_source:
        raise bad_request(f"source is required for type '{kind}'")


def _check_image_refs(refs: list[Any], kind: str) -> None:
    if kind == "image_edit" and len(refs) > catalog.MAX_IMAGE_REFS[kind]:
        raise bad_request(errors.EDIT_REFS)
    if kind == "image" and len(refs) > catalog.MAX_IMAGE_REFS[kind]:
        raise bad_request(f"image supports up to {catalog.MAX_IMAGE_REFS[kind]} reference images")
    if refs and kind not in catalog.IMAGE_TYPES:
        raise bad_request("image_ref is only valid for types 'image' and 'image_edit'")


# -- video options ---------------------------------------------------------------------------


def _refuse_options(video: Mapping[str, Any], names: tuple[str, ...], kind: str) -> None:
    for name in names:
        if video.get(name) is not None and video.get(name) is not False:
            raise rejected(f"video.{name} is not valid for type '{kind}'")


def _check_hdr(plan: Plan) -> None:
    video = plan.video
    if video.get("exr_export") and not video.get("hdr"):
        raise rejected("video.exr_export requires video.hdr")
    if video.get("hdr") and plan.resolution not in catalog.HDR_RESOLUTIONS:
        raise rejected(f"video.hdr needs resolution '720p' or '1080p', not '{plan.resolution}'")


def _check_video(plan: Plan) -> None:
    video = plan.video
    _refuse_options(video, ("edit", "source_position"), plan.type)
    keyframes = video.get("keyframes")
    frames = video.get("start_frame") is not None or video.get("end_frame") is not None
    _check_hdr(plan)
    if keyframes is not None:
        if frames:
            raise rejected(
                "video.keyframes cannot be combined with video.start_frame or video.end_frame"
            )
        if video.get("loop"):
            raise rejected("video.loop cannot be combined with video.keyframes")
        check_keyframe_indexes(
            len(keyframes),
            video.get("keyframe_indexes"),
            plan.seconds * catalog.FRAMES_PER_SECOND,
            "video",
            f"a {plan.duration} video",
        )
    elif video.get("keyframe_indexes") is not None:
        raise rejected("video.keyframe_indexes needs video.keyframes")
    if video.get("loop"):
        if plan.duration == "10s":
            raise rejected("video.loop is not supported with duration '10s'")
        if video.get("hdr"):
            raise rejected("video.loop is not supported with video.hdr")
        if video.get("end_frame") is not None:
            raise rejected("video.loop is not supported with video.end_frame")
    # Ten-second and HDR clips are text-to-video only, unless they use keyframes.
    if plan.duration == "10s" and frames:
        raise rejected(
            "duration '10s' is not supported with video.start_frame or video.end_frame; use "
            "video.keyframes for a 10s image-to-video"
        )
    if video.get("hdr") and plan.duration == "10s" and keyframes is None:
        raise rejected(
            "video.hdr is not supported with duration '10s' unless the video uses video.keyframes"
        )
    extends = any(
        (video.get(slot) or {}).get("generation_id") is not None
        for slot in ("start_frame", "end_frame")
    )
    if extends and video.get("hdr"):
        raise rejected("Extending a video (a generation_id frame) does not support video.hdr")


def _check_video_edit(plan: Plan) -> None:
    video = plan.video
    if video.get("duration") is not None:
        raise rejected(
            "video.duration cannot be set for type 'video_edit': the output is as long as "
            "the source"
        )
    if video.get("keyframes") is not None or video.get("keyframe_indexes") is not None:
        raise rejected(
            "video.keyframes is only valid for type 'video'; use video.edit.keyframes for "
            "type 'video_edit'"
        )
    _refuse_options(video, ("loop", "end_frame", "source_position"), plan.type)
    _check_hdr(plan)
    edit = video.get("edit") or {}
    if edit.get("auto_controls") and (
        edit.get("strength") is not None or edit.get("controls") is not None
    ):
        raise rejected("video.edit.auto_controls cannot be combined with strength or controls")
    if edit.get("keyframes") is not None and video.get("start_frame") is not None:
        raise rejected("video.edit.keyframes cannot be combined with video.start_frame")
    if edit.get("keyframes") is None and edit.get("keyframe_indexes") is not None:
        raise rejected("video.edit.keyframe_indexes needs video.edit.keyframes")


def _check_video_reframe(plan: Plan) -> None:
    video = plan.video
    if video.get("hdr") or video.get("exr_export"):
        raise rejected("video.hdr and video.exr_export are not supported for type 'video_reframe'")
    _refuse_options(
        video,
        ("duration", "loop", "edit", "start_frame", "end_frame", "keyframes", "keyframe_indexes"),
        plan.type,
    )
    if plan.resolution == "1080p" and plan.aspect_ratio in catalog.VERTICAL:
        raise rejected(
            "1080p is coming soon for reframes to a vertical aspect_ratio (9:16, 3:4); use "
            "720p for now"
        )


def check_keyframe_indexes(
    count: int, indexes: list[int] | None, last_frame: int, prefix: str, grid: str
) -> None:
    """The indexes must pair up with the keyframes and be distinct frames of the grid."""
    field = f"{prefix}.keyframe_indexes"
    if indexes is None:
        if count == 1:
            return  # a single keyframe pins the first frame
        raise rejected(f"{field} is required with more than one keyframe: one index per keyframe")
    if len(indexes) != count:
        raise rejected(f"{field} must have one entry per keyframe ({count}), not {len(indexes)}")
    if len(set(indexes)) != len(indexes):
        raise rejected(f"{field} must not repeat a frame position")
    if any(index > last_frame for index in indexes):
        raise rejected(f"{field} must be frame positions between 0 and {last_frame} for {grid}")


def list_query(params: Mapping[str, str]) -> dict[str, Any]:
    """The checked query of ``GET /files``, with ``limit`` as an integer."""
    values: dict[str, Any] = {}
    for name in ("cursor", "limit", "purpose", "state"):
        raw = params.get(name)
        if raw is None or raw == "":
            continue
        values[name] = raw
    if "limit" in values:
        text = values["limit"]
        try:
            values["limit"] = int(text)
        except ValueError:
            raise bad_request(
                f"Query parameter 'limit' must be an integer from 1 to 100, not {text!r}."
            ) from None
    problem = schema_store.first_error("agents/files-list.query.json", values)
    if problem is not None:
        raise bad_request(schema_store.describe(problem).replace("Field", "Query parameter"))
    return values
