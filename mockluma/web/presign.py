"""Presigned storage URLs in the style of S3's query-string signatures, and storage's errors.

A URL carries a date, a lifetime in seconds and an HMAC over both and the path. Time is
simulated time, so "expires in an hour" means an hour of the mock's clock.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from starlette.responses import Response

_AMZ_DATE = "%Y%m%dT%H%M%SZ"


def presign(path: str, *, key: bytes, signed_at: float, expires_in: int) -> str:
    """The query string that makes ``path`` valid for ``expires_in`` seconds from ``signed_at``."""
    date = datetime.fromtimestamp(signed_at, UTC).strftime(_AMZ_DATE)
    return urlencode(
        {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Date": date,
            "X-Amz-Expires": str(expires_in),
            "X-Amz-Signature": _signature(key, path, date, str(expires_in)),
        }
    )


def is_presigned(query: Mapping[str, str]) -> bool:
    return any(name.lower().startswith("x-amz-") for name in query)


def presign_refusal(
    path: str, query: Mapping[str, str], *, key: bytes, now: float
) -> tuple[str, str] | None:
    """Why storage refuses this URL at ``now``, as S3's ``(code, message)``; ``None`` if valid."""
    date, lifetime = query.get("X-Amz-Date", ""), query.get("X-Amz-Expires", "")
    signature = query.get("X-Amz-Signature", "")
    if not (date and lifetime and signature):
        return "AccessDenied", "Query-string authentication requires a signature and an expiry."
    if not hmac.compare_digest(signature, _signature(key, path, date, lifetime)):
        return (
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    try:
        signed_at = datetime.strptime(date, _AMZ_DATE).replace(tzinfo=UTC).timestamp()
        expires_at = signed_at + int(lifetime)
    except ValueError:
        # Only someone who knows the key can sign values that presign() never writes.
        return "AuthorizationQueryParametersError", "X-Amz-Date or X-Amz-Expires is malformed."
    if now > expires_at:
        return "AccessDenied", "Request has expired"
    return None


def _signature(key: bytes, path: str, date: str, lifetime: str) -> str:
    message = f"{path}\n{date}\n{lifetime}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def storage_error(status: int, code: str, message: str) -> Response:
    """An error as a storage bucket words it: S3's XML ``<Error>`` document."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
    )
    return Response(body, status_code=status, media_type="application/xml")


__all__ = ["is_presigned", "presign", "presign_refusal", "storage_error"]
