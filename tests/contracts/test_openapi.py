"""``GET /_mockluma/openapi.json``: a valid OpenAPI 3.1 document of what the mock serves, and
schemathesis, driven by it, finds the mock keeping to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mockluma import MockLuma
from mockluma.schemas.openapi import openapi_document
from mockluma.schemas.route_schemas import route_map, surfaces_with_maps
from mockluma.surfaces import registry

APIS = surfaces_with_maps()
PREFIXES = {surface.name: surface.prefix for surface in registry.surfaces()}


@pytest.fixture(scope="module")
def luma() -> Iterator[MockLuma]:
    # Strict: a response that breaks its schema answers 500, which not_a_server_error catches.
    with MockLuma(strict=True, rate_limits=False) as mock:
        yield mock


@pytest.mark.parametrize("api", [*APIS, "all"])
def test_the_document_of_each_api_is_valid_openapi_3_1(luma: MockLuma, api: str) -> None:
    response = httpx.get(f"{luma.url}/_mockluma/openapi.json", params={"api": api})
    assert response.status_code == 200
    document = response.json()
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": luma.url}]
    chosen = APIS if api == "all" else [api]
    operations = sum(len(methods) for methods in document["paths"].values())
    assert operations == sum(len(route_map(name).routes) for name in chosen)
    assert set(document["components"]["securitySchemes"]) == set(chosen)


def test_all_is_the_default_and_an_unknown_api_is_refused(luma: MockLuma) -> None:
    everything = httpx.get(f"{luma.url}/_mockluma/openapi.json").json()
    assert set(everything["components"]["securitySchemes"]) == set(APIS)
    refused = httpx.get(f"{luma.url}/_mockluma/openapi.json", params={"api": "dream-machin"})
    assert refused.status_code == 404
    assert "Unknown API 'dream-machin'; choose one of" in refused.json()["error"]


def test_a_route_reads_as_its_route_map_says() -> None:
    document = openapi_document(["dream-machine"], PREFIXES)
    create = document["paths"]["/dream-machine/v1/generations/video"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/dream-machine.video-create.request"
    }
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/dream-machine.generation.response"
    }
    assert create["responses"]["4XX"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/dream-machine.error.response"
    }
    listing = document["paths"]["/dream-machine/v1/generations"]["get"]
    assert {p["name"]: p["in"] for p in listing["parameters"]} == {
        "limit": "query",
        "offset": "query",
    }
    assert create["security"] == [{"dream-machine": []}]
    assert document["components"]["securitySchemes"]["dream-machine"] == {
        "type": "http",
        "scheme": "bearer",
    }


# -- schemathesis ------------------------------------------------------------------------------

SCHEMA = schemathesis.openapi.from_dict(openapi_document(APIS, PREFIXES))
CHECKS = [response_schema_conformance, status_code_conformance, content_type_conformance]
KEYS = {
    "captures": {"Authorization": "luma-api-key=luma-api-schemathesis"},
    "appypie": {"Ocp-Apim-Subscription-Key": "luma-api-schemathesis"},
}
BEARER = {"Authorization": "Bearer luma-api-schemathesis"}


def _headers(case: Any) -> dict[str, str]:
    (tag,) = case.operation.tags or ["dream-machine"]
    return KEYS.get(tag, BEARER)


@SCHEMA.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_schemathesis_finds_the_mock_keeping_to_its_document(case: Any, luma: MockLuma) -> None:
    response = case.call(base_url=luma.url, headers=_headers(case))
    assert response.status_code < 500, response.text
    case.validate_response(response, checks=CHECKS)
    assert luma.take_errors() == []  # nothing broke inside the mock, strict mode included
