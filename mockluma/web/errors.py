"""Errors in a surface's own words: :class:`Dialect` and the :class:`ApiError` it makes.

Each surface supplies a :class:`Dialect` so that the same failure (a body that is too large, a
malformed document) is answered in that API's own error shape.
"""

from __future__ import annotations

from typing import Protocol

from mockluma.errors import ApiError as ApiError


class Dialect(Protocol):
    """How one API words its errors."""

    def error(self, status: int, message: str) -> ApiError:
        """The error response for ``status`` carrying ``message``."""


__all__ = ["ApiError", "Dialect"]
