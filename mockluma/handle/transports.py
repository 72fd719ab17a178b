"""httpx transports that reach the app in-process, with no socket.

``httpx.ASGITransport`` serves async clients on the caller's own event loop. Sync clients (such
as ``lumaai.LumaAI``) get :class:`SyncASGITransport`, which runs each exchange on the mock's
background loop and waits for it.
"""

from __future__ import annotations

import httpx
from starlette.types import ASGIApp

from mockluma.handle.server import LoopThread


class SyncASGITransport(httpx.BaseTransport):
    """A synchronous httpx transport that calls an ASGI app on a background event loop."""

    def __init__(self, app: ASGIApp, loop: LoopThread) -> None:
        self._transport = httpx.ASGITransport(app=app)
        self._loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def exchange() -> tuple[int, httpx.Headers, bytes]:
            response = await self._transport.handle_async_request(request)
            body = await response.aread()
            return response.status_code, response.headers, body

        status, headers, body = self._loop.run(exchange())
        # The body is already decoded by the app; drop the header so httpx does not decode again.
        headers = httpx.Headers(
            [(k, v) for k, v in headers.multi_items() if k != "content-encoding"]
        )
        return httpx.Response(status, headers=headers, content=body, request=request)
