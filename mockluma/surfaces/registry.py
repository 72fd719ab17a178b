"""The one list of surfaces: found, not written down.

Every package under ``mockluma/surfaces/`` names its :class:`~mockluma.surfaces.Surface` in its
``__all__``; :func:`surfaces` imports the packages once and collects them, in
:attr:`~mockluma.surfaces.Surface.rank` order (then by name). A test suite, or a project that
simulates an API of its own, adds one with :func:`register` (or :func:`registered`, for the
length of a ``with`` block). To serve a particular set or order (a stand-in for a shipped
surface, say), pass it: ``create_app(config, surfaces=...)``, ``MockLuma(surfaces=...)``.

The app reads the registry once, when it is built (:func:`mockluma.app.create_app`); so do the
journal, the fault layer and strict mode, through the app's context. The contract runner, the
CLI's listings and the handle's URLs read it too.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import mockluma.surfaces as _package
from mockluma.surfaces import Surface

_built_in: tuple[Surface, ...] | None = None
_added: dict[str, Surface] = {}


def built_in() -> tuple[Surface, ...]:
    """The surfaces of the packages under ``mockluma/surfaces/``, in listing order."""
    global _built_in
    if _built_in is None:
        found: list[Surface] = []
        for info in pkgutil.iter_modules(_package.__path__):
            if not info.ispkg:
                continue
            module = importlib.import_module(f"{_package.__name__}.{info.name}")
            exported = [getattr(module, name) for name in getattr(module, "__all__", ())]
            declared = [value for value in exported if isinstance(value, Surface)]
            if len(declared) != 1:
                raise TypeError(
                    f"{module.__name__} must name exactly one Surface in its __all__; "
                    f"it names {len(declared)}."
                )
            found.extend(declared)
        _built_in = _in_order(found)
    return _built_in


def surfaces() -> tuple[Surface, ...]:
    """Every surface to serve: the built-in ones and those registered, in listing order."""
    return _in_order([*built_in(), *_added.values()])


def get(name: str) -> Surface:
    """The surface called ``name``; ``LookupError`` naming the known ones if there is none."""
    for surface in surfaces():
        if surface.name == name:
            return surface
    known = ", ".join(surface.name for surface in surfaces())
    raise LookupError(f"There is no surface called {name!r}; the surfaces are: {known}.")


def names() -> tuple[str, ...]:
    return tuple(surface.name for surface in surfaces())


def register(surface: Surface) -> Surface:
    """Serve ``surface`` in every app built from now on (until :func:`unregister`)."""
    taken = {existing.name for existing in surfaces()}
    if surface.name in taken:
        raise ValueError(f"A surface called {surface.name!r} is already registered.")
    _added[surface.name] = surface
    return surface


def unregister(name: str) -> None:
    """Stop serving the surface :func:`register` added as ``name``."""
    if _added.pop(name, None) is None:
        raise LookupError(f"No surface called {name!r} was registered.")


@contextmanager
def registered(*added: Surface) -> Iterator[None]:
    """Serve ``added`` too, in apps built inside the ``with`` block."""
    for surface in added:
        register(surface)
    try:
        yield
    finally:
        for surface in added:
            _added.pop(surface.name, None)


def _in_order(found: Iterable[Surface]) -> tuple[Surface, ...]:
    return tuple(sorted(found, key=lambda surface: (surface.rank, surface.name)))


__all__ = ["built_in", "get", "names", "register", "registered", "surfaces", "unregister"]
