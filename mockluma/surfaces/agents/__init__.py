"""The Luma Agents API (``agents.lumalabs.ai/v1``), as the ``luma-agents`` SDK sees it."""

from __future__ import annotations

from mockluma.surfaces import Surface
from mockluma.surfaces.agents import catalog, presenters
from mockluma.surfaces.agents.catalog import SURFACE as NAME
from mockluma.surfaces.agents.errors import DIALECT, rate_limited, response_headers
from mockluma.surfaces.agents.routes import AgentsRoutes

AGENTS = Surface(
    name=NAME,
    prefix="/v1",
    dialect=DIALECT,
    routes=lambda ctx: AgentsRoutes(ctx).routes(),
    # Balances are in US cents, as on Dream Machine.
    starting_balance=lambda config: config.credits_cents,
    response_headers=response_headers,
    side_routes=lambda ctx: AgentsRoutes(ctx).storage_routes(),
    failures=catalog.FAILURES,
    rate_limits=catalog.RATE_LIMITS,
    rate_limited=rate_limited,
    title="Agents",
    rank=20,
    real_base_url="https://agents.lumalabs.ai/v1",
    key_env="LUMA_AGENTS_API_KEY",
    base_url_env="LUMA_BASE_URL",
    contract="mockluma.contracts.surfaces.agents",
    present=lambda job, ctx, request: presenters.generation(job, request, ctx),
)

__all__ = ["AGENTS"]
