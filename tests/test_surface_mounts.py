"""Nested surfaces: UmamiAI's ``/v1/luma-ai`` lives inside the Agents API's ``/v1``.

A stand-in ``/v1`` surface takes the Agents API's place here, listed before and after UmamiAI:
either way, paths under ``/v1/luma-ai`` reach UmamiAI and are refused in its dialect, and the
rest of ``/v1`` belongs to the outer surface.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import mockluma.app
from mockluma.handle import MockLuma
from mockluma.surfaces import Surface, registry
from mockluma.surfaces.appypie import APPYPIE
from mockluma.web.errors import ApiError


class OuterDialect:
    def error(self, status: int, message: str) -> ApiError:
        return ApiError(status, {"outer": message})


async def outer_generations(request: Request) -> Response:
    return JSONResponse({"served_by": "outer"})


OUTER = Surface(
    name="outer",
    prefix="/v1",
    dialect=OuterDialect(),
    routes=lambda ctx: [Route("/generations", outer_generations, methods=["GET"])],
    starting_balance=lambda config: 0.0,
)


@pytest.fixture(params=["outer-first", "outer-last"])
def nested(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    # The stand-in takes the place of the Agents API, the real surface at /v1.
    surfaces = tuple(s for s in registry.surfaces() if s.prefix != OUTER.prefix)
    ordered = (OUTER, *surfaces) if request.param == "outer-first" else (*surfaces, OUTER)
    luma = MockLuma(in_process=True, surfaces=ordered).start()
    try:
        with httpx.Client(
            base_url=luma.url,
            transport=luma.sync_transport(),
            headers={"Authorization": "Bearer nested-key"},
        ) as client:
            yield client
    finally:
        luma.stop()


def test_the_inner_surface_serves_its_paths(nested: httpx.Client) -> None:
    created = nested.post("/v1/luma-ai/generations", json={"user_prompt": "nested"})
    assert created.status_code == 201
    assert created.json()["state"] == "pending"
    assert nested.get("/v1/generations").json() == {"served_by": "outer"}


def test_errors_take_the_dialect_of_the_longest_prefix(nested: httpx.Client) -> None:
    inner_404 = nested.get("/v1/luma-ai/nope")
    assert inner_404.status_code == 404
    assert inner_404.json()["statusCode"] == 404
    inner_405 = nested.delete("/v1/luma-ai/generations")
    assert inner_405.status_code == 405
    assert set(inner_405.json()) == {"message", "statusCode"}
    outer_404 = nested.get("/v1/nope")
    assert outer_404.status_code == 404
    assert "outer" in outer_404.json()
    # A path that merely starts with the same letters is not under the prefix.
    assert "outer" in nested.get("/v1/luma-aix").json()


def test_a_surface_with_several_mounts_answers_under_each() -> None:
    assert APPYPIE.prefixes == ("/lumalabs-ai/v1", "/lumalabs-ai-polling/v1")
    assert {prefix for surface in mockluma.app.SURFACES for prefix in surface.prefixes} >= {
        "/dream-machine/v1",
        "/lumalabs-ai/v1",
        "/lumalabs-ai-polling/v1",
        "/v1/luma-ai",
    }
