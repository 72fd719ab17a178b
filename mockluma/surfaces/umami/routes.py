"""The UmamiAI endpoints. Each handler is a straight pipeline:
authenticate → read → validate → engine → present.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockluma.engine.errors import JobNotFound
from mockluma.engine.jobs import Job
from mockluma.surfaces import Context
from mockluma.surfaces.umami import catalog, errors, orders, presenters, validation
from mockluma.surfaces.umami.errors import DIALECT
from mockluma.web.auth import bearer_token
from mockluma.web.bodies import read_json
from mockluma.web.planned_faults import planned_faults
from mockluma.web.urls import base_url_of


class UmamiRoutes:
    """Handlers bound to one :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/generations", self.create, methods=["POST"]),
            Route("/generation", self.fetch, methods=["GET"]),
            Route("/generations/{taskId}/extend", self.extend, methods=["POST"]),
        ]

    # -- pipeline steps -------------------------------------------------------------------

    def authenticate(self, request: Request) -> str:
        token = bearer_token(request)
        if token is None:
            raise DIALECT.error(401, errors.MISSING_KEY)
        keys = self.ctx.config.api_keys
        if keys and token not in keys:
            raise DIALECT.error(401, errors.INVALID_KEY)
        return token

    async def body(self, request: Request) -> dict[str, Any]:
        raw = await read_json(request, max_bytes=self.ctx.config.max_body_bytes, dialect=DIALECT)
        return validation.conform(raw)

    def present(self, job: Job, request: Request, status: int = 200) -> Response:
        return JSONResponse(
            presenters.generation(self.ctx, job, base_url_of(request)), status_code=status
        )

    # -- handlers -------------------------------------------------------------------------

    async def create(self, request: Request) -> Response:
        owner = self.authenticate(request)
        body = await self.body(request)
        return self.present(
            orders.create(self.ctx, owner, body, faults=planned_faults(request)), request, 201
        )

    async def extend(self, request: Request) -> Response:
        owner = self.authenticate(request)
        body = await self.body(request)
        job = orders.extend(
            self.ctx, owner, request.path_params["taskId"], body, faults=planned_faults(request)
        )
        return self.present(job, request, 201)

    async def fetch(self, request: Request) -> Response:
        owner = self.authenticate(request)
        ids = validation.generation_ids(request.query_params.multi_items())
        jobs, missing = [], []
        for generation_id in ids:
            try:
                jobs.append(self.ctx.simulation.get(catalog.SURFACE, owner, generation_id))
            except JobNotFound:
                missing.append(generation_id)
        if missing:
            raise errors.not_found(missing)
        if request.method == "GET":  # Starlette also routes HEAD here; that is not a poll
            for job in jobs:
                self.ctx.simulation.poll(job)
        base_url = base_url_of(request)
        return JSONResponse([presenters.generation(self.ctx, job, base_url) for job in jobs])
