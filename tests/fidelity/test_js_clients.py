"""Two more judges, from node: the official TypeScript SDK (npm ``lumaai``) and the Vercel AI
SDK's Luma provider (``ai`` + ``@ai-sdk/luma``), both unmodified, against a real mockluma server
on loopback. Each script in ``tests/js/`` prints what its client saw as JSON; these tests read
it. ``scripts/test`` installs node and the pinned packages (``npm ci --prefix tests/js``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockluma.handle import MockLuma

JS = Path(__file__).resolve().parents[1] / "js"
KEY = "luma-js-judge"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(
    NODE is None or not (JS / "node_modules" / "@ai-sdk" / "luma").is_dir(),
    reason="node and tests/js/node_modules are needed: run scripts/test, or npm ci --prefix tests/js",
)


@pytest.fixture(scope="module")
def server() -> Iterator[MockLuma]:
    # Each poll moves a generation one state on, so the clients finish without a clock.
    with MockLuma(progression="polls:1", api_keys={KEY}, strict=True) as luma:
        yield luma


def judge(script: str, *args: str) -> dict[str, Any]:
    assert NODE is not None
    done = subprocess.run(
        [NODE, str(JS / script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=JS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


def test_the_typescript_sdk(server: MockLuma) -> None:
    seen = judge("lumaai-judge.mjs", server.dream_machine_url, KEY)
    assert seen["video"] == {
        "created": "queued",
        "state": "completed",
        "has_video": True,
        "content_type": "video/mp4",
    }
    assert seen["image"] == {"state": "completed"}
    assert seen["unreadable"] == {
        "state": "failed",
        "failure_reason": "Failed to read user input frames",
    }
    assert seen["too_short"] == {
        "refused": True,
        "class": "BadRequestError",
        "status": 400,
        "body": {"detail": "Prompt is too short, minimum length is 3 characters"},
    }
    resolution = seen["resolution"]
    assert (resolution["class"], resolution["status"]) == ("UnprocessableEntityError", 422)
    assert (
        resolution["body"]["detail"][0]["msg"] == "Input should be '540p', '720p', '1080p' or '4k'"
    )
    assert seen["wrong_key"] == {
        "refused": True,
        "class": "AuthenticationError",
        "status": 401,
        "body": {"detail": "Invalid API key is provided"},
    }
    assert (seen["not_found"]["class"], seen["not_found"]["status"]) == ("NotFoundError", 404)
    assert seen["marker"]["class"] == "BadRequestError"
    assert "no failure kind 'bogus'" in seen["marker"]["body"]["detail"]
    assert server.take_errors() == []


def test_the_vercel_ai_sdk_luma_provider(server: MockLuma) -> None:
    seen = judge("vercel-judge.mjs", server.url, KEY)
    assert seen["image"]["ok"] is True
    assert seen["image"]["jpeg"] is True
    # A schema failure comes back as pydantic's list, whose first msg the provider reports.
    assert seen["unknown_model"]["status"] == 422
    assert seen["unknown_model"]["message"] == "Input should be 'photon-1' or 'photon-flash-1'"
    assert seen["bad_aspect"]["message"] == (
        "Input should be '1:1', '16:9', '9:16', '4:3', '3:4', '21:9' or '9:21'"
    )
    # Documented sentences stay strings (as Luma's spec has them): the provider cannot parse
    # them, says the status text, and keeps the mock's own words in the body it reports.
    for case, status, sentence in [
        ("too_short", 400, "Prompt is too short, minimum length is 3 characters"),
        ("wrong_key", 401, "Invalid API key is provided"),
    ]:
        assert seen[case]["status"] == status
        assert json.loads(seen[case]["body"]) == {"detail": sentence}
    assert server.take_errors() == []
