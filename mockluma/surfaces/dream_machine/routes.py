"""The Dream Machine endpoints. Each handler is a straight pipeline:
authenticate → read → validate → engine → present.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockluma.engine.errors import JobNotFound
from mockluma.engine.jobs import Job, Phase
from mockluma.surfaces import Context
from mockluma.surfaces.dream_machine import catalog, errors, orders, presenters, validation
from mockluma.surfaces.dream_machine.errors import DIALECT
from mockluma.web.auth import bearer_token
from mockluma.web.bodies import read_json
from mockluma.web.json_cache import JsonBodies
from mockluma.web.planned_faults import PlannedFaults, planned_faults
from mockluma.web.urls import base_url_of


class Order(Protocol):
    """A create: the account's key, the checked body, where the client reached the mock, and
    the generation faults planned for the request."""

    def __call__(
        self,
        ctx: Context,
        owner: str,
        body: Mapping[str, Any],
        *,
        base_url: str,
        faults: PlannedFaults,
    ) -> Job: ...


class Derivation(Protocol):
    """A create from an existing generation (upscale, audio), named by ``source_id``."""

    def __call__(
        self,
        ctx: Context,
        owner: str,
        source_id: str,
        body: Mapping[str, Any],
        *,
        base_url: str,
        faults: PlannedFaults,
    ) -> Job: ...


Check = Callable[[Mapping[str, Any]], None]


class DreamMachineRoutes:
    """Handlers bound to one :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # A generation's JSON only changes with its phase (presenters.generation); the job
        # itself is in the key, not its id, as ids repeat after a reset with the same seed.
        self.bodies: JsonBodies[tuple[Job, Phase, str]] = JsonBodies()
        # A page of the list likewise, keyed by everything its JSON shows.
        self.pages: JsonBodies[tuple[object, ...]] = JsonBodies(limit=256)

    def routes(self) -> Sequence[BaseRoute]:
        create, derive = self.create, self.derive
        video = create(orders.create_video, "video-create", validation.check_video_request)
        return [
            # The legacy create path: every curl example in Luma's docs still posts here.
            Route("/generations", video, methods=["POST"]),
            Route("/generations", self.list_generations, methods=["GET"]),
            Route("/generations/video", video, methods=["POST"]),
            Route(
                "/generations/image",
                create(orders.create_image, "image-create", validation.check_image_request),
                methods=["POST"],
            ),
            Route(
                "/generations/image/reframe",
                create(orders.reframe_image, "image-reframe"),
                methods=["POST"],
            ),
            Route(
                "/generations/video/reframe",
                create(orders.reframe_video, "video-reframe"),
                methods=["POST"],
            ),
            Route(
                "/generations/video/modify",
                create(orders.modify_video, "video-modify"),
                methods=["POST"],
            ),
            Route("/generations/concepts/list", self.concepts, methods=["GET"]),
            Route("/generations/camera_motion/list", self.camera_motions, methods=["GET"]),
            # After the fixed paths: a 405 names the methods of the first route whose path
            # matches, so /generations/video must be found before /generations/{id}.
            Route("/generations/{id}", self.get_generation, methods=["GET"]),
            Route("/generations/{id}", self.delete_generation, methods=["DELETE"]),
            Route("/generations/{id}/upscale", derive(orders.upscale, "upscale"), methods=["POST"]),
            Route("/generations/{id}/audio", derive(orders.add_audio, "audio"), methods=["POST"]),
            Route("/ping", self.ping, methods=["GET"]),
            Route("/credits", self.credits, methods=["GET"]),
        ]

    # -- pipeline steps -------------------------------------------------------------------

    def authenticate(self, request: Request) -> str:
        token = bearer_token(request)
        if token is None:
            header = request.headers.get("authorization", "").strip().lower()
            missing = header in ("", "bearer")  # the SDK sends "Bearer " for an empty key
            message = errors.MISSING_API_KEY if missing else errors.MALFORMED_AUTHORIZATION
            raise DIALECT.error(401, message)
        keys = self.ctx.config.api_keys
        if keys and token not in keys:
            raise DIALECT.error(401, errors.INVALID_API_KEY)
        return token

    async def body(self, request: Request, schema: str) -> dict[str, Any]:
        raw = await read_json(request, max_bytes=self.ctx.config.max_body_bytes, dialect=DIALECT)
        return validation.conform(f"{schema}.request.json", raw)

    def present(self, job: Job, request: Request, status: int = 200) -> Response:
        base_url = base_url_of(request)
        return self.bodies.response(
            (job, job.phase, base_url), lambda: presenters.generation(job, base_url), status
        )

    # -- handlers -------------------------------------------------------------------------

    def create(
        self, order: Order, schema: str, check: Check | None = None
    ) -> Callable[[Request], Any]:
        async def handler(request: Request) -> Response:
            owner = self.authenticate(request)
            body = await self.body(request, schema)
            if check is not None:
                check(body)
            job = order(
                self.ctx,
                owner,
                body,
                base_url=base_url_of(request),
                faults=planned_faults(request),
            )
            return self.present(job, request, 201)

        return handler

    def derive(self, order: Derivation, schema: str) -> Callable[[Request], Any]:
        # Upscale and audio answer 200, not 201, in Luma's spec.
        async def handler(request: Request) -> Response:
            owner = self.authenticate(request)
            body = await self.body(request, schema)
            job = order(
                self.ctx,
                owner,
                request.path_params["id"],
                body,
                base_url=base_url_of(request),
                faults=planned_faults(request),
            )
            return self.present(job, request)

        return handler

    async def get_generation(self, request: Request) -> Response:
        owner = self.authenticate(request)
        generation_id = request.path_params["id"]
        try:
            job = self.ctx.simulation.get(catalog.SURFACE, owner, generation_id)
        except JobNotFound:
            raise errors.not_found(generation_id) from None
        if request.method == "GET":  # Starlette also routes HEAD here; that is not a poll
            self.ctx.simulation.poll(job)
        return self.present(job, request)

    async def delete_generation(self, request: Request) -> Response:
        owner = self.authenticate(request)
        generation_id = request.path_params["id"]
        try:
            self.ctx.simulation.delete(catalog.SURFACE, owner, generation_id)
        except JobNotFound:
            raise errors.not_found(generation_id) from None
        return Response(status_code=204)

    async def list_generations(self, request: Request) -> Response:
        owner = self.authenticate(request)
        limit, offset = validation.list_query(request.query_params)
        jobs, total = self.ctx.simulation.page(catalog.SURFACE, owner, offset=offset, limit=limit)
        base_url = base_url_of(request)
        has_more = offset + len(jobs) < total
        key = (base_url, limit, offset, has_more, *((job, job.phase) for job in jobs))
        return self.pages.response(
            key,
            lambda: {
                "generations": [presenters.generation(job, base_url) for job in jobs],
                "count": len(jobs),
                "has_more": has_more,
                "limit": limit,
                "offset": offset,
            },
        )

    async def concepts(self, request: Request) -> Response:
        self.authenticate(request)
        return JSONResponse(list(catalog.CONCEPTS))

    async def camera_motions(self, request: Request) -> Response:
        self.authenticate(request)
        return JSONResponse(list(catalog.CAMERA_MOTIONS))

    async def ping(self, request: Request) -> Response:
        # The spec applies bearer auth to every operation, ping included.
        self.authenticate(request)
        return JSONResponse({"message": "pong"})

    async def credits(self, request: Request) -> Response:
        owner = self.authenticate(request)
        balance = self.ctx.simulation.balance(catalog.SURFACE, owner)
        return JSONResponse({"credit_balance": round(balance, 2)})
