"""Recordings: one file per exchange in the fixtures/recorded format, no key or signature in any
of them, media bodies kept only when asked and within the cap; `recordings check` holds them
to the contracts offline."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from mockluma.handle import MockLuma
from mockluma.proxy.cli import check_recordings
from mockluma.proxy.recording import load
from mockluma.proxy.running import ProxyServer

from .conftest import KEY, Deviating


def every_file(directory: Path) -> list[Path]:
    return [path for path in directory.rglob("*") if path.is_file()]


def test_recordings_hold_no_key_or_signature_on_any_surface(
    luma: MockLuma, proxy: ProxyServer, recordings: Path
) -> None:
    bearer = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=proxy.url) as client:
        created = client.post(
            "/dream-machine/v1/generations/video",
            json={"prompt": "a kite", "model": "ray-flash-2"},
            headers=bearer,
        )
        luma.advance(3600)
        client.get(f"/dream-machine/v1/generations/{created.json()['id']}", headers=bearer)
        # The Agents API hands out a presigned upload URL.
        upload = client.post(
            "/v1/files", json={"mime_type": "image/png", "size_bytes": 1000}, headers=bearer
        )
        assert "X-Amz-Signature=" in upload.text
        client.post(
            "/lumalabs-ai/v1/generate",
            json={"prompt": "a kite", "aspect_ratio": "16:9"},
            headers={"Ocp-Apim-Subscription-Key": KEY},
        )
        client.post(
            "/api/v2/capture",
            content=b"title=a+kite",
            headers={
                "Authorization": f"luma-api-key={KEY}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        client.get("/v1/luma-ai/generation", headers=bearer)
        client.get("/dream-machine/v1/ping", headers={"Authorization": "Bearer wrong-key-0000"})
    proxy.settle()
    files = every_file(recordings)
    assert {path.parent.name for path in files} == {
        "dream-machine",
        "agents",
        "appypie",
        "captures",
        "umami",
    }
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert KEY not in text, path
        assert "wrong-key-0000" not in text, path
    upload_recording = next(p for p in files if p.parent.name == "agents")
    document = json.loads(upload_recording.read_text())
    assert document["request"]["headers"]["authorization"] == "Bearer [redacted key-1]"
    assert "X-Amz-Signature=[redacted]" in json.dumps(document["body"])
    captures = json.loads(next(p for p in files if p.parent.name == "captures").read_text())
    assert captures["request"]["headers"]["authorization"] == "luma-api-key=[redacted key-1]"
    appypie = json.loads(next(p for p in files if p.parent.name == "appypie").read_text())
    assert appypie["request"]["headers"]["ocp-apim-subscription-key"] == "[redacted key-1]"
    refused = json.loads(sorted(recordings.glob("dream-machine/*ping*.json"))[0].read_text())
    assert refused["request"]["headers"]["authorization"] == "Bearer [redacted key-2]"


def test_a_recording_is_in_the_fixtures_format(
    luma: MockLuma, proxy: ProxyServer, recordings: Path
) -> None:
    httpx.get(f"{proxy.url}/dream-machine/v1/ping", headers={"Authorization": f"Bearer {KEY}"})
    proxy.settle()
    (path,) = every_file(recordings)
    assert path.relative_to(recordings).as_posix() == "dream-machine/000001-get-ping.json"
    document = json.loads(path.read_text())
    assert document["endpoint"] == "GET /ping"
    assert document["status"] == 200
    assert document["schema"] == "ping.response.json"
    assert document["expect"] == "valid"
    assert document["source"].startswith(f"recorded by mockluma proxy from {luma.url}")
    assert isinstance(document["body"]["message"], str)


def test_a_second_run_into_the_same_directory_numbers_on(luma: MockLuma, tmp_path: Path) -> None:
    for _ in range(2):
        with ProxyServer({"all": luma.url}, record=tmp_path) as running:
            httpx.get(f"{running.url}/dream-machine/v1/ping", headers={"Authorization": "Bearer k"})
            running.settle()
    assert [p.name for p in sorted(tmp_path.glob("*/*.json"))] == [
        "000001-get-ping.json",
        "000002-get-ping.json",
    ]
    assert [r.sequence for r in load(tmp_path)] == [1, 2]


def test_media_is_not_stored_unless_asked(
    deviating: Deviating, bent_proxy: ProxyServer, recordings: Path
) -> None:
    deviating.deviation = "media"
    answer = httpx.get(f"{bent_proxy.url}/dream-machine/v1/ping", params={"bytes": "300000"})
    assert len(answer.content) == 300000  # the client gets every byte
    bent_proxy.settle()
    (path,) = every_file(recordings)
    document = json.loads(path.read_text())
    assert document["body"] is None
    assert document["response"]["content_type"] == "video/mp4"
    assert document["response"]["size"] == 300000
    assert document["response"]["media"]["stored"] is None


def test_record_media_keeps_bodies_within_the_cap(deviating: Deviating, tmp_path: Path) -> None:
    deviating.deviation = "media"
    with ProxyServer({"all": deviating.url}, record=tmp_path, record_media=100_000) as running:
        small = httpx.get(f"{running.url}/dream-machine/v1/ping", params={"bytes": "70000"})
        httpx.get(f"{running.url}/dream-machine/v1/ping", params={"bytes": "200000"})
        running.settle()
    first, second = (json.loads(p.read_text()) for p in sorted(tmp_path.glob("*/*.json")))
    stored = tmp_path / first["response"]["media"]["stored"]
    assert stored.read_bytes() == small.content
    assert second["response"]["media"]["stored"] is None
    assert "cap of 100000 bytes" in second["response"]["media"]["why"]


def test_recordings_check_reports_an_upstream_that_never_answered_as_the_proxy_did(
    tmp_path: Path,
) -> None:
    with ProxyServer({"all": "http://127.0.0.1:9"}, record=tmp_path) as running:
        assert httpx.get(f"{running.url}/dream-machine/v1/ping").status_code == 502
        running.settle()
    live = running.inspector.report("live")
    offline = check_recordings(load(tmp_path)).report("offline")
    assert [(r.check, r.outcome) for r in offline.results] == [("upstream_answered", "error")]
    assert [(r.check, r.outcome) for r in live.results] == [("upstream_answered", "error")]


def test_recordings_check_finds_what_the_proxy_found(
    luma: MockLuma, deviating: Deviating, bent_proxy: ProxyServer, recordings: Path
) -> None:
    bearer = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=f"{bent_proxy.url}/dream-machine/v1", headers=bearer) as client:
        created = client.post("/generations/video", json={"prompt": "a kite", "model": "ray-2"})
        luma.advance(3600)
        client.get(f"/generations/{created.json()['id']}")
        deviating.deviation = "state-back"
        client.get(f"/generations/{created.json()['id']}")
    bent_proxy.settle()
    offline = check_recordings(load(recordings))
    assert [v.line() for v in offline.violations] == bent_proxy.lines
    assert len(offline.violations) == 1
    assert offline.violations[0].finding.json_path == "$.state"
