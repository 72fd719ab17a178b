"""Serving the generated media: real files, with Content-Type, Content-Length and Range.

URLs look like ``/_mockluma/media/<generation id>/video/16x9-5s.mp4``. The id only makes each
generation's URL distinct, as on Luma's CDN; the rest names a shipped fixture file. Like the
CDN, no API key is needed to download. A URL that carries S3-style ``X-Amz-*`` parameters is
presigned (see :func:`mockluma.web.presign`) and is refused with 403 once it has expired on the
simulated clock, in S3's XML, as a bucket would.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from mockluma.surfaces import Context
from mockluma.web import ApiError, is_presigned, presign_refusal, storage_error


def media_routes(ctx: Context) -> Sequence[BaseRoute]:
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
        return FileResponse(media.path, media_type=media.content_type)

    return [Route("/media/{token}/{name:path}", download, methods=["GET", "HEAD"])]
