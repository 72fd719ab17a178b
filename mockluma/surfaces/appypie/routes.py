"""The AppyPie endpoints. Each handler is a straight pipeline:
authenticate → read → validate → engine → present.

Generation calls live under ``/lumalabs-ai/v1`` and the status call under
``/lumalabs-ai-polling/v1``; :meth:`AppyPieRoutes.generation_routes` and
:meth:`AppyPieRoutes.polling_routes` are mounted at each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockluma.engine.errors import JobNotFound
from mockluma.surfaces import Context
from mockluma.surfaces.appypie import catalog, errors, orders, presenters, validation
from mockluma.surfaces.appypie.errors import DIALECT
from mockluma.web.auth import header_or_query_key
from mockluma.web.bodies import read_json
from mockluma.web.planned_faults import planned_faults
from mockluma.web.urls import base_url_of

KEY_HEADER = "ocp-apim-subscription-key"
KEY_QUERY = "subscription-key"
# Azure API Management, which the header name comes from, also takes the key as a query
# parameter.
read_key = header_or_query_key(KEY_HEADER, KEY_QUERY)


class AppyPieRoutes:
    """Handlers bound to one :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def generation_routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/generate", self.generate, methods=["POST"]),
            Route("/generateRequestFromImage", self.generate_from_image, methods=["POST"]),
        ]

    def polling_routes(self) -> Sequence[BaseRoute]:
        return [Route("/getStatus", self.get_status, methods=["POST"])]

    # -- pipeline steps -------------------------------------------------------------------

    def authenticate(self, request: Request) -> str:
        key = read_key(request.scope)
        if not key:
            raise DIALECT.error(401, errors.MISSING_KEY)
        keys = self.ctx.config.api_keys
        if keys and key not in keys:
            raise DIALECT.error(401, errors.INVALID_KEY)
        return key

    async def body(self, request: Request, schema: str) -> dict[str, Any]:
        raw = await read_json(request, max_bytes=self.ctx.config.max_body_bytes, dialect=DIALECT)
        return validation.conform(f"{schema}.request.json", raw)

    # -- handlers -------------------------------------------------------------------------

    async def generate(self, request: Request) -> Response:
        owner = self.authenticate(request)
        body = await self.body(request, "generate")
        job = orders.generate(self.ctx, owner, body, kind="text", faults=planned_faults(request))
        return JSONResponse({"requestId": job.id})

    async def generate_from_image(self, request: Request) -> Response:
        owner = self.authenticate(request)
        body = await self.body(request, "generate-from-image")
        validation.check_image_url(body["url"])
        job = orders.generate(self.ctx, owner, body, kind="image", faults=planned_faults(request))
        return JSONResponse({"requestId": job.id})

    async def get_status(self, request: Request) -> Response:
        owner = self.authenticate(request)
        body = await self.body(request, "status")
        request_id = validation.request_id(body)
        try:
            job = self.ctx.simulation.get(catalog.SURFACE, owner, request_id)
        except JobNotFound:
            raise DIALECT.not_found(
                f"No generation {request_id!r} was made with this subscription key. Send the "
                "requestId that generate returned."
            ) from None
        self.ctx.simulation.poll(job)
        words = self.ctx.config.appypie_statuses
        return JSONResponse(presenters.status(job, base_url_of(request), words))
