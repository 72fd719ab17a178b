"""Checks on what clients send, before anything is created.

First the body must match its shipped JSON Schema (422, naming the field); then the rules
Luma documents for create calls (400, with Luma's own wording).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from mockluma.schemas import store as schema_store
from mockluma.surfaces.dream_machine import catalog, errors
from mockluma.surfaces.dream_machine.errors import DIALECT, bad_request
from mockluma.web.errors import ApiError


def conform(schema: str, body: Any) -> dict[str, Any]:
    """``body`` if it matches ``schemas/dream-machine/<schema>``; a 422 naming the field if not."""
    problem = schema_store.first_error(f"dream-machine/{schema}", body)
    if problem is not None:
        raise DIALECT.error(422, schema_store.describe(problem))
    assert isinstance(body, dict)
    if body.get("callback_url") is not None:
        check_callback_url(body["callback_url"])
    return body


def check_callback_url(url: str) -> None:
    # Callbacks are POSTed to this URL, so it must be an absolute http(s) URL.
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid:
        raise DIALECT.error(
            422, f"Field 'callback_url' must be an absolute http or https URL, not {url!r}."
        )


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
    problem = schema_store.first_error("dream-machine/generations-list.query.json", values)
    if problem is not None:
        raise DIALECT.error(422, schema_store.describe(problem).replace("Field", "Query parameter"))
    return values.get("limit", 100), values.get("offset", 0)


def _query_error(name: str, raw: str) -> ApiError:
    return DIALECT.error(422, f"Query parameter '{name}' must be an integer, not {raw!r}.")
