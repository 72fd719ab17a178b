"""Checks on what AppyPie clients send: the shipped JSON Schema, then the rules it cannot say.

Every refusal is a 400 (the only client-error status AppyPie documents for bad input) whose
sentence names the field.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from mockluma.schemas import store as schema_store
from mockluma.surfaces.appypie.errors import DIALECT


def conform(schema: str, body: Any) -> dict[str, Any]:
    """``body`` if it matches ``schemas/appypie/<schema>``; a 400 naming the field if not."""
    problem = schema_store.first_error(f"appypie/{schema}", body)
    if problem is not None:
        raise DIALECT.error(400, schema_store.describe(problem))
    assert isinstance(body, dict)
    prompt = body.get("prompt")
    if isinstance(prompt, str) and not prompt.strip():
        raise DIALECT.error(400, "Field 'prompt' is blank. Describe the video you want.")
    return body


def check_image_url(url: str) -> None:
    """The start frame of an image-to-video request must be a URL the gateway could fetch."""
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid:
        raise DIALECT.error(
            400, f"Field 'url' must be an absolute http or https URL of an image, not {url[:80]!r}."
        )


def request_id(body: dict[str, Any]) -> str:
    """The generation a status call asks about: ``task_id`` (the examples) or ``requestId``."""
    value = body.get("task_id", body.get("requestId"))
    assert isinstance(value, str)
    return value
