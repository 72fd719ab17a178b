"""OpenAPI 3.1 documents of the mock's APIs, built from the shipped route maps and schemas.

Each surface's ``schemas/<surface>/routes.json`` names the schema of every route's body, query
and answers; with the schemas inlined (``mockluma.schemas.store.dereferenced``) that is everything an
OpenAPI document says, so the fuzzers always test the contract the mock ships (and CI needs no
copy of Luma's own spec). Paths are absolute on the mock (``/dream-machine/v1/generations``),
so one document per surface is served from the mock's root URL.
"""

from __future__ import annotations

import re
from typing import Any

from mockluma.schemas import route_schemas
from mockluma.schemas import store as schema_store
from mockluma.surfaces import registry

AUTH_HEADERS: dict[str, dict[str, str]] = {
    "dream-machine": {"Authorization": "Bearer luma-fuzz-key"},
    "agents": {"Authorization": "Bearer luma-api-fuzz-key"},
    "captures": {"Authorization": "luma-api-key=fuzz-key"},
    "appypie": {"Ocp-Apim-Subscription-Key": "fuzz-key"},
    "umami": {"Authorization": "Bearer fuzz-key"},
}
"""A valid key for each API, in the header that API reads it from."""

_NOT_OPENAPI = ("$schema", "$id", "$comment")
_PARAMETER = re.compile(r"{([^}:]+)(?::[^}]*)?}")


def _clean(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _clean(value) for key, value in node.items() if key not in _NOT_OPENAPI}
    if isinstance(node, list):
        return [_clean(item) for item in node]
    return node


def _schema(name: str) -> dict[str, Any]:
    cleaned = _clean(schema_store.dereferenced(name))
    assert isinstance(cleaned, dict)
    return cleaned


def openapi(surface_name: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of one surface, paths absolute on the mock."""
    surface = registry.get(surface_name)
    routes = route_schemas.route_map(surface_name)
    error = {
        "description": "an error",
        "content": {"application/json": {"schema": _schema(routes.error)}},
    }
    paths: dict[str, dict[str, Any]] = {}
    for route in routes.routes:
        if route.on_storage_host:
            continue  # signed uploads: reached through the URLs the API hands out
        template = _PARAMETER.sub(r"{\1}", route.path)
        path = f"{route.mount or surface.prefix}{template}"
        operation: dict[str, Any] = {
            "operationId": f"{route.method} {path}",
            "summary": route.operation,
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in _PARAMETER.findall(route.path)
            ],
            "responses": {"default": error},
        }
        if route.query is not None:
            query = _schema(route.query)
            required = set(query.get("required", ()))
            operation["parameters"] += [
                {"name": name, "in": "query", "required": name in required, "schema": schema}
                for name, schema in query.get("properties", {}).items()
            ]
        if route.request is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _schema(route.request)}},
            }
        for status, name in route.responses.items():
            answer: dict[str, Any] = {"description": f"{status}"}
            if name is not None:
                answer["content"] = {"application/json": {"schema": _schema(name)}}
            operation["responses"][str(status)] = answer
        paths.setdefault(path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": f"mockluma: {surface_name}", "version": "1"},
        "paths": paths,
    }
