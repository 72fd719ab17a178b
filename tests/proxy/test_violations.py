"""Each way the deviating upstream breaks its contract is reported, as it happens, with the JSON
path of the problem; the report endpoint and the JSON/JUnit writers carry the same."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest

from mockluma.contracts import report as reports
from mockluma.handle import MockLuma
from mockluma.proxy.running import ProxyServer

from .conftest import KEY, Deviating

AUTH = {"Authorization": f"Bearer {KEY}"}
VIDEO = {"prompt": "a comet over a lake", "model": "ray-flash-2"}


@pytest.fixture
def dream(bent_proxy: ProxyServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{bent_proxy.url}/dream-machine/v1", headers=AUTH) as client:
        yield client


def only_line(proxy: ProxyServer, check: str) -> str:
    proxy.settle()
    found = [line for line in proxy.lines if f": {check} at " in line]
    assert len(found) == 1, proxy.lines
    return found[0]


def test_an_honest_upstream_gives_no_violation(
    luma: MockLuma, dream: httpx.Client, bent_proxy: ProxyServer
) -> None:
    created = dream.post("/generations/video", json=VIDEO).json()
    for _ in range(3):
        luma.advance(60)
        dream.get(f"/generations/{created['id']}")
    bent_proxy.settle()
    assert bent_proxy.lines == []
    assert bent_proxy.inspector.exchanges == 4


def test_a_renamed_field_is_reported_with_its_path(
    deviating: Deviating, dream: httpx.Client, bent_proxy: ProxyServer
) -> None:
    deviating.deviation = "rename"
    dream.post("/generations/video", json=VIDEO)
    line = only_line(bent_proxy, "body_matches_schema")
    assert line.startswith("VIOLATION #1 dream-machine POST /generations/video:")
    assert "at $: POST /generations/video → 201: the body does not match" in line
    assert "'created_at' is a required property" in line


def test_a_compressed_body_is_relayed_as_sent_and_still_checked(
    deviating: Deviating, bent_proxy: ProxyServer, recordings: Path
) -> None:
    deviating.deviation = "gzip-rename"
    with httpx.Client(base_url=f"{bent_proxy.url}/dream-machine/v1", headers=AUTH) as client:
        sent = client.post(
            "/generations/video", json=VIDEO, headers={"Accept-Encoding": "br, gzip"}
        )
    assert sent.headers["content-encoding"] == "gzip"  # the client got the upstream's bytes
    assert "createdAt" in sent.json()
    # Brotli was taken off the request, so that the proxy can read what comes back.
    assert deviating.headers[-1]["accept-encoding"] == "gzip"
    line = only_line(bent_proxy, "body_matches_schema")
    assert "'created_at' is a required property" in line
    (path,) = recordings.glob("*/*.json")
    assert "createdAt" in json.loads(path.read_text())["body"]


def test_a_dropped_header_is_reported(deviating: Deviating, bent_proxy: ProxyServer) -> None:
    deviating.deviation = "drop-header"
    httpx.get(f"{bent_proxy.url}/v1/files", params={"limit": "1"}, headers=AUTH)
    line = only_line(bent_proxy, "request_id_and_api_version_are_sent")
    assert "agents GET /files" in line
    assert "X-Request-Id header is missing" in line


def test_a_state_moved_back_is_reported_at_the_state(
    luma: MockLuma, deviating: Deviating, dream: httpx.Client, bent_proxy: ProxyServer
) -> None:
    created = dream.post("/generations/video", json=VIDEO).json()
    luma.advance(3600)
    assert dream.get(f"/generations/{created['id']}").json()["state"] == "completed"
    deviating.deviation = "state-back"
    assert dream.get(f"/generations/{created['id']}").json()["state"] == "dreaming"
    line = only_line(bent_proxy, "terminal_state_is_sticky")
    assert line.startswith("VIOLATION #3 dream-machine GET /generations/{id}")
    assert "at $.state:" in line
    assert f"Generation {created['id']} left its terminal state completed for dreaming" in line


def test_a_500_is_reported(
    deviating: Deviating, dream: httpx.Client, bent_proxy: ProxyServer
) -> None:
    deviating.deviation = "500"
    answer = dream.get("/ping")
    assert answer.status_code == 500  # relayed unchanged
    assert answer.text == "<h1>Internal error</h1>"
    line = only_line(bent_proxy, "not_a_server_error")
    assert "GET /ping → 500: the server failed (status 500)" in line


def test_a_request_outside_its_schema_is_reported_at_the_field(
    proxy: ProxyServer,
) -> None:
    answer = httpx.post(
        f"{proxy.url}/dream-machine/v1/generations/video",
        json={"prompt": 42, "model": "ray-flash-2"},
        headers=AUTH,
    )
    assert answer.status_code == 422  # Luma's answer to a body outside its schema
    line = only_line(proxy, "request_matches_schema")
    assert "at $.prompt:" in line


def test_the_report_says_the_same_as_json_and_junit(
    luma: MockLuma, deviating: Deviating, dream: httpx.Client, bent_proxy: ProxyServer
) -> None:
    created = dream.post("/generations/video", json=VIDEO).json()
    luma.advance(3600)
    dream.get(f"/generations/{created['id']}")
    deviating.deviation = "state-back"
    dream.get(f"/generations/{created['id']}")

    document = httpx.get(f"{bent_proxy.url}/_mockluma/proxy/report").json()
    assert document["exchanges"] == 3
    assert document["ok"] is False
    assert document["counts"]["failed"] == 1
    (failed,) = [r for r in document["results"] if r["outcome"] == "failed"]
    assert (failed["surface"], failed["endpoint"], failed["check"]) == (
        "dream-machine",
        "GET /generations/{id}",
        "terminal_state_is_sticky",
    )
    assert failed["failures"][0]["json_path"] == "$.state"
    assert document["violations"] == bent_proxy.lines

    junit = ElementTree.fromstring(reports.to_junit(bent_proxy.inspector.report("test")))
    failures = junit.findall(".//failure")
    assert [failure.get("type") for failure in failures] == ["$.state"]
