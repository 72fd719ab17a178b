"""Shared fixtures: one mock server per session (manual clock), reset before every test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from lumaai import AsyncLumaAI, LumaAI

from mockluma.handle import MockLuma

API_KEY = "luma-test-key"


@pytest.fixture(scope="session")
def luma_server() -> Iterator[MockLuma]:
    with MockLuma(clock="manual", seed=1234, timing="realistic") as server:
        yield server


@pytest.fixture
def luma(luma_server: MockLuma) -> MockLuma:
    luma_server.reset()
    return luma_server


@pytest.fixture
def client(luma: MockLuma) -> Iterator[LumaAI]:
    # Strict response validation: the SDK's own models judge every body the mock sends.
    with LumaAI(
        auth_token=API_KEY,
        base_url=luma.dream_machine_url,
        max_retries=0,
        _strict_response_validation=True,
    ) as sdk:
        yield sdk


@pytest.fixture
async def async_client(luma: MockLuma) -> AsyncIterator[AsyncLumaAI]:
    async with AsyncLumaAI(
        auth_token=API_KEY,
        base_url=luma.dream_machine_url,
        max_retries=0,
        _strict_response_validation=True,
    ) as sdk:
        yield sdk


@pytest.fixture
def http(luma: MockLuma) -> Iterator[httpx.Client]:
    """A plain HTTP client on the mock, authenticated like the SDK."""
    with httpx.Client(
        base_url=luma.dream_machine_url, headers={"Authorization": f"Bearer {API_KEY}"}
    ) as plain:
        yield plain


@pytest.fixture
def appypie(luma: MockLuma) -> Iterator[httpx.Client]:
    """A plain HTTP client on the AppyPie gateway, with the headers its examples send."""
    headers = {
        "Content-Type": "application/json",
        "Cache-Control": "no-cache",
        "Ocp-Apim-Subscription-Key": "appypie-test-key",
    }
    with httpx.Client(base_url=luma.appypie_url, headers=headers) as plain:
        yield plain


@pytest.fixture
def umami(luma: MockLuma) -> Iterator[httpx.Client]:
    """A plain HTTP client on the UmamiAI proxy, with the headers its examples send."""
    headers = {"Authorization": "Bearer umami-test-key", "content-type": "application/json"}
    with httpx.Client(base_url=luma.umami_url, headers=headers) as plain:
        yield plain


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
