"""Scenario files: the shipped examples, each exercised, and errors that point at the line."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import lumaai
import pytest
from lumaai import LumaAI

from mockluma.config import ConfigError, build_config
from mockluma.handle import MockLuma
from mockluma.scenario import ScenarioError, load_scenario

SCENARIOS = Path(__file__).parents[2] / "fixtures" / "scenarios"


def sdk(luma: MockLuma, key: str = "scenario-key") -> LumaAI:
    return LumaAI(
        auth_token=key,
        base_url=luma.dream_machine_url,
        max_retries=0,
        _strict_response_validation=True,
    )


@pytest.mark.parametrize("path", sorted(SCENARIOS.iterdir()), ids=lambda p: p.name)
def test_every_shipped_scenario_is_valid(path: Path) -> None:
    settings = load_scenario(path)
    config = build_config({"scenario": str(path)}, environ={})
    assert config.scenario == str(path)
    assert len(config.faults) == len(settings.get("faults", ()))


def test_moderation_storm() -> None:
    with MockLuma(scenario=str(SCENARIOS / "moderation-storm.yaml")) as luma, sdk(luma) as client:
        storm = client.generations.create(model="ray-2", prompt="a storm over the sea")
        others = [client.generations.create(model="ray-2", prompt="a calm lake") for _ in range(12)]
        luma.run_until_idle()
        assert client.generations.get(str(storm.id)).failure_reason == (
            "Advanced prompt moderation failed"
        )
        states = {client.generations.get(str(g.id)).state for g in others}
        assert states == {"completed", "failed"}


def test_rate_limited_account() -> None:
    with (
        MockLuma(scenario=str(SCENARIOS / "rate-limited-account.yaml")) as luma,
        sdk(luma) as client,
    ):
        running = [client.generations.create(model="ray-2", prompt="a fox") for _ in range(2)]
        with pytest.raises(lumaai.RateLimitError) as busy:
            client.generations.create(model="ray-2", prompt="a fox")
        assert busy.value.response.headers["retry-after"] == "5"
        assert "at most 2 ray generations" in busy.value.body["detail"]  # type: ignore[index]
        image = client.generations.image.create(model="photon-1", prompt="a fox")  # other family
        luma.run_until_idle()
        assert {client.generations.get(str(g.id)).state for g in [*running, image]} == {"completed"}
        # Generations that finish at once free their slots; the per-minute window still counts.
        luma.reset(progression="immediate")
        for _ in range(5):
            client.generations.create(model="ray-2", prompt="a fox")
        with pytest.raises(lumaai.RateLimitError) as fast:
            client.generations.create(model="ray-2", prompt="a fox")
        assert "per minute" in fast.value.body["detail"]  # type: ignore[index]
        assert fast.value.response.headers["retry-after"] == "60"
        luma.advance(60)
        assert client.generations.create(model="ray-2", prompt="a fox").state == "queued"


def test_flaky_network() -> None:
    with MockLuma(scenario=str(SCENARIOS / "flaky-network.yaml")) as luma, sdk(luma) as client:
        outcomes = []
        for _ in range(60):
            try:
                client.credits.get()
                outcomes.append("ok")
            except lumaai.APIConnectionError:
                outcomes.append("broken")
        assert 0 < outcomes.count("broken") < 30
        created = 0
        for _ in range(10):
            try:
                client.generations.create(model="ray-2", prompt="a fox")
                created += 1
            except (lumaai.InternalServerError, lumaai.APIConnectionError):
                pass
        assert 0 < created < 10
        assert luma.journal.count(status=503) >= 1
        assert luma.journal.count(status=0) >= 1  # the broken exchanges are journaled too


def test_slow_day() -> None:
    # Every call waits about 300 ms of real time: six at once, not one after the other.
    with (
        MockLuma(scenario=str(SCENARIOS / "slow-day.json")) as luma,
        sdk(luma) as client,
        ThreadPoolExecutor(6) as pool,
    ):
        made = list(
            pool.map(lambda _: client.generations.create(model="ray-2", prompt="a fox"), range(6))
        )
        luma.run_until_idle()
        states = list(pool.map(lambda g: client.generations.get(str(g.id)).state, made))
        assert "dreaming" in states  # some hang
        assert "completed" in states
        rules = {rule["name"]: rule for rule in luma.faults.list()}
        assert rules["slow-api"]["fired"] >= 12
        assert rules["hangs"]["calls"] == 6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "seed: 1\nfaults:\n  - name: x\n    when: {probability: 2}\n    error: {status: 500}\n",
            r":4: at faults\[0\]\.when\.probability: 2 is greater than the maximum of 1",
        ),
        ("seed: 1\nclokc: manual\n", r":2: Unknown setting 'clokc' — did you mean 'clock'\?"),
        (
            "faults:\n  - latency: 1\n  - errror: {status: 500}\n",
            r":3: at faults\[1\]: Unknown key 'errror' — did you mean 'error'\?",
        ),
        ("seed: [1\n", r":2: not valid YAML or JSON"),
        ('{"faults": [{"network": "reset", "error": {"status": 500}}]}', "A rule does one thing"),
    ],
)
def test_bad_scenarios_point_at_the_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=message):
        load_scenario(path)
    with pytest.raises(ConfigError, match=message):
        build_config({"scenario": str(path)}, environ={})


def test_a_failure_kind_the_surface_lacks_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kinds.yaml"
    path.write_text("faults:\n  - generation: {fail: volcano}\n")
    with pytest.raises(ConfigError, match="no failure kind 'volcano'"):
        MockLuma(scenario=str(path))


def test_serve_loads_a_scenario_and_flags_override_it(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockluma",
            "serve",
            "--port",
            "0",
            "--config",
            str(SCENARIOS / "rate-limited-account.yaml"),
            "--rate-limits",
            "off",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline()]
        while "Press Ctrl-C" not in lines[-1]:
            lines.append(process.stdout.readline())
            assert lines[-1], "the server exited before its banner:\n" + "".join(lines)
        base = lines[0].split(" listening on ")[1].strip()
        assert any("rate-limited-account.yaml (0 fault rules)" in line for line in lines)
        assert any("rate limits: off" in line for line in lines)
        limits = httpx.get(f"{base}/_mockluma/limits").json()
        assert limits["enabled"] is False
        assert limits["limits"]["dream-machine"]["ray"]["concurrent"] == 2
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
