"""The operations the dashboard steers with, as control routes, engine calls and handle methods:
listing every generation, completing and failing one now, deleting one, running until idle."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from luma_agents import Luma
from lumaai import LumaAI

from mockluma.engine.errors import JobFinished, JobNotFound
from mockluma.engine.jobs import Failure, Phase
from mockluma.handle import MockLuma
from mockluma.surfaces.dream_machine.catalog import FAILURES as DM_FAILURES
from mockluma.surfaces.umami.catalog import FAILURES as UMAMI_FAILURES

KEY = "luma-control-key"


@pytest.fixture
def sdk(luma: MockLuma) -> Iterator[LumaAI]:
    with LumaAI(auth_token=KEY, base_url=luma.dream_machine_url, max_retries=0) as client:
        yield client


@pytest.fixture
def admin(luma: MockLuma) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{luma.url}/_mockluma") as client:
        yield client


def umami_generation(luma: MockLuma, key: str = "umami-key") -> str:
    response = httpx.post(
        f"{luma.umami_url}/luma-ai/generations",
        headers={"authorization": f"Bearer {key}"},
        json={"user_prompt": "a red fox in snow", "aspect_ratio": "16:9"},
    )
    assert response.status_code < 300, response.text
    body = response.json()
    return str(body[0]["id"] if isinstance(body, list) else body["id"])


def test_generations_of_every_api_and_key_are_listed_newest_first(
    luma: MockLuma, sdk: LumaAI, admin: httpx.Client
) -> None:
    first = sdk.generations.create(model="ray-2", prompt="a red fox in snow")
    other = umami_generation(luma)
    listed = admin.get("/generations").json()
    assert listed["total"] == 2
    assert [g["id"] for g in listed["generations"]] == [other, first.id]
    assert {g["surface"] for g in listed["generations"]} == {"dream-machine", "umami"}
    only = admin.get("/generations", params={"surface": "umami", "state": "queued"}).json()
    assert [g["id"] for g in only["generations"]] == [other]
    by_key = admin.get("/generations", params={"api_key": KEY}).json()
    assert [g["id"] for g in by_key["generations"]] == [first.id]
    assert admin.get("/generations", params={"state": "dreaming"}).status_code == 422


def test_a_generation_shows_its_request_response_and_planned_timeline(
    luma: MockLuma, sdk: LumaAI, admin: httpx.Client
) -> None:
    generation = sdk.generations.create(model="ray-2", prompt="a red fox in snow")
    shown = admin.get(f"/generations/{generation.id}").json()
    assert shown["request"]["prompt"] == "a red fox in snow"
    assert shown["response"]["state"] == "queued"
    assert [(s["phase"], s["reached"]) for s in shown["timeline"]] == [
        ("queued", True),
        ("running", False),
        ("succeeded", False),
    ]
    assert "moderation" in shown["failure_kinds"]
    # Reading it is no poll, and the plan holds: at the planned instant, it is running.
    running_at = shown["timeline"][1]["at"]
    luma.advance(running_at - luma.simulation.now())
    assert sdk.generations.get(str(generation.id)).state == "dreaming"
    assert admin.get("/generations/nope").status_code == 404


def test_complete_now_passes_through_every_phase_and_serves_the_media(
    luma: MockLuma, sdk: LumaAI, admin: httpx.Client
) -> None:
    inbox = luma.callback_inbox()
    generation = sdk.generations.create(
        model="ray-2", prompt="a red fox in snow", callback_url=inbox.url
    )
    answer = admin.post(f"/generations/{generation.id}/complete", json={})
    assert answer.status_code == 200
    assert answer.json()["state"] == "succeeded"
    seen = sdk.generations.get(str(generation.id))
    assert seen.state == "completed"
    assert seen.assets is not None
    assert seen.assets.video is not None
    assert admin.get(seen.assets.video).headers["content-type"] == "video/mp4"
    # The callback receiver hears both steps; they are sent at the same simulated instant, on
    # two connections, so they may arrive in either order.
    assert inbox.wait_for(str(generation.id), "completed", within=1)
    assert sorted(str(s) for s in inbox.states(str(generation.id))) == ["completed", "dreaming"]
    media = admin.get(f"/generations/{generation.id}").json()["media"]
    assert {"url": seen.assets.video, "type": "video"} in media
    again = admin.post(f"/generations/{generation.id}/complete", json={})
    assert again.status_code == 409
    assert "already completed" in again.json()["error"]


def test_fail_now_uses_the_apis_own_failure_kinds(
    luma: MockLuma, sdk: LumaAI, admin: httpx.Client
) -> None:
    generation = sdk.generations.create(model="ray-2", prompt="a red fox in snow")
    answer = admin.post(f"/generations/{generation.id}/fail", json={"kind": "blacklisted"})
    assert answer.json()["failure_reason"] == DM_FAILURES["blacklisted"].reason
    seen = sdk.generations.get(str(generation.id))
    assert (seen.state, seen.failure_reason) == ("failed", DM_FAILURES["blacklisted"].reason)
    # UmamiAI has no such kind; it words its own kinds in its own way.
    other = umami_generation(luma)
    refused = admin.post(f"/generations/{other}/fail", json={"kind": "blacklisted"})
    assert refused.status_code == 422
    assert "dispatch, frames_unreadable, job, moderation, prompt" in refused.json()["error"]
    answer = admin.post(f"/generations/{other}/fail", json={"kind": "moderation"})
    assert answer.json()["failure_reason"] == UMAMI_FAILURES["moderation"].reason
    # Or any wording at all.
    third = sdk.generations.create(model="ray-2", prompt="a red fox in snow")
    free = admin.post(f"/generations/{third.id}/fail", json={"reason": "GPU on fire", "code": "x"})
    assert (free.json()["failure_reason"], free.json()["failure_code"]) == ("GPU on fire", "x")


def test_fail_now_refunds_and_frees_the_concurrency_slot(luma: MockLuma, sdk: LumaAI) -> None:
    before = sdk.credits.get().credit_balance
    generation = sdk.generations.create(model="ray-2", prompt="a red fox in snow")
    assert sdk.credits.get().credit_balance < before
    luma.fail_now(str(generation.id), "job")
    assert sdk.credits.get().credit_balance == before
    with pytest.raises(ValueError, match="no failure kind 'nope'"):
        luma.fail_now(str(generation.id), "nope")


def test_delete_forgets_the_generation(luma: MockLuma, sdk: LumaAI, admin: httpx.Client) -> None:
    generation = sdk.generations.create(model="ray-2", prompt="a red fox in snow")
    assert admin.delete(f"/generations/{generation.id}").status_code == 204
    assert admin.get("/generations").json()["total"] == 0
    assert admin.delete(f"/generations/{generation.id}").status_code == 404


def test_run_until_idle_from_the_control_api(
    luma: MockLuma, sdk: LumaAI, admin: httpx.Client
) -> None:
    generation = sdk.generations.create(model="ray-2", prompt="a red fox in snow")
    answer = admin.post("/clock/run-until-idle", json={})
    assert answer.status_code == 200
    assert answer.json()["advanced"] > 0
    assert answer.json()["pending_events"] == 0
    assert sdk.generations.get(str(generation.id)).state == "completed"
    assert admin.post("/clock/run-until-idle", json={"limit": -1}).status_code == 422


def test_the_engine_refuses_to_steer_a_finished_or_deleted_job(luma: MockLuma, sdk: LumaAI) -> None:
    simulation = luma.simulation
    with pytest.raises(JobNotFound):
        simulation.find("missing")
    generation = sdk.generations.create(model="ray-2", prompt="a red fox in snow")
    job = luma._call(lambda: simulation.find(str(generation.id)))
    luma.complete_now(str(generation.id))
    assert [phase for phase, _ in job.history] == [Phase.QUEUED, Phase.RUNNING, Phase.SUCCEEDED]
    with pytest.raises(JobFinished):
        luma._call(lambda: simulation.fail_now(job, Failure("late")))
    assert job.phase is Phase.SUCCEEDED


def test_each_api_shows_its_own_response_and_media(luma: MockLuma, admin: httpx.Client) -> None:
    with Luma(auth_token="luma-api-dashboard", base_url=luma.agents_url, max_retries=0) as agents:
        image = agents.generations.create(prompt="a lighthouse at dusk")
    appypie = httpx.post(
        f"{luma.url}/lumalabs-ai/v1/generate",
        headers={"Ocp-Apim-Subscription-Key": "appypie-key"},
        json={"prompt": "a giant floating jellyfish", "aspect_ratio": "16:9"},
    )
    assert appypie.status_code == 200, appypie.text
    video = appypie.json()["requestId"]
    for generation_id in (image.id, video):
        assert admin.post(f"/generations/{generation_id}/complete", json={}).status_code == 200
    shown_image = admin.get(f"/generations/{image.id}").json()
    assert shown_image["response"]["state"] == "completed"  # the Agents API's own words
    assert [m["type"] for m in shown_image["media"]] == ["image"]
    assert admin.get(shown_image["media"][0]["url"]).status_code == 200
    shown_video = admin.get(f"/generations/{video}").json()
    assert shown_video["surface"] == "appypie"
    assert [m["type"] for m in shown_video["media"]] == ["video"]
    assert admin.get(shown_video["media"][0]["url"]).headers["content-type"] == "video/mp4"
