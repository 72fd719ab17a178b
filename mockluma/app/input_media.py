"""The HTTP side of the input-media policy (:mod:`mockluma.engine.input_media`): what the mock's
own URLs hold, and the real downloads of ``input_media=fetch``.

- :func:`own_media` looks a URL of the mock's own origin up in the shipped media (checking a
  presigned URL's signature and expiry as the storage route does) and probes the real file's
  head for its shape and length.
- :class:`HttpFetcher` downloads a public URL with httpx's async client: a timeout per phase,
  at most ``max_bytes`` (the stream is abandoned past it), only ``image/*`` and ``video/*``
  bodies (anything else is reported by its type, unread), at most three redirects. It runs
  on the event loop without blocking it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import SplitResult, parse_qsl

import httpx

from mockluma.engine.input_media import FetchFailed, MediaFacts, OwnMedia
from mockluma.engine.media import MediaCatalog, MediaFile
from mockluma.surfaces.agents.probe import HEAD_BYTES, probe
from mockluma.web.presign import is_presigned, presign_refusal

MEDIA_PATH = "/_mockluma/media/"
FETCH_MAX_BYTES = 100 * 1_000_000
"""The largest input Luma accepts anywhere (a 100 MB video to modify or reframe)."""
FETCH_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def own_media(
    media: MediaCatalog, signing_key: Callable[[], bytes], now: Callable[[], float]
) -> OwnMedia:
    """The resolver of URLs on the mock's own origin."""

    def resolve(parts: SplitResult) -> MediaFacts | int:
        if not parts.path.startswith(MEDIA_PATH):
            return 404
        query = dict(parse_qsl(parts.query))
        if is_presigned(query) and presign_refusal(parts.path, query, key=signing_key(), now=now()):
            return 403
        name = parts.path.removeprefix(MEDIA_PATH).partition("/")[2]
        found = media.by_name(name)
        return 404 if found is None else _facts(found)

    return resolve


@functools.lru_cache(maxsize=128)  # the shipped files are few and never change
def _facts(found: MediaFile) -> MediaFacts:
    with found.path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    probed = probe(head)
    seconds = probed.seconds if probed is not None else None
    return MediaFacts(found.content_type, found.size, found.width, found.height, seconds)


class HttpFetcher:
    """Downloads one input URL and reports its facts (``input_media=fetch``)."""

    def __init__(
        self,
        max_bytes: int = FETCH_MAX_BYTES,
        timeout: httpx.Timeout = FETCH_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.transport = transport

    async def __call__(self, url: str) -> MediaFacts:
        try:
            async with (
                httpx.AsyncClient(
                    timeout=self.timeout,
                    follow_redirects=True,
                    max_redirects=3,
                    transport=self.transport,
                ) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code >= 400:
                    raise FetchFailed(
                        f"the server answered HTTP {response.status_code}", response.status_code
                    )
                content_type = response.headers.get("content-type", "").split(";")[0].strip()
                if not content_type.startswith(("image/", "video/")):
                    # Not media: each API says so in its own words (the facts' kind is other).
                    return MediaFacts(content_type or "application/octet-stream", 0)
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise FetchFailed(self._too_large(int(declared)))
                head = bytearray()
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchFailed(self._too_large(size))
                    if len(head) < HEAD_BYTES:
                        head.extend(chunk[: HEAD_BYTES - len(head)])
        except httpx.TimeoutException:
            raise FetchFailed("the download timed out") from None
        except httpx.HTTPError as exc:
            raise FetchFailed(f"the download failed: {exc.__class__.__name__}") from None
        probed = probe(bytes(head))
        if probed is None:
            return MediaFacts(content_type, size)
        return MediaFacts(probed.mime_type, size, probed.width, probed.height, probed.seconds)

    def _too_large(self, size: int) -> str:
        return f"the file is {size} bytes, more than the {self.max_bytes} bytes fetched at most"
