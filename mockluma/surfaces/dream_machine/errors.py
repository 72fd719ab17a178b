"""How Dream Machine words its errors: ``{"detail": "<sentence>"}``, as Luma's spec defines.

The documented create-time messages are reproduced exactly (they are what client code matches
on); every other message is the mock's own and says what to do next.
"""

from __future__ import annotations

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
