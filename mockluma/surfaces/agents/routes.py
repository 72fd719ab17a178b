"""The Agents endpoints. Each handler is a straight pipeline:
authenticate → read → validate → engine → present.

The storage side (the presigned PUT of an upload) is served outside ``/v1``, under
``/_mockluma/agents/``, because on Luma it is a storage bucket, not the API host; it speaks
S3's XML errors and needs no API key, only a valid signature.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockluma.engine.errors import JobNotFound
from mockluma.engine.jobs import Job
from mockluma.surfaces import Context
from mockluma.surfaces.agents import catalog, errors, files, orders, presenters, validation
from mockluma.surfaces.agents.errors import DIALECT, bad_request
from mockluma.surfaces.agents.probe import HEAD_BYTES, probe
from mockluma.web.bodies import read_json
from mockluma.web.errors import ApiError
from mockluma.web.planned_faults import planned_faults
from mockluma.web.presign import presign_refusal, storage_error
from mockluma.web.urls import base_url_of

# Keys that stand for the accounts Luma refuses, so a test can reach every documented refusal
# without configuring anything: "luma-api-revoked-1" is a revoked key, and so on.
REFUSING_KEYS: tuple[tuple[str, int, str], ...] = (
    ("luma-api-invalid", 401, errors.INVALID_KEY),
    ("luma-api-revoked", 401, errors.REVOKED_KEY),
    ("luma-api-expired", 401, errors.EXPIRED_KEY),
    ("luma-api-suspended", 403, errors.SUSPENDED),
    ("luma-api-deactivated", 403, errors.DEACTIVATED),
)
_FORM_OVERHEAD = 64 * 1024
"""Room for the multipart framing and text fields around an inline upload's bytes."""


class AgentsRoutes:
    """Handlers bound to one :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/generations", self.create_generation, methods=["POST"]),
            Route("/generations/{id}", self.get_generation, methods=["GET"]),
            Route("/files", self.create_file, methods=["POST"]),
            Route("/files", self.list_files, methods=["GET"]),
            Route("/files/{id}", self.get_file, methods=["GET"]),
            Route("/files/{id}", self.delete_file, methods=["DELETE"]),
            Route("/files/{id}/complete", self.complete_file, methods=["POST"]),
        ]

    def storage_routes(self) -> Sequence[BaseRoute]:
        return [Route("/uploads/{id}", self.upload, methods=["PUT"])]

    # -- pipeline steps -------------------------------------------------------------------

    def authenticate(self, request: Request) -> str:
        # The scheme is case-sensitive ("bearer" is refused), and keys start with luma-api-.
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme != "Bearer" or not token.startswith(catalog.KEY_PREFIX):
            raise DIALECT.error(401, errors.MISSING_KEY)
        for prefix, status, message in REFUSING_KEYS:
            if token.startswith(prefix):
                raise DIALECT.error(status, message)
        keys = self.ctx.config.api_keys
        if keys and token not in keys:
            raise DIALECT.error(401, errors.INVALID_KEY)
        return token

    async def body(self, request: Request, schema: str, max_bytes: int | None = None) -> Any:
        limit = max(self.ctx.config.max_body_bytes, max_bytes or 0)
        raw = await read_json(request, max_bytes=limit, dialect=DIALECT)
        return validation.conform(schema, raw)

    def present(self, job: Job, request: Request, status: int = 200) -> Response:
        return JSONResponse(presenters.generation(job, request, self.ctx), status_code=status)

    def present_file(self, stored: files.StoredFile) -> Response:
        return JSONResponse(presenters.file(stored, self.ctx))

    # -- generations ----------------------------------------------------------------------

    async def create_generation(self, request: Request) -> Response:
        owner = self.authenticate(request)
        body = await self.body(
            request, "generation-create.request.json", catalog.MAX_GENERATION_BODY
        )
        job = orders.create_generation(
            self.ctx, owner, body, base_url_of(request), faults=planned_faults(request)
        )
        response = self.present(job, request, 201)
        response.headers.update(errors.rate_limit_headers(job))
        return response

    async def get_generation(self, request: Request) -> Response:
        owner = self.authenticate(request)
        try:
            job = self.ctx.simulation.get(catalog.SURFACE, owner, request.path_params["id"])
        except JobNotFound:
            raise DIALECT.error(404, errors.GENERATION_NOT_FOUND) from None
        if request.method == "GET":  # Starlette also routes HEAD here; that is not a poll
            self.ctx.simulation.poll(job)
        return self.present(job, request)

    # -- files ----------------------------------------------------------------------------

    async def create_file(self, request: Request) -> Response:
        owner = self.authenticate(request)
        content_type = request.headers.get("content-type", "").lower()
        if content_type.startswith("multipart/form-data"):
            stored = await self._inline_upload(request, owner)
        else:
            fields = await self.body(request, "file-create.request.json")
            stored = files.create(self.ctx, owner, self._file_fields(fields), presigned=True)
        return JSONResponse(presenters.created_file(stored, request, self.ctx), status_code=201)

    async def _inline_upload(self, request: Request, owner: str) -> files.StoredFile:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > catalog.MAX_INLINE_UPLOAD_BYTES + _FORM_OVERHEAD:
            raise _inline_too_large()
        try:
            form = await request.form(max_files=1, max_fields=16)
        except (MultiPartException, HTTPException, ValueError) as exc:
            reason = getattr(exc, "message", None) or getattr(exc, "detail", None) or str(exc)
            raise bad_request(f"The multipart body could not be read: {reason}") from None
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise bad_request("The multipart form needs a 'file' part holding the media.")
            head = await upload.read(HEAD_BYTES)
            size = upload.size if upload.size is not None else len(head)
            if size > catalog.MAX_INLINE_UPLOAD_BYTES:
                raise _inline_too_large()
            if size == 0:
                raise bad_request("The 'file' part is empty; send the media's bytes.")
            texts = {name: value for name, value in form.items() if isinstance(value, str)}
            validation.conform("file-create.form.json", {**texts, "file": "<bytes>"})
            found = probe(head)
            part_type = (upload.content_type or "").split(";")[0].strip().lower()
            if part_type in ("", "application/octet-stream"):
                part_type = found.mime_type if found is not None else "application/octet-stream"
            fields = {
                **texts,
                "mime_type": texts.get("mime_type") or part_type,
                "size_bytes": size,
                "filename": texts.get("filename") or upload.filename,
            }
            stored = files.create(self.ctx, owner, self._file_fields(fields), presigned=False)
            files.receive(stored, head, size)
            files.start_ingest(self.ctx, stored, faults=planned_faults(request))
            return stored
        finally:
            await form.close()

    def _file_fields(self, fields: dict[str, Any]) -> dict[str, Any]:
        """The fields of a new file with Luma's limits applied and ``expires_at`` as a time."""
        if fields["size_bytes"] > catalog.MAX_FILE_BYTES:
            raise DIALECT.error(
                413, "size_bytes exceeds the 5 GiB limit of a single upload; send a smaller file."
            )
        mime_type = fields["mime_type"].lower()
        if mime_type not in catalog.IMAGE_MIME_TYPES | catalog.VIDEO_MIME_TYPES:
            raise DIALECT.error(
                422,
                f"Unsupported mime_type '{fields['mime_type']}': upload a JPEG, PNG, WebP or GIF "
                "image, or an MP4 or QuickTime video.",
            )
        expires = fields.get("expires_at")
        expires_at = None if expires is None else _expiry(expires, self.ctx.simulation.now())
        return {**fields, "mime_type": mime_type, "expires_at": expires_at}

    async def complete_file(self, request: Request) -> Response:
        owner = self.authenticate(request)
        # The SDK posts no body here (with a JSON content type); nothing in it is read.
        stored = files.complete(
            self.ctx, owner, request.path_params["id"], faults=planned_faults(request)
        )
        return self.present_file(stored)

    async def get_file(self, request: Request) -> Response:
        owner = self.authenticate(request)
        stored = files.get(self.ctx, owner, request.path_params["id"])
        if request.method == "GET":
            files.poll(self.ctx, stored)
        return self.present_file(stored)

    async def delete_file(self, request: Request) -> Response:
        owner = self.authenticate(request)
        files.delete(self.ctx, owner, request.path_params["id"])
        return Response(status_code=204)

    async def list_files(self, request: Request) -> Response:
        owner = self.authenticate(request)
        query = validation.list_query(request.query_params)
        page = files.page(
            self.ctx,
            owner,
            limit=query.get("limit", catalog.FILE_PAGE_DEFAULT),
            cursor=query.get("cursor"),
            purpose=query.get("purpose"),
            state=query.get("state"),
        )
        return JSONResponse(
            {
                "data": [presenters.file(stored, self.ctx) for stored in page.files],
                "has_more": page.has_more,
                "next_cursor": page.next_cursor,
            }
        )

    # -- storage --------------------------------------------------------------------------

    async def upload(self, request: Request) -> Response:
        """The presigned PUT of a file's bytes, answered as S3 answers it."""
        refusal = presign_refusal(
            request.url.path,
            request.query_params,
            key=self.ctx.signing_key,
            now=self.ctx.simulation.now(),
        )
        if refusal is not None:
            return storage_error(403, *refusal)
        file_id = request.path_params["id"]
        owner = files.uploads(self.ctx).owners.get(file_id)
        try:
            stored = files.get(self.ctx, owner, file_id) if owner is not None else None
        except ApiError:
            stored = None
        if stored is None:
            return storage_error(404, "NoSuchUpload", "The specified upload does not exist.")
        if stored.ingest is not None or stored.deleted(self.ctx.simulation.now()) is not None:
            return storage_error(403, "AccessDenied", "The file was completed or deleted.")
        content_type = request.headers.get("content-type", "")
        if content_type.lower() != stored.mime_type:
            return storage_error(
                403,
                "SignatureDoesNotMatch",
                f"The request signature covers Content-Type: {stored.mime_type}; send that "
                "header unchanged.",
            )
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > stored.size_bytes:
            return _entity_too_large()
        digest = hashlib.md5(usedforsecurity=False)
        head = bytearray()
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > stored.size_bytes:
                return _entity_too_large()
            digest.update(chunk)
            if len(head) < HEAD_BYTES:
                head += chunk[: HEAD_BYTES - len(head)]
        files.receive(stored, bytes(head), size)
        return Response(status_code=200, headers={"ETag": f'"{digest.hexdigest()}"'})


def _expiry(value: str, now: float) -> float:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise bad_request(
            f"Field 'expires_at' must be an ISO 8601 date-time, not {value!r}."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    expires_at = moment.timestamp()
    if expires_at <= now:
        raise bad_request("Field 'expires_at' must be in the future.")
    return expires_at


def _inline_too_large() -> ApiError:
    return DIALECT.error(
        413,
        f"Inline uploads are limited to {catalog.MAX_INLINE_UPLOAD_BYTES // catalog.MB} MB; "
        "create the file with a JSON body and PUT the bytes to its presigned URL instead.",
    )


def _entity_too_large() -> Response:
    return storage_error(
        400, "EntityTooLarge", "Your proposed upload exceeds the size_bytes the URL was made for."
    )
