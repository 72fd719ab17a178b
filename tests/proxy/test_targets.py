"""Where each prefix goes: the real base URLs by default, a --target per surface, or one server
for all; further mounts found beside the main one; the longest prefix owns a path."""

from __future__ import annotations

import pytest

from mockluma.proxy.targets import TargetError, build_mounts, find_mount, parse_targets
from mockluma.surfaces.registry import surfaces

NAMES = [surface.name for surface in surfaces()]


def upstreams(targets: dict[str, str]) -> dict[str, str]:
    return {mount.prefix: mount.upstream for mount in build_mounts(surfaces(), targets)}


def test_by_default_each_prefix_goes_to_the_real_api() -> None:
    assert upstreams({}) == {
        "/dream-machine/v1": "https://api.lumalabs.ai/dream-machine/v1",
        "/v1": "https://agents.lumalabs.ai/v1",
        "/api/v2": "https://webapp.engineeringlumalabs.com/api/v2",
        "/lumalabs-ai/v1": "https://gateway.appypie.com/lumalabs-ai/v1",
        "/lumalabs-ai-polling/v1": "https://gateway.appypie.com/lumalabs-ai-polling/v1",
        "/v1/luma-ai": "https://api.umamiai.xyz/v1/luma-ai",
    }


def test_a_target_moves_one_surface_and_its_other_mounts() -> None:
    targets = parse_targets(["appypie=http://127.0.0.1:9000/lumalabs-ai/v1/"], NAMES)
    moved = upstreams(targets)
    assert moved["/lumalabs-ai/v1"] == "http://127.0.0.1:9000/lumalabs-ai/v1"
    assert moved["/lumalabs-ai-polling/v1"] == "http://127.0.0.1:9000/lumalabs-ai-polling/v1"
    assert moved["/dream-machine/v1"] == "https://api.lumalabs.ai/dream-machine/v1"


def test_all_sends_every_surface_to_one_server_unless_named() -> None:
    targets = parse_targets(
        ["all=http://127.0.0.1:8001", "umami=https://umami.example/v1/luma-ai"], NAMES
    )
    moved = upstreams(targets)
    assert moved["/v1"] == "http://127.0.0.1:8001/v1"
    assert moved["/lumalabs-ai-polling/v1"] == "http://127.0.0.1:8001/lumalabs-ai-polling/v1"
    assert moved["/v1/luma-ai"] == "https://umami.example/v1/luma-ai"


def test_the_longest_prefix_owns_a_path() -> None:
    mounts = build_mounts(surfaces(), {})
    owner = find_mount(mounts, "/v1/luma-ai/generation")
    assert owner is not None
    assert owner.name == "umami"
    agents = find_mount(mounts, "/v1/generations/abc")
    assert agents is not None
    assert agents.name == "agents"
    assert find_mount(mounts, "/v10/x") is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("dream-machine", "must be NAME=URL"),
        ("nope=http://x", "which is not a surface"),
        ("agents=file:///etc", "must start with http:// or https://"),
    ],
)
def test_a_bad_target_is_refused_with_a_sentence(value: str, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        parse_targets([value], NAMES)
