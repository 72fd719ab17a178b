"""UmamiAI's create → fetch → completed → download loop and extend, as its docs' examples run
them (``requests``-style calls with a bearer key)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

import av
import httpx
import pytest

from mockluma.handle import MockLuma
from mockluma.schemas import store as schema_store
from mockluma.surfaces.umami import catalog

GENERATIONS = "/luma-ai/generations"
FETCH = "/luma-ai/generation"
# The payload of the docs' Python example, verbatim.
JELLYFISH: dict[str, Any] = {
    "aspect_ratio": "16:9",
    "expand_prompt": True,
    "user_prompt": "Flying jellyfish",
}


def probe_video(data: bytes, *, every_frame: bool = False) -> tuple[int, int, float]:
    """Width and height of the first decoded frame, and the duration in seconds (24 fps): of
    every frame decoded by FFmpeg (through PyAV) if asked, else as the container counts them."""
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.video[0]
        frames = container.decode(stream)
        first = next(frames)
        count = 1 + sum(1 for _ in frames) if every_frame else stream.frames
        return first.width, first.height, count / 24


def conforms(schema: str, body: Any) -> Any:
    problem = schema_store.first_error(f"umami/{schema}", body)
    assert problem is None, schema_store.describe(problem)
    return body


def create(umami: httpx.Client, path: str = GENERATIONS, **body: Any) -> dict[str, Any]:
    response = umami.post(path, json=body)
    assert response.status_code == 201, response.text
    generation: dict[str, Any] = conforms("generation.response.json", response.json())
    return generation


def fetch(umami: httpx.Client, params: Any) -> list[dict[str, Any]]:
    response = umami.get(FETCH, params=params)
    assert response.status_code == 200, response.text
    generations: list[dict[str, Any]] = conforms("generations.response.json", response.json())
    return generations


def test_a_generation_goes_pending_processing_completed_and_downloads(
    umami: httpx.Client, luma: MockLuma
) -> None:
    created = create(umami, **JELLYFISH)
    assert created["state"] == "pending"
    assert created["prompt"] == "Flying jellyfish"
    assert (created["video"], created["liked"], created["estimate_wait_seconds"]) == (None,) * 3
    assert list(created) == [
        "id", "prompt", "state", "created_at", "video", "liked", "estimate_wait_seconds"
    ]  # fmt: skip

    states = [created["state"]]
    for _ in range(200):
        luma.advance(3)
        [generation] = fetch(umami, {"ids[0]": created["id"]})
        if generation["state"] != states[-1]:
            states.append(generation["state"])
        if generation["state"] == "completed":
            break
    assert states == ["pending", "processing", "completed"]
    assert generation["created_at"] == created["created_at"]

    video = generation["video"]
    download = httpx.get(video["url"])
    assert download.headers["content-type"] == "video/mp4"
    width, height, seconds = probe_video(download.content, every_frame=True)
    assert (width, height) == (video["width"], video["height"])
    assert width / height == pytest.approx(16 / 9, rel=0.01)
    assert seconds == pytest.approx(5, abs=0.1)
    assert httpx.get(video["thumbnail"]).headers["content-type"] == "image/jpeg"


def test_created_at_has_microseconds_a_z_and_the_simulated_time(
    umami: httpx.Client, luma: MockLuma
) -> None:
    raw = create(umami, user_prompt="a clock")["created_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", raw)
    moment = datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert abs((moment - luma.clock).total_seconds()) < 0.001


@pytest.mark.parametrize(
    ("aspect_ratio", "ratio"),
    [(None, 16 / 9), ("9:16", 9 / 16), ("1:1", 1.0), ("4:3", 4 / 3), ("9:21", 9 / 21)],
    ids=["default", "portrait", "square", "four-three", "tall"],
)
def test_video_dimensions_match_the_aspect_ratio(
    umami: httpx.Client, luma: MockLuma, aspect_ratio: str | None, ratio: float
) -> None:
    body: dict[str, Any] = {"user_prompt": "waves on a beach"}
    if aspect_ratio is not None:
        body["aspect_ratio"] = aspect_ratio
    created = create(umami, **body)
    luma.advance(3600)
    [done] = fetch(umami, {"ids": created["id"]})
    assert done["video"]["width"] / done["video"]["height"] == pytest.approx(ratio, rel=0.01)
    width, height, _ = probe_video(httpx.get(done["video"]["url"]).content)
    assert (width, height) == (done["video"]["width"], done["video"]["height"])


def test_image_urls_are_accepted_as_in_the_curl_example(umami: httpx.Client) -> None:
    created = create(
        umami,
        aspect_ratio="16:9",
        expand_prompt=True,
        image_end_url="https://example.com/image-end.jpg",
        image_url="https://example.com/main-image.jpg",
        user_prompt="A beautiful sunset over the ocean",
    )
    assert created["state"] == "pending"
    assert create(umami, user_prompt="inline", image_url="data:image/png;base64,iVBORw0KGgo=")


@pytest.mark.parametrize(
    "form",
    ["indexed", "brackets", "comma", "repeated"],
)
def test_several_generations_are_fetched_in_every_id_form(
    umami: httpx.Client, luma: MockLuma, form: str
) -> None:
    ids = [create(umami, user_prompt=f"scene {n}")["id"] for n in range(3)]
    luma.advance(3600)
    wanted = [ids[2], ids[0], ids[1]]
    params: Any = {
        "indexed": [(f"ids[{n}]", value) for n, value in enumerate(wanted)],
        "brackets": [("ids[]", value) for value in wanted],
        "comma": {"ids": ",".join(wanted)},
        "repeated": [("ids", value) for value in wanted],
    }[form]
    generations = fetch(umami, params)
    assert [generation["id"] for generation in generations] == wanted
    assert {generation["state"] for generation in generations} == {"completed"}


def test_indexed_ids_come_back_in_index_order_and_once(umami: httpx.Client) -> None:
    one, two = (create(umami, user_prompt=prompt)["id"] for prompt in ("one", "two"))
    # ids[10] sorts after ids[2] (numerically, not as text).
    query = f"ids[10]={one}&ids[2]={two}&ids[3]={two}"
    assert [g["id"] for g in fetch(umami, httpx.QueryParams(query))] == [two, one]


def test_extend_continues_a_completed_generation(umami: httpx.Client, luma: MockLuma) -> None:
    parent = create(umami, user_prompt="Flying jellyfish", aspect_ratio="9:16")
    luma.advance(3600)
    # The docs' extend payload: the 16:9 it names does not change the parent's frame.
    extension = create(
        umami,
        f"{GENERATIONS}/{parent['id']}/extend",
        aspect_ratio="16:9",
        expand_prompt=True,
        user_prompt="Flying jellyfish with a hat",
    )
    assert extension["id"] != parent["id"]
    assert (extension["state"], extension["prompt"]) == ("pending", "Flying jellyfish with a hat")
    luma.advance(3600)
    [done, still] = fetch(umami, {"ids": f"{extension['id']},{parent['id']}"})
    assert done["state"] == "completed"
    assert still["video"]["url"] != done["video"]["url"]
    width, height, seconds = probe_video(httpx.get(done["video"]["url"]).content)
    assert width / height == pytest.approx(9 / 16, rel=0.01)
    assert seconds == pytest.approx(9, abs=0.1)  # five seconds longer: the 9 s fixture


def test_a_failed_generation_says_why_and_gives_the_tokens_back(
    umami: httpx.Client, luma: MockLuma
) -> None:
    key = umami.headers["Authorization"].removeprefix("Bearer ")
    start = luma.simulation.balance(catalog.SURFACE, key)
    created = create(umami, user_prompt="a doomed dream [mockluma:fail=job]")
    assert luma.simulation.balance(catalog.SURFACE, key) == start - catalog.TOKENS_PER_GENERATION
    luma.advance(3600)
    [failed] = fetch(umami, {"ids[0]": created["id"]})
    assert failed["state"] == "failed"
    assert failed["video"] is None
    assert failed["failure_reason"] == catalog.FAILURES["job"].reason
    assert luma.simulation.balance(catalog.SURFACE, key) == start
    refused = umami.post(f"{GENERATIONS}/{created['id']}/extend", json={"user_prompt": "more"})
    assert refused.status_code == 400
    assert "failed" in refused.json()["message"]


@pytest.mark.parametrize("kind", sorted(catalog.FAILURES))
def test_every_failure_kind_reads_as_the_gateway_words_it(
    umami: httpx.Client, luma: MockLuma, kind: str
) -> None:
    created = create(umami, user_prompt=f"[mockluma:fail={kind}]")
    luma.advance(3600)
    [failed] = fetch(umami, {"ids[0]": created["id"]})
    assert (failed["state"], failed["failure_reason"]) == ("failed", catalog.FAILURES[kind].reason)


def test_the_journal_finds_a_generation_in_fetches_too(umami: httpx.Client, luma: MockLuma) -> None:
    created = create(umami, user_prompt="a traced generation")
    fetch(umami, {"ids[0]": created["id"]})
    fetch(umami, {"ids": created["id"]})
    assert luma.journal.count(generation_id=created["id"]) == 3
