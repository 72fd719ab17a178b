"""The proxy itself: a plain ASGI app that forwards each request and streams the answer back.

Bodies flow through in chunks both ways (``httpx`` streaming, ``aiter_raw`` so that the client
gets the upstream's bytes and ``Content-Encoding`` unchanged); the proxy keeps a copy of at
most :data:`INSPECT_LIMIT` bytes of each for its checks, and of a media body only what
``--record-media`` allows, so memory stays flat whatever the size. The exchange is inspected
and recorded after its last byte has gone to the client, off the client's clock.

The one change made to a request is to ``Accept-Encoding``, cut down to gzip and deflate so that
a compressed body can still be read for its checks; headers and bodies are otherwise forwarded
as they are (hop-by-hop headers aside), and the upstream sees its own ``Host``.

When the upstream cannot be reached or does not answer in time, the client gets 502 or 504 in
the surface's own error dialect, naming the upstream. Nothing is ever retried: the transport
has no retries, and a POST that failed may have started billable work upstream.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

import httpx
from starlette.types import Message, Receive, Scope, Send

from mockluma.proxy.inspection import Exchange, Inspector, report_json
from mockluma.proxy.recording import Recorder
from mockluma.proxy.targets import Mount, find_mount

INSPECT_LIMIT = 2 * 1024 * 1024
"""Bytes of a body kept for the checks; a larger body is forwarded but not judged as a body."""
SMALL_BODY = 256 * 1024
"""A request body with a Content-Length up to this is read whole before forwarding."""
REPORT_PATH = "/_mockluma/proxy/report"
# Hop-by-hop headers (RFC 9110 §7.6.1) are the proxy's business, not the endpoints'.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
_NOT_FORWARDED = HOP_BY_HOP | {b"host"}


@dataclass(frozen=True, slots=True)
class ProxySettings:
    timeout: float = 120.0
    """Seconds to wait for the upstream to connect, or for each read or write."""
    connect_timeout: float = 10.0


class Proxy:
    """``Proxy(mounts, inspector)`` is an ASGI app; ``say`` prints each violation's line."""

    def __init__(
        self,
        mounts: Sequence[Mount],
        inspector: Inspector,
        *,
        recorder: Recorder | None = None,
        settings: ProxySettings = ProxySettings(),
        say: Callable[[str], None] = print,
        target: str = "the upstreams",
    ) -> None:
        self.mounts = mounts
        self.inspector = inspector
        self.recorder = recorder
        self.settings = settings
        self.say = say
        self.target = target
        self.transport: httpx.AsyncHTTPTransport | None = None
        self._timeout = httpx.Timeout(settings.timeout, connect=settings.connect_timeout).as_dict()
        self.pending = 0
        """Exchanges under way: forwarded, or answered but not yet inspected and recorded."""
        self._sequence = recorder.last_sequence if recorder is not None else 0

    def _transport(self) -> httpx.AsyncHTTPTransport:
        # httpx's transport without its client: no default headers added to what the client
        # sent, no cookies, no redirects followed (the client sees them, as from the API), and
        # a third less work per request.
        if self.transport is None:
            self.transport = httpx.AsyncHTTPTransport(
                # No retries: a request that failed is the client's to repeat, never the proxy's.
                retries=0,
                limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            )
        return self.transport

    async def aclose(self) -> None:
        if self.transport is not None:
            await self.transport.aclose()
            self.transport = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path == REPORT_PATH:
            # Exchanges already answered are inspected just after; wait for them, briefly.
            for _ in range(200):
                if not self.pending:
                    break
                await asyncio.sleep(0.005)
            body = report_json(
                self.inspector.report(self.target),
                self.inspector.violations,
                self.inspector.exchanges,
            ).encode()
            await _answer(send, 200, body)
            return
        mount = find_mount(self.mounts, path)
        if mount is None:
            prefixes = ", ".join(sorted(m.prefix for m in self.mounts))
            message = (
                f"mockluma proxy forwards only the API prefixes ({prefixes}); {path} is under "
                "none of them. Point the SDK's base URL at one of those prefixes."
            )
            await _answer(send, 404, json.dumps({"detail": message}).encode())
            return
        await self._forward(mount, scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._transport()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _forward(self, mount: Mount, scope: Scope, receive: Receive, send: Send) -> None:
        self._sequence += 1
        self.pending += 1
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        relative = raw_path.decode("latin-1")[len(mount.prefix) :]
        query = scope.get("query_string", b"").decode("latin-1")
        url = mount.upstream + relative + (f"?{query}" if query else "")
        headers = [
            (name, _readable_codings(value) if name.lower() == b"accept-encoding" else value)
            for name, value in scope["headers"]
            if name.lower() not in _NOT_FORWARDED
        ]
        exchange = Exchange(
            sequence=self._sequence,
            surface=mount.name,
            mount=mount.mount,
            method=scope["method"],
            path=scope["path"][len(mount.prefix) :] or "/",
            query=query,
            request_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers],
            request_body=b"",
            request_complete=True,
            started_at=time.time(),
            upstream=mount.upstream + relative,
        )
        started = time.perf_counter()
        try:
            content = await self._request_body(scope, receive, exchange)
            request = httpx.Request(
                scope["method"],
                url,
                headers=headers,
                content=content,
                extensions={"timeout": self._timeout},
            )
            try:
                response = await self._transport().handle_async_request(request)
            except httpx.TimeoutException as exc:
                sentence = _timeout_sentence(mount, exc, self)
                await self._failed(mount, exchange, send, 504, sentence)
                return
            except httpx.HTTPError as exc:
                await self._failed(mount, exchange, send, 502, _unreachable_sentence(mount, exc))
                return
            try:
                await self._relay(response, exchange, send)
            finally:
                await response.aclose()
        finally:
            # Once per exchange, however it ended (a client gone mid-body included).
            exchange.seconds = time.perf_counter() - started
            self._done(exchange)

    async def _request_body(
        self, scope: Scope, receive: Receive, exchange: Exchange
    ) -> bytes | AsyncIterator[bytes] | None:
        declared = _header(scope, b"content-length")
        chunked = _header(scope, b"transfer-encoding") is not None
        if declared is not None and declared.isdigit() and int(declared) <= SMALL_BODY:
            parts = []
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    break
                parts.append(message.get("body", b""))
                more = message.get("more_body", False)
            exchange.request_body = b"".join(parts)
            return exchange.request_body
        if declared is None and not chunked:
            return None

        async def stream() -> AsyncIterator[bytes]:
            kept = bytearray()
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                more = message.get("more_body", False)
                if len(kept) < INSPECT_LIMIT:
                    kept += chunk[: INSPECT_LIMIT - len(kept)]
                else:
                    exchange.request_complete = False
                if chunk:
                    yield chunk
            exchange.request_body = bytes(kept)

        return stream()

    async def _relay(self, response: httpx.Response, exchange: Exchange, send: Send) -> None:
        exchange.status = response.status_code
        raw_headers = [
            (name, value) for name, value in response.headers.raw if name.lower() not in HOP_BY_HOP
        ]
        exchange.response_headers = [
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in raw_headers
        ]
        await send(
            {"type": "http.response.start", "status": response.status_code, "headers": raw_headers}
        )
        media = not (exchange.is_json() or exchange.content_type().startswith("text/"))
        limit = INSPECT_LIMIT
        if media:
            limit = self.recorder.media_cap if self.recorder is not None else 0
        kept = bytearray()
        size = 0
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)
        try:
            async for chunk in stream:
                size += len(chunk)
                if size <= limit:
                    kept += chunk
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except httpx.HTTPError as exc:
            exchange.failure = (
                f"The upstream {exchange.upstream} broke off its answer after {size} bytes "
                f"({type(exc).__name__}); the client got a truncated body."
            )
            exchange.response_size = size
            exchange.response_complete = False
            raise
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        exchange.response_size = size
        exchange.response_complete = size <= limit
        exchange.response_body = bytes(kept) if exchange.response_complete else b""

    async def _failed(
        self, mount: Mount, exchange: Exchange, send: Send, status: int, sentence: str
    ) -> None:
        error = mount.dialect.error(status, sentence)
        body = json.dumps(error.body).encode()
        exchange.failure = sentence
        exchange.status = status
        await _answer(send, status, body, error.headers)

    def _done(self, exchange: Exchange) -> None:
        self.pending -= 1
        for violation in self.inspector.inspect(exchange):
            self.say(violation.line())
        if exchange.failure:
            self.say(
                f"UPSTREAM #{exchange.sequence} {exchange.method} {exchange.upstream}: "
                f"{exchange.failure}"
            )
        if self.recorder is not None:
            try:
                self.recorder.record(exchange)
            except OSError as exc:
                self.say(f"mockluma proxy: could not write recording #{exchange.sequence}: {exc}")


def _readable_codings(accepted: bytes) -> bytes:
    """``Accept-Encoding`` cut down to the codings the proxy can undo to check a body (the one
    change it makes to a request: an API that would have compressed with Brotli uses gzip)."""
    kept = [
        part
        for part in accepted.split(b",")
        if part.split(b";")[0].strip().lower() in (b"gzip", b"x-gzip", b"deflate", b"identity")
    ]
    return b",".join(kept).strip() or b"identity"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _timeout_sentence(mount: Mount, exc: httpx.TimeoutException, proxy: Proxy) -> str:
    what = {
        httpx.ConnectTimeout: "connect",
        httpx.ReadTimeout: "answer",
        httpx.WriteTimeout: "take the request",
        httpx.PoolTimeout: "free a connection",
    }.get(type(exc), "answer")
    return (
        f"The upstream {mount.upstream} did not {what} within {proxy.settings.timeout:g} s, so "
        "mockluma proxy gave up. It does not retry on its own: try again, or raise --timeout."
    )


def _unreachable_sentence(mount: Mount, exc: httpx.HTTPError) -> str:
    reason = str(exc) or type(exc).__name__
    return (
        f"mockluma proxy could not get an answer from the upstream {mount.upstream} ({reason}). "
        f"Check that it is up and that --target {mount.name}=URL points at it."
    )


async def _answer(
    send: Send, status: int, body: bytes, headers: dict[str, str] | None = None
) -> None:
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()),
    ]
    start: Message = {"type": "http.response.start", "status": status, "headers": raw}
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})


__all__ = ["INSPECT_LIMIT", "REPORT_PATH", "Proxy", "ProxySettings"]
