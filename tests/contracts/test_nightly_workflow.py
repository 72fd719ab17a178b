"""The nightly workflow keeps up with the surfaces that have contract checks."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from mockluma.contracts.surfaces import appypie, contracts, dream_machine, umami
from mockluma.surfaces import registry

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "contracts-nightly.yml"


def test_every_surface_with_checks_runs_live_every_night() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s+- surface: (\S+)$", text, flags=re.MULTILINE))
    assert listed == set(contracts())


def test_the_nightly_run_has_a_budget_and_keeps_both_reports() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    for needed in ("mockluma contract", "--budget-cents", "--junit", "--json", "upload-artifact"):
        assert needed in text


def test_each_nightly_budget_buys_the_generation_its_checks_share() -> None:
    shared = {
        "dream-machine": dream_machine.IMAGE_CENTS,
        "appypie": appypie.VIDEO_CENTS,
        "umami": 2 * umami.GENERATION_CENTS,  # the generation and its extension
    }
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    for entry in workflow["jobs"]["live"]["strategy"]["matrix"]["include"]:
        if entry["surface"] in shared:
            assert float(entry["budget_cents"]) >= shared[entry["surface"]], entry


def test_each_nightly_entry_uses_the_registry_url_and_key_variable() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    for entry in workflow["jobs"]["live"]["strategy"]["matrix"]["include"]:
        surface = registry.get(entry["surface"])
        assert entry["base_url"] == surface.real_base_url, entry
        assert entry["secret"] == surface.key_env, entry
