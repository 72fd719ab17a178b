"""Property-based contract checks: requests drawn from the schemas, against the mock.

* any schema-valid body gets past the schema (never a 422) and is answered within the contract:
  a documented status with a schema-valid body, or an error in the dialect; never a 5xx;
* a valid body that also keeps the documented create-time rules is accepted;
* any mutated (invalid) body, or one that is not JSON at all, gets a 4xx in the dialect.

The examples run under the profile chosen in ``conftest.py``: ``ci`` by default (fixed, few
examples), ``--hypothesis-profile=dev`` for a longer search.
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
from mockluma.schemas.conformance import Answer, check_answer
from mockluma.schemas.route_schemas import RouteSchemas, route_map

ROUTES = route_map("dream-machine")
WITH_BODY = [route for route in ROUTES.routes if route.request is not None]
IDS = [route.endpoint for route in WITH_BODY]
URLS = st.sampled_from(["https://example.com/a.jpg", "https://example.com/b.png"])
PROMPTS = st.text(st.characters(exclude_categories=["Cs"]), min_size=3, max_size=60)

# What keeps a schema-valid body within Luma's documented create-time rules (the prompt's
# length, keyframes that exist, no loop with keyframes other than a start image).
DOCUMENTED_RULES: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "video-create": {
        "$.prompt": PROMPTS,
        "$.loop": st.sampled_from([None, False, True]),
        "$.keyframes": st.one_of(
            st.none(), st.fixed_dictionaries({"frame0": st.fixed_dictionaries({"type": st.just("image"), "url": URLS})})
        ),
    },
    "image-create": {"$.prompt": st.one_of(st.none(), PROMPTS)},
}  # fmt: skip


@pytest.fixture(scope="module")
def mock() -> Iterator[MockLuma]:
    with MockLuma(in_process=True, strict=True, credits_cents=1e12, timing="quick") as luma:
        yield luma


@pytest.fixture(scope="module")
def http(mock: MockLuma) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=mock.sync_transport(),
        base_url=mock.dream_machine_url,
        headers={"Authorization": "Bearer luma-properties"},
    ) as client:
        yield client


@pytest.fixture(scope="module")
def video_id(mock: MockLuma, http: httpx.Client) -> str:
    """A completed video, for the routes that work on one (upscale, audio)."""
    created = http.post("/generations/video", json={"model": "ray-flash-2", "prompt": "a fox"})
    mock.advance(3600)
    generation_id: str = created.json()["id"]
    return generation_id


@pytest.fixture(autouse=True)
def no_errors_in_the_mock(mock: MockLuma) -> Iterator[None]:
    yield
    assert mock.take_errors() == []


def path_of(route: RouteSchemas, video_id: str) -> str:
    return route.path.replace("{id}", video_id)


def post(http: httpx.Client, route: RouteSchemas, path: str, content: bytes) -> Answer:
    response = http.post(path, content=content, headers={"Content-Type": "application/json"})
    return Answer(
        method="POST",
        path=path,
        status=response.status_code,
        headers={name.lower(): value for name, value in response.headers.items()},
        body=response.content,
        route=route,
        error_schema=ROUTES.error,
    )


def sentences(answer: Answer) -> list[str]:
    return [finding.sentence() for finding in check_answer(answer)]


@pytest.mark.parametrize("route", WITH_BODY, ids=IDS)
def test_a_schema_valid_body_is_answered_within_the_contract(
    route: RouteSchemas, http: httpx.Client, video_id: str
) -> None:
    assert route.request is not None

    @given(body=from_schema(route.request))
    def check(body: Any) -> None:
        answer = post(http, route, path_of(route, video_id), json.dumps(body).encode())
        assert sentences(answer) == []  # a documented status and body, or an error in dialect
        assert answer.status != 422, answer.json()
        assert answer.status < 400 or answer.status == 400, answer.json()

    check()


@pytest.mark.parametrize("route", WITH_BODY, ids=IDS)
def test_a_valid_body_within_the_documented_rules_is_accepted(
    route: RouteSchemas, http: httpx.Client, video_id: str
) -> None:
    assert route.request is not None
    kind = route.request.split("/")[-1].removesuffix(".request.json")

    bodies = from_schema(route.request, overrides=DOCUMENTED_RULES.get(kind))
    if kind == "video-create":  # a prompt is required unless a start image is given
        bodies = bodies.map(lambda body: {"prompt": "a calm sea", **body})

    @given(body=bodies)
    def check(body: Any) -> None:
        answer = post(http, route, path_of(route, video_id), json.dumps(body).encode())
        assert sentences(answer) == []
        assert answer.status in route.responses, answer.json()

    check()


@pytest.mark.parametrize("route", WITH_BODY, ids=IDS)
def test_a_mutated_body_is_refused_in_the_dialect(
    route: RouteSchemas, http: httpx.Client, video_id: str
) -> None:
    assert route.request is not None

    @given(body=invalid_from_schema(route.request))
    def check(body: Any) -> None:
        answer = post(http, route, path_of(route, video_id), json.dumps(body).encode())
        assert 400 <= answer.status < 500, answer.json()
        assert sentences(answer) == []  # the error body is in the dialect

    check()


def is_json_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except ValueError:
        return False


def test_a_body_that_is_not_a_json_object_is_refused_in_the_dialect(http: httpx.Client) -> None:
    route = ROUTES.route("POST /generations/image")

    @given(
        raw=st.binary(max_size=40).filter(lambda raw: bool(raw.strip()) and not is_json_object(raw))
    )
    def check(raw: bytes) -> None:
        answer = post(http, route, "/generations/image", raw)
        assert answer.status in (400, 422), answer.body
        assert sentences(answer) == []

    check()


def test_any_list_query_is_answered_within_the_contract(http: httpx.Client) -> None:
    route = ROUTES.route("GET /generations")

    @given(limit=st.text(max_size=6), offset=st.text(max_size=6))
    def check(limit: str, offset: str) -> None:
        response = http.get("/generations", params={"limit": limit, "offset": offset})
        answer = Answer(
            method="GET",
            path="/generations",
            status=response.status_code,
            headers={name.lower(): value for name, value in response.headers.items()},
            body=response.content,
            route=route,
            error_schema=ROUTES.error,
        )
        assert response.status_code in (200, 422)
        assert sentences(answer) == []

    check()
