"""Contract checks: the same contract, checked against the mock and against Luma's live APIs.

Layers, lowest first:

- :mod:`mockluma.schemas.route_schemas` and :mod:`mockluma.schemas.conformance` (below the
  app, shared with strict mode): which schema describes each route, and the checks of one
  response against it.
- :mod:`~mockluma.contracts.registry`: checks as small named functions, registered per surface
  and endpoint on a :class:`SurfaceContract`; failures carry a title and a JSON path.
- :mod:`~mockluma.contracts.session`: what a check talks to (requests checked against the route
  map, the budget, the pace of polls, resources shared between checks).
- :mod:`~mockluma.contracts.surfaces`: one module per surface with its checks.
- :mod:`~mockluma.contracts.runner`, :mod:`~mockluma.contracts.report`,
  :mod:`~mockluma.contracts.cli`: run them, report, ``mockluma contract``.
- :mod:`~mockluma.contracts.strategies` (needs ``hypothesis``) and
  :mod:`~mockluma.contracts.drift`: test data from the schemas, and comparison of the schemas
  with the official SDKs' types; used by the test suite.
"""

from __future__ import annotations

from mockluma.contracts.registry import Check, CheckFailed, CheckSkipped, SurfaceContract
from mockluma.contracts.session import Session

__all__ = ["Check", "CheckFailed", "CheckSkipped", "Session", "SurfaceContract"]
