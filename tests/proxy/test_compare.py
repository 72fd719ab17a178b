"""Drift: recordings replayed against the in-process mock. An honest upstream (a mockluma
server) shows none; each deviation of the deviating upstream shows as drift of its kind, at its
path, and `mockluma recordings compare` exits non-zero on it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from luma_agents import Luma
from PIL import Image

from mockluma.cli import main
from mockluma.handle import MockLuma
from mockluma.proxy.compare import compare
from mockluma.proxy.drift import DriftReport
from mockluma.proxy.recording import load
from mockluma.proxy.running import ProxyServer

from .conftest import KEY, Deviating

AUTH = {"Authorization": f"Bearer {KEY}"}
VIDEO = {"prompt": "a comet over a lake", "model": "ray-flash-2"}


@pytest.fixture
def dream(bent_proxy: ProxyServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{bent_proxy.url}/dream-machine/v1", headers=AUTH) as client:
        yield client


def drift_of(proxy: ProxyServer, recordings: Path) -> DriftReport:
    proxy.settle()
    return compare(load(recordings), recordings)


def follow(luma: MockLuma, dream: httpx.Client) -> str:
    """Create a video and poll it through queued, dreaming and completed."""
    generation: str = dream.post("/generations/video", json=VIDEO).json()["id"]
    seen = ["queued"]
    while seen[-1] != "completed":
        luma.advance(5)
        seen.append(dream.get(f"/generations/{generation}").json()["state"])
    assert "dreaming" in seen
    return generation


def test_an_honest_upstream_shows_no_drift(
    luma: MockLuma, dream: httpx.Client, bent_proxy: ProxyServer, recordings: Path
) -> None:
    generation = follow(luma, dream)
    dream.get("/generations", params={"limit": "5"})
    dream.get("/generations/00000000-0000-4000-8000-000000000000")  # a 404, in the dialect
    dream.delete(f"/generations/{generation}")
    drift = drift_of(bent_proxy, recordings)
    assert drift.drifts == [], drift.summary()
    assert drift.ok
    assert drift.replayed == len(load(recordings))


def test_honest_agents_and_gateway_traffic_shows_no_drift(
    luma: MockLuma, proxy: ProxyServer, recordings: Path
) -> None:
    with httpx.Client(base_url=proxy.url, headers=AUTH) as client:
        created = client.post("/v1/generations", json={"prompt": "a harbour"}).json()
        luma.advance(3600)
        client.get(f"/v1/generations/{created['id']}")
        key = {"Ocp-Apim-Subscription-Key": KEY}
        task = client.post(
            "/lumalabs-ai/v1/generate",
            json={"prompt": "a dune", "aspect_ratio": "16:9"},
            headers=key,
        ).json()["requestId"]
        luma.advance(3600)
        client.post("/lumalabs-ai-polling/v1/getStatus", json={"task_id": task}, headers=key)
    drift = drift_of(proxy, recordings)
    assert drift.drifts == [], drift.summary()
    assert drift.replayed == 4


def test_a_renamed_field_is_field_drift_at_both_names(
    luma: MockLuma, deviating: Deviating, dream: httpx.Client, bent_proxy: ProxyServer,
    recordings: Path,
) -> None:  # fmt: skip
    deviating.deviation = "rename"
    dream.post("/generations/video", json=VIDEO)
    drift = drift_of(bent_proxy, recordings)
    assert {(d.kind, d.json_path, d.recorded, d.mock) for d in drift.drifts} == {
        ("field", "$.createdAt", "present", "absent"),
        ("field", "$.created_at", "absent", "present"),
    }
    assert not drift.ok


def test_a_dropped_header_is_header_drift(
    deviating: Deviating, bent_proxy: ProxyServer, recordings: Path
) -> None:
    deviating.deviation = "drop-header"
    httpx.get(f"{bent_proxy.url}/v1/files", params={"limit": "1"}, headers=AUTH)
    drift = drift_of(bent_proxy, recordings)
    assert [(d.kind, d.json_path, d.endpoint) for d in drift.drifts] == [
        ("header", "x-request-id", "GET /files")
    ]


def test_a_state_moved_back_is_state_drift(
    luma: MockLuma, deviating: Deviating, dream: httpx.Client, bent_proxy: ProxyServer,
    recordings: Path,
) -> None:  # fmt: skip
    generation = follow(luma, dream)
    deviating.deviation = "state-back"
    dream.get(f"/generations/{generation}")
    drift = drift_of(bent_proxy, recordings)
    (state,) = drift.drifts
    assert (state.kind, state.json_path) == ("state", "$.state")
    assert state.recorded == ["queued", "dreaming", "completed", "dreaming"]
    assert state.mock == ["queued", "dreaming", "completed"]


def test_a_500_is_status_drift(
    deviating: Deviating, dream: httpx.Client, bent_proxy: ProxyServer, recordings: Path
) -> None:
    deviating.deviation = "500"
    dream.get("/ping")
    drift = drift_of(bent_proxy, recordings)
    assert [(d.kind, d.recorded, d.mock) for d in drift.drifts] == [("status", 500, 200)]


def test_a_hang_is_skipped_with_its_reason(
    deviating: Deviating, dream: httpx.Client, bent_proxy: ProxyServer, recordings: Path
) -> None:
    deviating.deviation = "hang"
    assert dream.get("/ping").status_code == 504
    deviating.release.set()
    drift = drift_of(bent_proxy, recordings)
    assert drift.replayed == 0
    assert [why for _, why in drift.skipped] == [
        "the upstream gave no whole answer, so there is nothing to compare"
    ]
    assert not drift.ok


def test_a_different_error_text_is_drift(
    deviating: Deviating, bent_proxy: ProxyServer, recordings: Path
) -> None:
    httpx.get(f"{bent_proxy.url}/dream-machine/v1/ping")  # no key: 401
    bent_proxy.settle()
    (path,) = recordings.glob("*/*.json")
    path.write_text(path.read_text().replace('"detail": "', '"detail": "Changed: '))
    drift = compare(load(recordings), recordings)
    assert [(d.kind, d.endpoint) for d in drift.drifts] == [("error_text", "GET /ping")]


def test_the_compare_command_exits_non_zero_on_drift(
    deviating: Deviating, dream: httpx.Client, bent_proxy: ProxyServer, recordings: Path,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    dream.get("/ping")
    bent_proxy.settle()
    with pytest.raises(SystemExit) as clean:
        main(["recordings", "compare", str(recordings)])
    assert clean.value.code == 0
    deviating.deviation = "500"
    dream.get("/ping")
    bent_proxy.settle()
    report = tmp_path / "drift.json"
    with pytest.raises(SystemExit) as drifted:
        main(["recordings", "compare", str(recordings), "--json", str(report)])
    assert drifted.value.code == 1
    out = capsys.readouterr().out
    assert "DRIFT #2 dream-machine GET /ping: status at $" in out
    assert '"kind": "status"' in report.read_text()


def test_steps_after_an_upload_straight_to_storage_are_skipped_not_drift(
    luma: MockLuma, proxy: ProxyServer, recordings: Path
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), (200, 80, 40)).save(buffer, "PNG")
    data = buffer.getvalue()
    with Luma(auth_token=KEY, base_url=f"{proxy.url}/v1", max_retries=0) as sdk:
        created = sdk.files.create(mime_type="image/png", size_bytes=len(data))
        assert created.upload is not None
        # The bytes go to the storage URL the API handed out, not through the proxy.
        stored = httpx.request(
            created.upload.method, created.upload.url, content=data, headers=created.upload.headers
        )
        assert stored.status_code == 200
        sdk.files.complete(created.id)
        luma.advance(60)
        assert sdk.files.get(created.id).state == "ready"
    drift = drift_of(proxy, recordings)
    assert drift.drifts == [], drift.summary()
    assert drift.replayed == 1
    reasons = [why for _, why in drift.skipped]
    assert reasons[0].startswith("it needs the upload that went straight to the storage host")
    assert reasons[1].startswith(f"it follows a step of {created.id} the mock never saw")
