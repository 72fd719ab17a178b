"""Small frictions a new user meets in the first hour, each fixed: misspelt settings get a
suggestion wherever they are written, a JSON scenario must be JSON, a reset undoes limits changed
at run time, and ``mockluma --version`` answers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import mockluma
from mockluma import ConfigError, MockLuma, build_config

SUGGESTION = "Unknown setting 'progresion' — did you mean 'progression'?"


def test_a_misspelt_setting_of_the_handle_is_answered_with_the_closest_name() -> None:
    with pytest.raises(ConfigError) as refused:
        MockLuma(progresion="clock")
    assert str(refused.value) == SUGGESTION


def test_a_misspelt_setting_of_a_reset_is_not_called_a_server_setting() -> None:
    with MockLuma(in_process=True) as luma, pytest.raises(ConfigError) as refused:
        luma.reset(progresion="clock")
    assert str(refused.value) == SUGGESTION


def test_a_name_close_to_nothing_lists_the_settings() -> None:
    with pytest.raises(
        ConfigError,
        match=r"Unknown setting 'zzz'; the settings are: admin_token, allowed_hosts, api_keys, ",
    ):
        build_config({"zzz": 1}, environ={})


def test_a_misspelt_marker_setting_fails_the_test_with_the_suggestion(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
import pytest

@pytest.mark.luma_mock(progresion="clock")
def test_typo(luma_mock):
    pass
"""
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*{SUGGESTION}*"])
    result.stdout.no_fnmatch_line("*cannot change between tests*")


def test_a_misspelt_session_setting_fails_with_the_suggestion(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import pytest

@pytest.fixture(scope="session")
def luma_mock_settings():
    return {"credit_cents": 5}
"""
    )
    pytester.makepyfile("def test_any(luma_mock):\n    pass\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*Unknown setting 'credit_cents' — did you mean 'credits_cents'?*"]
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seed: 3\nprogresion: clock\n", f"scenario.yaml:2: {SUGGESTION}"),
        (
            "faults:\n  - match: {path: '*'}\n    whn: {nth: 2}\n    error: {status: 503}\n",
            "scenario.yaml:3: at faults[0]: Unknown key 'whn' — did you mean 'when'?",
        ),
    ],
)
def test_a_misspelt_scenario_key_names_its_line_and_the_closest_name(
    tmp_path: Path, text: str, message: str
) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text)
    with pytest.raises(ConfigError) as refused:
        build_config({"scenario": str(scenario)}, environ={})
    assert str(refused.value) == f"{tmp_path}/{message}"


def test_a_json_scenario_with_a_trailing_comma_is_refused(tmp_path: Path) -> None:
    scenario = tmp_path / "slow.json"
    scenario.write_text('{\n  "seed": 3,\n  "timing": "quick",\n}\n')
    with pytest.raises(ConfigError) as refused:
        build_config({"scenario": str(scenario)}, environ={})
    assert str(refused.value) == (
        f"{scenario}:4:1: not valid JSON: Expecting property name enclosed in double quotes "
        "(a trailing comma?)."
    )


def test_a_valid_json_scenario_still_loads(tmp_path: Path) -> None:
    scenario = tmp_path / "ok.json"
    scenario.write_text('{"seed": 3, "timing": "quick"}')
    assert build_config({"scenario": str(scenario)}, environ={}).seed == 3


def test_a_reset_undoes_limits_changed_through_the_control_api() -> None:
    with MockLuma(rate_limits=True) as luma:
        limits = f"{luma.url}/_mockluma/limits"
        configured = httpx.get(limits).json()
        changed = httpx.put(
            limits,
            json={"enabled": False, "limits": {"dream-machine": {"ray": {"concurrent": 1}}}},
        ).json()
        assert changed != configured
        httpx.post(f"{luma.url}/_mockluma/reset", json={})
        assert httpx.get(limits).json() == configured


def test_a_reset_of_one_key_keeps_the_changed_limits() -> None:
    with MockLuma(rate_limits=True) as luma:
        limits = f"{luma.url}/_mockluma/limits"
        changed = httpx.put(limits, json={"enabled": False}).json()
        httpx.post(f"{luma.url}/_mockluma/reset", json={"api_key": "luma-test"})
        assert httpx.get(limits).json() == changed


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockluma", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout == f"mockluma {mockluma.__version__}\n"
