"""The Captures v2 endpoints, and the storage host that receives uploads.

Each API handler is a straight pipeline: authenticate → read → validate → engine → present.
The client's whole flow is: create a capture (get a signed URL), PUT the file there, start
processing, then poll the capture until its run is finished or failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockluma.engine.errors import InsufficientCredits
from mockluma.surfaces import Context
from mockluma.surfaces.captures import catalog, errors, presenters, records, uploads, validation
from mockluma.surfaces.captures.errors import DIALECT
from mockluma.surfaces.captures.records import Capture
from mockluma.web.planned_faults import planned_faults
from mockluma.web.urls import upload_url


class CapturesRoutes:
    """Handlers bound to one :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.simulation = ctx.simulation

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/capture/credits", self.credits, methods=["GET"]),
            Route("/capture", self.create, methods=["POST"]),
            Route("/capture", self.list_captures, methods=["GET"]),
            # After the fixed paths, so that capture/credits is never taken for a slug.
            Route("/capture/{slug}", self.get_capture, methods=["GET"]),
            Route("/capture/{slug}", self.start_processing, methods=["POST"]),
        ]

    def upload_routes(self) -> Sequence[BaseRoute]:
        return [Route("/{token}", self.upload, methods=["PUT"])]

    # -- pipeline steps -------------------------------------------------------------------

    def authenticate(self, request: Request) -> str:
        header = request.headers.get("authorization", "").strip()
        if not header:
            raise DIALECT.error(401, errors.MISSING_API_KEY)
        if not header.startswith(errors.AUTH_SCHEME):
            raise DIALECT.error(401, errors.MALFORMED_AUTHORIZATION)
        key = header.removeprefix(errors.AUTH_SCHEME).strip()
        if not key:
            raise DIALECT.error(401, errors.MISSING_API_KEY)
        keys = self.ctx.config.api_keys
        if keys and key not in keys:
            raise DIALECT.error(401, errors.INVALID_API_KEY)
        return key

    def find(self, owner: str, slug: str) -> Capture:
        capture = records.find(self.simulation, owner, slug)
        if capture is None:
            raise errors.not_found(slug)
        return capture

    def present(self, capture: Capture, request: Request) -> dict[str, Any]:
        return presenters.capture(capture, self.simulation.now(), request)

    # -- the API --------------------------------------------------------------------------

    async def credits(self, request: Request) -> Response:
        owner = self.authenticate(request)
        remaining = int(self.simulation.balance(catalog.SURFACE, owner))
        total = int(self.simulation.starting_balances.get(catalog.SURFACE, 0))
        # Exactly these three keys: lumaapi builds a dataclass from them and fails on any other.
        return JSONResponse({"remaining": remaining, "used": total - remaining, "total": total})

    async def create(self, request: Request) -> Response:
        owner = self.authenticate(request)
        raw = await validation.read_form(request, max_bytes=self.ctx.config.max_body_bytes)
        form = validation.conform("capture-create.request.json", raw)
        capture = records.create(
            self.simulation,
            owner,
            title=form["title"],
            camera_model=form.get("camModel") or catalog.DEFAULT_CAMERA_MODEL,
            remove_humans=validation.remove_humans(form.get("removeHumans")),
        )
        signed = self.signed_url(capture, request)
        return JSONResponse(
            {"signedUrls": {"source": signed}, "capture": self.present(capture, request)}
        )

    def signed_url(self, capture: Capture, request: Request) -> str:
        # Shaped like a V4-signed storage URL; only the token in the path is checked.
        expires = catalog.UPLOAD_URL_SECONDS
        date = records.timestamp(capture.created_at)
        stamp = date[:19].replace("-", "").replace(":", "") + "Z"
        return (
            f"{upload_url(request, catalog.SURFACE, capture.upload_token)}"
            f"?X-Goog-Date={stamp}&X-Goog-Expires={expires}&X-Goog-SignedHeaders=host"
        )

    async def start_processing(self, request: Request) -> Response:
        owner = self.authenticate(request)
        capture = self.find(owner, request.path_params["slug"])
        try:
            records.start_run(
                self.simulation,
                capture,
                triggers=self.ctx.config.triggers,
                faults=planned_faults(request),
            )
        except InsufficientCredits:
            raise DIALECT.error(
                402,
                "No capture credits left: processing a capture costs 1 credit. Add credits, or "
                "reset the mock.",
            ) from None
        return JSONResponse(self.present(capture, request))

    async def get_capture(self, request: Request) -> Response:
        owner = self.authenticate(request)
        capture = self.find(owner, request.path_params["slug"])
        if capture.run is not None and request.method == "GET":  # HEAD is not a poll
            self.simulation.poll(capture.run)
        return JSONResponse(self.present(capture, request))

    async def list_captures(self, request: Request) -> Response:
        owner = self.authenticate(request)
        text, skip, take, order = validation.list_query(request.query_params)
        found = records.search(
            self.simulation, owner, text=text, skip=skip, take=take, newest_first=order == "DESC"
        )
        return JSONResponse({"captures": [self.present(capture, request) for capture in found]})

    # -- the storage host -----------------------------------------------------------------

    async def upload(self, request: Request) -> Response:
        """``PUT`` of the file to a signed URL: no API key, the URL itself is the permission."""
        capture = records.by_upload_token(self.simulation, request.path_params["token"])
        if capture is None:
            raise DIALECT.error(
                403,
                "This upload URL is not valid (or its capture was reset). Create a capture and "
                "use the signed URL it returns.",
            )
        if self.simulation.now() > capture.upload_expires:
            raise DIALECT.error(
                400,
                f"This upload URL expired {catalog.UPLOAD_URL_SECONDS} seconds after it was "
                "issued. Create a new capture for a fresh URL.",
            )
        if capture.run is not None:
            raise DIALECT.error(
                409,
                f"Capture {capture.slug} is already processing; its file cannot change. Create a "
                "new capture to upload another file.",
            )
        before = capture.status
        capture.status = "uploading"
        try:
            source = await uploads.receive(request, max_bytes=self.ctx.config.max_upload_bytes)
        except ClientDisconnect:
            capture.status = before
            return Response(status_code=400)  # nobody is listening any more
        except BaseException:
            capture.status = before
            raise
        capture.source = source
        capture.status = "complete"
        return Response(status_code=200)
