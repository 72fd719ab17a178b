"""The HTTP-free simulation core."""

from __future__ import annotations
