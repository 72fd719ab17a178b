"""HTTP plumbing every surface shares, one module per job:

- :mod:`~mockluma.web.errors`: :class:`Dialect` (how an API words its errors) and
  :class:`ApiError` (an answer in that dialect, raised from anywhere in a handler);
- :mod:`~mockluma.web.bodies`: reading bodies, bounded, and JSON, strictly;
- :mod:`~mockluma.web.json_cache`: JSON answers rendered once and reused;
- :mod:`~mockluma.web.auth`: how a request presents its API key;
- :mod:`~mockluma.web.urls`: absolute URLs back to this server (base URL, media, uploads);
- :mod:`~mockluma.web.presign`: S3-style presigned URLs and storage's XML errors;
- :mod:`~mockluma.web.router`: Starlette's router and mounts, minus the regular expressions
  that cannot match (the request path's router, not :mod:`mockluma.schemas.route_schemas`,
  which says which schema describes each route).

The engine below this layer never imports Starlette. This package's face re-exports the names
surfaces use most, so ``from mockluma.web import ApiError, read_json`` keeps working; code in
mockluma itself imports from the module that does the job.
"""

from __future__ import annotations

from mockluma.web.auth import bearer_token
from mockluma.web.bodies import read_body, read_json
from mockluma.web.errors import ApiError, Dialect
from mockluma.web.json_cache import JsonBodies, json_bytes
from mockluma.web.presign import is_presigned, presign, presign_refusal, storage_error
from mockluma.web.urls import UPLOADS_PATH, base_url_of, media_url, upload_url

__all__ = [
    "UPLOADS_PATH",
    "ApiError",
    "Dialect",
    "JsonBodies",
    "base_url_of",
    "bearer_token",
    "is_presigned",
    "json_bytes",
    "media_url",
    "presign",
    "presign_refusal",
    "read_body",
    "read_json",
    "storage_error",
    "upload_url",
]
