"""Validators check schemas with their references inlined; that changes nothing but the speed.

For every shipped schema, documents valid and invalid (from the schema's own strategies, plus
values of every JSON kind) get the same errors from the inlined schema as from the schema as
written: same places, keywords and messages, in the same order, and the same sentence from
``describe``. A reference, like data that merely looks like one, is only inlined where it is one.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from mockluma.contracts.strategies import UnsupportedSchema, from_schema, invalid_from_schema
from mockluma.schemas import store as schema_store

NAMES = schema_store.names()
KINDS: list[Any] = [None, True, 0, -1.5, "", "zzz", [], [1, "a"], {}, {"a": 1}]


def _as_written(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema_store.schema(name), registry=schema_store.registry())


def _errors(validator: Draft202012Validator, document: Any) -> list[tuple[Any, ...]]:
    def flat(error: ValidationError) -> list[tuple[Any, ...]]:
        # The keyword's own value is left out: inside an anyOf it shows the inlined branch where
        # the written schema shows its $ref, which is the point of inlining.
        own = (error.json_path, error.validator, error.message)
        return [own, *(item for child in error.context or () for item in flat(child))]

    return [item for error in validator.iter_errors(document) for item in flat(error)]


def _same(name: str, document: Any) -> None:
    inlined, written = schema_store.validator(name), _as_written(name)
    assert _errors(inlined, document) == _errors(written, document), (name, document)
    best_inlined = best_match(inlined.iter_errors(document))
    best_written = best_match(written.iter_errors(document))
    assert (best_inlined is None) == (best_written is None)
    if best_inlined is not None and best_written is not None:
        assert schema_store.describe(best_inlined) == schema_store.describe(best_written)


def _strategy(name: str, valid: bool) -> st.SearchStrategy[Any] | None:
    try:
        strategy = from_schema(name) if valid else invalid_from_schema(name)
    except UnsupportedSchema:
        return None
    return strategy


@pytest.mark.parametrize("name", NAMES)
def test_values_of_every_kind_get_the_same_errors(name: str) -> None:
    for document in [*KINDS, {f"field{i}": kind for i, kind in enumerate(KINDS)}]:
        _same(name, document)


@pytest.mark.parametrize("name", NAMES)
def test_references_are_gone_outside_definitions(name: str) -> None:
    inlined = schema_store.dereferenced(name)
    assert inlined is not schema_store.schema(name), f"{name} is used as written"

    def references(node: Any) -> int:
        if isinstance(node, dict):
            own = int("$ref" in node)
            return own + sum(references(v) for k, v in node.items() if k != "$defs")
        if isinstance(node, list):
            return sum(references(item) for item in node)
        return 0

    assert references(inlined) == 0, name


@settings(max_examples=150, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.data(), st.sampled_from(NAMES), st.booleans())
def test_generated_documents_get_the_same_errors(
    data: st.DataObject, name: str, valid: bool
) -> None:
    strategy = _strategy(name, valid)
    try:
        document = data.draw(strategy) if strategy is not None else None
    except UnsupportedSchema:  # raised as it draws, for a schema it cannot generate for
        return
    if strategy is not None:
        _same(name, document)


def test_a_ref_inside_data_is_left_alone() -> None:
    schema = {"enum": [{"$ref": "defs.json#/$defs/VideoModel"}], "const": {"$ref": "x"}}
    resolver = schema_store.registry().resolver(schema_store.BASE_URI + "dream-machine/x.json")
    assert schema_store._inline(schema, resolver, frozenset(), root=True) == schema
