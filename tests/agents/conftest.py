"""Fixtures for the Agents API: the official ``luma-agents`` SDK, sync and async, with strict
response validation, on the session's mock server; and a contract check after every test.

After each test, every response the mock sent under ``/v1`` is checked against the shipped
response schema of its endpoint, and no request may have crashed inside the mock.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from luma_agents import AsyncLuma, Luma

from mockluma.handle import MockLuma
from mockluma.schemas import store as schema_store

API_KEY = "luma-api-test-key"

# (method, path pattern, status class) -> response schema.
RESPONSE_SCHEMAS: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"/v1/generations"), "generation.response.json"),
    ("GET", re.compile(r"/v1/generations/[^/]+"), "generation.response.json"),
    ("POST", re.compile(r"/v1/files"), "create-file.response.json"),
    ("GET", re.compile(r"/v1/files"), "files-list.response.json"),
    ("GET", re.compile(r"/v1/files/[^/]+"), "file.response.json"),
    ("POST", re.compile(r"/v1/files/[^/]+/complete"), "file.response.json"),
]


def schema_for(method: str, path: str, status: int) -> str | None:
    if status >= 400:
        return "error.response.json"
    for wanted, pattern, schema in RESPONSE_SCHEMAS:
        if method == wanted and pattern.fullmatch(path):
            return schema
    return None


@pytest.fixture(autouse=True)
def contract(luma: MockLuma) -> Iterator[None]:
    yield
    crashes = luma.take_errors()
    assert not crashes, "\n".join(crashes)
    for exchange in luma.journal.find(path="/v1/*"):
        if exchange.status == 0:
            continue  # a crash, answered from outside the journal (and reported above)
        if exchange.method == "DELETE" and exchange.status == 204:
            assert exchange.response_body == b""
            continue
        schema = schema_for(exchange.method, exchange.path, exchange.status)
        assert schema is not None, f"{exchange.describe()}: no response schema for this endpoint"
        body = exchange.response_json()
        problem = schema_store.first_error(f"agents/{schema}", body)
        assert problem is None, f"{exchange.describe()}: {problem.message} at {problem.json_path}"


@pytest.fixture(scope="session")
def agents(luma_server: MockLuma) -> Iterator[Luma]:
    # One client for the session (making one costs more than a request); the autouse
    # contract fixture resets the mock before each test.
    with Luma(
        auth_token=API_KEY,
        base_url=f"{luma_server.url}/v1",
        max_retries=0,
        _strict_response_validation=True,
    ) as sdk:
        yield sdk


@pytest.fixture
async def async_agents(luma: MockLuma) -> AsyncIterator[AsyncLuma]:
    async with AsyncLuma(
        auth_token=API_KEY,
        base_url=f"{luma.url}/v1",
        max_retries=0,
        _strict_response_validation=True,
    ) as sdk:
        yield sdk


@pytest.fixture(scope="session")
def web() -> Iterator[httpx.Client]:
    """A plain HTTP client for URLs the API hands out (media, uploads); one per session, since
    making a client costs more than a request to the mock."""
    with httpx.Client() as plain:
        yield plain


@pytest.fixture(scope="session")
def http(luma_server: MockLuma) -> Iterator[httpx.Client]:
    """A plain HTTP client on ``/v1``, authenticated like the SDK."""
    with httpx.Client(
        base_url=f"{luma_server.url}/v1", headers={"Authorization": f"Bearer {API_KEY}"}
    ) as plain:
        yield plain
