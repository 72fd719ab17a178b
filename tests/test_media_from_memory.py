"""Shipped media are served from memory, answering exactly as Starlette's ``FileResponse``.

Each case is asked of the mock and of a bare Starlette app serving the same file with
``FileResponse`` from disk; status, headers and body must be the same (a multipart answer's
random boundary aside). Ranged answers must not touch the disk.
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlsplit

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

import mockluma
from mockluma.engine.media import MediaCatalog

NAME = "video/16x9-5s.mp4"


class Client:
    """A minimal synchronous client for an ASGI app, without a server thread."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                response = await client.request(method, path, headers=headers)
                await response.aread()
                return response

        return asyncio.run(send())

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.request("GET", path, headers)

    def head(self, path: str) -> httpx.Response:
        return self.request("HEAD", path)


@pytest.fixture(scope="module")
def mock() -> Client:
    return Client(
        mockluma.create_app(mockluma.build_config({"clock": "manual", "seed": 0}, environ={}))
    )


@pytest.fixture(scope="module")
def reference() -> Client:
    media = MediaCatalog().by_name(NAME)
    assert media is not None

    async def serve(request: Request) -> Response:
        return FileResponse(media.path, media_type=media.content_type)

    return Client(Starlette(routes=[Route("/file", serve, methods=["GET", "HEAD"])]))


def _etag(client: Client) -> str:
    return client.head(f"/_mockluma/media/g1/{NAME}").headers["etag"]


def _answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    boundary = re.search(r"boundary=(\w+)", response.headers.get("content-type", ""))
    body = response.content
    headers = list(response.headers.multi_items())
    if boundary is not None:
        body = body.replace(boundary.group(1).encode(), b"BOUNDARY")
        headers = [(k, v.replace(boundary.group(1), "BOUNDARY")) for k, v in headers]
    return response.status_code, headers, body


CASES: list[tuple[str, dict[str, str]]] = [
    ("GET", {}),
    ("HEAD", {}),
    ("GET", {"Range": "bytes=100-199"}),
    ("GET", {"Range": "bytes=-50"}),
    ("GET", {"Range": "bytes=10-"}),
    ("HEAD", {"Range": "bytes=0-9"}),
    ("GET", {"Range": "bytes=0-9, 20-29, 25-40"}),
    ("GET", {"Range": "bytes=99999999-"}),
    ("GET", {"Range": "lines=1-2"}),
    ("GET", {"Range": "bytes=0-9", "If-Range": '"not-the-etag"'}),
]


@pytest.mark.parametrize(("method", "headers"), CASES)
def test_answers_as_file_response_does(
    mock: Client, reference: Client, method: str, headers: dict[str, str]
) -> None:
    ours = mock.request(method, f"/_mockluma/media/g1/{NAME}", headers=headers)
    theirs = reference.request(method, "/file", headers=headers)
    assert _answer(ours) == _answer(theirs)


def test_if_range_with_the_current_etag_gets_the_range(mock: Client) -> None:
    part = mock.get(
        f"/_mockluma/media/g1/{NAME}", headers={"Range": "bytes=0-9", "If-Range": _etag(mock)}
    )
    assert part.status_code == 206
    assert len(part.content) == 10


def test_ranges_are_read_from_memory(mock: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    mock.get(f"/_mockluma/media/g1/{NAME}")  # loaded

    async def no_disk(*args: object, **kwargs: object) -> None:
        raise AssertionError("a shipped file was read from disk")

    monkeypatch.setattr(anyio, "open_file", no_disk)
    whole = mock.get(f"/_mockluma/media/g2/{NAME}")
    part = mock.get(f"/_mockluma/media/g2/{NAME}", headers={"Range": "bytes=3-5, 7-8"})
    assert whole.status_code == 200
    assert part.status_code == 206
    assert whole.content[3:6] in part.content
    assert urlsplit(str(part.url)).path.endswith(NAME)
