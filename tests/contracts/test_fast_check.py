"""The compiled yes/no check agrees with ``jsonschema`` on every shipped schema.

Valid documents skip ``jsonschema`` (``store.is_valid``), so the compiled check must never
accept what the validator refuses, nor refuse what it accepts (a refusal would only be slower,
but the two must agree). Checked on each schema's own valid and invalid documents, on values
of every JSON kind, and on hand-made schemas for each keyword's edge (booleans are not numbers,
1.0 is an integer, a pattern searches, "then" without "if" means nothing).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from mockluma.contracts.strategies import UnsupportedSchema, from_schema, invalid_from_schema
from mockluma.schemas import store as schema_store
from mockluma.schemas.fast_check import compile_check

NAMES = schema_store.names()
KINDS: list[Any] = [None, True, False, 0, 1, 1.0, 2.5, -1.5, "", "zzz", [], [1, "a"], {}, {"a": 1}]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-5, 5) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)


def _agree(name: str, document: Any) -> None:
    expected = schema_store.validator(name).is_valid(document)
    assert schema_store.is_valid(name)(document) is expected, (name, document)
    assert (schema_store.first_error(name, document) is None) is expected
    assert (schema_store.all_errors(name, document) == []) is expected


def test_every_shipped_schema_is_compiled() -> None:
    # Otherwise the check silently falls back to jsonschema (correct, but slow).
    assert [n for n in NAMES if compile_check(schema_store.validator(n).schema) is None] == []


@pytest.mark.parametrize("name", NAMES)
def test_values_of_every_kind(name: str) -> None:
    for document in [*KINDS, {f"field{i}": kind for i, kind in enumerate(KINDS)}]:
        _agree(name, document)


@settings(max_examples=200, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.data(), st.sampled_from(NAMES), st.booleans())
def test_generated_documents(data: st.DataObject, name: str, valid: bool) -> None:
    try:
        strategy = from_schema(name) if valid else invalid_from_schema(name)
        document = data.draw(strategy)
    except UnsupportedSchema:
        return
    _agree(name, document)


EDGES: list[dict[str, Any]] = [
    {"type": "number"},
    {"type": "integer"},
    {"type": ["string", "null"]},
    {"type": "boolean"},
    {"enum": [1, "a", None, [1], {"b": True}]},
    {"enum": ["x", None]},
    {"const": 1},
    {"const": False},
    {"minimum": 1, "exclusiveMaximum": 3},
    {"exclusiveMinimum": 0, "maximum": 2.5},
    {"minLength": 1, "maxLength": 3, "pattern": "b"},
    {"minItems": 1, "maxItems": 2, "items": {"type": "integer"}},
    {"prefixItems": [{"type": "string"}, {"type": "number"}], "items": False},
    {"prefixItems": [{"type": "integer"}], "items": {"type": "string"}},
    {"prefixItems": [{"const": 1}]},
    {"minProperties": 1, "maxProperties": 2, "propertyNames": {"pattern": "^[a-z]+$"}},
    {"properties": {"a": {"type": "string"}}, "additionalProperties": False},
    {"properties": {"a": True}, "additionalProperties": {"type": "integer"}},
    {"required": ["a", "b"]},
    {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    {"allOf": [{"minimum": 0}, {"maximum": 3}]},
    {"not": {"type": "null"}},
    {"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "integer"}},
    {"then": {"type": "string"}},
    {"else": False},
    {"format": "email", "title": "t", "x-anything": 1},
]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(EDGES), JSON | st.sampled_from(KINDS))
def test_keyword_edges(schema: dict[str, Any], document: Any) -> None:
    check = compile_check(schema)
    assert check is not None
    assert check(document) is Draft202012Validator(schema).is_valid(document), (schema, document)


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "#/$defs/x"},
        {"contains": {"type": "string"}},
        {"unevaluatedProperties": False},
        {"patternProperties": {"a": True}, "additionalProperties": False},
    ],
)
def test_unknown_keywords_are_left_to_jsonschema(schema: dict[str, Any]) -> None:
    assert compile_check(schema) is None
