"""Serving the generated media: real files, with Content-Type, Content-Length and Range.

URLs look like ``/_mockluma/media/<generation id>/video/16x9-5s.mp4``. The id only makes each
generation's URL distinct, as on Luma's CDN; the rest names a shipped fixture file. Like the
CDN, no API key is needed to download. A URL that carries S3-style ``X-Amz-*`` parameters is
presigned (see :func:`mockluma.web.presign`) and is refused with 403 once it has expired on the
simulated clock, in S3's XML, as a bucket would.

The shipped files are small (1.4 MB in all) and never change, so each is read once and served
from memory: Starlette's ``FileResponse`` would stat, open, read and close it in worker threads
on every download, four thread hops for a 15 kB video. The headers (ETag, Last-Modified...) are
``FileResponse``'s own, computed once; a plain ``GET`` is answered in one body message, and
``HEAD`` and ``Range`` requests go through ``FileResponse``'s own code, reading from memory.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from mockluma.engine.media import MediaFile
from mockluma.surfaces import Context
from mockluma.web.errors import ApiError
from mockluma.web.presign import is_presigned, presign_refusal, storage_error

IN_MEMORY_LIMIT = 8 * 1024 * 1024
"""Files larger than this (none is shipped) are served from disk as usual."""


def media_routes(ctx: Context) -> Sequence[BaseRoute]:
    loaded: dict[str, _Loaded] = {}

    async def download(request: Request) -> Response:
        if is_presigned(request.query_params):
            refusal = presign_refusal(
                request.url.path,
                request.query_params,
                key=ctx.signing_key,
                now=ctx.simulation.now(),
            )
            if refusal is not None:
                return storage_error(403, *refusal)
        name = request.path_params["name"]
        media = ctx.media.by_name(name)
        if media is None:
            raise ApiError(404, {"error": f"There is no media file named {name!r}."})
        if media.size > IN_MEMORY_LIMIT:
            return FileResponse(media.path, media_type=media.content_type)
        shipped = loaded.get(name)
        if shipped is None:
            shipped = loaded[name] = _Loaded.read(media)
        return shipped.response(request)

    return [Route("/media/{token}/{name:path}", download, methods=["GET", "HEAD"])]


@dataclass(frozen=True, slots=True)
class _Loaded:
    """A shipped file in memory, with the headers ``FileResponse`` gives it."""

    media: MediaFile
    content: bytes
    status: os.stat_result
    headers: Mapping[str, str]
    """Content-Type, Accept-Ranges, Content-Length, Last-Modified and ETag, in that order."""

    @classmethod
    def read(cls, media: MediaFile) -> _Loaded:
        status = media.path.stat()
        content = media.path.read_bytes()
        model = FileResponse(media.path, media_type=media.content_type, stat_result=status)
        return cls(media, content, status, dict(model.headers.items()))

    def response(self, request: Request) -> Response:
        if request.method == "GET" and "range" not in request.headers:
            # What FileResponse answers, in one body message and without threads.
            return Response(self.content, headers=self.headers)
        return _MemoryFileResponse(self)


class _MemoryFileResponse(FileResponse):
    """``FileResponse`` (HEAD, Range, If-Range) for a file held in memory."""

    def __init__(self, loaded: _Loaded) -> None:
        super().__init__(
            loaded.media.path, headers=loaded.headers, media_type=loaded.media.content_type
        )
        self.stat_result = loaded.status  # known, so it is not looked up again in a thread
        self._content = loaded.content

    @asynccontextmanager
    async def _open_file(self) -> AsyncIterator[Any]:
        # FileResponse opens its file through this private hook for HEAD and Range answers (a
        # test checks that it still does); were it renamed, they would read the disk instead.
        yield _MemoryFile(self._content)


class _MemoryFile:
    """The part of ``anyio.AsyncFile`` that ``FileResponse`` uses, over bytes."""

    def __init__(self, content: bytes) -> None:
        self._content = content
        self._position = 0

    async def seek(self, position: int) -> int:
        self._position = position
        return position

    async def read(self, size: int = -1) -> bytes:
        start = self._position
        end = len(self._content) if size < 0 else min(len(self._content), start + size)
        self._position = end
        return self._content[start:end]
