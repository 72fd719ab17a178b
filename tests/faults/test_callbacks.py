"""Callback delivery: what is sent, when, the retry policy on the mock's clock, and faults."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import httpx
import pytest
from lumaai import AsyncLumaAI, LumaAI
from lumaai.types import Generation

from mockluma.handle import MockLuma

API_KEY = "luma-test-key"  # the key of the shared client fixtures (tests/conftest.py)


def ident(generation: Generation) -> str:
    assert generation.id is not None
    return generation.id


def attempts_of(luma: MockLuma, generation_id: str | None) -> list[tuple[str, int, int | None]]:
    return [
        (a.state, a.attempt, a.status) for a in luma.callbacks if a.generation_id == generation_id
    ]


def test_every_update_posts_the_generation_exactly_as_get_shows_it(
    luma: MockLuma, client: LumaAI
) -> None:
    inbox = luma.callback_inbox()
    generation = client.generations.create(
        model="ray-2", prompt="a red fox in snow", callback_url=inbox.url
    )
    dreaming = inbox.wait_for(ident(generation), "dreaming")
    completed = inbox.wait_for(ident(generation), "completed")
    assert inbox.states(ident(generation)) == ["dreaming", "completed"]  # never "queued"
    assert completed.body == client.generations.get(ident(generation)).model_dump(mode="json")
    assert dreaming.body["assets"] is None
    assert completed.body["assets"]["video"].startswith(luma.url)
    with httpx.Client() as plain:
        assert plain.get(completed.body["assets"]["video"]).status_code == 200


def test_a_failed_generation_reports_its_reason(luma: MockLuma, client: LumaAI) -> None:
    inbox = luma.callback_inbox()
    generation = client.generations.create(
        model="ray-2", prompt="a fox [mockluma:fail=moderation]", callback_url=inbox.url
    )
    failed = inbox.wait_for(ident(generation), "failed")
    assert failed.body["failure_reason"] == "Advanced prompt moderation failed"
    assert inbox.states(ident(generation)) == ["failed"]  # it failed while queued


def test_retry_policy_500_twice_then_200_is_three_attempts_100_ms_apart(
    luma: MockLuma, client: LumaAI
) -> None:
    inbox = luma.callback_inbox(responses=[500, 500, 200])
    generation = client.generations.create(
        model="ray-2", prompt="a red fox in snow", callback_url=inbox.url
    )
    inbox.wait_for(ident(generation), "completed")
    attempts = [a for a in luma.callbacks if a.state == "completed"]
    assert [(a.attempt, a.status) for a in attempts] == [(1, 500), (2, 500), (3, 200)]
    gaps = [round(b.at - a.at, 6) for a, b in itertools.pairwise(attempts)]
    assert gaps == [0.1, 0.1]
    assert [r.status for r in inbox.received if r.state == "completed"] == [500, 500, 200]


def test_a_receiver_that_never_answers_200_gets_exactly_four_attempts(
    luma: MockLuma, client: LumaAI
) -> None:
    inbox = luma.callback_inbox(responses=[503])
    generation = client.generations.create(
        model="ray-2", prompt="a red fox in snow", callback_url=inbox.url
    )
    luma.run_until_idle()
    assert attempts_of(luma, ident(generation)) == [
        ("dreaming", 1, 503),
        ("dreaming", 2, 503),
        ("dreaming", 3, 503),
        ("dreaming", 4, 503),
        ("completed", 1, 503),
        ("completed", 2, 503),
        ("completed", 3, 503),
        ("completed", 4, 503),
    ]
    luma.advance(3600)
    assert len(attempts_of(luma, ident(generation))) == 8


def test_201_is_not_success(luma: MockLuma, client: LumaAI) -> None:
    # Luma's rule is "anything other than 200"; a 201 or 204 receiver is retried.
    inbox = luma.callback_inbox(responses=[201, 200])
    generation = client.generations.create(
        model="ray-2", prompt="a red fox in snow", callback_url=inbox.url
    )
    inbox.wait_for(ident(generation), "dreaming")
    luma.advance(0.1)
    assert attempts_of(luma, ident(generation))[:2] == [("dreaming", 1, 201), ("dreaming", 2, 200)]


def test_unreachable_and_slow_receivers_are_retried(luma: MockLuma, client: LumaAI) -> None:
    luma.reset(callback_timeout=0.05)
    slow = luma.callback_inbox(delay=1.0)
    unreachable = "http://127.0.0.1:9/nobody-listens"
    first = client.generations.create(model="ray-2", prompt="a fox", callback_url=slow.url)
    second = client.generations.create(model="ray-2", prompt="a fox", callback_url=unreachable)
    luma.run_until_idle()
    for generation_id, error in (
        (ident(first), "no answer within 0.05 s"),
        (ident(second), "Connect"),
    ):
        tried = [a for a in luma.callbacks if a.generation_id == generation_id]
        assert len(tried) == 8
        assert all(a.status is None and error in (a.error or "") for a in tried)


def test_deliveries_never_delay_api_responses(luma: MockLuma, client: LumaAI) -> None:
    luma.reset(callback_timeout=5)
    slow = luma.callback_inbox(delay=5.0)
    client.generations.create(model="ray-2", prompt="a fox", callback_url=slow.url)
    job = luma.simulation.page("dream-machine", API_KEY, offset=0, limit=1)[0][0]
    # Move the job into dreaming on the server's loop, without waiting for the delivery.
    luma._call(lambda: luma.simulation.advance(job.plan.queued_for))
    # The callback is now on the wire for 5 s; the API answers at once meanwhile.
    for _ in range(5):
        assert client.ping.check() is not None
    assert luma.callbacks == []  # still waiting for the slow receiver


def test_callback_log_over_http(luma: MockLuma, client: LumaAI) -> None:
    inbox = luma.callback_inbox(name="shop", responses=[500, 200])
    generation = client.generations.create(model="ray-2", prompt="a fox", callback_url=inbox.url)
    inbox.wait_for(ident(generation), "completed")
    with httpx.Client(base_url=f"{luma.url}/_mockluma") as admin:
        log = admin.get("/callbacks", params={"generation_id": ident(generation)}).json()
        assert [(a["state"], a["attempt"], a["status"], a["delivered"]) for a in log] == [
            ("dreaming", 1, 500, False),
            ("dreaming", 2, 200, True),
            ("completed", 1, 500, False),
            ("completed", 2, 200, True),
        ]
        shown = admin.get("/inbox/shop").json()
        assert shown["url"] == inbox.url
        assert [item["status"] for item in shown["received"]] == [500, 200, 500, 200]
        assert admin.delete("/callbacks").status_code == 204
        assert admin.get("/callbacks").json() == []
        assert admin.put("/inbox/shop", json={"responses": [700]}).status_code == 422
        assert admin.get("/inbox/nobody").status_code == 404


def test_delayed_duplicated_and_out_of_order_deliveries(luma: MockLuma, client: LumaAI) -> None:
    luma.faults.add(name="twice", match={"state": "completed"}, callback={"duplicate": True})
    luma.faults.add(name="late", match={"state": "dreaming"}, callback={"out_of_order": True})
    inbox = luma.callback_inbox()
    generation = client.generations.create(model="ray-2", prompt="a fox", callback_url=inbox.url)
    luma.run_until_idle()
    assert inbox.states(ident(generation)) == ["completed", "completed", "dreaming"]
    luma.faults.clear()
    luma.faults.add(match={"state": "dreaming"}, callback={"delay": 2.5})
    other = client.generations.create(model="ray-2", prompt="a fox", callback_url=inbox.url)
    luma.run_until_idle()
    job = luma.simulation.get("dream-machine", API_KEY, ident(other))
    dreaming = [
        a for a in luma.callbacks if a.generation_id == ident(other) and a.state == "dreaming"
    ]
    assert dreaming[0].at == pytest.approx(job.history[1][1] + 2.5)


GENERATIONS = 60


@pytest.mark.anyio
async def test_callbacks_are_deterministic_and_none_is_lost() -> None:
    """Concurrent generations with callbacks and seeded random faults, run twice.

    Sixty are enough for the seeded faults to fail jobs and to duplicate deliveries, and for a
    refused delivery to be retried (checked at the end); each generation costs a create and three
    or four callback round trips through the server, so the count is kept to that."""

    async def run() -> tuple[list[Any], list[Any], dict[str, str]]:
        faults = [
            {"name": "fail", "when": {"probability": 0.3}, "generation": {"fail": "job"}},
            {"name": "mod", "when": {"probability": 0.1}, "generation": {"fail": "moderation"}},
            {"name": "dup", "when": {"probability": 0.2}, "callback": {"duplicate": True}},
            {"name": "late", "when": {"probability": 0.2}, "callback": {"delay": 1.5}},
            {
                "name": "swap",
                "match": {"state": "dreaming"},
                "when": {"probability": 0.2},
                "callback": {"out_of_order": True},
            },
        ]
        with MockLuma(seed=42, clock_start=1_750_000_000, faults=faults) as luma:
            inbox = luma.callback_inbox(responses=[500, 200])

            async def create(index: int) -> str:
                async with AsyncLumaAI(
                    auth_token=f"key-{index}",
                    base_url=luma.dream_machine_url,
                    max_retries=0,
                    _strict_response_validation=True,
                ) as sdk:
                    made = await sdk.generations.create(
                        model="ray-flash-2", prompt=f"shot {index}", callback_url=inbox.url
                    )
                    return ident(made)

            ids = await asyncio.gather(*(create(i) for i in range(GENERATIONS)))
            await asyncio.to_thread(luma.run_until_idle)
            final = {
                job_id: luma.simulation.get("dream-machine", f"key-{i}", job_id).phase.value
                for i, job_id in enumerate(ids)
            }
            attempts = sorted(
                (a.at, a.generation_id, a.state, a.copy, a.attempt, a.status)
                for a in luma.callbacks
            )
            received = sorted(
                (r.at, json.dumps(r.body, sort_keys=True).replace(luma.url, ""), r.status)
                for r in inbox.received
            )
            # No update lost: every state each job went through after queued was delivered.
            for i, job_id in enumerate(ids):
                job = luma.simulation.get("dream-machine", f"key-{i}", job_id)
                expected = {
                    {"running": "dreaming", "succeeded": "completed", "failed": "failed"}[p.value]
                    for p, _ in job.history[1:]
                }
                delivered = {a[2] for a in attempts if a[1] == job_id and a[5] == 200}
                assert delivered == expected, job_id
            return attempts, received, final

    first = await run()
    second = await run()
    assert first == second
    outcomes = set(first[2].values())
    assert outcomes == {"succeeded", "failed"}
    attempts = first[0]
    assert any(copy == 2 for *_, copy, _attempt, _status in attempts), "no duplicate was sent"
    assert any(attempt > 1 for *_, attempt, _status in attempts), "no delivery was retried"
