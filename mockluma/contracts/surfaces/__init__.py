"""One module per surface, each defining ``CONTRACT``, a
:class:`~mockluma.contracts.registry.SurfaceContract` with that surface's checks.

Modules are found by listing this package, so adding a surface's contract means adding its
module here and nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from mockluma.contracts.registry import SurfaceContract


@cache
def contracts() -> dict[str, SurfaceContract]:
    """Every surface's contract, by surface name."""
    found: dict[str, SurfaceContract] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        contract = getattr(module, "CONTRACT", None)
        if not isinstance(contract, SurfaceContract):
            raise TypeError(f"{module.__name__} must define CONTRACT, a SurfaceContract.")
        found[contract.surface] = contract
    return found


__all__ = ["contracts"]
