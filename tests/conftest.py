"""Shared fixtures: one mock server per session (manual clock, strict mode), reset before every
test. A test fails if the mock raised, or sent a response that breaks its schema, during it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from hypothesis import HealthCheck, settings
from lumaai import AsyncLumaAI, LumaAI

from mockluma.handle import MockLuma

API_KEY = "luma-test-key"

# Property-based tests: "ci" (the default) is fixed and quick, the same examples on every run;
# "dev" searches longer with fresh examples (pytest --hypothesis-profile=dev). In "ci" the
# lifecycle state machines (tests/lifecycle/) take 25 steps an example, in "dev" hypothesis's 50.
settings.register_profile(
    "ci",
    max_examples=10,
    stateful_step_count=25,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile("ci")

# The empty CA directory, and the SSL_CERT_FILE and SSL_CERT_DIR it replaced.
_NO_CA_KEY = pytest.StashKey[tuple[str, str | None, str | None]]()


def pytest_configure(config: pytest.Config) -> None:
    """Every HTTP client in this suite talks plain HTTP to a mock on loopback, yet each new
    httpx client (and each SDK client, which wraps one) parses a whole CA bundle for its SSL
    context: 30-50 ms apiece, a third of the suite's time. An empty CA directory instead of the
    bundle makes that free; subprocesses (pytester, the example project) inherit it."""
    empty = tempfile.mkdtemp(prefix="mockluma-no-ca-")
    config.stash[_NO_CA_KEY] = (
        empty,
        os.environ.get("SSL_CERT_FILE"),
        os.environ.get("SSL_CERT_DIR"),
    )
    os.environ.pop("SSL_CERT_FILE", None)
    os.environ["SSL_CERT_DIR"] = empty


def pytest_unconfigure(config: pytest.Config) -> None:
    stashed = config.stash.get(_NO_CA_KEY, None)
    if stashed is None:
        return
    empty, cert_file, cert_dir = stashed
    for name, value in (("SSL_CERT_FILE", cert_file), ("SSL_CERT_DIR", cert_dir)):
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    shutil.rmtree(empty, ignore_errors=True)


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
