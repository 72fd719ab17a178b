"""Fault rules from data: turning a rule as written (a scenario file, the control API, the
Python handle) into a :class:`~mockluma.engine.faults.Rule`.

The data has already been checked against ``schemas/mockluma/fault-rule.json``;
:func:`parse_rule` reports what a schema cannot express (two effects in one rule, a rule with
nothing to do, a callback state on a request rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockluma.engine.distributions import parse_distribution
from mockluma.engine.faults import (
    BodyTest,
    CallbackFault,
    Dribble,
    GenerationFault,
    HttpError,
    Match,
    NetworkFault,
    Rule,
    RuleError,
    Schedule,
)
from mockluma.engine.jobs import Phase

_PHASES = {
    "queued": Phase.QUEUED,
    "running": Phase.RUNNING,
    # Each surface's word for running, so rules can be written in the API's own terms.
    "dreaming": Phase.RUNNING,
    "processing": Phase.RUNNING,
    "dispatched": Phase.RUNNING,
}


def parse_phase(name: str, path: str) -> Phase:
    try:
        return _PHASES[name]
    except KeyError:
        raise RuleError(
            f"'{name}' is not a phase a generation can fail from; use one of {', '.join(_PHASES)}.",
            path,
        ) from None


def _names(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset([value] if isinstance(value, str) else value)


def parse_rule(data: Mapping[str, Any], index: int = 0) -> Rule:
    """Build a :class:`Rule` from schema-valid data; ``index`` names an unnamed rule."""
    name = str(data.get("name") or f"rule-{index + 1}")
    raw_match: Mapping[str, Any] = data.get("match") or {}
    methods = _names(raw_match.get("method"))
    body_tests = []
    for field_name, test in (raw_match.get("body") or {}).items():
        if isinstance(test, Mapping):
            body_tests.append(
                BodyTest(
                    field_name,
                    contains=test.get("contains"),
                    equals=test.get("equals"),
                    has_equals="equals" in test,
                )
            )
        else:
            body_tests.append(BodyTest(field_name, equals=test, has_equals=True))
    match = Match(
        surfaces=_names(raw_match.get("surface")),
        methods=None if methods is None else frozenset(m.upper() for m in methods),
        path=raw_match.get("path"),
        api_keys=_names(raw_match.get("api_key")),
        body=tuple(body_tests),
        states=_names(raw_match.get("state")),
    )
    when: Mapping[str, Any] = data.get("when") or {}
    schedule = Schedule(
        nth=when.get("nth"),
        every=when.get("every"),
        probability=when.get("probability"),
        times=data.get("times"),
    )
    latency = None
    if data.get("latency") is not None:
        try:
            latency = parse_distribution(data["latency"])
        except ValueError as exc:
            raise RuleError(str(exc), "latency") from None
    effects = [key for key in _EFFECTS if data.get(key) is not None]
    if len(effects) > 1:
        raise RuleError(
            f"A rule does one thing; this one has {' and '.join(effects)}. Split it in two.",
            effects[1],
        )
    effect = _EFFECTS[effects[0]](data[effects[0]]) if effects else None
    if effect is None and latency is None:
        raise RuleError(
            "A rule needs something to do: 'latency', or one of " + ", ".join(_EFFECTS) + ".",
        )
    if match.states is not None and not isinstance(effect, CallbackFault):
        raise RuleError("'match.state' only applies to callback rules.", "match.state")
    return Rule(name, match, schedule, latency, effect, dict(data))


_FRAMING = frozenset(("content-length", "transfer-encoding", "connection"))


def _error(data: Mapping[str, Any]) -> HttpError:
    headers = dict(data.get("headers") or {})
    framing = sorted(name for name in headers if name.lower() in _FRAMING)
    if framing:
        raise RuleError(
            f"The server sets {', '.join(framing)} itself; leave it out of the headers.",
            "error.headers",
        )
    return HttpError(int(data["status"]), data.get("message"), headers)


def _network(data: Any) -> NetworkFault:
    if isinstance(data, str):
        return NetworkFault(data)
    return NetworkFault(
        data["fault"], float(data.get("seconds", 60.0)), bool(data.get("after_handler", False))
    )


def _generation(data: Mapping[str, Any]) -> GenerationFault:
    phase = data.get("from")
    return GenerationFault(
        kind=data.get("fail"),
        phase=None if phase is None else parse_phase(phase, "generation.from"),
        after=data.get("after"),
        stuck=bool(data.get("stuck", False)),
        reason=data.get("reason"),
        code=data.get("code"),
    )


def _dribble(data: Mapping[str, Any]) -> Dribble:
    return Dribble(int(data.get("chunk_bytes", 16_384)), float(data.get("interval", 0.05)))


def _callback(data: Mapping[str, Any]) -> CallbackFault:
    return CallbackFault(
        float(data.get("delay", 0.0)),
        bool(data.get("duplicate", False)),
        bool(data.get("out_of_order", False)),
    )


_EFFECTS: dict[str, Any] = {
    "error": _error,
    "network": _network,
    "generation": _generation,
    "dribble": _dribble,
    "callback": _callback,
}
