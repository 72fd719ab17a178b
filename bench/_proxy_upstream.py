"""The upstream of ``proxy_overhead.py``, in its own process: the mock, plus one route that
streams a large video, so a download can go through the proxy.

    python bench/_proxy_upstream.py

Binds a free loopback port, prints ``PORT <n>``, and serves (uvicorn's ``auto`` stack) until
SIGTERM or SIGINT. ``GET /dream-machine/v1/bench/download?bytes=N`` answers N bytes of
``video/mp4`` in 64 KiB chunks, made as they are sent; everything else is the mock's.
"""

from __future__ import annotations

import signal
import socket
from urllib.parse import parse_qsl

import uvicorn
from _common import DM, make_mock_app
from starlette.types import ASGIApp, Receive, Scope, Send

DOWNLOAD = f"{DM}/bench/download"
CHUNK = 64 * 1024


class WithDownload:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != DOWNLOAD:
            await self.app(scope, receive, send)
            return
        size = int(dict(parse_qsl(scope["query_string"].decode()))["bytes"])
        headers = [(b"content-type", b"video/mp4"), (b"content-length", str(size).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        chunk = b"\0" * CHUNK
        for offset in range(0, size, CHUNK):
            part = chunk if size - offset >= CHUNK else chunk[: size - offset]
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(SystemExit(0)))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(
        WithDownload(make_mock_app()), log_level="warning", access_log=False, lifespan="on"
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
