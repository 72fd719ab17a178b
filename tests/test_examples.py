"""The downstream example project in examples/ passes, in parallel, using only the plugin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "video_app"


def test_the_example_suite_passes_under_xdist() -> None:
    # Two workers prove that each gets its own server; more would only queue up on a small
    # machine, behind the workers of the suite running this test.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(EXAMPLES), "-q", "-n", "2"],
        cwd=EXAMPLES,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "55 passed" in result.stdout
