"""The AppyPie gateway (``gateway.appypie.com``) in front of Luma Dream Machine, as its docs show
it: create under ``/lumalabs-ai/v1``, poll under ``/lumalabs-ai-polling/v1``."""

from __future__ import annotations

from mockluma.surfaces import Surface
from mockluma.surfaces.appypie import catalog, presenters
from mockluma.surfaces.appypie.catalog import SURFACE as NAME
from mockluma.surfaces.appypie.errors import DIALECT, rate_limited
from mockluma.surfaces.appypie.routes import AppyPieRoutes, read_key
from mockluma.web import base_url_of

APPYPIE = Surface(
    name=NAME,
    prefix="/lumalabs-ai/v1",
    dialect=DIALECT,
    routes=lambda ctx: AppyPieRoutes(ctx).generation_routes(),
    starting_balance=lambda config: config.credits_cents,
    failures=catalog.FAILURES,
    rate_limited=rate_limited,
    more_mounts={"/lumalabs-ai-polling/v1": lambda ctx: AppyPieRoutes(ctx).polling_routes()},
    title="AppyPie gateway",
    rank=40,
    real_base_url="https://gateway.appypie.com/lumalabs-ai/v1",
    # AppyPie's docs give whole URLs under the host, so a client's base URL is the root.
    client_path="",
    api_key=read_key,
    key_env="APPYPIE_SUBSCRIPTION_KEY",
    contract="mockluma.contracts.surfaces.appypie",
    present=lambda job, ctx, request: presenters.status(
        job, base_url_of(request), ctx.config.appypie_statuses
    ),
)

__all__ = ["APPYPIE"]
