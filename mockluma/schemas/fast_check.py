"""A yes/no check of a document against a schema, compiled once into plain Python predicates.

``jsonschema`` walks a schema anew for every document, building an error iterator, evolving
validators and resolving keyword functions on each step: for a small create body that walk
cost more than the rest of the request's work together. Most documents a mock receives are
valid, and for those the only question is *whether* they are; :func:`compile_check` answers it
with closures made once per schema. The shipped validator still words every refusal (a
document the check refuses is walked by ``jsonschema`` as before), so errors do not change.

Only the keywords the shipped schemas use are compiled, with ``jsonschema``'s meaning for
draft 2020-12 without format assertion; a schema with any other keyword (``$ref`` left after
inlining, ``prefixItems``, ``unevaluatedProperties``...) is not compiled, and its caller keeps
to ``jsonschema``. ``tests/contracts/test_fast_check.py`` compares both on every shipped schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from jsonschema._utils import equal

Check = Callable[[Any], bool]

# Keywords that never decide validity here (format is an annotation: no format checker).
_ANNOTATIONS = frozenset(
    {
        "$comment",
        "$schema",
        "$id",
        "$defs",
        "title",
        "description",
        "format",
        "contentEncoding",
        "contentMediaType",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)


class Unsupported(Exception):
    """The schema uses a keyword this module does not compile."""


def compile_check(schema: Any) -> Check | None:
    """A predicate equal to ``Draft202012Validator(schema).is_valid``, or ``None`` when the
    schema uses a keyword this module does not know."""
    try:
        return _compile(schema)
    except Unsupported:
        return None


def _always(_: Any) -> bool:
    return True


def _never(_: Any) -> bool:
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_TYPES: dict[str, Check] = {
    "null": lambda value: value is None,
    "boolean": lambda value: isinstance(value, bool),
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "number": _is_number,
    "integer": _is_integer,
}


def _compile(schema: Any) -> Check:
    if schema is True:
        return _always
    if schema is False:
        return _never
    if not isinstance(schema, Mapping):
        raise Unsupported(repr(schema))
    checks: list[Check] = []
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS or keyword.startswith("x-"):
            continue
        if keyword in ("then", "else"):
            continue  # compiled with "if"
        if keyword in ("additionalProperties",):
            continue  # compiled with "properties"
        maker = _KEYWORDS.get(keyword)
        if maker is None:
            raise Unsupported(keyword)
        checks.append(maker(value, schema))
    if "additionalProperties" in schema:
        checks.append(_additional(schema))
    if not checks:
        return _always
    return _every(checks)


def _every(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)
    every = tuple(checks)

    def check(value: Any) -> bool:
        for one in every:  # noqa: SIM110 (a loop: no generator frame per check)
            if not one(value):
                return False
        return True

    return check


def _type(value: Any, _: Mapping[str, Any]) -> Check:
    names = [value] if isinstance(value, str) else list(value)
    if any(name not in _TYPES for name in names):
        raise Unsupported(f"type {value!r}")
    tests = tuple(_TYPES[name] for name in names)
    if len(tests) == 1:
        return tests[0]
    return lambda instance: any(test(instance) for test in tests)


def _enum(value: Any, _: Mapping[str, Any]) -> Check:
    options = list(value)
    if all(isinstance(option, str) or option is None for option in options):
        strings = frozenset(option for option in options if option is not None)
        nullable = None in options
        return lambda instance: (
            instance in strings if isinstance(instance, str) else nullable and instance is None
        )
    return lambda instance: any(equal(instance, option) for option in options)


def _const(value: Any, _: Mapping[str, Any]) -> Check:
    return lambda instance: equal(instance, value)


def _properties(value: Any, _: Mapping[str, Any]) -> Check:
    subs = {name: _compile(sub) for name, sub in value.items()}
    find = subs.get

    def check(instance: Any) -> bool:
        if not isinstance(instance, dict):
            return True
        # Bodies name a few of the many properties: walk theirs, not the schema's.
        for name, item in instance.items():
            sub = find(name)
            if sub is not None and not sub(item):
                return False
        return True

    return check


def _additional(schema: Mapping[str, Any]) -> Check:
    if "patternProperties" in schema:
        raise Unsupported("patternProperties")
    known = frozenset(schema.get("properties", {}))
    sub = _compile(schema["additionalProperties"])

    def check(instance: Any) -> bool:
        if not isinstance(instance, dict):
            return True
        return all(sub(instance[key]) for key in instance if key not in known)

    return check


def _required(value: Any, _: Mapping[str, Any]) -> Check:
    names = tuple(value)
    return lambda instance: not isinstance(instance, dict) or all(n in instance for n in names)


def _any_of(value: Any, _: Mapping[str, Any]) -> Check:
    subs = tuple(_compile(sub) for sub in value)
    return lambda instance: any(sub(instance) for sub in subs)


def _all_of(value: Any, _: Mapping[str, Any]) -> Check:
    subs = tuple(_compile(sub) for sub in value)
    return lambda instance: all(sub(instance) for sub in subs)


def _not(value: Any, _: Mapping[str, Any]) -> Check:
    sub = _compile(value)
    return lambda instance: not sub(instance)


def _if(value: Any, schema: Mapping[str, Any]) -> Check:
    condition = _compile(value)
    then = _compile(schema.get("then", True))
    otherwise = _compile(schema.get("else", True))
    return lambda instance: then(instance) if condition(instance) else otherwise(instance)


def _items(value: Any, schema: Mapping[str, Any]) -> Check:
    if "prefixItems" in schema:
        return _always  # the items after the prefix: compiled with "prefixItems"
    sub = _compile(value)
    return lambda instance: not isinstance(instance, list) or all(sub(item) for item in instance)


def _prefix_items(value: Any, schema: Mapping[str, Any]) -> Check:
    subs = tuple(_compile(one) for one in value)
    rest = _compile(schema["items"]) if "items" in schema else None
    count = len(subs)

    def check(instance: Any) -> bool:
        if not isinstance(instance, list):
            return True
        if not all(sub(item) for sub, item in zip(subs, instance, strict=False)):
            return False
        return rest is None or all(rest(item) for item in instance[count:])

    return check


def _pattern(value: Any, _: Mapping[str, Any]) -> Check:
    search = re.compile(value).search
    return lambda instance: not isinstance(instance, str) or search(instance) is not None


def _property_names(value: Any, _: Mapping[str, Any]) -> Check:
    sub = _compile(value)
    return lambda instance: not isinstance(instance, dict) or all(sub(key) for key in instance)


def _bound(kind: type[Any] | None, compare: Callable[[Any, Any], bool]) -> Callable[..., Check]:
    """A bound on numbers (``kind`` None) or on the length of a ``kind``."""

    def make(value: Any, _: Mapping[str, Any]) -> Check:
        if kind is None:
            return lambda instance: not _is_number(instance) or compare(instance, value)
        return lambda instance: not isinstance(instance, kind) or compare(len(instance), value)

    return make


_KEYWORDS: dict[str, Callable[[Any, Mapping[str, Any]], Check]] = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "properties": _properties,
    "required": _required,
    "anyOf": _any_of,
    "allOf": _all_of,
    "not": _not,
    "if": _if,
    "items": _items,
    "prefixItems": _prefix_items,
    "pattern": _pattern,
    "propertyNames": _property_names,
    "minimum": _bound(None, lambda a, b: a >= b),
    "maximum": _bound(None, lambda a, b: a <= b),
    "exclusiveMinimum": _bound(None, lambda a, b: a > b),
    "exclusiveMaximum": _bound(None, lambda a, b: a < b),
    "minLength": _bound(str, lambda a, b: a >= b),
    "maxLength": _bound(str, lambda a, b: a <= b),
    "minItems": _bound(list, lambda a, b: a >= b),
    "maxItems": _bound(list, lambda a, b: a <= b),
    "minProperties": _bound(dict, lambda a, b: a >= b),
    "maxProperties": _bound(dict, lambda a, b: a <= b),
}


__all__ = ["Check", "compile_check"]
