"""Reused JSON answers are byte for byte what ``JSONResponse`` sends, and the store is bounded."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.responses import JSONResponse

from mockluma.web.json_cache import JsonBodies, json_bytes

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(JSON)
def test_json_bytes_are_what_json_response_sends(content: Any) -> None:
    assert json_bytes(content) == JSONResponse(content).body


def test_json_bytes_refuse_what_json_response_refuses() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        JSONResponse({"x": math.nan})
    with pytest.raises(ValueError, match="JSON compliant"):
        json_bytes({"x": math.nan})


def test_a_reused_answer_is_a_json_response_and_is_rendered_once() -> None:
    bodies: JsonBodies[str] = JsonBodies()
    rendered = []

    def present() -> dict[str, Any]:
        rendered.append(1)
        return {"state": "completed", "é": [1, 2.5, None]}

    first, again = bodies.response("a", present, 201), bodies.response("a", present, 201)
    expected = JSONResponse(present(), status_code=201)
    for response in (first, again):
        assert response.body == expected.body
        assert response.raw_headers == expected.raw_headers
        assert response.status_code == 201
    assert len(rendered) == 2  # once for "a", once for the expected answer


def test_the_oldest_answers_are_dropped_past_the_limit() -> None:
    bodies: JsonBodies[int] = JsonBodies(limit=3)
    rendered: list[int] = []

    def ask(key: int) -> None:
        def present() -> dict[str, int]:
            rendered.append(key)
            return {"key": key}

        bodies.response(key, present)

    for key in [1, 2, 3, 4, 1, 4]:
        ask(key)
    assert rendered == [1, 2, 3, 4, 1]  # 1 was dropped when 4 came in; 4 was still there
