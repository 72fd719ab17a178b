"""``MockLuma``: a running mock and the controls a test needs, outside or inside pytest.

    with MockLuma() as luma:
        client = LumaAI(auth_token="luma-test", base_url=luma.dream_machine_url)
        generation = client.generations.create(model="ray-2", prompt="a red fox in snow")
        luma.advance(120)
        assert client.generations.get(generation.id).state == "completed"

By default the clock is manual: simulated time moves only through :meth:`MockLuma.advance`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mockluma.app import create_app
from mockluma.config import Config, build_config
from mockluma.engine.simulation import Simulation
from mockluma.server import ThreadedServer
from mockluma.surfaces import Context

_TEST_DEFAULTS: dict[str, Any] = {"clock": "manual", "seed": 0, "timing": "realistic"}


class MockLuma:
    """A mock Luma server in a background thread, with its clock and state under control."""

    def __init__(self, config: Config | None = None, **settings: Any) -> None:
        if config is None:
            config = build_config({**_TEST_DEFAULTS, **settings}, environ={})
        elif settings:
            raise TypeError("Pass either a Config or settings, not both.")
        self.config = config
        self.app = create_app(config)
        self._ctx: Context = self.app.state.mockluma
        self._server = ThreadedServer(self.app, host=config.host, log_level=config.log_level)

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> MockLuma:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> MockLuma:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # -- where it is ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server's root URL, e.g. ``http://127.0.0.1:54321``."""
        return self._server.url

    @property
    def dream_machine_url(self) -> str:
        """Base URL for the ``lumaai`` SDK."""
        return f"{self.url}/dream-machine/v1"

    # -- control --------------------------------------------------------------------------

    @property
    def simulation(self) -> Simulation:
        return self._ctx.simulation

    def advance(self, seconds: float) -> int:
        """Move simulated time forward, running every event due on the way; returns their count."""
        return self._server.call(lambda: self.simulation.advance(seconds))

    def reset(self, api_key: str | None = None) -> None:
        """Forget all generations and balances (or only ``api_key``'s)."""
        self._server.call(lambda: self.simulation.reset(api_key))

    @property
    def clock(self) -> datetime:
        """The current simulated time."""
        return datetime.fromtimestamp(self._server.call(self.simulation.now), UTC)
