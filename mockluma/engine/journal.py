"""A bounded record of every exchange with the mock, for verification in tests.

Entries are plain data: the request (method, path, query, API key, body) and the response
(status, body), stamped with simulated time. Bodies are kept as bytes, capped in size (each
entry records the real sizes), and parsed only when a query needs them, so recording costs
little on the request path. The journal holds at most ``limit`` entries and at most
``max_bytes`` of them (bodies plus a fixed cost per entry); the oldest are dropped first.
"""

from __future__ import annotations

import difflib
import fnmatch
import itertools
import json
import math
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

BODY_LIMIT = 64 * 1024
"""How much of each body an entry keeps."""
ABANDONED_BODY_LIMIT = 1024
"""How much of the request body is kept when the client hung up before it got an answer."""
ABANDONED = 499
"""The status recorded for a request whose client hung up before it was answered (nginx's
"client closed request"); nothing was sent."""
ENTRY_COST = 512
"""What an entry costs besides its bodies, in bytes (its object, strings and bookkeeping)."""
DEFAULT_MAX_BYTES = 64 * 1024**2


@dataclass(slots=True)
class Exchange:
    """One request and the response the mock gave. Treat it as read-only.

    Not a frozen dataclass on purpose: one is built for every request, and a frozen one takes
    four times as long to build (2 µs, a twentieth of a whole GET).
    """

    sequence: int
    at: float
    method: str
    path: str
    query: str
    api_key: str | None
    status: int
    request_body: bytes = b""
    response_body: bytes = b""
    response_type: str = ""
    input_media: list[dict[str, Any]] | None = None
    """What the request's input URLs found (:mod:`mockluma.engine.input_media`), if any."""
    request_size: int = 0
    """The request body's real size in bytes (``request_body`` may be cut short)."""
    response_size: int = 0
    """The response body's real size in bytes."""
    abandoned: bool = False
    """The client hung up before the mock answered (``status`` is :data:`ABANDONED`)."""
    _ids: frozenset[str] | None = field(default=None, repr=False, compare=False)

    @property
    def cost(self) -> int:
        """What the entry counts against the journal's byte budget."""
        return (
            len(self.request_body)
            + len(self.response_body)
            + len(self.path)
            + len(self.query)
            + ENTRY_COST
        )

    def request_json(self) -> Any:
        """The request body parsed as JSON, or ``None``."""
        return _json(self.request_body)

    def response_json(self) -> Any:
        """The response body parsed as JSON, or ``None``."""
        return _json(self.response_body) if "json" in self.response_type else None

    def generation_ids(self) -> frozenset[str]:
        """Strings this exchange may name a generation by: path segments, query values (also
        split at commas), and the top-level string values of the request and response JSON
        (of each object, when the response is an array).

        APIs name ids differently (``id``, ``requestId``, ``task_id``, ``ids[0]=``), so no
        field name is assumed; a filter only ever compares these with an id it was given.
        """
        if self._ids is None:
            ids = set(self.path.strip("/").split("/"))
            for _, value in parse_qsl(self.query):
                ids.update(value.split(","))
            response = self.response_json()
            objects = response if isinstance(response, list) else [response]
            for body in [self.request_json(), *objects]:
                if isinstance(body, dict):
                    ids.update(value for value in body.values() if isinstance(value, str))
            self._ids = frozenset(ids)
        return self._ids

    def describe(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"{self.method} {self.path}{query} -> {self.status}"


def _json(raw: bytes) -> Any:
    """``raw`` parsed as strict JSON, or ``None``: a body the mock refused (NaN, 1e999, nesting
    too deep, a lone UTF-16 surrogate) must not break the journal that recorded it."""
    if not raw:
        return None
    try:
        document = json.loads(raw, parse_constant=_refuse, parse_float=_finite)
        if b"\\u" in raw:
            # An escape may stand for half a surrogate pair ("\ud800"), which parses but can
            # never be written out as UTF-8: such a document is not JSON the journal can show.
            json.dumps(document, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError):
        return None
    return document


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is out of range")
    return value


class Journal:
    """The last ``limit`` exchanges within ``max_bytes``, queryable by method, path, generation
    id, key and status."""

    def __init__(self, limit: int = 10_000, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._entries: deque[Exchange] = deque()
        self._sequence = itertools.count(1)
        self.limit = limit
        self.max_bytes = max_bytes
        self._bytes = 0

    @property
    def size(self) -> int:
        """What the entries held count against :attr:`max_bytes`."""
        return self._bytes

    def record(
        self,
        *,
        at: float,
        method: str,
        path: str,
        query: str,
        api_key: str | None,
        status: int,
        request_body: bytes,
        response_body: bytes,
        response_type: str,
        input_media: list[dict[str, Any]] | None = None,
        request_size: int | None = None,
        response_size: int | None = None,
        abandoned: bool = False,
    ) -> Exchange:
        """Keep one exchange; ``*_size`` are the bodies' real sizes when they were cut short."""
        kept = ABANDONED_BODY_LIMIT if abandoned else BODY_LIMIT
        entry = Exchange(
            next(self._sequence),
            at,
            method,
            path,
            query,
            api_key,
            ABANDONED if abandoned else status,
            request_body[:kept],
            b"" if abandoned else response_body[:BODY_LIMIT],
            response_type,
            input_media,
            len(request_body) if request_size is None else request_size,
            len(response_body) if response_size is None else response_size,
            abandoned,
        )
        self._entries.append(entry)
        self._bytes += entry.cost
        while len(self._entries) > self.limit or (
            self._bytes > self.max_bytes and len(self._entries) > 1
        ):
            self._bytes -= self._entries.popleft().cost
        return entry

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def matching(self, *, since: int = 0, **filters: Any) -> Iterator[Exchange]:
        """Exchanges after sequence number ``since`` matching every filter, oldest first,
        found one at a time (over a snapshot: recording meanwhile does not disturb it)."""
        wanted = _Filters(**filters)
        for entry in list(self._entries):
            if entry.sequence > since and not wanted.misses(entry):
                yield entry

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Exchange]:
        return iter(list(self._entries))

    def find(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        generation_id: str | None = None,
        api_key: str | None = None,
        status: int | None = None,
    ) -> list[Exchange]:
        """Exchanges matching every given filter, oldest first.

        ``path`` may contain ``*`` wildcards, e.g. ``/dream-machine/v1/generations/*``.
        """
        wanted = _Filters(method, path, generation_id, api_key, status)
        return [entry for entry in self._entries if not wanted.misses(entry)]

    def newest(
        self,
        limit: int,
        *,
        before: int | None = None,
        where: Callable[[Exchange], bool] | None = None,
        **filters: Any,
    ) -> list[Exchange]:
        """At most ``limit`` exchanges matching ``filters`` (and ``where``), newest first, all
        older than sequence number ``before`` when it is given: one page of a browsable
        journal, found without copying or parsing the rest."""
        wanted = _Filters(**filters)
        page: list[Exchange] = []
        for entry in reversed(self._entries):
            if before is not None and entry.sequence >= before:
                continue
            if not wanted.misses(entry) and (where is None or where(entry)):
                page.append(entry)
                if len(page) >= limit:
                    break
        return page

    def entry(self, sequence: int) -> Exchange | None:
        """The exchange numbered ``sequence``, if it is still held."""
        entries = self._entries
        if not entries:
            return None
        # Sequence numbers are consecutive within the deque, so the position is arithmetic.
        index = sequence - entries[0].sequence
        if 0 <= index < len(entries):
            return entries[index]
        return None

    @property
    def last_sequence(self) -> int:
        """The number of the newest exchange held (0 when empty)."""
        return self._entries[-1].sequence if self._entries else 0

    def count(self, **filters: Any) -> int:
        return len(self.find(**filters))

    def assert_called(self, *, times: int | None = None, **filters: Any) -> list[Exchange]:
        """The matching exchanges; fails listing the near misses when there are none (or not
        ``times`` of them)."""
        found = self.find(**filters)
        if (times is None and found) or (times is not None and len(found) == times):
            return found
        expected = "at least once" if times is None else f"{times} time(s)"
        wanted = ", ".join(f"{key}={value!r}" for key, value in filters.items())
        lines = [f"Expected a request matching {wanted} {expected}; found {len(found)}."]
        lines += self._near_misses(_Filters(**filters))
        raise AssertionError("\n".join(lines))

    def _near_misses(self, wanted: _Filters, shown: int = 5) -> list[str]:
        entries = list(self._entries)
        if not entries:
            return ["The journal is empty: no request reached the mock."]
        scored = sorted(
            entries, key=lambda entry: (len(wanted.misses(entry)), -wanted.similarity(entry))
        )
        lines = ["Closest requests seen:"]
        for entry in scored[:shown]:
            missed = ", ".join(wanted.misses(entry)) or "nothing"
            lines.append(f"  {entry.describe()}   (differs in: {missed})")
        return lines


@dataclass(frozen=True, slots=True)
class _Filters:
    method: str | None = None
    path: str | None = None
    generation_id: str | None = None
    api_key: str | None = None
    status: int | None = None

    def misses(self, entry: Exchange) -> list[str]:
        missed = []
        if self.method is not None and entry.method != self.method.upper():
            missed.append("method")
        if self.path is not None and not fnmatch.fnmatchcase(entry.path, self.path):
            missed.append("path")
        if self.generation_id is not None and self.generation_id not in entry.generation_ids():
            missed.append("generation_id")
        if self.api_key is not None and entry.api_key != self.api_key:
            missed.append("api_key")
        if self.status is not None and entry.status != self.status:
            missed.append("status")
        return missed

    def similarity(self, entry: Exchange) -> float:
        if self.path is None:
            return 0.0
        return difflib.SequenceMatcher(None, self.path, entry.path).ratio()
