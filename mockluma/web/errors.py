"""Errors in a surface's own words: :class:`Dialect` and the :class:`ApiError` it makes.

Each surface supplies a :class:`Dialect` so that the same failure (a body that is too large, a
malformed document) is answered in that API's own error shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from starlette.responses import JSONResponse, Response

from mockluma.errors import MockLumaError


class ApiError(MockLumaError):
    """A response in a surface's own error dialect, raised from anywhere in a handler.

    Part of the tree of :mod:`mockluma.errors`, but defined here: it renders itself as a
    Starlette response, and that module, which the engine imports, stays free of Starlette.
    """

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body!r}")
        self.status = status
        self.body = body
        self.headers = dict(headers or {})

    def response(self) -> Response:
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


class Dialect(Protocol):
    """How one API words its errors."""

    def error(self, status: int, message: str) -> ApiError:
        """The error response for ``status`` carrying ``message``."""


__all__ = ["ApiError", "Dialect"]
