"""Fault rules as data: parsing, matching, schedules, triggers and limits (no HTTP)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from mockluma.engine.fault_rules import (
    parse_rule,
)
from mockluma.engine.faults import (
    CallbackFault,
    ExchangeFacts,
    FaultBook,
    GenerationFault,
    HttpError,
    NetworkFault,
    RuleError,
    choose_generation_fault,
    resolve_failure,
)
from mockluma.engine.jobs import Failure, Phase
from mockluma.engine.limits import Limit, Limiter, RateLimited
from mockluma.engine.triggers import (
    find_markers,
    parse_triggers,
)
from mockluma.scenario import ScenarioError, parse_rules

POST = ExchangeFacts("dream-machine", "POST", "/dream-machine/v1/generations/video", "k", None)


def fired(book: FaultBook, exchange: ExchangeFacts, times: int) -> list[bool]:
    return [book.on_request(exchange).effect is not None for _ in range(times)]


def test_nth_every_and_times_schedules() -> None:
    nth = FaultBook(rules=[parse_rule({"when": {"nth": 3}, "error": {"status": 500}})])
    assert fired(nth, POST, 5) == [False, False, True, False, False]
    every = FaultBook(rules=[parse_rule({"when": {"every": 2}, "error": {"status": 500}})])
    assert fired(every, POST, 6) == [False, True, False, True, False, True]
    capped = FaultBook(rules=[parse_rule({"times": 2, "error": {"status": 500}})])
    assert fired(capped, POST, 4) == [True, True, False, False]


def test_probability_is_seeded_and_repeatable() -> None:
    def run(seed: int) -> list[bool]:
        rule = parse_rule({"when": {"probability": 0.5}, "error": {"status": 503}})
        return fired(FaultBook(seed, [rule]), POST, 40)

    assert run(7) == run(7)
    assert run(7) != run(8)
    assert 5 < sum(run(7)) < 35


def test_match_on_surface_method_path_key_and_body() -> None:
    rule = parse_rule(
        {
            "match": {
                "surface": "dream-machine",
                "method": "post",
                "path": "*/generations/*",
                "api_key": ["k", "other"],
                "body": {"prompt": {"contains": "storm"}, "model": "ray-2"},
            },
            "error": {"status": 400},
        }
    )
    book = FaultBook(rules=[rule])
    body = {"prompt": "a storm", "model": "ray-2"}

    def hit(**changes: Any) -> bool:
        values: dict[str, Any] = {
            "surface": "dream-machine",
            "method": "POST",
            "path": "/dream-machine/v1/generations/video",
            "api_key": "k",
            "body": body,
            **changes,
        }
        return book.on_request(ExchangeFacts(**values)).effect is not None

    assert hit()
    assert not hit(surface="agents")
    assert not hit(method="GET")
    assert not hit(path="/dream-machine/v1/credits")
    assert not hit(api_key="someone-else")
    assert not hit(body={"prompt": "calm sea", "model": "ray-2"})
    assert not hit(body={"prompt": "a storm", "model": "ray-flash-2"})


def test_latency_and_effect_come_from_different_rules() -> None:
    book = FaultBook(
        rules=[
            parse_rule({"name": "slow", "latency": {"kind": "fixed", "seconds": 0.25}}),
            parse_rule({"name": "flaky", "network": "reset"}),
        ]
    )
    decision = book.on_request(POST)
    assert decision.latency == 0.25
    assert decision.effect == NetworkFault("reset")
    assert decision.rule == "flaky"
    counts = {rule["name"]: (rule["calls"], rule["fired"]) for rule in book.summaries()}
    assert counts == {"slow": (1, 1), "flaky": (1, 1)}


def test_generation_rules_are_decided_per_job_not_per_request() -> None:
    rule = parse_rule({"when": {"probability": 0.5}, "generation": {"fail": "moderation"}})
    book = FaultBook(rules=[rule])
    decision = book.on_request(POST)
    assert decision.effect is None
    assert len(decision.generation) == 1
    fates = [
        choose_generation_fault(decision.generation, random.Random(f"job-{n}")) for n in range(20)
    ]
    again = FaultBook(rules=[rule]).on_request(POST).generation
    assert fates == [choose_generation_fault(again, random.Random(f"job-{n}")) for n in range(20)]
    assert any(fates)
    assert not all(fates)


def test_resolve_failure_uses_the_surface_words_and_overrides() -> None:
    kinds = {"moderation": Failure("Advanced prompt moderation failed", None, Phase.QUEUED, 2.0)}
    assert resolve_failure(GenerationFault("moderation"), kinds, "dm") == kinds["moderation"]
    late = resolve_failure(GenerationFault("moderation", Phase.RUNNING, 9.0), kinds, "dm")
    assert (late.phase, late.after, late.reason) == (
        Phase.RUNNING,
        9.0,
        "Advanced prompt moderation failed",
    )
    own = resolve_failure(GenerationFault("weird", reason="GPU on fire"), kinds, "dm")
    assert own.reason == "GPU on fire"
    with pytest.raises(RuleError, match="no failure kind 'weird'"):
        resolve_failure(GenerationFault("weird"), kinds, "dm")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"error": {"status": 200}}, "200 is less than the minimum of 400"),
        ({"when": {"probability": 1.5}, "error": {"status": 500}}, "1.5 is greater than"),
        ({"error": {"status": 500}, "network": "reset"}, "A rule does one thing"),
        ({"match": {"path": "/x"}}, "A rule needs something to do"),
        ({"network": "explode"}, "explode"),
        ({"generation": {"fail": "job", "from": "later"}}, "later"),
        ({"latency": 1, "match": {"state": "completed"}}, "only applies to callback rules"),
        ({"errror": {"status": 500}}, "errror"),
    ],
)
def test_bad_rules_are_refused_with_the_key(rule: dict[str, object], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse_rules([rule])


def test_rule_names_must_be_unique() -> None:
    with pytest.raises(ScenarioError, match="repeated: twice"):
        parse_rules([{"name": "twice", "latency": 1}, {"name": "twice", "latency": 2}])


def test_callback_rules_match_by_state() -> None:
    rule = parse_rule({"match": {"state": "dreaming"}, "callback": {"duplicate": True}})
    book = FaultBook(rules=[rule])
    assert book.on_request(POST).effect is None
    assert book.on_callback("dream-machine", "k", "job", "completed") is None
    assert book.on_callback("dream-machine", "k", "job", "dreaming") == CallbackFault(
        duplicate=True
    )


def test_triggers_in_any_string_of_the_body() -> None:
    body = {
        "prompt": "a fox [mockluma:fail=job,from=dreaming,after=20]",
        "x": ["[mockluma:delay=1.5]"],
    }
    triggers = parse_triggers(find_markers(body))
    assert triggers.latency == 1.5
    assert triggers.generation == GenerationFault("job", Phase.RUNNING, 20.0)
    assert parse_triggers(["error=503"]).effect == HttpError(503)
    assert parse_triggers(["network=reset"]).effect == NetworkFault("reset")
    assert parse_triggers(["stuck"]).generation == GenerationFault(stuck=True)
    for bad in ("explode", "error=200", "delay=forever", "network=gone"):
        with pytest.raises(RuleError, match=r"\[mockluma:"):
            parse_triggers([bad])


def test_limiter_counts_concurrency_and_a_sliding_minute() -> None:
    limiter = Limiter({"s": {"*": Limit(concurrent=2, per_minute=3)}})
    assert limiter.admit("s", "k", "g", 0.0) is not None
    limiter.admit("s", "k", "g", 1.0)
    with pytest.raises(RateLimited) as busy:
        limiter.admit("s", "k", "g", 2.0)
    assert (busy.value.kind, busy.value.limit) == ("concurrency", 2)
    limiter.finished("s", "k", "g")
    allowance = limiter.admit("s", "k", "g", 3.0)
    assert allowance is not None
    assert allowance.remaining == 0
    limiter.finished("s", "k", "g")
    limiter.finished("s", "k", "g")
    with pytest.raises(RateLimited) as fast:
        limiter.admit("s", "k", "g", 30.0)
    assert fast.value.kind == "rate"
    assert fast.value.retry_after_seconds == 30  # the first create leaves the window at 60 s
    assert limiter.admit("s", "k", "g", 60.5) is not None
    assert limiter.admit("s", "other-key", "g", 60.5) is not None
    limiter.enabled = False
    for _ in range(10):
        limiter.admit("s", "k", "g", 61.0)
