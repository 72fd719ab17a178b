"""Checks on what clients send, before anything is created.

First the body must match its shipped JSON Schema, then the value sets Luma documents but its
spec leaves open (resolution, duration, concept keys, URLs): a violation of either is a 422
with pydantic's list of validation errors, as a FastAPI service answers. Then the rules Luma
documents for create calls (400, with Luma's own wording).

Where the spec admits "any string" (``anyOf: [enum, string]`` for resolution and duration,
a free string for a concept key) the mock refuses what is outside the documented values: the
open string is the SDK generator's way of tolerating future values, and a value Luma does not
list ("1080", "10s") would not be priced or produced. docs/fidelity.md lists each choice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mockluma.schemas import store as schema_store
from mockluma.surfaces.dream_machine import catalog, errors
from mockluma.surfaces.dream_machine.errors import bad_request
from mockluma.web.errors import ApiError


def conform(schema: str, body: Any) -> dict[str, Any]:
    """``body`` if it matches ``schemas/dream-machine/<schema>`` and the documented value sets;
    a 422 listing every violation (pydantic's shape) if not."""
    problems = schema_store.all_errors(f"dream-machine/{schema}", body)
    if problems:
        raise errors.unprocessable(errors.schema_entry(problem) for problem in problems)
    assert isinstance(body, dict)
    entries = list(_value_errors(body))
    if entries:
        raise errors.unprocessable(entries)
    return body


def _value_errors(body: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    # The schema's pattern admits what only a URL parser refuses ("https://[::1").
    for loc, url in url_fields(body):
        entry = errors.url_entry(("body", *loc), url)
        if entry is not None:
            yield entry
    # Callbacks are POSTed to this URL, so it must be an absolute http(s) URL.
    if body.get("callback_url") is not None:
        entry = errors.url_entry(("body", "callback_url"), body["callback_url"])
        if entry is not None:
            yield entry


def input_urls(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The input-media URLs of ``body`` with their dotted field names (``image_ref[0].url``)."""
    named = []
    for loc, url in url_fields(body):
        field = ""
        for part in loc:
            field += f"[{part}]" if isinstance(part, int) else f".{part}" if field else part
        named.append((field, url))
    return named


def url_fields(body: Mapping[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every input-media URL of a create body, with where it sits (for errors and the
    input-media policy): keyframes, image/style/character/modify refs, media, first_frame."""
    keyframes = body.get("keyframes") or {}
    for slot in ("frame0", "frame1"):
        frame = keyframes.get(slot)
        if frame and frame.get("type") == "image":
            yield ("keyframes", slot, "url"), frame["url"]
    for field in ("image_ref", "style_ref"):
        for index, ref in enumerate(body.get(field) or ()):
            if ref and ref.get("url") is not None:
                yield (field, index, "url"), ref["url"]
    identity = (body.get("character_ref") or {}).get("identity0") or {}
    for index, url in enumerate(identity.get("images") or ()):
        yield ("character_ref", "identity0", "images", index), url
    for field in ("modify_image_ref", "media", "first_frame"):
        item = body.get(field)
        if item and item.get("url") is not None:
            yield (field, "url"), item["url"]


def check_prompt(prompt: str | None, *, required: bool) -> None:
    if not prompt:
        if required:
            raise bad_request(errors.PROMPT_REQUIRED)
        return
    if len(prompt) < catalog.PROMPT_MIN:
        raise bad_request(errors.PROMPT_TOO_SHORT)
    if len(prompt) > catalog.PROMPT_MAX:
        raise bad_request(errors.PROMPT_TOO_LONG)


_LOOP_REFUSALS = {
    (None, "image"): errors.LOOP_END_FRAME,
    ("image", "image"): errors.LOOP_KEYFRAMES,
    (None, "generation"): errors.LOOP_EXTEND_REVERSE,
    ("generation", "image"): errors.LOOP_VIDEO_TO_IMAGE,
    ("image", "generation"): errors.LOOP_IMAGE_TO_VIDEO,
    ("generation", "generation"): errors.LOOP_TWO_VIDEOS,
}


def check_video_request(body: Mapping[str, Any]) -> None:
    """The keyframe, loop and prompt rules of a video create call."""
    frames = frame_types(body)
    offered = catalog.RESOLUTIONS.get(str(body.get("model")))
    resolution = body.get("resolution")
    if offered is not None and resolution is not None and resolution not in offered:
        # A rule of the model, not of the schema: worded like Luma's own "... is not
        # supported for ..." sentences (the text is the mock's).
        raise bad_request(
            f"Resolution {resolution} is not supported for {body['model']}; "
            f"use {', '.join(offered)}"
        )
    if body.get("keyframes") is not None and frames == (None, None):
        raise bad_request(errors.NO_KEYFRAMES)
    if body.get("loop") and frames in _LOOP_REFUSALS:
        raise bad_request(_LOOP_REFUSALS[frames])
    check_prompt(body.get("prompt"), required="image" not in frames)


def frame_types(body: Mapping[str, Any]) -> tuple[str | None, str | None]:
    keyframes = body.get("keyframes") or {}
    first, last = keyframes.get("frame0"), keyframes.get("frame1")
    return (first["type"] if first else None, last["type"] if last else None)


def check_image_request(body: Mapping[str, Any]) -> None:
    # Luma documents the prompt limits for video only; for images they apply when one is given.
    check_prompt(body.get("prompt"), required=False)
    _check_count("image_ref", body.get("image_ref"))
    identity = (body.get("character_ref") or {}).get("identity0") or {}
    _check_count("character_ref.identity0.images", identity.get("images"))


def _check_count(field: str, items: list[Any] | None) -> None:
    if items is not None and len(items) > catalog.MAX_REFERENCE_IMAGES:
        raise bad_request(
            f"{field} accepts at most {catalog.MAX_REFERENCE_IMAGES} images, not {len(items)}."
        )


def list_query(params: Mapping[str, str]) -> tuple[int, int]:
    """``limit`` and ``offset`` of a list call (defaults 100 and 0, as in Luma's spec)."""
    values: dict[str, Any] = {}
    for name in ("limit", "offset"):
        raw = params.get(name)
        if raw is None or raw == "":
            continue
        try:
            values[name] = int(raw)
        except ValueError:
            raise _query_error(name, raw) from None
    problems = schema_store.all_errors("dream-machine/generations-list.query.json", values)
    if problems:
        raise errors.unprocessable(errors.schema_entry(p, "query") for p in problems)
    return values.get("limit", 100), values.get("offset", 0)


def _query_error(name: str, raw: str) -> ApiError:
    return errors.unprocessable(
        [
            errors.field_error(
                ("query", name),
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer",
                raw,
            )
        ]
    )
