"""Every route every surface mounts has its schemas: the route map is complete, and true.

This walks the routes of ``create_app`` for every surface in ``mockluma.app.SURFACES``, so a
new surface is covered as soon as it is mounted: it fails here until it ships its route map.
"""

from __future__ import annotations

import json
import re

import pytest
from starlette.routing import Mount, Route

from mockluma.app import SURFACES, create_app
from mockluma.config import build_config
from mockluma.resources import data_dir
from mockluma.schemas import route_schemas
from mockluma.schemas import store as schema_store
from mockluma.schemas.route_schemas import RouteMapError
from mockluma.surfaces import Surface

BODY_METHODS = {"POST", "PUT", "PATCH"}


def mounted_endpoints(surface: Surface) -> set[str]:
    app = create_app(build_config({"seed": 0}, environ={}))
    endpoints = set()
    for mount in app.routes:
        if not isinstance(mount, Mount) or mount.path not in surface.prefixes:
            continue
        shown = "" if mount.path == surface.prefix else mount.path
        for route in mount.routes:
            assert isinstance(route, Route), f"{surface.name}: {route!r} is not a plain route"
            for method in (route.methods or set()) - {"HEAD"}:
                endpoints.add(f"{method} {shown}{route.path}")
    return endpoints


@pytest.mark.parametrize("surface", SURFACES, ids=[s.name for s in SURFACES])
def test_every_mounted_route_has_its_schemas(surface: Surface) -> None:
    declared = route_schemas.route_map(surface.name)
    mounted = mounted_endpoints(surface)
    listed = {route.endpoint for route in declared.routes}
    assert mounted - listed == set(), f"mounted but missing from schemas/{surface.name}/routes.json"
    assert listed - mounted == set(), f"in schemas/{surface.name}/routes.json but not mounted"
    for route in declared.routes:
        assert any(200 <= code < 300 for code in route.responses), route.endpoint
        if route.method in BODY_METHODS:
            assert route.request is not None, f"{route.endpoint} takes a body but names no schema"
        for name in (route.request, route.query, *route.responses.values(), route.error):
            if name is not None:
                schema_store.validator(name)  # exists, and passed the meta-schema at load


@pytest.mark.parametrize("surface", SURFACES, ids=[s.name for s in SURFACES])
def test_a_route_is_found_from_a_concrete_path(surface: Surface) -> None:
    declared = route_schemas.route_map(surface.name)
    for route in declared.routes:
        concrete = re.sub(r"\{[^}]+\}", "0b9f0a57-2f5b-4a57-9a4c-1c4c1d8e9b2a", route.path)
        assert declared.find(route.method, concrete, route.mount) == route, route.endpoint


def test_every_schema_file_is_named_by_a_route_map_or_a_reference() -> None:
    named: set[str] = set()
    for surface in route_schemas.surfaces_with_maps():
        declared = route_schemas.route_map(surface)
        named.add(declared.error)
        for route in declared.routes:
            named.update(n for n in (route.request, route.query, *route.responses.values()) if n)
    referenced: set[str] = set()
    for name in schema_store.names():
        text = json.dumps(schema_store.schema(name))
        referenced.update(other for other in schema_store.names() if other.split("/")[-1] in text)
    unused = set(schema_store.names()) - named - referenced - {route_schemas.META_SCHEMA}
    assert unused == set()


def test_a_surface_without_a_route_map_is_told_what_to_add() -> None:
    with pytest.raises(RouteMapError, match=r"add schemas/nowhere/routes.json"):
        route_schemas.route_map("nowhere")


def test_a_route_map_naming_a_missing_schema_or_a_bad_method_is_refused() -> None:
    text = (data_dir("schemas") / "dream-machine" / "routes.json").read_text()
    typo = json.loads(text)
    typo["routes"][0]["request"] = "no-such.request.json"
    with pytest.raises(RouteMapError, match=r"names schema 'no-such.request.json'"):
        route_schemas.parse("dream-machine", typo, source="typo.json")
    bad_method = json.loads(text)
    bad_method["routes"][0]["method"] = "FETCH"
    with pytest.raises(RouteMapError, match=r"\$\.routes\[0\]\.method"):
        route_schemas.parse("dream-machine", bad_method, source="bad.json")
