"""The input-media policy through the official clients: URLs Luma could not fetch fail the way
each API fails; the mock's own files are real and shape the output; the journal shows it."""

from __future__ import annotations

from typing import Any

import httpx
import luma_agents
import pytest
from luma_agents import Luma
from lumaai import LumaAI

from mockluma.config import ConfigError
from mockluma.handle import MockLuma
from mockluma.surfaces.dream_machine import catalog

FRAMES_UNREADABLE = "Failed to read user input frames"
PUBLIC = "https://assets.mockluma-cdn.net/frame.jpg"  # not reserved: assumed valid
UNREACHABLE = [
    "https://example.com/landscape.jpg",
    "https://cdn.example.org/a.png",
    "https://images.example/a.png",
    "https://photos.test/a.png",
    "https://nowhere.invalid/a.png",
    "https://localhost/a.png",
    "https://10.1.2.3/a.png",
    "https://192.168.0.7/a.png",
    "https://[::1]/a.png",
]


def finished(client: LumaAI, luma: MockLuma, generation_id: str | None) -> Any:
    assert generation_id is not None
    luma.advance(3600)
    return client.generations.get(generation_id)


# -- Agents: a synchronous 422 naming the field -------------------------------------------------


def test_agents_docs_placeholder_source_is_a_422_with_the_http_status(
    agents: Luma, luma: MockLuma
) -> None:
    with pytest.raises(luma_agents.UnprocessableEntityError) as caught:
        agents.generations.create(
            type="image_edit",
            prompt="make it night",
            source={"url": "https://example.com/landscape.jpg"},
        )
    assert caught.value.status_code == 422
    assert caught.value.body == {"detail": "source: failed to fetch URL (HTTP 404)"}
    (refused,) = luma.journal.find(method="POST", path="/v1/generations")
    assert refused.input_media is not None
    assert refused.input_media[0]["field"] == "source"
    assert refused.input_media[0]["verdict"] == "unreachable"


@pytest.mark.parametrize("url", UNREACHABLE[2:], ids=lambda url: url.split("/")[2])
def test_agents_refuses_hosts_that_never_resolve(agents: Luma, url: str) -> None:
    with pytest.raises(luma_agents.UnprocessableEntityError) as caught:
        agents.generations.create(prompt="a cat", image_ref=[{"url": url}])
    assert caught.value.body == {"detail": "image_ref[0]: failed to fetch URL"}


def test_agents_start_frame_of_the_mocks_own_video_is_not_an_image(
    agents: Luma, luma: MockLuma, client: LumaAI
) -> None:
    video = finished(client, luma, client.generations.create(model="ray-2", prompt="a fox").id)
    with pytest.raises(luma_agents.UnprocessableEntityError) as caught:
        agents.generations.create(
            type="video",
            model="ray-3.2",
            prompt="go on",
            video={"start_frame": {"url": video.assets.video}},
        )
    assert caught.value.body == {"detail": "video.start_frame: content-type is not an image"}


# -- Dream Machine: accepted, then failed with the documented reason ---------------------------


@pytest.mark.parametrize("url", UNREACHABLE, ids=lambda url: url.split("/")[2])
def test_dream_machine_fails_a_keyframe_it_cannot_read(
    client: LumaAI, luma: MockLuma, url: str
) -> None:
    start = client.credits.get().credit_balance
    created = client.generations.create(
        model="ray-flash-2", prompt="a tiger", keyframes={"frame0": {"type": "image", "url": url}}
    )
    assert created.state == "queued"  # accepted: Luma fetches after the create call
    failed = finished(client, luma, created.id)
    assert (failed.state, failed.failure_reason) == ("failed", FRAMES_UNREADABLE)
    assert client.credits.get().credit_balance == start  # refunded


def test_dream_machine_image_refs_and_modify_media_are_checked_too(
    client: LumaAI, luma: MockLuma
) -> None:
    image = client.generations.image.create(
        model="photon-flash-1", prompt="a still", style_ref=[{"url": "https://photos.test/s.jpg"}]
    )
    modify = client.generations.video.modify(
        generation_type="modify_video",
        media={"url": "https://example.com/in.mp4"},
        mode="flex_1",
        model="ray-2",
    )
    for generation in (image, modify):
        done = finished(client, luma, generation.id)
        assert done.failure_reason == FRAMES_UNREADABLE


def test_a_public_host_is_assumed_valid(client: LumaAI, luma: MockLuma) -> None:
    created = client.generations.create(
        model="ray-flash-2",
        prompt="a tiger",
        keyframes={"frame0": {"type": "image", "url": PUBLIC}},
    )
    assert finished(client, luma, created.id).state == "completed"


def test_modify_follows_the_duration_and_shape_of_a_mock_served_source(
    client: LumaAI, luma: MockLuma
) -> None:
    source = client.generations.create(
        model="ray-flash-2", prompt="a tower", aspect_ratio="9:16", duration="9s"
    )
    source_url = finished(client, luma, source.id).assets.video
    assert source_url is not None
    before = client.credits.get().credit_balance
    modified = client.generations.video.modify(
        generation_type="modify_video", media={"url": source_url}, mode="adhere_1", model="ray-2"
    )
    charged = before - client.credits.get().credit_balance
    assert charged == pytest.approx(catalog.video_price("ray-2", "9:16", None, 9), abs=0.01)
    done = finished(client, luma, modified.id)
    assert done.state == "completed"
    assert done.assets.video.endswith("/video/9x16-9s.mp4")


def test_reframe_follows_the_source_duration(client: LumaAI, luma: MockLuma) -> None:
    source = client.generations.create(model="ray-flash-2", prompt="a sea", duration="9s")
    source_url = finished(client, luma, source.id).assets.video
    reframed = client.generations.video.reframe(
        generation_type="reframe_video",
        media={"url": source_url},
        model="ray-flash-2",
        aspect_ratio="1:1",
    )
    done = finished(client, luma, reframed.id)
    assert done.assets.video.endswith("/video/1x1-9s.mp4")


def test_a_mock_url_of_the_wrong_kind_or_no_file_fails(client: LumaAI, luma: MockLuma) -> None:
    image = client.generations.image.create(model="photon-flash-1", prompt="a still")
    image_url = finished(client, luma, image.id).assets.image
    wrong_kind = client.generations.video.modify(
        generation_type="modify_video", media={"url": image_url}, mode="flex_1", model="ray-2"
    )
    no_file = client.generations.video.modify(
        generation_type="modify_video",
        media={"url": f"{luma.url}/_mockluma/media/x/video/none.mp4"},
        mode="flex_1",
        model="ray-2",
    )
    for generation in (wrong_kind, no_file):
        assert finished(client, luma, generation.id).failure_reason == FRAMES_UNREADABLE


def test_the_outcome_is_in_the_journal(client: LumaAI, luma: MockLuma) -> None:
    client.generations.create(
        model="ray-2",
        prompt="a tiger",
        keyframes={"frame0": {"type": "image", "url": "https://example.com/tiger.jpg"}},
    )
    (exchange,) = luma.journal.find(method="POST", path="*/generations/video")
    assert exchange.input_media is not None
    (seen,) = exchange.input_media
    assert seen["field"] == "keyframes.frame0.url"
    assert (seen["verdict"], seen["http_status"]) == ("unreachable", 404)
    assert "RFC 2606" in seen["reason"]
    listed = httpx.get(f"{luma.url}/_mockluma/journal").json()
    assert listed[-1]["input_media"][0]["verdict"] == "unreachable"


def test_a_trigger_decides_over_an_unreadable_input(client: LumaAI, luma: MockLuma) -> None:
    created = client.generations.create(
        model="ray-2",
        prompt="a tiger [mockluma:fail=moderation]",
        keyframes={"frame0": {"type": "image", "url": "https://example.com/tiger.jpg"}},
    )
    assert finished(client, luma, created.id).failure_reason == "Advanced prompt moderation failed"


def test_off_is_the_old_behaviour(client: LumaAI, luma: MockLuma, agents: Luma) -> None:
    luma.reset(input_media="off")
    created = client.generations.create(
        model="ray-2",
        prompt="a tiger",
        keyframes={"frame0": {"type": "image", "url": "https://example.com/tiger.jpg"}},
    )
    assert finished(client, luma, created.id).state == "completed"
    edit = agents.generations.create(
        type="image_edit", prompt="night", source={"url": "https://example.com/landscape.jpg"}
    )
    assert edit.state == "queued"


@pytest.mark.luma_mock(input_media="off")
def test_the_marker_sets_the_mode(luma_mock: MockLuma) -> None:
    with LumaAI(auth_token="k", base_url=luma_mock.dream_machine_url, max_retries=0) as sdk:
        created = sdk.generations.create(
            model="ray-2",
            prompt="a tiger",
            keyframes={"frame0": {"type": "image", "url": "https://example.com/tiger.jpg"}},
        )
        assert created.id is not None
        luma_mock.advance(3600)
        assert sdk.generations.get(created.id).state == "completed"


# -- the gateways, in their own words ------------------------------------------------------------


def test_appypie_fails_an_image_it_cannot_read(appypie: httpx.Client, luma: MockLuma) -> None:
    created = appypie.post(
        "/lumalabs-ai/v1/generateRequestFromImage",
        json={"prompt": "a jellyfish", "url": "https://example.com/frame.jpg"},
    )
    assert created.status_code == 200
    luma.advance(3600)
    status = appypie.post(
        "/lumalabs-ai-polling/v1/getStatus", json={"task_id": created.json()["requestId"]}
    )
    assert status.json() == {"status": "failed", "error": FRAMES_UNREADABLE}


def test_umami_fails_an_image_it_cannot_read(umami: httpx.Client, luma: MockLuma) -> None:
    created = umami.post(
        "/luma-ai/generations",
        json={"user_prompt": "a sunset", "image_url": "https://pics.test/a.jpg"},
    )
    assert created.status_code == 201
    luma.advance(3600)
    fetched = umami.get("/luma-ai/generation", params={"ids": created.json()["id"]}).json()
    assert fetched[0]["state"] == "failed"
    assert fetched[0]["failure_reason"] == "failed to read user input frames"


# -- bad input to the options ---------------------------------------------------------------------


def test_an_unknown_mode_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="input_media must be one of simulate, fetch, off"):
        MockLuma(in_process=True, input_media="download")


def test_a_malformed_url_is_refused_not_crashed(
    client: LumaAI, agents: Luma, http_dm: httpx.Client
) -> None:
    response = http_dm.post(
        "/generations/video",
        json={"model": "ray-2", "keyframes": {"frame0": {"type": "image", "url": "https://[::1"}}},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "url_parsing"
    with pytest.raises(luma_agents.UnprocessableEntityError) as caught:
        agents.generations.create(prompt="a cat", image_ref=[{"url": "https://[::1/a.png"}])
    assert caught.value.body == {"detail": "image_ref[0]: failed to fetch URL"}
