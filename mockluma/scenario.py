"""Scenario files and fault rules as data: loaded, checked against the shipped schemas, parsed.

A scenario is a YAML or JSON file holding server settings, fault rules (``faults``) and rate
limits (``limits``); see ``schemas/mockluma/scenario.json`` and ``fixtures/scenarios/``. Errors
name the file, the line and the key at fault, so a typo is found without reading the schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from mockluma.engine.fault_rules import (
    parse_rule,
)
from mockluma.engine.faults import (
    Rule,
    RuleError,
)
from mockluma.engine.limits import Limit
from mockluma.errors import ScenarioError as ScenarioError
from mockluma.schemas.store import validator

RULE_SCHEMA = "mockluma/fault-rule.json"
SCENARIO_SCHEMA = "mockluma/scenario.json"
Location = tuple[str | int, ...]


def load_scenario(path: str | Path) -> dict[str, Any]:
    """Read and check a scenario file; return its settings, ready for ``build_config``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"Cannot read the scenario file {path}: {exc.strerror}.") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"{where}: not valid YAML or JSON: {problem}.") from None
    if document is None:
        document = {}
    lines = _line_map(node) if node is not None else {}
    _check(SCENARIO_SCHEMA, document, lambda at: f"{path}:{_line(lines, at)}")
    settings = {k: v for k, v in document.items() if k not in ("name", "description")}
    if "faults" in settings:
        try:
            settings["faults"] = parse_rules(settings["faults"], checked=True)
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: {exc}") from None
    if "limits" in settings:
        settings["limits"] = parse_limits(settings["limits"], checked=True)
    settings["scenario"] = str(path)
    return settings


def parse_rules(data: Iterable[Any], *, checked: bool = False) -> tuple[Rule, ...]:
    """Rules from data (dicts, or ready :class:`Rule` objects), each checked against the schema."""
    rules: list[Rule] = []
    for index, item in enumerate(data):
        if isinstance(item, Rule):
            rules.append(item)
            continue
        if not checked:
            _check(RULE_SCHEMA, item, lambda at, i=index: f"fault rule {i + 1}")
        try:
            rules.append(parse_rule(item, index))
        except RuleError as exc:
            where = f"faults[{index}]" + (f".{exc.path}" if exc.path else "")
            raise ScenarioError(f"{where}: {exc}") from None
    names = [rule.name for rule in rules]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ScenarioError(f"Fault rule names must be unique; repeated: {', '.join(duplicates)}.")
    return tuple(rules)


def parse_limits(data: Mapping[str, Any], *, checked: bool = False) -> dict[str, dict[str, Limit]]:
    """Per surface and limit group, the :class:`Limit` that replaces the default."""
    if not checked:
        _check(SCENARIO_SCHEMA, {"limits": data}, lambda at: "limits")
    return {
        surface: {
            group: Limit(
                concurrent=values.get("concurrent"),
                per_minute=values.get("per_minute"),
                concurrency_retry_after=float(values.get("retry_after", 60.0)),
            )
            for group, values in groups.items()
        }
        for surface, groups in data.items()
    }


def _check(schema: str, document: Any, where: Any) -> None:
    errors = sorted(validator(schema).iter_errors(document), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    error = errors[0]
    at: Location = tuple(error.absolute_path)
    key = error.json_path.removeprefix("$").lstrip(".") or "the top level"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = sorted(name for name in error.instance if name not in known)
        if extra:
            at = (*at, extra[0])
            key = f"{key}.{extra[0]}" if at[:-1] else extra[0]
    raise ScenarioError(f"{where(at)}: at {key}: {error.message}.")


def _line_map(node: yaml.Node, at: Location = ()) -> dict[Location, int]:
    lines = {at: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines.update(_line_map(value, (*at, key.value)))
            lines[(*at, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_line_map(item, (*at, index)))
    return lines


def _line(lines: Mapping[Location, int], at: Location) -> int:
    while at not in lines and at:
        at = at[:-1]
    return lines.get(at, 1)
