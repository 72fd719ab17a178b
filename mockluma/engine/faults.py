"""Fault rules: what goes wrong, on which exchanges, and when.

The vocabulary is WireMock's (fixed and random delays, error responses, connection faults),
extended with what a job API needs: generations that fail after being accepted, generations that
never finish, slow downloads and misbehaving callbacks. Every rule has three parts:

- **match**: which exchanges it looks at (surface, method, path glob, API key, body fields, and
  for callbacks the state being reported);
- **when**: which of the matching exchanges it fires on (always, the nth, every nth, or with a
  seeded probability), optionally at most ``times`` times;
- **what**: a ``latency`` (a duration distribution) and/or one effect: an HTTP ``error``, a
  ``network`` fault, a ``generation`` failure or stall, a ``dribble`` of the response body, or a
  ``callback`` fault.

A rule's effect decides when it is consulted: request rules (latency, error, network, dribble)
as a request arrives; generation rules when a job is created; callback rules when an update is
about to be delivered. Rules are consulted in order; each matching rule counts the exchange, and
the first that fires supplies the effect (latency and effect are chosen independently, so a
"slow day" rule and a "flaky network" rule combine).

Randomness is seeded: request and callback rules draw from a generator keyed by the seed, the
rule and its call count; generation rules draw from the job's own generator, so a given job of a
given key meets the same fate whatever else runs concurrently.

Rules arrive as plain data, parsed by :mod:`mockluma.engine.fault_rules`; in-band markers in
request bodies are read by :mod:`mockluma.engine.triggers`.
"""

from __future__ import annotations

import fnmatch
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockluma.engine.distributions import Distribution
from mockluma.engine.jobs import Failure, Phase
from mockluma.errors import RuleError as RuleError

# -- what a rule does ----------------------------------------------------------------------


MAX_LATENCY = 3600.0
"""No response is held longer than an hour, whatever a distribution draws."""

NETWORK_FAULTS = ("reset", "empty", "malformed", "truncated", "timeout")


@dataclass(frozen=True, slots=True)
class HttpError:
    """Answer with ``status`` in the surface's own error dialect."""

    status: int
    message: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NetworkFault:
    """Break the exchange below HTTP.

    ``reset`` drops the connection with a TCP reset; ``empty`` closes it without a byte;
    ``malformed`` answers 200 with a body that is not JSON; ``truncated`` sends the headers and
    half the body, then closes; ``timeout`` holds the response for ``seconds`` (wall-clock),
    long enough for a client's timeout to fire. With ``after_handler`` the request is processed
    first (a generation is created) and only the answer is lost.
    """

    fault: str
    seconds: float = 60.0
    after_handler: bool = False


@dataclass(frozen=True, slots=True)
class GenerationFault:
    """Make an accepted job fail (with a surface's failure ``kind``) or never finish."""

    kind: str | None = None
    phase: Phase | None = None
    """Fail from this phase; ``None`` means the kind's usual phase."""
    after: float | None = None
    """Seconds (simulated) into ``phase``; ``None`` means the kind's usual moment."""
    stuck: bool = False
    reason: str | None = None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Dribble:
    """Send the response body ``chunk_bytes`` at a time, ``interval`` wall seconds apart."""

    chunk_bytes: int = 16_384
    interval: float = 0.05


@dataclass(frozen=True, slots=True)
class CallbackFault:
    """Misdeliver a callback: late (simulated seconds), twice, or after the next update."""

    delay: float = 0.0
    duplicate: bool = False
    out_of_order: bool = False


Effect = HttpError | NetworkFault | GenerationFault | Dribble | CallbackFault


# -- which exchanges, and when -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BodyTest:
    """A test on one field of the request body, named by a dotted path."""

    field: str
    contains: str | None = None
    equals: Any = None
    has_equals: bool = False

    def check(self, body: Any) -> bool:
        value = body
        for part in self.field.split("."):
            if isinstance(value, Mapping) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return False
        if self.has_equals and value != self.equals:
            return False
        return self.contains is None or (isinstance(value, str) and self.contains in value)


@dataclass(frozen=True, slots=True)
class Match:
    surfaces: frozenset[str] | None = None
    methods: frozenset[str] | None = None
    path: str | None = None
    api_keys: frozenset[str] | None = None
    body: tuple[BodyTest, ...] = ()
    states: frozenset[str] | None = None

    def exchange(self, exchange: ExchangeFacts) -> bool:
        if self.surfaces is not None and exchange.surface not in self.surfaces:
            return False
        if self.methods is not None and exchange.method not in self.methods:
            return False
        if self.path is not None and not fnmatch.fnmatchcase(exchange.path, self.path):
            return False
        if self.api_keys is not None and exchange.api_key not in self.api_keys:
            return False
        return all(test.check(exchange.body) for test in self.body)

    def callback(self, surface: str, owner: str, state: str) -> bool:
        if self.surfaces is not None and surface not in self.surfaces:
            return False
        if self.api_keys is not None and owner not in self.api_keys:
            return False
        return self.states is None or state in self.states

    @property
    def needs_body(self) -> bool:
        return bool(self.body)


@dataclass(frozen=True, slots=True)
class Schedule:
    nth: int | None = None
    every: int | None = None
    probability: float | None = None
    times: int | None = None

    def fires(self, calls: int, fired: int, rng: random.Random | None) -> bool:
        """Whether the ``calls``-th matching exchange fires, ``fired`` firings so far."""
        if self.times is not None and fired >= self.times:
            return False
        if self.nth is not None and calls != self.nth:
            return False
        if self.every is not None and calls % self.every:
            return False
        if self.probability is not None:
            return rng is not None and rng.random() < self.probability
        return True


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    match: Match
    schedule: Schedule
    latency: Distribution | None
    effect: Effect | None
    source: Mapping[str, Any]
    """The rule as it was given, for listing."""

    @property
    def target(self) -> str:
        """When the rule is consulted: ``request``, ``generation`` or ``callback``."""
        if isinstance(self.effect, GenerationFault):
            return "generation"
        if isinstance(self.effect, CallbackFault):
            return "callback"
        return "request"


@dataclass(frozen=True, slots=True)
class ExchangeFacts:
    """What rules can match on in one request."""

    surface: str | None
    method: str
    path: str
    api_key: str | None
    body: Any = None


# -- the book of rules ---------------------------------------------------------------------


@dataclass(slots=True)
class RuleState:
    rule: Rule
    calls: int = 0
    fired: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            **self.rule.source,
            "name": self.rule.name,
            "calls": self.calls,
            "fired": self.fired,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """What the rules decided for one request."""

    latency: float = 0.0
    effect: Effect | None = None
    rule: str | None = None
    generation: tuple[RuleState, ...] = ()
    """Generation rules that matched the request; consulted if it creates a job."""


NOTHING = Decision()


class FaultBook:
    """The active rules and their counters."""

    def __init__(self, seed: int = 0, rules: Iterable[Rule] = ()) -> None:
        self.seed = seed
        self._states: list[RuleState] = []
        for rule in rules:
            self.add(rule)

    def __len__(self) -> int:
        return len(self._states)

    def add(self, rule: Rule) -> None:
        """Add ``rule`` after the others, replacing a rule of the same name."""
        self._states = [state for state in self._states if state.rule.name != rule.name]
        self._states.append(RuleState(rule))

    def remove(self, name: str) -> bool:
        before = len(self._states)
        self._states = [state for state in self._states if state.rule.name != name]
        return len(self._states) < before

    def clear(self) -> None:
        self._states.clear()

    def replace(self, rules: Iterable[Rule], seed: int | None = None) -> None:
        self.clear()
        if seed is not None:
            self.seed = seed
        for rule in rules:
            self.add(rule)

    def summaries(self) -> list[dict[str, Any]]:
        return [state.summary() for state in self._states]

    def needs_body(self, surface: str | None) -> bool:
        return any(
            state.rule.match.needs_body
            and (state.rule.match.surfaces is None or surface in state.rule.match.surfaces)
            for state in self._states
        )

    def _rng(self, state: RuleState) -> random.Random:
        return random.Random(f"{self.seed}/fault/{state.rule.name}/{state.calls}")

    def on_request(self, exchange: ExchangeFacts) -> Decision:
        """Consult the request rules; collect the generation rules that matched."""
        if not self._states:
            return NOTHING
        latency: float | None = None
        effect: Effect | None = None
        named: str | None = None
        generation: list[RuleState] = []
        for state in self._states:
            rule = state.rule
            if rule.target == "callback" or not rule.match.exchange(exchange):
                continue
            if rule.target == "generation":
                generation.append(state)
                continue
            state.calls += 1
            if not rule.schedule.fires(state.calls, state.fired, self._rng(state)):
                continue
            state.fired += 1
            if latency is None and rule.latency is not None:
                latency = min(rule.latency.sample(self._rng(state)), MAX_LATENCY)
            if effect is None and rule.effect is not None:
                effect, named = rule.effect, rule.name
        if latency is None and effect is None and not generation:
            return NOTHING
        return Decision(latency or 0.0, effect, named, tuple(generation))

    def on_callback(
        self, surface: str, owner: str, job_id: str, state_name: str
    ) -> CallbackFault | None:
        """The callback fault for one update of a job, if a rule fires.

        A probability is drawn for the job and state themselves, so which updates misbehave does
        not depend on the order in which simultaneous updates happen to be processed."""
        for state in self._states:
            rule = state.rule
            if not isinstance(rule.effect, CallbackFault):
                continue
            if not rule.match.callback(surface, owner, state_name):
                continue
            state.calls += 1
            rng = random.Random(f"{self.seed}/fault/{rule.name}/{job_id}/{state_name}")
            if rule.schedule.fires(state.calls, state.fired, rng):
                state.fired += 1
                return rule.effect
        return None


def choose_generation_fault(
    candidates: Iterable[RuleState], rng: random.Random
) -> GenerationFault | None:
    """The first candidate generation rule that fires for a new job (drawing from ``rng``)."""
    for state in candidates:
        state.calls += 1
        if state.rule.schedule.fires(state.calls, state.fired, rng):
            state.fired += 1
            assert isinstance(state.rule.effect, GenerationFault)
            return state.rule.effect
    return None


def resolve_failure(fault: GenerationFault, kinds: Mapping[str, Failure], surface: str) -> Failure:
    """Turn ``fault`` into a concrete :class:`Failure` in ``surface``'s own words."""
    kind = fault.kind or "job"
    template = kinds.get(kind)
    if template is None:
        if fault.reason is None:
            known = ", ".join(sorted(kinds)) or "none"
            raise RuleError(
                f"{surface} has no failure kind {kind!r}; known kinds: {known}. "
                "Give a 'reason' to fail with your own text.",
                "generation.fail",
            )
        template = Failure(fault.reason, fault.code)
    return Failure(
        reason=fault.reason if fault.reason is not None else template.reason,
        code=fault.code if fault.code is not None else template.code,
        phase=fault.phase or template.phase,
        after=fault.after if fault.after is not None else template.after,
    )


@dataclass(frozen=True, slots=True)
class PlannedFaults:
    """The generation faults planned for one request, handed to :meth:`Simulation.submit
    <mockluma.engine.simulation.Simulation.submit>` by the surface that creates a job for it."""

    rules: tuple[RuleState, ...] = ()
    """Generation rules that matched the request; each draws, for the new job, whether it fires."""
    triggered: GenerationFault | None = None
    """What an in-band ``[mockluma:...]`` trigger asked for; it wins over the rules."""


NO_PLANNED_FAULTS = PlannedFaults()
