"""Shared fixtures: one mock server per session (manual clock, strict mode), reset before every
test. A test fails if the mock raised, or sent a response that breaks its schema, during it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from hypothesis import HealthCheck, settings
from lumaai import AsyncLumaAI, LumaAI

from mockluma.handle import MockLuma

API_KEY = "luma-test-key"

# Property-based tests: "ci" (the default) is fixed and quick, the same examples on every run;
# "dev" searches longer with fresh examples (pytest --hypothesis-profile=dev).
settings.register_profile(
    "ci",
    max_examples=10,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile("ci")


@pytest.fixture(scope="session")
def luma_server() -> Iterator[MockLuma]:
    with MockLuma(clock="manual", seed=1234, timing="realistic", strict=True) as server:
        yield server


@pytest.fixture
def luma(luma_server: MockLuma) -> Iterator[MockLuma]:
    luma_server.reset()
    yield luma_server
    errors = luma_server.take_errors()
    if errors:
        pytest.fail("The mock raised or broke its contract:\n\n" + "\n".join(errors), pytrace=False)


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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--recordings",
        metavar="DIR",
        default=os.environ.get("MOCKLUMA_RECORDINGS"),
        help="also hold the recordings of `mockluma proxy --record DIR` to the schemas and the "
        "SDKs' types (tests/contracts/test_team_recordings.py); default $MOCKLUMA_RECORDINGS",
    )
