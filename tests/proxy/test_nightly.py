"""The nightly workflow's proxy steps: they agree with the proxy's own tables, and their shell,
run here against a local mock standing in for the API, records, reports and compares."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockluma.handle import MockLuma
from mockluma.surfaces.registry import surfaces

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "contracts-nightly.yml"


def live_job() -> dict[str, Any]:
    job: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["live"]
    return job


def step(name: str) -> str:
    found = next(s for s in live_job()["steps"] if s.get("name", "").startswith(name))
    return str(found["run"])


def test_each_surface_goes_through_the_proxy_at_its_own_prefix() -> None:
    known = {surface.name: surface for surface in surfaces()}
    for entry in live_job()["strategy"]["matrix"]["include"]:
        assert entry["prefix"] == known[entry["surface"]].prefix, entry
        assert entry["base_url"] == known[entry["surface"]].real_base_url, entry


def test_recordings_and_the_drift_report_are_kept() -> None:
    run = step("Contract checks")
    assert "mockluma proxy" in run
    assert "--record reports/recordings" in run
    assert "mockluma recordings compare reports/recordings" in step("Drift of the mock")
    upload = next(s for s in live_job()["steps"] if s.get("uses", "").startswith("actions/upload"))
    assert upload["with"]["path"] == "reports/"


def shell(script: str, matrix: dict[str, str]) -> str:
    return re.sub(r"\$\{\{ matrix\.(\w+) \}\}", lambda m: matrix[m.group(1)], script)


@pytest.mark.skipif(sys.platform != "linux", reason="runs the workflow's bash")
def test_the_steps_run_against_a_stand_in_for_the_api(luma: MockLuma, tmp_path: Path) -> None:
    matrix = {
        "surface": "dream-machine",
        "base_url": f"{luma.url}/dream-machine/v1",
        "prefix": "/dream-machine/v1",
        "extra": "--check ping_answers_with_a_message --check credit_balance_is_not_negative",
        "secret": "LUMAAI_API_KEY",
    }
    port = 20000 + os.getpid() % 20000
    env = {
        **os.environ,
        "API_KEY": "luma-api-nightly-secret-key",
        "BUDGET_CENTS": "0",
        "THROUGH_PROXY": "on",
        "PROXY": f"http://127.0.0.1:{port}",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    checks = shell(step("Contract checks"), matrix).replace("--port 8787", f"--port {port}")
    ran = subprocess.run(
        ["bash", "-e", "-c", checks], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    reports = tmp_path / "reports"
    assert json.loads((reports / "proxy.json").read_text())["exchanges"] == 2
    assert len(list((reports / "recordings" / "dream-machine").glob("*.json"))) == 2
    for path in reports.rglob("*"):
        if path.is_file():
            assert "luma-api-nightly-secret-key" not in path.read_text(errors="replace"), path
    drift = subprocess.run(
        ["bash", "-e", "-c", shell(step("Drift of the mock"), matrix)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert json.loads((reports / "drift.json").read_text())["replayed"] == 2
