"""The two gateways (AppyPie, UmamiAI) as one state machine: create generations on either (some
doomed by a trigger or a fault rule), extend UmamiAI ones, poll, advance, reset; the invariants
are in ``machine.py``. Neither gateway has a delete."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import multiple, rule, run_state_machine_as_test

from mockluma.engine.jobs import Phase
from mockluma.handle import MockLuma

from .machine import LifecycleMachine, Seen

APPYPIE_ORDER = {"queued": 0, "dreaming": 1, "completed": 2, "failed": 2}
UMAMI_ORDER = {"pending": 0, "processing": 1, "completed": 2, "failed": 2}
TERMINAL = frozenset({"completed", "failed"})
TRIGGERS = st.sampled_from(
    ["", " [mockluma:fail=job]", " [mockluma:fail=moderation,from=dreaming]", " [mockluma:stuck]"]
)
KEY_INDEX = st.integers(0, 1)
UMAMI = "/v1/luma-ai"


class GatewaysLifecycle(LifecycleMachine):
    keys = ("gateway-key-a", "gateway-key-b")
    surfaces = ("appypie", "umami")
    # Thirteen AppyPie videos (40 cents each), one UmamiAI generation (500,000 tokens).
    poor_credits_cents = 520.0

    def appypie_auth(self, key: str) -> dict[str, str]:
        return {"Ocp-Apim-Subscription-Key": key}

    def umami_auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    @rule(target=LifecycleMachine.jobs, key_index=KEY_INDEX, trigger=TRIGGERS)
    def create_on_appypie(self, key_index: int, trigger: str) -> Any:
        key = self.keys[key_index]
        before = self.luma.simulation.balance("appypie", key)
        response = self.http.post(
            "/lumalabs-ai/v1/generate",
            json={"prompt": f"a paper boat{trigger}"},
            headers=self.appypie_auth(key),
        )
        if response.status_code == 403:  # AppyPie's answer to an exhausted balance
            assert self.luma.simulation.balance("appypie", key) == before
            return multiple()
        assert response.status_code == 200, response.text
        return self.track("appypie", key, response.json()["requestId"], APPYPIE_ORDER, TERMINAL)

    def created_on_umami(self, key: str, response: Any, before: float) -> Any:
        if response.status_code == 403:  # out of tokens
            assert self.luma.simulation.balance("umami", key) == before
            return multiple()
        assert response.status_code == 201, response.text
        made = response.json()
        seen = self.track("umami", key, made["id"], UMAMI_ORDER, TERMINAL)
        self.observe(seen, made["state"])
        return seen

    @rule(target=LifecycleMachine.jobs, key_index=KEY_INDEX, trigger=TRIGGERS)
    def create_on_umami(self, key_index: int, trigger: str) -> Any:
        key = self.keys[key_index]
        before = self.luma.simulation.balance("umami", key)
        response = self.http.post(
            f"{UMAMI}/generations",
            json={"user_prompt": f"a paper boat{trigger}"},
            headers=self.umami_auth(key),
        )
        return self.created_on_umami(key, response, before)

    @rule(
        target=LifecycleMachine.jobs,
        parent=LifecycleMachine.known_jobs.filter(lambda seen: seen.surface == "umami"),
    )
    def extend_on_umami(self, parent: Seen) -> Any:
        key = parent.key
        before = self.luma.simulation.balance("umami", key)
        completed = not parent.gone and (
            self.luma.simulation.get("umami", key, parent.id).phase is Phase.SUCCEEDED
        )
        response = self.http.post(
            f"{UMAMI}/generations/{parent.id}/extend",
            json={"user_prompt": "and then it sails on"},
            headers=self.umami_auth(key),
        )
        if parent.gone:
            assert response.status_code == 404, response.text
            return multiple()
        if not completed:
            # Only a completed generation can be extended.
            assert response.status_code == 400, response.text
            assert self.luma.simulation.balance("umami", key) == before
            return multiple()
        return self.created_on_umami(key, response, before)

    @rule(
        key_index=KEY_INDEX,
        surface=st.sampled_from(["appypie", "umami"]),
        kind=st.sampled_from(["job", "moderation", "dispatch"]),
    )
    def doom_the_next_generation(self, key_index: int, surface: str, kind: str) -> None:
        self.luma.faults.add(
            match={"surface": surface, "api_key": self.keys[key_index]},
            generation={"fail": kind},
            times=1,
        )

    def fetch(self, seen: Seen, key: str) -> str | None:
        if seen.surface == "appypie":
            response = self.http.post(
                "/lumalabs-ai-polling/v1/getStatus",
                json={"task_id": seen.id},
                headers=self.appypie_auth(key),
            )
        else:
            response = self.http.get(
                f"{UMAMI}/generation", params={"ids": seen.id}, headers=self.umami_auth(key)
            )
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        if seen.surface == "appypie":
            status = response.json()
            assert ("video_url" in status) == (status["status"] == "completed"), status
            state: str = status["status"]
            return state
        [generation] = response.json()
        assert generation["id"] == seen.id
        assert (generation["video"] is not None) == (generation["state"] == "completed")
        umami_state: str = generation["state"]
        return umami_state


def test_gateway_generations_keep_the_lifecycle_rules(in_process: MockLuma) -> None:
    GatewaysLifecycle.luma = in_process
    run_state_machine_as_test(GatewaysLifecycle)
    assert in_process.take_errors() == []
