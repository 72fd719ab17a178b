"""How the Agents API words its errors: ``{"detail": "<string>"}`` on every refusal.

Luma documents the texts of its authentication, account, balance and not-found errors and of
the uni-1 era's validation errors; those are reproduced exactly, because client code branches
on them. Every other sentence is the mock's own and says what to do next.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from starlette.datastructures import Headers

from mockluma.engine.jobs import Job
from mockluma.engine.limits import RateLimited
from mockluma.surfaces.agents import catalog
from mockluma.web.errors import ApiError

MISSING_KEY = "Missing or invalid API key"
INVALID_KEY = "Invalid API key"
REVOKED_KEY = "API key has been revoked"
EXPIRED_KEY = "API key has expired"
SUSPENDED = "API client is suspended"
DEACTIVATED = "API client is deactivated"
INSUFFICIENT_CREDITS = "Insufficient credits. Please add credits to continue."
GENERATION_NOT_FOUND = "Generation not found"
FILE_NOT_FOUND = "File not found"
PROMPT_LENGTH = f"Prompt must be between 1 and {catalog.PROMPT_MAX} characters"
EDIT_REFS = "image_edit supports up to 8 reference images (source occupies one slot)"
SOURCE_ONLY_FOR_EDIT = "source is only valid for type 'image_edit'"


class AgentsDialect:
    """Errors as ``{"detail": message}``."""

    def error(self, status: int, message: str) -> ApiError:
        return ApiError(status, {"detail": message})


DIALECT = AgentsDialect()


def bad_request(message: str) -> ApiError:
    return DIALECT.error(400, message)


def rejected(message: str) -> ApiError:
    """A parameter combination the API refuses (422 in Luma's current error guide)."""
    return DIALECT.error(422, message)


def unknown_model(model: str) -> ApiError:
    return bad_request(f"Unknown model: {model}")


def unsupported_type(kind: str, model: str) -> ApiError:
    return bad_request(f"Type '{kind}' is not supported for model '{model}'")


def invalid_aspect_ratio(value: str, valid: frozenset[str]) -> ApiError:
    # Luma lists the valid ratios ordered by their parts as text: "1:1, 1:2, 1:3, 16:9, 2:1".
    listed = ", ".join(sorted(valid, key=lambda ratio: ratio.split(":")))
    return bad_request(f"Invalid aspect_ratio '{value}'. Valid: {listed}")


def response_headers(request: Headers) -> Mapping[str, str]:
    """``X-Request-Id`` (the client's own, echoed, or a new one) and ``X-API-Version``."""
    return {
        "X-Request-Id": request.get("x-request-id") or str(uuid.uuid4()),
        "X-API-Version": catalog.API_VERSION,
    }


RATE_LIMIT_EXCEEDED = "Rate limit exceeded"
TOO_MANY_CONCURRENT_JOBS = "Too many concurrent jobs"


def rate_limited(refusal: RateLimited) -> ApiError:
    """The two documented 429s: the per-minute one carries the ``X-RateLimit-*`` headers
    (``Remaining`` 0, ``Reset`` when the oldest request leaves the window); the concurrency one
    only ``Retry-After``. Both are told apart by their ``detail``."""
    headers = {"retry-after": str(refusal.retry_after_seconds)}
    if refusal.kind == "rate":
        headers.update(
            {
                "x-ratelimit-limit": str(refusal.limit),
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": str(int(refusal.reset_at or 0)),
            }
        )
        return ApiError(429, {"detail": RATE_LIMIT_EXCEEDED}, headers)
    return ApiError(429, {"detail": TOO_MANY_CONCURRENT_JOBS}, headers)


def rate_limit_headers(job: Job) -> dict[str, str]:
    """``X-RateLimit-*`` for an accepted create; none when limits are off (as when Luma's
    limiter fails open)."""
    allowance = job.allowance
    if allowance is None:
        return {}
    return {
        "x-ratelimit-limit": str(allowance.limit),
        "x-ratelimit-remaining": str(allowance.remaining),
        # Documented as "now + 60 s" on a 201, in Unix seconds.
        "x-ratelimit-reset": str(int(job.created_at + 60)),
    }
