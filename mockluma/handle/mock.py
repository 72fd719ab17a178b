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

import asyncio
import dataclasses
import itertools
import traceback
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from mockluma.app import create_app, reconfigure
from mockluma.app.admin_faults import check_failure_kinds
from mockluma.app.state import load, snapshot
from mockluma.config import Config, ConfigError, build_config, unknown_name, with_settings
from mockluma.engine.callbacks import Attempt, Inbox
from mockluma.engine.journal import Journal
from mockluma.engine.simulation import Simulation
from mockluma.handle.controls import CallbackInbox, FaultControl
from mockluma.handle.server import LoopThread, ThreadedServer
from mockluma.handle.transports import SyncASGITransport
from mockluma.state import read_snapshot
from mockluma.surfaces import Context, Surface

TEST_DEFAULTS: dict[str, Any] = {
    "clock": "manual",
    "seed": 0,
    "timing": "realistic",
    "rate_limits": False,
}
"""Settings of a bare ``MockLuma()``: a manual clock, a fixed seed, realistic durations, and no
rate limits (under a manual clock a per-minute window only passes when the test advances it,
while a client would wait out ``Retry-After`` on the wall clock). Turn them on with
``rate_limits=True`` to test how code copes with them."""

# What a test may change between tests without restarting the server.
PER_TEST_SETTINGS = frozenset(
    (
        "clock",
        "speed",
        "clock_start",
        "seed",
        "timing",
        "progression",
        "credits_cents",
        "faults",
        "rate_limits",
        "limits",
        "triggers",
        "input_media",
        "callback_timeout",
        "appypie_statuses",
        "capture_credits",
        "state",
    )
)
T = TypeVar("T")
IN_PROCESS_URL = "http://mockluma.test"
DEFAULT_API_KEY = "luma-api-mockluma"


class MockLuma:
    """A mock Luma server (in a background thread, or in-process) with its clock under control."""

    def __init__(
        self,
        config: Config | None = None,
        *,
        in_process: bool = False,
        defaults: Mapping[str, Any] | None = None,
        surfaces: Sequence[Surface] | None = None,
        **settings: Any,
    ) -> None:
        """Settings are layered: ``defaults`` (:data:`TEST_DEFAULTS` unless given) < the
        ``scenario`` file's settings, if one is named < the other ``settings``. The mock serves
        ``surfaces``, by default every surface of the registry.

        ``state=`` is a snapshot to start from (and to go back to at every reset): a
        document from :meth:`snapshot`, or the path of a JSON file holding one."""
        settings = _snapshot_setting(settings)
        if defaults is not None:
            defaults = _snapshot_setting(defaults)
        if config is None:
            base = TEST_DEFAULTS if defaults is None else defaults
            config = build_config(settings, environ={}, defaults=base)
        elif settings:
            raise TypeError("Pass either a Config or settings, not both.")
        self.config = config
        self.in_process = in_process
        self.api_key = DEFAULT_API_KEY
        self.app = create_app(config, surfaces=surfaces)
        self._ctx: Context = self.app.state.mockluma
        self._server: ThreadedServer | None = None
        self._inbox_numbers = itertools.count(1)
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

    def url_for(self, surface: str) -> str:
        """The base URL a client of ``surface`` (a name: ``dream-machine``) is given, on this
        mock; every served surface has one, registered ones included."""
        for served in self._ctx.surfaces:
            if served.name == surface:
                return served.client_url(self.url)
        known = ", ".join(served.name for served in self._ctx.surfaces)
        raise LookupError(f"This mock serves no surface {surface!r}; it serves {known}.")

    @property
    def urls(self) -> dict[str, str]:
        """Each served surface's client base URL (:meth:`url_for`), by surface name."""
        return {surface.name: surface.client_url(self.url) for surface in self._ctx.surfaces}

    @property
    def dream_machine_url(self) -> str:
        """Base URL for the ``lumaai`` SDK."""
        return self.url_for("dream-machine")

    @property
    def appypie_url(self) -> str:
        """Stands for ``https://gateway.appypie.com``: AppyPie's docs give whole URLs under it
        (``/lumalabs-ai/v1/generate``, ``/lumalabs-ai-polling/v1/getStatus``)."""
        return self.url_for("appypie")

    @property
    def umami_url(self) -> str:
        """Stands for ``https://api.umamiai.xyz/v1``, the base of UmamiAI's ``/luma-ai`` paths."""
        return self.url_for("umami")

    @property
    def captures_url(self) -> str:
        """Base URL of the Captures API v2 (``lumaapi``'s ``API_BASE_URL`` is this plus ``/``)."""
        return self.url_for("captures")

    @property
    def agents_url(self) -> str:
        """Base URL for the ``luma-agents`` SDK (keys must start with ``luma-api-``)."""
        return self.url_for("agents")

    def env(self, api_key: str | None = None) -> dict[str, str]:
        """The variables the official SDKs read, pointing at this mock.

        ``LUMAAI_*`` is read by ``lumaai``; ``LUMA_*`` by ``luma-agents``: each surface whose
        SDK reads its base URL from the environment names both variables.
        """
        key = api_key or self.api_key
        variables: dict[str, str] = {}
        for surface in self._ctx.surfaces:
            if surface.base_url_env is not None:
                variables[surface.base_url_env] = surface.client_url(self.url)
                if surface.key_env is not None:
                    variables[surface.key_env] = key
        return variables

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

    @property
    def faults(self) -> FaultControl:
        """The fault rules: ``.add({...})``, ``.remove(name)``, ``.clear()``, ``.list()``."""
        return FaultControl(self)

    @property
    def callbacks(self) -> list[Attempt]:
        """Every callback delivery attempt so far (bounded), oldest first."""
        attempts: list[Attempt] = self._call(lambda: list(self._ctx.callbacks.attempts))
        return attempts

    def callback_inbox(
        self, name: str | None = None, *, responses: Sequence[int] = (), delay: float = 0.0
    ) -> CallbackInbox:
        """A callback receiver hosted by the mock: pass ``inbox.url`` as ``callback_url``.

        It answers each POST with the next status of ``responses`` (the last one repeats; 200
        when empty), after ``delay`` wall-clock seconds.
        """
        inbox_name = name or f"inbox-{next(self._inbox_numbers)}"

        def create() -> Inbox:
            box = Inbox(inbox_name, list(responses), float(delay))
            self._ctx.inboxes[inbox_name] = box
            return box

        box: Inbox = self._call(create)
        return CallbackInbox(self, box, f"{self.url}/_mockluma/inbox/{inbox_name}")

    def _call(self, function: Any) -> Any:
        return self._loop.call(function) if self._loop.running else function()

    def _run(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        if self._loop.running:
            return self._loop.run(make())
        return asyncio.run(make())

    def advance(self, seconds: float) -> int:
        """Move simulated time forward, running every event due on the way (and waiting for
        each callback attempt's answer, so retries due on the way are made); returns how many
        events ran."""
        return self._run(lambda: self._ctx.callbacks.advance(seconds))

    def run_until_idle(self, limit: float = 30 * 24 * 3600) -> float:
        """Advance until nothing is scheduled (or ``limit`` simulated seconds have passed);
        returns how many simulated seconds that took. Stuck jobs schedule nothing."""

        async def drain() -> float:
            start = self.simulation.now()
            await self._ctx.callbacks.run_until_idle(limit)
            return self.simulation.now() - start

        return self._run(drain)

    def complete_now(self, generation_id: str) -> None:
        """Finish a generation (of any key and API) successfully now, whatever its plan says;
        it passes through each phase it has not reached. Raises ``JobNotFound`` for an unknown
        id and ``JobFinished`` if it has already completed or failed."""

        def complete() -> None:
            simulation = self.simulation
            simulation.complete_now(simulation.find(generation_id))
            simulation.run_due()  # callback deliveries of the change are due now

        self._call(complete)

    def fail_now(self, generation_id: str, kind: str = "job") -> None:
        """Fail a generation now with one of its API's failure kinds (``moderation``,
        ``prompt``, ``dispatch``, ``job``...), worded as that API words it."""

        def fail() -> None:
            simulation = self.simulation
            job = simulation.find(generation_id)
            kinds = simulation.failure_kinds.get(job.surface, {})
            if kind not in kinds:
                known = ", ".join(sorted(kinds)) or "none"
                raise ValueError(f"{job.surface} has no failure kind {kind!r}; use one of {known}.")
            simulation.fail_now(job, kinds[kind])
            simulation.run_due()

        self._call(fail)

    @property
    def dashboard_url(self) -> str:
        """The dashboard's overview page (open it in a browser)."""
        return f"{self.url}/_mockluma/"

    def reset(self, api_key: str | None = None, **settings: Any) -> None:
        """Forget generations, balances and the journal.

        With ``api_key``, forget only that key's state. With settings (any of ``clock``,
        ``speed``, ``clock_start``, ``seed``, ``timing``, ``progression``, ``credits_cents``,
        ``capture_credits``),
        start again from the server's configuration with those changes.
        """
        if api_key is not None:
            if settings:
                raise TypeError("Settings apply to the whole mock; do not combine them with a key.")
            self._call(lambda: self._ctx.reset(api_key))
            return
        settings = _snapshot_setting(settings)
        names = {field.name for field in dataclasses.fields(Config)}
        for name in sorted(set(settings) - names):
            raise ConfigError(unknown_name(name, names))
        fixed = set(settings) - PER_TEST_SETTINGS - {"load_state"}
        if fixed:
            raise ConfigError(
                f"{', '.join(sorted(fixed))} cannot change between tests; "
                f"per-test settings are {', '.join(sorted(PER_TEST_SETTINGS))}."
            )
        # Start from the server's own configuration, so settings not named here are kept.
        config = with_settings(self.config, settings)
        check_failure_kinds(config.faults, self._ctx.surfaces)  # refuse bad rules here, now
        self._call(lambda: reconfigure(self._ctx, config))

    def snapshot(self, api_key: str | None = None, *, mask_keys: bool = False) -> dict[str, Any]:
        """The state as a JSON-able snapshot (everything, or ``api_key``'s), as
        ``GET /_mockluma/state`` exports it; ``mask_keys`` replaces keys with placeholders."""
        document: dict[str, Any] = self._call(lambda: snapshot(self._ctx, api_key, mask_keys))
        return document

    def load_state(self, source: Mapping[str, Any] | str | Path) -> int:
        """Replace the state with a snapshot (a document, or a JSON file's path); a one-key
        snapshot replaces that key's state only. Returns how many generations it held.
        Raises :class:`~mockluma.engine.store.base.StateError`, changing nothing, if the
        snapshot cannot be loaded."""
        document = read_snapshot(source)
        jobs: int = self._call(lambda: load(self._ctx, document, self._ctx.surfaces))
        return jobs

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


def _snapshot_setting(settings: Mapping[str, Any]) -> dict[str, Any]:
    """``state=`` of the handle and the marker is the config's ``load_state``: a snapshot to
    start from (the config's ``state`` is the SQLite file of ``mockluma serve --state``)."""
    chosen = dict(settings)
    if "state" in chosen:
        chosen["load_state"] = chosen.pop("state")
    return chosen
