"""Dream Machine generations as a state machine: create (videos and images, some doomed by a
trigger or a fault rule), poll, advance, delete, reset; the invariants are in ``machine.py``."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import multiple, rule, run_state_machine_as_test

from mockluma.handle import MockLuma

from .machine import LifecycleMachine, Seen

PREFIX = "/dream-machine/v1"
ORDER = {"queued": 0, "dreaming": 1, "completed": 2, "failed": 2}
TERMINAL = frozenset({"completed", "failed"})
# Markers a prompt may carry: fail in either phase, fail later, or never finish.
TRIGGERS = st.sampled_from(
    [
        "",
        " [mockluma:fail=job]",
        " [mockluma:fail=moderation,from=queued]",
        " [mockluma:fail=dispatch,from=dreaming,after=1]",
        " [mockluma:stuck]",
    ]
)
KEY_INDEX = st.integers(0, 1)


class DreamMachineLifecycle(LifecycleMachine):
    keys = ("dm-key-a", "dm-key-b")
    surfaces = ("dream-machine",)
    # Below one 720p ray-flash-2 video (about 60 cents): the second create of a poor key is 402.
    poor_credits_cents = 100.0

    def auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def accepted(self, key: str, path: str, body: dict[str, Any]) -> Any:
        before = self.luma.simulation.balance("dream-machine", key)
        response = self.http.post(f"{PREFIX}{path}", json=body, headers=self.auth(key))
        if response.status_code == 402:
            # Refused for the balance: nothing was charged and nothing queued.
            assert self.luma.simulation.balance("dream-machine", key) == before
            return multiple()
        assert response.status_code == 201, response.text
        made = response.json()
        seen = self.track("dream-machine", key, made["id"], ORDER, TERMINAL)
        self.observe(seen, made["state"])
        return seen

    @rule(target=LifecycleMachine.jobs, key_index=KEY_INDEX, trigger=TRIGGERS)
    def create_video(self, key_index: int, trigger: str) -> Any:
        body = {"model": "ray-flash-2", "prompt": f"a fox in the snow{trigger}"}
        return self.accepted(self.keys[key_index], "/generations/video", body)

    @rule(target=LifecycleMachine.jobs, key_index=KEY_INDEX, trigger=TRIGGERS)
    def create_image(self, key_index: int, trigger: str) -> Any:
        body = {"model": "photon-flash-1", "prompt": f"a lighthouse{trigger}"}
        return self.accepted(self.keys[key_index], "/generations/image", body)

    @rule(key_index=KEY_INDEX, kind=st.sampled_from(["job", "moderation", "prompt"]))
    def doom_the_next_generation(self, key_index: int, kind: str) -> None:
        """A fault rule: the key's next accepted generation fails with ``kind``."""
        key = self.keys[key_index]
        self.luma.faults.add(
            match={"surface": "dream-machine", "api_key": key},
            generation={"fail": kind},
            times=1,
        )

    @rule(seen=LifecycleMachine.known_jobs)
    def delete(self, seen: Seen) -> None:
        job = None
        if not seen.gone:
            job = self.luma.simulation.get("dream-machine", seen.key, seen.id)
        response = self.http.delete(f"{PREFIX}/generations/{seen.id}", headers=self.auth(seen.key))
        if seen.gone:
            assert response.status_code == 404, response.text
            return
        assert response.status_code == 204, response.text
        assert job is not None
        self.remember_deletion(seen, job)

    def fetch(self, seen: Seen, key: str) -> str | None:
        response = self.http.get(f"{PREFIX}/generations/{seen.id}", headers=self.auth(key))
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["id"] == seen.id
        state: str = body["state"]
        assert (body["assets"] is not None) == (state == "completed"), body
        assert (body["failure_reason"] is not None) == (state == "failed"), body
        return state

    def shown_balance(self, surface: str, key: str) -> float | None:
        response = self.http.get(f"{PREFIX}/credits", headers=self.auth(key))
        assert response.status_code == 200, response.text
        shown: float = response.json()["credit_balance"]
        return shown

    def listed(self, key: str) -> set[str] | None:
        response = self.http.get(f"{PREFIX}/generations?limit=100", headers=self.auth(key))
        assert response.status_code == 200, response.text
        return {generation["id"] for generation in response.json()["generations"]}


def test_dream_machine_generations_keep_the_lifecycle_rules(in_process: MockLuma) -> None:
    DreamMachineLifecycle.luma = in_process
    run_state_machine_as_test(DreamMachineLifecycle)
    assert in_process.take_errors() == []
