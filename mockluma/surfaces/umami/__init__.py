"""UmamiAI's "Luma AI v1 legacy" proxy (``api.umamiai.xyz/v1/luma-ai``), in the shape of
Luma's old web API: ``user_prompt`` in, ``state`` pending → processing → completed out."""

from __future__ import annotations

from mockluma.surfaces import Surface
from mockluma.surfaces.umami import catalog, presenters
from mockluma.surfaces.umami.catalog import SURFACE as NAME
from mockluma.surfaces.umami.errors import DIALECT, rate_limited
from mockluma.surfaces.umami.routes import UmamiRoutes
from mockluma.web import base_url_of

UMAMI = Surface(
    name=NAME,
    prefix="/v1/luma-ai",
    dialect=DIALECT,
    routes=lambda ctx: UmamiRoutes(ctx).routes(),
    starting_balance=lambda config: config.credits_cents * catalog.TOKENS_PER_CENT,
    failures=catalog.FAILURES,
    rate_limited=rate_limited,
    title="UmamiAI proxy",
    rank=50,
    real_base_url="https://api.umamiai.xyz/v1/luma-ai",
    # UmamiAI documents https://api.umamiai.xyz/v1 as the base of its /luma-ai paths.
    client_path="/v1",
    key_env="UMAMIAI_API_KEY",
    contract="mockluma.contracts.surfaces.umami",
    present=lambda job, ctx, request: presenters.generation(ctx, job, base_url_of(request)),
)

__all__ = ["UMAMI"]
