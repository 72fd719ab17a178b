"""What the mock serves, as an OpenAPI 3.1 document built from ``schemas/`` and the route maps.

``GET /_mockluma/openapi.json?api=dream-machine`` (or any surface, or ``all``) answers
:func:`openapi_document`, so Postman, Swagger UI or schemathesis can import the mock's
endpoints. Nothing here is written by hand per endpoint: every path, method, query parameter and
body comes from the route map (``schemas/<surface>/routes.json``) and the JSON Schemas it names.

The schemas become ``components.schemas`` entries named ``<surface>.<file stem>``
(``dream-machine.generation.response``), each ``$defs`` entry hoisted beside them
(``dream-machine.defs.Keyframe``), and every ``$ref`` rewritten to point there, so the document
needs no outside file and no ``$id`` resolution. OpenAPI 3.1 schemas are JSON Schema 2020-12,
so the schemas themselves are unchanged otherwise.

How each API reads its key is the one fact not in the schemas: :data:`SECURITY` (a bearer token
unless said otherwise).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urldefrag, urljoin

from mockluma._version import __version__
from mockluma.schemas import store as schema_store
from mockluma.schemas.route_schemas import RouteSchemas, route_map, surfaces_with_maps

OPENAPI_VERSION = "3.1.0"
_BASE = "https://mockluma.local/schemas/"
_PARAMETER = re.compile(r"{([^}:]+)(?::[^}]+)?}")

SECURITY: Mapping[str, dict[str, Any]] = {
    "captures": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "The header's value is 'luma-api-key=<key>' (no 'Bearer').",
    },
    "appypie": {
        "type": "apiKey",
        "in": "header",
        "name": "Ocp-Apim-Subscription-Key",
        "description": "Or the 'subscription-key' query parameter.",
    },
}
"""Each API's security scheme where it is not ``Authorization: Bearer <key>``."""
_BEARER: dict[str, Any] = {"type": "http", "scheme": "bearer"}
_AGENTS_NOTE = "The key must start with 'luma-api-'."


class UnknownApi(LookupError):
    """No route map for the API asked for."""


def component_name(qualified: str) -> str:
    """``dream-machine/generation.response.json`` → ``dream-machine.generation.response``."""
    surface, _, file = qualified.partition("/")
    return f"{surface}.{file.removesuffix('.json')}"


def openapi_document(
    apis: Iterable[str], prefixes: Mapping[str, str], server_url: str | None = None
) -> dict[str, Any]:
    """The OpenAPI document of ``apis`` (surface names), each under its mount prefix.

    ``prefixes`` gives each surface's main prefix (``/dream-machine/v1``); a route under another
    mount (AppyPie's ``/lumalabs-ai-polling/v1``, a storage host) carries its own.
    """
    chosen = list(apis)
    known = surfaces_with_maps()
    for api in chosen:
        if api not in known or api not in prefixes:
            raise UnknownApi(f"Unknown API {api!r}; choose one of {', '.join(known)} or all.")
    components: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    schemes: dict[str, Any] = {}
    for api in chosen:
        routes = route_map(api)
        schemes[api] = dict(SECURITY.get(api, _BEARER))
        if api == "agents":
            schemes[api]["description"] = _AGENTS_NOTE
        for name in _schemas_of(api):
            _add_component(components, name)
        for route in routes.routes:
            path = (route.mount or prefixes[api]) + route.path
            paths.setdefault(_openapi_path(path), {})[route.method.lower()] = _operation(
                api, route, routes.error
            )
    title = "mockluma: " + (", ".join(chosen) if len(chosen) < len(known) else "every API")
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": __version__,
            "description": (
                "The endpoints mockluma serves, built from its JSON Schemas and route maps. "
                "Error bodies (every status from 400 up) follow each API's own dialect."
            ),
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(components.items())), "securitySchemes": schemes},
    }
    if server_url is not None:
        document["servers"] = [{"url": server_url}]
    return document


def _schemas_of(api: str) -> list[str]:
    return [name for name in schema_store.names() if name.startswith(f"{api}/")]


def _openapi_path(path: str) -> str:
    # Starlette's "{id:path}" is OpenAPI's "{id}".
    return _PARAMETER.sub(lambda match: "{" + match.group(1) + "}", path)


def _ref(qualified: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{component_name(qualified)}"}


def _operation(api: str, route: RouteSchemas, error: str) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PARAMETER.findall(route.path)
    ]
    if route.query is not None:
        query = schema_store.schema(route.query)
        required = set(query.get("required", ()))
        for name, schema in query.get("properties", {}).items():
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "schema": _rewrite(copy.deepcopy(schema), _BASE + route.query),
                }
            )
    responses: dict[str, Any] = {}
    for status, body in sorted(route.responses.items()):
        described: dict[str, Any] = {"description": f"{route.operation}: {status}"}
        if body is not None:
            described["content"] = {"application/json": {"schema": _ref(body)}}
        responses[str(status)] = described
    responses["4XX"] = {
        "description": "refused, in the API's own error dialect",
        "content": {"application/json": {"schema": _ref(error)}},
    }
    operation: dict[str, Any] = {
        "operationId": re.sub(r"[^A-Za-z0-9]+", "_", f"{api} {route.endpoint}").strip("_"),
        "summary": route.operation,
        "tags": [api],
        "parameters": parameters,
        "responses": responses,
    }
    on_storage_host = route.on_storage_host
    operation["security"] = [] if on_storage_host else [{api: []}]
    if route.request is not None:
        media = "application/octet-stream" if on_storage_host else "application/json"
        schema = {"type": "string", "format": "binary"} if on_storage_host else _ref(route.request)
        operation["requestBody"] = {"required": True, "content": {media: {"schema": schema}}}
    return operation


def _add_component(components: dict[str, Any], qualified: str) -> None:
    """``schemas/<qualified>`` as components: the schema, and each of its ``$defs`` hoisted."""
    schema = copy.deepcopy(schema_store.schema(qualified))
    uri = _BASE + qualified
    definitions = schema.pop("$defs", {})
    for key in ("$id", "$schema"):
        schema.pop(key, None)
    components[component_name(qualified)] = _rewrite(schema, uri)
    for name, definition in definitions.items():
        components[f"{component_name(qualified)}.{name}"] = _rewrite(definition, uri)


def _rewrite(node: Any, uri: str) -> Any:
    """``node`` with every ``$ref`` (relative to the document at ``uri``) pointing into the
    components."""
    if isinstance(node, list):
        return [_rewrite(item, uri) for item in node]
    if not isinstance(node, dict):
        return node
    rewritten = {key: _rewrite(value, uri) for key, value in node.items()}
    reference = node.get("$ref")
    if isinstance(reference, str):
        target, fragment = urldefrag(urljoin(uri, reference))
        name = component_name(target.removeprefix(_BASE))
        if fragment.startswith("/$defs/"):
            head, _, rest = fragment.removeprefix("/$defs/").partition("/")
            name = f"{name}.{head}" + (f"/{rest}" if rest else "")
        elif fragment:
            name = f"{name}{fragment}"
        rewritten["$ref"] = f"#/components/schemas/{name}"
    return rewritten


__all__ = ["OPENAPI_VERSION", "SECURITY", "UnknownApi", "component_name", "openapi_document"]
