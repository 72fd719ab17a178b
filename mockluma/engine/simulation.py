"""The simulation core: accounts, jobs and their timelines on one clock.

A :class:`Simulation` is HTTP-free and single-threaded: it is only touched from the server's
event loop (or from a test's thread when no server runs). Every public read first runs the
events whose time has come, so state is always current without a background task.

State is namespaced by (surface, API key): each pair is an :class:`Account` with its own jobs,
balance and sequence numbers. Randomness is derived from the seed, the surface, the key and the
job's sequence number, so a key's jobs get the same ids and timelines whatever other keys do.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockluma.engine.changes import ChangeTracker
from mockluma.engine.clock import Clock
from mockluma.engine.errors import InsufficientCredits, JobFinished, JobNotFound
from mockluma.engine.faults import (
    NO_PLANNED_FAULTS,
    PlannedFaults,
    choose_generation_fault,
    resolve_failure,
)
from mockluma.engine.jobs import Failure, Job, Phase, Plan
from mockluma.engine.jobtable import JobTable
from mockluma.engine.limits import Limiter
from mockluma.engine.progression import BY_CLOCK, Progression
from mockluma.engine.scheduler import Scheduler
from mockluma.engine.timing import Timing, TimingMode, make_plan

TransitionListener = Callable[[Job], None]


@dataclass(slots=True)
class Account:
    """One API key's state on one surface."""

    balance: float
    jobs: JobTable = field(default_factory=JobTable)
    sequence: int = 0
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    """A surface's own records that are not jobs (uploaded files, ...), by collection name."""


class Simulation:
    """Jobs moving through their phases on a shared clock, with per-key accounts."""

    def __init__(
        self,
        *,
        clock: Clock,
        seed: int,
        timing_mode: TimingMode = TimingMode.REALISTIC,
        progression: Progression = BY_CLOCK,
        starting_balances: Mapping[str, float] | None = None,
        limiter: Limiter | None = None,
        failure_kinds: Mapping[str, Mapping[str, Failure]] | None = None,
    ) -> None:
        self.clock = clock
        self.seed = seed
        self.timing_mode = timing_mode
        self.progression = progression
        self.scheduler = Scheduler()
        self.starting_balances = dict(starting_balances or {})
        self.limiter = limiter or Limiter(enabled=False)
        self.failure_kinds = {name: dict(kinds) for name, kinds in (failure_kinds or {}).items()}
        """Per surface, the failures a fault rule can name (``moderation``, ``job``...)."""
        self._accounts: dict[tuple[str, str], Account] = {}
        self._indexes: dict[str, dict[str, Any]] = {}
        self._listeners: list[TransitionListener] = []
        self.changes: ChangeTracker | None = None
        """Set when a store keeps the state: what changed since the store last saved."""
        self.epoch = 0
        """How many resets this state has seen. Ids made after a reset are salted with it, so
        an id never names two things within one state, while a fresh state (epoch 0) still
        makes the same ids as before for the same seed."""
        self.revision = 0
        """Counts changes to the set of jobs and their phases (creations, transitions,
        deletions, resets), so a watcher can tell cheaply whether anything moved."""

    # -- time -----------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock.now()

    def run_due(self) -> int:
        """Run every event whose time has come; return how many ran."""
        ran = 0
        while (action := self.scheduler.pop_due(self.clock.now())) is not None:
            action()
            ran += 1
        return ran

    def advance(self, seconds: float) -> int:
        """Move the clock forward, running each event at its own instant on the way."""
        if seconds < 0:
            raise ValueError("The clock cannot move backwards.")
        target = self.clock.now() + seconds
        ran = self.run_due()
        while (due := self.scheduler.next_due()) is not None and due <= target:
            self.clock.advance(max(0.0, due - self.clock.now()))
            ran += self.run_due()
        self.clock.advance(max(0.0, target - self.clock.now()))
        return ran + self.run_due()

    # -- accounts -------------------------------------------------------------------------

    def account(self, surface: str, owner: str) -> Account:
        key = (surface, owner)
        account = self._accounts.get(key)
        if account is None:
            account = Account(balance=self.starting_balances.get(surface, 0.0))
            self._accounts[key] = account
            if self.changes is not None:
                self.changes.account(surface, owner)
        return account

    def accounts(self) -> Iterable[tuple[tuple[str, str], Account]]:
        """Every account, as ((surface, key), account), in the order they were opened."""
        return self._accounts.items()

    def install(self, accounts: Mapping[tuple[str, str], Account], owner: str | None) -> None:
        """Put loaded accounts in place of every account (``owner=None``) or of ``owner``'s,
        and schedule the next step of each unfinished job on its planned timeline."""
        doomed = [key for key in self._accounts if owner is None or key[1] == owner]
        for key in doomed:
            for job in self._accounts.pop(key).jobs.decoded():
                job.deleted = True
                if job.pending is not None:
                    job.pending.cancel()
        if owner is None:
            self.scheduler.clear()
            self._indexes.clear()
        self._accounts.update(accounts)
        for account in accounts.values():
            for job in account.jobs.decoded():  # jobs still kept as text are finished ones
                if not job.phase.terminal:
                    self._schedule_next(job)

    def balance(self, surface: str, owner: str) -> float:
        self.run_due()
        return self.account(surface, owner).balance

    def records(self, surface: str, owner: str, collection: str) -> dict[str, Any]:
        """``owner``'s records in ``collection`` (for example uploaded files), by id.

        They belong to the account, so a reset forgets them with its jobs.
        """
        self.run_due()
        if self.changes is not None:
            self.changes.collection(surface, owner, collection)
        return self.account(surface, owner).records.setdefault(collection, {})

    def new_id(self, surface: str, owner: str) -> str:
        """A fresh id in ``owner``'s namespace, derived from the seed like job ids."""
        rng = self._next_random(surface, owner)
        return self._fresh_id(rng, surface, owner)

    def _next_random(self, surface: str, owner: str) -> random.Random:
        account = self.account(surface, owner)
        account.sequence += 1
        if self.changes is not None:
            self.changes.account(surface, owner)
        return random.Random(f"{self.seed}/{surface}/{owner}/{account.sequence}")

    @property
    def id_salt(self) -> str:
        """What seeded names made after a reset add to their seed string ("" in a fresh state)."""
        return f"/after-reset-{self.epoch}" if self.epoch else ""

    def _fresh_id(self, rng: random.Random, surface: str, owner: str) -> str:
        # The draw from ``rng`` happens either way, so what the job samples next (its
        # timeline, its faults) does not depend on how many resets came before.
        bits = rng.getrandbits(128)
        if self.epoch:
            sequence = self.account(surface, owner).sequence
            salted = f"{self.seed}/{surface}/{owner}/{sequence}{self.id_salt}"
            bits = random.Random(salted).getrandbits(128)
        return _uuid_text(bits)

    def index(self, surface: str) -> dict[str, Any]:
        """A surface-wide lookup table that no key owns (upload tokens, say); a full reset
        empties it. Entries may outlive a one-key reset, so check what they point at."""
        return self._indexes.setdefault(surface, {})

    def reset(self, owner: str | None = None) -> None:
        """Forget every account (or only ``owner``'s); the clock keeps its time, and ids made
        afterwards differ from every id made before (see :attr:`epoch`)."""
        self.epoch += 1
        if self.changes is not None:
            self.changes.reset(owner)
        doomed = [key for key in self._accounts if owner is None or key[1] == owner]
        for key in doomed:
            for job in self._accounts.pop(key).jobs.decoded():
                job.deleted = True
        self.limiter.reset(owner)
        self.revision += 1
        if owner is None:
            self.scheduler.clear()
            self._indexes.clear()

    def reconfigure(
        self,
        *,
        clock: Clock | None = None,
        seed: int | None = None,
        timing_mode: TimingMode | None = None,
        progression: Progression | None = None,
        starting_balances: Mapping[str, float] | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        """Forget everything and start again with the given settings (others are kept)."""
        self.reset()
        self.clock = clock or self.clock
        self.seed = self.seed if seed is None else seed
        self.timing_mode = timing_mode or self.timing_mode
        self.progression = progression or self.progression
        if starting_balances is not None:
            self.starting_balances = dict(starting_balances)
        if limiter is not None:
            self.limiter = limiter

    # -- jobs -----------------------------------------------------------------------------

    def subscribe(self, listener: TransitionListener) -> None:
        """Call ``listener(job)`` after every phase change of every job."""
        self._listeners.append(listener)

    def submit(
        self,
        *,
        surface: str,
        owner: str,
        kind: str,
        request: Mapping[str, Any],
        details: dict[str, Any],
        timing: Timing,
        cost: float = 0.0,
        failure: Failure | None = None,
        stuck: bool = False,
        instant: bool = False,
        group: str | None = None,
        faults: PlannedFaults = NO_PLANNED_FAULTS,
    ) -> Job:
        """Accept a new job: check limits, charge its cost, plan its timeline (with any fault
        the request's rules or triggers ask for: ``faults``, from the fault layer) and schedule
        its first step.

        Raises :class:`InsufficientCredits`, or :class:`~mockluma.engine.limits.RateLimited`
        when the key is over a limit of ``group`` (default: ``kind``).
        """
        self.run_due()
        account = self.account(surface, owner)
        if cost > account.balance:
            raise InsufficientCredits(account.balance, cost)
        group = group or kind
        now = self.clock.now()
        allowance = self.limiter.admit(surface, owner, group, now)
        rng = self._next_random(surface, owner)
        job_id = self._fresh_id(rng, surface, owner)
        if failure is None and not stuck:
            failure, stuck = self._injected_fault(faults, surface, owner, account.sequence)
        instant = instant or self.progression.kind == "immediate"
        plan = make_plan(
            timing, self.timing_mode, rng, failure=failure, stuck=stuck, instant=instant
        )
        job = Job(job_id, surface, kind, owner, now, request, details, plan, cost=cost, group=group)
        job.allowance = allowance
        job.history.append((Phase.QUEUED, now))
        account.balance -= cost
        account.jobs[job_id] = job
        if self.changes is not None:
            self.changes.job(job)
            self.changes.limits()
        self.revision += 1
        self._schedule_next(job)
        return job

    def _injected_fault(
        self, faults: PlannedFaults, surface: str, owner: str, sequence: int
    ) -> tuple[Failure | None, bool]:
        candidates = faults.rules
        fault = faults.triggered
        if fault is None and candidates:
            # The job's own generator, so its fate does not depend on what else runs.
            rng = random.Random(f"{self.seed}/{surface}/{owner}/{sequence}/faults")
            fault = choose_generation_fault(candidates, rng)
        if fault is None:
            return None, False
        if fault.stuck:
            return None, True
        kinds = self.failure_kinds.get(surface, {})
        if fault.reason is None and (fault.kind or "job") not in kinds:
            return None, False  # a rule for every surface, naming a kind this one lacks
        return resolve_failure(fault, kinds, surface), False

    def get(self, surface: str, owner: str, job_id: str) -> Job:
        self.run_due()
        job = self.account(surface, owner).jobs.get(job_id)
        if job is None:
            raise JobNotFound(job_id)
        return job

    def poll(self, job: Job) -> Job:
        """Count a client's look at ``job``; under ``polls:N`` the Nth look moves it on."""
        job.polls += 1
        if self.changes is not None:
            self.changes.job(job)
        policy = self.progression
        if policy.kind == "polls" and job.polls >= policy.polls and not job.phase.terminal:
            step = _next_step(job.plan, job.phase)
            if step is not None:
                if job.pending is not None:
                    job.pending.cancel()
                phase, _, failure = step
                self._transition(job, phase, failure)
        return job

    def page(self, surface: str, owner: str, *, offset: int, limit: int) -> tuple[list[Job], int]:
        """Jobs newest first, ``limit`` of them after skipping ``offset``; plus the total."""
        self.run_due()
        jobs = self.account(surface, owner).jobs
        start = min(offset, len(jobs))
        stop = min(offset + limit, len(jobs))
        return jobs.newest(start, stop), len(jobs)

    def settle(self, job: Job, phase: Phase, failure: Failure | None = None) -> None:
        """Move ``job`` on to ``phase`` now, through the phases before it (a job declared in a
        scenario file as already running, finished or failed). A running job then keeps to
        the rest of its plan."""
        order = (Phase.QUEUED, Phase.RUNNING, Phase.SUCCEEDED)
        steps = [Phase.FAILED] if phase is Phase.FAILED else order[order.index(job.phase) + 1 :]
        for step in steps:
            if job.phase.terminal or (
                phase is not Phase.FAILED and order.index(step) > order.index(phase)
            ):
                break
            if job.pending is not None:
                job.pending.cancel()
            self._transition(job, step, failure if step is Phase.FAILED else None)

    def delete(self, surface: str, owner: str, job_id: str) -> Job:
        job = self.get(surface, owner, job_id)
        del self.account(surface, owner).jobs[job_id]
        job.deleted = True
        if self.changes is not None:
            self.changes.job(job)
            self.changes.limits()
        self.revision += 1
        if not job.phase.terminal:
            self.limiter.finished(surface, owner, job.group)
        return job

    # -- every key at once (the control API and the dashboard) ---------------------------

    def all_jobs(self) -> list[Job]:
        """Every job of every key on every surface, in the order they were created."""
        self.run_due()
        jobs = [job for account in self._accounts.values() for job in account.jobs.values()]
        # Accounts are listed in the order they were opened; sorting is stable, so jobs created
        # at the same instant keep their order within an account.
        jobs.sort(key=lambda job: job.created_at)
        return jobs

    def find(self, job_id: str) -> Job:
        """The job with ``job_id``, whichever key and surface own it."""
        self.run_due()
        for account in self._accounts.values():
            job = account.jobs.get(job_id)
            if job is not None:
                return job
        raise JobNotFound(job_id)

    def complete_now(self, job: Job) -> Job:
        """Finish ``job`` successfully at the current instant, through each phase it has not
        reached yet (a queued job passes through running, so observers see every step; both
        updates happen at the same instant, so their callbacks may arrive in either order).

        Raises :class:`JobFinished` if it has already completed or failed.
        """
        self._steerable(job)
        if job.phase is Phase.QUEUED:
            self._transition(job, Phase.RUNNING, None)
            self._cancel_pending(job)
        self._transition(job, Phase.SUCCEEDED, None)
        return job

    def fail_now(self, job: Job, failure: Failure) -> Job:
        """Fail ``job`` at the current instant with ``failure``'s reason and code (its credits
        are refunded, as for any failure). Raises :class:`JobFinished` if it has finished."""
        self._steerable(job)
        self._transition(job, Phase.FAILED, failure)
        return job

    def _steerable(self, job: Job) -> None:
        self.run_due()
        if job.deleted:
            raise JobNotFound(job.id)
        if job.phase.terminal:
            raise JobFinished(job.id, "completed" if job.phase is Phase.SUCCEEDED else "failed")
        self._cancel_pending(job)

    @staticmethod
    def _cancel_pending(job: Job) -> None:
        if job.pending is not None:
            job.pending.cancel()
            job.pending = None

    # -- progression ----------------------------------------------------------------------

    def _schedule_next(self, job: Job) -> None:
        step = _next_step(job.plan, job.phase)
        if step is None:
            return
        phase, delay, failure = step
        entered = job.history[-1][1]
        job.pending = self.scheduler.at(
            entered + delay, lambda: self._transition(job, phase, failure)
        )

    def _transition(self, job: Job, phase: Phase, failure: Failure | None) -> None:
        if job.deleted or job.phase.terminal:
            return
        job.phase = phase
        job.polls = 0
        job.pending = None
        job.history.append((phase, self.clock.now()))
        if self.changes is not None:
            self.changes.job(job)
            if phase.terminal:
                self.changes.limits()
        self.revision += 1
        if phase is Phase.FAILED:
            job.failure = failure
            self._refund(job)
        if phase.terminal:
            self.limiter.finished(job.surface, job.owner, job.group)
        for listener in self._listeners:
            listener(job)
        self._schedule_next(job)

    def _refund(self, job: Job) -> None:
        # Luma charges when a job is accepted and gives the money back if it fails.
        account = self._accounts.get((job.surface, job.owner))
        if account is not None and job.cost:
            account.balance += job.cost
            if self.changes is not None:
                self.changes.account(job.surface, job.owner)


# The bits uuid.UUID(int=..., version=4) clears and sets: variant RFC 4122, version 4.
_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_SET = (0x8000 << 48) | (4 << 76)


def _uuid(rng: random.Random) -> str:
    """``str(uuid.UUID(int=rng.getrandbits(128), version=4))``, without building the object."""
    return _uuid_text(rng.getrandbits(128))


def _uuid_text(bits: int) -> str:
    """``str(uuid.UUID(int=bits, version=4))``, without building the object."""
    text = "%032x" % ((bits & _UUID_CLEAR) | _UUID_SET)
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _next_step(plan: Plan, phase: Phase) -> tuple[Phase, float, Failure | None] | None:
    """The next phase after ``phase`` under ``plan``, how long after entering ``phase``."""
    failure = plan.failure
    if phase is Phase.QUEUED:
        if failure is not None and failure.phase is Phase.QUEUED:
            return Phase.FAILED, min(failure.after, plan.queued_for), failure
        return Phase.RUNNING, plan.queued_for, None
    if phase is Phase.RUNNING:
        if failure is not None:
            return Phase.FAILED, failure.after, failure
        if plan.running_for is None:
            return None
        return Phase.SUCCEEDED, plan.running_for, None
    return None


def upcoming(job: Job) -> list[tuple[Phase, float]]:
    """The phases ``job`` has still to enter and when its plan puts them on the simulated clock
    (empty for a finished job, and for the rest of a stuck one). Under a progression other than
    by clock, the instants are those the plan would give; polls may move the job sooner."""
    steps: list[tuple[Phase, float]] = []
    if job.deleted or not job.history:
        return steps
    phase, entered = job.phase, job.history[-1][1]
    first = True
    while (step := _next_step(job.plan, phase)) is not None:
        phase, delay, _ = step
        # The scheduled event is the truth for the next step (a poll may have moved the job).
        due = job.pending.due if first and job.pending is not None else entered + delay
        steps.append((phase, due))
        entered, first = due, False
    return steps
