"""The ASGI layer that applies fault rules and in-band triggers to each request.

It sits outside Starlette's own error handling, so it can break an exchange the way a network
does: reset the TCP connection, close it without a byte, or cut a body short. For that it needs
the connection's transport, which :class:`~mockluma.app.MockApp` finds on uvicorn's ``send``
and leaves in the scope. In-process (no socket) the same faults are raised as the httpx
transport errors a client would see.

What it plans for a job the request may create (generation rules that matched, a failure
trigger) it notes in the request's scope (:mod:`mockluma.web.planned_faults`), where the route
that creates the job finds it.

Cost when nothing is configured: a few comparisons per request (and, for create-like requests
while in-band triggers are on, a look at the body). Request bodies are only buffered
for create-like requests (POST/PUT/PATCH with a JSON or form body), and only parsed when a rule
needs a body field or a ``[mockluma:`` marker is present.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import time
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import parse_qsl

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockluma.engine.faults import (
    Decision,
    Dribble,
    ExchangeFacts,
    HttpError,
    NetworkFault,
    PlannedFaults,
    RuleError,
)
from mockluma.engine.triggers import (
    TRIGGER_MARK,
    Triggers,
    find_markers,
    parse_triggers,
)
from mockluma.surfaces import Context, Surface
from mockluma.web.auth import bearer_key
from mockluma.web.errors import Dialect
from mockluma.web.planned_faults import plan_faults

TRANSPORT_KEY = "mockluma.transport"
# The control API is never subject to fault rules or triggers: a catch-all rule must not lock
# the user out of the call that removes it. Media, uploads and storage routes stay in scope.
_CONTROL_PATHS = tuple(
    f"/_mockluma/{name}"
    for name in ("health", "reset", "clock", "journal", "faults", "limits", "callbacks", "inbox")
)
_BODY_METHODS = frozenset(("POST", "PUT", "PATCH"))
_NO_TRIGGERS = Triggers()
_REASONS = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    408: "Request timeout",
    409: "Conflict",
    422: "Unprocessable entity",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


class FaultLayer:
    def __init__(
        self,
        app: ASGIApp,
        ctx: Context,
        surface_for: Callable[[str], Surface | None],
        fallback: Dialect,
    ) -> None:
        self.app = app
        self.ctx = ctx
        self.surface_for = surface_for
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_CONTROL_PATHS):
            await self.app(scope, receive, send)
            return
        if not self.ctx.faults and not (
            scope["method"] in _BODY_METHODS and self.ctx.config.triggers
        ):
            await self.app(scope, receive, send)  # nothing to apply: no frame more
        else:
            await self._handle(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        book = self.ctx.faults
        method: str = scope["method"]
        path: str = scope["path"]
        triggers_on = self.ctx.config.triggers
        wants_body = method in _BODY_METHODS and (triggers_on or len(book) > 0)
        if not book and not wants_body:
            await self.app(scope, receive, send)
            return
        found = self.surface_for(path)
        surface = None if found is None else found.name
        dialect = self.fallback if found is None else found.dialect
        # Each API reads its key its own way; elsewhere (media) a bearer token is the key.
        read_key = bearer_key if found is None else found.api_key
        body: Any = None
        triggers = _NO_TRIGGERS
        if wants_body and _may_be_read(scope):
            receive, raw = await _buffer(receive, self.ctx.config.max_body_bytes)
            form = raw is not None and _is_form(scope) and not _looks_like_json(raw)
            has_marker = triggers_on and raw is not None and _has_marker(raw, form)
            if raw is not None and (has_marker or book.needs_body(surface)):
                body = _parse(raw, form)
            if has_marker:
                try:
                    triggers = parse_triggers(find_markers(body))
                except RuleError as exc:
                    await dialect.error(400, str(exc)).response()(scope, receive, send)
                    return
        decision = (
            book.on_request(ExchangeFacts(surface, method, path, read_key(scope), body))
            if book
            else Decision()
        )
        if decision.generation or triggers.generation is not None:
            plan_faults(scope, PlannedFaults(decision.generation, triggers.generation))
        await self._apply(scope, receive, send, decision, triggers, dialect)

    async def _apply(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        decision: Decision,
        triggers: Triggers,
        dialect: Dialect,
    ) -> None:
        effect = triggers.effect or decision.effect
        latency = triggers.latency or decision.latency
        started = time.monotonic()
        if latency:
            send = _delayed(send, started + latency)
        if isinstance(effect, HttpError):
            error = dialect.error(effect.status, _message(effect, decision.rule))
            error.headers.update(effect.headers)
            await error.response()(scope, receive, send)
        elif isinstance(effect, NetworkFault):
            await _network_fault(self.app, scope, receive, send, effect)
        elif isinstance(effect, Dribble):
            await self.app(scope, receive, _dribbling(send, effect))
        else:
            await self.app(scope, receive, send)


def _message(effect: HttpError, rule: str | None) -> str:
    if effect.message is not None:
        return effect.message
    reason = _REASONS.get(effect.status, f"Error {effect.status}")
    source = f"fault rule '{rule}'" if rule else "a [mockluma:...] trigger"
    return f"{reason} (injected by mockluma: {source})."


def _content_type(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bytes(value).lower()
    return b""


def _is_form(scope: Scope) -> bool:
    return _content_type(scope).startswith(b"application/x-www-form-urlencoded")


def _may_be_read(scope: Scope) -> bool:
    # Bodies an API may read as JSON or a form (curl -d sends JSON as a form; the APIs read it
    # as JSON anyway). Uploads (multipart, binary, no declared type) stream through untouched.
    kind = _content_type(scope)
    return b"json" in kind or kind.startswith((b"application/x-www-form-urlencoded", b"text/"))


def _looks_like_json(raw: bytes) -> bool:
    return raw.lstrip()[:1] in (b"{", b"[")


def _has_marker(raw: bytes, form: bool) -> bool:
    return TRIGGER_MARK in raw or (form and b"%5Bmockluma%3A" in raw.replace(b"%5b", b"%5B"))


def _parse(raw: bytes, form: bool) -> Any:
    try:
        if form:
            return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None  # the route answers a body it cannot read in its own dialect


async def _buffer(receive: Receive, limit: int) -> tuple[Receive, bytes | None]:
    """Read the body (up to ``limit`` bytes) and a ``receive`` that replays it to the app."""
    messages: list[Message] = []
    size = 0
    complete = False
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            complete = True
            break
        if size > limit:
            break
    raw = b"".join(m.get("body", b"") for m in messages) if complete and size <= limit else None
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay, raw


def _delayed(send: Send, until: float) -> Send:
    """``send`` that holds the response's first message until the monotonic time ``until``."""
    waited = False

    async def delayed_send(message: Message) -> None:
        nonlocal waited
        if not waited:
            waited = True
            remaining = until - time.monotonic()
            if remaining > 0:
                await asyncio.sleep(remaining)
        await send(message)

    return delayed_send


def _dribbling(send: Send, dribble: Dribble) -> Send:
    async def dribbling_send(message: Message) -> None:
        if message["type"] != "http.response.body":
            await send(message)
            return
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        size = dribble.chunk_bytes
        chunks = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more or not last})
            if not last or more:
                await asyncio.sleep(dribble.interval)

    return dribbling_send


# -- network faults ------------------------------------------------------------------------


class _Captured:
    """The response an app produced, kept instead of sent."""

    def __init__(self) -> None:
        self.start: Message | None = None
        self.body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.body.extend(message.get("body", b""))


async def _network_fault(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, fault: NetworkFault
) -> None:
    if fault.fault == "timeout":
        if await _client_gone_within(receive, fault.seconds):
            return
        await app(scope, receive, send)
        return
    captured = _Captured()
    if fault.after_handler or fault.fault == "truncated":
        await app(scope, receive, captured.send)
    transport: asyncio.Transport | None = scope.get(TRANSPORT_KEY)
    if fault.fault == "malformed":
        await _send_malformed(send)
    elif fault.fault == "truncated" and captured.start is not None:
        await _send_truncated(scope, send, transport, captured)
    elif fault.fault == "reset":
        await _drop(transport, reset=True)
    else:  # empty: close without answering
        await _drop(transport, reset=False)


async def _client_gone_within(receive: Receive, seconds: float) -> bool:
    """Wait ``seconds`` (wall clock) unless the client hangs up first; report which."""

    async def hang_up() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    try:
        await asyncio.wait_for(hang_up(), timeout=seconds)
    except TimeoutError:
        return False
    return True


async def _send_malformed(send: Send) -> None:
    body = b'{"id": "mockluma-malformed", "state": '
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _send_truncated(
    scope: Scope, send: Send, transport: asyncio.Transport | None, captured: _Captured
) -> None:
    assert captured.start is not None
    body = bytes(captured.body)
    headers = [(k, v) for k, v in captured.start.get("headers", []) if k != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    if transport is None:
        raise httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body (mockluma: truncated)"
        )
    await send({**captured.start, "headers": headers})
    await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
    await _drop(transport, reset=False)


async def _drop(transport: asyncio.Transport | None, *, reset: bool) -> None:
    if transport is None:
        # In-process: raise what httpx raises for the same failure on a socket.
        if reset:
            raise httpx.ReadError("[Errno 104] Connection reset by peer (mockluma: reset)")
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response. (mockluma: empty)"
        )
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Linger 0: closing sends RST instead of FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
    # Let the server notice the connection is gone before the app returns, so it does not try
    # to answer with a 500 of its own.
    for _ in range(3):
        await asyncio.sleep(0)


def find_transport(send: Callable[..., Any]) -> asyncio.Transport | None:
    """The asyncio transport behind uvicorn's ``send`` (its request cycle holds it), if any.

    uvloop's transports do not derive from :class:`asyncio.Transport`, so any object with
    the three methods the faults use counts.
    """
    transport: object = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None and _is_transport(transport.__class__):
        return cast(asyncio.Transport, transport)
    return None


_TRANSPORT_CLASSES: dict[type, bool] = {}
"""Whether each class seen is a transport: a handful of classes, asked about on every request."""


def _is_transport(kind: type) -> bool:
    known = _TRANSPORT_CLASSES.get(kind)
    if known is None:
        known = _TRANSPORT_CLASSES[kind] = issubclass(kind, asyncio.Transport) or all(
            callable(getattr(kind, name, None)) for name in ("abort", "close", "get_extra_info")
        )
    return known
