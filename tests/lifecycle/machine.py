"""What every lifecycle state machine shares: the mock, two keys, and the four invariants.

Each surface family has a ``RuleBasedStateMachine`` (``test_*.py`` beside this module) whose
rules create jobs, poll them, move the clock, make them fail through the documented fault
rules and ``[mockluma:...]`` triggers, delete them and reset the mock, one key or all. After
every step hypothesis checks the invariants below:

- **states never move back**: every state a client was shown ranks at least as high as the one
  it was shown before, in the surface's own order;
- **terminal states are sticky**: once a job showed a terminal state, it shows that one forever;
- **balances never go negative**, and each is exactly the starting balance less the charges of
  the jobs that have not failed (Luma charges when it accepts a job and refunds a failure;
  deleting a running job refunds nothing);
- **a key never sees another key's jobs**: asked with the other key, a job is 404, and a list
  holds exactly the key's own jobs that are still there.

The mock runs in-process (no socket) and is shared by all the examples of one test; each
example starts from a reset with settings drawn by the machine's ``@initialize`` rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from mockluma.engine.jobs import Job, Phase
from mockluma.handle import IN_PROCESS_URL, MockLuma

PROGRESSIONS = st.sampled_from(["clock", "polls:1", "polls:2", "immediate"])
STEPS = st.sampled_from([0.5, 2.0, 5.0, 30.0, 600.0])
"""Simulated seconds one ``advance`` moves: less than a state, a state or two, everything."""


@dataclass
class Seen:
    """One job as its owner's client saw it."""

    surface: str
    key: str
    id: str
    order: Mapping[str, int]
    """Rank of each state word: a later look never shows a lower one."""
    terminal: frozenset[str]
    kind: str = "generation"
    """What the job is, where the surface has more than one kind (an Agents file, say)."""
    states: list[str] = field(default_factory=list)
    gone: bool = False
    """Deleted, or forgotten by a reset: every look now answers 404."""
    reissued: bool = False
    """Forgotten by a reset, after which the same seed handed its id to a new job (ids come
    from the seed, the key and the key's count of jobs, so a reset starts them again)."""


class LifecycleMachine(RuleBasedStateMachine):
    """Rules and invariants every surface family shares; subclasses add create, fetch, fail."""

    jobs = Bundle("jobs")
    known_jobs = jobs.filter(lambda seen: not seen.reissued)
    """Jobs whose id still means them (see :attr:`Seen.reissued`)."""
    luma: ClassVar[MockLuma]
    """Set by the test before it runs the machine."""
    keys: ClassVar[tuple[str, str]]
    surfaces: ClassVar[tuple[str, ...]]
    poor_credits_cents: ClassVar[float] = 500.0
    """The starting balance of a poor account (and one capture credit)."""

    def __init__(self) -> None:
        super().__init__()
        self.http = httpx.Client(transport=self.luma.sync_transport(), base_url=IN_PROCESS_URL)
        self.seen: dict[str, Seen] = {}
        self.deleted_charges: dict[tuple[str, str], list[Job]] = {}
        """Jobs deleted by a client, whose charge stays with the account unless they failed."""
        self.settings: dict[str, Any] = {}

    def teardown(self) -> None:
        self.http.close()

    # -- settings and resets -------------------------------------------------------------

    @initialize(progression=PROGRESSIONS, rich=st.booleans(), seed=st.integers(0, 3))
    def start(self, progression: str, rich: bool, seed: int) -> None:
        # A poor account runs dry after a job or two, so refusals meet the accounting.
        self.settings = {
            "progression": progression,
            "seed": seed,
            "timing": "quick",
            "credits_cents": 100_000 if rich else self.poor_credits_cents,
            "capture_credits": 100 if rich else 1,
        }
        self.luma.reset(**self.settings)

    @rule(seconds=STEPS)
    def advance(self, seconds: float) -> None:
        self.luma.advance(seconds)

    @rule(key_index=st.integers(0, 1))
    def reset_one_key(self, key_index: int) -> None:
        key = self.keys[key_index]
        self.luma.reset(api_key=key)
        self.forget(key)

    @rule()
    def reset_everything(self) -> None:
        self.luma.reset(**self.settings)
        self.forget(None)

    def forget(self, key: str | None) -> None:
        """After a reset of ``key`` (``None``: of every key), its jobs and charges are gone."""
        for seen in self.seen.values():
            if key in (None, seen.key):
                seen.gone = True
        for account in list(self.deleted_charges):
            if key in (None, account[1]):
                del self.deleted_charges[account]

    # -- polling ----------------------------------------------------------------------------

    @rule(seen=known_jobs)
    def poll(self, seen: Seen) -> None:
        self.observe(seen, self.fetch(seen, seen.key))

    @rule(seen=known_jobs)
    def look_with_the_other_key(self, seen: Seen) -> None:
        shown = self.fetch(seen, self.other_key(seen.key))
        assert shown is None, f"{seen.surface} showed {seen.key}'s job {seen.id} to another key"

    def fetch(self, seen: Seen, key: str) -> str | None:
        """The state ``key``'s client is shown for the job, or ``None`` for a 404."""
        raise NotImplementedError

    # -- what a client saw ---------------------------------------------------------------

    def other_key(self, key: str) -> str:
        return self.keys[1] if key == self.keys[0] else self.keys[0]

    def track(
        self,
        surface: str,
        key: str,
        job_id: str,
        order: Mapping[str, int],
        terminal: frozenset[str],
        kind: str = "generation",
    ) -> Seen:
        earlier = self.seen.get(job_id)
        if earlier is not None:
            assert earlier.gone, f"the id {job_id} was handed out twice"
            earlier.reissued = True
        seen = Seen(surface, key, job_id, order, terminal, kind)
        self.seen[job_id] = seen
        return seen

    def observe(self, seen: Seen, state: str | None) -> None:
        """Record what the owner's client was shown (``None``: a 404)."""
        if seen.gone:
            assert state is None, f"{seen.id} was deleted or reset, yet answers {state}"
            return
        assert state is not None, f"{seen.id} ({seen.states}) answered 404 to its own key"
        assert state in seen.order, f"{seen.id}: {state!r} is not a state of {seen.surface}"
        seen.states.append(state)

    def remember_deletion(self, seen: Seen, job: Job) -> None:
        self.deleted_charges.setdefault((seen.surface, seen.key), []).append(job)
        seen.gone = True

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def states_never_move_back_and_terminal_states_stick(self) -> None:
        for seen in self.seen.values():
            for before, after in zip(seen.states, seen.states[1:], strict=False):
                assert seen.order[after] >= seen.order[before], (
                    f"{seen.surface} {seen.id} moved back: {' -> '.join(seen.states)}"
                )
                assert before not in seen.terminal or after == before, (
                    f"{seen.surface} {seen.id} left its terminal state: {' -> '.join(seen.states)}"
                )

    @invariant()
    def balances_never_go_negative_and_add_up(self) -> None:
        simulation = self.luma.simulation
        for surface in self.surfaces:
            start = simulation.starting_balances[surface]
            for key in self.keys:
                balance = simulation.balance(surface, key)
                assert balance >= 0, f"{surface} balance of {key} went negative: {balance}"
                jobs = [
                    *simulation.account(surface, key).jobs.values(),
                    *self.deleted_charges.get((surface, key), []),
                ]
                charged = sum(job.cost for job in jobs if job.phase is not Phase.FAILED)
                assert abs(balance - (start - charged)) < 1e-6, (
                    f"{surface} balance of {key} is {balance}, but {start} less the charges "
                    f"of its jobs that have not failed is {start - charged}"
                )
                shown = self.shown_balance(surface, key)
                if shown is not None:
                    assert shown >= 0, f"{surface} shows {key} a negative balance: {shown}"

    def shown_balance(self, surface: str, key: str) -> float | None:
        """The balance as the surface's own endpoint shows it, if it has one."""
        return None

    @invariant()
    def a_key_sees_only_its_own_jobs(self) -> None:
        for key in self.keys:
            listed = self.listed(key)
            if listed is None:
                continue
            expected = {
                seen.id
                for seen in self.seen.values()
                if seen.key == key and not seen.gone and self.is_listed(seen)
            }
            assert listed == expected, (
                f"{key} lists {sorted(listed)}, its own jobs still there are {sorted(expected)}"
            )

    def listed(self, key: str) -> set[str] | None:
        """Ids the surface's list endpoint shows ``key`` (``None`` if it has no list)."""
        return None

    def is_listed(self, seen: Seen) -> bool:
        return True
