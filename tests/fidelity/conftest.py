"""Fixtures for the false-green suite: the official clients of each API, strict response
validation on, no retries, on the session's mock server (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from luma_agents import Luma

from mockluma.handle import MockLuma

AGENTS_KEY = "luma-api-fidelity-key"


@pytest.fixture
def agents(luma: MockLuma) -> Iterator[Luma]:
    with Luma(
        auth_token=AGENTS_KEY,
        base_url=f"{luma.url}/v1",
        max_retries=0,
        _strict_response_validation=True,
    ) as sdk:
        yield sdk


@pytest.fixture
def root(luma: MockLuma) -> Iterator[httpx.Client]:
    """A plain client at the mock's root, for the gateways (which have no official SDK)."""
    with httpx.Client(base_url=luma.url) as plain:
        yield plain


@pytest.fixture
def http_dm(luma: MockLuma) -> Iterator[httpx.Client]:
    """A plain client on Dream Machine, for bodies the SDK's signatures would not send."""
    headers = {"Authorization": "Bearer luma-test-key"}
    with httpx.Client(base_url=luma.dream_machine_url, headers=headers) as plain:
        yield plain
