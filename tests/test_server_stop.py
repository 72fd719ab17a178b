"""Stopping the threaded server: at once when it is idle, never in the middle of a response.

``ThreadedServer.stop()`` wakes uvicorn's main loop with an event instead of waiting for its
next 0.1 s look at ``should_exit`` (what it costs is measured in ``bench/fixture_overhead.py``);
these tests check that the shortcut keeps uvicorn's graceful shutdown: open keep-alive
connections are closed, a response being written is finished first, and the app's lifespan
shutdown runs last.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from mockluma.handle import MockLuma
from mockluma.handle.server import ThreadedServer


class RecordingApp:
    """An ASGI app that logs what happens, and can hold its one response until told."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.while_answering: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                self.log.append(message["type"])
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        self.log.append("request")
        if self.while_answering is not None:
            await self.while_answering()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})
        self.log.append("response sent")


def test_an_idle_server_stops_closing_its_keep_alive_connections() -> None:
    app = RecordingApp()
    server = ThreadedServer(app)
    server.start()
    with httpx.Client() as client:
        assert client.get(server.url).text == "done"  # the connection stays open, idle
        server.stop()
        with pytest.raises(httpx.TransportError):
            client.get(server.url)
    assert app.log == ["lifespan.startup", "request", "response sent", "lifespan.shutdown"]
    assert not server.loop.running


def test_a_response_in_flight_is_finished_before_the_server_stops() -> None:
    app = RecordingApp()
    server = ThreadedServer(app)
    stopper = threading.Thread(target=server.stop)

    async def stop_meanwhile() -> None:
        # Called on the server's loop while it answers: the stop begins, and the response is
        # written only once the server is shutting down.
        stopper.start()
        uvicorn_server = server._server
        assert uvicorn_server is not None
        while not uvicorn_server.should_exit:
            await asyncio.sleep(0.001)

    app.while_answering = stop_meanwhile
    server.start()
    response = httpx.get(server.url)
    stopper.join()
    assert response.status_code == 200
    assert response.text == "done"
    # Answered during the shutdown: the server says it will close the connection.
    assert response.headers["connection"] == "close"
    assert app.log == ["lifespan.startup", "request", "response sent", "lifespan.shutdown"]


def test_a_mock_can_be_started_and_stopped_again_and_again() -> None:
    for _ in range(5):
        with MockLuma() as luma:
            assert httpx.get(f"{luma.url}/_mockluma/health").status_code == 200
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{luma.url}/_mockluma/health")
