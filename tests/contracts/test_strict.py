"""Strict mode: a response that breaks its schema is recorded as an error and answered 500."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockluma import MockLuma, build_config
from mockluma.config import ConfigError
from mockluma.engine.jobs import Phase
from mockluma.surfaces.dream_machine import presenters

KEY = {"Authorization": "Bearer luma-strict"}


def client_of(luma: MockLuma) -> httpx.Client:
    return httpx.Client(
        transport=luma.sync_transport(), base_url=luma.dream_machine_url, headers=KEY
    )


@pytest.fixture
def strict() -> Iterator[MockLuma]:
    with MockLuma(in_process=True, strict=True) as luma:
        yield luma


def test_a_response_that_breaks_its_schema_becomes_a_500_naming_the_problem(
    strict: MockLuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(presenters.STATES, Phase.QUEUED, "processing")
    with client_of(strict) as client:
        response = client.post("/generations/video", json={"model": "ray-2", "prompt": "a fox"})
    assert response.status_code == 500
    detail = response.json()["detail"]  # Dream Machine's dialect
    assert "broke its contract" in detail
    assert "dream-machine/generation.response.json" in detail
    assert "$.state" in detail
    (error,) = strict.take_errors()
    assert "ContractViolation" in error
    assert "'processing' is not one of" in error
    # the journal shows what the client got
    assert strict.journal.count(method="POST", status=500) == 1


def test_an_undeclared_status_is_a_violation(
    strict: MockLuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockluma.surfaces.dream_machine.routes import DreamMachineRoutes

    original = DreamMachineRoutes.present
    monkeypatch.setattr(
        DreamMachineRoutes,
        "present",
        lambda self, job, request, status=200: original(self, job, request, 202),
    )
    with client_of(strict) as client:
        response = client.post("/generations/image", json={"model": "photon-1"})
    assert response.status_code == 500
    assert "status 202 is not the documented 201" in response.json()["detail"]
    assert len(strict.take_errors()) == 1


def test_errors_and_unknown_paths_pass_when_in_the_dialect(strict: MockLuma) -> None:
    with client_of(strict) as client:
        assert client.get("/generations/nope").status_code == 404
        assert client.get("/no/such/path").status_code == 404
        assert client.post("/generations/video", json={"model": "ray-9"}).status_code == 422
        assert client.request("HEAD", "/ping").status_code == 200
        assert client.get("/ping", headers={"Authorization": ""}).status_code == 401
    assert strict.take_errors() == []


def test_without_strict_mode_the_response_goes_out_unchecked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(presenters.STATES, Phase.QUEUED, "processing")
    with MockLuma(in_process=True) as luma, client_of(luma) as client:
        response = client.post("/generations/video", json={"model": "ray-2", "prompt": "a fox"})
        assert response.json()["state"] == "processing"
        assert luma.take_errors() == []


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("on", True), ("false", False)])
def test_strict_is_read_from_the_environment(raw: str, value: bool) -> None:
    assert build_config(environ={"MOCKLUMA_STRICT": raw}).strict is value


def test_a_bad_strict_value_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError, match="MOCKLUMA_STRICT='maybe' is not a valid strict"):
        build_config(environ={"MOCKLUMA_STRICT": "maybe"})


def test_the_plugin_fixture_fails_a_test_that_received_a_broken_response(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_downstream="""
import httpx
from mockluma.engine.jobs import Phase
from mockluma.surfaces.dream_machine import presenters

def test_gets_a_bad_state(luma_mock, monkeypatch):
    monkeypatch.setitem(presenters.STATES, Phase.QUEUED, "processing")
    response = httpx.post(
        luma_mock.dream_machine_url + "/generations/video",
        json={"model": "ray-2", "prompt": "a fox"},
        headers={"Authorization": "Bearer k"},
    )
    assert response.status_code == 500
"""
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*broke its contract*", "*ContractViolation*"])
