from __future__ import annotations

import pytest

from mockluma.engine.clock import ManualClock, RealClock
from mockluma.engine.scheduler import Scheduler


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(1000.0)
    assert clock.now() == 1000.0
    clock.advance(2.5)
    assert clock.now() == 1002.5
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_real_clock_scales_wall_time_and_accepts_advances() -> None:
    wall = [10.0]
    clock = RealClock(500.0, speed=3.0, monotonic=lambda: wall[0])
    wall[0] = 12.0
    assert clock.now() == 500.0 + 2.0 * 3.0
    clock.advance(100)
    assert clock.now() == 500.0 + 6.0 + 100.0
    assert clock.wall_seconds_until(clock.now() + 30) == 10.0
    assert clock.wall_seconds_until(clock.now() - 5) == 0.0


def test_real_clock_refuses_a_non_positive_speed() -> None:
    with pytest.raises(ValueError, match="positive"):
        RealClock(0.0, speed=0)


def test_scheduler_pops_due_events_in_time_then_insertion_order() -> None:
    scheduler = Scheduler()
    seen: list[str] = []
    scheduler.at(5.0, lambda: seen.append("b"))
    scheduler.at(1.0, lambda: seen.append("a"))
    scheduler.at(5.0, lambda: seen.append("c"))
    scheduler.at(9.0, lambda: seen.append("late"))
    while (action := scheduler.pop_due(5.0)) is not None:
        action()
    assert seen == ["a", "b", "c"]
    assert scheduler.next_due() == 9.0
    assert len(scheduler) == 1


def test_cancelled_events_never_run() -> None:
    scheduler = Scheduler()
    seen: list[int] = []
    handle = scheduler.at(1.0, lambda: seen.append(1))
    handle.cancel()
    assert scheduler.pop_due(10.0) is None
    assert seen == []
    assert len(scheduler) == 0
