"""The proxy's lifecycle rules in each API's own words: where each API shows a job's state,
and the two rules held across sightings (the JSON path names the state's place)."""

from __future__ import annotations

from typing import Any

import pytest

from mockluma.proxy.lifecycles import LifecycleTracker


def sightings(surface: str, route: str, bodies: list[Any], request: Any = None) -> list[str]:
    tracker = LifecycleTracker()
    found = []
    for body in bodies:
        found += [
            f"{f.check} at {f.json_path}" for f in tracker.observe(surface, route, body, request)
        ]
    return found


@pytest.mark.parametrize(
    ("surface", "route", "bodies", "request_body", "expected"),
    [
        (
            "dream-machine", "GET /generations",
            [{"generations": [{"id": "g", "state": "dreaming"}]},
             {"generations": [{"id": "h", "state": "queued"}, {"id": "g", "state": "queued"}]}],
            None, ["state_moves_forward at $.generations[1].state"],
        ),
        (
            "agents", "GET /files/{id}",
            [{"id": "f", "state": "ready"}, {"id": "f", "state": "pending"}],
            None, ["terminal_state_is_sticky at $.state"],
        ),
        (
            "captures", "GET /capture/{slug}",
            [{"slug": "c", "latestRun": {"status": "finished"}},
             {"slug": "c", "latestRun": {"status": "failed"}}],
            None, ["terminal_state_is_sticky at $.latestRun.status"],
        ),
        (
            "appypie", "POST /lumalabs-ai-polling/v1/getStatus",
            [{"status": "dreaming"}, {"status": "queued"}],
            {"task_id": "t"}, ["state_moves_forward at $.status"],
        ),
        (
            "umami", "GET /generation",
            [[{"id": "u", "state": "completed"}], [{"id": "u", "state": "processing"}]],
            None, ["terminal_state_is_sticky at $[0].state"],
        ),
        (
            "dream-machine", "GET /generations/{id}",
            [{"id": "g", "state": "queued"}, {"id": "g", "state": "dreaming"},
             {"id": "g", "state": "completed"}, {"id": "g", "state": "completed"}],
            None, [],
        ),
        (
            "dream-machine", "GET /ping",
            [{"id": "g", "state": "completed"}, {"id": "g", "state": "queued"}],
            None, [],
        ),
    ],
    ids=["dm-list-page", "agents-file", "captures-run", "appypie-status", "umami-list", "dm-forward", "not-a-job-route"],
)  # fmt: skip
def test_each_api_s_lifecycle(
    surface: str, route: str, bodies: list[Any], request_body: Any, expected: list[str]
) -> None:
    assert sightings(surface, route, bodies, request_body) == expected
