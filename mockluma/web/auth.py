"""How a request presents its API key.

A :data:`KeyReader` reads the key from a request's ASGI scope, the way one API expects it; each
surface names its reader (:attr:`mockluma.surfaces.Surface.api_key`), and the journal and the
fault rules (``match.api_key``) use it before any route runs. Whether the key is *accepted* is
the surface's routes' business: a reader only says which key was sent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import Scope

KeyReader = Callable[[Scope], str | None]
"""The key a request presents, read from its ASGI scope; ``None`` when it presents none."""


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or ``None``."""
    return bearer_key(request.scope)


def bearer_key(scope: Scope) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or ``None``."""
    for name, value in scope["headers"]:  # as request.headers.get, without building it
        if name == b"authorization":
            return _bearer(bytes(value))
    return None


@functools.lru_cache(maxsize=1024)  # a client sends the same header every time; keys are many
def _bearer(header: bytes) -> str | None:
    scheme, _, token = header.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authorization_key(scheme: str) -> KeyReader:
    """A reader of ``Authorization: <scheme><key>`` (Captures v2: ``luma-api-key=<key>``)."""
    prefix = scheme.encode("latin-1")

    @functools.lru_cache(maxsize=1024)
    def key_in(header: bytes) -> str | None:
        if not header.startswith(prefix):
            return None
        return header.removeprefix(prefix).decode("latin-1").strip() or None

    def read(scope: Scope) -> str | None:
        for name, value in scope["headers"]:
            if name == b"authorization":
                return key_in(bytes(value))
        return None

    return read


def header_or_query_key(header: str, parameter: str) -> KeyReader:
    """A reader of the key in ``header``, or else in the query ``parameter`` (as Azure API
    Management takes a subscription key)."""
    name_bytes = header.lower().encode("latin-1")
    marker = f"{parameter}=".encode("latin-1")

    def read(scope: Scope) -> str | None:
        for name, value in scope["headers"]:
            if name == name_bytes:
                key = bytes(value).decode("latin-1").strip()
                if key:
                    return key
                break
        query: bytes = scope.get("query_string", b"")
        if marker not in query:
            return None
        found = None
        for field, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if field == parameter:
                found = value  # the last one counts, as in Starlette's query_params
        return None if found is None else found.strip() or None

    return read


__all__ = [
    "KeyReader",
    "authorization_key",
    "bearer_key",
    "bearer_token",
    "header_or_query_key",
]
