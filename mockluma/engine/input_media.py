"""The input-media policy: what the mock makes of a URL a client asks an API to fetch.

Luma fetches every input a client names by URL (keyframes, reference images, the video to
modify or reframe). The mock decides what that fetch would have found, one way for every API;
each API then words the outcome in its own dialect (a synchronous 422 on Agents, a failed
generation on Dream Machine, the gateways' own errors).

Modes (``Config.input_media``):

- ``simulate`` (the default): URLs the mock serves itself resolve to the real file, whose type,
  size, shape and length drive validation and the output; hosts that cannot be fetched from the
  public internet fail (:func:`unreachable_reason`); any other host is assumed to serve a valid
  file. Nothing leaves the machine.
- ``fetch``: as ``simulate``, but other hosts are really downloaded, through the fetcher the
  app layer injects (size and type limits, timeouts, never blocking the event loop). For a dev
  server with internet access; tests never use it beyond loopback.
- ``off``: URLs are not looked at (mockluma before 0.x: every input is fine and of unknown shape).

Every outcome is a :class:`Seen`, recorded with the exchange in the journal.

This module is HTTP-free: fetching and the mock's own URL layout are injected
(:class:`Fetcher`, :class:`OwnMedia`).
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

MODES = ("simulate", "fetch", "off")
DEFAULT_MODE = "simulate"

Verdict = Literal["served", "assumed", "fetched", "unreachable", "invalid", "unchecked"]

# RFC 2606 §3: second-level names reserved for documentation. RFC 2606 §2 and RFC 6761 §6:
# top-level names that never resolve on the public internet.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("example", "test", "invalid", "localhost")


@dataclass(frozen=True, slots=True)
class MediaFacts:
    """What a fetched file turned out to be. Shape and length are ``None`` when unknown."""

    content_type: str
    size: int
    width: int | None = None
    height: int | None = None
    seconds: float | None = None

    @property
    def kind(self) -> str:
        """``image``, ``video`` or ``other`` (from the content type)."""
        major = self.content_type.split("/", 1)[0].lower()
        return major if major in ("image", "video") else "other"

    @property
    def aspect_ratio(self) -> float | None:
        return self.width / self.height if self.width and self.height else None

    def to_json(self) -> dict[str, Any]:
        return {
            "content_type": self.content_type,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "seconds": self.seconds,
        }


@dataclass(frozen=True, slots=True)
class Seen:
    """The outcome of one input URL."""

    field: str
    """Where the URL sat in the request, in the API's own words (``keyframes.frame0.url``)."""
    url: str
    verdict: Verdict
    reason: str = ""
    """Why it failed, or where the facts came from; a sentence."""
    http_status: int | None = None
    """The status a fetch met (404 for a mock URL naming no file), if any."""
    facts: MediaFacts | None = None

    @property
    def failed(self) -> bool:
        return self.verdict in ("unreachable", "invalid")

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "url": self.url,
            "verdict": self.verdict,
            "reason": self.reason,
            "http_status": self.http_status,
            "facts": None if self.facts is None else self.facts.to_json(),
        }


Fetcher = Callable[[str], Awaitable[MediaFacts]]
"""Downloads a URL and returns its facts; raises :class:`FetchFailed` when it cannot."""
OwnMedia = Callable[[SplitResult], "MediaFacts | int"]
"""The facts of a URL on the mock's own origin, or the HTTP status the mock would answer."""


class FetchFailed(Exception):
    """A fetch that found no usable file: ``reason`` says why, ``status`` is the HTTP status
    met, if any."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _is_documentation_domain(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name in RESERVED_DOMAINS or name.endswith(tuple(f".{d}" for d in RESERVED_DOMAINS))


def unreachable_reason(host: str) -> str | None:
    """Why ``host`` cannot be fetched from the public internet, or ``None`` if it can be."""
    name = host.rstrip(".").lower()
    if not name:
        return "the URL has no host"
    if _is_documentation_domain(name):
        return f"{name} is reserved for documentation (RFC 2606) and serves no files"
    tld = name.rsplit(".", 1)[-1]
    if tld in RESERVED_TLDS:
        return f"the .{tld} names are reserved (RFC 2606, RFC 6761) and never resolve publicly"
    try:
        address = ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None
    if not address.is_global:
        return f"{address} is a private, loopback or reserved address, unreachable from Luma"
    return None


_FETCHED_LIMIT = 1024


def over_limit(
    facts: MediaFacts, *, max_seconds: float | None = None, max_bytes: int | None = None
) -> str | None:
    """Which limit ``facts`` break, as a phrase (``"12 s long, over the 10 s limit"``)."""
    if max_bytes is not None and facts.size > max_bytes:
        return f"{facts.size / 1_000_000:.1f} MB, over the {max_bytes // 1_000_000} MB limit"
    if max_seconds is not None and facts.seconds is not None and facts.seconds > max_seconds:
        return f"{facts.seconds:g} s long, over the {max_seconds:g} s limit"
    return None


class InputMediaPolicy:
    """Decides, per mode, what fetching each input URL finds.

    ``own_media`` resolves URLs of the mock's own origin; ``fetcher`` (``fetch`` mode only)
    downloads the rest. :meth:`prefetch` runs the downloads of one request ahead of the
    surfaces' synchronous checks, which then read the results through :meth:`inspect`.
    """

    def __init__(self, own_media: OwnMedia, fetcher: Fetcher | None = None) -> None:
        self.own_media = own_media
        self.fetcher = fetcher
        self._fetched: dict[str, Seen] = {}

    def inspect(self, url: str, field: str, *, origin: str, mode: str) -> Seen:
        """What fetching ``url`` finds under ``mode``; ``origin`` is the mock's own base URL as
        the client reached it."""
        if mode == "off":
            return Seen(field, url, "unchecked", "input media are not checked (input_media=off)")
        try:
            parts = urlsplit(url.strip())
            host = parts.hostname or ""
            parts.port  # noqa: B018 - raises ValueError for a port out of range
        except ValueError as exc:
            return Seen(field, url, "invalid", f"the URL cannot be parsed: {exc}")
        if parts.scheme not in ("http", "https") or not host:
            return Seen(field, url, "invalid", "only absolute http and https URLs can be fetched")
        if _same_origin(parts, origin):
            found = self.own_media(parts)
            if isinstance(found, int):
                return Seen(
                    field, url, "unreachable", f"the mock answers HTTP {found} there", found
                )
            return Seen(field, url, "served", "a file the mock serves", facts=found)
        reason = unreachable_reason(host)
        if reason is not None:
            # The documentation domains resolve, and answer 404 for any file; the reserved
            # names and private addresses are never reached at all.
            status = 404 if _is_documentation_domain(host) else None
            return Seen(field, url, "unreachable", reason, status)
        if mode == "fetch":
            known = self._fetched.get(url)
            if known is not None:
                return Seen(field, url, known.verdict, known.reason, known.http_status, known.facts)
        return Seen(field, url, "assumed", "a public host, assumed to serve a valid file")

    async def prefetch(self, urls: Iterable[str], *, origin: str, mode: str) -> None:
        """In ``fetch`` mode, download each public URL not fetched yet, all at once."""
        if mode != "fetch" or self.fetcher is None:
            return
        wanted = [
            url
            for url in dict.fromkeys(urls)
            if url not in self._fetched
            and self.inspect(url, "", origin=origin, mode="simulate").verdict == "assumed"
        ]
        found = await asyncio.gather(*(self._fetch(url) for url in wanted))
        if len(self._fetched) + len(found) > _FETCHED_LIMIT:
            self._fetched.clear()  # a dev server's memory stays bounded
        for seen in found:
            self._fetched[seen.url] = seen

    async def _fetch(self, url: str) -> Seen:
        assert self.fetcher is not None
        try:
            facts = await self.fetcher(url)
        except FetchFailed as failure:
            return Seen("", url, "unreachable", failure.reason, failure.status)
        return Seen("", url, "fetched", "downloaded", facts=facts)

    def forget(self) -> None:
        """Drop what earlier fetches found (on reset)."""
        self._fetched.clear()


def _same_origin(parts: SplitResult, origin: str) -> bool:
    mine = urlsplit(origin)
    if (parts.hostname or "").lower() == (mine.hostname or "").lower():
        return _port(parts) == _port(mine)
    # 127.0.0.1 and localhost reach the same loopback server.
    loopback = {"localhost", "127.0.0.1", "::1"}
    both_loopback = {parts.hostname, mine.hostname} <= loopback
    return both_loopback and _port(parts) == _port(mine)


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None
