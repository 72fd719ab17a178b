"""The mock behaves the same on every uvicorn stack it can be served on.

``mockluma serve`` lets uvicorn pick its event loop and HTTP parser ("auto": uvloop and httptools
when installed, from the ``fast`` extra; asyncio and h11 otherwise), and the pytest fixture's
threaded server picks the parser the same way. The faults that act on the connection itself
(reset, empty, truncated) reach below the ASGI interface, so they are checked here on each stack,
with a plain GET and a ranged media download. Stacks whose modules are not installed are skipped.
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
import uvicorn

import mockluma
from mockluma.handle.server import _Server

STACKS = [("asyncio", "h11"), ("asyncio", "httptools"), ("uvloop", "h11"), ("uvloop", "httptools")]
DM = "/dream-machine/v1"
AUTH = {"Authorization": "Bearer stack-key"}


def _loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


@pytest.fixture(params=STACKS, ids=["+".join(stack) for stack in STACKS])
def served(request: pytest.FixtureRequest) -> Iterator[str]:
    loop_name, http = request.param
    for module in {loop_name, http} - {"asyncio", "h11"}:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install 'mockluma[fast]')")
    app = mockluma.create_app(mockluma.build_config({"clock": "manual", "seed": 0}, environ={}))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, http=http, log_level="warning", access_log=False, lifespan="on")
    # The threaded server's own uvicorn Server, so its quick stop is tried on every stack too.
    ready = threading.Event()
    server = _Server(config, ready)
    loop = _loop_factory(loop_name)()
    thread = threading.Thread(
        target=loop.run_until_complete, args=(server.serve(sockets=[sock]),), daemon=True
    )
    thread.start()
    try:
        assert ready.wait(10), "the server did not start"
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        loop.call_soon_threadsafe(server.exit)
        thread.join(10)
        assert not thread.is_alive(), "the server did not stop"
        loop.close()
        sock.close()


def _completed_video(client: httpx.Client) -> dict[str, object]:
    created = client.post(
        f"{DM}/generations/video", json={"model": "ray-flash-2", "prompt": "a stack test"}
    )
    assert created.status_code == 201
    client.post("/_mockluma/clock/advance", json={"seconds": 3600}).raise_for_status()
    generation = client.get(f"{DM}/generations/{created.json()['id']}").json()
    assert generation["state"] == "completed"
    return dict(generation)


def test_get_and_a_ranged_media_download(served: str) -> None:
    with httpx.Client(base_url=served, headers=AUTH) as client:
        video = str(_completed_video(client)["assets"]["video"])  # type: ignore[index]
        whole = client.get(video)
        part = client.get(video, headers={"Range": "bytes=10-19"})
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "video/mp4"
    assert part.status_code == 206
    assert part.content == whole.content[10:20]


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("reset", httpx.ReadError),
        ("empty", httpx.RemoteProtocolError),
        ("truncated", httpx.RemoteProtocolError),
    ],
)
def test_connection_faults_act_on_the_connection(
    served: str, fault: str, error: type[Exception]
) -> None:
    with httpx.Client(base_url=served, headers=AUTH) as client:
        rule = {"match": {"path": "*/credits"}, "network": fault, "times": 1}
        client.post("/_mockluma/faults", json=rule).raise_for_status()
        with pytest.raises(error):
            client.get(f"{DM}/credits")
        assert client.get(f"{DM}/credits").status_code == 200  # one time only; the server is fine
        assert client.get("/_mockluma/health").json()["status"] == "ok"
