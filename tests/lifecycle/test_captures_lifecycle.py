"""Captures v2 as a state machine: create captures (some doomed by a title trigger or a fault
rule), upload footage (or bytes that are no footage), start processing, poll, advance, reset; the
invariants are in ``machine.py``. The Captures API has no delete.

A capture shows one state word here: its upload's status until a run exists, then its run's
(``new``, ``dispatched``, ``finished``, ``failed``); a run's ``progress`` never goes down either.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import rule, run_state_machine_as_test

from mockluma.engine.media import MediaCatalog
from mockluma.handle import MockLuma

from .machine import LifecycleMachine, Seen

PREFIX = "/api/v2"
ORDER = {
    "upload new": 0,
    "upload uploading": 1,
    "upload complete": 2,
    "new": 3,
    "dispatched": 4,
    "finished": 5,
    "failed": 5,
}
TERMINAL = frozenset({"finished", "failed"})
FOOTAGE = MediaCatalog().video("16:9", 5).path.read_bytes()
TITLES = st.sampled_from(
    ["a chair", "a sofa [mockluma:fail=job]", "a lamp [mockluma:fail=moderation]"]
)
KEY_INDEX = st.integers(0, 1)


class CapturesLifecycle(LifecycleMachine):
    keys = ("capture-key-a", "capture-key-b")
    surfaces = ("captures",)

    def __init__(self) -> None:
        super().__init__()
        self.upload_urls: dict[str, str] = {}
        self.progress: dict[str, int] = {}

    def auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"luma-api-key={key}"}

    @rule(target=LifecycleMachine.jobs, key_index=KEY_INDEX, title=TITLES)
    def create(self, key_index: int, title: str) -> Any:
        key = self.keys[key_index]
        response = self.http.post(
            f"{PREFIX}/capture", data={"title": title}, headers=self.auth(key)
        )
        assert response.status_code == 200, response.text
        made = response.json()
        slug = made["capture"]["slug"]
        seen = self.track("captures", key, slug, ORDER, TERMINAL, kind="capture")
        self.upload_urls[slug] = made["signedUrls"]["source"]
        self.progress.pop(slug, None)
        self.observe(seen, f"upload {made['capture']['status']}")
        return seen

    @rule(key_index=KEY_INDEX, kind=st.sampled_from(["job", "dispatch", "moderation"]))
    def doom_the_next_run(self, key_index: int, kind: str) -> None:
        self.luma.faults.add(
            match={"surface": "captures", "api_key": self.keys[key_index]},
            generation={"fail": kind},
            times=1,
        )

    @rule(seen=LifecycleMachine.known_jobs, footage=st.booleans())
    def upload(self, seen: Seen, footage: bool) -> None:
        content = FOOTAGE if footage else b"%PDF-1.4 not footage"
        response = self.http.put(
            self.upload_urls[seen.id], content=content, headers={"Content-Type": "text/plain"}
        )
        if seen.gone:
            assert response.status_code == 403, response.text  # its capture was reset
        elif seen.states[-1].startswith("upload"):
            assert response.status_code == 200, response.text
        else:
            assert response.status_code == 409, response.text  # processing has started

    @rule(seen=LifecycleMachine.known_jobs)
    def start_processing(self, seen: Seen) -> None:
        key = seen.key
        before = self.luma.simulation.balance("captures", key)
        response = self.http.post(f"{PREFIX}/capture/{seen.id}", headers=self.auth(key))
        if seen.gone:
            assert response.status_code == 404, response.text
            return
        # 400: not uploaded yet; 409: started already; 402: no credit left.
        assert response.status_code in (200, 400, 402, 409), response.text
        if response.status_code != 200:
            assert self.luma.simulation.balance("captures", key) == before
            return
        self.observe(seen, response.json()["latestRun"]["status"])

    def fetch(self, seen: Seen, key: str) -> str | None:
        response = self.http.get(f"{PREFIX}/capture/{seen.id}", headers=self.auth(key))
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        capture = response.json()
        assert capture["slug"] == seen.id
        run = capture["latestRun"]
        if run is None:
            return f"upload {capture['status']}"
        assert run["progress"] >= self.progress.get(seen.id, 0), (
            f"{seen.id}: progress went from {self.progress[seen.id]} down to {run['progress']}"
        )
        self.progress[seen.id] = run["progress"]
        assert bool(run["artifacts"]) == (run["status"] == "finished"), run
        state: str = run["status"]
        return state

    def shown_balance(self, surface: str, key: str) -> float | None:
        response = self.http.get(f"{PREFIX}/capture/credits", headers=self.auth(key))
        assert response.status_code == 200, response.text
        credits = response.json()
        assert credits["used"] == credits["total"] - credits["remaining"], credits
        remaining: float = credits["remaining"]
        return remaining

    def listed(self, key: str) -> set[str] | None:
        response = self.http.get(f"{PREFIX}/capture?take=1000", headers=self.auth(key))
        assert response.status_code == 200, response.text
        return {capture["slug"] for capture in response.json()["captures"]}


def test_captures_keep_the_lifecycle_rules(in_process: MockLuma) -> None:
    CapturesLifecycle.luma = in_process
    run_state_machine_as_test(CapturesLifecycle)
    assert in_process.take_errors() == []
