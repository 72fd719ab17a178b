"""What grows with traffic is bounded in bytes as well as in count: the journal (read in pages),
inboxes, the error list; a client that hangs up mid-body leaves a small entry, not a 500."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Message

import mockluma.app.admin
from mockluma.app import create_app
from mockluma.config import build_config
from mockluma.engine.callbacks import Inbox
from mockluma.engine.journal import ABANDONED, ABANDONED_BODY_LIMIT, BODY_LIMIT, Journal
from mockluma.handle import MockLuma
from mockluma.surfaces import ERRORS_KEPT

DM = "/dream-machine/v1"
AUTH = {"Authorization": "Bearer luma-test-key"}
MIB = 1024**2


def served(**settings: Any) -> MockLuma:
    return MockLuma(in_process=True, clock="manual", seed=3, **settings)


def client(luma: MockLuma) -> httpx.Client:
    return httpx.Client(transport=luma.sync_transport(), base_url="http://127.0.0.1")


@pytest.fixture
def small() -> Iterator[MockLuma]:
    with served(journal_max_bytes=MIB) as luma:
        yield luma


def record(journal: Journal, body: bytes) -> None:
    journal.record(
        at=0.0,
        method="POST",
        path="/x",
        query="",
        api_key=None,
        status=201,
        request_body=body,
        response_body=b"{}",
        response_type="application/json",
    )


def test_the_journal_keeps_within_its_byte_budget() -> None:
    journal = Journal(limit=10_000, max_bytes=MIB)
    for _ in range(200):
        record(journal, b"x" * 60 * 1024)
    assert journal.size <= MIB
    assert 10 <= len(journal) <= 17
    assert [entry.sequence for entry in journal][-1] == 200  # the newest are kept


def test_a_large_body_is_cut_short_with_its_real_size(small: MockLuma) -> None:
    prompt = "a very long prompt " * 20_000  # 380 kB
    with client(small) as http:
        http.post(f"{DM}/generations", json={"model": "ray-2", "prompt": prompt}, headers=AUTH)
        (entry,) = http.get("/_mockluma/journal").json()
    (kept,) = small.journal
    assert len(kept.request_body) == BODY_LIMIT
    assert entry["request_size"] == kept.request_size > 380_000
    assert entry["truncated"] is True
    assert entry["request"] is None  # the head of a body is not JSON


def test_traffic_through_the_app_stays_within_the_budget(small: MockLuma) -> None:
    body = {"model": "ray-2", "prompt": "p" * 60 * 1024}
    with client(small) as http:
        for _ in range(40):
            http.post(f"{DM}/generations", json=body, headers=AUTH)
    assert small.journal.size <= MIB
    assert len(small.journal) < 40


def test_the_journal_is_read_in_pages(small: MockLuma) -> None:
    with client(small) as http:
        for _ in range(25):
            http.get(f"{DM}/credits", headers=AUTH)
        seen: list[int] = []
        url = "/_mockluma/journal?limit=10&method=GET"
        pages = 0
        while url:
            page = http.get(url)
            assert page.status_code == 200
            seen += [entry["sequence"] for entry in page.json()]
            pages += 1
            cursor = page.headers.get("x-mockluma-next-cursor")
            url = page.links["next"]["url"] if cursor else ""
            assert (cursor is None) == ("link" not in page.headers)
    assert pages == 3
    assert seen == sorted(set(seen))
    assert len(seen) == 25


def test_a_page_stops_at_its_byte_size(small: MockLuma, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mockluma.app.admin, "PAGE_BYTES", 2000)
    with client(small) as http:
        for _ in range(10):
            http.get(f"{DM}/credits", headers=AUTH)
        page = http.get("/_mockluma/journal")
        assert 1 <= len(page.json()) < 10
        assert len(page.content) < 2000 + 1000
        assert "x-mockluma-next-cursor" in page.headers
        one = http.get("/_mockluma/journal", params={"limit": 1}).json()
        assert len(one) == 1


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=ten", "since=-1"])
def test_bad_paging_is_refused(small: MockLuma, query: str) -> None:
    with client(small) as http:
        assert http.get(f"/_mockluma/journal?{query}").status_code == 422


def hang_up_mid_body(app: ASGIApp, sent: int, declared: int) -> list[dict[str, Any]]:
    """A POST declaring ``declared`` bytes whose client leaves after ``sent``; what the app
    sent back."""
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": b"{" + b" " * (sent - 1), "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent_back: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent_back.append(dict(message))

    async def call() -> None:
        await app(scope, receive, send)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"{DM}/generations",
        "raw_path": f"{DM}/generations".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"authorization", b"Bearer luma-test-key"),
            (b"content-type", b"application/json"),
            (b"content-length", str(declared).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    asyncio.run(call())
    return sent_back


def test_a_client_that_hangs_up_mid_body_leaves_a_small_abandoned_entry() -> None:
    app = create_app(build_config({"clock": "manual"}, environ={}))
    ctx = app.state.mockluma
    sent_back = hang_up_mid_body(app, sent=900_000, declared=1_000_000)
    assert sent_back == []  # nobody to answer
    assert list(ctx.errors) == []
    (entry,) = ctx.journal
    assert entry.abandoned
    assert entry.status == ABANDONED
    assert entry.request_size == 900_000
    assert len(entry.request_body) <= ABANDONED_BODY_LIMIT
    assert ctx.journal.find(status=500) == []


def test_the_error_list_is_bounded(luma: MockLuma, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> float:
        raise RuntimeError("a bug")

    monkeypatch.setattr(luma.simulation, "balance", broken)
    with httpx.Client(base_url=luma.url) as http:
        for _ in range(ERRORS_KEPT + 20):
            assert http.get(f"{DM}/credits", headers=AUTH).status_code == 500
    errors = luma.take_errors()
    assert len(errors) == ERRORS_KEPT
    assert "RuntimeError: a bug" in errors[-1]


def test_an_inbox_keeps_its_newest_posts_within_its_budget() -> None:
    box = Inbox("hook", max_items=100, max_bytes=10_000)
    for number in range(1000):
        box.receive(float(number), {"n": number}, 500)
    assert len(box.received) == 20
    assert box.received[-1].body == {"n": 999}
    box.receive(1000.0, "huge", 50_000)  # the newest is kept whatever its size
    assert [item.body for item in box.received] == ["huge"]


def test_the_number_of_inboxes_is_bounded() -> None:
    with served() as luma, client(luma) as http:
        for number in range(64):
            assert http.put(f"/_mockluma/inbox/i{number}", json={}).status_code == 200
        refused = http.put("/_mockluma/inbox/one-too-many", json={})
        assert refused.status_code == 409
        assert "DELETE" in refused.json()["error"]
        assert http.post("/_mockluma/inbox/another", json={}).status_code == 409
