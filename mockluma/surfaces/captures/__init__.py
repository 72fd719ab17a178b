"""The Captures API v2 (``webapp.engineeringlumalabs.com/api/v2``), as ``lumaapi`` sees it.

Luma has deprecated this API; the mock keeps it for code that still drives 3D captures
through the ``lumaapi`` library or its ``luma`` command.
"""

from __future__ import annotations

from mockluma.surfaces import Surface
from mockluma.surfaces.captures import catalog, presenters
from mockluma.surfaces.captures.catalog import SURFACE as NAME
from mockluma.surfaces.captures.errors import AUTH_SCHEME, DIALECT
from mockluma.surfaces.captures.routes import CapturesRoutes
from mockluma.web.auth import authorization_key

CAPTURES = Surface(
    name=NAME,
    prefix="/api/v2",
    dialect=DIALECT,
    routes=lambda ctx: CapturesRoutes(ctx).routes(),
    starting_balance=lambda config: float(config.capture_credits),
    upload_routes=lambda ctx: CapturesRoutes(ctx).upload_routes(),
    failures=catalog.FAILURES,
    title="Captures v2",
    rank=30,
    real_base_url="https://webapp.engineeringlumalabs.com/api/v2",
    api_key=authorization_key(AUTH_SCHEME),
    # lumaapi reads no variable; the name is mockluma's.
    key_env="LUMA_CAPTURES_API_KEY",
    contract="mockluma.contracts.surfaces.captures",
    present=lambda job, ctx, request: presenters.run(job, ctx.simulation.now(), request),
)

__all__ = ["CAPTURES"]
