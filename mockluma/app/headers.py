"""ASGI middleware that adds a surface's own headers to every response under its prefix.

Some APIs stamp every answer, errors included (the Agents API sends ``X-Request-Id`` and
``X-API-Version`` on all of them). Doing it here, below the error handlers, covers the 404s and
405s of the router as well as each handler's own responses.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockluma.surfaces import Surface


class SurfaceHeadersMiddleware:
    def __init__(self, app: ASGIApp, surface_for: Callable[[str], Surface | None]) -> None:
        self.app = app
        self.surface_for = surface_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        surface = self.surface_for(scope.get("path", "")) if scope["type"] == "http" else None
        if surface is None or surface.response_headers is None:
            await self.app(scope, receive, send)
            return
        extra = surface.response_headers(Headers(scope=scope))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
