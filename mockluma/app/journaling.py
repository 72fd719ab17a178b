"""ASGI middleware that records every API exchange in the journal.

It wraps ``receive`` and ``send`` rather than using Starlette's request objects, so recording
adds two list appends per message and one journal entry per exchange. Control calls under
``/_mockluma/`` are not recorded, except media downloads and uploads to signed URLs; neither
body of those is kept (the files are shipped fixtures, and uploads are never stored).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockluma.engine.journal import BODY_LIMIT
from mockluma.surfaces import Context, Surface
from mockluma.web.auth import bearer_key

_ADMIN = "/_mockluma/"
_MEDIA = "/_mockluma/media/"
_UPLOADS = "/_mockluma/uploads/"


class JournalMiddleware:
    def __init__(
        self, app: ASGIApp, ctx: Context, surface_for: Callable[[str], Surface | None]
    ) -> None:
        self.app = app
        self.ctx = ctx
        self.surface_for = surface_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or (
            path.startswith(_ADMIN) and not path.startswith((_MEDIA, _UPLOADS))
        ):
            await self.app(scope, receive, send)
            return
        request_body: list[bytes] = []
        response_body: list[bytes] = []
        status = 0
        content_type = ""
        recorded = False
        keep_request, keep_response = not path.startswith(_UPLOADS), not path.startswith(_MEDIA)
        surface = self.surface_for(path)
        # Each API reads its key its own way; elsewhere (media) a bearer token is the key.
        read_key = bearer_key if surface is None else surface.api_key

        def record() -> None:
            nonlocal recorded
            recorded = True
            self.ctx.journal.record(
                at=self.ctx.simulation.now(),
                method=scope["method"],
                path=path,
                query=scope.get("query_string", b"").decode("latin-1"),
                api_key=read_key(scope),
                status=status,
                request_body=b"".join(request_body) if request_body else b"",
                response_body=b"".join(response_body) if response_body else b"",
                response_type=content_type,
            )

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request" and keep_request:
                request_body.append(message.get("body", b"")[:BODY_LIMIT])
            return message

        async def send_and_keep(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                empty = False
                for name, value in message.get("headers", []):
                    if name == b"content-type":
                        content_type = value.decode("latin-1")
                    elif name == b"content-length":
                        empty = value == b"0"
                # A client has the whole of an empty response once it has the headers.
                if empty and not recorded:
                    record()
            elif message["type"] == "http.response.body":
                if keep_response:
                    response_body.append(message.get("body", b"")[:BODY_LIMIT])
                # Record before the last chunk leaves, so that a client that has its answer
                # always finds the exchange in the journal.
                if not message.get("more_body", False) and not recorded:
                    record()
            await send(message)

        try:
            await self.app(scope, receive_and_keep, send_and_keep)
        finally:
            if not recorded:
                record()
