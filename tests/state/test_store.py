"""The SQLite store in-process: what a restart decodes, and what it writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from mockluma.app.state import engine_state, save_changes
from mockluma.config import build_config
from mockluma.engine.store.snapshot import ChangeCollector
from mockluma.handle import MockLuma

AUTH = {"Authorization": "Bearer luma-store"}


def test_a_restart_decodes_only_unfinished_jobs_until_asked(tmp_path: Path) -> None:
    settings = {"state": str(tmp_path / "s.db"), "clock": "manual", "seed": 3}
    first = MockLuma(build_config(settings, environ={}), in_process=True).start()
    ctx = first.app.state.mockluma
    with httpx.Client(transport=first.sync_transport(), base_url=first.url) as http:
        done = [
            http.post(
                "/dream-machine/v1/generations/video",
                json={"model": "ray-2", "prompt": f"finished {n}"},
                headers=AUTH,
            ).json()["id"]
            for n in range(3)
        ]
        first.advance(600)
        running = http.post(
            "/dream-machine/v1/generations/video",
            json={"model": "ray-2", "prompt": "still queued"},
            headers=AUTH,
        ).json()["id"]
        before = {
            g: http.get(f"/dream-machine/v1/generations/{g}", headers=AUTH).json()
            for g in [*done, running]
        }
    first.stop()
    save_changes(ctx, ChangeCollector(engine_state(ctx)))  # what the server does at shutdown
    ctx.store.close()
    with sqlite3.connect(tmp_path / "s.db") as db:
        finished = dict(db.execute("SELECT id, finished FROM jobs"))
    assert finished == {**dict.fromkeys(done, 1), running: 0}

    again = MockLuma(build_config(settings, environ={}), in_process=True).start()
    [(_, account)] = list(again.simulation.accounts())
    assert [job.id for job in account.jobs.decoded()] == [running]
    with httpx.Client(transport=again.sync_transport(), base_url=again.url) as http:
        assert (
            http.get(f"/dream-machine/v1/generations/{done[1]}", headers=AUTH).json()
            == before[done[1]]
        )
        assert {job.id for job in account.jobs.decoded()} == {running, done[1]}
        listed = http.get("/dream-machine/v1/generations", headers=AUTH).json()["generations"]
    assert [g["id"] for g in listed] == [running, *reversed(done)]
    assert listed == [before[g] for g in [running, *reversed(done)]]
    again.stop()
    again.app.state.mockluma.store.close()
