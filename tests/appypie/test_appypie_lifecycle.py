"""AppyPie's generate → getStatus → completed → download loop, as its docs' examples run it."""

from __future__ import annotations

import io
import uuid
from typing import Any

import av
import httpx
import pytest

from mockluma.handle import MockLuma
from mockluma.schemas import store as schema_store
from mockluma.surfaces.appypie import catalog

GENERATE = "/lumalabs-ai/v1/generate"
FROM_IMAGE = "/lumalabs-ai/v1/generateRequestFromImage"
STATUS = "/lumalabs-ai-polling/v1/getStatus"
IMAGE = "https://example.com/frame.jpg"
# The request body of the docs' example, verbatim.
JELLYFISH: dict[str, Any] = {
    "prompt": "A giant floating jellyfish gliding over a city skyline, its tentacles glowing softly in the night.",
    "aspect_ratio": "16:9",
    "loop": True,
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
    problem = schema_store.first_error(f"appypie/{schema}", body)
    assert problem is None, schema_store.describe(problem)
    return body


def generate(appypie: httpx.Client, path: str = GENERATE, **body: Any) -> str:
    response = appypie.post(path, json=body)
    assert response.status_code == 200, response.text
    request_id: str = conforms("generate.response.json", response.json())["requestId"]
    return request_id


def status(appypie: httpx.Client, **body: str) -> dict[str, Any]:
    response = appypie.post(STATUS, json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = conforms("status.response.json", response.json())
    return answer


def test_text_to_video_goes_queued_dreaming_completed_and_downloads(
    appypie: httpx.Client, luma: MockLuma
) -> None:
    request_id = generate(appypie, **JELLYFISH)
    assert uuid.UUID(request_id).version == 4
    seen = [status(appypie, task_id=request_id)]
    for _ in range(200):
        luma.advance(3)
        answer = status(appypie, task_id=request_id)
        if answer != seen[-1]:
            seen.append(answer)
        if answer["status"] == "completed":
            break
    assert [answer["status"] for answer in seen] == ["queued", "dreaming", "completed"]
    assert seen[0] == {"status": "queued"}

    download = httpx.get(seen[-1]["video_url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "video/mp4"
    width, height, seconds = probe_video(download.content, every_frame=True)
    assert width / height == pytest.approx(16 / 9, rel=0.01)
    assert seconds == pytest.approx(5, abs=0.1)


def test_the_table_spelling_request_id_works_too_and_task_id_wins(
    appypie: httpx.Client, luma: MockLuma
) -> None:
    first = generate(appypie, prompt="a lighthouse")
    luma.advance(3600)
    second = generate(appypie, prompt="a harbour")
    assert status(appypie, requestId=first)["status"] == "completed"
    assert status(appypie, task_id=second, requestId=first) == {"status": "queued"}


@pytest.mark.parametrize(
    ("aspect_ratio", "ratio"),
    [(None, 16 / 9), ("9:16", 9 / 16), ("1:1", 1.0), ("21:9", 21 / 9), ("3:4", 3 / 4)],
    ids=["default", "portrait", "square", "cinema", "three-four"],
)
def test_the_video_has_the_requested_aspect_ratio(
    appypie: httpx.Client, luma: MockLuma, aspect_ratio: str | None, ratio: float
) -> None:
    body: dict[str, Any] = {"prompt": "waves on a beach"}
    if aspect_ratio is not None:
        body["aspect_ratio"] = aspect_ratio
    request_id = generate(appypie, **body)
    luma.advance(3600)
    width, height, _ = probe_video(
        httpx.get(status(appypie, task_id=request_id)["video_url"]).content
    )
    assert width / height == pytest.approx(ratio, rel=0.01)


def test_image_to_video_runs_the_same_loop(appypie: httpx.Client, luma: MockLuma) -> None:
    # The body of the image-to-video page's example.
    request_id = generate(
        appypie,
        FROM_IMAGE,
        url="https://storage.googleapis.com/imagesai.appypie.com/testing/00034_00.jpg",
        prompt="leaning girl",
    )
    assert status(appypie, task_id=request_id) == {"status": "queued"}
    luma.advance(3600)
    done = status(appypie, task_id=request_id)
    assert done["status"] == "completed"
    assert httpx.get(done["video_url"]).headers["content-type"] == "video/mp4"


def test_each_generation_is_charged_and_a_failed_one_refunded(
    appypie: httpx.Client, luma: MockLuma
) -> None:
    key = appypie.headers["Ocp-Apim-Subscription-Key"]
    start = luma.simulation.balance(catalog.SURFACE, key)
    request_id = generate(appypie, prompt="a doomed dream [mockluma:fail=job]")
    assert luma.simulation.balance(catalog.SURFACE, key) == start - catalog.PRICE_CENTS
    assert status(appypie, task_id=request_id) == {"status": "queued"}
    luma.advance(3600)
    assert status(appypie, task_id=request_id) == {"status": "failed", "error": "Job failed"}
    assert luma.simulation.balance(catalog.SURFACE, key) == start


@pytest.mark.parametrize("kind", sorted(catalog.FAILURES))
def test_every_failure_kind_reads_as_the_gateway_words_it(
    appypie: httpx.Client, luma: MockLuma, kind: str
) -> None:
    request_id = generate(appypie, FROM_IMAGE, prompt=f"[mockluma:fail={kind}]", url=IMAGE)
    luma.advance(3600)
    failed = status(appypie, task_id=request_id)
    assert failed == {"status": "failed", "error": catalog.FAILURES[kind].reason}


def test_the_status_words_are_a_setting(appypie: httpx.Client, luma: MockLuma) -> None:
    luma.reset(appypie_statuses="pending,processing,error")
    request_id = generate(appypie, prompt="a slow sunrise")
    words = [status(appypie, task_id=request_id)["status"]]
    while words[-1] != "completed":
        luma.advance(5)
        words.append(status(appypie, task_id=request_id)["status"])
    assert list(dict.fromkeys(words)) == ["pending", "processing", "completed"]
    doomed = generate(appypie, prompt="doomed [mockluma:fail=dispatch]")
    luma.advance(3600)
    assert status(appypie, task_id=doomed) == {"status": "error", "error": "Error dispatching job"}


def test_the_journal_finds_the_exchanges_of_a_generation_and_the_key(
    appypie: httpx.Client, luma: MockLuma
) -> None:
    request_id = generate(appypie, prompt="a traced request")
    status(appypie, task_id=request_id)
    status(appypie, requestId=request_id)
    key = appypie.headers["Ocp-Apim-Subscription-Key"]
    assert luma.journal.count(generation_id=request_id) == 3
    assert luma.journal.count(api_key=key, path="/lumalabs-ai-polling/v1/getStatus") == 2
