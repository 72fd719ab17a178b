"""How UmamiAI words its errors: ``{"message": "<sentence>", "statusCode": <status>}``.

UmamiAI documents no error at all. Its page is a white-label copy of AI/ML API's, whose docs
give an error structure of ``message``, ``path``, ``requestId``, ``statusCode`` and
``timestamp``; the mock keeps the two fields that carry meaning. Messages begin the way AI/ML
API's documented ones do ("Body validation error!") where there is one, and say what to do.
"""

from __future__ import annotations

from mockluma.engine.limits import RateLimited
from mockluma.web.errors import ApiError

BODY_INVALID = "Body validation error!"
QUERY_INVALID = "Query validation error!"
MISSING_KEY = "This request requires a valid API key. Send it as 'Authorization: Bearer <key>'."
INVALID_KEY = "This request requires a valid API key; the key sent is not one. Check the key."


class UmamiDialect:
    """Errors as ``{"message": message, "statusCode": status}``."""

    def error(self, status: int, message: str) -> ApiError:
        return ApiError(status, {"message": message, "statusCode": status})


DIALECT = UmamiDialect()


def body_invalid(reason: str) -> ApiError:
    return DIALECT.error(400, f"{BODY_INVALID} {reason}")


def query_invalid(reason: str) -> ApiError:
    return DIALECT.error(400, f"{QUERY_INVALID} {reason}")


def not_found(generation_ids: list[str]) -> ApiError:
    listed = ", ".join(generation_ids)
    noun = "generation" if len(generation_ids) == 1 else "generations"
    return DIALECT.error(
        404, f"No {noun} {listed} for this API key. Check the ids and the key they were made with."
    )


def rate_limited(refusal: RateLimited) -> ApiError:
    """429 naming the limit that was hit, with ``Retry-After``."""
    wait = refusal.retry_after_seconds
    if refusal.kind == "rate":
        detail = f"at most {refusal.limit} generations a minute for this key"
    else:
        detail = f"at most {refusal.limit} generations in progress at once for this key"
    error = DIALECT.error(429, f"Too many requests: {detail}. Retry after {wait} s.")
    error.headers["retry-after"] = str(wait)
    return error
