"""The nightly workflow keeps up with the surfaces that have contract checks."""

from __future__ import annotations

import re
from pathlib import Path

from mockluma.contracts.surfaces import contracts

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "contracts-nightly.yml"


def test_every_surface_with_checks_runs_live_every_night() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s+- surface: (\S+)$", text, flags=re.MULTILINE))
    assert listed == set(contracts())


def test_the_nightly_run_has_a_budget_and_keeps_both_reports() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    for needed in ("mockluma contract", "--budget-cents", "--junit", "--json", "upload-artifact"):
        assert needed in text
