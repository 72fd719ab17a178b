"""The shipped schemas and the mock's tables against the ``luma-agents`` SDK's own types, so an
SDK release that changes the API shows up here as a failing test.

Fields, required fields and field types of every body (nested types included) are compared by
the generic drift tests (``tests/contracts/test_sdk_drift.py``, from the bindings in
``mockluma/contracts/surfaces/agents.py``), which also parse schema samples with the SDK's strict
models. Two things stay here: enum values are held *equal* to the SDK's (the generic rule lets a
response schema allow fewer values; for the Agents API a value the SDK knows and the mock does
not is drift all the same), and the mock's own tables must agree with the SDK too."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from luma_agents import types
from luma_agents.types import generation_create_params
from pydantic import BaseModel

from mockluma.schemas import store as schema_store
from mockluma.surfaces.agents import catalog


def schema(name: str) -> dict[str, Any]:
    document = schema_store.validator(f"agents/{name}").schema
    assert isinstance(document, dict)
    return document


DEFS: dict[str, Any] = schema("defs.json")["$defs"]


def literals(annotation: Any) -> set[str]:
    """Every string of the ``Literal``s inside ``annotation`` (through Optional and aliases)."""
    if typing.get_origin(annotation) is typing.Literal:
        return set(typing.get_args(annotation))
    found: set[str] = set()
    for argument in typing.get_args(annotation):
        found |= literals(argument)
    return found


def field(model: type[BaseModel], name: str) -> Any:
    return model.model_fields[name].annotation


CREATE = typing.get_type_hints(generation_create_params.GenerationCreateParams)

ENUMS = [
    ("Model", types.Model),
    ("GenerationType", field(types.Generation, "type")),
    ("State", field(types.Generation, "state")),
    ("FailureCode", types.GenerationFailureCode),
    ("AspectRatio", CREATE["aspect_ratio"]),
    ("VideoResolution", types.VideoResolution),
    ("VideoDuration", types.VideoDuration),
    ("VideoEditStrength", types.VideoEditStrength),
    ("PoseControlStrength", types.PoseControlStrength),
    ("FilePurpose", types.FilePurpose),
    ("FileState", types.FileState),
]


@pytest.mark.parametrize(("name", "annotation"), ENUMS, ids=[name for name, _ in ENUMS])
def test_schema_enums_match_the_sdk(name: str, annotation: Any) -> None:
    ours, theirs = set(DEFS[name]["enum"]), literals(annotation)
    assert ours == theirs, f"$defs.{name}: schema {sorted(ours)}; SDK {sorted(theirs)}"


def test_the_catalogue_matches_the_sdk() -> None:
    assert set(catalog.MODELS) == literals(types.Model)
    assert set(catalog.TYPES) == literals(field(types.Generation, "type"))
    assert set(catalog.FAILURE_CODES) == literals(types.GenerationFailureCode)
    assert set(catalog.FILE_STATES) == literals(types.FileState)
    assert set(catalog.FILE_PURPOSES) == literals(types.FilePurpose)
    assert (
        literals(CREATE["aspect_ratio"])
        >= catalog.IMAGE_ASPECT_RATIOS | catalog.VIDEO_ASPECT_RATIOS
    )
    create = schema("generation-create.request.json")["properties"]
    assert set(create["style"]["enum"]) == literals(CREATE["style"])
    assert set(create["output_format"]["enum"]) - {None} == literals(CREATE["output_format"])
    layering = typing.get_type_hints(generation_create_params.Layering)["resolution"]
    assert set(DEFS["Layering"]["properties"]["resolution"]["enum"]) == literals(layering)
