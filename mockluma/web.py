"""HTTP plumbing every surface shares: bounded JSON bodies, auth headers, errors, media and
upload links.

The engine below this layer never imports Starlette. Each surface supplies a :class:`Dialect`
so that the same failure (a body that is too large, a malformed document) is answered in that
API's own error shape.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Generic, NamedTuple, Protocol, TypeVar
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

K = TypeVar("K", bound=Hashable)


class ApiError(Exception):
    """A response in a surface's own error dialect, raised from anywhere in a handler."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body!r}")
        self.status = status
        self.body = body
        self.headers = dict(headers or {})

    def response(self) -> Response:
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


# What JSONResponse.render does, with one encoder made once rather than one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
_JSON_CONTENT_TYPE = (b"content-type", b"application/json")


def json_bytes(content: Any) -> bytes:
    """The bytes ``JSONResponse(content)`` sends."""
    return _ENCODER.encode(content).encode("utf-8")


class JsonBodies(Generic[K]):
    """The JSON bodies of recently presented objects, rendered once and then reused.

    Polling one generation is the most common request a mock gets, and its answer only changes
    when the generation does; rendering it is a third of the cost of a GET. A surface whose
    presenter depends on nothing but what ``key`` captures (see its ``presenters`` module) keeps
    the bytes here, with their headers. Bounded: past ``limit`` entries the oldest is dropped.
    """

    def __init__(self, limit: int = 1024) -> None:
        self._limit = limit
        self._answers: OrderedDict[K, _Rendered] = OrderedDict()

    def response(self, key: K, present: Callable[[], Any], status: int = 200) -> Response:
        """``JSONResponse(present(), status)``, with ``present`` called only for a new key."""
        answer = self._answers.get(key)
        if answer is None:
            body = json_bytes(present())
            # The headers JSONResponse gives it, in its order.
            headers = ((b"content-length", str(len(body)).encode()), _JSON_CONTENT_TYPE)
            answer = _Rendered(body, headers)
            if len(self._answers) >= self._limit:
                self._answers.popitem(last=False)
            self._answers[key] = answer
        return _RenderedResponse(answer, status)


class _Rendered(NamedTuple):
    body: bytes
    raw_headers: tuple[tuple[bytes, bytes], ...]
    """Content-Length and Content-Type, as ``JSONResponse`` sets them."""


class _RenderedResponse(Response):
    """A response whose body and headers were worked out before: building a ``Response``
    anew (rendering, encoding its headers) takes longer than the whole look-up."""

    def __init__(self, answer: _Rendered, status: int) -> None:
        self.status_code = status
        self.body = answer.body
        self.raw_headers = list(answer.raw_headers)  # middleware may add to the list
        self.background = None


class Dialect(Protocol):
    """How one API words its errors."""

    def error(self, status: int, message: str) -> ApiError:
        """The error response for ``status`` carrying ``message``."""


async def read_body(request: Request, *, max_bytes: int, dialect: Dialect) -> bytes:
    """The raw body, refused with 413 as soon as it grows past ``max_bytes``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(dialect, max_bytes)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(dialect, max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(dialect: Dialect, max_bytes: int) -> ApiError:
    return dialect.error(
        413, f"Request body is too large: the limit is {max_bytes} bytes. Send a smaller body."
    )


async def read_json(request: Request, *, max_bytes: int, dialect: Dialect) -> Any:
    """The body parsed as JSON; an empty body counts as ``{}``."""
    raw = await read_body(request, max_bytes=max_bytes, dialect=dialect)
    if not raw.strip():
        return {}
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        # Whatever is accepted must be writable back out as strict JSON: this refuses numbers
        # too large for a float (1e999) and lone UTF-16 surrogates ("\ud800").
        json.dumps(document, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeError:
        raise dialect.error(400, "Request body is not valid UTF-8 JSON.") from None
    except json.JSONDecodeError as exc:
        raise dialect.error(
            400,
            f"Request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.",
        ) from None
    except (ValueError, RecursionError) as exc:
        raise dialect.error(400, f"Request body is not acceptable JSON: {_reason(exc)}.") from None
    return document


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    return str(exc).rstrip(".") or "a value is out of range"


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or ``None``."""
    for name, value in request.scope["headers"]:  # as request.headers.get, without building it
        if name == b"authorization":
            return _bearer(bytes(value))
    return None


@functools.lru_cache(maxsize=1024)  # a client sends the same header every time; keys are many
def _bearer(header: bytes) -> str | None:
    scheme, _, token = header.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def note_api_key(request: Request, key: str) -> None:
    """Record the key the caller presented, for the journal, when it is not a bearer token."""
    request.state.api_key = key


def media_url(base_url: str, token: str, name: str) -> str:
    """An absolute URL on the server at ``base_url`` that serves the shipped media file ``name``."""
    return f"{base_url}_mockluma/media/{token}/{name}"


# The ASGI scope of the request being handled, for code that runs inside a request but is not
# handed the request (an order recording where its client reached the mock, say).
current_scope: ContextVar[Scope | None] = ContextVar("current_scope", default=None)


def request_base_url() -> str:
    """The root URL (ending in ``/``) by which the current request reached the mock."""
    scope = current_scope.get()
    if scope is None:
        return "http://mockluma.invalid/"
    return base_url_of(scope)


def base_url_of(request: Request | Scope) -> str:
    """``str(request.base_url)``, the root URL (ending in ``/``) the request reached us by.

    Starlette builds it from a copy of the scope and parses the Host header each time, which
    is a tenth of a GET's cost; it only depends on the four values below, so it is memoized
    on them (a bounded cache: Host headers are the client's to choose).
    """
    scope = request.scope if isinstance(request, Request) else request
    host = None
    for name, value in scope["headers"]:
        if name == b"host":
            host = bytes(value)
            break
    server = scope.get("server")
    return _base_url(
        scope.get("scheme", "http"),
        None if server is None else tuple(server),
        host,
        scope.get("app_root_path", scope.get("root_path", "")),
    )


@functools.lru_cache(maxsize=256)
def _base_url(
    scheme: str, server: tuple[Any, ...] | None, host: bytes | None, root_path: str
) -> str:
    scope: Scope = {
        "type": "http",
        "scheme": scheme,
        "server": server,
        "path": "/",
        "root_path": root_path,
        "query_string": b"",
        "headers": [] if host is None else [(b"host", host)],
    }
    return str(Request(scope).base_url)


UPLOADS_PATH = "/_mockluma/uploads"
"""Where each surface's storage host is mounted: ``/_mockluma/uploads/<surface name>``."""


def upload_url(request: Request, surface: str, token: str) -> str:
    """An absolute URL on this server that accepts a ``PUT`` for the upload ``token``."""
    return f"{base_url_of(request)}{UPLOADS_PATH.lstrip('/')}/{surface}/{token}"


# -- presigned URLs --------------------------------------------------------------------------
# Storage URLs in the style of S3's query-string signatures: a date, a lifetime in seconds and
# an HMAC over both and the path. Time is simulated time, so "expires in an hour" means an hour
# of the mock's clock.

_AMZ_DATE = "%Y%m%dT%H%M%SZ"


def presign(path: str, *, key: bytes, signed_at: float, expires_in: int) -> str:
    """The query string that makes ``path`` valid for ``expires_in`` seconds from ``signed_at``."""
    date = datetime.fromtimestamp(signed_at, UTC).strftime(_AMZ_DATE)
    return urlencode(
        {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Date": date,
            "X-Amz-Expires": str(expires_in),
            "X-Amz-Signature": _signature(key, path, date, str(expires_in)),
        }
    )


def is_presigned(query: Mapping[str, str]) -> bool:
    return any(name.lower().startswith("x-amz-") for name in query)


def presign_refusal(
    path: str, query: Mapping[str, str], *, key: bytes, now: float
) -> tuple[str, str] | None:
    """Why storage refuses this URL at ``now``, as S3's ``(code, message)``; ``None`` if valid."""
    date, lifetime = query.get("X-Amz-Date", ""), query.get("X-Amz-Expires", "")
    signature = query.get("X-Amz-Signature", "")
    if not (date and lifetime and signature):
        return "AccessDenied", "Query-string authentication requires a signature and an expiry."
    if not hmac.compare_digest(signature, _signature(key, path, date, lifetime)):
        return (
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    try:
        signed_at = datetime.strptime(date, _AMZ_DATE).replace(tzinfo=UTC).timestamp()
        expires_at = signed_at + int(lifetime)
    except ValueError:
        # Only someone who knows the key can sign values that presign() never writes.
        return "AuthorizationQueryParametersError", "X-Amz-Date or X-Amz-Expires is malformed."
    if now > expires_at:
        return "AccessDenied", "Request has expired"
    return None


def _signature(key: bytes, path: str, date: str, lifetime: str) -> str:
    message = f"{path}\n{date}\n{lifetime}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def storage_error(status: int, code: str, message: str) -> Response:
    """An error as a storage bucket words it: S3's XML ``<Error>`` document."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
    )
    return Response(body, status_code=status, media_type="application/xml")
