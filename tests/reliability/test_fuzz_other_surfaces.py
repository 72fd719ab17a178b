"""A schema-driven fuzz of the four other APIs (Agents, Captures, AppyPie, UmamiAI): schemathesis
on the OpenAPI documents built from each one's shipped route map and schemas (``openapi.py``),
valid and invalid data, every check. No answer may be a 5xx, and no check may fail except
``positive_data_acceptance``: the mock applies each API's documented rules beyond its schemas
(ids that must exist, a file's size and type, a prompt's length) and refuses them in that API's
words. Those are counted (``pytest -s`` prints them).

Bounded for CI: 5 examples per operation in the fuzzing phase, plus the coverage phase's
boundary and negative cases (``MOCKLUMA_FUZZ_EXAMPLES`` for more).
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from mockluma.handle import MockLuma

from .openapi import AUTH_HEADERS, openapi

EXAMPLES = int(os.environ.get("MOCKLUMA_FUZZ_EXAMPLES", "5"))
FUZZ_SETTINGS = settings(
    deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
OBSERVED: collections.Counter[str] = collections.Counter()
EXPECTED = {"Schema-valid request rejected"}


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[MockLuma]:
    with MockLuma(clock="manual", seed=13, strict=True) as luma:
        yield luma
        errors = luma.take_errors()
    for finding, count in sorted(OBSERVED.items()):
        print(f"{count:5}  {finding}")
    assert errors == [], "\n".join(errors)


def check(case: Any, base_url: str, surface: str) -> None:
    response = case.call(base_url=base_url, headers=AUTH_HEADERS[surface])
    assert response.status_code < 500, (
        f"{case.operation.label} answered {response.status_code}: {response.text[:500]}\n"
        f"Reproduce: {case.as_curl_command()}"
    )
    try:
        case.validate_response(response)
    except BaseException as failure:
        titles = [
            str(getattr(item, "title", type(item).__name__))
            for item in getattr(failure, "exceptions", [failure])
        ]
        OBSERVED.update(f"{case.operation.label}: {title}" for title in titles)
        if set(titles) - EXPECTED:
            raise


def _schema(surface: str) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_dict(openapi(surface))
    schema.config.generation.update(max_examples=EXAMPLES)
    return schema


AGENTS, CAPTURES, APPYPIE, UMAMI = (
    _schema(name) for name in ("agents", "captures", "appypie", "umami")
)


@AGENTS.parametrize()
@FUZZ_SETTINGS
def test_agents(case: Any, fuzz_server: MockLuma) -> None:
    check(case, fuzz_server.url, "agents")


@CAPTURES.parametrize()
@FUZZ_SETTINGS
def test_captures(case: Any, fuzz_server: MockLuma) -> None:
    check(case, fuzz_server.url, "captures")


@APPYPIE.parametrize()
@FUZZ_SETTINGS
def test_appypie(case: Any, fuzz_server: MockLuma) -> None:
    check(case, fuzz_server.url, "appypie")


@UMAMI.parametrize()
@FUZZ_SETTINGS
def test_umami(case: Any, fuzz_server: MockLuma) -> None:
    check(case, fuzz_server.url, "umami")
