"""Property-based contract checks for the Agents API: requests drawn from its schemas, against
the mock.

* any schema-valid body is answered within the contract: a documented status with a
  schema-valid body, or an error in the dialect (400, or 422 for a combination Luma rejects);
  never a 5xx, and always with ``X-Request-Id`` and ``X-API-Version``;
* a valid body that also keeps the documented create rules (an image on an image model, no
  source, a ratio the model has, a file type Luma takes) is accepted;
* any mutated (invalid) body, or one that is not a JSON object, gets a 4xx in the dialect;
* any list query is answered 200 or refused in the dialect.

The inline upload (``POST /files`` as ``multipart/form-data``) is left out: its body is a file's
raw bytes in a form, which no JSON schema describes (``tests/agents/test_agents_probe.py`` fuzzes
the bytes instead).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockluma import MockLuma
from mockluma.contracts.strategies import from_schema, invalid_from_schema
from mockluma.contracts.surfaces.agents import request_id_and_api_version_are_sent
from mockluma.schemas.conformance import Answer, check_answer
from mockluma.schemas.route_schemas import RouteSchemas, route_map
from mockluma.surfaces.agents import catalog

ROUTES = route_map("agents")
WITH_BODY = [route for route in ROUTES.routes if route.request is not None]
IDS = [route.endpoint for route in WITH_BODY]
PROMPTS = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=60)

# What keeps a schema-valid body within Luma's documented rules (see the module docstring).
DOCUMENTED_RULES: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "generation-create": {
        "$.prompt": PROMPTS,
        "$.type": st.just("image"),
        "$.model": st.sampled_from(["uni-1", "uni-1-max"]),
        "$.aspect_ratio": st.sampled_from([None, *sorted(catalog.IMAGE_ASPECT_RATIOS)]),
        "$.style": st.just("auto"),
        "$.image_ref": st.just([]),
        "$.source": st.none(),
        "$.video": st.none(),
        "$.layering": st.none(),
    },
    "file-create": {
        "$.mime_type": st.sampled_from(sorted(catalog.IMAGE_MIME_TYPES | catalog.VIDEO_MIME_TYPES)),
        "$.size_bytes": st.integers(1, catalog.MAX_FILE_BYTES),
        "$.expires_at": st.none(),
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def mock() -> Iterator[MockLuma]:
    with MockLuma(in_process=True, strict=True, credits_cents=1e12, timing="quick") as luma:
        yield luma


@pytest.fixture(scope="module")
def http(mock: MockLuma) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=mock.sync_transport(),
        base_url=mock.agents_url,
        headers={"Authorization": "Bearer luma-api-properties"},
    ) as client:
        yield client


@pytest.fixture(scope="module")
def file_id(http: httpx.Client) -> str:
    """A pending file (nothing uploaded), for the route that completes one."""
    created = http.post("/files", json={"mime_type": "image/png", "size_bytes": 100})
    found: str = created.json()["id"]
    return found


@pytest.fixture(autouse=True)
def no_errors_in_the_mock(mock: MockLuma) -> Iterator[None]:
    yield
    assert mock.take_errors() == []


def send(http: httpx.Client, route: RouteSchemas, path: str, content: bytes) -> Answer:
    response = http.request(
        route.method, path, content=content, headers={"Content-Type": "application/json"}
    )
    return Answer(
        method=route.method,
        path=path,
        status=response.status_code,
        headers={name.lower(): value for name, value in response.headers.items()},
        body=response.content,
        route=route,
        error_schema=ROUTES.error,
    )


def sentences(answer: Answer) -> list[str]:
    """What breaks the contract in ``answer``: the route map's checks and the Agents headers."""
    findings = check_answer(answer)
    extra = request_id_and_api_version_are_sent(answer)
    return [finding.sentence() for finding in [*findings, *([extra] if extra else [])]]


def kind_of(route: RouteSchemas) -> str:
    assert route.request is not None
    return route.request.split("/")[-1].removesuffix(".request.json")


@pytest.mark.parametrize("route", WITH_BODY, ids=IDS)
def test_a_schema_valid_body_is_answered_within_the_contract(
    route: RouteSchemas, http: httpx.Client, file_id: str
) -> None:
    assert route.request is not None
    path = route.path.replace("{id}", file_id)

    @given(body=from_schema(route.request))
    def check(body: Any) -> None:
        answer = send(http, route, path, json.dumps(body).encode())
        assert sentences(answer) == []  # a documented status and body, or an error in dialect
        assert answer.status < 500, answer.json()

    check()


@pytest.mark.parametrize(
    "route", [r for r in WITH_BODY if kind_of(r) in DOCUMENTED_RULES], ids=lambda r: r.endpoint
)
def test_a_valid_body_within_the_documented_rules_is_accepted(
    route: RouteSchemas, http: httpx.Client
) -> None:
    assert route.request is not None

    @given(body=from_schema(route.request, overrides=DOCUMENTED_RULES[kind_of(route)]))
    def check(body: Any) -> None:
        answer = send(http, route, route.path, json.dumps(body).encode())
        assert sentences(answer) == []
        assert answer.status in route.responses, answer.json()

    check()


@pytest.mark.parametrize("route", WITH_BODY, ids=IDS)
def test_a_mutated_body_is_refused_in_the_dialect(
    route: RouteSchemas, http: httpx.Client, file_id: str
) -> None:
    assert route.request is not None
    path = route.path.replace("{id}", file_id)

    @given(body=invalid_from_schema(route.request))
    def check(body: Any) -> None:
        answer = send(http, route, path, json.dumps(body).encode())
        assert 400 <= answer.status < 500, answer.json()
        assert sentences(answer) == []

    check()


def is_json_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except ValueError:
        return False


@pytest.mark.parametrize("endpoint", ["POST /generations", "POST /files"])
def test_a_body_that_is_not_a_json_object_is_refused_in_the_dialect(
    endpoint: str, http: httpx.Client
) -> None:
    route = ROUTES.route(endpoint)

    @given(
        raw=st.binary(max_size=40).filter(lambda raw: bool(raw.strip()) and not is_json_object(raw))
    )
    def check(raw: bytes) -> None:
        answer = send(http, route, route.path, raw)
        assert 400 <= answer.status < 500, answer.body
        assert sentences(answer) == []

    check()


def test_any_file_list_query_is_answered_within_the_contract(http: httpx.Client) -> None:
    route = ROUTES.route("GET /files")
    values = st.one_of(st.text(max_size=8), st.integers(-5, 200).map(str))

    @given(query=st.dictionaries(st.sampled_from(["limit", "cursor", "state", "purpose"]), values))
    def check(query: dict[str, str]) -> None:
        response = http.get("/files", params=query)
        answer = Answer(
            method="GET",
            path="/files",
            status=response.status_code,
            headers={name.lower(): value for name, value in response.headers.items()},
            body=response.content,
            route=route,
            error_schema=ROUTES.error,
        )
        assert response.status_code in (200, 400), response.text
        assert sentences(answer) == []

    check()
