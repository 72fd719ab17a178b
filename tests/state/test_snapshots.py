"""Snapshots: export, load into a fresh mock, and find the same state; bad snapshots change
nothing; one key's state; masked keys; the pytest marker's ``state=``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockluma.engine.store.base import StateError
from mockluma.handle import MockLuma
from mockluma.resources import data_dir

DM_KEY = "luma-snap"
AGENTS_KEY = "luma-api-snap"
DM = {"Authorization": f"Bearer {DM_KEY}"}
AGENTS = {"Authorization": f"Bearer {AGENTS_KEY}"}
CAPTURES = {"Authorization": f"luma-api-key={DM_KEY}"}
VIDEO = (data_dir("fixtures") / "media" / "video" / "16x9-5s.mp4").read_bytes()
PNG = (data_dir("fixtures") / "media" / "image" / "1x1.png").read_bytes()


def client(luma: MockLuma) -> httpx.Client:
    return httpx.Client(base_url=luma.url, transport=luma.sync_transport())


@pytest.fixture
def luma() -> Iterator[MockLuma]:
    with MockLuma(in_process=True, rate_limits=True) as mock:
        yield mock
        assert mock.take_errors() == []


def busy_state(luma: MockLuma, http: httpx.Client) -> dict[str, Any]:
    """Work on every API, a fault rule that has fired, a callback inbox that received updates,
    and a per-minute window with one create in it. Returns what to look for afterwards."""
    luma.reset(rate_limits=True, limits={"umami": {"video": {"per_minute": 1}}})
    inbox = luma.callback_inbox("snap", responses=[500, 200])
    luma.faults.add(name="slow-credits", match={"path": "*/credits"}, latency=0.01)
    assert http.get("/dream-machine/v1/credits", headers=DM).status_code == 200
    done = http.post(
        "/dream-machine/v1/generations/video",
        json={"model": "ray-2", "prompt": "done", "callback_url": inbox.url},
        headers=DM,
    ).json()
    luma.advance(600)
    planned = http.post(
        "/dream-machine/v1/generations/video",
        json={"model": "ray-2", "prompt": "later"},
        headers=DM,
    ).json()
    luma.advance(2)
    umami = http.post(
        "/v1/luma-ai/generations", json={"user_prompt": "umami one"}, headers=DM
    ).json()
    file = http.post(
        "/v1/files", files={"file": ("a.png", PNG, "image/png")}, headers=AGENTS
    ).json()
    capture = http.post("/api/v2/capture", data={"title": "sofa"}, headers=CAPTURES).json()
    return {
        "done": done["id"],
        "planned": planned["id"],
        "umami": umami["id"],
        "file": file["id"],
        "capture": capture,
        "inbox": inbox.url,
    }


def test_a_snapshot_loaded_into_a_fresh_mock_is_the_same_state(luma: MockLuma) -> None:
    with client(luma) as http:
        made = busy_state(luma, http)
        exported = http.get("/_mockluma/state").json()
        planned_before = http.get(f"/dream-machine/v1/generations/{made['planned']}", headers=DM)
        balance = http.get("/dream-machine/v1/credits", headers=DM).json()
        attempts = http.get("/_mockluma/callbacks").json()
        # What the original does next, to compare with the copy.
        luma.advance(120)
        planned_after = http.get(f"/dream-machine/v1/generations/{made['planned']}", headers=DM)
        next_answer = http.post(
            "/dream-machine/v1/generations/video",
            json={"model": "ray-2", "prompt": "next one"},
            headers=DM,
        )
        assert next_answer.status_code == 201, next_answer.text
        next_id = next_answer.json()["id"]

    with MockLuma(in_process=True, seed=99) as copy, client(copy) as http:
        assert copy.load_state(exported) == sum(len(a["jobs"]) for a in exported["accounts"])
        assert copy.snapshot() == exported
        got = http.get(f"/dream-machine/v1/generations/{made['planned']}", headers=DM)
        assert got.json() == planned_before.json()
        assert (
            http.get(f"/dream-machine/v1/generations/{made['done']}", headers=DM).json()["state"]
            == "completed"
        )
        assert http.get("/dream-machine/v1/credits", headers=DM).json() == balance
        assert http.get("/_mockluma/callbacks").json() == attempts
        received = copy.snapshot()["inboxes"][0]["received"]
        assert [item["status"] for item in received][:2] == [500, 200]  # a retried update
        assert received[-1]["body"]["state"] == "completed"
        rule = copy.faults.list()[0]
        assert (rule["name"], rule["calls"], rule["fired"]) == ("slow-credits", 2, 2)
        # The planned timeline carries on, and the id counter too.
        copy.advance(120)
        assert (
            http.get(f"/dream-machine/v1/generations/{made['planned']}", headers=DM).json()
            == planned_after.json()
        )
        assert (
            http.post(
                "/dream-machine/v1/generations/video",
                json={"model": "ray-2", "prompt": "next one"},
                headers=DM,
            ).json()["id"]
            == next_id
        )
        # The per-minute window of UmamiAI came along: a second create within the minute is
        # refused (the copy's clock moved 120 s, so move back to a copy of the state).
        copy.load_state(exported)
        refused = http.post(
            "/v1/luma-ai/generations", json={"user_prompt": "umami two"}, headers=DM
        )
        assert refused.status_code == 429
        # Agents files and captures, with the capture's signed upload URL still valid.
        file = http.get(f"/v1/files/{made['file']}", headers=AGENTS).json()
        assert file["id"] == made["file"]
        upload = http.put(made["capture"]["signedUrls"]["source"], content=VIDEO)
        assert upload.status_code == 200, upload.text
        slug = made["capture"]["capture"]["slug"]
        assert http.get(f"/api/v2/capture/{slug}", headers=CAPTURES).json()["status"] == "complete"


def test_a_bad_snapshot_changes_nothing_and_says_where(luma: MockLuma) -> None:
    with client(luma) as http:
        busy_state(luma, http)
        before = luma.snapshot()
        broken = json.loads(json.dumps(before))
        broken["accounts"][0]["jobs"][0]["phase"] = "dreaming"
        answer = http.put("/_mockluma/state", json=broken)
        assert answer.status_code == 422
        assert "$.accounts[0].jobs[0].phase" in answer.json()["error"]
        newer = {**before, "format_version": 2}
        answer = http.put("/_mockluma/state", json=newer)
        assert answer.status_code == 422
        assert "format_version 2" in answer.json()["error"]
        # A record that points at a job the snapshot lacks fails after the schema passed.
        dangling = json.loads(json.dumps(before))
        for account in dangling["accounts"]:
            if account["surface"] == "agents-files":
                account["jobs"] = []
        answer = http.put("/_mockluma/state", json=dangling)
        assert answer.status_code == 422
        assert "does not hold" in answer.json()["error"]
        assert luma.snapshot() == before
    with pytest.raises(StateError, match="not a valid state snapshot"):
        luma.load_state({"format_version": 1})
    assert luma.snapshot() == before


def test_one_key_and_masked_keys(luma: MockLuma) -> None:
    with client(luma) as http:
        made = busy_state(luma, http)
        mine = http.get("/_mockluma/state", params={"api_key": AGENTS_KEY}).json()
        assert mine["api_key"] == AGENTS_KEY
        assert {a["api_key"] for a in mine["accounts"]} == {AGENTS_KEY}
        masked = http.get("/_mockluma/state", params={"mask_keys": "true"})
        again = http.get("/_mockluma/state", params={"mask_keys": "true"})
        assert masked.json()["accounts"] == again.json()["accounts"]
        assert DM_KEY not in masked.text
        assert AGENTS_KEY not in masked.text
        assert {a["api_key"] for a in masked.json()["accounts"]} == {
            "luma-api-masked-1",
            "luma-api-masked-2",
        }
        # Loading one key's snapshot replaces that key only.
        http.delete(f"/v1/files/{made['file']}", headers=AGENTS)
        dm_before = http.get("/dream-machine/v1/generations", headers=DM).json()
        assert http.put("/_mockluma/state", json=mine).json()["loaded"] == AGENTS_KEY
        assert http.get(f"/v1/files/{made['file']}", headers=AGENTS).json()["state"] != "deleted"
        assert http.get("/dream-machine/v1/generations", headers=DM).json() == dm_before
        # ... and ids made afterwards are new ones.
        newer = http.post("/v1/generations", json={"prompt": "another"}, headers=AGENTS).json()[
            "id"
        ]
        assert newer not in json.dumps(mine)


def test_the_pytest_marker_starts_each_test_from_a_snapshot(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    with MockLuma(in_process=True) as luma, client(luma) as http:
        for prompt in ("one", "two"):
            http.post(
                "/dream-machine/v1/generations/video",
                json={"model": "ray-2", "prompt": prompt},
                headers=DM,
            )
        luma.advance(600)
        path = tmp_path / "two.json"
        path.write_text(json.dumps(luma.snapshot()))
    pytester.makepyfile(
        test_downstream=f"""
import httpx
import pytest

HEADERS = {{"Authorization": "Bearer {DM_KEY}"}}

def listed(luma_mock):
    return httpx.get(luma_mock.dream_machine_url + "/generations", headers=HEADERS).json()

@pytest.mark.luma_mock(state={str(path)!r})
def test_from_the_snapshot(luma_mock):
    body = listed(luma_mock)
    assert body["count"] == 2
    assert {{g["state"] for g in body["generations"]}} == {{"completed"}}

def test_without(luma_mock):
    assert listed(luma_mock)["count"] == 0
"""
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
