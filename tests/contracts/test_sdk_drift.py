"""The schemas against the official SDKs' own types: enum values, required fields, field types;
and the SDK, validating strictly, parses whatever the response schemas let the mock send.

The bindings come from every surface's contract module (``CONTRACT.sdk_types``), so a surface
whose SDK is installed (``luma-agents`` next) is checked as soon as it lists its types.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal, Required, TypedDict

import pydantic
import pytest
from hypothesis import given
from lumaai.types.generation import Assets, Request

from mockluma.contracts.drift import (
    Direction,
    SdkBinding,
    compare,
    compare_shapes,
    report,
    schema_shape,
    sdk_shape,
)
from mockluma.contracts.strategies import from_schema
from mockluma.contracts.surfaces import contracts

BINDINGS = [binding for contract in contracts().values() for binding in contract.sdk_types]
RESPONSES = [binding for binding in BINDINGS if binding.direction is Direction.RESPONSE]


def name(binding: SdkBinding) -> str:
    return f"{binding.schema}~{binding.sdk_type.rsplit('.', 1)[-1]}"


@pytest.mark.parametrize("binding", BINDINGS, ids=[name(b) for b in BINDINGS])
def test_the_schema_agrees_with_the_sdk_type(binding: SdkBinding) -> None:
    mismatches = compare(binding)
    assert not mismatches, report(mismatches, binding)


@pytest.mark.parametrize("binding", RESPONSES, ids=[name(b) for b in RESPONSES])
def test_the_sdk_parses_strictly_whatever_the_schema_lets_the_mock_send(
    binding: SdkBinding,
) -> None:
    adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(binding.load())

    @given(document=from_schema(binding.schema))
    def check(document: Any) -> None:
        adapter.validate_python(document)

    check()


def test_every_sdk_type_a_schema_names_exists() -> None:
    assert BINDINGS, "no surface names its SDK types"
    for binding in BINDINGS:
        binding.load()


# -- the comparison catches drift --------------------------------------------------------------


class DriftedGeneration(pydantic.BaseModel):
    """Generation as a future SDK might have it: a renamed state, a new required field, a
    field that changed type."""

    id: str | None = None
    generation_type: Literal["video", "image"] | None = None
    state: Literal["queued", "processing", "completed", "failed"] | None = None
    failure_reason: str | None = None
    failure_code: str
    created_at: datetime.datetime | None = None
    assets: Assets | None = None
    model: int | None = None
    request: Request | None = None


def test_a_drifted_response_type_is_reported_field_by_field() -> None:
    mismatches = compare_shapes(
        schema_shape("dream-machine/generation.response.json"),
        sdk_shape(DriftedGeneration),
        Direction.RESPONSE,
    )
    shown = {str(mismatch) for mismatch in mismatches}
    assert shown == {
        "$.state: enum values differ — schema: ['completed', 'dreaming', 'failed', 'queued']; "
        "SDK: ['completed', 'failed', 'processing', 'queued']",
        "$.failure_code: a field only the SDK has — schema: absent; SDK: described",
        "$.model: the SDK cannot parse some types the schema allows — schema: ['string']; "
        "SDK: ['integer']",
        "$: the SDK requires fields the schema lets the mock leave out — schema: "
        "['assets', 'created_at', 'failure_reason', 'generation_type', 'id', 'model', 'request', "
        "'state']; SDK: ['failure_code']",
    }


class DriftedImageParams(TypedDict, total=False):
    model: Required[Literal["photon-1", "photon-flash-1", "photon-2"]]
    aspect_ratio: Literal["1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21"]
    callback_url: str
    character_ref: dict[str, Any]
    format: Literal["jpg", "png"]
    generation_type: Literal["image"]
    image_ref: list[dict[str, Any]]
    modify_image_ref: dict[str, Any]
    prompt: Required[str]
    style_ref: list[dict[str, Any]]
    sync: bool
    sync_timeout: int


def test_a_drifted_request_type_is_reported_with_both_sides() -> None:
    mismatches = compare_shapes(
        schema_shape("dream-machine/image-create.request.json"),
        sdk_shape(DriftedImageParams),
        Direction.REQUEST,
    )
    shown = {str(mismatch) for mismatch in mismatches}
    assert (
        "$.model: enum values differ — schema: ['photon-1', 'photon-flash-1']; SDK: ['photon-1', 'photon-2', 'photon-flash-1']"
        in shown
    )
    assert "$: required fields differ — schema: ['model']; SDK: ['model', 'prompt']" in shown
    assert "$.sync_timeout: types differ — schema: ['number']; SDK: ['integer']" in shown


class DriftedFileCreateParams(TypedDict, total=False):
    """luma-agents' FileCreateParams as a future release might have it: size_bytes sent as text,
    a new required checksum, and user_id gone."""

    mime_type: Required[str]
    size_bytes: Required[str]
    checksum: Required[str]
    expires_at: str | None
    filename: str | None
    purpose: Literal["input", "reference"]


def test_a_drifted_agents_type_is_reported_with_both_sides() -> None:
    mismatches = compare_shapes(
        schema_shape("agents/file-create.request.json"),
        sdk_shape(DriftedFileCreateParams),
        Direction.REQUEST,
    )
    assert {str(mismatch) for mismatch in mismatches} == {
        "$.size_bytes: types differ — schema: ['integer']; SDK: ['string']",
        "$.checksum: a field only the SDK has — schema: absent; SDK: described",
        "$.user_id: a field only the schema has — schema: described; SDK: absent",
        "$: required fields differ — schema: ['mime_type', 'size_bytes']; "
        "SDK: ['checksum', 'mime_type', 'size_bytes']",
    }
