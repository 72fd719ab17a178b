"""What Dream Machine refuses, through the official ``lumaai`` SDK: Luma's documented
sentences verbatim, and request-schema failures as pydantic's 422 list (what a FastAPI service
answers, and what the Vercel AI SDK's Luma provider parses)."""

from __future__ import annotations

from typing import Any

import httpx
import lumaai
import pytest
from lumaai import LumaAI

from mockluma.handle import MockLuma
from mockluma.surfaces.dream_machine import errors


def detail_of(caught: pytest.ExceptionInfo[lumaai.APIStatusError]) -> Any:
    body = caught.value.body
    assert isinstance(body, dict)
    return body["detail"]


def test_a_wrong_key_gets_the_documented_sentence() -> None:
    with (
        MockLuma(in_process=True, api_keys={"the-right-key"}) as restricted,
        LumaAI(
            auth_token="a-wrong-key",
            base_url=restricted.dream_machine_url,
            max_retries=0,
            http_client=httpx.Client(transport=restricted.sync_transport()),
        ) as sdk,
        pytest.raises(lumaai.AuthenticationError) as caught,
    ):
        sdk.generations.list()
    assert caught.value.status_code == 401
    assert detail_of(caught) == "Invalid API key is provided"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"prompt": "hi"}, "Prompt is too short, minimum length is 3 characters"),
        ({"prompt": "x" * 5001}, "Prompt is too long, maximum length is 5000 characters"),
        ({}, "Prompt is required"),
        ({"prompt": "a calm sea", "keyframes": {}}, "No keyframes provided"),
        (
            {
                "prompt": "a calm sea",
                "loop": True,
                "keyframes": {
                    "frame0": {"type": "image", "url": "https://cdn.luma-mock.net/a.jpg"},
                    "frame1": {"type": "image", "url": "https://cdn.luma-mock.net/b.jpg"},
                },
            },
            "Loop is not supported for keyframes",
        ),
    ],
    ids=["too-short", "too-long", "no-prompt", "no-keyframes", "loop-keyframes"],
)
def test_documented_400_sentences_stay_verbatim(
    client: LumaAI, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(lumaai.BadRequestError) as caught:
        client.generations.create(model="ray-2", **options)
    assert detail_of(caught) == message


@pytest.mark.parametrize(
    ("options", "loc", "kind", "msg"),
    [
        ({"resolution": "1080"}, ["body", "resolution"], "literal_error", "Input should be '540p', '720p', '1080p' or '4k'"),
        ({"duration": "10s"}, ["body", "duration"], "literal_error", "Input should be '5s' or '9s'"),
        ({"aspect_ratio": "2:1"}, ["body", "aspect_ratio"], "literal_error", "Input should be '1:1', '16:9', '9:16', '4:3', '3:4', '21:9' or '9:21'"),
        ({"concepts": [{"key": "barrel_roll"}]}, ["body", "concepts", 0, "key"], "literal_error", "Input should be 'truck_left'"),
        ({"loop": "yes"}, ["body", "loop"], "bool_type", "Input should be a valid boolean"),
        ({"keyframes": {"frame0": {"type": "image", "url": ""}}}, ["body", "keyframes", "frame0", "url"], "url_parsing", "Input should be a valid URL, input is empty"),
        ({"keyframes": {"frame0": {"type": "image", "url": "file:///tmp/a.jpg"}}}, ["body", "keyframes", "frame0", "url"], "url_scheme", "URL scheme should be 'http' or 'https'"),
        ({"callback_url": "not a url"}, ["body", "callback_url"], "url_parsing", "Input should be a valid URL, relative URL without a base"),
    ],
    ids=["resolution-1080", "duration-10s", "aspect", "concept", "loop-type", "empty-url", "file-url", "callback"],
)  # fmt: skip
def test_schema_failures_are_422_lists(
    client: LumaAI, options: dict[str, Any], loc: list[Any], kind: str, msg: str
) -> None:
    with pytest.raises(lumaai.UnprocessableEntityError) as caught:
        client.generations.create(model="ray-2", prompt="a calm sea", **options)
    (entry, *_) = detail_of(caught)
    assert (entry["type"], entry["loc"]) == (kind, loc)
    assert entry["msg"].startswith(msg)
    assert set(entry) <= {"type", "loc", "msg", "input", "ctx"}
    assert client.generations.list().generations == []  # nothing was created or charged


def test_an_unknown_model_names_the_expected_values_in_ctx(client: LumaAI) -> None:
    with pytest.raises(lumaai.UnprocessableEntityError) as caught:
        client.generations.image.create(model="photon-2", prompt="a still")  # type: ignore[arg-type]
    assert detail_of(caught) == [
        {
            "type": "literal_error",
            "loc": ["body", "model"],
            "msg": "Input should be 'photon-1' or 'photon-flash-1'",
            "input": "photon-2",
            "ctx": {"expected": "'photon-1' or 'photon-flash-1'"},
        }
    ]


def test_a_missing_field_is_field_required(client: LumaAI) -> None:
    with pytest.raises(lumaai.UnprocessableEntityError) as caught:
        # The SDK's own signature requires mode; its low-level post does not.
        client.post(
            "/generations/video/modify",
            body={
                "generation_type": "modify_video",
                "media": {"url": "https://cdn.luma-mock.net/in.mp4"},
                "model": "ray-2",
            },
            cast_to=object,
        )
    (entry,) = detail_of(caught)
    assert (entry["type"], entry["loc"], entry["msg"]) == (
        "missing",
        ["body", "mode"],
        "Field required",
    )


@pytest.mark.parametrize(
    ("model", "resolution"),
    [("ray-2", "540p"), ("ray-2", "720p"), ("ray-2", "1080p"), ("ray-2", "4k"),
     ("ray-flash-2", "540p"), ("ray-flash-2", "720p"), ("ray-flash-2", "1080p")],
)  # fmt: skip
def test_every_resolution_a_model_offers_is_accepted(
    client: LumaAI, model: str, resolution: str
) -> None:
    generation = client.generations.create(
        model=model,  # type: ignore[arg-type]
        prompt="a calm sea",
        resolution=resolution,
        duration="9s",
    )
    assert generation.request.resolution == resolution  # type: ignore[union-attr]


def test_4k_is_ray_2s_only(client: LumaAI) -> None:
    with pytest.raises(lumaai.BadRequestError) as caught:
        client.generations.create(model="ray-flash-2", prompt="a calm sea", resolution="4k")
    assert detail_of(caught) == (
        "Resolution 4k is not supported for ray-flash-2; use 540p, 720p, 1080p"
    )


def test_the_expected_words_are_pydantics() -> None:
    assert errors.expected_words(["a"]) == "'a'"
    assert errors.expected_words(["a", "b", "c"]) == "'a', 'b' or 'c'"
