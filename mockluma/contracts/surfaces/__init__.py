"""One module per surface, each defining ``CONTRACT``, a
:class:`~mockluma.contracts.registry.SurfaceContract` with that surface's checks.

Each surface names its module (:attr:`mockluma.surfaces.Surface.contract`), so the surface
registry is the one list: adding a surface's contract means adding its module here and naming
it in the surface's package.
"""

from __future__ import annotations

import importlib

from mockluma.contracts.registry import SurfaceContract
from mockluma.surfaces import registry


def contracts() -> dict[str, SurfaceContract]:
    """Every registered surface's contract, by surface name (in name order)."""
    found: dict[str, SurfaceContract] = {}
    for surface in sorted(registry.surfaces(), key=lambda surface: surface.name):
        if surface.contract is None:
            continue
        module = importlib.import_module(surface.contract)
        contract = getattr(module, "CONTRACT", None)
        if not isinstance(contract, SurfaceContract) or contract.surface != surface.name:
            raise TypeError(
                f"{surface.contract} must define CONTRACT, the SurfaceContract of {surface.name}."
            )
        found[surface.name] = contract
    return found


__all__ = ["contracts"]
