from __future__ import annotations

import random
import uuid

import pytest

from mockluma.engine.clock import ManualClock
from mockluma.engine.distributions import Fixed, LogNormal, Uniform, parse_distribution, scaled
from mockluma.engine.errors import InsufficientCredits, JobNotFound
from mockluma.engine.jobs import Failure, Job, Phase
from mockluma.engine.progression import Progression
from mockluma.engine.simulation import Simulation, _uuid
from mockluma.engine.timing import Timing, TimingMode

TIMING = Timing(queued=Fixed(10.0), running=Fixed(30.0))


def make(
    mode: TimingMode = TimingMode.REALISTIC, balance: float = 100.0, seed: int = 7
) -> Simulation:
    return Simulation(
        clock=ManualClock(1_700_000_000.0),
        seed=seed,
        timing_mode=mode,
        starting_balances={"test": balance},
    )


def submit(sim: Simulation, owner: str = "k", **kwargs: object) -> Job:
    options: dict[str, object] = {"timing": TIMING, "cost": 10.0, **kwargs}
    return sim.submit(
        surface="test",
        owner=owner,
        kind="video",
        request={},
        details={},
        **options,  # type: ignore[arg-type]
    )


def test_a_job_moves_through_its_phases_on_the_clock() -> None:
    sim = make()
    job = submit(sim)
    seen = [job.phase]
    for step in (9.9, 0.1, 29.0, 1.0):
        sim.advance(step)
        seen.append(job.phase)
    assert seen == [Phase.QUEUED, Phase.QUEUED, Phase.RUNNING, Phase.RUNNING, Phase.SUCCEEDED]
    assert [phase for phase, _ in job.history] == [
        Phase.QUEUED,
        Phase.RUNNING,
        Phase.SUCCEEDED,
    ]
    start = job.created_at
    assert job.entered(Phase.RUNNING) == start + 10
    assert job.entered(Phase.SUCCEEDED) == start + 40


def test_advancing_runs_each_event_at_its_own_instant() -> None:
    sim = make()
    seen: list[tuple[str, float]] = []
    sim.subscribe(lambda job: seen.append((job.phase.value, sim.now() - job.created_at)))
    submit(sim)
    sim.advance(1000)
    assert seen == [("running", 10.0), ("succeeded", 40.0)]


def test_credits_are_charged_up_front_and_refunded_on_failure() -> None:
    sim = make(balance=100.0)
    failing = submit(sim, failure=Failure("Job failed", phase=Phase.RUNNING, after=5.0))
    ok = submit(sim)
    assert sim.balance("test", "k") == 80.0
    sim.advance(15)
    assert failing.phase is Phase.FAILED
    assert failing.failure is not None
    assert failing.failure.reason == "Job failed"
    assert sim.balance("test", "k") == 90.0
    sim.advance(100)
    assert ok.phase is Phase.SUCCEEDED
    assert sim.balance("test", "k") == 90.0


def test_a_job_can_fail_while_queued() -> None:
    sim = make()
    job = submit(sim, failure=Failure("Error dispatching job", phase=Phase.QUEUED, after=2.0))
    sim.advance(2)
    assert job.phase is Phase.FAILED
    assert job.entered(Phase.RUNNING) is None


def test_a_stuck_job_never_finishes_and_terminal_phases_are_sticky() -> None:
    sim = make()
    stuck = submit(sim, stuck=True)
    sim.advance(10_000_000)
    assert stuck.phase is Phase.RUNNING
    done = submit(sim)
    sim.advance(100)
    sim.advance(100)
    assert done.phase is Phase.SUCCEEDED
    assert len(done.history) == 3


def test_an_empty_balance_refuses_new_jobs_without_changing_state() -> None:
    sim = make(balance=15.0)
    submit(sim)
    with pytest.raises(InsufficientCredits) as refusal:
        submit(sim)
    assert refusal.value.balance == 5.0
    assert refusal.value.cost == 10.0
    assert sim.balance("test", "k") == 5.0
    assert sim.page("test", "k", offset=0, limit=10)[1] == 1


def test_keys_are_isolated_from_each_other() -> None:
    sim = make()
    job = submit(sim, owner="alice")
    with pytest.raises(JobNotFound):
        sim.get("test", "bob", job.id)
    assert sim.balance("test", "bob") == 100.0


def test_ids_and_timelines_depend_only_on_seed_key_and_sequence() -> None:
    timing = Timing(queued=Uniform(1, 100), running=LogNormal(50, 0.5))
    first, second = make(seed=3), make(seed=3)
    a1 = submit(first, owner="a", timing=timing)
    submit(second, owner="b", timing=timing)  # another key's traffic changes nothing for "a"
    a2 = submit(second, owner="a", timing=timing)
    assert (a1.id, a1.plan) == (a2.id, a2.plan)
    assert submit(make(seed=4), owner="a", timing=timing).id != a1.id


def test_pages_are_newest_first() -> None:
    sim = make(balance=1000)
    jobs = [submit(sim) for _ in range(5)]
    page, total = sim.page("test", "k", offset=1, limit=2)
    assert total == 5
    assert page == [jobs[3], jobs[2]]


def test_deleted_jobs_are_gone_and_their_events_are_harmless() -> None:
    sim = make()
    job = submit(sim)
    sim.delete("test", "k", job.id)
    with pytest.raises(JobNotFound):
        sim.get("test", "k", job.id)
    sim.advance(100)
    assert job.phase is Phase.QUEUED


def test_reset_forgets_one_key_or_everything() -> None:
    sim = make()
    a, b = submit(sim, owner="a"), submit(sim, owner="b")
    sim.reset("a")
    with pytest.raises(JobNotFound):
        sim.get("test", "a", a.id)
    assert sim.get("test", "b", b.id) is b
    sim.reset()
    with pytest.raises(JobNotFound):
        sim.get("test", "b", b.id)


def test_timing_modes_reshape_the_plan() -> None:
    slow = Timing(queued=Fixed(500.0), running=Fixed(5000.0))
    quick = submit(make(TimingMode.QUICK), timing=slow)
    assert 1 <= quick.plan.queued_for <= 2
    assert quick.plan.running_for is not None
    assert 3 <= quick.plan.running_for <= 6
    instant = make()
    job = submit(instant, timing=slow, instant=True)
    instant.run_due()
    assert job.phase is Phase.SUCCEEDED


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (3, Fixed(3.0)),
        ({"kind": "fixed", "seconds": 2}, Fixed(2.0)),
        ({"kind": "uniform", "low": 1, "high": 2}, Uniform(1.0, 2.0)),
        ({"kind": "lognormal", "median": 5, "sigma": 0.5, "max": 20}, LogNormal(5.0, 0.5, 20.0)),
    ],
    ids=["number", "fixed", "uniform", "lognormal"],
)
def test_distributions_parse_from_config_data(spec: object, expected: object) -> None:
    assert parse_distribution(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [("x", "number of seconds"), ({"kind": "gauss"}, "Unknown"), ({"kind": "uniform"}, "needs")],
    ids=["text", "unknown-kind", "missing-key"],
)
def test_bad_distributions_are_refused_with_a_reason(spec: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_distribution(spec)


def test_distributions_sample_within_their_bounds_and_scale() -> None:
    rng = random.Random(1)
    capped = LogNormal(10, 2.0, cap=12)
    assert all(capped.sample(rng) <= 12 for _ in range(200))
    assert all(1 <= Uniform(1, 2).sample(rng) <= 2 for _ in range(200))
    assert scaled(LogNormal(10, 0.5, 40), 2) == LogNormal(20, 0.5, 80)
    assert scaled(Uniform(1, 2), 3) == Uniform(3, 6)


def test_under_polls_each_nth_poll_moves_a_job_one_phase_on() -> None:
    sim = make()
    sim.reconfigure(progression=Progression.parse("polls:2"))
    job = submit(sim)
    seen = []
    for _ in range(6):
        sim.poll(job)
        seen.append(job.phase)
    assert seen == [
        Phase.QUEUED,
        Phase.RUNNING,
        Phase.RUNNING,
        Phase.SUCCEEDED,
        Phase.SUCCEEDED,
        Phase.SUCCEEDED,
    ]


def test_under_polls_the_clock_still_moves_jobs_and_failures_still_happen() -> None:
    sim = make()
    sim.reconfigure(progression=Progression.parse("polls:5"))
    by_clock = submit(sim)
    failing = submit(sim, failure=Failure("Job failed"))
    sim.advance(10)
    assert by_clock.phase is Phase.RUNNING
    for _ in range(5):
        sim.poll(failing)
    assert failing.phase is Phase.FAILED
    assert sim.balance("test", "k") == 90.0


def test_polls_do_not_unstick_a_stuck_job() -> None:
    sim = make()
    sim.reconfigure(progression=Progression.parse("polls"))
    job = submit(sim, stuck=True)
    for _ in range(10):
        sim.poll(job)
    assert job.phase is Phase.RUNNING


def test_the_immediate_progression_finishes_jobs_at_the_next_look() -> None:
    sim = make()
    sim.reconfigure(progression=Progression.parse("immediate"))
    job = submit(sim)
    assert job.phase is Phase.QUEUED
    assert sim.get("test", "k", job.id).phase is Phase.SUCCEEDED


@pytest.mark.parametrize(
    ("text", "expected"),
    [("clock", "clock"), ("immediate", "immediate"), ("polls", "polls:1"), ("polls:3", "polls:3")],
)
def test_progressions_parse_and_print(text: str, expected: str) -> None:
    assert str(Progression.parse(text)) == expected


@pytest.mark.parametrize("text", ["polls:0", "polls:x", "sometimes", "clock:2"])
def test_bad_progressions_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="Unknown progression"):
        Progression.parse(text)


def test_job_ids_are_the_version_4_uuids_of_the_generator() -> None:
    # Ids are formatted without building uuid.UUID objects; they must read the same.
    for seed in range(2000):
        mine, reference = random.Random(seed), random.Random(seed)
        expected = str(uuid.UUID(int=reference.getrandbits(128), version=4))
        assert _uuid(mine) == expected
