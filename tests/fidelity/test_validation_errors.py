"""Property: whatever breaks a Dream Machine request schema is answered 422 with a list of
validation errors a pydantic client can read, each naming where (``loc`` from ``body``), what
(``type``), and, for an enum, the allowed values in ``ctx.expected`` that its ``msg`` repeats."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given

from mockluma import MockLuma
from mockluma.contracts.strategies import invalid_from_schema
from mockluma.schemas.route_schemas import route_map

CREATES = [
    route
    for route in route_map("dream-machine").routes
    if route.request is not None and "{id}" not in route.path
]


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with (
        MockLuma(in_process=True, strict=True, credits_cents=1e12) as luma,
        httpx.Client(
            transport=luma.sync_transport(),
            base_url=luma.dream_machine_url,
            headers={"Authorization": "Bearer luma-validation"},
        ) as client,
    ):
        yield client
        assert luma.take_errors() == []


def check_entry(entry: Any, body: Any) -> None:
    assert set(entry) <= {"type", "loc", "msg", "input", "ctx"}
    assert {"type", "loc", "msg", "input"} <= set(entry)
    assert entry["loc"][0] == "body"
    assert entry["msg"]
    if entry["type"] == "literal_error":
        assert entry["msg"] == f"Input should be {entry['ctx']['expected']}"
    if entry["type"] == "missing":
        assert entry["msg"] == "Field required"
    if entry["loc"] == ["body"]:
        assert entry["input"] == body


@pytest.mark.parametrize("route", CREATES, ids=[route.endpoint for route in CREATES])
def test_every_schema_failure_is_a_readable_422_list(route: Any, http: httpx.Client) -> None:
    assert route.request is not None

    @given(body=invalid_from_schema(route.request))
    def check(body: Any) -> None:
        answer = http.post(
            route.path, content=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        if answer.status_code == 400:  # a documented create-time rule, said in a sentence
            assert isinstance(answer.json()["detail"], str)
            return
        assert answer.status_code == 422, answer.text
        detail = answer.json()["detail"]
        assert isinstance(detail, list)
        assert detail
        for entry in detail:
            check_entry(entry, body)

    check()
