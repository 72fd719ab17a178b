"""Where the state settings come from: flags, the environment, the handle."""

from __future__ import annotations

from mockluma.cli import _parser
from mockluma.config import build_config


def test_state_comes_from_the_environment_or_the_flags() -> None:
    assert build_config({}, environ={"MOCKLUMA_STATE": "dev.db"}).state == "dev.db"
    assert build_config({}, environ={"MOCKLUMA_LOAD_STATE": "s.json"}).load_state == "s.json"
    assert build_config({"state": "flag.db"}, environ={"MOCKLUMA_STATE": "env.db"}).state == (
        "flag.db"
    )
    args = _parser().parse_args(["serve", "--state", "a.db", "--load-state", "b.json"])
    assert (args.state, args.load_state) == ("a.db", "b.json")
    assert build_config({}, environ={}).state is None
