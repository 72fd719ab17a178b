"""Every Dream Machine endpoint through the official SDK (strict validation), plus the two
paths the SDK no longer calls (legacy create and camera motions) through plain HTTP."""

from __future__ import annotations

import io

import httpx
import lumaai
import pytest
from lumaai import LumaAI
from PIL import Image

from mockluma.engine.media import IMAGE_SIZES
from mockluma.handle import MockLuma
from mockluma.surfaces.dream_machine import catalog


def finished(client: LumaAI, luma: MockLuma, generation_id: str | None) -> lumaai.types.Generation:
    assert generation_id is not None
    luma.advance(3600)
    done = client.generations.get(generation_id)
    assert done.state == "completed"
    return done


def test_ping_and_credits(client: LumaAI) -> None:
    assert client.ping.check().message == "pong"
    assert client.credits.get().credit_balance == 100_000.0


def test_credits_go_down_by_the_documented_price(client: LumaAI) -> None:
    client.generations.create(model="ray-2", prompt="a river", resolution="720p", duration="5s")
    price = catalog.video_price("ray-2", "16:9", "720p", 5)
    assert price == 174.96  # 1280 x 720 x 24 fps x 5 s at $0.01582 per million pixels
    assert client.credits.get().credit_balance == pytest.approx(100_000.0 - price)


def test_list_is_newest_first_with_limit_offset_count_and_has_more(client: LumaAI) -> None:
    ids = [client.generations.create(model="ray-flash-2", prompt=f"scene {n}").id for n in range(5)]
    page = client.generations.list(limit=2, offset=1)
    assert [g.id for g in page.generations] == [ids[3], ids[2]]
    assert (page.count, page.has_more, page.limit, page.offset) == (2, True, 2, 1)
    last = client.generations.list(limit=2, offset=4)
    assert [g.id for g in last.generations] == [ids[0]]
    assert (last.count, last.has_more) == (1, False)
    everything = client.generations.list()
    assert (everything.count, everything.limit, everything.offset) == (5, 100, 0)
    assert client.generations.list(limit=0).generations == []


def test_the_legacy_create_path_still_works(http: httpx.Client) -> None:
    response = http.post("/generations", json={"model": "ray-2", "prompt": "an old path"})
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "queued"
    assert body["request"]["generation_type"] == "video"
    assert http.get(f"/generations/{body['id']}").status_code == 200


def test_the_video_request_is_echoed_field_by_field(client: LumaAI, http: httpx.Client) -> None:
    created = client.generations.create(
        model="ray-flash-2",
        prompt="a tiger in snow",
        aspect_ratio="4:3",
        loop=True,
        keyframes={"frame0": {"type": "image", "url": "https://assets.mockluma-cdn.net/tiger.jpg"}},
        callback_url="https://example.com/hook",
        resolution="540p",
        duration="9s",
        concepts=[{"key": "dolly_zoom"}],
    )
    echo = http.get(f"/generations/{created.id}").json()["request"]
    assert echo == {
        "generation_type": "video",
        "prompt": "a tiger in snow",
        "aspect_ratio": "4:3",
        "loop": True,
        "keyframes": {
            "frame0": {"type": "image", "url": "https://assets.mockluma-cdn.net/tiger.jpg"},
            "frame1": None,
        },
        "callback_url": "https://example.com/hook",
        "model": "ray-flash-2",
        "resolution": "540p",
        "duration": "9s",
        "concepts": [{"key": "dolly_zoom"}],
    }


def test_defaults_are_echoed_and_other_unset_fields_are_null(http: httpx.Client) -> None:
    body = http.post("/generations/video", json={"model": "ray-2", "prompt": "minimal"}).json()
    assert body["request"] == {
        "generation_type": "video",
        "prompt": "minimal",
        "aspect_ratio": "16:9",
        "loop": False,
        "keyframes": None,
        "callback_url": None,
        "model": "ray-2",
        "resolution": "720p",
        "duration": "5s",
        "concepts": None,
    }
    assert body["failure_reason"] is None
    image = http.post("/generations/image", json={"model": "photon-1"}).json()["request"]
    assert (image["aspect_ratio"], image["format"], image["sync"], image["sync_timeout"]) == (
        "16:9",
        "jpg",
        False,
        60,
    )


@pytest.mark.parametrize("image_format", ["jpg", "png"])
def test_an_image_generation_serves_the_requested_format(
    client: LumaAI, luma: MockLuma, image_format: str
) -> None:
    created = client.generations.image.create(
        model="photon-1",
        prompt="a warrior",
        aspect_ratio="3:4",
        format=image_format,  # type: ignore[arg-type]
        image_ref=[{"url": "https://assets.mockluma-cdn.net/ref.jpg", "weight": 0.85}],
        style_ref=[{"url": "https://assets.mockluma-cdn.net/style.jpg", "weight": 0.8}],
        character_ref={"identity0": {"images": ["https://assets.mockluma-cdn.net/me.jpg"]}},
        modify_image_ref={"url": "https://assets.mockluma-cdn.net/edit.jpg", "weight": 0.1},
    )
    assert created.generation_type == "image"
    assert created.request is not None
    assert created.request.generation_type == "image"
    done = finished(client, luma, created.id)
    assert done.assets is not None
    assert done.assets.video is None
    assert done.assets.image
    download = httpx.get(done.assets.image)
    expected = {"jpg": ("image/jpeg", "JPEG"), "png": ("image/png", "PNG")}[image_format]
    assert download.headers["content-type"] == expected[0]
    picture = Image.open(io.BytesIO(download.content))
    assert picture.format == expected[1]
    assert picture.size == IMAGE_SIZES["3:4"]


def test_a_sync_image_is_completed_when_the_create_call_returns(client: LumaAI) -> None:
    created = client.generations.image.create(
        model="photon-flash-1", prompt="a fast sketch", sync=True
    )
    assert created.state == "completed"
    assert created.assets is not None
    assert created.assets.image is not None


def test_image_reframe(client: LumaAI, luma: MockLuma) -> None:
    created = client.generations.image.reframe(
        aspect_ratio="9:16",
        generation_type="reframe_image",
        media={"url": "https://assets.mockluma-cdn.net/in.jpg"},
        model="photon-flash-1",
        format="png",
        x_start=0,
        x_end=100,
        y_start=0,
        y_end=100,
    )
    assert created.request is not None
    assert created.request.generation_type == "reframe_image"
    done = finished(client, luma, created.id)
    assert done.generation_type == "image"
    assert done.assets is not None
    assert done.assets.image is not None
    picture = Image.open(io.BytesIO(httpx.get(done.assets.image).content))
    assert picture.size == IMAGE_SIZES["9:16"]


def test_video_reframe(client: LumaAI, luma: MockLuma) -> None:
    created = client.generations.video.reframe(
        aspect_ratio="1:1",
        generation_type="reframe_video",
        media={"url": "https://assets.mockluma-cdn.net/in.mp4"},
        model="ray-flash-2",
        first_frame={"url": "https://assets.mockluma-cdn.net/first.jpg"},
        prompt="extend the sky",
    )
    assert created.request is not None
    assert created.request.generation_type == "reframe_video"
    done = finished(client, luma, created.id)
    assert done.generation_type == "video"
    assert done.assets is not None
    assert done.assets.video is not None


def test_video_modify(client: LumaAI, luma: MockLuma) -> None:
    created = client.generations.video.modify(
        generation_type="modify_video",
        media={"url": "https://assets.mockluma-cdn.net/in.mp4"},
        mode="flex_1",
        model="ray-2",
        prompt="make it anime",
    )
    assert created.request is not None
    assert created.request.generation_type == "modify_video"
    assert finished(client, luma, created.id).assets is not None


def test_upscale_and_audio_make_new_generations_from_a_completed_video(
    client: LumaAI, luma: MockLuma
) -> None:
    source = finished(client, luma, client.generations.create(model="ray-2", prompt="a bird").id)
    assert source.id is not None
    upscaled = client.generations.upscale(source.id, resolution="4k")
    assert upscaled.id != source.id
    assert upscaled.request is not None
    assert upscaled.request.generation_type == "upscale_video"
    assert upscaled.generation_type == "video"
    assert upscaled.model == "ray-2"
    with_audio = client.generations.audio(source.id, prompt="birdsong", negative_prompt="music")
    assert with_audio.request is not None
    assert with_audio.request.generation_type == "add_audio"
    done = finished(client, luma, with_audio.id)
    assert done.assets is not None
    assert done.assets.video is not None

    import av

    with av.open(io.BytesIO(httpx.get(done.assets.video).content)) as container:
        assert len(container.streams.audio) == 1


def test_upscale_and_audio_answer_200(http: httpx.Client, luma: MockLuma) -> None:
    source = http.post("/generations/video", json={"model": "ray-2", "prompt": "a bird"}).json()
    luma.advance(3600)
    assert http.post(f"/generations/{source['id']}/upscale", json={}).status_code == 200
    assert http.post(f"/generations/{source['id']}/audio", json={}).status_code == 200


def test_concepts_and_camera_motions(client: LumaAI, http: httpx.Client) -> None:
    concepts = client.generations.concepts.list()
    assert "dolly_zoom" in concepts
    assert "handheld" in concepts
    motions = http.get("/generations/camera_motion/list")
    assert motions.status_code == 200
    assert "camera orbit left" in motions.json()


def test_a_list_of_every_kind_passes_strict_sdk_validation(client: LumaAI, luma: MockLuma) -> None:
    video = client.generations.create(model="ray-2", prompt="a lake")
    client.generations.image.create(model="photon-1", prompt="a lake at dawn")
    client.generations.image.reframe(
        aspect_ratio="1:1",
        generation_type="reframe_image",
        media={"url": "https://assets.mockluma-cdn.net/a.jpg"},
        model="photon-1",
    )
    client.generations.video.reframe(
        aspect_ratio="1:1",
        generation_type="reframe_video",
        media={"url": "https://assets.mockluma-cdn.net/a.mp4"},
        model="ray-2",
    )
    client.generations.video.modify(
        generation_type="modify_video",
        media={"url": "https://assets.mockluma-cdn.net/a.mp4"},
        mode="adhere_1",
        model="ray-flash-2",
    )
    luma.advance(3600)
    assert video.id is not None
    client.generations.upscale(video.id)
    client.generations.audio(video.id)
    page = client.generations.list()
    kinds = {g.request.generation_type for g in page.generations if g.request is not None}
    assert kinds == {
        "video", "image", "reframe_image", "reframe_video", "modify_video", "upscale_video", "add_audio"
    }  # fmt: skip
