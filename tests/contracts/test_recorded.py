"""Real responses (``fixtures/recorded/<surface>/*.json``) against the schemas, one test each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pydantic
import pytest

from mockluma.contracts.drift import Direction
from mockluma.contracts.surfaces import contracts
from mockluma.resources import data_dir
from mockluma.schemas import store as schema_store

RECORDED = sorted((data_dir("fixtures") / "recorded").glob("*/*.json"))
KEYS = {"source", "endpoint", "status", "schema", "expect", "body"}
SDK_TYPES = {
    binding.schema: binding
    for contract in contracts().values()
    for binding in contract.sdk_types
    if binding.direction is Direction.RESPONSE
}


def load(path: Path) -> tuple[str, dict[str, Any]]:
    return f"{path.parent.name}/", json.loads(path.read_text(encoding="utf-8"))


def test_there_are_recordings_for_every_surface_with_a_contract() -> None:
    assert {path.parent.name for path in RECORDED} >= set(contracts())


@pytest.mark.parametrize("path", RECORDED, ids=[f"{p.parent.name}/{p.stem}" for p in RECORDED])
def test_a_recorded_body_meets_its_schema(path: Path) -> None:
    surface, recording = load(path)
    assert set(recording) >= KEYS, f"{path.name} lacks {KEYS - set(recording)}"
    assert recording["source"].strip()
    schema = surface + recording["schema"]
    errors = list(schema_store.validator(schema).iter_errors(recording["body"]))
    if recording["expect"] == "valid":
        assert errors == [], [f"{e.json_path}: {e.message}" for e in errors]
        binding = SDK_TYPES.get(schema)
        if binding is not None:  # and the SDK, validating strictly, parses it
            pydantic.TypeAdapter(binding.load()).validate_python(recording["body"])
    else:
        assert recording["expect"] == "invalid"
        assert recording["why"].strip()
        assert recording["error_at"] in {error.json_path for error in errors}, errors
