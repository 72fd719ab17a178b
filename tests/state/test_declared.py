"""Generations declared in a scenario file exist when a server starts with an empty state."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
import pytest
from luma_agents import Luma
from lumaai import APIStatusError, LumaAI

from mockluma.app import create_app
from mockluma.app.state import engine_state, save_changes
from mockluma.config import ConfigError, build_config
from mockluma.engine.store.snapshot import ChangeCollector
from mockluma.handle import MockLuma
from mockluma.resources import data_dir

SCENARIO = data_dir("fixtures") / "scenarios" / "populated-history.yaml"


def test_the_example_scenario_comes_up_with_its_history() -> None:
    with MockLuma(in_process=True, scenario=str(SCENARIO)) as luma:
        http = httpx.Client(transport=luma.sync_transport())
        dream = LumaAI(auth_token="luma-dev", base_url=luma.dream_machine_url, http_client=http)
        listed = dream.generations.list(limit=100)
        assert Counter(g.state for g in listed.generations) == {
            "completed": 31,
            "dreaming": 1,
            "failed": 1,
        }
        [failed] = [g for g in listed.generations if g.state == "failed"]
        assert failed.failure_reason == "Advanced prompt moderation failed"
        assert {g.model for g in listed.generations} == {"ray-2", "ray-flash-2", "photon-1"}
        # The balance is what the generations cost (the failed one refunded): too little for
        # another video.
        assert dream.credits.get().credit_balance == pytest.approx(89.32)
        with pytest.raises(APIStatusError, match="Insufficient credits"):
            dream.generations.create(model="ray-2", prompt="one more video")
        # The running one keeps to its plan.
        luma.advance(600)
        assert all(g.state != "dreaming" for g in dream.generations.list(limit=100).generations)
        ids = {
            surface: [job.id for job in account.jobs.values()]
            for (surface, _), account in luma.simulation.accounts()
        }
        agents = Luma(auth_token="luma-api-dev", base_url=luma.agents_url, http_client=http)
        images = [agents.generations.get(generation_id) for generation_id in ids["agents"]]
        assert [(g.state, g.type) for g in images] == [("completed", "image")] * 3
        umami = http.get(
            f"{luma.umami_url}/luma-ai/generation",
            params={"ids": ids["umami"][0]},
            headers={"Authorization": "Bearer umami-dev"},
        ).json()
        assert [(g["prompt"], g["state"]) for g in umami] == [
            ("a paper boat drifting down a gutter", "completed")
        ]
        appypie = http.post(
            f"{luma.appypie_url}/lumalabs-ai-polling/v1/getStatus",
            json={"task_id": ids["appypie"][0]},
            headers={"Ocp-Apim-Subscription-Key": "appypie-dev"},
        ).json()
        assert appypie["status"] == "completed"  # it was queued; the clock moved 600 s since
        # The start-up requests are not in the journal.
        assert luma.journal.count(method="POST", path="*/generations*") == 1  # the refused one


def test_a_restored_state_is_not_declared_again(tmp_path: Path) -> None:
    settings = {"scenario": str(SCENARIO), "state": str(tmp_path / "s.db"), "clock": "manual"}
    first = create_app(build_config(settings, environ={}))
    ctx = first.state.mockluma
    save_changes(ctx, ChangeCollector(engine_state(ctx)))
    ctx.store.close()
    again = create_app(build_config(settings, environ={}))
    counts = Counter(
        job.surface
        for _, a in again.state.mockluma.simulation.accounts()
        for job in a.jobs.values()
    )
    assert counts == {"dream-machine": 33, "agents": 3, "umami": 1, "appypie": 1}
    again.state.mockluma.store.close()


def test_an_unknown_failure_kind_is_refused(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(
        "generations:\n"
        "  - {api: umami, api_key: k, state: failed, prompt: a cat, failure: nonsense}\n"
    )
    with pytest.raises(ConfigError, match=r"generations\[0\]: umami has no failure kind"):
        MockLuma(in_process=True, scenario=str(scenario))
