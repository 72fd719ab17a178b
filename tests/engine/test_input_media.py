"""The input-media policy on its own (no HTTP): which hosts fail and why, the mock's own URLs,
the modes, and the configuration that chooses them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import SplitResult

import pytest

from mockluma.config import ConfigError, build_config
from mockluma.engine.input_media import (
    FetchFailed,
    InputMediaPolicy,
    MediaFacts,
    over_limit,
    unreachable_reason,
)

ORIGIN = "http://127.0.0.1:8123/"
CLIP = MediaFacts("video/mp4", 2_000_000, 960, 540, 9.0)


def own(parts: SplitResult) -> MediaFacts | int:
    return CLIP if parts.path == "/_mockluma/media/t/video/16x9-9s.mp4" else 404


@pytest.mark.parametrize(
    ("host", "fragment"),
    [
        ("example.com", "RFC 2606"),
        ("cdn.example.net", "RFC 2606"),
        ("EXAMPLE.ORG.", "RFC 2606"),
        ("shop.example", ".example names"),
        ("photos.test", ".test names"),
        ("nowhere.invalid", ".invalid names"),
        ("localhost", ".localhost names"),
        ("api.localhost", ".localhost names"),
        ("10.0.0.8", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("169.254.1.1", "private"),
        ("::1", "loopback"),
        ("fd00::1", "private"),
        ("0.0.0.0", "private"),
    ],
)
def test_hosts_luma_cannot_reach(host: str, fragment: str) -> None:
    reason = unreachable_reason(host)
    assert reason is not None
    assert fragment in reason


@pytest.mark.parametrize(
    "host", ["storage.cdn-luma.com", "examples.com", "example.co", "testing.io", "8.8.8.8"]
)
def test_public_hosts_pass(host: str) -> None:
    assert unreachable_reason(host) is None


def test_the_mocks_own_urls_are_looked_up_on_any_loopback_name() -> None:
    policy = InputMediaPolicy(own)
    for base in ("http://127.0.0.1:8123", "http://localhost:8123"):
        seen = policy.inspect(
            f"{base}/_mockluma/media/t/video/16x9-9s.mp4",
            "media.url",
            origin=ORIGIN,
            mode="simulate",
        )
        assert (seen.verdict, seen.facts) == ("served", CLIP)
    missing = policy.inspect(
        "http://127.0.0.1:8123/_mockluma/media/t/none.mp4", "f", origin=ORIGIN, mode="simulate"
    )
    assert (missing.verdict, missing.http_status, missing.failed) == ("unreachable", 404, True)
    # Another port on loopback is not the mock.
    other = policy.inspect("http://127.0.0.1:9999/a.jpg", "f", origin=ORIGIN, mode="simulate")
    assert other.verdict == "unreachable"


def test_documentation_domains_answer_404_and_reserved_names_nothing() -> None:
    policy = InputMediaPolicy(own)
    documented = policy.inspect("https://example.com/a.jpg", "f", origin=ORIGIN, mode="simulate")
    assert documented.http_status == 404
    reserved = policy.inspect("https://a.test/a.jpg", "f", origin=ORIGIN, mode="simulate")
    assert (reserved.verdict, reserved.http_status) == ("unreachable", None)


@pytest.mark.parametrize(
    "url", ["ftp://cdn.net/a.jpg", "https://[::1", "https://host:99999/a", "/a.jpg"]
)
def test_urls_that_cannot_be_fetched_are_invalid(url: str) -> None:
    seen = InputMediaPolicy(own).inspect(url, "f", origin=ORIGIN, mode="simulate")
    assert (seen.verdict, seen.failed) == ("invalid", True)


def test_off_never_looks_and_simulate_assumes_public_hosts() -> None:
    policy = InputMediaPolicy(own)
    off = policy.inspect("https://example.com/a.jpg", "f", origin=ORIGIN, mode="off")
    assert (off.verdict, off.failed) == ("unchecked", False)
    public = policy.inspect("https://cdn.net/a.jpg", "f", origin=ORIGIN, mode="simulate")
    assert (public.verdict, public.facts) == ("assumed", None)


@pytest.mark.anyio
async def test_fetch_mode_downloads_only_public_urls_and_remembers_them() -> None:
    asked: list[str] = []

    async def fetcher(url: str) -> MediaFacts:
        asked.append(url)
        if url.endswith("gone.jpg"):
            raise FetchFailed("the server answered HTTP 410", 410)
        return CLIP

    policy = InputMediaPolicy(own, fetcher)
    urls = ["https://cdn.net/a.mp4", "https://cdn.net/gone.jpg", "https://example.com/b.jpg"]
    await policy.prefetch([*urls, urls[0]], origin=ORIGIN, mode="fetch")
    assert asked == urls[:2]  # once each, and never a reserved host
    fetched = policy.inspect(urls[0], "media.url", origin=ORIGIN, mode="fetch")
    assert (fetched.verdict, fetched.facts, fetched.field) == ("fetched", CLIP, "media.url")
    gone = policy.inspect(urls[1], "f", origin=ORIGIN, mode="fetch")
    assert (gone.verdict, gone.http_status) == ("unreachable", 410)
    await policy.prefetch(urls, origin=ORIGIN, mode="simulate")
    assert len(asked) == 2  # simulate never downloads
    policy.forget()
    assert policy.inspect(urls[0], "f", origin=ORIGIN, mode="fetch").verdict == "assumed"


def test_limits_are_phrased() -> None:
    assert over_limit(CLIP, max_seconds=10) is None
    assert over_limit(CLIP, max_seconds=5) == "9 s long, over the 5 s limit"
    assert over_limit(CLIP, max_bytes=1_000_000) == "2.0 MB, over the 1 MB limit"


def test_the_outcome_is_plain_json() -> None:
    seen = InputMediaPolicy(own).inspect(
        "http://127.0.0.1:8123/_mockluma/media/t/video/16x9-9s.mp4",
        "media.url",
        origin=ORIGIN,
        mode="simulate",
    )
    assert json.loads(json.dumps(seen.to_json()))["facts"]["seconds"] == 9.0


# -- choosing the mode ------------------------------------------------------------------------------


def test_the_mode_comes_from_settings_environment_and_scenario(tmp_path: Path) -> None:
    assert build_config({}, environ={}).input_media == "simulate"
    assert build_config({}, environ={"MOCKLUMA_INPUT_MEDIA": "off"}).input_media == "off"
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({"input_media": "fetch"}))
    assert build_config({"scenario": str(scenario)}, environ={}).input_media == "fetch"
    with pytest.raises(ConfigError, match="input_media must be one of simulate, fetch, off"):
        build_config({"input_media": "always"}, environ={})
    scenario.write_text(json.dumps({"input_media": "always"}))
    with pytest.raises(ConfigError, match="input_media"):
        build_config({"scenario": str(scenario)}, environ={})


def test_the_serve_flag_refuses_an_unknown_mode() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockluma", "serve", "--input-media", "always"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "invalid choice: 'always' (choose from 'simulate', 'fetch', 'off')" in result.stderr
