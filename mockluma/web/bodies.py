"""Reading request bodies: bounded (413 past the limit) and, for JSON, strict.

Every refusal is worded by the surface's :class:`~mockluma.web.errors.Dialect`.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from mockluma.web.errors import ApiError, Dialect


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


__all__ = ["read_body", "read_json"]
