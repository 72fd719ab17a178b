"""Absolute URLs back to this server: its base URL as the client reached it, media files and
signed uploads."""

from __future__ import annotations

import functools
from contextvars import ContextVar
from typing import Any

from starlette.requests import Request
from starlette.types import Scope


def media_url(base_url: str, token: str, name: str) -> str:
    """An absolute URL on the server at ``base_url`` that serves the shipped media file ``name``."""
    return f"{base_url}_mockluma/media/{token}/{name}"


# The ASGI scope of the request being handled, for code that runs inside a request but is not
# handed the request (an order recording where its client reached the mock, say).
current_scope: ContextVar[Scope | None] = ContextVar("current_scope", default=None)


def request_base_url() -> str:
    """The root URL (ending in ``/``) by which the current request reached the mock."""
    scope = current_scope.get()
    if scope is None:
        return "http://mockluma.invalid/"
    return base_url_of(scope)


def base_url_of(request: Request | Scope) -> str:
    """``str(request.base_url)``, the root URL (ending in ``/``) the request reached us by.

    Starlette builds it from a copy of the scope and parses the Host header each time, which
    is a tenth of a GET's cost; it only depends on the four values below, so it is memoized
    on them (a bounded cache: Host headers are the client's to choose).
    """
    scope = request.scope if isinstance(request, Request) else request
    host = None
    for name, value in scope["headers"]:
        if name == b"host":
            host = bytes(value)
            break
    server = scope.get("server")
    return _base_url(
        scope.get("scheme", "http"),
        None if server is None else tuple(server),
        host,
        scope.get("app_root_path", scope.get("root_path", "")),
    )


@functools.lru_cache(maxsize=256)
def _base_url(
    scheme: str, server: tuple[Any, ...] | None, host: bytes | None, root_path: str
) -> str:
    scope: Scope = {
        "type": "http",
        "scheme": scheme,
        "server": server,
        "path": "/",
        "root_path": root_path,
        "query_string": b"",
        "headers": [] if host is None else [(b"host", host)],
    }
    return str(Request(scope).base_url)


UPLOADS_PATH = "/_mockluma/uploads"
"""Where each surface's storage host is mounted: ``/_mockluma/uploads/<surface name>``."""


def upload_url(request: Request, surface: str, token: str) -> str:
    """An absolute URL on this server that accepts a ``PUT`` for the upload ``token``."""
    return f"{base_url_of(request)}{UPLOADS_PATH.lstrip('/')}/{surface}/{token}"


__all__ = [
    "UPLOADS_PATH",
    "base_url_of",
    "current_scope",
    "media_url",
    "request_base_url",
    "upload_url",
]
