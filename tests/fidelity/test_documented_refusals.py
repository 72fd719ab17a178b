"""Every refusal and failure Luma documents, through the official client: the mock refuses or
fails the same way (status, exception class, text). A green here means a client that handles
these cases against the mock handles them against Luma.

Dream Machine: the "Errors" page (create-time sentences and failure_reason values), the key
sentence of the spec, the rate limits. Agents: the error guide's table (status and ``detail``),
the key sentences, 402, 404 and both 429s.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import httpx
import luma_agents
import lumaai
import pytest
from luma_agents import Luma
from lumaai import LumaAI
from PIL import Image

from mockluma.handle import MockLuma

IMAGE = {"type": "image", "url": "https://assets.mockluma-cdn.net/frame.jpg"}


def png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def finished_video(client: LumaAI, luma: MockLuma) -> dict[str, str]:
    created = client.generations.create(model="ray-flash-2", prompt="a calm sea")
    luma.advance(3600)
    assert created.id is not None
    return {"type": "generation", "id": created.id}


# -- Dream Machine -----------------------------------------------------------------------------

LOOPS: list[tuple[str, str | None, str | None, str]] = [
    ("end-frame", None, "image", "Loop is not supported for end frame"),
    ("two-images", "image", "image", "Loop is not supported for keyframes"),
    ("extend-reverse", None, "generation", "Loop is not supported for extend reverse"),
    ("video-to-image", "generation", "image", "Loop is not supported for interpolate video to image"),
    ("image-to-video", "image", "generation", "Loop is not supported for interpolate image to video"),
    ("two-videos", "generation", "generation", "Loop is not supported for interpolate between two videos"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("first", "last", "sentence"), [c[1:] for c in LOOPS], ids=[c[0] for c in LOOPS]
)
def test_dream_machine_loop_refusals(
    client: LumaAI,
    finished_video: dict[str, str],
    first: str | None,
    last: str | None,
    sentence: str,
) -> None:
    frames = {"image": IMAGE, "generation": finished_video}
    keyframes: dict[str, Any] = {}
    if first:
        keyframes["frame0"] = frames[first]
    if last:
        keyframes["frame1"] = frames[last]
    with pytest.raises(lumaai.BadRequestError) as caught:
        client.generations.create(
            model="ray-2",
            prompt="a calm sea",
            loop=True,
            keyframes=keyframes,  # type: ignore[arg-type]
        )
    assert caught.value.status_code == 400
    assert caught.value.body == {"detail": sentence}


@pytest.mark.parametrize(
    ("options", "sentence"),
    [
        ({}, "Prompt is required"),
        ({"keyframes": {"frame0": {"type": "generation", "id": "x"}}}, "Prompt is required"),
        ({"prompt": "ab"}, "Prompt is too short, minimum length is 3 characters"),
        ({"prompt": "a" * 5001}, "Prompt is too long, maximum length is 5000 characters"),
        ({"prompt": "a calm sea", "keyframes": {}}, "No keyframes provided"),
    ],
    ids=["no-prompt", "extend-without-prompt", "too-short", "too-long", "no-keyframes"],
)
def test_dream_machine_prompt_and_keyframe_refusals(
    client: LumaAI, options: dict[str, Any], sentence: str
) -> None:
    with pytest.raises(lumaai.BadRequestError) as caught:
        client.generations.create(model="ray-2", **options)
    assert caught.value.body == {"detail": sentence}


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("moderation", "Advanced prompt moderation failed"),
        ("blacklisted", "Contains blacklisted words"),
        ("frames_unreadable", "Failed to read user input frames"),
        ("frame_moderation", "Frame moderation failed"),
        ("prompt", "Prompt processing failed"),
        ("dispatch", "Error dispatching job"),
        ("job", "Job failed"),
        ("callback", "Error processing callback"),
    ],
)
def test_dream_machine_failure_reasons(
    client: LumaAI, luma: MockLuma, kind: str, reason: str
) -> None:
    created = client.generations.create(model="ray-2", prompt=f"a fox [mockluma:fail={kind}]")
    luma.advance(3600)
    assert created.id is not None
    failed = client.generations.get(created.id)
    assert (failed.state, failed.failure_reason, failed.assets) == ("failed", reason, None)


def test_dream_machine_rate_limit_is_a_429_the_sdk_retries(client: LumaAI, luma: MockLuma) -> None:
    luma.reset(rate_limits=True)
    for _ in range(10):  # the Build tier: 10 ray generations at once
        client.generations.create(model="ray-flash-2", prompt="a calm sea")
    with pytest.raises(lumaai.RateLimitError) as caught:
        client.generations.create(model="ray-flash-2", prompt="one too many")
    assert caught.value.status_code == 429
    assert int(caught.value.response.headers["retry-after"]) > 0


# -- Agents ------------------------------------------------------------------------------------

AGENTS_REFUSALS: list[tuple[str, dict[str, Any], type[Exception], int, str]] = [
    ("unknown-model", {"model": "super-model-v9"}, luma_agents.BadRequestError, 400, "Unknown model: super-model-v9"),
    ("type-for-model", {"type": "video"}, luma_agents.BadRequestError, 400, "Type 'video' is not supported for model 'uni-1'"),
    ("aspect", {"aspect_ratio": "4:3"}, luma_agents.BadRequestError, 400, "Invalid aspect_ratio '4:3'. Valid: 1:1, 1:2, 1:3, 16:9, 2:1, 2:3, 3:1, 3:2, 9:16"),
    ("empty-prompt", {"prompt": ""}, luma_agents.BadRequestError, 400, "Prompt must be between 1 and 6000 characters"),
    ("long-prompt", {"prompt": "a" * 6001}, luma_agents.BadRequestError, 400, "Prompt must be between 1 and 6000 characters"),
    ("url-and-data", {"image_ref": [{"url": "https://assets.mockluma-cdn.net/a.png", "data": "aGk="}]}, luma_agents.BadRequestError, 400, "image_ref[0]: provide either 'url' or 'data', not both"),
    ("neither", {"image_ref": [{}]}, luma_agents.BadRequestError, 400, "image_ref[0]: provide either 'url' or 'data', not neither"),
    ("no-media-type", {"type": "image_edit", "source": {"data": "aGk="}}, luma_agents.BadRequestError, 400, "source: 'media_type' is required with 'data'"),
    ("source-on-image", {"source": {"url": "https://assets.mockluma-cdn.net/a.png"}}, luma_agents.BadRequestError, 400, "source is only valid for type 'image_edit'"),
    ("no-source", {"type": "image_edit"}, luma_agents.BadRequestError, 400, "source is required for type 'image_edit'"),
    ("bad-base64", {"type": "image_edit", "source": {"data": "%%%", "media_type": "image/png"}}, luma_agents.UnprocessableEntityError, 422, "source: invalid base64 data"),
    ("unreachable", {"image_ref": [{"url": "https://photos.test/a.png"}]}, luma_agents.UnprocessableEntityError, 422, "image_ref[0]: failed to fetch URL"),
    ("http-error", {"type": "image_edit", "source": {"url": "https://example.com/landscape.jpg"}}, luma_agents.UnprocessableEntityError, 422, "source: failed to fetch URL (HTTP 404)"),
    ("not-an-image", {"image_ref": [{"url": "https://assets.mockluma-cdn.net/a.mp4", "media_type": "video/mp4"}]}, luma_agents.UnprocessableEntityError, 422, "image_ref[0]: content-type is not an image"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("options", "error", "status", "detail"),
    [case[1:] for case in AGENTS_REFUSALS],
    ids=[case[0] for case in AGENTS_REFUSALS],
)
def test_agents_documented_refusals(
    agents: Luma, options: dict[str, Any], error: type[Exception], status: int, detail: str
) -> None:
    with pytest.raises(error) as caught:
        agents.generations.create(**{"prompt": "a cat", **options})
    assert isinstance(caught.value, luma_agents.APIStatusError)
    assert caught.value.status_code == status
    assert caught.value.body == {"detail": detail}


def test_agents_too_many_reference_images_on_an_edit(agents: Luma) -> None:
    refs = [{"data": png(), "media_type": "image/png"}] * 9
    with pytest.raises(luma_agents.BadRequestError) as caught:
        agents.generations.create(
            prompt="a cat",
            type="image_edit",
            source={"data": png(), "media_type": "image/png"},
            image_ref=refs,  # type: ignore[arg-type]
        )
    assert caught.value.body == {
        "detail": "image_edit supports up to 8 reference images (source occupies one slot)"
    }


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ({}, "Missing or invalid API key"),
        ({"Authorization": "Basic abc"}, "Missing or invalid API key"),
        ({"Authorization": "Bearer not-a-luma-key"}, "Missing or invalid API key"),
    ],
    ids=["none", "other-scheme", "not-luma-api"],
)
def test_agents_key_refusals(luma: MockLuma, header: dict[str, str], detail: str) -> None:
    # Headers the SDK would never send, so a plain client sends them.
    answer = httpx.post(f"{luma.url}/v1/generations", json={"prompt": "a cat"}, headers=header)
    assert (answer.status_code, answer.json()) == (401, {"detail": detail})


def test_agents_unknown_generation_and_empty_balance(agents: Luma, luma: MockLuma) -> None:
    with pytest.raises(luma_agents.NotFoundError) as missing:
        agents.generations.get("d290f1ee-6c54-4b01-90e6-d701748f0851")
    assert missing.value.body == {"detail": "Generation not found"}
    luma.reset(credits_cents=0)
    with pytest.raises(luma_agents.APIStatusError) as broke:
        agents.generations.create(prompt="a cat")
    assert broke.value.status_code == 402
    assert broke.value.body == {"detail": "Insufficient credits. Please add credits to continue."}


def test_agents_both_429s(agents: Luma, luma: MockLuma) -> None:
    luma.reset(rate_limits=True)
    for _ in range(10):  # ten unfinished generations at once
        agents.generations.create(prompt="a cat")
    with pytest.raises(luma_agents.RateLimitError) as busy:
        agents.generations.create(prompt="one more")
    assert busy.value.body == {"detail": "Too many concurrent jobs"}
    assert busy.value.response.headers["retry-after"] == "60"
