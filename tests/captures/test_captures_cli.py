"""The ``luma`` command, run as a subprocess with its own config home, against a real server.

The command is the installed console script, unmodified. Its library hard-codes the base URL in
``lumaapi.API_BASE_URL`` and reads it from nowhere else, so the subprocess gets a
``sitecustomize`` module on ``PYTHONPATH`` that sets that one constant at start-up; the
docs/apis/captures.md shows the same recipe. The API key lives where the real command keeps it:
``$XDG_CONFIG_HOME/luma/auth.json``, in a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mockluma.engine.media import MediaCatalog
from mockluma.handle import MockLuma

from .conftest import API_KEY

SITECUSTOMIZE = '''"""Test-only: point lumaapi's hard-coded API_BASE_URL at the mock."""
import os

if os.environ.get("MOCKLUMA_CAPTURES_URL"):
    import lumaapi

    lumaapi.API_BASE_URL = os.environ["MOCKLUMA_CAPTURES_URL"]
'''

Luma = Callable[..., subprocess.CompletedProcess[str]]


def luma_command() -> str:
    beside = Path(sys.executable).with_name("luma")
    found = str(beside) if beside.exists() else shutil.which("luma")
    assert found, "the luma command of lumaapi is not installed"
    return found


@pytest.fixture
def config_home(tmp_path: Path) -> Path:
    return tmp_path / "config"


@pytest.fixture
def luma_cli(luma: MockLuma, tmp_path: Path, config_home: Path) -> Luma:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(config_home),
        "PYTHONPATH": str(shim),
        "MOCKLUMA_CAPTURES_URL": f"{luma.captures_url}/",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    command = luma_command()

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [command, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done

    return run


def fields(output: str) -> dict[str, str]:
    """The ``key: value`` lines that the command prints for a returned dict."""
    pairs = (line.split(":", 1) for line in output.splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def test_the_cli_asks_for_a_key_submits_and_follows_a_capture(
    luma_cli: Luma, luma: MockLuma, config_home: Path
) -> None:
    # No cached key yet: the command prompts for one, verifies it and keeps it.
    first = luma_cli("credits", stdin=f"{API_KEY}\n")
    assert "Verifying api-key..." in first.stdout
    assert fields(first.stdout.split("Verifying api-key...")[1]) == {
        "remaining": "100",
        "used": "0",
        "total": "100",
    }
    auth_file = config_home / "luma" / "auth.json"
    assert json.loads(auth_file.read_text()) == {"Authorization": f"luma-api-key={API_KEY}"}

    video = MediaCatalog().video("16:9", 5).path
    submitted = luma_cli("submit", str(video), "sofa set")
    lines = submitted.stdout.splitlines()
    slug = lines[-1]
    assert lines[:5] == [
        "Capture data {'title': 'sofa set', 'camModel': 'normal'}",
        f"Created capture {slug}",
        "Uploading",
        "Triggering",
        f"Submitted {slug}",
    ]

    queued = fields(luma_cli("status", slug).stdout)
    assert (queued["title"], queued["status"], queued["slug"]) == ("sofa set", "complete", slug)
    assert (queued["location"], queued["username"]) == ("null", "null")
    run = json.loads(queued["latestRun"])
    assert (run["status"], run["progress"], run["currentStage"]) == ("new", 0, "Queued")

    luma.run_until_idle()
    finished = json.loads(fields(luma_cli("status", slug).stdout)["latestRun"])
    assert (finished["status"], finished["progress"], finished["currentStage"]) == (
        "finished",
        100,
        "Done",
    )
    assert len(finished["artifacts"]) == 15

    found = luma_cli("get", "sofa").stdout
    assert "LumaCaptureInfo(title='sofa set'" in found
    assert "status=<RunStatus.FINISHED: 3>" in found
    assert fields(luma_cli("credits").stdout)["remaining"] == "99"

    luma_cli("clear-auth")
    assert not auth_file.exists()


def test_luma_auth_with_a_key_argument(luma_cli: Luma, config_home: Path) -> None:
    authed = luma_cli("auth", "another-key")
    assert "Verifying api-key..." in authed.stdout
    saved = json.loads((config_home / "luma" / "auth.json").read_text())
    assert saved == {"Authorization": "luma-api-key=another-key"}
    assert fields(luma_cli("credits").stdout)["total"] == "100"
