"""Redaction, unit by unit: every kind of secret the proxy may see, and the lifecycle memory."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockluma.proxy.inspection import Exchange
from mockluma.proxy.lifecycles import LifecycleTracker
from mockluma.proxy.recording import Recorder
from mockluma.proxy.redaction import Redactor, labels_in
from mockluma.schemas.route_schemas import route_map

KEY = "luma-api-0123456789abcdef"


def test_a_key_header_keeps_its_scheme_and_gets_a_stable_label() -> None:
    redact = Redactor()
    assert redact.header("Authorization", f"Bearer {KEY}") == "Bearer [redacted key-1]"
    assert redact.header("authorization", f"luma-api-key={KEY}") == "luma-api-key=[redacted key-1]"
    assert redact.header("Ocp-Apim-Subscription-Key", "other-key-42") == "[redacted key-2]"
    assert redact.header("Authorization", "Bearer ") == "Bearer "  # nothing to hide
    assert redact.header("Content-Type", "application/json") == "application/json"


def test_a_key_seen_once_is_scrubbed_everywhere_else() -> None:
    redact = Redactor()
    redact.header("Authorization", f"Bearer {KEY}")
    echoed = redact.json({"detail": f"Key {KEY} is revoked", "list": [KEY]})
    assert echoed == {"detail": "Key [redacted key-1] is revoked", "list": ["[redacted key-1]"]}


def test_captures_keys_are_redacted_inside_any_text() -> None:
    redact = Redactor()
    assert redact.text("curl -H 'Authorization: luma-api-key=abc123xyz'") == (
        "curl -H 'Authorization: luma-api-key=[redacted key-1]'"
    )


def test_presigned_urls_lose_their_signature_but_keep_their_path() -> None:
    redact = Redactor()
    body = {
        "upload_url": "https://storage.example/bucket/f.png?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Signature=deadbeef&part=1",
        "azure": "https://acct.blob.core.windows.net/c/b.mp4?sv=2024&sig=abc%2F&se=2026",
        "cdn": "https://cdn.example/video.mp4",
    }
    hidden = redact.json(body)
    assert hidden["upload_url"] == (
        "https://storage.example/bucket/f.png?X-Amz-Algorithm=[redacted]"
        "&X-Amz-Signature=[redacted]&part=1"
    )
    assert "abc" not in hidden["azure"]
    assert hidden["azure"].startswith("https://acct.blob.core.windows.net/c/b.mp4?")
    assert hidden["cdn"] == body["cdn"]


def test_a_key_in_the_query_is_labelled() -> None:
    redact = Redactor()
    redact.header("Ocp-Apim-Subscription-Key", "apim-key-777")
    query = redact.query("subscription-key=apim-key-777&limit=3")
    assert "apim-key-777" not in query
    assert labels_in(query) == ["key-1"]
    assert redact.query("X-Amz-Signature=s1&X-Amz-Date=d") == (
        "X-Amz-Signature=[redacted]&X-Amz-Date=[redacted]"
    )


def test_the_lifecycle_memory_is_bounded_and_forgets_the_oldest_job() -> None:
    tracker = LifecycleTracker(limit=2)
    route = "GET /generations/{id}"
    for job in ("a", "b", "c"):
        tracker.observe("dream-machine", route, {"id": job, "state": "completed"}, None)
    assert set(tracker.states()) == {"dream-machine generation b", "dream-machine generation c"}
    # "a" was forgotten: a later sighting of it cannot be judged against its past.
    assert tracker.observe("dream-machine", route, {"id": "a", "state": "queued"}, None) == []
    moved_back = tracker.observe("dream-machine", route, {"id": "c", "state": "queued"}, None)
    assert [finding.check for finding in moved_back] == ["terminal_state_is_sticky"]


@given(
    key=st.text(alphabet=string.ascii_letters + string.digits + "-_.", min_size=8, max_size=60),
    where=st.sampled_from(["authorization", "ocp-apim-subscription-key", "captures", "query"]),
)
def test_no_key_reaches_a_recording_whatever_it_looks_like(
    tmp_path_factory: pytest.TempPathFactory, key: str, where: str
) -> None:
    directory = tmp_path_factory.mktemp("recordings")
    headers = {
        "authorization": [("Authorization", f"Bearer {key}")],
        "ocp-apim-subscription-key": [("Ocp-Apim-Subscription-Key", key)],
        "captures": [("Authorization", f"luma-api-key={key}")],
        "query": [],
    }[where]
    exchange = Exchange(
        sequence=1,
        surface="dream-machine",
        mount=None,
        method="GET",
        path="/ping",
        query=f"subscription-key={key}" if where == "query" else "",
        request_headers=[*headers, ("Content-Type", "application/json")],
        request_body=b"",
        request_complete=True,
        status=401,
        response_headers=[("content-type", "application/json")],
        response_body=json.dumps({"detail": f"Invalid key {key}"}).encode(),
    )
    recorder = Recorder(directory, {"dream-machine": route_map("dream-machine")}, Redactor())
    text = recorder.record(exchange).read_text(encoding="utf-8")
    assert key not in text
    assert "[redacted" in text
