"""A team's own recordings as contract evidence: ``pytest --recordings DIR`` (or
``MOCKLUMA_RECORDINGS=DIR``) holds every body that ``mockluma proxy --record DIR`` wrote to its
schema and to the official SDK's own type, as ``test_recorded.py`` does for the shipped ones.

Without a directory the parametrized test has nothing to run; the last test makes a small
directory through the proxy so that the evidence path itself is always exercised.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pydantic
import pytest

from mockluma.contracts.drift import Direction
from mockluma.contracts.surfaces import contracts
from mockluma.handle import MockLuma
from mockluma.proxy.recording import Recording, load
from mockluma.proxy.running import ProxyServer
from mockluma.schemas import store as schema_store

SDK_TYPES = {
    binding.schema: binding
    for contract in contracts().values()
    for binding in contract.sdk_types
    if binding.direction is Direction.RESPONSE
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "recording" in metafunc.fixturenames:
        directory = metafunc.config.getoption("--recordings")
        if not directory:
            skip = pytest.mark.skip(reason="no recordings: give --recordings DIR")
            metafunc.parametrize("recording", [pytest.param(None, marks=skip)], ids=["none"])
            return
        found = load(Path(directory))
        metafunc.parametrize(
            "recording", found, ids=[r.path.relative_to(directory).as_posix() for r in found]
        )


def problems(recording: Recording) -> list[str]:
    """Why the recorded body does not meet its schema or the SDK's type (empty if it does)."""
    schema = recording.document.get("schema")
    if schema is None or recording.body is None:
        return []
    name = f"{recording.surface}/{schema}"
    found = [
        f"{error.json_path}: {error.message}"
        for error in schema_store.validator(name).iter_errors(recording.body)
    ]
    binding = SDK_TYPES.get(name)
    if binding is not None and not found:
        try:
            pydantic.TypeAdapter(binding.load()).validate_python(recording.body)
        except pydantic.ValidationError as exc:
            found.append(f"{binding.sdk_type}: {exc}")
    return found


def test_a_team_recording_meets_its_schema_and_sdk_type(recording: Recording) -> None:
    assert problems(recording) == []


def test_recordings_made_through_the_proxy_are_evidence(luma: MockLuma, tmp_path: Path) -> None:
    with ProxyServer({"all": luma.url}, record=tmp_path) as proxy:
        auth = {"Authorization": "Bearer luma-api-evidence-key"}
        with httpx.Client(base_url=f"{proxy.url}/dream-machine/v1", headers=auth) as client:
            created = client.post(
                "/generations/video", json={"prompt": "a bridge", "model": "ray-flash-2"}
            ).json()
            luma.advance(3600)
            client.get(f"/generations/{created['id']}")
        proxy.settle()
    found = load(tmp_path)
    assert [r.document["schema"] for r in found] == ["generation.response.json"] * 2
    assert [problems(r) for r in found] == [[], []]
    # The evidence can fail: a body the SDK's type refuses is reported.
    broken = Recording(found[0].path, {**found[0].document, "body": {"id": 1}})
    assert problems(broken)
