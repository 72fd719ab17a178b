"""The safety settings come from flags and from ``MOCKLUMA_*`` variables, and bad values are
refused with a sentence naming the setting."""

from __future__ import annotations

from typing import Any

import pytest

from mockluma.cli import _parser, settings_of
from mockluma.config import ConfigError, build_config

ENVIRONMENT = {
    "MOCKLUMA_ADMIN_TOKEN": "a-long-enough-token",
    "MOCKLUMA_ALLOWED_HOSTS": "Mock.Internal, ci-runner",
    "MOCKLUMA_UNSAFE_OPEN_ADMIN": "1",
    "MOCKLUMA_MASK_API_KEYS": "0",
    "MOCKLUMA_CALLBACK_HOSTS": "*.example.com,127.0.0.1",
    "MOCKLUMA_JOURNAL_MAX_BYTES": "2097152",
    "MOCKLUMA_LIMIT_CONCURRENCY": "50",
    "MOCKLUMA_TIMEOUT_KEEP_ALIVE": "7",
    "MOCKLUMA_TIMEOUT_HEADERS": "2.5",
    "MOCKLUMA_TIMEOUT_GRACEFUL_SHUTDOWN": "3",
    "MOCKLUMA_BACKLOG": "64",
}
EXPECTED: dict[str, Any] = {
    "admin_token": "a-long-enough-token",
    "allowed_hosts": frozenset({"mock.internal", "ci-runner"}),
    "unsafe_open_admin": True,
    "mask_api_keys": False,
    "callback_hosts": frozenset({"*.example.com", "127.0.0.1"}),
    "journal_max_bytes": 2097152,
    "limit_concurrency": 50,
    "timeout_keep_alive": 7,
    "timeout_headers": 2.5,
    "timeout_graceful_shutdown": 3,
    "backlog": 64,
}


def test_the_environment_sets_every_safety_setting() -> None:
    config = build_config({}, environ=ENVIRONMENT)
    assert {name: getattr(config, name) for name in EXPECTED} == EXPECTED


def test_flags_set_every_safety_setting() -> None:
    args = _parser().parse_args(
        [
            *("serve", "--admin-token", "a-long-enough-token"),
            *("--allowed-host", "Mock.Internal", "--allowed-host", "ci-runner"),
            *("--unsafe-open-admin", "--show-api-keys"),
            *("--callback-hosts", "*.example.com,127.0.0.1", "--journal-max-bytes", "2097152"),
            *("--limit-concurrency", "50", "--timeout-keep-alive", "7"),
            *("--timeout-headers", "2.5", "--timeout-graceful-shutdown", "3", "--backlog", "64"),
        ]
    )
    config = build_config(settings_of(args), environ={})
    assert {name: getattr(config, name) for name in EXPECTED} == EXPECTED


def test_the_defaults() -> None:
    config = build_config({}, environ={})
    assert config.admin_token is None
    assert config.mask_api_keys is True
    assert config.callback_hosts is None
    assert config.journal_max_bytes == 64 * 1024**2
    assert (config.limit_concurrency, config.timeout_keep_alive) == (1000, 5)
    assert (config.timeout_headers, config.timeout_graceful_shutdown) == (10.0, 5)


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"admin_token": "short"}, "admin_token"),
        ({"journal_max_bytes": 1000}, "journal_max_bytes"),
        ({"limit_concurrency": 0}, "limit_concurrency"),
        ({"timeout_keep_alive": 0}, "timeout_keep_alive"),
        ({"timeout_headers": 0}, "timeout_headers"),
        ({"backlog": 0}, "backlog"),
    ],
)
def test_bad_values_are_refused(settings: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        build_config(settings, environ={})
