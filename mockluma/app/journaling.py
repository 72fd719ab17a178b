"""ASGI middleware that records every API exchange in the journal.

It wraps ``receive`` and ``send`` rather than using Starlette's request objects, so recording
adds two list appends per message and one journal entry per exchange. Control calls under
``/_mockluma/`` are not recorded, except media downloads and uploads to signed URLs; neither
body of those is kept (the files are shipped fixtures, and uploads are never stored).

Only the first :data:`~mockluma.engine.journal.BODY_LIMIT` bytes of each body are held, while
the whole size is counted. A client that hangs up before it gets its answer leaves an entry
marked ``abandoned`` with a short head of what it sent, never a 500.
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
        request_size = response_size = request_kept = response_kept = 0
        status = 0
        content_type = ""
        recorded = False
        abandoned = False
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
                input_media=scope.get("state", {}).get("input_media"),
                request_size=request_size,
                response_size=response_size,
                abandoned=abandoned,
            )

        async def receive_and_keep() -> Message:
            nonlocal request_size, request_kept, abandoned
            message = await receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                request_size += len(body)
                if keep_request and request_kept < BODY_LIMIT:
                    piece = body[: BODY_LIMIT - request_kept]
                    request_body.append(piece)
                    request_kept += len(piece)
            elif message["type"] == "http.disconnect" and status == 0:
                abandoned = True  # gone before its answer started
            return message

        async def send_and_keep(message: Message) -> None:
            nonlocal status, content_type, response_size, response_kept
            if abandoned:  # an answer to nobody (the handler saw the hang-up): not sent
                return
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
                body = message.get("body", b"")
                response_size += len(body)
                if keep_response and response_kept < BODY_LIMIT:
                    piece = body[: BODY_LIMIT - response_kept]
                    response_body.append(piece)
                    response_kept += len(piece)
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
