"""Property-based contract checks for Captures v2: requests drawn from its schemas, against the
mock.

* any schema-valid create is accepted with a schema-valid body, sent as ``lumaapi`` sends it (an
  HTML form) or as a JSON object;
* any mutated (invalid) create, or a body that is not a JSON object, gets a 4xx in the dialect;
* any list query is answered 200 or refused in the dialect; never a 5xx.

Two routes are left out on purpose: starting a run (``POST capture/{slug}``) takes no body at all
(whatever is sent is ignored, so there is nothing to draw), and the upload (``PUT`` to the
signed URL) takes a file's raw bytes, which no JSON schema describes
(``tests/captures/test_captures_units.py`` covers what the mock makes of the bytes).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockluma import MockLuma
from mockluma.contracts.strategies import from_schema, invalid_from_schema
from mockluma.schemas.conformance import Answer, check_answer
from mockluma.schemas.route_schemas import route_map

ROUTES = route_map("captures")
CREATE = ROUTES.route("POST /capture")
LIST = ROUTES.route("GET /capture")
CREATE_SCHEMA = "captures/capture-create.request.json"


@pytest.fixture(scope="module")
def mock() -> Iterator[MockLuma]:
    with MockLuma(in_process=True, strict=True, timing="quick") as luma:
        yield luma


@pytest.fixture(scope="module")
def http(mock: MockLuma) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=mock.sync_transport(),
        base_url=mock.captures_url,
        headers={"Authorization": "luma-api-key=properties"},
    ) as client:
        yield client


@pytest.fixture(autouse=True)
def no_errors_in_the_mock(mock: MockLuma) -> Iterator[None]:
    yield
    assert mock.take_errors() == []


def answer_of(response: httpx.Response, method: str, path: str) -> Answer:
    return Answer(
        method=method,
        path=path,
        status=response.status_code,
        headers={name.lower(): value for name, value in response.headers.items()},
        body=response.content,
        route=ROUTES.find(method, path),
        error_schema=ROUTES.error,
    )


def create(http: httpx.Client, content: bytes, content_type: str) -> Answer:
    response = http.post("/capture", content=content, headers={"Content-Type": content_type})
    return answer_of(response, "POST", "/capture")


def sentences(answer: Answer) -> list[str]:
    return [finding.sentence() for finding in check_answer(answer)]


def as_form(body: dict[str, Any]) -> bytes:
    # A form carries text only: booleans travel as "true"/"false", as a browser would send them.
    fields = {
        key: json.dumps(value) if isinstance(value, bool) else value for key, value in body.items()
    }
    return urlencode(fields).encode()


def test_a_schema_valid_form_is_accepted(http: httpx.Client) -> None:
    @given(body=from_schema(CREATE_SCHEMA))
    def check(body: dict[str, Any]) -> None:
        answer = create(http, as_form(body), "application/x-www-form-urlencoded")
        assert sentences(answer) == []
        assert answer.status == 200, answer.json()
        assert answer.json()["capture"]["title"] == body["title"]

    check()


def test_a_schema_valid_json_body_is_accepted(http: httpx.Client) -> None:
    @given(body=from_schema(CREATE_SCHEMA))
    def check(body: dict[str, Any]) -> None:
        answer = create(http, json.dumps(body).encode(), "application/json")
        assert sentences(answer) == []
        assert answer.status == 200, answer.json()

    check()


def test_a_mutated_body_is_refused_in_the_dialect(http: httpx.Client) -> None:
    @given(body=invalid_from_schema(CREATE_SCHEMA))
    def check(body: Any) -> None:
        answer = create(http, json.dumps(body).encode(), "application/json")
        assert 400 <= answer.status < 500, answer.json()
        assert sentences(answer) == []

    check()


def is_json_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except ValueError:
        return False


def test_a_body_that_is_not_a_json_object_is_refused_in_the_dialect(http: httpx.Client) -> None:
    @given(
        raw=st.binary(max_size=40).filter(lambda raw: bool(raw.strip()) and not is_json_object(raw))
    )
    def check(raw: bytes) -> None:
        answer = create(http, raw, "application/json")
        assert 400 <= answer.status < 500, answer.body
        assert sentences(answer) == []

    check()


def test_any_list_query_is_answered_within_the_contract(http: httpx.Client) -> None:
    values = st.one_of(
        st.text(max_size=8), st.integers(-5, 100).map(str), st.sampled_from(["ASC", "desc"])
    )

    @given(query=st.dictionaries(st.sampled_from(["search", "skip", "take", "order"]), values))
    def check(query: dict[str, str]) -> None:
        answer = answer_of(http.get("/capture", params=query), "GET", "/capture")
        assert answer.status in (200, 400), answer.body
        assert sentences(answer) == []
        if answer.status == 200 and query.get("take", "").isdigit():
            assert len(answer.json()["captures"]) <= int(query["take"])

    check()
