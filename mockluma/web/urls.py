"""Absolute URLs back to this server: its base URL as the client reached it, media files and
signed uploads."""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.types import Scope


def media_url(base_url: str, token: str, name: str) -> str:
    """An absolute URL on the server at ``base_url`` that serves the shipped media file ``name``."""
    return f"{base_url}_mockluma/media/{token}/{name}"


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
    "media_url",
    "upload_url",
]
