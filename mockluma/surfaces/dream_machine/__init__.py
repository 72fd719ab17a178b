"""The Dream Machine API (``api.lumalabs.ai/dream-machine/v1``), as the ``lumaai`` SDK sees it."""

from __future__ import annotations

from mockluma.surfaces import Surface
from mockluma.surfaces.dream_machine import catalog, presenters
from mockluma.surfaces.dream_machine.catalog import SURFACE as NAME
from mockluma.surfaces.dream_machine.errors import DIALECT, rate_limited
from mockluma.surfaces.dream_machine.presenters import callback_update
from mockluma.surfaces.dream_machine.routes import DreamMachineRoutes
from mockluma.web import base_url_of

DREAM_MACHINE = Surface(
    name=NAME,
    prefix="/dream-machine/v1",
    dialect=DIALECT,
    routes=lambda ctx: DreamMachineRoutes(ctx).routes(),
    starting_balance=lambda config: config.credits_cents,
    failures=catalog.FAILURES,
    rate_limits=catalog.RATE_LIMITS,
    rate_limited=rate_limited,
    callbacks=callback_update,
    title="Dream Machine",
    rank=10,
    real_base_url="https://api.lumalabs.ai/dream-machine/v1",
    key_env="LUMAAI_API_KEY",
    base_url_env="LUMAAI_BASE_URL",
    contract="mockluma.contracts.surfaces.dream_machine",
    present=lambda job, ctx, request: presenters.generation(job, base_url_of(request)),
)

__all__ = ["DREAM_MACHINE"]
