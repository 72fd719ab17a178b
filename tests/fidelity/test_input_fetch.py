"""``input_media=fetch``: real downloads, against a loopback server only.

A public host name is routed to the loopback server by the fetcher's transport (the policy
itself refuses loopback addresses, as Luma cannot reach them), so every byte is really served
and read over a socket, and nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import struct
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import luma_agents
import pytest
from luma_agents import Luma
from lumaai import LumaAI

from mockluma.app.input_media import HttpFetcher
from mockluma.engine.input_media import FetchFailed
from mockluma.handle import MockLuma
from mockluma.resources import data_dir
from mockluma.surfaces.dream_machine import catalog

HOST = "https://media.fetch-check.net"


def twenty_second_video() -> bytes:
    """A shipped 9 s MP4 whose header says it lasts 20 s (the probe reads the header)."""
    data = bytearray((data_dir("fixtures") / "media" / "video" / "16x9-9s.mp4").read_bytes())
    at = data.index(b"mvhd") + 4
    assert data[at] == 0, "a version-0 mvhd"
    (timescale,) = struct.unpack(">I", data[at + 12 : at + 16])
    data[at + 16 : at + 20] = struct.pack(">I", 20 * timescale)
    return bytes(data)


FILES: dict[str, tuple[str, bytes]] = {
    "/long.mp4": ("video/mp4", twenty_second_video()),
    "/still.jpg": (
        "image/jpeg",
        (data_dir("fixtures") / "media" / "image" / "1x1.jpg").read_bytes(),
    ),
    "/page.html": ("text/html", b"<html>not an image</html>"),
    "/big.jpg": ("image/jpeg", b"\xff\xd8\xff" + b"\0" * 2_000_000),
}


class Files(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow.jpg":
            time.sleep(0.5)
        found = FILES.get(self.path)
        if found is None and self.path != "/slow.jpg":
            self.send_error(404)
            return
        content_type, body = found or ("image/jpeg", FILES["/still.jpg"][1])
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


class ToLoopback(httpx.AsyncBaseTransport):
    """Sends every request to the loopback server, whatever host the URL names (a connection
    of its own per request, closed before the answer is handed on)."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        async with httpx.AsyncHTTPTransport() as inner:
            answer = await inner.handle_async_request(request)
            body = await answer.aread()
            await answer.aclose()
        return httpx.Response(answer.status_code, headers=answer.headers, content=body)


# -- the fetcher on its own --------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_fetcher_reads_type_size_shape_and_length(port: int) -> None:
    fetch = HttpFetcher()
    video = await fetch(f"http://127.0.0.1:{port}/long.mp4")
    assert (video.kind, video.seconds, video.size) == ("video", 20.0, len(FILES["/long.mp4"][1]))
    assert (video.width, video.height) == (960, 540)
    still = await fetch(f"http://127.0.0.1:{port}/still.jpg")
    assert (still.kind, still.width, still.height) == ("image", 1536, 1536)
    page = await fetch(f"http://127.0.0.1:{port}/page.html")
    assert page.kind == "other"


@pytest.mark.anyio
async def test_the_fetcher_stops_at_errors_size_and_time(port: int) -> None:
    with pytest.raises(FetchFailed) as missing:
        await HttpFetcher()(f"http://127.0.0.1:{port}/nothing.jpg")
    assert missing.value.status == 404
    with pytest.raises(FetchFailed, match="more than the 1000000 bytes"):
        await HttpFetcher(max_bytes=1_000_000)(f"http://127.0.0.1:{port}/big.jpg")
    with pytest.raises(FetchFailed, match="timed out"):
        await HttpFetcher(timeout=httpx.Timeout(0.1))(f"http://127.0.0.1:{port}/slow.jpg")


@pytest.mark.anyio
async def test_fetching_never_blocks_the_event_loop(port: int) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    try:
        facts = await HttpFetcher()(f"http://127.0.0.1:{port}/slow.jpg")  # 0.5 s on the server
    finally:
        ticker.cancel()
    assert facts.kind == "image"
    assert ticks >= 10  # the loop kept running while the download waited


# -- the mock in fetch mode ----------------------------------------------------------------------


@pytest.fixture
def fetching(luma: MockLuma, port: int) -> Iterator[MockLuma]:
    luma.reset(input_media="fetch")
    policy = luma.app.state.mockluma.input_media
    original = policy.fetcher
    policy.fetcher = HttpFetcher(transport=ToLoopback(port))
    yield luma
    policy.fetcher = original
    luma.reset()


def test_dream_machine_modify_refuses_a_source_over_the_model_limit(
    fetching: MockLuma, client: LumaAI
) -> None:
    created = client.generations.video.modify(
        generation_type="modify_video",
        media={"url": f"{HOST}/long.mp4"},
        mode="flex_1",
        model="ray-2",
    )
    assert created.id is not None
    fetching.advance(3600)
    failed = client.generations.get(created.id)
    assert failed.state == "failed"
    assert failed.failure_reason == "Input video is 20 s long, over the 10 s limit"


def test_dream_machine_reframe_takes_the_fetched_length(fetching: MockLuma, client: LumaAI) -> None:
    before = client.credits.get().credit_balance
    created = client.generations.video.reframe(
        generation_type="reframe_video",
        media={"url": f"{HOST}/long.mp4"},
        model="ray-flash-2",  # reframes up to 30 s
        aspect_ratio="1:1",
    )
    charged = before - client.credits.get().credit_balance
    assert charged == pytest.approx(catalog.video_price("ray-flash-2", "1:1", None, 20), abs=0.01)
    assert created.id is not None
    fetching.advance(3600)
    assert client.generations.get(created.id).state == "completed"
    (exchange,) = fetching.journal.find(method="POST", path="*/video/reframe")
    assert exchange.input_media is not None
    (seen,) = exchange.input_media
    assert seen["verdict"] == "fetched"
    assert seen["facts"]["seconds"] == 20.0


def test_agents_refuses_what_the_fetch_found(fetching: MockLuma, agents: Luma) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"type": "video_edit", "source": {"url": f"{HOST}/long.mp4", "media_type": "video/mp4"}},
            "source: the video is 20.0 seconds long; the limit is 18 seconds",
        ),
        ({"image_ref": [{"url": f"{HOST}/nothing.jpg"}]}, "image_ref[0]: failed to fetch URL (HTTP 404)"),
        ({"image_ref": [{"url": f"{HOST}/page.html"}]}, "image_ref[0]: content-type is not an image"),
    ]  # fmt: skip
    for options, detail in cases:
        model = "ray-3.2" if options.get("type") == "video_edit" else None
        extra: dict[str, Any] = {"model": model} if model else {}
        with pytest.raises(luma_agents.UnprocessableEntityError) as caught:
            agents.generations.create(prompt="go", **extra, **options)
        assert caught.value.body == {"detail": detail}
    fine = agents.generations.create(prompt="go", image_ref=[{"url": f"{HOST}/still.jpg"}])
    assert fine.state == "queued"
