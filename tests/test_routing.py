"""The fast look-ups of :mod:`mockluma.web.router` find exactly what the slow ones found.

``IndexedRouter`` is checked against Starlette's own router on the mock's real route table (every
mount and template, each route answering with its own name): the same route, the same 405 with
the same ``Allow``, the same redirect and the same 404, for paths made from the templates' own
segments. ``PrefixIndex`` is checked against a scan of every prefix.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterable, Sequence

from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Message

import mockluma
from mockluma.app import SURFACES
from mockluma.web.router import IndexedMount, IndexedRouter, PrefixIndex


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
            copied.append(
                IndexedMount(route.path, inner) if indexed else Mount(route.path, app=Router(inner))
            )
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
SEGMENTS = sorted(
    {part for t in TEMPLATES for part in t.split("/") if part} | {"x1", "", "v2", "ping\n"}
)
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]


Answer = tuple[int, bytes, list[tuple[bytes, bytes]]]


async def _answer(app: Starlette, method: str, path: str) -> Answer:
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
    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = sorted(
        (k, v) for k, v in sent[0]["headers"] if k in (b"allow", b"location", b"content-type")
    )
    return sent[0]["status"], body, headers


def _differences(
    indexed: Starlette, plain: Starlette, requests: Iterable[tuple[str, str]]
) -> list[tuple[str, str, Answer, Answer]]:
    """The requests that the two apps answer differently, with both answers."""

    async def compare() -> list[tuple[str, str, Answer, Answer]]:
        found = []
        for method, path in requests:
            ours, theirs = await _answer(indexed, method, path), await _answer(plain, method, path)
            if ours != theirs:
                found.append((method, path, ours, theirs))
        return found

    return asyncio.run(compare())


def _variants(template: str) -> list[str]:
    path = template.replace("{name:path}", "video/a.mp4")
    for part in path.split("/"):
        if part.startswith("{"):
            path = path.replace(part, "x1")
    return [path, path + "/", path + "\n", path[:-1], path + "/more", path.rsplit("/", 1)[0]]


def test_every_template_routes_as_starlette_routes_it() -> None:
    requests = [(method, path) for t in TEMPLATES for path in _variants(t) for method in METHODS]
    assert len(requests) > 500
    assert _differences(INDEXED, PLAIN, requests) == []


@given(
    st.lists(st.sampled_from(SEGMENTS), min_size=0, max_size=6),
    st.sampled_from(["", "/", "\n"]),
)
def test_any_path_routes_as_starlette_routes_it(segments: list[str], tail: str) -> None:
    path = "/" + "/".join(segments) + tail
    assert _differences(INDEXED, PLAIN, [(method, path) for method in METHODS]) == []


# Routes whose first segment is open, and static routes a final newline can reach.
NOTHING = _echo("unused")
ODD = [
    Route("/ping", NOTHING, methods=["GET"]),
    Route("/{anything}", NOTHING, methods=["GET", "DELETE"]),
    Route("/gen{x}", NOTHING, methods=["POST"]),
    Route("/a/{b}/c", NOTHING, methods=["GET"]),
    Mount("/m", routes=[Route("/", NOTHING), Route("/{id}", NOTHING, methods=["PUT"])]),
    Route("/a/b/c", NOTHING, methods=["PUT"]),
    Mount("/p/{x}", routes=[Route("/q", NOTHING, methods=["GET"])]),
]
ODD_PLAIN = Starlette(routes=_copy(ODD, indexed=False))
ODD_INDEXED = Starlette(routes=_copy(ODD, indexed=True))
ODD_INDEXED.router = IndexedRouter(ODD_INDEXED.routes)
ODD_WORDS = ["ping", "a", "b", "c", "m", "p", "q", "gen", "genx", "x", ""]


def test_open_heads_route_as_starlette_routes_them() -> None:
    paths = [
        "/" + "/".join(words) + tail
        for size in range(3)
        for words in itertools.product(ODD_WORDS, repeat=size)
        for tail in ("", "/", "\n", "\n/")
    ]
    requests = [(method, path) for path in paths for method in METHODS]
    assert _differences(ODD_INDEXED, ODD_PLAIN, requests) == []


def _longest(prefixes: Sequence[tuple[str, int]], path: str) -> int | None:
    best, longest = None, -1
    for prefix, value in prefixes:
        if (path == prefix or path.startswith(prefix + "/")) and len(prefix) > longest:
            best, longest = value, len(prefix)
    return best


MOUNT_PREFIXES = [prefix for surface in SURFACES for prefix in surface.prefixes]
PREFIX_WORDS = sorted({part for p in MOUNT_PREFIXES for part in p.split("/")} | {"v10", "x"})


@given(
    st.lists(st.sampled_from(PREFIX_WORDS), min_size=0, max_size=5),
    st.booleans(),
)
def test_the_prefix_index_finds_the_longest_prefix(segments: list[str], root: bool) -> None:
    entries = [(prefix, i) for i, prefix in enumerate(MOUNT_PREFIXES + [""] * root)]
    index = PrefixIndex(entries)
    for path in ("/" + "/".join(segments), "/".join(segments)):
        assert index.find(path) == _longest(entries, path), path


def test_the_prefix_index_keeps_the_first_of_equal_prefixes() -> None:
    index = PrefixIndex([("/v1", "first"), ("/v1/", "second"), ("/v1/luma-ai", "nested")])
    assert index.find("/v1/files") == "first"
    assert index.find("/v1") == "first"
    assert index.find("/v1/luma-ai/generations") == "nested"
    assert index.find("/v10") is None
