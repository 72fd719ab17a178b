"""Agents generations and files as a state machine: create generations (some doomed by a
trigger or a fault rule), upload files (some not the media they claim to be), poll, advance,
delete files, reset; the invariants are in ``machine.py``."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import multiple, rule, run_state_machine_as_test
from PIL import Image

from mockluma.handle import MockLuma

from .machine import LifecycleMachine, Seen

GENERATION_ORDER = {"queued": 0, "processing": 1, "completed": 2, "failed": 2}
GENERATION_TERMINAL = frozenset({"completed", "failed"})
# A file is checked (ready, or failed when its bytes are not the media it claims), and may be
# deleted afterwards, failed or not; deleted is the end.
FILE_ORDER = {"pending": 0, "ready": 1, "failed": 1, "deleted": 2}
FILE_TERMINAL = frozenset({"deleted"})
TRIGGERS = st.sampled_from(
    ["", " [mockluma:fail=job]", " [mockluma:fail=moderation]", " [mockluma:stuck]"]
)
KEY_INDEX = st.integers(0, 1)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 9), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = png()


class AgentsLifecycle(LifecycleMachine):
    keys = ("luma-api-agents-a", "luma-api-agents-b")
    surfaces = ("agents",)
    # Below one uni-1 image (4.04 cents) after the first: the second create of a poor key is 402.
    poor_credits_cents = 5.0

    def auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    @rule(target=LifecycleMachine.jobs, key_index=KEY_INDEX, trigger=TRIGGERS)
    def create_generation(self, key_index: int, trigger: str) -> Any:
        key = self.keys[key_index]
        before = self.luma.simulation.balance("agents", key)
        body = {"prompt": f"iced coffee on marble{trigger}"}
        response = self.http.post("/v1/generations", json=body, headers=self.auth(key))
        if response.status_code == 402:
            assert self.luma.simulation.balance("agents", key) == before
            return multiple()
        assert response.status_code == 201, response.text
        made = response.json()
        seen = self.track("agents", key, made["id"], GENERATION_ORDER, GENERATION_TERMINAL)
        self.observe(seen, made["state"])
        return seen

    @rule(key_index=KEY_INDEX, kind=st.sampled_from(["job", "moderation", "prompt"]))
    def doom_the_next_generation(self, key_index: int, kind: str) -> None:
        self.luma.faults.add(
            match={"surface": "agents", "api_key": self.keys[key_index]},
            generation={"fail": kind},
            times=1,
        )

    @rule(target=LifecycleMachine.jobs, key_index=KEY_INDEX, media=st.booleans())
    def upload_a_file(self, key_index: int, media: bool) -> Any:
        key = self.keys[key_index]
        content = PNG if media else b"not a picture at all"
        response = self.http.post(
            "/v1/files",
            files={"file": ("upload.png", content, "image/png")},
            headers=self.auth(key),
        )
        assert response.status_code == 201, response.text
        made = response.json()
        seen = self.track("agents", key, made["id"], FILE_ORDER, FILE_TERMINAL, kind="file")
        self.observe(seen, made["state"])
        return seen

    @rule(seen=LifecycleMachine.known_jobs.filter(lambda seen: seen.kind == "file"))
    def delete_a_file(self, seen: Seen) -> None:
        response = self.http.delete(f"/v1/files/{seen.id}", headers=self.auth(seen.key))
        if seen.gone:
            assert response.status_code == 404, response.text
            return
        assert response.status_code == 204, response.text
        # A soft delete: the file stays readable, as deleted.
        self.observe(seen, self.fetch(seen, seen.key))
        assert seen.states[-1] == "deleted"

    def fetch(self, seen: Seen, key: str) -> str | None:
        path = f"/v1/files/{seen.id}" if seen.kind == "file" else f"/v1/generations/{seen.id}"
        response = self.http.get(path, headers=self.auth(key))
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["id"] == seen.id
        state: str = body["state"]
        if seen.kind == "generation":
            assert bool(body["output"]) == (state == "completed"), body
            assert (body["failure_code"] is not None) == (state == "failed"), body
        return state

    def listed(self, key: str) -> set[str] | None:
        response = self.http.get("/v1/files?limit=100", headers=self.auth(key))
        assert response.status_code == 200, response.text
        return {file["id"] for file in response.json()["data"]}

    def is_listed(self, seen: Seen) -> bool:
        # Only files are listed, and a deleted one no longer is.
        return seen.kind == "file" and "deleted" not in seen.states


def test_agents_generations_and_files_keep_the_lifecycle_rules(in_process: MockLuma) -> None:
    AgentsLifecycle.luma = in_process
    run_state_machine_as_test(AgentsLifecycle)
    assert in_process.take_errors() == []
