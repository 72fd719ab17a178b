"""Drift: do the shipped schemas still say what the official SDKs' types say?

Each surface's contract names the SDK types that describe its bodies (:class:`SdkBinding`, in
``CONTRACT.sdk_types``): pydantic models for responses, ``TypedDict`` params for requests.
:func:`compare` reduces both sides to the same small vocabulary (a :class:`Shape`: JSON types,
enum values, fields and which are required, array items) and reports every difference as a
:class:`Mismatch` naming the field and both sides. An SDK release that renames a state, adds a
model or makes a field required then fails a test instead of surprising a user.

How strict a difference is depends on who writes the body (:class:`Direction`):

* ``RESPONSE`` (the mock writes, the SDK parses): the SDK must accept everything the schema
  allows. A schema may require more than the SDK (the mock always sends every field) or allow
  fewer enum values, never the other way round.
* ``REQUEST`` (the SDK writes, the mock validates): fields, required fields, types and enum
  values must be the same. The one tolerated difference is ``null``: the request schemas accept
  it for optional fields, where the SDK leaves the field out.

Tagged unions (a keyframe is an image or a generation; the request echo is one of seven kinds) are
compared merged: all fields of all variants, required only where every variant requires them.
"""

from __future__ import annotations

import datetime
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pydantic
import typing_extensions

from mockluma.contracts.registry import Direction, SdkBinding
from mockluma.schemas import store as schema_store


@dataclass(frozen=True, slots=True)
class Mismatch:
    path: str
    what: str
    schema_side: str
    sdk_side: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what} — schema: {self.schema_side}; SDK: {self.sdk_side}"


@dataclass(slots=True)
class Shape:
    types: set[str] = field(default_factory=set)
    """JSON types: string, integer, number, boolean, null, array, object."""
    enum: set[Any] | None = None
    """Allowed values other than null; ``None`` means any value of the types."""
    fields: dict[str, Shape] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    items: Shape | None = None


def merge(shapes: Sequence[Shape]) -> Shape:
    """The shape of a value that has one of ``shapes`` (a union)."""
    if not shapes:
        return Shape()
    merged = Shape()
    enums = []
    for shape in shapes:
        merged.types |= shape.types
        non_null = shape.types - {"null"}
        if non_null:
            enums.append(shape.enum)
    merged.enum = None if not enums or None in enums else set().union(*(e or set() for e in enums))
    objects = [shape for shape in shapes if "object" in shape.types]
    for shape in objects:
        for name, sub in shape.fields.items():
            merged.fields[name] = (
                merge([merged.fields[name], sub]) if name in merged.fields else sub
            )
    if objects:
        merged.required = set.intersection(*(shape.required for shape in objects))
    arrays = [shape.items for shape in shapes if shape.items is not None]
    merged.items = merge(arrays) if arrays else None
    return merged


# -- JSON Schema side --------------------------------------------------------------------------

_JSON_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}


def _values(values: Iterable[Any]) -> Shape:
    shape = Shape(enum=set())
    for value in values:
        shape.types.add(_JSON_TYPES[type(value)])
        if value is not None:
            assert shape.enum is not None
            shape.enum.add(value)
    return shape


def schema_shape(name: str) -> Shape:
    resolved = schema_store.registry().resolver().lookup(schema_store.BASE_URI + name)
    return _schema(resolved.contents, resolved.resolver)


def _schema(schema: Any, resolver: Any) -> Shape:
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        return _schema(resolved.contents, resolved.resolver)
    if "const" in schema:
        return _values([schema["const"]])
    if "enum" in schema:
        return _values(schema["enum"])
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            return merge([_schema(branch, resolver) for branch in schema[keyword]])
    kinds = schema.get("type", "object" if {"properties", "allOf"} & set(schema) else [])
    shape = Shape(types=set(kinds if isinstance(kinds, list) else [kinds]))
    if "items" in schema:
        shape.items = _schema(schema["items"], resolver)
    if "object" in shape.types:
        shape.required = set(schema.get("required", ()))
        for key, sub in schema.get("properties", {}).items():
            shape.fields[key] = _schema(sub, resolver)
        # allOf parts other than if/then add to the object: a shared definition by $ref, and
        # the fields this use of it requires ({"required": ["slug"]}).
        for part in schema.get("allOf", ()):
            if "if" in part:
                continue
            shape.required |= set(part.get("required", ()))
            if "$ref" in part or "properties" in part:
                added = _schema(part, resolver)
                shape.fields.update(added.fields)
                shape.required |= added.required
        branches = [
            _schema(part["then"], resolver) for part in schema.get("allOf", ()) if "then" in part
        ]
        if branches:
            variants = merge(branches)
            for key, sub in variants.fields.items():
                own = shape.fields.get(key)
                # The tag's own enum lists every variant; a variant's copy may add null.
                shape.fields[key] = sub if own is None else merge([own, sub])
            shape.required |= variants.required
    return shape


# -- SDK side ----------------------------------------------------------------------------------

_REQUIRED_MARKERS = (typing_extensions.Required, typing_extensions.NotRequired)


def sdk_shape(annotation: Any) -> Shape:
    return _sdk(annotation, frozenset())


def _sdk(annotation: Any, seen: frozenset[Any]) -> Shape:
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin in (typing.Annotated, *_REQUIRED_MARKERS):
        return _sdk(arguments[0], seen)
    if origin in (typing.Union, types.UnionType):
        return merge([_sdk(argument, seen) for argument in arguments])
    if origin is typing.Literal:
        return _values(arguments)
    if isinstance(origin, type) and issubclass(origin, Iterable) and origin not in (dict, str):
        return Shape(types={"array"}, items=_sdk(arguments[0], seen) if arguments else Shape())
    if origin in (dict, Mapping):
        return Shape(types={"object"})
    if annotation in (str, datetime.datetime, datetime.date):
        return Shape(types={"string"})
    if annotation in _JSON_TYPES:
        return Shape(types={_JSON_TYPES[annotation]})
    if annotation is Any or annotation is object:
        return Shape(types={"string", "integer", "number", "boolean", "null", "array", "object"})
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return _model(annotation, seen)
    if typing_extensions.is_typeddict(annotation):
        return _typeddict(annotation, seen)
    alias = getattr(annotation, "__value__", None)  # a `type X = ...` alias
    if alias is not None:
        return _sdk(alias, seen)
    raise TypeError(f"Cannot compare the SDK type {annotation!r}.")


def _model(model: type[pydantic.BaseModel], seen: frozenset[Any]) -> Shape:
    shape = Shape(types={"object"})
    if model in seen:
        return shape
    for name, info in model.model_fields.items():
        key = info.alias or name
        shape.fields[key] = _sdk(info.annotation, seen | {model})
        if info.is_required():
            shape.required.add(key)
    return shape


def _typeddict(typed: Any, seen: frozenset[Any]) -> Shape:
    # __required_keys__ cannot see Required[...] in string annotations (the SDK's modules use
    # `from __future__ import annotations`), so required-ness is read from the resolved hints.
    shape = Shape(types={"object"})
    hints = typing.get_type_hints(typed, include_extras=True)
    for key, annotation in hints.items():
        marker = typing.get_origin(annotation)
        if marker is typing_extensions.Required or (
            getattr(typed, "__total__", True) and marker is not typing_extensions.NotRequired
        ):
            shape.required.add(key)
        shape.fields[key] = _sdk(annotation, seen | {typed})
    return shape


# -- comparing ---------------------------------------------------------------------------------


def _accepts(sdk_types: set[str]) -> set[str]:
    # A float field takes whole numbers too.
    return sdk_types | {"integer"} if "number" in sdk_types else sdk_types


def _show(values: Iterable[Any]) -> str:
    return "[" + ", ".join(sorted(repr(value) for value in values)) + "]"


def compare(binding: SdkBinding) -> list[Mismatch]:
    """Every way ``binding``'s schema and SDK type disagree (empty when they agree)."""
    return _compare(schema_shape(binding.schema), sdk_shape(binding.load()), "$", binding.direction)


def compare_shapes(schema: Shape, sdk: Shape, direction: Direction) -> list[Mismatch]:
    return _compare(schema, sdk, "$", direction)


def _compare(schema: Shape, sdk: Shape, path: str, direction: Direction) -> list[Mismatch]:
    found: list[Mismatch] = []
    schema_types, sdk_types = schema.types - {"null"}, sdk.types - {"null"}
    if direction is Direction.RESPONSE:
        if not schema_types <= _accepts(sdk_types):
            found.append(
                Mismatch(
                    path,
                    "the SDK cannot parse some types the schema allows",
                    _show(schema_types),
                    _show(sdk_types),
                )
            )
        if "null" in schema.types and "null" not in sdk.types:
            found.append(
                Mismatch(
                    path, "the schema allows null, the SDK does not", "nullable", "not nullable"
                )
            )
    elif schema_types != sdk_types:
        found.append(Mismatch(path, "types differ", _show(schema_types), _show(sdk_types)))
    found += _compare_enums(schema, sdk, path, direction)
    if "object" in schema.types and "object" in sdk.types:
        found += _compare_fields(schema, sdk, path, direction)
    if schema.items is not None and sdk.items is not None:
        found += _compare(schema.items, sdk.items, f"{path}[*]", direction)
    return found


def _compare_enums(schema: Shape, sdk: Shape, path: str, direction: Direction) -> list[Mismatch]:
    if schema.enum == sdk.enum:
        return []
    if schema.enum is not None and sdk.enum is not None:
        if direction is Direction.RESPONSE and schema.enum <= sdk.enum:
            return []
        return [Mismatch(path, "enum values differ", _show(schema.enum), _show(sdk.enum))]
    if schema.enum is None:
        assert sdk.enum is not None
        return [
            Mismatch(path, "the schema allows any value, the SDK only some", "any", _show(sdk.enum))
        ]
    if direction is Direction.REQUEST:
        return [
            Mismatch(
                path, "the SDK allows any value, the schema only some", _show(schema.enum), "any"
            )
        ]
    return []


def _compare_fields(schema: Shape, sdk: Shape, path: str, direction: Direction) -> list[Mismatch]:
    found = []
    for name in sorted(set(schema.fields) | set(sdk.fields)):
        where = f"{path}.{name}"
        if name not in sdk.fields:
            found.append(Mismatch(where, "a field only the schema has", "described", "absent"))
        elif name not in schema.fields:
            found.append(Mismatch(where, "a field only the SDK has", "absent", "described"))
        else:
            found += _compare(schema.fields[name], sdk.fields[name], where, direction)
    if direction is Direction.RESPONSE:
        missing = sdk.required - schema.required
        if missing:
            found.append(
                Mismatch(
                    path,
                    "the SDK requires fields the schema lets the mock leave out",
                    _show(schema.required),
                    _show(sdk.required),
                )
            )
    elif schema.required != sdk.required:
        found.append(
            Mismatch(path, "required fields differ", _show(schema.required), _show(sdk.required))
        )
    return found


def report(mismatches: Sequence[Mismatch], binding: SdkBinding) -> str:
    """A readable account of ``mismatches`` for a failing test."""
    lines = [f"{binding.schema} has drifted from {binding.sdk_type} ({binding.direction.value}):"]
    lines += [f"  {mismatch}" for mismatch in mismatches]
    return "\n".join(lines)


__all__ = [
    "Direction",
    "Mismatch",
    "SdkBinding",
    "Shape",
    "compare",
    "compare_shapes",
    "report",
    "schema_shape",
    "sdk_shape",
]
