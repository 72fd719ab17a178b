"""The proxy forwards unchanged: the official SDKs work through it as against the upstream,
the upstream sees its own Host, and a missing or silent upstream answers 502/504 in dialect."""

from __future__ import annotations

import httpx
import pytest
from luma_agents import Luma
from lumaai import AsyncLumaAI, LumaAI

from mockluma.handle import MockLuma
from mockluma.proxy.running import ProxyServer, build_proxy

from .conftest import KEY, Deviating


def test_the_lumaai_sdk_runs_through_the_proxy_unmodified(
    luma: MockLuma, proxy: ProxyServer
) -> None:
    with LumaAI(
        auth_token=KEY,
        base_url=f"{proxy.url}/dream-machine/v1",
        max_retries=0,
        _strict_response_validation=True,
    ) as sdk:
        created = sdk.generations.create(prompt="a lighthouse", model="ray-flash-2")
        assert created.state == "queued"
        assert created.id is not None
        luma.advance(3600)
        done = sdk.generations.get(created.id)
        assert done.state == "completed"
        assert done.assets is not None
        assert done.assets.video is not None
        # The upstream saw its own Host, so its asset URLs point at itself, not at the proxy.
        assert done.assets.video.startswith(luma.url)
        listed = sdk.generations.list(limit=5)
        assert [g.id for g in listed.generations] == [created.id]
        sdk.generations.delete(created.id)
    proxy.settle()
    assert proxy.lines == []
    assert proxy.inspector.exchanges == 4


@pytest.mark.anyio
async def test_the_async_lumaai_sdk_runs_through_the_proxy(
    luma: MockLuma, proxy: ProxyServer
) -> None:
    async with AsyncLumaAI(
        auth_token=KEY, base_url=f"{proxy.url}/dream-machine/v1", max_retries=0
    ) as sdk:
        created = await sdk.generations.image.create(prompt="a teapot", model="photon-flash-1")
        assert created.id is not None
        luma.advance(3600)
        assert (await sdk.generations.get(created.id)).state == "completed"
    proxy.settle()
    assert proxy.lines == []


def test_the_agents_sdk_runs_through_the_proxy(luma: MockLuma, proxy: ProxyServer) -> None:
    with Luma(auth_token=KEY, base_url=f"{proxy.url}/v1", max_retries=0) as sdk:
        created = sdk.generations.create(prompt="a harbour at dawn")
        luma.advance(3600)
        assert sdk.generations.get(created.id).state == "completed"
    proxy.settle()
    assert proxy.lines == []


def test_gateways_are_forwarded_at_their_own_prefixes(luma: MockLuma, proxy: ProxyServer) -> None:
    headers = {"Ocp-Apim-Subscription-Key": KEY}
    with httpx.Client(base_url=proxy.url, headers=headers) as client:
        created = client.post(
            "/lumalabs-ai/v1/generate", json={"prompt": "a dune at noon", "aspect_ratio": "16:9"}
        )
        assert created.status_code == 200, created.text
        polled = client.post(
            "/lumalabs-ai-polling/v1/getStatus", json={"task_id": created.json()["requestId"]}
        )
        assert polled.status_code == 200, polled.text
    proxy.settle()
    assert proxy.lines == []
    assert {call.path for call in luma.journal} >= {
        "/lumalabs-ai/v1/generate",
        "/lumalabs-ai-polling/v1/getStatus",
    }


def test_a_path_under_no_prefix_is_refused_with_a_sentence(proxy: ProxyServer) -> None:
    answer = httpx.get(f"{proxy.url}/nowhere")
    assert answer.status_code == 404
    assert "/dream-machine/v1" in answer.json()["detail"]


def test_an_unreachable_upstream_answers_502_in_the_surfaces_dialect() -> None:
    with ProxyServer({"all": "http://127.0.0.1:9"}) as running:
        dream = httpx.get(f"{running.url}/dream-machine/v1/ping")
        appypie = httpx.post(f"{running.url}/lumalabs-ai/v1/generate", json={})
        running.settle()
    assert dream.status_code == 502
    assert "http://127.0.0.1:9/dream-machine/v1" in dream.json()["detail"]
    assert appypie.status_code == 502
    assert "http://127.0.0.1:9/lumalabs-ai/v1" in appypie.json()["error"]
    assert any(line.startswith("UPSTREAM #1") for line in running.lines)


def test_a_silent_upstream_answers_504_and_a_post_is_sent_once(
    deviating: Deviating, bent_proxy: ProxyServer
) -> None:
    deviating.deviation = "hang"
    answer = httpx.post(
        f"{bent_proxy.url}/dream-machine/v1/generations/video",
        json={"prompt": "a comet", "model": "ray-flash-2"},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert answer.status_code == 504
    assert "did not answer within 0.5 s" in answer.json()["detail"]
    assert deviating.url in answer.json()["detail"]
    deviating.release.set()
    assert deviating.arrivals == [("POST", "/dream-machine/v1/generations/video")]
    report = httpx.get(f"{bent_proxy.url}/_mockluma/proxy/report").json()
    assert report["counts"]["error"] == 1


@pytest.mark.parametrize("size", [5 * 1024 * 1024])
def test_a_large_upload_streams_through(luma: MockLuma, proxy: ProxyServer, size: int) -> None:
    # A chunked body of unknown length goes through as it arrives; the mock refuses it past
    # its body limit, in its dialect, and the proxy relays that answer unchanged.
    def chunks() -> object:
        for _ in range(size // 65536):
            yield b"\0" * 65536

    answer = httpx.post(
        f"{proxy.url}/dream-machine/v1/generations/video",
        content=chunks(),  # type: ignore[arg-type]
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
    )
    assert answer.status_code in (400, 413), answer.text
    assert "detail" in answer.json()


def test_a_registered_surface_without_a_route_map_is_left_out() -> None:
    from mockluma.surfaces import Surface, registry
    from mockluma.web import ApiError

    class Dialect:
        def error(self, status: int, message: str) -> ApiError:
            return ApiError(status, {"message": message})

    unmapped = Surface(
        name="unmapped",
        prefix="/unmapped/v1",
        dialect=Dialect(),
        routes=lambda ctx: [],
        starting_balance=lambda config: 0.0,
        real_base_url="https://api.unmapped.example/unmapped/v1",
    )
    with registry.registered(unmapped):
        proxy = build_proxy({}, say=lambda line: None)
    assert "unmapped" not in {mount.name for mount in proxy.mounts}
    assert {mount.name for mount in proxy.mounts} >= {"dream-machine", "agents", "umami"}
