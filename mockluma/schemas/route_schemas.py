"""Which schemas describe each route of a surface: ``schemas/<surface>/routes.json``.

A route map is data, shipped beside the schemas it names. For every route the surface mounts
(one entry per method, HEAD aside) it names the schema of the request body, of the query and of
the body of each success status; the surface's error schema covers every status from 400 up.
Strict mode (:mod:`mockluma.app.strict`) and the contract runner (:mod:`mockluma.contracts`) read
it; ``tests/contracts/test_route_map.py`` proves that it lists every mounted route.

Maps are checked against ``schemas/route-map.json`` when first loaded, and every schema they
name must exist, so a typo fails at start-up rather than on the first request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from starlette.routing import compile_path

from mockluma.errors import RouteMapError as RouteMapError
from mockluma.resources import data_dir
from mockluma.schemas import store as schema_store
from mockluma.web.urls import UPLOADS_PATH

META_SCHEMA = "route-map.json"


@dataclass(frozen=True, slots=True)
class RouteSchemas:
    """One route of one surface and the schemas of what goes in and out of it.

    Schema names are qualified by the surface (``dream-machine/generation.response.json``) so
    they can be passed straight to :func:`mockluma.schemas.store.validator`.
    """

    surface: str
    method: str
    path: str
    """Relative to the surface's mount prefix, in Starlette's syntax: ``/generations/{id}``."""
    operation: str
    request: str | None
    query: str | None
    responses: Mapping[int, str | None]
    """Success status → schema of its body (``None``: the status has no body)."""
    error: str
    pattern: re.Pattern[str]
    mount: str | None = None
    """The mount prefix the route is under, when it is not the surface's main one."""

    @property
    def on_storage_host(self) -> bool:
        """The route stands for a storage host elsewhere (signed uploads), which the mock serves
        under ``/_mockluma/uploads``: the surface's base URL does not lead there."""
        return self.mount is not None and self.mount.startswith(UPLOADS_PATH + "/")

    @property
    def endpoint(self) -> str:
        """``"GET /generations/{id}"``: how reports and check names refer to the route (with
        the mount prefix for a route under a surface's other mount)."""
        return f"{self.method} {self.mount or ''}{self.path}"

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and self.pattern.match(path) is not None


@dataclass(frozen=True, slots=True)
class RouteMap:
    surface: str
    error: str
    """Qualified name of the schema of every error body on this surface."""
    routes: tuple[RouteSchemas, ...]

    def find(self, method: str, path: str, mount: str | None = None) -> RouteSchemas | None:
        """The route that serves ``method path`` (``path`` relative to ``mount``, the main
        prefix when ``None``), if any."""
        for route in self.routes:
            if route.mount == mount and route.matches(method, path):
                return route
        return None

    @property
    def mounts(self) -> frozenset[str | None]:
        """The mount prefixes the routes are under (``None``: the surface's main prefix)."""
        return frozenset(route.mount for route in self.routes)

    def route(self, endpoint: str) -> RouteSchemas:
        """The route declared as ``endpoint`` (``"GET /generations/{id}"``)."""
        for route in self.routes:
            if route.endpoint == endpoint:
                return route
        raise KeyError(f"The {self.surface} route map has no route {endpoint!r}.")


def surfaces_with_maps() -> list[str]:
    """Names of the surfaces that ship a route map."""
    root = data_dir("schemas")
    return sorted(path.parent.name for path in root.glob(f"*/{schema_store.ROUTE_MAP_FILE}"))


@cache
def route_map(surface: str) -> RouteMap:
    """The checked route map of ``surface``; :class:`RouteMapError` if it has none or it is bad."""
    path = data_dir("schemas") / surface / schema_store.ROUTE_MAP_FILE
    if not path.is_file():
        raise RouteMapError(
            f"Surface {surface!r} has no route map: add schemas/{surface}/"
            f"{schema_store.ROUTE_MAP_FILE} listing each of its routes and their schemas "
            "(README, 'Contract checks', says how)."
        )
    return parse(surface, json.loads(path.read_text(encoding="utf-8")), source=str(path))


def parse(surface: str, document: Any, *, source: str) -> RouteMap:
    """Check ``document`` as the route map of ``surface`` (``source`` names it in errors)."""
    path = source
    problem = schema_store.first_error(META_SCHEMA, document)
    if problem is not None:
        raise RouteMapError(f"{path}: {problem.json_path}: {problem.message}.")
    if document["surface"] != surface:
        raise RouteMapError(f"{path}: 'surface' must be {surface!r}, not {document['surface']!r}.")
    known = set(schema_store.names())

    def qualified(name: str | None) -> str | None:
        if name is None:
            return None
        full = f"{surface}/{name}"
        if full not in known:
            raise RouteMapError(
                f"{path}: names schema {name!r}, which is not in schemas/{surface}/."
            )
        return full

    error = qualified(document["error"])
    assert error is not None
    routes = []
    seen: set[str] = set()
    for entry in document["routes"]:
        endpoint = f"{entry['method']} {entry['path']}"
        if endpoint in seen:
            raise RouteMapError(f"{path}: {endpoint} is listed twice.")
        seen.add(endpoint)
        routes.append(
            RouteSchemas(
                surface=surface,
                method=entry["method"],
                path=entry["path"],
                operation=entry["operation"],
                request=qualified(entry["request"]),
                query=qualified(entry["query"]),
                responses={int(code): qualified(name) for code, name in entry["responses"].items()},
                error=error,
                pattern=compile_path(entry["path"])[0],
                mount=entry.get("mount"),
            )
        )
    # Fixed paths first, so /generations/video is never taken for /generations/{id}.
    routes.sort(key=lambda route: "{" in route.path)
    return RouteMap(surface=surface, error=error, routes=tuple(routes))


def check_all() -> None:
    """Load and check every shipped schema and route map once; raise on the first problem."""
    schema_store.names()
    for surface in surfaces_with_maps():
        route_map(surface)


__all__ = ["RouteMap", "RouteMapError", "RouteSchemas", "check_all", "parse", "route_map"]
