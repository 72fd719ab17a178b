"""In-band triggers: ``[mockluma:...]`` markers that a black-box client puts in a request.

A front end talking to the dev server cannot call the control API before each request, so any
string in a request body may carry a marker that asks for a failure, a stall, a delay, an error
or a network fault for that one request (and the generation it creates):

    [mockluma:fail=moderation]  [mockluma:fail=job,from=dreaming,after=20]  [mockluma:stuck]
    [mockluma:delay=2.5]        [mockluma:error=503]                       [mockluma:network=reset]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mockluma.engine.fault_rules import parse_phase
from mockluma.engine.faults import (
    NETWORK_FAULTS,
    GenerationFault,
    HttpError,
    NetworkFault,
    RuleError,
)
from mockluma.engine.jobs import Failure

TRIGGER = re.compile(r"\[mockluma:([^\]]*)\]")
TRIGGER_MARK = b"[mockluma:"


@dataclass(frozen=True, slots=True)
class Triggers:
    """What the markers in one request asked for."""

    latency: float = 0.0
    effect: HttpError | NetworkFault | None = None
    generation: GenerationFault | None = None


def find_markers(document: Any) -> list[str]:
    """Every ``[mockluma:...]`` marker in the strings of ``document``."""
    found: list[str] = []
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.extend(TRIGGER.findall(item))
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def parse_triggers(
    markers: Iterable[str], kinds: Mapping[str, Failure] | None = None, surface: str = ""
) -> Triggers:
    """Read markers such as ``fail=moderation``, ``fail=job,from=dreaming,after=20``, ``stuck``,
    ``delay=2.5``, ``error=503`` or ``network=reset``.

    Given ``kinds`` (the failure kinds of ``surface``), a ``fail=`` marker naming none of them
    is refused: a misspelled failure must not quietly run the success path.
    """
    latency = 0.0
    effect: HttpError | NetworkFault | None = None
    generation: GenerationFault | None = None
    for marker in markers:
        options: dict[str, str] = {}
        for part in marker.split(","):
            key, _, value = part.strip().partition("=")
            if key:
                options[key.strip()] = value.strip()
        try:
            if "fail" in options or "stuck" in options:
                after = options.get("after")
                phase = options.get("from")
                generation = GenerationFault(
                    kind=options.get("fail") or None,
                    phase=None if phase is None else parse_phase(phase, "from"),
                    after=None if after is None else _seconds(after),
                    stuck="stuck" in options,
                    reason=options.get("reason"),
                )
                if kinds is not None:
                    _check_kind(generation, kinds, surface)
            elif "delay" in options:
                latency = _seconds(options["delay"])
            elif "error" in options:
                status = int(options["error"])
                if not 400 <= status <= 599:
                    raise ValueError("error needs a status from 400 to 599")
                effect = HttpError(status, options.get("message"))
            elif "network" in options:
                if options["network"] not in NETWORK_FAULTS:
                    raise ValueError(f"network is one of {', '.join(NETWORK_FAULTS)}")
                seconds = _seconds(options.get("seconds", "60"))
                effect = NetworkFault(options["network"], seconds)
            else:
                raise ValueError(
                    "use fail=KIND, stuck, delay=SECONDS, error=STATUS or network=FAULT"
                )
        except (ValueError, RuleError) as exc:
            raise RuleError(f"The trigger [mockluma:{marker}] is not understood: {exc}.") from None
    return Triggers(latency, effect, generation)


def _check_kind(fault: GenerationFault, kinds: Mapping[str, Failure], surface: str) -> None:
    kind = fault.kind or "job"
    if fault.stuck or fault.reason is not None or kind in kinds:
        return
    known = ", ".join(sorted(kinds)) or "none"
    hint = ""
    aliases = sorted(name for name, failure in kinds.items() if failure.code == kind)
    if aliases:
        hint = (
            f" ({kind!r} is a failure_code; the kinds that fail with it are {', '.join(aliases)})"
        )
    raise ValueError(
        f"{surface or 'this API'} has no failure kind {kind!r}{hint}; its kinds are {known}, "
        "or add reason=TEXT to fail with your own words"
    )


def _seconds(text: str) -> float:
    value = float(text.removesuffix("s"))
    if not 0 <= value <= 3600:
        raise ValueError(f"{text!r} is not between 0 and 3600 seconds")
    return value
