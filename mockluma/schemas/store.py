"""The shipped JSON Schemas (draft 2020-12), loaded and checked once.

Schemas live in ``schemas/<surface>/*.json``; each has an ``$id`` under :data:`BASE_URI`, and
``$ref``s between files resolve through one in-memory registry (nothing is ever fetched). The one
file in a surface's directory that is not a schema is ``routes.json``, its route map (data checked
against ``schemas/route-map.json``; see :mod:`mockluma.schemas.route_schemas`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mockluma.resources import data_dir
from mockluma.schemas.fast_check import compile_check

if TYPE_CHECKING:
    from referencing._core import Resolver

BASE_URI = "https://mockluma.local/schemas/"
ROUTE_MAP_FILE = "routes.json"


@cache
def _registry() -> tuple[Registry[Any], dict[str, dict[str, Any]]]:
    root = data_dir("schemas")
    schemas: dict[str, dict[str, Any]] = {}
    for path in sorted(root.rglob("*.json")):
        if path.name == ROUTE_MAP_FILE:
            continue
        schema = json.loads(path.read_text(encoding="utf-8"))
        expected = BASE_URI + path.relative_to(root).as_posix()
        if schema.get("$id") != expected:
            raise ValueError(f"{path}: $id must be {expected!r}, not {schema.get('$id')!r}.")
        Draft202012Validator.check_schema(schema)
        schemas[expected] = schema
    registry: Registry[Any] = Registry().with_resources(
        (uri, Resource.from_contents(schema, default_specification=DRAFT202012))
        for uri, schema in schemas.items()
    )
    return registry, schemas


def names() -> list[str]:
    """Every shipped schema, named relative to ``schemas/`` (``dream-machine/defs.json``)."""
    _, schemas = _registry()
    return sorted(uri.removeprefix(BASE_URI) for uri in schemas)


def registry() -> Registry[Any]:
    """The registry every shipped schema is in (to resolve ``$ref``s outside a validator)."""
    return _registry()[0]


def schema(name: str) -> dict[str, Any]:
    """The parsed schema ``schemas/<name>``."""
    _, schemas = _registry()
    uri = BASE_URI + name
    if uri not in schemas:
        raise KeyError(f"No shipped schema named {name!r}.")
    return schemas[uri]


@cache
def validator(name: str) -> Draft202012Validator:
    """The validator for ``schemas/<name>`` (for example ``dream-machine/ping.response.json``).

    It checks the schema with every ``$ref`` replaced by what it points to (see
    :func:`dereferenced`), which is what the schema means: resolving a reference on each use
    was more than half the cost of checking a create request.
    """
    return Draft202012Validator(dereferenced(name), registry=registry())


@cache
def is_valid(name: str) -> Callable[[Any], bool]:
    """A yes/no check of a document against ``schemas/<name>``: compiled once where
    :mod:`~mockluma.schemas.fast_check` knows every keyword, the validator's ``is_valid``
    otherwise. Valid documents, the common case, never reach ``jsonschema``."""
    checker = validator(name)
    compiled = compile_check(checker.schema)
    return checker.is_valid if compiled is None else compiled


def first_error(name: str, instance: Any) -> ValidationError | None:
    """The most relevant violation of schema ``name`` by ``instance``, or ``None``."""
    if is_valid(name)(instance):
        return None
    error: ValidationError | None = best_match(validator(name).iter_errors(instance))
    return error


def all_errors(name: str, instance: Any) -> list[ValidationError]:
    """Every violation of schema ``name`` by ``instance``, each narrowed to the branch of an
    ``anyOf`` the client most likely meant; the most relevant one first."""
    if is_valid(name)(instance):
        return []
    found = list(validator(name).iter_errors(instance))
    first = best_match(found)
    ordered = sorted(found, key=lambda error: (error is not first, error.json_path))
    return [_most_specific(error) for error in ordered]


def describe(error: ValidationError) -> str:
    """A one-sentence account of ``error`` naming the offending field."""
    error = _most_specific(error)
    where = error.json_path
    field = where.removeprefix("$.")
    value = error.instance
    if where == "$" and error.validator == "type":
        return f"The request body must be a JSON object, not {json_type(value)}."
    match error.validator:
        case "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            owner = "" if where == "$" else f" in {field}"
            return f"Field '{missing}' is required{owner}."
        case "enum" | "const":
            allowed = error.validator_value
            options = allowed if isinstance(allowed, list) else [allowed]
            listed = ", ".join(json.dumps(option) for option in options)
            return f"Field '{field}' must be one of {listed}, not {json.dumps(value)}."
        case "type":
            expected = _type_words(error.validator_value)
            return f"Field '{field}' must be of type {expected}, not {json_type(value)}."
        case "minLength" | "maxLength" | "minItems" | "maxItems":
            # Said without repeating the value, which may be megabytes long.
            unit = "characters" if error.validator.endswith("Length") else "items"
            if error.validator == "minLength" and error.validator_value == 1:
                return f"Field '{field}' must not be empty."
            bound = "at least" if error.validator.startswith("min") else "at most"
            return (
                f"Field '{field}' is out of range: it must have {bound} "
                f"{error.validator_value} {unit}, not {_size(value)}."
            )
        case "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum":
            return f"Field '{field}' is out of range: {error.message}."
        case _:
            return f"Field '{field}' is invalid: {error.message}."


def _most_specific(error: ValidationError) -> ValidationError:
    """Look inside ``anyOf``/``oneOf`` failures for the branch the client most likely meant.

    Optional fields are written as ``anyOf: [<the real shape>, null]``; the null branch is never
    what the client meant, so it is dropped before choosing.
    """
    while error.validator in ("anyOf", "oneOf") and error.context:
        meant = [
            sub
            for sub in error.context
            if not (sub.validator == "type" and sub.validator_value == "null")
        ]
        chosen = best_match(meant or error.context)
        if chosen is None:
            break
        error = chosen
    return error


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | list | dict) else 0


def _type_words(expected: Any) -> str:
    kinds = expected if isinstance(expected, list) else [expected]
    return " or ".join(str(kind) for kind in kinds)


def json_type(value: Any) -> str:
    """The JSON Schema type name of a parsed JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


# -- references inlined ---------------------------------------------------------------------

# Keywords whose value is a schema, a list of schemas, or a mapping of names to schemas: the
# only places a "$ref" is a reference (elsewhere, as in an enum, it is data).
_SCHEMA = frozenset(
    {
        "additionalProperties", "contains", "else", "if", "items", "not", "propertyNames",
        "then", "unevaluatedItems", "unevaluatedProperties",
    }
)  # fmt: skip
_SCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAP = frozenset({"dependentSchemas", "patternProperties", "properties"})
_UNSUPPORTED = frozenset({"$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor"})


class _KeepReferences(Exception):
    """The schema cannot be dereferenced safely; it is used as written."""


def dereferenced(name: str) -> dict[str, Any]:
    """``schemas/<name>`` with each ``$ref`` replaced by the schema it points to.

    A reference alone becomes its target; a reference with sibling keywords becomes
    ``allOf: [target]`` in its place (keyword order kept), which validates, and words errors,
    the same way. Schemas this cannot treat exactly (recursive references, dynamic references,
    an ``$id`` inside a document, a reference beside an ``allOf``) are returned as written;
    ``tests/contracts/test_dereferenced_schemas.py`` checks both forms give the same errors.
    """
    original = schema(name)
    try:
        inlined = _inline(original, registry().resolver(BASE_URI + name), frozenset(), root=True)
    except _KeepReferences:
        return original
    assert isinstance(inlined, dict)
    return inlined


def _inline(node: Any, resolver: Resolver[Any], seen: frozenset[int], *, root: bool = False) -> Any:
    """``node`` with its references inlined; ``seen`` holds the targets being inlined, and
    ``root`` says whether ``node`` is a document's top (the one place an ``$id`` may be)."""
    if not isinstance(node, dict):
        return node
    copy: dict[str, Any] = {}
    for keyword, value in node.items():
        if keyword in _UNSUPPORTED or (keyword == "$id" and not root):
            raise _KeepReferences(keyword)
        if keyword == "$ref":
            if not isinstance(value, str) or "allOf" in node:
                raise _KeepReferences(keyword)
            resolved = resolver.lookup(value)
            if id(resolved.contents) in seen:
                raise _KeepReferences("a recursive reference")
            # A whole document keeps its "$id" (then an embedded resource, as 2020-12 allows).
            contents = resolved.contents
            target = _inline(contents, resolved.resolver, seen | {id(contents)}, root=True)
            if len(node) == 1:
                return target
            copy["allOf"] = [target]
        elif keyword in _SCHEMA:
            copy[keyword] = _inline(value, resolver, seen)
        elif keyword in _SCHEMA_LIST and isinstance(value, list):
            copy[keyword] = [_inline(item, resolver, seen) for item in value]
        elif keyword in _SCHEMA_MAP and isinstance(value, dict):
            copy[keyword] = {key: _inline(item, resolver, seen) for key, item in value.items()}
        else:
            copy[keyword] = value
    return copy
