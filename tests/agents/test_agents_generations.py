"""Every generation type through the official SDK (strict validation), from create to a
download that decodes: images with Pillow, videos with FFmpeg (PyAV)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

import av
import httpx
import luma_agents
import pytest
from luma_agents import AsyncLuma, Luma
from luma_agents.types import Generation, ImageRefParam
from PIL import Image

from mockluma.engine.jobs import Failure
from mockluma.handle import MockLuma
from mockluma.surfaces.agents import catalog

from .conftest import API_KEY
from .helpers import as_base64, decode_image, image_bytes

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def finished(agents: Luma, luma: MockLuma, generation: Generation) -> Generation:
    luma.advance(3600)
    done = agents.generations.get(generation.id)
    assert done.state == "completed", done
    assert done.failure_code is None
    assert done.failure_reason is None
    return done


def download(web: httpx.Client, url: str) -> httpx.Response:
    response = web.get(url)
    assert response.status_code == 200, response.text
    assert int(response.headers["content-length"]) == len(response.content)
    return response


def probe_video(data: bytes) -> tuple[int, int, float]:
    """Width, height and seconds of an MP4 whose first frame FFmpeg decodes."""
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.video[0]
        frames = sum(1 for packet in container.demux(stream) if packet.size)
    with av.open(io.BytesIO(data), mode="r") as container:
        first = next(container.decode(video=0))
        return first.width, first.height, frames / 24


def test_an_image_goes_queued_processing_completed_and_downloads(
    agents: Luma, web: httpx.Client, luma: MockLuma
) -> None:
    raw = agents.generations.with_raw_response.create(prompt="iced coffee on marble")
    assert raw.status_code == 201
    created = raw.parse()
    assert (created.state, created.model, created.type) == ("queued", "uni-1", "image")
    assert created.output == []
    assert (created.failure_code, created.failure_reason) == (None, None)
    assert raw.http_response.json().keys() == {
        "id",
        "type",
        "state",
        "model",
        "created_at",
        "output",
        "failure_reason",
        "failure_code",
    }
    assert created.created_at == luma.clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    states, waited = [created.state], 0
    while states[-1] not in ("completed", "failed"):
        luma.advance(2)  # poll every two seconds, as Luma's quickstart does
        waited += 2
        generation = agents.generations.get(created.id)
        if generation.state != states[-1]:
            states.append(generation.state)
    assert states == ["queued", "processing", "completed"]
    assert 15 <= waited <= 120  # uni-1 "typically 30-60 seconds"
    assert generation.output is not None
    [output] = generation.output
    assert output.type == "image"
    assert output.layer is None
    response = download(web, output.url)
    assert response.headers["content-type"] == "image/png"
    picture = decode_image(response.content)
    assert (picture.format, picture.size) == ("PNG", (2048, 1152))  # 16:9 when left to the model


@pytest.mark.parametrize(
    ("model", "aspect_ratio", "output_format", "expected"),
    [
        ("uni-1", "1:1", "jpeg", ("JPEG", 1.0)),
        ("uni-1", "9:16", "png", ("PNG", 9 / 16)),
        ("uni-1-max", "16:9", None, ("PNG", 16 / 9)),
    ],
)
def test_the_image_has_the_requested_shape_and_format(
    agents: Luma,
    web: httpx.Client,
    luma: MockLuma,
    model: Any,
    aspect_ratio: Any,
    output_format: Any,
    expected: tuple[str, float],
) -> None:
    created = agents.generations.create(
        prompt="a lighthouse",
        model=model,
        aspect_ratio=aspect_ratio,
        output_format=output_format,
        web_search=True,
        user_id="end-user-42",
    )
    assert created.model == model
    done = finished(agents, luma, created)
    assert done.output is not None
    picture = decode_image(download(web, done.output[0].url).content)
    assert picture.format == expected[0]
    assert picture.width / picture.height == pytest.approx(expected[1], rel=0.01)


def test_every_image_aspect_ratio_is_served_in_its_shape(
    agents: Luma, web: httpx.Client, luma: MockLuma
) -> None:
    ratios = sorted(catalog.IMAGE_ASPECT_RATIOS)
    created = {
        ratio: agents.generations.create(prompt="a field", aspect_ratio=ratio)  # type: ignore[arg-type]
        for ratio in ratios
    }
    luma.advance(3600)
    for ratio, generation in created.items():
        done = agents.generations.get(generation.id)
        assert done.output is not None
        picture = Image.open(io.BytesIO(download(web, done.output[0].url).content))
        across, down = (int(part) for part in ratio.split(":"))
        assert picture.width / picture.height == pytest.approx(across / down, rel=0.01)
        assert max(picture.size) >= 1536


def test_manga_left_to_the_model_is_portrait(
    agents: Luma, web: httpx.Client, luma: MockLuma
) -> None:
    done = finished(agents, luma, agents.generations.create(prompt="a hero", style="manga"))
    assert done.output is not None
    picture = decode_image(download(web, done.output[0].url).content)
    assert picture.height > picture.width


def test_an_image_edit_keeps_the_shape_of_its_source(
    agents: Luma, web: httpx.Client, luma: MockLuma
) -> None:
    portrait = finished(
        agents, luma, agents.generations.create(prompt="a tower", aspect_ratio="9:16")
    )
    edit = agents.generations.create(
        type="image_edit",
        prompt="make it night",
        aspect_ratio="16:9",  # ignored: an edit keeps its source's shape
        source={"generation_id": portrait.id},
        image_ref=[{"data": as_base64(image_bytes()), "media_type": "image/png"}],
    )
    assert edit.type == "image_edit"
    done = finished(agents, luma, edit)
    assert done.output is not None
    picture = decode_image(download(web, done.output[0].url).content)
    assert picture.width / picture.height == pytest.approx(9 / 16, rel=0.01)


def test_an_image_edit_of_inline_data_takes_its_shape(
    agents: Luma, web: httpx.Client, luma: MockLuma
) -> None:
    source: ImageRefParam = {
        "data": as_base64(image_bytes(300, 300, "JPEG")),
        "media_type": "image/jpeg",
    }
    edit = agents.generations.create(
        type="image_edit", model="uni-1-max", prompt="add a hat", source=source
    )
    done = finished(agents, luma, edit)
    assert done.output is not None
    picture = decode_image(download(web, done.output[0].url).content)
    assert picture.width == picture.height


def test_a_video_downloads_as_a_playable_mp4_of_the_requested_shape(
    agents: Luma, web: httpx.Client, luma: MockLuma
) -> None:
    created = agents.generations.create(
        model="ray-3.2",
        type="video",
        prompt="a slow dolly shot through a misty greenhouse",
        aspect_ratio="9:16",
        video={"resolution": "720p", "duration": "5s"},
    )
    assert (created.model, created.type, created.state) == ("ray-3.2", "video", "queued")
    luma.advance(60)  # video takes longer than an image
    assert agents.generations.get(created.id).state != "completed"
    done = finished(agents, luma, created)
    assert done.output is not None
    [output] = done.output
    assert output.type == "video"
    response = download(web, output.url)
    assert response.headers["content-type"] == "video/mp4"
    width, height, seconds = probe_video(response.content)
    assert width / height == pytest.approx(9 / 16, rel=0.01)
    assert seconds == pytest.approx(5, abs=0.1)


def test_video_options_image_to_video_extend_and_keyframes(
    agents: Luma, web: httpx.Client, luma: MockLuma
) -> None:
    frame: ImageRefParam = {"data": as_base64(image_bytes(400, 300)), "media_type": "image/png"}
    from_image = agents.generations.create(
        model="ray-3.2",
        type="video",
        prompt="the picture comes alive",
        video={
            "start_frame": frame,
            "end_frame": {"url": "https://assets.mockluma-cdn.net/end.jpg"},
        },
    )
    looped = agents.generations.create(
        model="ray-3.2",
        type="video",
        prompt="waves",
        aspect_ratio="21:9",
        video={"loop": True, "resolution": "540p"},
    )
    keyed = agents.generations.create(
        model="ray-3.2",
        type="video",
        prompt="a ten second story",
        aspect_ratio="1:1",
        video={
            "duration": "10s",
            "hdr": True,
            "exr_export": True,
            "resolution": "1080p",
            "keyframes": [frame, {"url": "https://assets.mockluma-cdn.net/b.png"}],
            "keyframe_indexes": [0, 240],
        },
    )
    luma.advance(3600)
    with pytest.raises(luma_agents.UnprocessableEntityError, match="Interpolating between"):
        agents.generations.create(
            model="ray-3.2",
            type="video",
            prompt="from a clip to a picture",
            video={"start_frame": {"generation_id": looped.id}, "end_frame": frame},
        )
    extended = agents.generations.create(
        model="ray-3.2",
        type="video",
        prompt="and then it rains",
        video={"start_frame": {"generation_id": looped.id}},
    )
    expected = {
        from_image.id: (4 / 3, 5),  # the model picks the start frame's shape
        looped.id: (21 / 9, 5),
        keyed.id: (1.0, 9),  # 10 s asks for the longest shipped clip, 9 s
        extended.id: (21 / 9, 5),  # an extension keeps its source's shape
    }
    luma.advance(3600)
    for generation_id, (ratio, seconds) in expected.items():
        done = agents.generations.get(generation_id)
        assert done.state == "completed"
        assert done.output is not None
        width, height, length = probe_video(download(web, done.output[0].url).content)
        assert width / height == pytest.approx(ratio, rel=0.02)
        assert length == pytest.approx(seconds, abs=0.1)


def test_video_edit_and_reframe_follow_their_source(
    agents: Luma, web: httpx.Client, luma: MockLuma
) -> None:
    source = finished(
        agents,
        luma,
        agents.generations.create(
            model="ray-3.2", type="video", prompt="a street", aspect_ratio="16:9"
        ),
    )
    edit = agents.generations.create(
        model="ray-3.2",
        type="video_edit",
        prompt="make it winter",
        source={"generation_id": source.id},
        video={
            "resolution": "720p",
            "edit": {
                "strength": "flex_2",
                "controls": {
                    "depth": {"enabled": True, "blur": 0.3},
                    "face": {"enabled": False},
                    "normals": {"augmentation": 0.5},
                    "pose": {"enabled": True, "strength": "coarse"},
                    "trajectory": {"sparsity": 0.8},
                },
                "keyframes": [{"data": as_base64(image_bytes()), "media_type": "image/png"}],
                "keyframe_indexes": [60],
            },
        },
    )
    reframe = agents.generations.create(
        model="ray-3.2",
        type="video_reframe",
        prompt="keep the walker in frame",
        aspect_ratio="9:16",
        source={"generation_id": source.id},
        video={
            "resolution": "720p",
            "source_position": {"x_norm": 0.0, "y_norm": 0.25, "w_norm": 1.0, "h_norm": 0.56},
        },
    )
    assert (edit.type, reframe.type) == ("video_edit", "video_reframe")
    for generation, ratio in ((edit, 16 / 9), (reframe, 9 / 16)):
        done = finished(agents, luma, generation)
        assert done.output is not None
        [output] = done.output
        assert output.type == "video"
        width, height, seconds = probe_video(download(web, output.url).content)
        assert width / height == pytest.approx(ratio, rel=0.01)
        assert seconds == pytest.approx(5, abs=0.1)


def test_layering_yields_layers_front_to_back(
    agents: Luma, web: httpx.Client, luma: MockLuma
) -> None:
    created = agents.generations.create(
        type="layering",
        prompt="separate the woman from the park",
        source={"data": as_base64(image_bytes(200, 100)), "media_type": "image/png"},
        layering={"resolution": "2k"},
    )
    assert (created.type, created.model) == ("layering", "uni-1")
    done = finished(agents, luma, created)
    assert done.output is not None
    assert len(done.output) >= 2
    assert len({output.url for output in done.output}) == len(done.output)
    for position, output in enumerate(done.output):
        assert output.type == "image"
        assert output.layer is not None
        assert output.layer.index == position
        assert output.layer.label
        assert output.layer.description
        content = download(web, output.url).content
        assert content.startswith(PNG_SIGNATURE)
        decode_image(content)
    hints = [output.layer.alpha_hint for output in done.output if output.layer]
    assert hints[-1] == "none"  # the background is opaque
    assert set(hints) <= {"soft", "hard", "none"}


@pytest.mark.anyio
async def test_the_async_client_creates_and_polls(async_agents: AsyncLuma, luma: MockLuma) -> None:
    created = await async_agents.generations.create(prompt="a fox", aspect_ratio="1:1")
    assert created.state == "queued"
    luma.advance(3600)
    done = await async_agents.generations.get(created.id)
    assert done.state == "completed"
    assert done.output is not None
    async with httpx.AsyncClient() as plain:
        response = await plain.get(done.output[0].url)
    assert decode_image(response.content).size == (1536, 1536)


def test_output_urls_expire_after_an_hour_and_every_read_mints_new_ones(
    agents: Luma, web: httpx.Client, luma: MockLuma
) -> None:
    done = finished(agents, luma, agents.generations.create(prompt="a clock tower"))
    assert done.output is not None
    url = done.output[0].url
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["3600"]
    luma.advance(3599)
    assert web.get(url).status_code == 200
    luma.advance(2)
    expired = web.get(url)
    assert expired.status_code == 403
    assert expired.headers["content-type"] == "application/xml"
    assert "<Code>AccessDenied</Code><Message>Request has expired</Message>" in expired.text

    again = agents.generations.get(done.id)
    assert again.output is not None
    fresh = again.output[0].url
    assert fresh != url
    assert web.get(fresh).status_code == 200

    tampered = fresh.replace("X-Amz-Expires=3600", "X-Amz-Expires=99999")
    refused = web.get(tampered)
    assert refused.status_code == 403
    assert "SignatureDoesNotMatch" in refused.text


def test_each_poll_moves_a_generation_on_under_polls_progression(
    agents: Luma, luma: MockLuma
) -> None:
    luma.reset(progression="polls:1")
    created = agents.generations.create(prompt="a kite")
    states = [agents.generations.get(created.id).state for _ in range(3)]
    assert states == ["processing", "completed", "completed"]


@pytest.mark.parametrize("kind", sorted(catalog.FAILURES))
def test_failures_show_their_documented_code_and_reason(
    agents: Luma, luma: MockLuma, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    # Fault injection is the engine's business; here a failure is planned by hand, the way it
    # will plan one, to check how this API presents it.
    failure: Failure = catalog.FAILURES[kind]
    submit = luma.simulation.submit

    def failing(**arguments: Any) -> Any:
        return submit(**arguments, failure=failure)

    monkeypatch.setattr(luma.simulation, "submit", failing)
    created = agents.generations.create(prompt="a doomed picture")
    luma.advance(3600)
    failed = agents.generations.get(created.id)
    assert failed.state == "failed"
    assert failed.output == []
    assert failed.failure_code == failure.code
    assert failed.failure_reason == failure.reason
    # Luma refunds failed generations.
    assert luma.simulation.balance("agents", API_KEY) == luma.config.credits_cents


def test_generations_are_charged_at_luma_prices(agents: Luma, luma: MockLuma) -> None:
    ref: ImageRefParam = {"url": "https://assets.mockluma-cdn.net/style.png"}
    agents.generations.create(prompt="one", image_ref=[ref, ref])
    agents.generations.create(prompt="two", model="ray-3.2", type="video")
    spent = luma.config.credits_cents - luma.simulation.balance("agents", API_KEY)
    assert spent == pytest.approx(4.64 + 30.0)  # 4.04 + 2 x 0.30; 720p 5 s
