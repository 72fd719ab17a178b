"""Checks every surface gets from its route map alone, with no code of its own.

:func:`add_request_refusals` registers, for each route whose body is a JSON object (by its
schema), a check that a body which is not JSON is refused, and (when its schema requires
fields) a check that an empty object is refused; both with a 4xx in the surface's error
dialect. Such requests are refused before any work starts, so they are safe on a live API
without a budget.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from mockluma.contracts.registry import SurfaceContract
from mockluma.contracts.session import Session
from mockluma.schemas import store as schema_store
from mockluma.schemas.route_schemas import RouteSchemas, route_map

CLIENT_ERRORS = tuple(range(400, 500))


def _slug(route: RouteSchemas) -> str:
    words = re.sub(r"\{[^}]*\}", "id", route.endpoint.split(" ", 1)[1]).strip("/")
    return re.sub(r"[^a-z0-9]+", "_", f"{route.method} {words}".lower()).strip("_")


def _concrete(path: str, values: Mapping[str, str]) -> str:
    return re.sub(r"\{([^}:]*)(:[^}]*)?\}", lambda match: values[match.group(1)], path)


def add_request_refusals(contract: SurfaceContract, *, path_values: Mapping[str, str]) -> None:
    """Register the refusal checks of every route of ``contract.surface`` that takes a body.

    ``path_values`` fills path parameters (``{"id": <an id that does not exist>}``).
    """
    for route in route_map(contract.surface).routes:
        # A storage host takes bytes, not JSON, and is reached by signed URL only; and only a
        # body that must be a JSON object can be refused for not being one.
        if route.request is None or route.on_storage_host:
            continue
        if schema_store.schema(route.request).get("type") != "object":
            continue
        path = _concrete(route.path, path_values)

        def not_json(
            session: Session,
            method: str = route.method,
            path: str = path,
            mount: str | None = route.mount,
        ) -> None:
            session.request(
                method,
                path,
                content=b'{"this is": not json',
                headers={"Content-Type": "application/json"},
                expect=CLIENT_ERRORS,
                mount=mount,
            )

        contract.add(
            route.endpoint,
            not_json,
            name=f"{_slug(route)}_refuses_a_body_that_is_not_json",
            title=f"{route.endpoint} refuses a body that is not JSON with a 4xx in the dialect",
        )
        required = schema_store.schema(route.request).get("required", [])
        if not required:
            continue

        def empty(
            session: Session,
            method: str = route.method,
            path: str = path,
            mount: str | None = route.mount,
        ) -> None:
            session.request(method, path, json_body={}, expect=CLIENT_ERRORS, mount=mount)

        contract.add(
            route.endpoint,
            empty,
            name=f"{_slug(route)}_refuses_an_empty_body",
            title=(
                f"{route.endpoint} refuses a body without its required "
                f"{', '.join(required)} with a 4xx in the dialect"
            ),
        )


__all__ = ["CLIENT_ERRORS", "add_request_refusals"]
