"""The pytest plugin: installing mockluma is enough to get the ``luma_mock`` fixture.

Fixtures, from widest to narrowest:

- ``luma_mock_settings`` (session): settings of the session's server; override it in your
  ``conftest.py`` to change the defaults below for the whole suite.
- ``luma_mock_server`` (session): one mock server per session (per xdist worker).
- ``luma_mock`` (function): the server, reset to a fresh state for this test, with the settings
  of any ``@pytest.mark.luma_mock(...)`` marker applied. The test fails if a request made during
  the test crashed inside the mock.
- ``luma_inbox`` (function): a callback receiver hosted by the mock, for ``callback_url``.
- ``luma_env`` (function): ``luma_mock`` with ``LUMAAI_BASE_URL``, ``LUMAAI_API_KEY``,
  ``LUMA_BASE_URL`` and ``LUMA_AGENTS_API_KEY`` pointing at it, for code that builds its own
  SDK clients.

The defaults suit code that creates a generation and polls it: the clock is manual, and each
poll of an unfinished generation moves it one state on (``progression="polls:1"``), so polling
code finishes after two polls without waiting on real time. ``luma_mock.advance(seconds)`` moves
the clock for tests that care about timing; generations take a few simulated seconds
(``timing="quick"``).

Strict mode is on (``strict=True``): every response the mock sends is checked against its
schema, and one that breaks it fails the test that received it, like a crash inside the mock
does. It is a bug in mockluma, not in your code, but a test passing against a wrong response
would prove nothing. A new body costs about 0.3 ms to check and a repeated one (a poll of an
unchanged generation) nothing; turn it off with ``{"strict": False}`` from ``luma_mock_settings``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mockluma.handle.controls import CallbackInbox
    from mockluma.handle.mock import MockLuma

PLUGIN_DEFAULTS: dict[str, Any] = {
    "clock": "manual",
    "progression": "polls:1",
    "timing": "quick",
    "seed": 0,
    "rate_limits": False,
    "strict": True,
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "luma_mock(**settings): per-test mockluma settings, any of clock ('manual' or 'real'), "
        "speed, clock_start, seed, timing ('quick' or 'realistic'), progression ('clock', "
        "'immediate' or 'polls:N'), credits_cents, capture_credits, faults (a list of fault "
        "rules), rate_limits (True/False), limits, triggers and callback_timeout.",
    )


@pytest.fixture(scope="session")
def luma_mock_settings() -> dict[str, Any]:
    """Settings of the session's mock server; override this fixture to change them."""
    return {}


@pytest.fixture(scope="session")
def luma_mock_server(luma_mock_settings: dict[str, Any]) -> Iterator[MockLuma]:
    """One mock server for the whole session (one per xdist worker)."""
    from mockluma.handle.mock import MockLuma

    with MockLuma(defaults=PLUGIN_DEFAULTS, **luma_mock_settings) as server:
        yield server


@pytest.fixture
def luma_mock(luma_mock_server: MockLuma, request: pytest.FixtureRequest) -> Iterator[MockLuma]:
    """The mock, fresh for this test: no generations, full balances, an empty journal."""
    marker = request.node.get_closest_marker("luma_mock")
    if marker is not None and marker.args:
        raise pytest.UsageError("@pytest.mark.luma_mock takes keyword arguments only.")
    luma_mock_server.reset(**(marker.kwargs if marker else {}))
    yield luma_mock_server
    errors = luma_mock_server.take_errors()
    if errors:
        pytest.fail(
            "mockluma raised, or broke its contract, while handling a request in this test:\n\n"
            + "\n".join(errors),
            pytrace=False,
        )


@pytest.fixture
def luma_inbox(luma_mock: MockLuma) -> CallbackInbox:
    """A callback receiver on the mock: use ``luma_inbox.url`` as a ``callback_url``, then
    ``luma_inbox.wait_for(generation_id, "completed")`` moves the mock's clock until it
    arrives."""
    return luma_mock.callback_inbox()


@pytest.fixture
def luma_env(luma_mock: MockLuma, monkeypatch: pytest.MonkeyPatch) -> MockLuma:
    """``luma_mock``, with the official SDKs' environment variables pointing at it."""
    for name, value in luma_mock.env().items():
        monkeypatch.setenv(name, value)
    return luma_mock
