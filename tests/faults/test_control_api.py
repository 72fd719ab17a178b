"""Fault rules and rate limits through /_mockluma, the handle and the pytest marker."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import lumaai
import pytest
from lumaai import LumaAI

from mockluma.handle import MockLuma
from mockluma.scenario import ScenarioError


@pytest.fixture
def admin(luma: MockLuma) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{luma.url}/_mockluma") as client:
        yield client


def test_faults_over_http(luma: MockLuma, admin: httpx.Client, client: LumaAI) -> None:
    added = admin.post(
        "/faults",
        json={"rules": [{"name": "down", "match": {"path": "*/ping"}, "error": {"status": 502}}]},
    )
    assert added.status_code == 201
    with pytest.raises(lumaai.InternalServerError):
        client.ping.check()
    (rule,) = admin.get("/faults").json()["rules"]
    assert (rule["name"], rule["calls"], rule["fired"]) == ("down", 1, 1)
    assert admin.delete("/faults/down").status_code == 204
    assert admin.delete("/faults/down").status_code == 404
    assert client.ping.check() is not None
    admin.post("/faults", json={"latency": 0})
    assert admin.delete("/faults").status_code == 204
    assert admin.get("/faults").json() == {"rules": []}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error": {"status": 99}}, "at error.status"),
        ({"generation": {"fail": "volcano"}}, "no failure kind 'volcano'"),
        ({"rules": "many"}, "'rules' must be a list"),
        ([1, 2], "at the top level"),
    ],
)
def test_bad_rules_over_http_are_422(admin: httpx.Client, body: object, message: str) -> None:
    response = admin.post("/faults", json=body)
    assert response.status_code == 422
    assert message in response.json()["error"]


def test_limits_over_http(luma: MockLuma, admin: httpx.Client, client: LumaAI) -> None:
    assert admin.get("/limits").json()["enabled"] is False  # off in tests by default
    shown = admin.put(
        "/limits", json={"enabled": True, "limits": {"dream-machine": {"ray": {"concurrent": 1}}}}
    ).json()
    assert shown["limits"]["dream-machine"]["ray"]["concurrent"] == 1
    assert shown["limits"]["dream-machine"]["photon"]["concurrent"] == 40  # the documented one
    client.generations.create(model="ray-2", prompt="a fox")
    with pytest.raises(lumaai.RateLimitError):
        client.generations.create(model="ray-2", prompt="a fox")
    assert admin.put("/limits", json={"enabled": "yes"}).status_code == 422
    assert (
        admin.put("/limits", json={"limits": {"dream-machine": {"ray": {"x": 1}}}}).status_code
        == 422
    )


def test_documented_limits_apply_when_switched_on(luma: MockLuma, client: LumaAI) -> None:
    luma.reset(rate_limits=True)
    for _ in range(10):
        client.generations.create(model="ray-flash-2", prompt="a fox")
    with pytest.raises(lumaai.RateLimitError) as caught:
        client.generations.create(model="ray-2", prompt="a fox")
    assert caught.value.response.headers["retry-after"] == "10"
    for _ in range(40):  # photon is counted on its own
        client.generations.image.create(model="photon-flash-1", prompt="a fox")
    luma.reset(rate_limits=True, progression="immediate")  # finished at once: no concurrency
    for _ in range(20):
        client.generations.create(model="ray-2", prompt="a fox")
    with pytest.raises(lumaai.RateLimitError, match="per minute"):
        client.generations.create(model="ray-2", prompt="a fox")


def test_handle_rules_are_checked(luma: MockLuma) -> None:
    with pytest.raises(ScenarioError, match=r"at when\.nth"):
        luma.faults.add(when={"nth": 0}, error={"status": 500})
    luma.faults.add(name="a", latency=0)
    luma.faults.add(name="a", latency=1)  # same name: replaced
    assert [rule["latency"] for rule in luma.faults.list()] == [1]
    assert luma.faults.remove("a")
    luma.faults.add(name="b", latency=0)
    luma.reset()
    assert luma.faults.list() == []


def test_marker_faults_apply_to_one_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import lumaai, pytest

        def client(luma_mock):
            return lumaai.LumaAI(auth_token="k", base_url=luma_mock.dream_machine_url, max_retries=0)

        @pytest.mark.luma_mock(faults=[{"match": {"path": "*/ping"}, "error": {"status": 503}}])
        def test_with_fault(luma_mock):
            with pytest.raises(lumaai.InternalServerError):
                client(luma_mock).ping.check()

        def test_without_fault(luma_mock):
            assert client(luma_mock).ping.check() is not None

        def test_inbox(luma_mock, luma_inbox):
            made = client(luma_mock).generations.create(
                model="ray-2", prompt="a fox", callback_url=luma_inbox.url
            )
            assert luma_inbox.wait_for(made.id, "completed").body["state"] == "completed"
        """
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)
