"""How the Captures API words its errors: ``{"error": "<sentence>"}``.

Luma never published an error body for this API, and ``lumaapi`` only calls
``raise_for_status()``, so status codes matter and bodies are for people. The shape is the
mock's choice (the API ran on Express, where this shape is the common one); every message says
what to do next. The same dialect answers on the mock's storage host, where the real service
was Google Cloud Storage and answered in XML.
"""

from __future__ import annotations

from mockluma.web.errors import ApiError

AUTH_SCHEME = "luma-api-key="
MISSING_API_KEY = (
    "No API key was sent. Send your key in the header 'Authorization: luma-api-key=<key>'."
)
MALFORMED_AUTHORIZATION = (
    "The Authorization header is not a Luma API key. Send 'Authorization: luma-api-key=<key>'."
)
INVALID_API_KEY = (
    "This API key is not valid. Use a key from your Luma API dashboard (on the mock, one of the "
    "keys it was started with)."
)


class CapturesDialect:
    """Errors as ``{"error": message}``."""

    def error(self, status: int, message: str) -> ApiError:
        return ApiError(status, {"error": message})


DIALECT = CapturesDialect()


def bad_request(message: str) -> ApiError:
    return DIALECT.error(400, message)


def not_found(slug: str) -> ApiError:
    return DIALECT.error(
        404, f"Capture {slug} not found. Check the slug and the API key it was made with."
    )
