"""An upstream on loopback for the proxy: the session's mock server, and a deviating upstream
built on it that breaks one rule at a time (a renamed field, a dropped header, a state moved
back, a 500, a hang). The proxy runs in a background thread in front of either."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from mockluma.handle import MockLuma
from mockluma.handle.server import ThreadedServer
from mockluma.proxy.running import ProxyServer

KEY = "luma-api-proxy-secret-0123456789"
"""Shaped as every surface accepts it; no recording may ever contain it."""
DROPPED = ("content-length", "transfer-encoding", "connection")


class Deviating:
    """An ASGI upstream that forwards to a mockluma server and breaks the answer as told.

    ``deviation`` is one of ``rename`` (``created_at`` → ``createdAt``), ``drop-header``
    (``X-Request-Id``), ``state-back`` (a terminal state reported as the first one again),
    ``gzip-rename`` (the same, gzipped), ``500``, ``hang`` (no answer until released), ``media`` (a video of ``?bytes=N`` bytes), or
    ``None`` (answers unchanged)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.url = ""
        """Where it listens (set once its server has started)."""
        self.deviation: str | None = None
        self.arrivals: list[tuple[str, str]] = []
        self.headers: list[dict[str, str]] = []
        """The headers of each request that arrived."""
        self.release = threading.Event()
        self._client: httpx.AsyncClient | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    self._client = httpx.AsyncClient()
                    await send({"type": "lifespan.startup.complete"})
                else:
                    assert self._client is not None
                    await self._client.aclose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        assert self._client is not None
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        self.arrivals.append((scope["method"], scope["path"]))
        self.headers.append({k.decode(): v.decode() for k, v in scope["headers"]})
        if self.deviation == "hang":
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        if self.deviation == "media":
            size = int(dict(parse_qsl(scope["query_string"].decode()))["bytes"])
            start = {"type": "http.response.start", "status": 200}
            start["headers"] = [(b"content-type", b"video/mp4"), (b"content-length", b"%d" % size)]
            await send(start)
            for offset in range(0, size, 65536):
                chunk = bytes([offset % 251]) * min(65536, size - offset)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
            return
        if self.deviation == "500":
            await _send(send, 500, [(b"content-type", b"text/html")], b"<h1>Internal error</h1>")
            return
        query = scope["query_string"].decode()
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in (b"host", *DROPPED)]
        answer = await self._client.request(
            scope["method"],
            self.upstream + scope["path"] + (f"?{query}" if query else ""),
            headers=headers,
            content=body,
        )
        out_headers = [
            (k, v) for k, v in answer.headers.raw if k.lower().decode() not in (*DROPPED,)
        ]
        content = answer.content
        if self.deviation == "drop-header":
            out_headers = [(k, v) for k, v in out_headers if k.lower() != b"x-request-id"]
        if self.deviation in ("rename", "gzip-rename", "state-back") and "json" in (
            answer.headers.get("content-type", "")
        ):
            content = json.dumps(self._bend(answer.json())).encode()
        if self.deviation == "gzip-rename":
            content = gzip.compress(content)
            out_headers.append((b"content-encoding", b"gzip"))
        await _send(send, answer.status_code, out_headers, content)

    def _bend(self, body: Any) -> Any:
        if isinstance(body, dict):
            if self.deviation in ("rename", "gzip-rename") and "created_at" in body:
                body["createdAt"] = body.pop("created_at")
            if self.deviation == "state-back" and body.get("state") == "completed":
                body["state"] = "dreaming"
        return body


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="session")
def deviating_server(luma_server: MockLuma) -> Iterator[tuple[ThreadedServer, Deviating]]:
    app = Deviating(luma_server.url)
    server = ThreadedServer(app)
    server.start()
    yield server, app
    app.release.set()
    server.stop()


@pytest.fixture
def deviating(
    deviating_server: tuple[ThreadedServer, Deviating], luma: MockLuma
) -> Iterator[Deviating]:
    """The deviating upstream, honest until told otherwise (the mock behind it reset)."""
    server, app = deviating_server
    app.deviation = None
    app.arrivals.clear()
    app.release.clear()
    app.url = server.url
    yield app
    app.release.set()
    app.deviation = None


@pytest.fixture
def recordings(tmp_path: Path) -> Path:
    return tmp_path / "recordings"


@pytest.fixture
def proxy(luma: MockLuma, recordings: Path) -> Iterator[ProxyServer]:
    """The proxy in front of the session's mock server, recording."""
    with ProxyServer({"all": luma.url}, record=recordings) as running:
        yield running


@pytest.fixture
def bent_proxy(deviating: Deviating, recordings: Path) -> Iterator[ProxyServer]:
    """The proxy in front of the deviating upstream, recording, with a short timeout."""
    with ProxyServer({"all": deviating.url}, record=recordings, timeout=0.5) as running:
        yield running
