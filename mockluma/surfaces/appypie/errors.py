"""How the AppyPie gateway words its errors: ``{"error": "<sentence>"}``.

AppyPie's docs give one fixed phrase per status code (400, 401, 403, 404, 429, 500). Every error
starts with that phrase, so code matching on it works, and goes on with what exactly was wrong
and what to do, so a person reading a test failure knows. Statuses without a documented phrase
(405, 413) carry the mock's sentence alone.

An unknown generation id is answered with the docs' separate "example error", which also has a
``status`` field: ``{"status": "NOT_FOUND", "error": "The requested resource could not be
located. ..."}``.
"""

from __future__ import annotations

from mockluma.engine.limits import RateLimited
from mockluma.web.errors import ApiError

DOCUMENTED = {
    400: "Invalid request parameters",
    401: "Invalid or missing authentication",
    403: "Access denied for this operation",
    404: "Endpoint not found",
    429: "Rate limit exceeded, please retry later",
    500: "An unexpected error occurred, please try again later",
}
NOT_FOUND = "The requested resource could not be located"

MISSING_KEY = (
    "No subscription key was sent. Send it in the 'Ocp-Apim-Subscription-Key' header "
    "(or as the 'subscription-key' query parameter)."
)
INVALID_KEY = "The subscription key is not valid for this gateway. Check the key you send."


class AppyPieDialect:
    """Errors as ``{"error": "<documented phrase>. <details>"}``."""

    def error(self, status: int, message: str) -> ApiError:
        phrase = DOCUMENTED.get(status)
        if phrase is None or message.startswith(phrase):
            text = message or f"HTTP {status}."
        else:
            text = f"{phrase}. {message}" if message else phrase
        return ApiError(status, {"error": text})

    def not_found(self, message: str) -> ApiError:
        """An unknown generation, in the shape of the docs' example error."""
        return ApiError(404, {"status": "NOT_FOUND", "error": f"{NOT_FOUND}. {message}"})


DIALECT = AppyPieDialect()


def rate_limited(refusal: RateLimited) -> ApiError:
    """429 with the documented phrase, the limit that was hit and ``Retry-After``."""
    wait = refusal.retry_after_seconds
    if refusal.kind == "rate":
        detail = f"This subscription may start {refusal.limit} videos a minute."
    else:
        detail = f"This subscription may have {refusal.limit} videos in progress at once."
    error = DIALECT.error(429, f"{detail} Retry after {wait} s.")
    error.headers["retry-after"] = str(wait)
    return error
