"""Inputs that once broke the control API, the journal or a fault rule (found by fuzzing)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockluma.handle import MockLuma

DM = "/dream-machine/v1"
AUTH = {"Authorization": "Bearer luma-test-key"}


@pytest.fixture
def root(luma: MockLuma) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=luma.url) as client:
        yield client


def test_a_catch_all_rule_never_locks_out_the_control_api(root: httpx.Client) -> None:
    assert root.post("/_mockluma/faults", json={"error": {"status": 503}}).status_code == 201
    assert root.get(f"{DM}/credits", headers=AUTH).status_code == 503
    assert root.get("/_mockluma/health").status_code == 200
    assert root.get("/_mockluma/faults").json()["rules"][0]["calls"] == 1  # not counting itself
    assert root.delete("/_mockluma/faults").status_code == 204
    assert root.get(f"{DM}/credits", headers=AUTH).status_code == 200


@pytest.mark.parametrize("body", [b'{"x": NaN}', b'{"x": 1e999}', b"[" * 5000 + b"]" * 5000])
def test_refused_bodies_do_not_break_the_journal(
    root: httpx.Client, luma: MockLuma, body: bytes
) -> None:
    refused = root.post(f"{DM}/generations", content=body, headers=AUTH)
    assert refused.status_code == 400
    assert root.get("/_mockluma/journal").status_code == 200
    (entry,) = luma.journal.find(method="POST")
    assert entry.request_json() is None
    assert luma.journal.count(generation_id="anything") == 0


@pytest.mark.parametrize("settings", [b"[1]", b"null", b'"x"', b"1", b"true"])
def test_an_inbox_takes_only_an_object(root: httpx.Client, settings: bytes) -> None:
    response = root.put("/_mockluma/inbox/a", content=settings)
    assert response.status_code == 422
    assert "JSON object" in response.json()["error"]


@pytest.mark.parametrize("body", [b'{"x": NaN}', b'{"x": 1e999}', b'"\\ud800"', b"[" * 5000])
def test_an_inbox_keeps_odd_bodies_readable(root: httpx.Client, body: bytes) -> None:
    assert root.post("/_mockluma/inbox/a", content=body).status_code == 200
    shown = root.get("/_mockluma/inbox/a")
    assert shown.status_code == 200
    assert isinstance(shown.json()["received"][0]["body"], str)


def test_triggers_work_with_curls_default_content_type(root: httpx.Client) -> None:
    # curl -d sends JSON labelled as a form; the API reads it as JSON, and so do the triggers.
    body = b'{"model": "ray-2", "prompt": "a fox [mockluma:error=503]"}'
    form = {"content-type": "application/x-www-form-urlencoded", **AUTH}
    assert root.post(f"{DM}/generations", content=body, headers=form).status_code == 503


def test_a_sync_image_that_fails_comes_back_failed(root: httpx.Client) -> None:
    created = root.post(
        f"{DM}/generations/image",
        json={"model": "photon-1", "prompt": "a fox [mockluma:fail=job]", "sync": True},
        headers=AUTH,
    )
    assert created.status_code == 201
    assert (created.json()["state"], created.json()["failure_reason"]) == ("failed", "Job failed")


@pytest.mark.parametrize(
    ("rule", "where"),
    [
        ({"error": {"status": 503, "headers": {"bad name": "1"}}}, "error.headers"),
        ({"error": {"status": 503, "headers": {"x-a": "a\r\nb"}}}, "error.headers"),
        ({"error": {"status": 503, "headers": {"Content-Length": "5"}}}, "Content-Length"),
        ({"latency": {"kind": "fixed", "seconds": 1e308}}, "latency"),
        ({"latency": {"kind": "lognormal", "median": 1, "sigma": 1e300}}, "latency"),
        ({"latency": {"kind": "uniform", "low": 5, "high": 1}}, "low <= high"),
        ({"generation": {"fail": "job", "after": 1e308}}, "generation.after"),
        ({"name": "a/b", "latency": 1}, "name"),
    ],
)
def test_rules_that_would_break_a_connection_are_refused(
    root: httpx.Client, rule: dict[str, object], where: str
) -> None:
    response = root.post("/_mockluma/faults", json=rule)
    assert response.status_code == 422
    assert where in response.json()["error"]
