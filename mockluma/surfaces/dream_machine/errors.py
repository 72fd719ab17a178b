"""How Dream Machine words its errors.

Two shapes, as a FastAPI service with pydantic v2 models answers:

- ``{"detail": "<sentence>"}`` (the only error schema in Luma's spec) for refusals the service
  words itself. The documented create-time messages are reproduced exactly (they are what
  client code matches on); every other sentence is the mock's own and says what to do next.
- 422 ``{"detail": [{"type", "loc", "msg", "input", "ctx"}]}`` for a body or query that does
  not fit the request schema (wrong type, unknown enum value, missing field): pydantic v2's
  validation-error list, which the Vercel AI SDK's Luma provider parses (``detail[0].msg``).
  Luma does not document it; the ``type`` names and ``msg`` texts are pydantic's own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from jsonschema.exceptions import ValidationError

from mockluma.engine.limits import RateLimited
from mockluma.web.errors import ApiError

PROMPT_REQUIRED = "Prompt is required"
PROMPT_TOO_SHORT = "Prompt is too short, minimum length is 3 characters"
PROMPT_TOO_LONG = "Prompt is too long, maximum length is 5000 characters"
NO_KEYFRAMES = "No keyframes provided"
LOOP_END_FRAME = "Loop is not supported for end frame"
LOOP_KEYFRAMES = "Loop is not supported for keyframes"
LOOP_EXTEND_REVERSE = "Loop is not supported for extend reverse"
LOOP_VIDEO_TO_IMAGE = "Loop is not supported for interpolate video to image"
LOOP_IMAGE_TO_VIDEO = "Loop is not supported for interpolate image to video"
LOOP_TWO_VIDEOS = "Loop is not supported for interpolate between two videos"
INVALID_API_KEY = "Invalid API key is provided"
MISSING_API_KEY = "No API key was sent. Send your key in the header 'Authorization: Bearer <key>'."
MALFORMED_AUTHORIZATION = (
    "The Authorization header is not a bearer token. Send 'Authorization: Bearer <key>'."
)


class DreamMachineDialect:
    """Errors as ``{"detail": message}``."""

    def error(self, status: int, message: str) -> ApiError:
        return ApiError(status, {"detail": message})


DIALECT = DreamMachineDialect()


def bad_request(message: str) -> ApiError:
    return DIALECT.error(400, message)


def not_found(generation_id: str) -> ApiError:
    return DIALECT.error(
        404, f"Generation {generation_id} not found. Check the id and the API key it was made with."
    )


def rate_limited(refusal: RateLimited) -> ApiError:
    """429, in Luma's error shape, with ``Retry-After`` (which the SDK waits for)."""
    wait = refusal.retry_after_seconds
    if refusal.kind == "rate":
        message = (
            f"Rate limit exceeded: at most {refusal.limit} {refusal.group} generation requests "
            f"per minute. Retry after {wait} s."
        )
    else:
        message = (
            f"Too many concurrent generations: at most {refusal.limit} {refusal.group} "
            f"generations may be in progress at once. Retry after {wait} s."
        )
    return ApiError(429, {"detail": message}, {"retry-after": str(wait)})


# -- pydantic v2 validation errors -----------------------------------------------------------

_TYPE_ERRORS = {
    "string": ("string_type", "Input should be a valid string"),
    "integer": ("int_type", "Input should be a valid integer"),
    "number": ("float_type", "Input should be a valid number"),
    "boolean": ("bool_type", "Input should be a valid boolean"),
    "array": ("list_type", "Input should be a valid list"),
    "object": (
        "model_attributes_type",
        "Input should be a valid dictionary or object to extract fields from",
    ),
}


def expected_words(options: Sequence[Any]) -> str:
    """Allowed values as pydantic lists them: ``'a', 'b' or 'c'``."""
    words = [_python_repr(option) for option in options]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _python_repr(value: Any) -> str:
    return repr(value) if isinstance(value, str | int | float | type(None)) else json.dumps(value)


def field_error(
    loc: Sequence[str | int],
    kind: str,
    msg: str,
    value: Any,
    ctx: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One entry of a pydantic validation-error list."""
    entry: dict[str, Any] = {"type": kind, "loc": list(loc), "msg": msg, "input": value}
    if ctx is not None:
        entry["ctx"] = ctx
    return entry


def literal_error(loc: Sequence[str | int], value: Any, allowed: Sequence[Any]) -> dict[str, Any]:
    expected = expected_words(allowed)
    return field_error(
        loc, "literal_error", f"Input should be {expected}", value, {"expected": expected}
    )


def unprocessable(entries: Iterable[dict[str, Any]]) -> ApiError:
    """422 with pydantic's list of validation errors."""
    return ApiError(422, {"detail": list(entries)})


def schema_entry(error: ValidationError, where: str = "body") -> dict[str, Any]:
    """``error`` (a JSON Schema violation) as pydantic v2 would have reported it."""
    loc: list[str | int] = [where, *error.absolute_path]
    value = error.instance
    match error.validator:
        case "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            return field_error([*loc, missing], "missing", "Field required", value)
        case "enum" | "const":
            allowed = error.validator_value
            return literal_error(loc, value, allowed if isinstance(allowed, list) else [allowed])
        case "type":
            wanted = error.validator_value
            kinds = wanted if isinstance(wanted, list) else [wanted]
            kind = str(next((k for k in kinds if k != "null"), "object"))
            if len(loc) == 1 and kind == "object":
                return field_error(loc, *_TYPE_ERRORS["object"], value)
            return field_error(loc, *_TYPE_ERRORS.get(kind, _TYPE_ERRORS["string"]), value)
        case "minimum":
            bound = error.validator_value
            return field_error(
                loc,
                "greater_than_equal",
                f"Input should be greater than or equal to {bound}",
                value,
                {"ge": bound},
            )
        case "maximum":
            bound = error.validator_value
            return field_error(
                loc,
                "less_than_equal",
                f"Input should be less than or equal to {bound}",
                value,
                {"le": bound},
            )
        case "minLength":
            bound = error.validator_value
            unit = "character" if bound == 1 else "characters"
            return field_error(
                loc,
                "string_too_short",
                f"String should have at least {bound} {unit}",
                value,
                {"min_length": bound},
            )
        case "pattern" if isinstance(value, str) and "https?://" in str(error.validator_value):
            return url_entry(loc, value) or value_error(loc, value, error.message)
        case "additionalProperties":
            return field_error(loc, "extra_forbidden", "Extra inputs are not permitted", value)
        case _:
            return value_error(loc, value, error.message)


def value_error(loc: Sequence[str | int], value: Any, reason: str) -> dict[str, Any]:
    """A check the model makes in code (pydantic's ``value_error``)."""
    reason = reason.rstrip(".")
    return field_error(loc, "value_error", f"Value error, {reason}", value, {"error": reason})


def url_entry(loc: Sequence[str | int], url: str) -> dict[str, Any] | None:
    """pydantic's error for a URL that is not an absolute http(s) URL (``None`` if it is)."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        reason = "invalid IPv6 address" if "[" in text else "invalid port number"
        return _url_parsing(loc, url, reason)
    if not text:
        return _url_parsing(loc, url, "input is empty")
    if not parts.scheme:
        return _url_parsing(loc, url, "relative URL without a base")
    if parts.scheme not in ("http", "https"):
        return field_error(
            loc,
            "url_scheme",
            "URL scheme should be 'http' or 'https'",
            url,
            {"expected_schemes": "'http' or 'https'"},
        )
    if not host:
        return _url_parsing(loc, url, "empty host")
    return None


def _url_parsing(loc: Sequence[str | int], url: str, reason: str) -> dict[str, Any]:
    return field_error(
        loc, "url_parsing", f"Input should be a valid URL, {reason}", url, {"error": reason}
    )
