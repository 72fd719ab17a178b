"""Every documented refusal, in Dream Machine's dialect: ``{"detail": "..."}`` and a 4xx."""

from __future__ import annotations

from typing import Any

import httpx
import lumaai
import pytest
from lumaai import LumaAI

from mockluma.handle import MockLuma

IMAGE: Any = {"type": "image", "url": "https://assets.mockluma-cdn.net/frame.jpg"}


def generation_frame(generation_id: str | None) -> Any:
    assert generation_id is not None
    return {"type": "generation", "id": generation_id}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "ray-2"}, "Prompt is required"),
        ({"model": "ray-2", "prompt": "hi"}, "Prompt is too short, minimum length is 3 characters"),
        ({"model": "ray-2", "prompt": "x" * 5001}, "Prompt is too long, maximum length is 5000 characters"),
        ({"model": "ray-2", "prompt": "a b c", "keyframes": {}}, "No keyframes provided"),
        ({"model": "ray-2", "prompt": "a b c", "keyframes": {"frame0": None, "frame1": None}}, "No keyframes provided"),
        ({"model": "ray-2", "prompt": "a b c", "loop": True, "keyframes": {"frame1": IMAGE}}, "Loop is not supported for end frame"),
        ({"model": "ray-2", "prompt": "a b c", "loop": True, "keyframes": {"frame0": IMAGE, "frame1": IMAGE}}, "Loop is not supported for keyframes"),
    ],
    ids=["no-prompt", "short", "long", "empty-keyframes", "null-keyframes", "loop-end-frame", "loop-two-images"],
)  # fmt: skip
def test_documented_create_errors(http: httpx.Client, body: dict[str, Any], message: str) -> None:
    response = http.post("/generations/video", json=body)
    assert response.status_code == 400
    assert response.json() == {"detail": message}


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        ({"frame1": "G"}, "Loop is not supported for extend reverse"),
        ({"frame0": "G", "frame1": IMAGE}, "Loop is not supported for interpolate video to image"),
        ({"frame0": IMAGE, "frame1": "G"}, "Loop is not supported for interpolate image to video"),
        (
            {"frame0": "G", "frame1": "G"},
            "Loop is not supported for interpolate between two videos",
        ),
    ],
    ids=["extend-reverse", "video-to-image", "image-to-video", "two-videos"],
)
def test_loop_refusals_with_generation_keyframes(
    client: LumaAI, luma: MockLuma, frames: dict[str, Any], message: str
) -> None:
    source = client.generations.create(model="ray-2", prompt="a source clip")
    assert source.id is not None
    luma.advance(3600)
    keyframes: Any = {
        slot: generation_frame(source.id) if f == "G" else f for slot, f in frames.items()
    }
    with pytest.raises(lumaai.BadRequestError) as refused:
        client.generations.create(model="ray-2", prompt="a b c", loop=True, keyframes=keyframes)
    assert refused.value.status_code == 400
    assert refused.value.body == {"detail": message}


def test_loop_is_allowed_for_a_start_image_and_for_extend(client: LumaAI, luma: MockLuma) -> None:
    with_image = client.generations.create(
        model="ray-2",
        prompt="a tiger",
        loop=True,
        keyframes={"frame0": IMAGE},
    )
    assert with_image.state == "queued"
    luma.advance(3600)
    assert with_image.id is not None
    extended = client.generations.create(
        model="ray-2",
        prompt="more tiger",
        loop=True,
        keyframes={"frame0": generation_frame(with_image.id)},
    )
    assert extended.state == "queued"


def test_an_image_keyframe_makes_the_prompt_optional(client: LumaAI) -> None:
    created = client.generations.create(model="ray-2", keyframes={"frame0": IMAGE})
    assert created.state == "queued"


def test_extend_needs_a_completed_video_of_the_same_key(
    client: LumaAI, luma: MockLuma, http: httpx.Client
) -> None:
    pending = client.generations.create(model="ray-2", prompt="not done yet")
    assert pending.id is not None
    with pytest.raises(lumaai.BadRequestError, match="not completed yet"):
        client.generations.create(
            model="ray-2", prompt="continue", keyframes={"frame0": generation_frame(pending.id)}
        )

    image = client.generations.image.create(model="photon-1", prompt="a still")
    luma.advance(3600)
    assert image.id is not None
    with pytest.raises(lumaai.BadRequestError, match="is an image"):
        client.generations.create(
            model="ray-2", prompt="continue", keyframes={"frame0": generation_frame(image.id)}
        )

    other = LumaAI(auth_token="another-key", base_url=luma.dream_machine_url, max_retries=0)
    with other, pytest.raises(lumaai.BadRequestError, match="does not exist for this API key"):
        other.generations.create(
            model="ray-2", prompt="steal", keyframes={"frame0": generation_frame(pending.id)}
        )


def test_upscale_and_audio_need_a_completed_video(client: LumaAI, luma: MockLuma) -> None:
    pending = client.generations.create(model="ray-2", prompt="still dreaming")
    assert pending.id is not None
    with pytest.raises(lumaai.BadRequestError, match="only a completed video can be upscaled"):
        client.generations.upscale(pending.id)
    with pytest.raises(lumaai.NotFoundError):
        client.generations.audio("3f0c6d1e-0000-4000-8000-000000000000")


@pytest.mark.parametrize(
    ("path", "body", "first"),
    [
        ("/generations/video", {"prompt": "no model"}, ("missing", ["body", "model"], "Field required")),
        ("/generations/video", {"model": "ray-9", "prompt": "abc"}, ("literal_error", ["body", "model"], "Input should be 'ray-2' or 'ray-flash-2'")),
        ("/generations/video", {"model": "ray-2", "prompt": 42}, ("string_type", ["body", "prompt"], "Input should be a valid string")),
        ("/generations/video", {"model": "ray-2", "prompt": "abc", "aspect_ratio": "2:1"}, ("literal_error", ["body", "aspect_ratio"], "Input should be '1:1', '16:9', '9:16', '4:3', '3:4', '21:9' or '9:21'")),
        ("/generations/video", {"model": "ray-2", "prompt": "abc", "loop": "yes"}, ("bool_type", ["body", "loop"], "Input should be a valid boolean")),
        ("/generations/video", {"model": "ray-2", "keyframes": {"frame0": {"type": "image"}}}, ("missing", ["body", "keyframes", "frame0", "url"], "Field required")),
        ("/generations/video", {"model": "ray-2", "prompt": "abc", "callback_url": "not a url"}, ("url_parsing", ["body", "callback_url"], "Input should be a valid URL, relative URL without a base")),
        ("/generations/video", [], ("model_attributes_type", ["body"], "Input should be a valid dictionary or object to extract fields from")),
        ("/generations/image", {"model": "photon-2", "prompt": "abc"}, ("literal_error", ["body", "model"], "Input should be 'photon-1' or 'photon-flash-1'")),
        ("/generations/image", {"model": "photon-1", "prompt": "abc", "format": "gif"}, ("literal_error", ["body", "format"], "Input should be 'jpg' or 'png'")),
        ("/generations/image/reframe", {"model": "photon-1", "media": {"url": "https://assets.mockluma-cdn.net/a.jpg"}, "aspect_ratio": "1:1"}, ("missing", ["body", "generation_type"], "Field required")),
        ("/generations/video/modify", {"generation_type": "modify_video", "model": "ray-2", "media": {"url": "https://assets.mockluma-cdn.net/a.mp4"}, "mode": "wild"}, ("literal_error", ["body", "mode"], "Input should be 'adhere_1'")),
    ],
    ids=["no-model", "bad-model", "prompt-type", "aspect", "loop-type", "keyframe-url", "callback", "array", "image-model", "image-format", "reframe-type", "modify-mode"],
)  # fmt: skip
def test_schema_violations_are_422_in_pydantics_shape(
    http: httpx.Client, path: str, body: Any, first: tuple[str, list[str], str]
) -> None:
    response = http.post(path, json=body)
    assert response.status_code == 422
    entry = response.json()["detail"][0]
    kind, loc, msg = first
    assert (entry["type"], entry["loc"]) == (kind, loc)
    assert entry["msg"].startswith(msg)
    if kind == "literal_error":
        assert entry["msg"] == f"Input should be {entry['ctx']['expected']}"
        assert entry["input"] == body[loc[-1]]


def test_the_sdk_sees_schema_violations_as_unprocessable(client: LumaAI) -> None:
    with pytest.raises(lumaai.UnprocessableEntityError, match="model"):
        client.generations.create(model="ray-1-6", prompt="an old model")  # type: ignore[arg-type]


def test_too_many_reference_images_are_refused(client: LumaAI) -> None:
    refs = [{"url": f"https://assets.mockluma-cdn.net/{n}.jpg"} for n in range(5)]
    with pytest.raises(lumaai.BadRequestError, match="at most 4 images"):
        client.generations.image.create(model="photon-1", prompt="many refs", image_ref=refs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "message"),
    [(b'{"model": "ray-2",', "Request body is not valid JSON"), (b"\xff\xfe", "not valid UTF-8")],
    ids=["truncated", "binary"],
)
def test_malformed_json_is_400(http: httpx.Client, raw: bytes, message: str) -> None:
    response = http.post(
        "/generations/video", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_an_oversized_body_is_413_and_leaves_state_alone(
    http: httpx.Client, client: LumaAI
) -> None:
    huge = {"model": "ray-2", "prompt": "abc", "padding": "x" * 2_000_000}
    response = http.post("/generations/video", json=huge)
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert client.generations.list().count == 0
    assert client.credits.get().credit_balance == 100_000.0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=abc", "Input should be a valid integer, unable to parse string as an integer"),
        ("offset=-1", "Input should be greater than or equal to 0"),
    ],
    ids=["text-limit", "negative-offset"],
)
def test_bad_list_queries_are_422(http: httpx.Client, query: str, message: str) -> None:
    response = http.get(f"/generations?{query}")
    assert response.status_code == 422
    (entry,) = response.json()["detail"]
    assert entry["loc"] == ["query", query.partition("=")[0]]
    assert entry["msg"] == message


def test_unknown_ids_and_paths_are_404_in_the_dialect(http: httpx.Client) -> None:
    missing = http.get("/generations/does-not-exist")
    assert missing.status_code == 404
    assert "does-not-exist" in missing.json()["detail"]
    nowhere = http.get("/no/such/endpoint")
    assert nowhere.status_code == 404
    assert "detail" in nowhere.json()
    wrong_method = http.put("/generations/video", json={})
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.json()["detail"]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "No API key was sent"),
        ({"Authorization": "Token abc"}, "not a bearer token"),
        ({"Authorization": "Bearer"}, "No API key was sent"),
    ],
    ids=["missing", "wrong-scheme", "empty"],
)
def test_requests_without_a_bearer_key_are_401(
    luma: MockLuma, headers: dict[str, str], message: str
) -> None:
    response = httpx.get(f"{luma.dream_machine_url}/ping", headers=headers)
    assert response.status_code == 401
    assert message in response.json()["detail"]


def test_keys_are_isolated(client: LumaAI, luma: MockLuma) -> None:
    mine = client.generations.create(model="ray-2", prompt="private")
    assert mine.id is not None
    with LumaAI(auth_token="someone-else", base_url=luma.dream_machine_url, max_retries=0) as other:
        with pytest.raises(lumaai.NotFoundError):
            other.generations.get(mine.id)
        assert other.generations.list().count == 0
        assert other.credits.get().credit_balance == 100_000.0


def test_a_server_restricted_to_given_keys_refuses_others() -> None:
    with MockLuma(api_keys={"luma-good"}) as restricted:
        with LumaAI(
            auth_token="luma-bad", base_url=restricted.dream_machine_url, max_retries=0
        ) as bad:
            with pytest.raises(lumaai.AuthenticationError) as refused:
                bad.ping.check()
            assert refused.value.body == {"detail": "Invalid API key is provided"}
        with LumaAI(
            auth_token="luma-good", base_url=restricted.dream_machine_url, max_retries=0
        ) as good:
            assert good.ping.check().message == "pong"


def test_an_empty_balance_refuses_new_generations() -> None:
    price = 174.96
    with (
        MockLuma(credits_cents=price + 1) as poor,
        LumaAI(auth_token="luma-poor", base_url=poor.dream_machine_url, max_retries=0) as sdk,
    ):
        sdk.generations.create(model="ray-2", prompt="the only one", resolution="720p")
        with pytest.raises(lumaai.APIStatusError) as refused:
            sdk.generations.create(model="ray-2", prompt="one too many", resolution="720p")
        assert refused.value.status_code == 402
        assert "Insufficient credits" in refused.value.body["detail"]  # type: ignore[index]
        assert sdk.credits.get().credit_balance == pytest.approx(1.0)
        assert sdk.generations.list().count == 1


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"model":"photon-1","prompt":"abc","sync_timeout":Infinity}', "Infinity is not a JSON number"),
        (b'{"model":"photon-1","prompt":"abc","image_ref":[{"weight":NaN}]}', "NaN is not a JSON number"),
        (b'{"model":"photon-1","prompt":"abc","modify_image_ref":{"weight":1e999}}', "Out of range float"),
        (b'{"model":"photon-1","prompt":"\\ud800abc"}', "not valid UTF-8"),
        (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (b'{"model":"photon-1","prompt":"abc","x":' + b"9" * 5000 + b"}", "not acceptable JSON"),
    ],
    ids=["infinity", "nan", "overflow", "lone-surrogate", "deep", "huge-integer"],
)  # fmt: skip
def test_json_that_cannot_be_echoed_back_is_refused_without_charging(
    http: httpx.Client, client: LumaAI, raw: bytes, message: str
) -> None:
    response = http.post(
        "/generations/image", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert client.credits.get().credit_balance == 100_000.0
    assert client.generations.list().count == 0


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/generations/video", {"model": "ray-2", "prompt": "abc", "callback_url": "http://[::1"}, 422),
        ("/generations/video", {"model": "ray-2", "prompt": "abc", "duration": "²s"}, 422),
        ("/generations/image", {"model": "photon-1"}, 201),
        ("/generations/image", {"model": "photon-1", "style_ref": [{"url": "https://assets.mockluma-cdn.net/s.jpg"}] * 6}, 201),
    ],
    ids=["broken-ipv6-callback", "odd-digit-duration", "image-without-prompt", "many-style-refs"],
)  # fmt: skip
def test_odd_but_harmless_inputs_get_a_4xx_or_work(
    http: httpx.Client, path: str, body: dict[str, Any], status: int
) -> None:
    assert http.post(path, json=body).status_code == status


@pytest.mark.parametrize(
    "query",
    [
        "limit=99999999999999999999999",
        "offset=99999999999999999999",
        "limit=9223372036854775807&offset=1",
    ],
)
def test_huge_list_windows_are_just_empty_or_short(http: httpx.Client, query: str) -> None:
    http.post("/generations/video", json={"model": "ray-2", "prompt": "one"})
    response = http.get(f"/generations?{query}")
    assert response.status_code == 200
    assert response.json()["count"] <= 1
