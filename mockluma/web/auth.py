"""How a request presents its API key."""

from __future__ import annotations

import functools

from starlette.requests import Request


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or ``None``."""
    for name, value in request.scope["headers"]:  # as request.headers.get, without building it
        if name == b"authorization":
            return _bearer(bytes(value))
    return None


@functools.lru_cache(maxsize=1024)  # a client sends the same header every time; keys are many
def _bearer(header: bytes) -> str | None:
    scheme, _, token = header.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def note_api_key(request: Request, key: str) -> None:
    """Record the key the caller presented, for the journal, when it is not a bearer token."""
    request.state.api_key = key


__all__ = ["bearer_token", "note_api_key"]
