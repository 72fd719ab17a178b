"""Requests that used to answer 500 answer a 4xx in their API's dialect; a 500 that is still
possible (a bug) says ``Connection: close``, so a keep-alive client's next request works."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from mockluma.handle import MockLuma

DM = "/dream-machine/v1"
AUTH = {"Authorization": "Bearer luma-test-key"}
AGENTS_AUTH = {"Authorization": "Bearer luma-api-test-key"}
FAR = "9999-12-31T23:59:59-14:00"  # the year 10000 in UTC


@pytest.fixture
def root(luma: MockLuma) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=luma.url) as client:
        yield client


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    return out.getvalue()


def test_an_expiry_beyond_year_9999_in_utc_is_refused_when_presigning(root: httpx.Client) -> None:
    body = {"mime_type": "image/png", "size_bytes": 10, "expires_at": FAR}
    refused = root.post("/v1/files", json=body, headers=AGENTS_AUTH)
    assert refused.status_code == 400
    assert "9999" in refused.json()["detail"]


def test_an_expiry_beyond_year_9999_in_utc_is_refused_inline(root: httpx.Client) -> None:
    refused = root.post(
        "/v1/files",
        files={"file": ("a.png", png(), "image/png")},
        data={"expires_at": FAR},
        headers=AGENTS_AUTH,
    )
    assert refused.status_code == 400
    assert set(refused.json()) == {"detail"}


def test_the_last_representable_expiry_is_accepted(root: httpx.Client) -> None:
    body = {"mime_type": "image/png", "size_bytes": 10, "expires_at": "9999-12-31T23:59:59Z"}
    created = root.post("/v1/files", json=body, headers=AGENTS_AUTH)
    assert created.status_code == 201
    file_id = created.json()["file"]["id"]
    shown = root.get(f"/v1/files/{file_id}", headers=AGENTS_AUTH)
    assert shown.json()["expires_at"] == "9999-12-31T23:59:59Z"


@pytest.mark.parametrize("status", ["%C2%B2", "%D9%A3", "4O4", "-1", "1" * 40])
def test_a_journal_status_that_is_not_ascii_digits_is_refused(
    root: httpx.Client, status: str
) -> None:
    refused = root.get(f"/_mockluma/journal?status={status}")
    assert refused.status_code == 422
    assert "'status'" in refused.json()["error"]


def test_a_zero_per_minute_limit_refuses_every_create_with_a_429() -> None:
    limits = {"enabled": True, "limits": {"dream-machine": {"ray": {"per_minute": 0}}}}
    body = {"model": "ray-2", "prompt": "a quiet harbour"}
    with (
        MockLuma(in_process=True, clock="manual") as luma,
        httpx.Client(transport=luma.sync_transport(), base_url="http://127.0.0.1") as http,
    ):
        assert http.put("/_mockluma/limits", json=limits).status_code == 200
        for _ in range(2):
            refused = http.post(f"{DM}/generations", json=body, headers=AUTH)
            assert refused.status_code == 429
            assert int(refused.headers["retry-after"]) == 60
            assert "detail" in refused.json()
        assert luma.take_errors() == []


def test_a_lone_surrogate_does_not_break_the_journal(root: httpx.Client, luma: MockLuma) -> None:
    body = b'{"model": "ray-2", "prompt": "half a pair \\ud800 here"}'
    headers = {**AUTH, "Content-Type": "application/json"}
    assert root.post(f"{DM}/generations", content=body, headers=headers).status_code == 400
    read = root.get("/_mockluma/journal")
    assert read.status_code == 200
    (entry,) = read.json()
    assert entry["request"] is None  # not JSON the journal can show
    assert entry["request_size"] == len(body)
    assert luma.journal.find(method="POST")[0].request_json() is None


def test_a_500_closes_the_connection_and_says_so(
    root: httpx.Client, luma: MockLuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> float:
        raise RuntimeError("a bug in the mock")

    monkeypatch.setattr(luma.simulation, "balance", broken)
    failed = root.get(f"{DM}/credits", headers=AUTH)
    assert failed.status_code == 500
    assert failed.headers["connection"] == "close"
    monkeypatch.undo()
    # The same client (keep-alive pool) goes on working.
    assert root.get(f"{DM}/credits", headers=AUTH).status_code == 200
    assert len(luma.take_errors()) == 1
