"""The full create → poll → completed → download loop through the official SDK."""

from __future__ import annotations

import io
import re
from typing import Any

import av
import httpx
import pytest
from lumaai import AsyncLumaAI, LumaAI
from starlette.responses import JSONResponse

from mockluma.handle import MockLuma
from mockluma.surfaces.dream_machine import presenters


def probe_video(data: bytes) -> tuple[int, int, float]:
    """Width, height and duration in seconds, as decoded by FFmpeg (through PyAV)."""
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.video[0]
        frames = len(list(container.decode(stream)))
        return stream.codec_context.width, stream.codec_context.height, frames / 24


AUTH = {"Authorization": "Bearer luma-test-key"}


def test_a_video_goes_queued_dreaming_completed_and_downloads(
    client: LumaAI, luma: MockLuma
) -> None:
    created = client.generations.create(model="ray-2", prompt="a teddy bear playing guitar")
    assert created.state == "queued"
    assert created.assets is None
    assert created.generation_type == "video"
    assert created.model == "ray-2"
    assert created.request is not None
    assert created.request.generation_type == "video"

    assert created.id is not None
    states: list[str | None] = [created.state]
    for _ in range(100):
        luma.advance(3)  # poll every three simulated seconds, as Luma's docs do
        generation = client.generations.get(created.id)
        if generation.state != states[-1]:
            states.append(generation.state)
        if generation.state == "completed":
            break
    assert states == ["queued", "dreaming", "completed"]
    assert generation.assets is not None
    assert generation.assets.video is not None

    download = httpx.get(generation.assets.video)
    assert download.status_code == 200
    assert download.headers["content-type"] == "video/mp4"
    assert int(download.headers["content-length"]) == len(download.content)
    width, height, seconds = probe_video(download.content)
    assert width / height == pytest.approx(16 / 9, rel=0.01)
    assert seconds == pytest.approx(5, abs=0.1)

    assert generation.assets.image is not None
    thumbnail = httpx.get(generation.assets.image)
    assert thumbnail.headers["content-type"] == "image/jpeg"


def test_created_at_has_lumas_format_and_the_simulated_date(client: LumaAI, luma: MockLuma) -> None:
    created = client.generations.with_raw_response.create(model="ray-flash-2", prompt="a fox")
    raw = created.http_response.json()["created_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000Z", raw)
    parsed = created.parse().created_at
    assert parsed is not None
    assert abs((parsed - luma.clock).total_seconds()) < 0.01


@pytest.mark.parametrize(
    ("aspect_ratio", "duration", "ratio", "seconds"),
    [("9:16", "9s", 9 / 16, 9), ("21:9", "5s", 21 / 9, 5), ("1:1", None, 1.0, 5)],
    ids=["portrait-9s", "cinema", "square-default-length"],
)
def test_the_video_matches_the_requested_shape(
    client: LumaAI,
    luma: MockLuma,
    aspect_ratio: str,
    duration: str | None,
    ratio: float,
    seconds: int,
) -> None:
    extra: dict[str, Any] = {"aspect_ratio": aspect_ratio}
    if duration:
        extra["duration"] = duration
    created = client.generations.create(model="ray-flash-2", prompt="waves on a beach", **extra)
    assert created.id is not None
    luma.advance(3600)
    done = client.generations.get(created.id)
    assert done.assets is not None
    assert done.assets.video is not None
    width, height, length = probe_video(httpx.get(done.assets.video).content)
    assert width / height == pytest.approx(ratio, rel=0.01)
    assert length == pytest.approx(seconds, abs=0.1)


@pytest.mark.anyio
async def test_the_async_client_runs_the_same_loop(
    async_client: AsyncLumaAI, luma: MockLuma
) -> None:
    created = await async_client.generations.video.create(
        model="ray-2", prompt="a lighthouse in a storm", resolution="540p", duration="5s"
    )
    assert created.id is not None
    luma.advance(3600)
    done = await async_client.generations.get(created.id)
    assert done.state == "completed"
    assert done.assets is not None
    assert done.assets.video is not None
    async with httpx.AsyncClient() as plain:
        download = await plain.get(done.assets.video)
    width, height, _ = probe_video(download.content)
    assert (width, height) == (960, 540)


def test_extend_continues_a_completed_video(client: LumaAI, luma: MockLuma) -> None:
    first = client.generations.create(model="ray-2", prompt="a cat", aspect_ratio="9:16")
    assert first.id is not None
    luma.advance(3600)
    extended = client.generations.create(
        model="ray-2",
        prompt="the cat jumps",
        keyframes={"frame0": {"type": "generation", "id": first.id}},
    )
    assert extended.request is not None
    assert extended.request.keyframes is not None  # type: ignore[union-attr]
    luma.advance(3600)
    done = client.generations.get(extended.id)  # type: ignore[arg-type]
    assert done.state == "completed"
    assert done.assets is not None
    assert done.assets.video is not None
    width, height, _ = probe_video(httpx.get(done.assets.video).content)
    assert width < height  # the extension keeps the source's portrait shape


def test_interpolating_between_two_completed_videos_works(client: LumaAI, luma: MockLuma) -> None:
    one = client.generations.create(model="ray-2", prompt="sunrise")
    two = client.generations.create(model="ray-2", prompt="sunset")
    luma.advance(3600)
    keyframes: Any = {
        "frame0": {"type": "generation", "id": one.id},
        "frame1": {"type": "generation", "id": two.id},
    }
    between = client.generations.create(model="ray-2", prompt="the day passes", keyframes=keyframes)
    assert between.state == "queued"


def test_a_deleted_generation_is_gone(client: LumaAI) -> None:
    import lumaai

    created = client.generations.create(model="ray-2", prompt="a short-lived dream")
    assert created.id is not None
    client.generations.delete(created.id)
    with pytest.raises(lumaai.NotFoundError) as missing:
        client.generations.get(created.id)
    assert missing.value.status_code == 404
    assert created.id in missing.value.body["detail"]  # type: ignore[index]
    with pytest.raises(lumaai.NotFoundError):
        client.generations.delete(created.id)


def test_repeated_polls_answer_what_a_fresh_render_would(luma: MockLuma) -> None:
    # The routes reuse a generation's JSON while its phase is unchanged (JsonBodies): every
    # answer must still be the exact bytes of rendering it anew.
    luma.reset(progression="polls:2")
    with httpx.Client(base_url=luma.dream_machine_url, headers=AUTH) as http:
        created = http.post("/generations/video", json={"model": "ray-2", "prompt": "fresh"})
        path = f"/generations/{created.json()['id']}"
        states = []
        for _ in range(6):
            answer = http.get(path)
            job = luma.simulation.get("dream-machine", "luma-test-key", answer.json()["id"])
            assert answer.content == JSONResponse(presenters.generation(job, f"{luma.url}/")).body
            states.append(answer.json()["state"])
        assert states == ["queued", "dreaming", "dreaming", "completed", "completed", "completed"]
        # Another base URL (another Host header) gets its own links.
        other = http.get(path, headers={"Host": "mock.example:9"}).json()
        assert other["assets"]["video"].startswith("http://mock.example:9/_mockluma/media/")


def test_a_reset_forgets_reused_answers_and_never_repeats_an_id(luma: MockLuma) -> None:
    with httpx.Client(base_url=luma.dream_machine_url, headers=AUTH) as http:
        first = http.post("/generations/video", json={"model": "ray-2", "prompt": "before"})
        assert (
            http.get(f"/generations/{first.json()['id']}").json()["request"]["prompt"] == "before"
        )
        luma.reset()
        again = http.post("/generations/video", json={"model": "ray-2", "prompt": "after"})
        assert again.json()["id"] != first.json()["id"]  # ids never repeat within a state
        assert http.get(f"/generations/{first.json()['id']}").status_code == 404
        assert http.get(f"/generations/{again.json()['id']}").json()["request"]["prompt"] == "after"


def test_the_list_never_shows_a_stale_page(luma: MockLuma) -> None:
    # Pages are reused while nothing they show has changed (JsonBodies): each must still match
    # the generations as they are now.
    luma.reset(progression="polls:1")
    with httpx.Client(base_url=luma.dream_machine_url, headers=AUTH) as http:

        def page(limit: int = 2) -> dict[str, Any]:
            answer: dict[str, Any] = http.get(f"/generations?limit={limit}").json()
            return answer

        ids = [
            http.post(
                "/generations/video", json={"model": "ray-2", "prompt": f"number {i}"}
            ).json()["id"]
            for i in range(3)
        ]
        assert [g["state"] for g in page()["generations"]] == ["queued", "queued"]
        assert page()["has_more"] is True
        http.get(f"/generations/{ids[2]}")  # one poll: dreaming
        assert [g["state"] for g in page()["generations"]] == ["dreaming", "queued"]
        http.delete(f"/generations/{ids[0]}")
        assert page()["has_more"] is False
        assert [g["id"] for g in page(10)["generations"]] == [ids[2], ids[1]]
        newest = http.post(
            "/generations/video", json={"model": "ray-2", "prompt": "number 3"}
        ).json()
        assert [g["id"] for g in page()["generations"]] == [newest["id"], ids[2]]
        polled = [http.get(f"/generations/{g['id']}").json() for g in page(10)["generations"]]
        assert page(10)["generations"] == polled  # each poll moved one on; the list follows
