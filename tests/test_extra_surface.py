"""Adding a surface is adding one package: a tiny API registered from here is served, journaled,
fault-injectable, listed by the CLI and known to the handle, with nothing else changed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockluma.cli import main
from mockluma.engine.distributions import Fixed
from mockluma.engine.jobs import Failure, Phase
from mockluma.engine.timing import Timing
from mockluma.handle import MockLuma
from mockluma.surfaces import Context, Surface, registry
from mockluma.web.auth import header_or_query_key
from mockluma.web.errors import ApiError
from mockluma.web.planned_faults import planned_faults

read_key = header_or_query_key("X-Tiny-Key", "key")


class TinyDialect:
    def error(self, status: int, message: str) -> ApiError:
        return ApiError(status, {"tiny_error": message})


DIALECT = TinyDialect()
STATES = {Phase.QUEUED: "waiting", Phase.RUNNING: "busy", Phase.SUCCEEDED: "done"}


def tiny_routes(ctx: Context) -> Sequence[BaseRoute]:
    def owner(request: Request) -> str:
        key = read_key(request.scope)
        if key is None:
            raise DIALECT.error(401, "Send your key in X-Tiny-Key.")
        return key

    def present(job: Any) -> dict[str, Any]:
        return {"id": job.id, "state": STATES.get(job.phase, "broken")}

    async def create(request: Request) -> Response:
        job = ctx.simulation.submit(
            surface="tiny",
            owner=owner(request),
            kind="job",
            request={},
            details={},
            timing=Timing(queued=Fixed(1.0), running=Fixed(2.0)),
            faults=planned_faults(request),
        )
        return JSONResponse(present(job), status_code=201)

    async def get(request: Request) -> Response:
        job = ctx.simulation.get("tiny", owner(request), request.path_params["id"])
        return JSONResponse(present(job))

    return [
        Route("/jobs", create, methods=["POST"]),
        Route("/jobs/{id}", get, methods=["GET"]),
    ]


TINY = Surface(
    name="tiny",
    prefix="/tiny/v1",
    dialect=DIALECT,
    routes=tiny_routes,
    starting_balance=lambda config: 0.0,
    failures={"job": Failure("The tiny job broke.", "tiny_broke")},
    title="Tiny test API",
    real_base_url="https://api.tiny.example/tiny/v1",
    api_key=read_key,
    key_env="TINY_API_KEY",
)


@pytest.fixture
def tiny() -> Iterator[tuple[MockLuma, httpx.Client]]:
    with registry.registered(TINY):
        luma = MockLuma(in_process=True)
    with (
        luma,
        httpx.Client(
            base_url=luma.url_for("tiny"),
            transport=luma.sync_transport(),
            headers={"X-Tiny-Key": "tiny-key"},
        ) as client,
    ):
        yield luma, client


def test_the_registered_surface_is_served_on_the_engine(
    tiny: tuple[MockLuma, httpx.Client],
) -> None:
    luma, client = tiny
    created = client.post("/jobs")
    assert created.status_code == 201
    assert created.json()["state"] == "waiting"
    luma.advance(5)
    assert client.get(f"/jobs/{created.json()['id']}").json()["state"] == "done"
    assert client.get("/nope").json() == {
        "tiny_error": "There is no endpoint at /tiny/v1/nope. Check the path and the base URL."
    }


def test_the_journal_reads_the_key_the_surface_way(tiny: tuple[MockLuma, httpx.Client]) -> None:
    luma, client = tiny
    client.post("/jobs", headers={"X-Tiny-Key": "someone-else"})
    (exchange,) = luma.journal.assert_called(method="POST", path="/tiny/v1/jobs")
    assert exchange.api_key == "someone-else"
    assert exchange.status == 201


def test_fault_rules_reach_the_surface_by_name_and_key(
    tiny: tuple[MockLuma, httpx.Client],
) -> None:
    luma, client = tiny
    luma.faults.add(
        name="down",
        match={"surface": "tiny", "api_key": "unlucky"},
        error={"status": 503},
    )
    refused = client.post("/jobs", headers={"X-Tiny-Key": "unlucky"})
    assert refused.status_code == 503
    assert "injected by mockluma" in refused.json()["tiny_error"]
    assert client.post("/jobs").status_code == 201  # another key


def test_generation_faults_reach_the_surface_jobs(tiny: tuple[MockLuma, httpx.Client]) -> None:
    luma, client = tiny
    luma.faults.add(name="broken", match={"surface": "tiny"}, generation={"fail": "job"})
    job_id = client.post("/jobs").json()["id"]
    luma.advance(60)
    assert client.get(f"/jobs/{job_id}").json()["state"] == "broken"
    job = luma.simulation.get("tiny", "tiny-key", job_id)
    assert job.failure is not None
    assert job.failure.code == "tiny_broke"


def test_the_cli_and_the_handle_list_it(capsys: pytest.CaptureFixture[str]) -> None:
    with registry.registered(TINY):
        main(["surfaces"])
        listed = capsys.readouterr().out
        with pytest.raises(SystemExit):
            main(["contract", "--help"])
        contract_help = " ".join(capsys.readouterr().out.split())  # as one line, unwrapped
        luma = MockLuma(in_process=True)
    luma.stop()  # never started: this closes its event loop
    assert "tiny: Tiny test API" in listed
    assert "/tiny/v1  (real: https://api.tiny.example/tiny/v1)" in listed
    assert "$TINY_API_KEY" in listed
    assert "tiny, or all" in contract_help
    assert "TINY_API_KEY" in contract_help
    assert luma.urls["tiny"] == "http://mockluma.test/tiny/v1"
    # Registered only for the block: apps built afterwards serve the shipped surfaces alone.
    assert "tiny" not in registry.names()
    later = MockLuma(in_process=True)
    later.stop()
    assert "tiny" not in later.urls


def test_a_name_cannot_be_registered_twice() -> None:
    with registry.registered(TINY), pytest.raises(ValueError, match="already registered"):
        registry.register(TINY)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registry.get("dream-machine"))


def test_the_shipped_surfaces_declare_what_the_rest_of_the_code_needs() -> None:
    shipped = registry.built_in()
    assert [surface.name for surface in shipped] == [
        "dream-machine",
        "agents",
        "captures",
        "appypie",
        "umami",
    ]
    for surface in shipped:
        assert surface.title, surface.name
        assert surface.key_env, surface.name
        assert surface.contract, surface.name
        assert surface.real_url(surface.prefix) == surface.real_base_url
    appypie = registry.get("appypie")
    assert appypie.real_url("/lumalabs-ai-polling/v1") == (
        "https://gateway.appypie.com/lumalabs-ai-polling/v1"
    )
    assert registry.get("captures").real_url("/_mockluma/uploads/captures") is None


def test_every_contract_module_belongs_to_a_surface() -> None:
    import pkgutil

    import mockluma.contracts.surfaces as package

    modules = {f"{package.__name__}.{info.name}" for info in pkgutil.iter_modules(package.__path__)}
    assert modules == {surface.contract for surface in registry.built_in()}
