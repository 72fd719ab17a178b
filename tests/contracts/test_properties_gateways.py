"""Property-based contract checks for the AppyPie and UmamiAI gateways, against the mock.

The same three promises as for Dream Machine (``test_properties.py``), on each gateway's routes:

* any schema-valid request is answered within the contract: a documented status with a
  schema-valid body, or an error in the gateway's dialect; never a 5xx;
* a valid request that also keeps the rules a schema cannot say (a prompt that is not blank, an
  absolute image URL, ids that exist) is accepted;
* any mutated request, or a body that is not JSON at all, gets a 4xx in the dialect.

Examples run under the profile chosen in ``conftest.py`` (``ci``: fixed and few).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockluma import MockLuma
from mockluma.contracts.strategies import from_schema, invalid_from_schema
from mockluma.schemas.conformance import Answer, check_answer
from mockluma.schemas.route_schemas import RouteMap, RouteSchemas, route_map

KEY = "luma-gateway-properties"
MAIN_PREFIX = {"appypie": "/lumalabs-ai/v1", "umami": "/v1/luma-ai"}
PROMPTS = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=60).filter(
    str.strip
)
URLS = st.sampled_from(["https://example.com/a.jpg", "http://cdn.example.org/b/c.png"])
IMAGES = st.one_of(st.none(), URLS, st.just("data:image/png;base64,iVBORw0KGgo="))
ID_FORMS = st.sampled_from(["indexed", "brackets", "comma"])


def routes_with_bodies(surface: str) -> list[RouteSchemas]:
    return [route for route in route_map(surface).routes if route.request is not None]


GATEWAY_ROUTES = [
    pytest.param(route, id=f"{route.surface} {route.endpoint}")
    for surface in MAIN_PREFIX
    for route in routes_with_bodies(surface)
]


@pytest.fixture(scope="module")
def mock() -> Iterator[MockLuma]:
    with MockLuma(
        in_process=True, strict=True, credits_cents=1e12, timing="quick", api_keys=[KEY]
    ) as luma:
        yield luma


@pytest.fixture(scope="module")
def http(mock: MockLuma) -> Iterator[httpx.Client]:
    headers = {"Ocp-Apim-Subscription-Key": KEY, "Authorization": f"Bearer {KEY}"}
    with httpx.Client(
        transport=mock.sync_transport(), base_url=mock.url, headers=headers
    ) as client:
        yield client


@pytest.fixture(scope="module")
def known(mock: MockLuma, http: httpx.Client) -> dict[str, list[str]]:
    """Ids that exist, per gateway: two videos for AppyPie; two completed UmamiAI generations."""
    appypie = [
        http.post("/lumalabs-ai/v1/generate", json={"prompt": f"a fox {n}"}).json()["requestId"]
        for n in range(2)
    ]
    umami = [
        http.post("/v1/luma-ai/generations", json={"user_prompt": f"a fox {n}"}).json()["id"]
        for n in range(2)
    ]
    mock.advance(3600)
    return {"appypie": appypie, "umami": umami}


@pytest.fixture(autouse=True)
def no_errors_in_the_mock(mock: MockLuma) -> Iterator[None]:
    yield
    assert mock.take_errors() == []


def full_path(route: RouteSchemas, known: dict[str, list[str]]) -> str:
    path = route.path.replace("{taskId}", known[route.surface][0])
    return (route.mount or MAIN_PREFIX[route.surface]) + path


def answer_of(routes: RouteMap, route: RouteSchemas, response: httpx.Response) -> Answer:
    return Answer(
        method=response.request.method,
        path=response.request.url.path,
        status=response.status_code,
        headers={name.lower(): value for name, value in response.headers.items()},
        body=response.content,
        route=route,
        error_schema=routes.error,
    )


def send(http: httpx.Client, route: RouteSchemas, path: str, content: bytes) -> Answer:
    response = http.post(path, content=content, headers={"Content-Type": "application/json"})
    return answer_of(route_map(route.surface), route, response)


def sentences(answer: Answer) -> list[str]:
    return [finding.sentence() for finding in check_answer(answer)]


def within_the_rules(route: RouteSchemas, known: dict[str, list[str]]) -> Any:
    """Valid bodies that keep what the schema cannot say: a prompt that is not blank, image
    URLs that are absolute, and (for getStatus) ids that exist."""
    if route.surface == "umami":
        rules = {"$.user_prompt": PROMPTS, "$.image_url": IMAGES, "$.image_end_url": IMAGES}
    elif route.path == "/getStatus":
        ids = st.sampled_from(known["appypie"])
        rules = {"$.task_id": ids, "$.requestId": ids}
    else:
        rules = {"$.prompt": PROMPTS, "$.url": URLS}
    assert route.request is not None
    return from_schema(route.request, overrides=rules)


@pytest.mark.parametrize("route", GATEWAY_ROUTES)
def test_a_schema_valid_body_is_answered_within_the_contract(
    route: RouteSchemas, http: httpx.Client, known: dict[str, list[str]]
) -> None:
    assert route.request is not None

    @given(body=from_schema(route.request))
    def check(body: Any) -> None:
        answer = send(http, route, full_path(route, known), json.dumps(body).encode())
        assert sentences(answer) == []  # a documented status and body, or an error in dialect
        assert answer.status in (*route.responses, 400, 404), answer.json()

    check()


@pytest.mark.parametrize("route", GATEWAY_ROUTES)
def test_a_valid_body_within_the_rules_is_accepted(
    route: RouteSchemas, http: httpx.Client, known: dict[str, list[str]]
) -> None:
    @given(body=within_the_rules(route, known))
    def check(body: Any) -> None:
        answer = send(http, route, full_path(route, known), json.dumps(body).encode())
        assert sentences(answer) == []
        assert answer.status in route.responses, answer.json()

    check()


@pytest.mark.parametrize("route", GATEWAY_ROUTES)
def test_a_mutated_body_is_refused_in_the_dialect(
    route: RouteSchemas, http: httpx.Client, known: dict[str, list[str]]
) -> None:
    assert route.request is not None

    @given(body=invalid_from_schema(route.request))
    def check(body: Any) -> None:
        answer = send(http, route, full_path(route, known), json.dumps(body).encode())
        assert 400 <= answer.status < 500, answer.json()
        assert sentences(answer) == []  # the error body is in the dialect

    check()


def is_json_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except ValueError:
        return False


@pytest.mark.parametrize("surface", list(MAIN_PREFIX))
def test_a_body_that_is_not_a_json_object_is_refused_in_the_dialect(
    surface: str, http: httpx.Client, known: dict[str, list[str]]
) -> None:
    route = routes_with_bodies(surface)[0]

    @given(raw=st.binary(max_size=40).filter(lambda raw: not is_json_object(raw)))
    def check(raw: bytes) -> None:
        answer = send(http, route, full_path(route, known), raw)
        assert answer.status == 400, answer.body
        assert sentences(answer) == []

    check()


# -- UmamiAI's fetch: ids in a query, in three forms -------------------------------------------


def id_params(ids: Sequence[str], form: str) -> list[tuple[str, str]]:
    if form == "indexed":
        return [(f"ids[{index}]", value) for index, value in enumerate(ids)]
    if form == "brackets":
        return [("ids[]", value) for value in ids]
    return [("ids", ",".join(ids))]


def fetch(http: httpx.Client, ids: Sequence[str], form: str) -> Answer:
    routes = route_map("umami")
    response = http.get("/v1/luma-ai/generation", params=tuple(id_params(ids, form)))
    return answer_of(routes, routes.route("GET /generation"), response)


def test_a_fetch_of_ids_that_exist_answers_them_in_the_order_asked(
    http: httpx.Client, known: dict[str, list[str]]
) -> None:
    @given(ids=st.lists(st.sampled_from(known["umami"]), min_size=1, unique=True), form=ID_FORMS)
    def check(ids: list[str], form: str) -> None:
        answer = fetch(http, ids, form)
        assert sentences(answer) == []
        assert answer.status == 200, answer.json()
        assert [generation["id"] for generation in answer.json()] == ids

    check()


def test_a_schema_valid_query_is_answered_within_the_contract(
    http: httpx.Client, known: dict[str, list[str]]
) -> None:
    @given(query=from_schema("umami/generations.query.json"), form=ID_FORMS)
    def check(query: dict[str, list[str]], form: str) -> None:
        answer = fetch(http, query["ids"], form)
        assert sentences(answer) == []
        assert answer.status in (200, 404), answer.json()  # 404 names the ids that do not exist

    check()


NOT_AN_ID = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12).filter(
    lambda text: text.strip() and "," not in text
)


def test_a_query_with_an_id_that_is_not_a_uuid_is_refused_in_the_dialect(
    http: httpx.Client, known: dict[str, list[str]]
) -> None:
    @given(
        ids=st.lists(st.one_of(st.sampled_from(known["umami"]), NOT_AN_ID), min_size=1).filter(
            lambda ids: not set(ids) <= set(known["umami"])
        ),
        form=ID_FORMS,
    )
    def check(ids: list[str], form: str) -> None:
        answer = fetch(http, ids, form)
        assert answer.status == 400, answer.json()
        assert sentences(answer) == []

    check()
