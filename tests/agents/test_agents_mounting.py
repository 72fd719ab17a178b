"""Where the Agents API lives: ``/v1`` on the same server, found by the handle, the plugin's
environment and the SDK's own defaults; and a longer prefix under ``/v1`` keeps its paths."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import pytest
from luma_agents import Luma
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockluma.handle import MockLuma
from mockluma.surfaces import Context, Surface
from mockluma.surfaces.agents import AGENTS
from mockluma.surfaces.dream_machine import DREAM_MACHINE
from mockluma.web.errors import ApiError


def test_the_handle_and_the_environment_point_the_sdk_at_v1(
    luma: MockLuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert luma.agents_url == f"{luma.url}/v1"
    for name, value in luma.env().items():
        monkeypatch.setenv(name, value)
    with Luma(_strict_response_validation=True) as sdk:  # base URL and key from the environment
        created = sdk.generations.create(prompt="configured by the environment")
    assert luma.env()["LUMA_AGENTS_API_KEY"].startswith("luma-api-")
    luma.journal.assert_called(method="POST", path="/v1/generations", generation_id=created.id)


class _Dialect:
    def error(self, status: int, message: str) -> ApiError:
        return ApiError(status, {"error": message})


def _nested_routes(ctx: Context) -> Sequence[BaseRoute]:
    async def ping(request: Request) -> Response:
        return JSONResponse({"surface": "nested"})

    return [Route("/ping", ping, methods=["GET"])]


NESTED = Surface(
    name="nested",
    prefix="/v1/luma-ai",
    dialect=_Dialect(),
    routes=_nested_routes,
    starting_balance=lambda config: 0.0,
)


@pytest.mark.parametrize(
    "order",
    [(DREAM_MACHINE, AGENTS, NESTED), (NESTED, AGENTS, DREAM_MACHINE)],
    ids=["nested-last", "nested-first"],
)
def test_the_longest_prefix_owns_its_paths(order: tuple[Surface, ...]) -> None:
    with (
        MockLuma(in_process=True, surfaces=order) as mock,
        httpx.Client(transport=mock.sync_transport(), base_url=mock.url) as client,
    ):
        assert client.get("/v1/luma-ai/ping").json() == {"surface": "nested"}
        nested_miss = client.get("/v1/luma-ai/nothing")
        assert nested_miss.status_code == 404
        assert "error" in nested_miss.json()  # the nested API's own dialect
        assert "x-api-version" not in nested_miss.headers
        agents_miss = client.get("/v1/nothing", headers={"X-Request-Id": "r-1"})
        assert "detail" in agents_miss.json()
        assert agents_miss.headers["x-request-id"] == "r-1"
        unauthenticated = client.get("/v1/files")
        assert unauthenticated.json() == {"detail": "Missing or invalid API key"}


def test_a_crash_is_answered_in_the_dialect_with_the_headers(
    luma: MockLuma, monkeypatch: pytest.MonkeyPatch, http: httpx.Client
) -> None:
    from mockluma.surfaces.agents import files

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(files, "page", broken)
    response = http.get("/files", headers={"X-Request-Id": "crash-1"})
    assert response.status_code == 500
    assert response.json()["detail"].startswith("mockluma failed while handling this request")
    assert response.headers["x-request-id"] == "crash-1"
    assert response.headers["x-api-version"] == "2026-04-01"
    assert len(luma.take_errors()) == 1
