"""``MockLuma``: a running mock and the controls a test needs, outside or inside pytest.

    with MockLuma() as luma:
        client = LumaAI(auth_token="luma-test", base_url=luma.dream_machine_url)
        generation = client.generations.create(model="ray-2", prompt="a red fox in snow")
        luma.advance(120)
        assert client.generations.get(generation.id).state == "completed"
        luma.journal.assert_called(method="POST", path="/dream-machine/v1/generations/video")

By default the clock is manual: simulated time moves only through :meth:`MockLuma.advance`.
With ``in_process=True`` no socket is opened; clients reach the app through
:meth:`MockLuma.transport` (async) or :meth:`MockLuma.sync_transport` (sync).
"""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from typing import Any

import httpx

from mockluma.app import create_app, make_clock, starting_balances
from mockluma.config import Config, ConfigError, build_config
from mockluma.engine.journal import Journal
from mockluma.engine.simulation import Simulation
from mockluma.server import LoopThread, ThreadedServer
from mockluma.surfaces import Context
from mockluma.transports import SyncASGITransport

TEST_DEFAULTS: dict[str, Any] = {"clock": "manual", "seed": 0, "timing": "realistic"}
"""Settings of a bare ``MockLuma()``: a manual clock, a fixed seed, realistic durations."""

# What a test may change between tests without restarting the server.
PER_TEST_SETTINGS = frozenset(
    ("clock", "speed", "clock_start", "seed", "timing", "progression", "credits_cents")
)
IN_PROCESS_URL = "http://mockluma.test"
DEFAULT_API_KEY = "luma-api-mockluma"


class MockLuma:
    """A mock Luma server (in a background thread, or in-process) with its clock under control."""

    def __init__(
        self, config: Config | None = None, *, in_process: bool = False, **settings: Any
    ) -> None:
        if config is None:
            config = build_config({**TEST_DEFAULTS, **settings}, environ={})
        elif settings:
            raise TypeError("Pass either a Config or settings, not both.")
        self.config = config
        self.in_process = in_process
        self.api_key = DEFAULT_API_KEY
        self.app = create_app(config)
        self._ctx: Context = self.app.state.mockluma
        self._server: ThreadedServer | None = None
        self._loop: LoopThread
        if in_process:
            self._loop = LoopThread("mockluma-in-process")
        else:
            self._server = ThreadedServer(self.app, host=config.host, log_level=config.log_level)
            self._loop = self._server.loop

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> MockLuma:
        if self._server is not None:
            self._server.start()
        else:
            self._loop.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        else:
            self._loop.stop()

    def __enter__(self) -> MockLuma:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # -- where it is ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The root URL, e.g. ``http://127.0.0.1:54321`` (``http://mockluma.test`` in-process)."""
        return IN_PROCESS_URL if self._server is None else self._server.url

    @property
    def dream_machine_url(self) -> str:
        """Base URL for the ``lumaai`` SDK."""
        return f"{self.url}/dream-machine/v1"

    @property
    def agents_url(self) -> str:
        """Base URL for the ``luma-agents`` SDK (keys must start with ``luma-api-``)."""
        return f"{self.url}/v1"

    def env(self, api_key: str | None = None) -> dict[str, str]:
        """The variables the official SDKs read, pointing at this mock.

        ``LUMAAI_*`` is read by ``lumaai``; ``LUMA_*`` by ``luma-agents``.
        """
        key = api_key or self.api_key
        return {
            "LUMAAI_BASE_URL": self.dream_machine_url,
            "LUMAAI_API_KEY": key,
            "LUMA_BASE_URL": self.agents_url,
            "LUMA_AGENTS_API_KEY": key,
        }

    def transport(self) -> httpx.ASGITransport:
        """An async httpx transport straight into the app (no socket)."""
        return httpx.ASGITransport(app=self.app)

    def sync_transport(self) -> httpx.BaseTransport:
        """A sync httpx transport straight into the app (no socket); needs ``in_process=True``
        or a started server."""
        return SyncASGITransport(self.app, self._loop)

    # -- control --------------------------------------------------------------------------

    @property
    def simulation(self) -> Simulation:
        return self._ctx.simulation

    @property
    def journal(self) -> Journal:
        """Every request and response so far (bounded), with query and assertion helpers."""
        return self._ctx.journal

    def _call(self, function: Any) -> Any:
        return self._loop.call(function) if self._loop.running else function()

    def advance(self, seconds: float) -> int:
        """Move simulated time forward, running every event due on the way; returns their count."""
        ran: int = self._call(lambda: self.simulation.advance(seconds))
        return ran

    def run_until_idle(self, limit: float = 30 * 24 * 3600) -> float:
        """Advance until nothing is scheduled (or ``limit`` simulated seconds have passed);
        returns how many simulated seconds that took. Stuck jobs schedule nothing."""

        def drain() -> float:
            start = self.simulation.now()
            while (due := self.simulation.scheduler.next_due()) is not None:
                if due - start > limit:
                    break
                self.simulation.advance(max(0.0, due - self.simulation.now()))
            return self.simulation.now() - start

        elapsed: float = self._call(drain)
        return elapsed

    def reset(self, api_key: str | None = None, **settings: Any) -> None:
        """Forget generations, balances and the journal.

        With ``api_key``, forget only that key's state. With settings (any of ``clock``,
        ``speed``, ``clock_start``, ``seed``, ``timing``, ``progression``, ``credits_cents``),
        start again from the server's configuration with those changes.
        """
        if api_key is not None:
            if settings:
                raise TypeError("Settings apply to the whole mock; do not combine them with a key.")
            self._call(lambda: self.simulation.reset(api_key))
            return
        fixed = set(settings) - PER_TEST_SETTINGS
        if fixed:
            raise ConfigError(
                f"{', '.join(sorted(fixed))} cannot change between tests; "
                f"per-test settings are {', '.join(sorted(PER_TEST_SETTINGS))}."
            )
        base = {name: getattr(self.config, name) for name in PER_TEST_SETTINGS}
        config = build_config({**base, **settings}, environ={})

        def restart() -> None:
            self.simulation.reconfigure(
                clock=make_clock(config),
                seed=config.seed,
                timing_mode=config.timing,
                progression=config.progression,
                starting_balances=starting_balances(config),
            )
            self.journal.clear()
            self._ctx.errors.clear()

        self._call(restart)

    @property
    def clock(self) -> datetime:
        """The current simulated time."""
        now: float = self._call(self.simulation.now)
        return datetime.fromtimestamp(now, UTC)

    def take_errors(self) -> list[str]:
        """Tracebacks of exceptions raised while handling requests since the last call."""
        errors = list(self._ctx.errors)
        self._ctx.errors.clear()
        return ["".join(traceback.format_exception(error)) for error in errors]
