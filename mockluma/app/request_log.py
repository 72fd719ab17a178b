"""The dev server's request log: one line per request, written off the request path.

:class:`RequestLogMiddleware` wraps the whole app and, for each HTTP exchange, puts one small
tuple on a :class:`queue.SimpleQueue`: the wall-clock time, method, path, query, status,
duration, the first bytes of each body, and what the fault layer applied (it leaves that in the
scope under :data:`APPLIED_KEY`). Nothing is formatted and nothing is written there.

:class:`RequestLogWriter` is a thread that takes the tuples off the queue, works out the API and
the generation id, formats each as a line (plain, coloured when the stream is a terminal, or
JSON) and writes them in batches, at most twenty times a second. A client that floods the
server therefore pays for a queue put per request, not for a write or a thread switch.

    12:04:31.218 dream-machine POST /dream-machine/v1/generations/video 201 1.4ms gen=4f0e1c2a-…
"""

from __future__ import annotations

import json
import os
import queue
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal, TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockluma.engine.faults import Dribble, Effect, GenerationFault, HttpError, NetworkFault

APPLIED_KEY = "mockluma.applied"
"""Scope key under which the fault layer names the fault rule or trigger it applied."""

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json")

_HEAD = 4096  # bytes of each body kept to find an id in; ids come early in every API's JSON
_STOP = None

# (wall time, method, path, query, status, seconds, request head, response head, applied)
Entry = tuple[float, str, str, bytes, int, float, bytes, bytes, "str | None"]

_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ID_FIELD = re.compile(rb'"(?:id|requestId|task_id|slug)"\s*:\s*"([^"]{1,100})"')


class RequestLogMiddleware:
    """Hands one entry per HTTP exchange to ``sink`` (a queue's ``put``)."""

    def __init__(self, app: ASGIApp, sink: Callable[[Entry], None]) -> None:
        self.app = app
        self.sink = sink

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        request_head = b""
        response_head = b""
        logged = False

        def log() -> None:
            nonlocal logged
            logged = True
            self.sink(
                (
                    time.time(),
                    scope["method"],
                    scope["path"],
                    scope.get("query_string", b""),
                    status,
                    time.perf_counter() - started,
                    request_head,
                    response_head,
                    scope.get(APPLIED_KEY),
                )
            )

        async def receive_and_peek() -> Message:
            nonlocal request_head
            message = await receive()
            if not request_head and message["type"] == "http.request":
                request_head = message.get("body", b"")[:_HEAD]
            return message

        async def send_and_peek(message: Message) -> None:
            nonlocal status, response_head
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                if not response_head:
                    response_head = message.get("body", b"")[:_HEAD]
                if not message.get("more_body", False) and not logged:
                    await send(message)
                    log()
                    return
            await send(message)

        peek = receive_and_peek if scope["method"] == "POST" else receive
        try:
            await self.app(scope, peek, send_and_peek)
        finally:
            if not logged:
                log()  # the connection was dropped (a network fault) or the app raised


def generation_id(path: str, query: bytes, request_head: bytes, response_head: bytes) -> str | None:
    """The id an exchange is about: a UUID in the path or query, else the ``id`` (``requestId``,
    ``task_id``, ``slug``) of its response or request body."""
    for segment in reversed(path.split("/")):
        if len(segment) == 36 and segment.count("-") == 4:  # cheaper than a regex, per line
            return segment
    found = _UUID.search(query) if query else None
    if found:
        return found.group().decode("ascii")
    for head in (response_head, request_head):
        if not head:
            continue
        match = _ID_FIELD.search(head) or _UUID.search(head)
        if match:
            return (match.group(1) if match.re is _ID_FIELD else match.group()).decode(
                "utf-8", "replace"
            )
    return None


_RESET = "\x1b[0m"
_DIM = "\x1b[2m"
_BOLD = "\x1b[1m"
_MAGENTA = "\x1b[35m"
_STATUS_COLOURS = {2: "\x1b[32m", 3: "\x1b[36m", 4: "\x1b[33m", 5: "\x1b[31m"}


def wants_colour(stream: TextIO) -> bool:
    """Colour on a terminal, unless ``NO_COLOR`` is set (https://no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


QUEUE_LIMIT = 10_000
"""The most log lines waiting to be written; more are dropped (:meth:`RequestLogWriter.offer`)."""


class RequestLogWriter:
    """A daemon thread that formats and writes the entries put on :attr:`queue`."""

    def __init__(
        self,
        stream: TextIO,
        find_api: Callable[[str], str | None],
        *,
        log_format: LogFormat = "text",
        colour: bool | None = None,
        interval: float = 0.05,
    ) -> None:
        self.interval = interval
        self._second, self._clock = -1, ""
        self._lines: dict[tuple[str, str, bytes, int, str | None], tuple[str, str, bool]] = {}
        self.queue: queue.SimpleQueue[Entry | None] = queue.SimpleQueue()
        self.dropped = 0
        """Lines not logged because the queue was full."""
        self.stream = stream
        self.find_api = find_api
        self.log_format = log_format
        self.colour = wants_colour(stream) if colour is None else colour
        self._thread = threading.Thread(target=self._run, name="mockluma-request-log", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def offer(self, entry: Entry) -> None:
        """Queue ``entry`` unless :data:`QUEUE_LIMIT` lines already wait: a reader that stops
        reading (a full pipe) then costs dropped log lines, never unbounded memory."""
        if self.queue.qsize() < QUEUE_LIMIT:
            self.queue.put(entry)
        else:
            self.dropped += 1

    def stop(self, timeout: float = 5.0) -> None:
        """Write what is queued, then end the thread."""
        if self._thread.is_alive():
            self.queue.put(_STOP)
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            entry = self.queue.get()
            lines = []
            while entry is not _STOP:
                lines.append(self.format(entry))
                try:
                    entry = self.queue.get_nowait()
                except queue.Empty:
                    break
            if lines:
                try:
                    self.stream.write("\n".join(lines) + "\n")
                    self.stream.flush()
                except (OSError, ValueError):
                    return  # the reader went away (a closed pipe): stop logging, keep serving
            if entry is _STOP:
                return
            # Wake at most this often: under load each wake-up then writes a batch of lines,
            # instead of taking the interpreter from the server once per request.
            time.sleep(self.interval)

    def format(self, entry: Entry) -> str:
        at, method, path, query, status, seconds, request_head, response_head, applied = entry
        milliseconds = seconds * 1000
        if self.log_format == "json":
            api, shown_path, gen = self._fields(path, query, request_head, response_head)
            return json.dumps(
                {
                    "time": datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds"),
                    "api": api,
                    "method": method,
                    "path": shown_path,
                    "status": status or None,
                    "duration_ms": round(milliseconds, 3),
                    "generation_id": gen,
                    "applied": applied,
                },
                separators=(",", ":"),
            )
        second = int(at)
        if second != self._second:  # one strftime per second, not per line
            self._second, self._clock = second, time.strftime("%H:%M:%S", time.localtime(at))
        # A client polls the same path over and over: the line around the duration is built
        # once per (method, path, query, status, applied) when the path or query names the id.
        key = (method, path, query, status, applied)
        parts = self._lines.get(key)
        if parts is None:
            parts = self._parts(method, path, query, status, applied, request_head, response_head)
            if parts[2]:
                if len(self._lines) >= 4096:
                    self._lines.clear()
                self._lines[key] = parts
        head, tail, _ = parts
        dim = _DIM if self.colour else ""
        return f"{dim}{self._clock}.{int(at * 1000) % 1000:03d}{head}{milliseconds:.1f}ms{tail}"

    def _fields(
        self, path: str, query: bytes, request_head: bytes, response_head: bytes
    ) -> tuple[str, str, str | None]:
        api = self.find_api(path) or ("media" if path.startswith("/_mockluma/media/") else "admin")
        shown_path = f"{path}?{query.decode('latin-1')}" if query else path
        return api, shown_path, generation_id(path, query, request_head, response_head)

    def _parts(
        self,
        method: str,
        path: str,
        query: bytes,
        status: int,
        applied: str | None,
        request_head: bytes,
        response_head: bytes,
    ) -> tuple[str, str, bool]:
        """The text before and after the duration, and whether it may be reused (the id came
        from the path or the query, not from a body)."""
        api, shown_path, gen = self._fields(path, query, request_head, response_head)
        reusable = gen is not None and generation_id(path, query, b"", b"") == gen
        shown = str(status) if status else "---"  # no answer at all (a network fault)
        if not self.colour:
            extra = (f" gen={gen}" if gen else "") + (f" {applied}" if applied else "")
            return f" {api} {method} {shown_path} {shown} ", extra, reusable
        shade = _STATUS_COLOURS.get(status // 100, "")
        head = f"{_RESET} {api} {_BOLD}{method}{_RESET} {shown_path} {shade}{shown}{_RESET} {_DIM}"
        tail = (
            _RESET
            + (f" gen={gen}" if gen else "")
            + (f" {_MAGENTA}{applied}{_RESET}" if applied else "")
        )
        return head, tail, reusable


def describe_applied(
    rule: str | None,
    effect: Effect | None,
    latency: float,
    *,
    trigger: bool,
    generation: GenerationFault | None = None,
) -> str | None:
    """A short text for what the fault layer did to one exchange, for the log:
    ``[fault storm: error=503]``, ``[trigger: fail=moderation]``."""
    parts = []
    if isinstance(effect, HttpError):
        parts.append(f"error={effect.status}")
    elif isinstance(effect, NetworkFault):
        parts.append(f"network={effect.fault}")
    elif isinstance(effect, Dribble):
        parts.append("dribble")
    if latency:
        parts.append(f"delay={latency:.3g}s")
    if generation is not None:
        parts.append("stuck" if generation.stuck else f"fail={generation.kind or 'job'}")
    if not parts:
        return None
    source = "trigger" if trigger else f"fault {rule}" if rule else "fault"
    return f"[{source}: {', '.join(parts)}]"


__all__ = [
    "APPLIED_KEY",
    "LOG_FORMATS",
    "RequestLogMiddleware",
    "RequestLogWriter",
    "describe_applied",
    "generation_id",
]
