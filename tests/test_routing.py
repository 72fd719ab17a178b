"""The fast look-ups of :mod:`mockluma.routing` find exactly what the slow ones found.

``IndexedRouter`` is checked against Starlette's own router on the mock's real route table (every
mount and template, each route answering with its own name): the same route, the same 405 with
the same ``Allow``, the same redirect and the same 404, for paths made from the templates' own
segments. ``PrefixIndex`` is checked against a scan of every prefix.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Message

import mockluma
from mockluma.app import SURFACES
from mockluma.routing import IndexedRouter, PrefixIndex


def _echo(label: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(f"{label} {dict(request.path_params)}")

    return endpoint


def _copy(routes: Sequence[BaseRoute], indexed: bool, trail: str = "") -> list[BaseRoute]:
    """The same table with echoing endpoints, on Starlette's routers or on indexed ones."""
    copied: list[BaseRoute] = []
    for route in routes:
        if isinstance(route, Mount):
            inner = _copy(route.routes, indexed, trail + route.path)
            app = IndexedRouter(inner) if indexed else Router(inner)
            copied.append(Mount(route.path, app=app))
        elif isinstance(route, Route):
            label = f"{trail}{route.path} {sorted(route.methods or ())}"
            copied.append(Route(route.path, _echo(label), methods=route.methods))
    return copied


REAL = mockluma.create_app(mockluma.build_config({"clock": "manual", "seed": 0}, environ={}))
PLAIN = Starlette(routes=_copy(REAL.routes, indexed=False))
INDEXED = Starlette(routes=_copy(REAL.routes, indexed=True))
INDEXED.router = IndexedRouter(INDEXED.routes)


def _templates(routes: Sequence[BaseRoute], trail: str = "") -> list[str]:
    found = []
    for route in routes:
        if isinstance(route, Mount):
            found += _templates(route.routes, trail + route.path)
        elif isinstance(route, Route):
            found.append(trail + route.path)
    return found


TEMPLATES = _templates(REAL.routes)
SEGMENTS = sorted({part for t in TEMPLATES for part in t.split("/") if part} | {"x1", "", "v2"})
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]


def _answer(app: Starlette, method: str, path: str) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "replace"),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = sorted(
        (k, v) for k, v in sent[0]["headers"] if k in (b"allow", b"location", b"content-type")
    )
    return sent[0]["status"], body, headers


def _variants(template: str) -> list[str]:
    path = template.replace("{name:path}", "video/a.mp4")
    for part in path.split("/"):
        if part.startswith("{"):
            path = path.replace(part, "x1")
    return [path, path + "/", path + "\n", path[:-1], path + "/more", path.rsplit("/", 1)[0]]


def test_every_template_routes_as_starlette_routes_it() -> None:
    checked = 0
    for template in TEMPLATES:
        for path in _variants(template):
            for method in METHODS:
                assert _answer(INDEXED, method, path) == _answer(PLAIN, method, path), (
                    method,
                    path,
                )
                checked += 1
    assert checked > 500


@given(
    st.sampled_from(METHODS),
    st.lists(st.sampled_from(SEGMENTS), min_size=0, max_size=6),
    st.sampled_from(["", "/", "\n"]),
)
def test_any_path_routes_as_starlette_routes_it(
    method: str, segments: list[str], tail: str
) -> None:
    path = "/" + "/".join(segments) + tail
    assert _answer(INDEXED, method, path) == _answer(PLAIN, method, path)


def _longest(prefixes: Sequence[tuple[str, int]], path: str) -> int | None:
    best, longest = None, -1
    for prefix, value in prefixes:
        if (path == prefix or path.startswith(prefix + "/")) and len(prefix) > longest:
            best, longest = value, len(prefix)
    return best


MOUNT_PREFIXES = [prefix for surface in SURFACES for prefix in surface.prefixes]
PREFIX_WORDS = sorted({part for p in MOUNT_PREFIXES for part in p.split("/")} | {"v10", "x"})


@given(st.lists(st.sampled_from(PREFIX_WORDS), min_size=0, max_size=5))
def test_the_prefix_index_finds_the_longest_prefix(segments: list[str]) -> None:
    entries = [(prefix, i) for i, prefix in enumerate(MOUNT_PREFIXES)]
    index = PrefixIndex(entries)
    for path in ("/" + "/".join(segments), "/".join(segments)):
        assert index.find(path) == _longest(entries, path), path


def test_the_prefix_index_keeps_the_first_of_equal_prefixes() -> None:
    index = PrefixIndex([("/v1", "first"), ("/v1/", "second"), ("/v1/luma-ai", "nested")])
    assert index.find("/v1/files") == "first"
    assert index.find("/v1") == "first"
    assert index.find("/v1/luma-ai/generations") == "nested"
    assert index.find("/v10") is None
