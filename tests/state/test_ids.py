"""Ids never repeat within one state: not after a reset of everything or of one key, while a
fresh state with the same seed makes the same ids in the same order."""

from __future__ import annotations

import httpx

from mockluma.handle import MockLuma

DM = {"Authorization": "Bearer luma-ids"}
CAPTURES = {"Authorization": "luma-api-key=luma-ids"}
AGENTS = {"Authorization": "Bearer luma-api-ids"}


def create_all(http: httpx.Client) -> list[str]:
    """One id from each API (Dream Machine, Agents, UmamiAI, AppyPie, a Captures slug)."""
    dream = http.post(
        "/dream-machine/v1/generations/video", json={"model": "ray-2", "prompt": "ids"}, headers=DM
    )
    agents = http.post("/v1/generations", json={"prompt": "ids"}, headers=AGENTS)
    umami = http.post("/v1/luma-ai/generations", json={"user_prompt": "ids"}, headers=DM)
    appypie = http.post(
        "/lumalabs-ai/v1/generate",
        json={"prompt": "ids"},
        headers={"Ocp-Apim-Subscription-Key": "luma-ids"},
    )
    capture = http.post("/api/v2/capture", data={"title": "ids"}, headers=CAPTURES)
    answers = [dream, agents, umami, appypie, capture]
    for answer in answers:
        assert answer.status_code in (200, 201), answer.text
    return [
        dream.json()["id"],
        agents.json()["id"],
        umami.json()["id"],
        appypie.json()["requestId"],
        capture.json()["capture"]["slug"],
    ]


def test_a_reset_never_brings_an_id_back() -> None:
    with (
        MockLuma(in_process=True) as luma,
        httpx.Client(base_url=luma.url, transport=luma.sync_transport()) as http,
    ):
        seen = create_all(http)
        luma.reset()
        after_reset = create_all(http)
        luma.reset(api_key="luma-ids")
        luma.reset(api_key="luma-api-ids")
        after_key_reset = create_all(http)
        luma.reset(seed=0)
        after_reconfigure = create_all(http)
    every = seen + after_reset + after_key_reset + after_reconfigure
    assert len(set(every)) == len(every), every


def test_a_fresh_state_with_the_same_seed_makes_the_same_ids() -> None:
    runs = []
    for _ in range(2):
        with (
            MockLuma(in_process=True, seed=5) as luma,
            httpx.Client(base_url=luma.url, transport=luma.sync_transport()) as http,
        ):
            runs.append(create_all(http) + create_all(http))
    assert runs[0] == runs[1]
    assert len(set(runs[0])) == len(runs[0])
