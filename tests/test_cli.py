"""``mockluma serve`` as a user runs it: a real process on a free port, stopped with Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import httpx
import pytest
from lumaai import LumaAI


def test_serve_prints_its_urls_serves_the_sdk_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockluma",
            "serve",
            "--port",
            "0",
            "--seed",
            "5",
            "--clock",
            "manual",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(4)]
        match = re.search(
            r"dream-machine\s+(http://127\.0\.0\.1:\d+/dream-machine/v1)", "".join(banner)
        )
        assert match, banner
        base_url = match.group(1)
        with LumaAI(auth_token="luma-cli", base_url=base_url, max_retries=0) as client:
            created = client.generations.create(model="ray-2", prompt="from the command line")
            root = base_url.removesuffix("/dream-machine/v1")
            httpx.post(f"{root}/_mockluma/clock/advance", json={"seconds": 60})
            assert client.generations.get(created.id).state == "completed"  # type: ignore[arg-type]
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors


def test_a_bad_setting_is_refused_with_a_sentence() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockluma", "serve", "--speed", "-2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "speed must be a positive number" in result.stderr


@pytest.mark.parametrize("flag", ["--help"])
def test_help_lists_the_serve_options(flag: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockluma", "serve", flag],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    for option in (
        "--host",
        "--port",
        "--speed",
        "--clock",
        "--seed",
        "--api-key",
        "--log-level",
        "--strict",
    ):
        assert option in result.stdout
