"""The Captures v2 schemas against what the ``lumaapi`` client parses.

``lumaapi`` has no typed models to compare with (no pydantic, no TypedDicts): it reads responses
with plain code. That code is still the contract a real client holds the API to, so it is read
three ways:

* **vocabularies**: the names of its enums (it upper-cases a wire value and looks it up as a
  member name) and the values of ``CameraType`` (what it sends) against the schema's enums;
* **keys**: the source of its parsers, read with ``ast``. A key read by subscript
  (``data["title"]``) raises ``KeyError`` when absent, so the schema must require it; a key read
  with ``.get`` must at least be described;
* **parsing**: every body the response schemas allow goes through the client's own parsers
  (``LumaCaptureInfo.from_dict``, ``LumaCreditInfo(**data)``), held stricter than the client
  holds itself: an enum value it silently turns into ``None`` counts as a failure.

A mismatch names the field and both sides, like the SDK drift tests.
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime
from enum import Enum
from typing import Any

import pytest
from hypothesis import given

from mockluma.contracts.drift import Shape, schema_shape
from mockluma.contracts.strategies import from_schema
from mockluma.resources import data_dir

with warnings.catch_warnings():  # importing lumaapi warns that the API is deprecated
    warnings.filterwarnings("ignore", "DEPRECATED: lumaapi", UserWarning)
    import lumaapi

Keys = tuple[str, ...]


def client_reads(function: Callable[..., Any], variable: str) -> tuple[set[Keys], set[Keys]]:
    """The keys ``function`` reads from the JSON held in ``variable``: by subscript (required:
    a ``KeyError`` if absent) and by ``.get`` (optional), each as a path of keys."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))

    def path_of(node: ast.expr) -> Keys | None:
        keys: list[str] = []
        while isinstance(node, ast.Subscript):
            if not (isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
                return None
            keys.append(node.slice.value)
            node = node.value
        if isinstance(node, ast.Name) and node.id == variable:
            return tuple(reversed(keys))
        return None

    required, optional = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and (path := path_of(node)):
            required.add(path)
        # data.get("key"), data["latestRun"].get("key"), ...
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and isinstance(key := node.args[0], ast.Constant)
            and (owner := path_of(node.func.value)) is not None
        ):
            optional.add((*owner, str(key.value)))
    return required, optional


def _step(shape: Shape, key: str) -> Shape | None:
    return shape.fields.get(key)


def key_mismatches(schema: str, required: set[Keys], optional: set[Keys]) -> list[str]:
    """How ``schema`` falls short of what a client reads: keys it does not describe, and keys
    read by subscript that it does not require."""
    found = []
    for path in sorted(required | optional):
        shape: Shape | None = schema_shape(schema)
        for depth, key in enumerate(path):
            assert shape is not None
            where = "$." + ".".join(path[: depth + 1])
            child = _step(shape, key)
            if child is None:
                found.append(f"{where}: a key the client reads — schema: absent; client: reads it")
                break
            if path in required and depth == len(path) - 1 and key not in shape.required:
                found.append(
                    f"{where}: the client reads it by subscript (KeyError if absent) — "
                    "schema: optional; client: required"
                )
            shape = child
    return found


# -- vocabularies -----------------------------------------------------------------------------


def member_names(enum: type[Enum]) -> set[str]:
    return {member.name.lower() for member in enum}


CAPTURE = "captures/capture.response.json"
VOCABULARIES: list[tuple[str, Callable[[], set[Any] | None], set[str]]] = [
    ("$.type", lambda: schema_shape(CAPTURE).fields["type"].enum, member_names(lumaapi.CaptureType)),
    ("$.privacy", lambda: schema_shape(CAPTURE).fields["privacy"].enum, member_names(lumaapi.PrivacyLevel)),
    ("$.status", lambda: schema_shape(CAPTURE).fields["status"].enum, member_names(lumaapi.CaptureStatus)),
    ("$.latestRun.status", lambda: schema_shape(CAPTURE).fields["latestRun"].fields["status"].enum, member_names(lumaapi.RunStatus)),
    (
        "capture-create.request.json $.camModel",
        lambda: schema_shape("captures/capture-create.request.json").fields["camModel"].enum,
        {camera.value for camera in lumaapi.CameraType},
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("where", "schema_enum", "client"), VOCABULARIES, ids=[v[0] for v in VOCABULARIES]
)
def test_the_schema_enums_are_the_clients(
    where: str, schema_enum: Callable[[], set[Any] | None], client: set[str]
) -> None:
    ours = schema_enum()
    assert ours == client, (
        f"{where}: enum values differ — schema: {sorted(ours or [])}; client: {sorted(client)}"
    )


# -- keys -------------------------------------------------------------------------------------

PARSERS: list[tuple[str, Callable[..., Any], str, Keys]] = [
    # (schema, client function, the variable holding the parsed JSON, where in the schema it is)
    (CAPTURE, lumaapi.LumaCaptureInfo.from_dict, "data", ()),
    (CAPTURE, lumaapi.LumaCaptureInfo.from_dict, "lrun", ("latestRun",)),
    ("captures/capture-create.response.json", lumaapi.LumaClient.submit_binary, "capture_data", ()),
    ("captures/capture-list.response.json", lumaapi.LumaClient.get, "data", ()),
]


@pytest.mark.parametrize(
    ("schema", "function", "variable", "at"),
    PARSERS,
    ids=[f"{p[1].__qualname__}:{p[2]}" for p in PARSERS],
)
def test_the_schema_requires_every_key_the_client_subscripts(
    schema: str, function: Callable[..., Any], variable: str, at: Keys
) -> None:
    required, optional = client_reads(function, variable)
    assert required | optional, f"found no reads of {variable} in {function.__qualname__}"
    problems = key_mismatches(
        schema, {(*at, *path) for path in required}, {(*at, *path) for path in optional}
    )
    # The run is optional as a whole (read with .get); inside it, its keys are required.
    if at:
        problems = [p for p in problems if not p.startswith(f"$.{'.'.join(at)}:")]
    assert not problems, "\n".join([f"{schema} against {function.__qualname__}:", *problems])


def test_the_credits_are_exactly_the_clients_dataclass() -> None:
    # LumaCreditInfo(**data) raises TypeError on any key it lacks and on any it does not know.
    shape = schema_shape("captures/credits.response.json")
    client = {field.name for field in fields(lumaapi.LumaCreditInfo)}
    assert set(shape.fields) == shape.required == client, (
        f"$: fields differ — schema: {sorted(shape.fields)} (required {sorted(shape.required)}); "
        f"client: {sorted(client)}"
    )


class DriftedCaptureInfo:
    """``from_dict`` as a future lumaapi might write it: reading a new key, and the run's
    pipelineVersion by subscript."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        run = data["latestRun"]
        return (data["title"], data["owner"], data.get("uuid"), run["pipelineVersion"])


def test_a_drifted_client_is_reported_key_by_key() -> None:
    required, optional = client_reads(DriftedCaptureInfo.from_dict, "data")
    run_required, _ = client_reads(DriftedCaptureInfo.from_dict, "run")
    problems = key_mismatches(
        CAPTURE, required | {("latestRun", *path) for path in run_required}, optional
    )
    assert problems == [
        "$.latestRun: the client reads it by subscript (KeyError if absent) — schema: optional; "
        "client: required",
        "$.latestRun.pipelineVersion: the client reads it by subscript (KeyError if absent) — "
        "schema: optional; client: required",
        "$.owner: a key the client reads — schema: absent; client: reads it",
    ]


# -- parsing ----------------------------------------------------------------------------------


def parse_strictly(body: dict[str, Any], where: str = "$") -> Any:
    """``LumaCaptureInfo.from_dict(body)``, failing where the client would crash or would turn a
    value into ``None`` without a word."""
    parsed = lumaapi.LumaCaptureInfo.from_dict(body)
    for name in ("type", "privacy", "status"):
        assert getattr(parsed, name) is not None, (
            f"{where}.{name}: lumaapi does not know the value — schema allows: {body[name]!r}; "
            f"client parsed: None"
        )
    if parsed.latest_run is not None:
        assert parsed.latest_run.status is not None, (
            f"{where}.latestRun.status: lumaapi does not know the value — schema allows: "
            f"{body['latestRun']['status']!r}; client parsed: None"
        )
    moment = datetime.fromisoformat(body["date"].replace("Z", "+00:00"))
    assert parsed.date == moment, f"{where}.date: schema {body['date']!r}; client {parsed.date}"
    return parsed


RESPONSES: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    (CAPTURE, parse_strictly),
    ("captures/capture-start.response.json", parse_strictly),
    ("captures/capture-create.response.json", lambda body: parse_strictly(body["capture"], "$.capture")),
    ("captures/capture-list.response.json", lambda body: [parse_strictly(item, "$.captures[*]") for item in body["captures"]]),
    ("captures/credits.response.json", lambda body: lumaapi.LumaCreditInfo(**body)),
]  # fmt: skip


@pytest.mark.parametrize(("schema", "parse"), RESPONSES, ids=[r[0] for r in RESPONSES])
def test_the_client_parses_whatever_the_schema_lets_the_mock_send(
    schema: str, parse: Callable[[dict[str, Any]], Any]
) -> None:
    @given(body=from_schema(schema))
    def check(body: dict[str, Any]) -> None:
        parse(body)

    check()


def _recordings() -> list[tuple[str, dict[str, Any]]]:
    folder = data_dir("fixtures") / "recorded" / "captures"
    found = [
        (p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(folder.glob("*.json"))
    ]
    # Those the schema rightly refuses (cut-off examples) are not for the client either.
    return [(name, recording) for name, recording in found if recording["expect"] == "valid"]


RECORDED = _recordings()
PARSE_BY_SCHEMA = {schema.removeprefix("captures/"): parse for schema, parse in RESPONSES}


@pytest.mark.parametrize("recording", [r for _, r in RECORDED], ids=[n for n, _ in RECORDED])
def test_the_client_parses_every_recorded_response(recording: dict[str, Any]) -> None:
    PARSE_BY_SCHEMA[recording["schema"]](recording["body"])
