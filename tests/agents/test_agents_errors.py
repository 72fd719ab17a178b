"""Every documented refusal of the Agents API, in its dialect (``{"detail": "..."}``), with its
headers; and no malformed input ever answered with a 5xx."""

from __future__ import annotations

import io
import json
import os
import random
from typing import Any

import httpx
import luma_agents
import pytest
from luma_agents import Luma
from PIL import Image

from mockluma.handle import MockLuma
from mockluma.surfaces.agents import catalog

from .helpers import as_base64, image_bytes

UNKNOWN_ID = "d290f1ee-6c54-4b01-90e6-d701748f0851"
PNG: dict[str, Any] = {"data": as_base64(image_bytes()), "media_type": "image/png"}
VIDEO: dict[str, Any] = {"model": "ray-3.2", "type": "video", "prompt": "a clip"}
ENDPOINTS = [
    ("POST", "/generations"),
    ("GET", f"/generations/{UNKNOWN_ID}"),
    ("POST", "/files"),
    ("GET", "/files"),
    ("GET", f"/files/{UNKNOWN_ID}"),
    ("DELETE", f"/files/{UNKNOWN_ID}"),
    ("POST", f"/files/{UNKNOWN_ID}/complete"),
]


# -- authentication and account ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "status", "detail"),
    [
        (None, 401, "Missing or invalid API key"),
        ("Bearer", 401, "Missing or invalid API key"),
        ("bearer luma-api-test-key", 401, "Missing or invalid API key"),
        ("Basic bHVtYTpsdW1h", 401, "Missing or invalid API key"),
        ("Bearer sk-not-a-luma-key", 401, "Missing or invalid API key"),
        ("Bearer luma-api-invalid-1", 401, "Invalid API key"),
        ("Bearer luma-api-revoked-1", 401, "API key has been revoked"),
        ("Bearer luma-api-expired-1", 401, "API key has expired"),
        ("Bearer luma-api-suspended-1", 403, "API client is suspended"),
        ("Bearer luma-api-deactivated-1", 403, "API client is deactivated"),
    ],
    ids=["none", "no-token", "lowercase-scheme", "basic", "foreign-key", "invalid", "revoked", "expired", "suspended", "deactivated"],
)  # fmt: skip
@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_authentication_refusals_on_every_endpoint(
    luma: MockLuma,
    web: httpx.Client,
    authorization: str | None,
    status: int,
    detail: str,
    method: str,
    path: str,
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = web.request(method, f"{luma.url}/v1{path}", headers=headers, json={})
    assert response.status_code == status
    assert response.json() == {"detail": detail}
    assert response.headers["x-api-version"] == "2026-04-01"
    assert response.headers["x-request-id"]


def test_the_sdk_raises_its_documented_exceptions(luma: MockLuma) -> None:
    def client(key: str) -> Luma:
        return Luma(auth_token=key, base_url=f"{luma.url}/v1", max_retries=0)

    with pytest.raises(luma_agents.AuthenticationError) as revoked:
        client("luma-api-revoked-7").generations.create(prompt="x")
    assert revoked.value.body == {"detail": "API key has been revoked"}
    with pytest.raises(luma_agents.PermissionDeniedError) as suspended:
        client("luma-api-suspended-7").files.list()
    assert suspended.value.status_code == 403


def test_a_server_restricted_to_given_keys_refuses_others() -> None:
    with MockLuma(api_keys={"luma-api-good"}) as restricted, httpx.Client() as web:
        url = f"{restricted.url}/v1/files"
        refused = web.get(url, headers={"Authorization": "Bearer luma-api-other"})
        assert (refused.status_code, refused.json()) == (401, {"detail": "Invalid API key"})
        allowed = web.get(url, headers={"Authorization": "Bearer luma-api-good"})
        assert allowed.json() == {"data": [], "has_more": False, "next_cursor": None}


def test_insufficient_balance_is_a_402_and_nothing_is_queued(agents: Luma, luma: MockLuma) -> None:
    luma.reset(credits_cents=4.0)  # a uni-1 image costs 4.04 cents
    with pytest.raises(luma_agents.APIStatusError) as refused:
        agents.generations.create(prompt="one image too many")
    assert refused.value.status_code == 402
    assert refused.value.body == {"detail": "Insufficient credits. Please add credits to continue."}
    assert luma.journal.count(method="POST", status=201) == 0


@pytest.mark.parametrize(
    "generation_id",
    [UNKNOWN_ID, "not-a-uuid", "..%2F..%2Fetc"],
    ids=["unknown", "not-uuid", "path"],
)
def test_an_unknown_generation_is_not_found(agents: Luma, generation_id: str) -> None:
    with pytest.raises(luma_agents.NotFoundError) as missing:
        agents.generations.get(generation_id)
    assert missing.value.body == {"detail": "Generation not found"}


def test_another_keys_generation_is_not_found(agents: Luma, luma: MockLuma) -> None:
    mine = agents.generations.create(prompt="private")
    with Luma(auth_token="luma-api-other", base_url=f"{luma.url}/v1", max_retries=0) as other:
        with pytest.raises(luma_agents.NotFoundError) as missing:
            other.generations.get(mine.id)
        assert missing.value.body == {"detail": "Generation not found"}
        with pytest.raises(luma_agents.BadRequestError) as refused:
            other.generations.create(
                type="image_edit", prompt="x", source={"generation_id": mine.id}
            )
        assert refused.value.body == {"detail": f"source: generation {mine.id} not found"}


# -- create: Luma's documented texts ---------------------------------------------------------

DOCUMENTED: list[tuple[dict[str, Any], int, str]] = [
    ({"prompt": "x", "model": "super-model-v9"}, 400, "Unknown model: super-model-v9"),
    ({"prompt": "x", "type": "video"}, 400, "Type 'video' is not supported for model 'uni-1'"),
    ({"prompt": "x", "type": "image", "model": "ray-3.2"}, 400, "Type 'image' is not supported for model 'ray-3.2'"),
    ({"prompt": "x", "type": "layering", "model": "uni-1-max", "source": PNG}, 400, "Type 'layering' is not supported for model 'uni-1-max'"),
    ({"prompt": "x", "aspect_ratio": "4:3"}, 400, "Invalid aspect_ratio '4:3'. Valid: 1:1, 1:2, 1:3, 16:9, 2:1, 2:3, 3:1, 3:2, 9:16"),
    ({"prompt": "x", "aspect_ratio": "5:4"}, 400, "Invalid aspect_ratio '5:4'. Valid: 1:1, 1:2, 1:3, 16:9, 2:1, 2:3, 3:1, 3:2, 9:16"),
    ({**VIDEO, "aspect_ratio": "2:1"}, 400, "Invalid aspect_ratio '2:1'. Valid: 1:1, 16:9, 21:9, 3:4, 4:3, 9:16"),
    ({"prompt": ""}, 400, "Prompt must be between 1 and 6000 characters"),
    ({"prompt": "x" * 6001}, 400, "Prompt must be between 1 and 6000 characters"),
    ({"prompt": "x", "image_ref": [{"url": "https://example.com/a.png", "data": "aGk="}]}, 400, "image_ref[0]: provide either 'url' or 'data', not both"),
    ({"prompt": "x", "image_ref": [PNG, {}]}, 400, "image_ref[1]: provide either 'url' or 'data', not neither"),
    ({"prompt": "x", "type": "image_edit", "source": {"data": PNG["data"]}}, 400, "source: 'media_type' is required with 'data'"),
    ({"prompt": "x", "image_ref": [{"data": PNG["data"]}]}, 400, "image_ref[0]: 'media_type' is required with 'data'"),
    ({"prompt": "x", "type": "image_edit", "source": PNG, "image_ref": [PNG] * 9}, 400, "image_edit supports up to 8 reference images (source occupies one slot)"),
    ({"prompt": "x", "source": PNG}, 400, "source is only valid for type 'image_edit'"),
    ({"prompt": "x", "type": "image_edit"}, 400, "source is required for type 'image_edit'"),
    ({"prompt": "x", "image_ref": [{"data": "%%%", "media_type": "image/png"}]}, 422, "image_ref[0]: invalid base64 data"),
    ({"prompt": "x", "type": "image_edit", "source": {"data": "not base64!", "media_type": "image/png"}}, 422, "source: invalid base64 data"),
    ({"prompt": "x", "type": "image_edit", "source": {"url": "http://assets.mockluma-cdn.net/a.png"}}, 422, "source: failed to fetch URL"),
    ({"prompt": "x", "image_ref": [{"url": "https://127.0.0.1/a.png"}]}, 422, "image_ref[0]: failed to fetch URL"),
    ({"prompt": "x", "image_ref": [{"url": "https://localhost/a.png"}]}, 422, "image_ref[0]: failed to fetch URL"),
    ({"prompt": "x", "image_ref": [{"url": "https://example.com/a.mp4", "media_type": "video/mp4"}]}, 422, "image_ref[0]: content-type is not an image"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "status", "detail"), DOCUMENTED, ids=[detail[:48] for _, _, detail in DOCUMENTED]
)
def test_documented_create_refusals(
    http: httpx.Client, body: dict[str, Any], status: int, detail: str
) -> None:
    response = http.post("/generations", json=body)
    assert response.status_code == status
    assert response.json() == {"detail": detail}
    assert "x-ratelimit-limit" not in {name.lower() for name in response.headers}


def test_an_image_over_50_mb_is_a_413(http: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    # The limit is lowered so that the test need not send 50 MB; the check is the same.
    monkeypatch.setattr(catalog, "MAX_IMAGE_BYTES", 10_000)
    noise = Image.frombytes("RGB", (100, 100), os.urandom(30_000))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    big = {"data": as_base64(buffer.getvalue()), "media_type": "image/png"}
    response = http.post("/generations", json={"prompt": "x", "image_ref": [PNG, PNG, big]})
    assert response.status_code == 413
    assert response.json()["detail"].startswith("image_ref[2]: image exceeds")


# -- create: the rules of types and video options --------------------------------------------

COMBINATIONS: list[tuple[dict[str, Any], int, str]] = [
    ({"prompt": "x", "style": "manga", "aspect_ratio": "16:9"}, 422, "style 'manga' needs a portrait aspect_ratio (2:3, 9:16, 1:2, 1:3), not '16:9'"),
    ({"prompt": "x", "image_ref": [PNG] * 10}, 400, "image supports up to 9 reference images"),
    ({"prompt": "x", "video": {"duration": "5s"}}, 400, "video options are only valid for types 'video', 'video_edit' and 'video_reframe'"),
    ({"prompt": "x", "layering": {"resolution": "1k"}}, 400, "layering options are only valid for type 'layering'"),
    ({"prompt": "x" * 501, "type": "layering", "source": PNG}, 400, "Prompt must be at most 500 characters for type 'layering'"),
    ({**VIDEO, "source": PNG}, 400, "source is not valid for type 'video'; pass an image as video.start_frame or video.keyframes, or a generation_id there to extend a video"),
    ({**VIDEO, "image_ref": [PNG]}, 400, "image_ref is only valid for types 'image' and 'image_edit'"),
    ({**VIDEO, "type": "video_reframe", "source": {"generation_id": UNKNOWN_ID}}, 400, "aspect_ratio is required for type 'video_reframe'"),
    ({**VIDEO, "video": {"exr_export": True}}, 422, "video.exr_export requires video.hdr"),
    ({**VIDEO, "video": {"hdr": True, "resolution": "540p"}}, 422, "video.hdr needs resolution '720p' or '1080p', not '540p'"),
    ({**VIDEO, "video": {"loop": True, "duration": "10s"}}, 422, "video.loop is not supported with duration '10s'"),
    ({**VIDEO, "video": {"loop": True, "hdr": True}}, 422, "video.loop is not supported with video.hdr"),
    ({**VIDEO, "video": {"loop": True, "end_frame": PNG}}, 422, "video.loop is not supported with video.end_frame"),
    ({**VIDEO, "video": {"duration": "10s", "start_frame": PNG}}, 422, "duration '10s' is not supported with video.start_frame or video.end_frame; use video.keyframes for a 10s image-to-video"),
    ({**VIDEO, "video": {"duration": "10s", "hdr": True}}, 422, "video.hdr is not supported with duration '10s' unless the video uses video.keyframes"),
    ({**VIDEO, "video": {"keyframes": [PNG], "start_frame": PNG}}, 422, "video.keyframes cannot be combined with video.start_frame or video.end_frame"),
    ({**VIDEO, "video": {"keyframes": [PNG], "loop": True}}, 422, "video.loop cannot be combined with video.keyframes"),
    ({**VIDEO, "video": {"keyframes": [PNG, PNG]}}, 422, "video.keyframe_indexes is required with more than one keyframe: one index per keyframe"),
    ({**VIDEO, "video": {"keyframes": [PNG, PNG], "keyframe_indexes": [0]}}, 422, "video.keyframe_indexes must have one entry per keyframe (2), not 1"),
    ({**VIDEO, "video": {"keyframes": [PNG, PNG], "keyframe_indexes": [3, 3]}}, 422, "video.keyframe_indexes must not repeat a frame position"),
    ({**VIDEO, "video": {"keyframes": [PNG, PNG], "keyframe_indexes": [0, 121]}}, 422, "video.keyframe_indexes must be frame positions between 0 and 120 for a 5s video"),
    ({**VIDEO, "video": {"keyframe_indexes": [0]}}, 422, "video.keyframe_indexes needs video.keyframes"),
    ({**VIDEO, "video": {"edit": {"strength": "flex_1"}}}, 422, "video.edit is not valid for type 'video'"),
    ({**VIDEO, "video": {"source_position": {"x_norm": 0, "y_norm": 0, "w_norm": 1, "h_norm": 1}}}, 422, "video.source_position is not valid for type 'video'"),
    ({**VIDEO, "video": {"start_frame": {"generation_id": UNKNOWN_ID}, "hdr": True}}, 422, "Extending a video (a generation_id frame) does not support video.hdr"),
    ({**VIDEO, "video": {"start_frame": {"generation_id": UNKNOWN_ID}}}, 400, f"video.start_frame: generation {UNKNOWN_ID} not found"),
    ({**VIDEO, "video": {"keyframes": [PNG] * 65, "keyframe_indexes": list(range(65))}}, 400, "Field 'video.keyframes' is out of range: it must have at most 64 items, not 65."),
    ({**VIDEO, "type": "video_edit", "source": {"url": "https://example.com/a.mp4"}}, 400, "source: 'media_type' is required with 'url' for a video source (for example video/mp4)"),
    ({**VIDEO, "type": "video_edit", "source": PNG}, 422, "source: content-type is not a video"),
    ({**VIDEO, "type": "video_edit", "source": {"data": PNG["data"], "media_type": "video/mp4"}}, 422, "source: data is not a valid video"),
    ({**VIDEO, "type": "video_edit", "source": {"url": "https://example.com/a.mp4", "media_type": "video/mp4"}, "video": {"duration": "5s"}}, 422, "video.duration cannot be set for type 'video_edit': the output is as long as the source"),
    ({**VIDEO, "type": "video_edit", "source": {"url": "https://e.com/a.mp4", "media_type": "video/mp4"}, "video": {"keyframes": [PNG]}}, 422, "video.keyframes is only valid for type 'video'; use video.edit.keyframes for type 'video_edit'"),
    ({**VIDEO, "type": "video_edit", "source": {"url": "https://e.com/a.mp4", "media_type": "video/mp4"}, "video": {"loop": True}}, 422, "video.loop is not valid for type 'video_edit'"),
    ({**VIDEO, "type": "video_edit", "source": {"url": "https://e.com/a.mp4", "media_type": "video/mp4"}, "video": {"edit": {"auto_controls": True, "strength": "adhere_1"}}}, 422, "video.edit.auto_controls cannot be combined with strength or controls"),
    ({**VIDEO, "type": "video_edit", "source": {"url": "https://e.com/a.mp4", "media_type": "video/mp4"}, "video": {"start_frame": PNG, "edit": {"keyframes": [PNG]}}}, 422, "video.edit.keyframes cannot be combined with video.start_frame"),
    ({**VIDEO, "type": "video_edit", "source": {"url": "https://e.com/a.mp4", "media_type": "video/mp4"}, "video": {"edit": {"keyframes": [PNG], "keyframe_indexes": [200]}}}, 422, "video.edit.keyframe_indexes must be frame positions between 0 and 120 for the source video"),
    ({**VIDEO, "type": "video_reframe", "aspect_ratio": "9:16", "source": {"url": "https://e.com/a.mp4", "media_type": "video/mp4"}, "video": {"hdr": True}}, 422, "video.hdr and video.exr_export are not supported for type 'video_reframe'"),
    ({**VIDEO, "type": "video_reframe", "aspect_ratio": "9:16", "source": {"url": "https://e.com/a.mp4", "media_type": "video/mp4"}, "video": {"start_frame": PNG}}, 422, "video.start_frame is not valid for type 'video_reframe'"),
    ({**VIDEO, "type": "video_reframe", "aspect_ratio": "9:16", "source": {"url": "https://e.com/a.mp4", "media_type": "video/mp4"}, "video": {"resolution": "1080p"}}, 422, "1080p is coming soon for reframes to a vertical aspect_ratio (9:16, 3:4); use 720p for now"),
    ({**VIDEO, "type": "video_reframe", "aspect_ratio": "9:16", "source": {"url": "https://e.com/a.mp4", "media_type": "video/mp4"}, "video": {"source_position": {"x_norm": -3, "y_norm": 0, "w_norm": 1, "h_norm": 1}}}, 400, "Field 'video.source_position.x_norm' is out of range: -3 is less than the minimum of -2."),
    ({"prompt": "x", "image_ref": [{"url": "https://e.com/a.png", "file_id": UNKNOWN_ID}]}, 400, "image_ref[0]: provide exactly one of 'url', 'data', 'generation_id' or 'file_id', not 2 of them"),
    ({"prompt": "x", "image_ref": [{"file_id": UNKNOWN_ID}]}, 400, f"image_ref[0]: file {UNKNOWN_ID} not found"),
    ({"prompt": "x", "image_ref": [{"data": as_base64(b"plain text"), "media_type": "image/png"}]}, 422, "image_ref[0]: data is not a valid image"),
    ({"prompt": "x", "user_id": "u" * 257}, 400, "Field 'user_id' is out of range: it must have at most 256 characters, not 257."),
    ({"prompt": "x", "type": "collage"}, 400, 'Field \'type\' must be one of "image", "image_edit", "video", "video_edit", "video_reframe", "layering", not "collage".'),
    ({"prompt": 7}, 400, "Field 'prompt' must be of type string, not number."),
    ({"type": "image"}, 400, "Field 'prompt' is required."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    COMBINATIONS,
    ids=[f"{index}-{detail[:40]}" for index, (_, _, detail) in enumerate(COMBINATIONS)],
)
def test_refused_combinations(
    http: httpx.Client, body: dict[str, Any], status: int, detail: str
) -> None:
    response = http.post("/generations", json=body)
    assert response.status_code == status, response.text
    assert response.json()["detail"].startswith(detail)


def test_a_source_must_be_a_completed_generation_of_the_right_kind(
    agents: Luma, http: httpx.Client, luma: MockLuma
) -> None:
    image = agents.generations.create(prompt="a still")
    edit = {"type": "image_edit", "prompt": "x", "source": {"generation_id": image.id}}
    pending = http.post("/generations", json=edit)
    assert pending.json() == {
        "detail": f"source: generation {image.id} is not completed (state: queued); wait until "
        "it is, then try again"
    }
    luma.advance(3600)
    as_video = http.post(
        "/generations", json={**VIDEO, "type": "video_edit", "source": {"generation_id": image.id}}
    )
    assert as_video.json() == {
        "detail": f"source: generation {image.id} has no video output; only a video generation "
        "can be used here"
    }
    assert http.post("/generations", json=edit).status_code == 201


def test_own_media_urls_are_accepted_until_they_expire(
    agents: Luma, http: httpx.Client, luma: MockLuma
) -> None:
    image = agents.generations.create(prompt="a still", aspect_ratio="9:16")
    luma.advance(3600)
    done = agents.generations.get(image.id)
    assert done.output is not None
    url = done.output[0].url
    edit = {"type": "image_edit", "prompt": "x", "source": {"url": url}}
    assert http.post("/generations", json=edit).status_code == 201
    luma.advance(3601)
    expired = http.post("/generations", json=edit)
    assert expired.json() == {"detail": "source: failed to fetch URL (HTTP 403)"}
    missing = {**edit, "source": {"url": f"{luma.url}/_mockluma/media/x/image/nope.png"}}
    assert http.post("/generations", json=missing).json() == {
        "detail": "source: failed to fetch URL (HTTP 404)"
    }


# -- headers and malformed input -------------------------------------------------------------


def test_every_response_carries_a_request_id_and_the_api_version(
    http: httpx.Client, web: httpx.Client, luma: MockLuma
) -> None:
    echoed = http.get("/files", headers={"X-Request-Id": "myapp-user42-batch7-req003"})
    assert echoed.headers["x-request-id"] == "myapp-user42-batch7-req003"
    assert echoed.headers["x-api-version"] == "2026-04-01"
    seen = set()
    for method, path in [
        ("GET", "/files"),
        ("GET", "/nowhere"),
        ("PUT", "/files"),
        ("POST", "/generations"),
    ]:
        response = http.request(method, path, content=b"{")
        assert response.status_code < 500
        assert response.headers["x-api-version"] == "2026-04-01"
        seen.add(response.headers["x-request-id"])
    assert len(seen) == 4  # a new id for each request that brings none
    not_here = http.get("/nowhere")
    assert (not_here.status_code, not_here.json()["detail"]) == (
        404,
        "There is no endpoint at /v1/nowhere. Check the path and the base URL.",
    )
    wrong_method = http.put("/files")
    assert wrong_method.status_code == 405
    assert "detail" in wrong_method.json()
    # Other APIs keep their own headers.
    assert "x-api-version" not in web.get(f"{luma.url}/dream-machine/v1/ping").headers


@pytest.mark.parametrize(
    ("path", "content", "status", "start"),
    [
        ("/generations", b"{", 400, "Request body is not valid JSON"),
        ("/generations", b"[1, 2]", 400, "The request body must be a JSON object, not array."),
        ("/generations", b'"prompt"', 400, "The request body must be a JSON object, not string."),
        ("/generations", b'{"prompt": NaN}', 400, "Request body is not acceptable JSON"),
        ("/generations", b"\xff\xfe", 400, "Request body is not valid UTF-8 JSON."),
        ("/generations", b"[" * 5000 + b"]" * 5000, 400, "Request body is not acceptable JSON"),
        ("/files", b'{"mime_type": "image/png", "size_bytes": "10"}', 400, "Field 'size_bytes' must be of type integer"),
        ("/files", b'{"mime_type": "image/png", "size_bytes": 1.5}', 400, "Field 'size_bytes' must be of type integer"),
        ("/files", b"{" + b" " * 2_000_000 + b"}", 413, "Request body is too large"),
    ],
    ids=["truncated", "array", "string", "nan", "not-utf8", "deep", "string-size", "float-size", "oversized"],
)  # fmt: skip
def test_malformed_bodies_are_4xx_in_the_dialect(
    http: httpx.Client, path: str, content: bytes, status: int, start: str
) -> None:
    response = http.post(path, content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    assert response.json()["detail"].startswith(start)


_FIELDS = [
    "prompt", "type", "model", "aspect_ratio", "source", "image_ref", "video", "layering",
    "style", "output_format", "web_search", "user_id", "mime_type", "size_bytes",
]  # fmt: skip
_VALUES: list[Any] = [
    None, True, 0, -1, 2**70, 1.5, "", "x", [], {}, [None], {"": None},
    "image", "image_edit", "video", "video_edit", "video_reframe", "layering", "uni-1",
    "ray-3.2", "16:9", "9:16", "a prompt", "image/png", 10,
    {"url": "https://e.com/a.png"}, PNG, {"generation_id": UNKNOWN_ID}, {"file_id": "x"},
    {"keyframes": [PNG]}, {"keyframes": [PNG, PNG], "keyframe_indexes": [0, "1"]},
    {"edit": {"keyframes": [PNG], "controls": {"pose": {"strength": 3}}}},
    {"duration": "10s", "hdr": True}, {"source_position": {"x_norm": "0"}},
    [{"url": None, "data": None}], [PNG, {"media_type": "video/mp4", "data": "AAAA"}],
]  # fmt: skip


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    if depth < 2 and rng.random() < 0.3:
        if rng.random() < 0.5:
            return [_random_value(rng, depth + 1) for _ in range(rng.randrange(3))]
        keys = rng.sample([*_FIELDS, "url", "data", "media_type", "resolution"], 2)
        return {key: _random_value(rng, depth + 1) for key in keys}
    return rng.choice(_VALUES)


def test_no_body_makes_the_mock_fail(http: httpx.Client, luma: MockLuma) -> None:
    # A seeded fuzz over the fields and the shapes they take; every answer must be a 4xx (or a
    # success) in the dialect, and nothing may crash inside the mock.
    rng = random.Random(6)
    for _ in range(300):
        fields = rng.sample(_FIELDS, rng.randrange(1, 7))
        body = {field: _random_value(rng) for field in fields}
        path = rng.choice(["/generations", "/files"])
        response = http.post(path, content=json.dumps(body))
        assert response.status_code < 500, (body, response.text)
        if response.status_code >= 400:
            assert isinstance(response.json()["detail"], str)
    assert luma.take_errors() == []
