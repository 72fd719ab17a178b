"""The shipped schemas and the mock's tables against the ``luma-agents`` SDK's own types, so an
SDK release that changes the API shows up here as a failing test."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from luma_agents import types
from luma_agents.types import generation_create_params, generation_output
from pydantic import BaseModel

from mockluma import schema_store
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
    assert set(DEFS[name]["enum"]) == literals(annotation)


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


MODELS: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (types.Generation, schema("generation.response.json")),
    (types.File, DEFS["File"]),
    (types.CreateFileResponse, schema("create-file.response.json")),
    (types.FileList, schema("files-list.response.json")),
    (types.PresignedUpload, DEFS["PresignedUpload"]),
    (types.GenerationOutput, DEFS["GenerationOutput"]),
    (generation_output.Layer, DEFS["Layer"]),
]


@pytest.mark.parametrize(("model", "document"), MODELS, ids=[model.__name__ for model, _ in MODELS])
def test_response_schemas_have_the_sdk_fields_and_required_ones(
    model: type[BaseModel], document: dict[str, Any]
) -> None:
    fields = model.model_fields
    assert set(document["properties"]) == set(fields)
    assert set(document["required"]) == {
        name for name, info in fields.items() if info.is_required()
    }


PARAMS: list[tuple[Any, dict[str, Any]]] = [
    (generation_create_params.GenerationCreateParams, schema("generation-create.request.json")),
    (types.ImageRefParam, DEFS["ImageRef"]),
    (types.VideoOptionsParam, DEFS["VideoOptions"]),
    (types.VideoEditOptionsParam, DEFS["VideoEditOptions"]),
    (types.AdvancedControlsParam, DEFS["AdvancedControls"]),
    (types.SourcePositionParam, DEFS["SourcePosition"]),
    (types.DepthControlParam, DEFS["DepthControl"]),
    (types.NormalsControlParam, DEFS["NormalsControl"]),
    (types.PoseControlParam, DEFS["PoseControl"]),
    (types.TrajectoryControlParam, DEFS["TrajectoryControl"]),
    (types.FaceControlParam, DEFS["FaceControl"]),
    (types.FileCreateParams, schema("file-create.request.json")),
    (types.FileListParams, schema("files-list.query.json")),
]


@pytest.mark.parametrize(
    ("params", "document"), PARAMS, ids=[params.__name__ for params, _ in PARAMS]
)
def test_request_schemas_have_the_sdk_fields_and_required_ones(
    params: Any, document: dict[str, Any]
) -> None:
    hints = typing.get_type_hints(params, include_extras=True)
    # The SDK's modules postpone annotations, so TypedDict cannot see Required[...] itself.
    required = {name for name, hint in hints.items() if typing.get_origin(hint) is typing.Required}
    assert set(document["properties"]) == set(hints)
    assert set(document.get("required", [])) == required
