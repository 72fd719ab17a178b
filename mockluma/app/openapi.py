"""``GET /_mockluma/openapi.json?api=NAME``: the mock's endpoints as OpenAPI 3.1.

``api`` is a surface name (``dream-machine``, ``agents``...) or ``all`` (the default). The
document is built by :mod:`mockluma.schemas.openapi` once per API and server URL, then reused:
the schemas and route maps do not change while the server runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockluma.app.admin import ADMIN_DIALECT
from mockluma.schemas.openapi import UnknownApi, openapi_document
from mockluma.schemas.route_schemas import surfaces_with_maps
from mockluma.surfaces import Surface


def openapi_routes(surfaces: Sequence[Surface]) -> Sequence[BaseRoute]:
    prefixes = {surface.name: surface.prefix for surface in surfaces}

    @lru_cache(maxsize=32)
    def document(api: str, server_url: str) -> dict[str, Any]:
        names = [name for name in surfaces_with_maps() if name in prefixes]
        return openapi_document(names if api == "all" else [api], prefixes, server_url)

    async def openapi(request: Request) -> Response:
        api = request.query_params.get("api", "all")
        try:
            answer = document(api, str(request.base_url).rstrip("/"))
        except UnknownApi as exc:
            raise ADMIN_DIALECT.error(404, str(exc)) from None
        return JSONResponse(answer)

    return [Route("/openapi.json", openapi, methods=["GET"])]
