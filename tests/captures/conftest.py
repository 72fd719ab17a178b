"""Fixtures for the Captures v2 tests: the unmodified ``lumaapi`` client pointed at the mock.

``lumaapi`` hard-codes its base URL in a module constant (``API_BASE_URL``) and reads no
environment variable or config file for it, so the tests set that constant (and the auth file
location, computed at import from the user's config directory) with ``monkeypatch``. Nothing
else about the library is touched.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockluma.handle import MockLuma

# Importing lumaapi warns that the API is deprecated; the suite turns warnings into errors.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "DEPRECATED: lumaapi", UserWarning)
    import lumaapi

API_KEY = "luma-capture-key"


def auth_header(key: str = API_KEY) -> dict[str, str]:
    return {"Authorization": f"luma-api-key={key}"}


@pytest.fixture
def point_lumaapi(luma: MockLuma, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Point the ``lumaapi`` module at the mock, with its auth cache in a temporary folder."""
    monkeypatch.setattr(lumaapi, "API_BASE_URL", f"{luma.captures_url}/")
    monkeypatch.setattr(lumaapi, "CACHE_DIR", str(tmp_path / "luma"))
    monkeypatch.setattr(lumaapi, "AUTH_FILE", str(tmp_path / "luma" / "auth.json"))


@pytest.fixture
def captures(point_lumaapi: None) -> Any:
    """A ``LumaClient`` whose key has been verified against the mock, as its docs show."""
    return lumaapi.LumaClient(API_KEY)


@pytest.fixture
def api(luma: MockLuma) -> Iterator[httpx.Client]:
    """A plain HTTP client on ``/api/v2``, authenticated like ``lumaapi``."""
    with httpx.Client(base_url=f"{luma.captures_url}/", headers=auth_header()) as plain:
        yield plain
    assert luma.take_errors() == [], "the mock raised while handling a request"
