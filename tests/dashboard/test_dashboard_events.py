"""The dashboard without a browser: its event stream (heartbeat, bounded queues, closing on
disconnect and at shutdown) and pages that stay small with a full journal."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from lumaai import LumaAI

from mockluma.app import MockApp
from mockluma.app.dashboard.events import _offer
from mockluma.handle import MockLuma

KEY = "luma-events-key"


@pytest.fixture
def app(luma: MockLuma) -> Iterator[MockApp]:
    app = luma.app
    assert isinstance(app, MockApp)
    interval, heartbeat = app.streams.interval, app.streams.heartbeat
    app.streams.interval = 0.05
    yield app
    app.streams.interval, app.streams.heartbeat = interval, heartbeat


def events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event, data) pairs, and ("comment", text) for comment lines."""
    name = ""
    for line in lines:
        if line.startswith(":"):
            yield "comment", line[1:].strip()
        elif line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield name, line.removeprefix("data: ")


def test_a_stream_says_hello_then_what_changed(luma: MockLuma, app: MockApp) -> None:
    with (
        httpx.Client(base_url=luma.url, timeout=10) as client,
        client.stream("GET", "/_mockluma/ui/events") as stream,
        LumaAI(auth_token=KEY, base_url=luma.dream_machine_url) as sdk,
    ):
        assert stream.headers["content-type"].startswith("text/event-stream")
        received = events(stream.iter_lines())
        name, data = next(received)
        assert name == "hello"
        assert '"mode": "manual"' in data
        sdk.generations.create(model="ray-2", prompt="a red fox in snow")
        name, data = next(received)
        assert name == "change"
        assert '"generations"' in data
        assert '"journal"' in data


def test_a_quiet_stream_sends_heartbeats(luma: MockLuma, app: MockApp) -> None:
    app.streams.heartbeat = 0.05
    with (
        httpx.Client(base_url=luma.url, timeout=10) as client,
        client.stream("GET", "/_mockluma/ui/events") as stream,
    ):
        received = events(stream.iter_lines())
        assert next(received)[0] == "hello"
        assert next(received) == ("comment", "keep-alive")


def test_closing_the_streams_ends_every_response_and_a_client_leaving_frees_its_slot(
    luma: MockLuma,
) -> None:
    # A server of its own: closing its streams is for good.
    with MockLuma() as own, httpx.Client(base_url=own.url, timeout=10) as client:
        app = own.app
        assert isinstance(app, MockApp)
        with client.stream("GET", "/_mockluma/ui/events") as stream:
            lines = stream.iter_lines()
            assert next(events(lines))[0] == "hello"
            assert own._call(lambda: app.streams.streams) == 1
        wait_until(lambda: own._call(lambda: app.streams.streams) == 0)
        with client.stream("GET", "/_mockluma/ui/events") as stream:
            lines = stream.iter_lines()
            assert next(events(lines))[0] == "hello"
            own._call(app.close_streams)
            assert [line for line in lines if line] == []  # the response ended
        with client.stream("GET", "/_mockluma/ui/events") as stream:
            assert list(stream.iter_lines()) == []  # and new ones end at once


def test_stopping_the_server_is_not_held_by_an_open_dashboard() -> None:
    own = MockLuma().start()
    opened = threading.Event()

    def watch() -> None:
        with (
            httpx.Client(base_url=own.url, timeout=30) as client,
            client.stream("GET", "/_mockluma/ui/events") as stream,
        ):
            for _ in stream.iter_lines():
                opened.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert opened.wait(10)
    stopper = threading.Thread(target=own.stop, daemon=True)
    stopper.start()
    stopper.join(10)
    assert not stopper.is_alive(), "stop() is held by the open event stream"
    watcher.join(10)
    assert not watcher.is_alive()


def test_too_many_streams_are_refused(luma: MockLuma, app: MockApp) -> None:
    limit = app.streams.max_streams
    app.streams.max_streams = 1
    try:
        with (
            httpx.Client(base_url=luma.url, timeout=10) as client,
            client.stream("GET", "/_mockluma/ui/events") as stream,
        ):
            # (Keep the reader: a dropped generator closes the response.)
            received = events(stream.iter_lines())
            assert next(received)[0] == "hello"
            refused = client.get("/_mockluma/ui/events")
            assert refused.status_code == 503
            assert "Too many dashboards" in refused.text
    finally:
        app.streams.max_streams = limit


def test_a_slow_clients_queue_keeps_only_the_newest_messages() -> None:
    async def fill() -> list[bytes | None]:
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(3)
        for n in range(10):
            _offer(queue, str(n).encode())
        return [queue.get_nowait() for _ in range(queue.qsize())]

    assert asyncio.run(fill()) == [b"7", b"8", b"9"]


def test_the_journal_page_shows_one_page_of_a_full_journal(luma: MockLuma) -> None:
    journal = luma.journal
    body = b'{"prompt": "' + b"x" * 2000 + b'"}'

    def fill() -> None:
        for n in range(10_000):
            journal.record(
                at=luma.simulation.now(),
                method="POST",
                path="/dream-machine/v1/generations",
                query="",
                api_key=KEY if n % 2 else "other-key",
                status=201 if n % 10 else 400,
                request_body=body,
                response_body=b'{"id": "x"}',
                response_type="application/json",
            )

    luma._call(fill)
    assert len(journal) == 10_000
    with httpx.Client(base_url=f"{luma.url}/_mockluma/ui", timeout=10) as client:
        page = client.get("/journal")
        assert page.status_code == 200
        rows = re.findall(r'<tr data-sequence="(\d+)"', page.text)
        assert len(rows) == 50
        assert rows[0] == str(journal.last_sequence)
        assert len(page.content) < 60_000  # one page, and no bodies in it
        older = re.search(r'href="\?before=(\d+)"', page.text)
        assert older is not None
        second = client.get("/journal", params={"before": older.group(1)})
        assert re.findall(r'<tr data-sequence="(\d+)"', second.text)[0] == str(
            int(older.group(1)) - 1
        )
        failed = client.get("/journal", params={"status": "400", "api_key": "other-key"})
        statuses = re.findall(r'class="badge bad">(\d+)<', failed.text)
        assert statuses == ["400"] * 50
        oldest = client.get(f"/journal/{journal.last_sequence - 9_999}")
        assert oldest.status_code == 200
        assert "x" * 2000 in oldest.text
        assert client.get(f"/journal/{journal.last_sequence - 10_000}").status_code == 404
        assert client.get("/journal", params={"status": "abc"}).status_code == 200


def test_pages_show_the_same_without_javascript(luma: MockLuma) -> None:
    with (
        LumaAI(auth_token=KEY, base_url=luma.dream_machine_url) as sdk,
        httpx.Client(base_url=f"{luma.url}/_mockluma", timeout=10) as client,
    ):
        generation = sdk.generations.create(model="ray-2", prompt="a red fox in snow")
        listed = client.get("/ui/generations", params={"state": "queued"})
        assert f'data-id="{generation.id}"' in listed.text
        assert (
            f'data-id="{generation.id}"'
            not in client.get("/ui/generations", params={"state": "failed"}).text
        )
        live = client.get("/ui/generations", headers={"x-mockluma-fragment": "live"})
        assert f'data-id="{generation.id}"' in live.text
        assert "<html" not in live.text
        by_api = client.get("/ui/journal", params={"surface": "dream-machine"})
        assert len(re.findall(r'<tr data-sequence="', by_api.text)) == 1
        other_api = client.get("/ui/journal", params={"surface": "umami"})
        assert "No exchanges match these filters" in other_api.text
        overview = client.get("/")
        assert luma.dream_machine_url in overview.text
        assert "Rate limits are <strong>off</strong>" in overview.text
        assert client.get("/ui/generations/nope").status_code == 404
        assert client.get("/ui/static/dashboard.css").headers["content-type"].startswith("text/css")


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for the server to notice a closed connection (real network I/O, no clock)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the server did not notice in time"
        time.sleep(0.02)


def test_a_live_region_is_rendered_once_for_every_dashboard_until_it_changes(
    luma: MockLuma,
) -> None:
    live = {"x-mockluma-fragment": "live"}
    with (
        LumaAI(auth_token=KEY, base_url=luma.dream_machine_url) as sdk,
        httpx.Client(base_url=f"{luma.url}/_mockluma", timeout=10) as client,
    ):
        sdk.generations.create(model="ray-2", prompt="a red fox in snow")
        first = client.get("/ui/journal", headers=live)
        again = client.get("/ui/journal", headers=live)
        assert again.content == first.content
        other = client.get("/ui/journal", params={"method": "GET"}, headers=live)
        assert "No exchanges match these filters" in other.text  # its own filters, its own render
        generation = sdk.generations.create(model="ray-2", prompt="a second fox")
        changed = client.get("/ui/journal", headers=live)
        assert changed.content != first.content
        assert str(generation.id) not in first.text  # (the ids are in the response bodies only)
        assert len(re.findall(r'<tr data-sequence="', changed.text)) == 2
