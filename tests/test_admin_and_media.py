"""The control API under /_mockluma/ and the media downloads."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from lumaai import LumaAI

from mockluma.handle import MockLuma


@pytest.fixture
def admin(luma: MockLuma) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{luma.url}/_mockluma") as control:
        yield control


def test_health(admin: httpx.Client) -> None:
    body = admin.get("/health").json()
    assert body["status"] == "ok"
    assert body["seed"] == 1234


def test_the_clock_can_be_read_and_advanced(admin: httpx.Client, client: LumaAI) -> None:
    before = admin.get("/clock").json()
    assert before["mode"] == "manual"
    created = client.generations.create(model="ray-2", prompt="a clock tower")
    after = admin.post("/clock/advance", json={"seconds": 3600}).json()
    assert after["epoch"] == pytest.approx(before["epoch"] + 3600)
    assert after["events_run"] == 2  # queued -> dreaming -> completed
    assert after["now"].endswith("Z")
    assert client.generations.get(created.id).state == "completed"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "body",
    [{}, {"seconds": "ten"}, {"seconds": -1}, {"seconds": True}, [1]],
    ids=["missing", "text", "negative", "bool", "array"],
)
def test_bad_advances_are_refused_and_the_clock_stays(admin: httpx.Client, body: object) -> None:
    before = admin.get("/clock").json()["epoch"]
    response = admin.post("/clock/advance", json=body)
    assert response.status_code == 422
    assert "error" in response.json()
    assert admin.get("/clock").json()["epoch"] == before


def test_reset_forgets_generations_and_balances(admin: httpx.Client, client: LumaAI) -> None:
    client.generations.create(model="ray-2", prompt="to be forgotten")
    assert client.credits.get().credit_balance < 100_000
    assert admin.post("/reset", json={}).json() == {"reset": "all"}
    assert client.generations.list().count == 0
    assert client.credits.get().credit_balance == 100_000


def test_reset_of_one_key_leaves_the_others(
    admin: httpx.Client, client: LumaAI, luma: MockLuma
) -> None:
    mine = client.generations.create(model="ray-2", prompt="kept")
    with LumaAI(auth_token="other", base_url=luma.dream_machine_url) as other:
        other.generations.create(model="ray-2", prompt="dropped")
        admin.post("/reset", json={"api_key": "other"})
        assert other.generations.list().count == 0
    assert client.generations.get(mine.id).id == mine.id  # type: ignore[arg-type]


def completed_video_url(client: LumaAI, luma: MockLuma) -> str:
    created = client.generations.create(model="ray-flash-2", prompt="ranges")
    luma.advance(3600)
    done = client.generations.get(created.id)  # type: ignore[arg-type]
    assert done.assets is not None
    assert done.assets.video is not None
    return done.assets.video


def test_media_supports_http_ranges(client: LumaAI, luma: MockLuma) -> None:
    url = completed_video_url(client, luma)
    whole = httpx.get(url)
    part = httpx.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == whole.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole.content)}"
    assert whole.headers["accept-ranges"] == "bytes"
    head = httpx.head(url)
    assert head.status_code == 200
    assert int(head.headers["content-length"]) == len(whole.content)


def test_media_needs_no_key_and_unknown_files_are_404(luma: MockLuma) -> None:
    missing = httpx.get(f"{luma.url}/_mockluma/media/abc/video/nope.mp4")
    assert missing.status_code == 404
    escape = httpx.get(f"{luma.url}/_mockluma/media/abc/..%2F..%2Fpyproject.toml")
    assert escape.status_code == 404
