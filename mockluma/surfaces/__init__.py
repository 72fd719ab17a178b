"""The HTTP APIs mockluma serves, one package each, all on the same engine.

A surface is described by a :class:`Surface`: where it is mounted, how it words errors, what an
account starts with, and a function that builds its routes from the shared :class:`Context`.
Adding an API means adding a package and one entry in :data:`mockluma.app.SURFACES`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from starlette.routing import BaseRoute

from mockluma.config import Config
from mockluma.engine.journal import Journal
from mockluma.engine.media import MediaCatalog
from mockluma.engine.simulation import Simulation
from mockluma.web import Dialect


@dataclass(frozen=True, slots=True)
class Context:
    """What every surface's handlers share."""

    config: Config
    simulation: Simulation
    media: MediaCatalog
    journal: Journal = field(default_factory=Journal)
    errors: list[BaseException] = field(default_factory=list)
    """Unexpected exceptions raised while handling requests (bugs, surfaced to tests)."""


@dataclass(frozen=True, slots=True)
class Surface:
    """One mounted API."""

    name: str
    """The name used in config, the CLI and the contract runner (``dream-machine``)."""
    prefix: str
    """Mount path on the mock, e.g. ``/dream-machine/v1``."""
    dialect: Dialect
    routes: Callable[[Context], Sequence[BaseRoute]]
    starting_balance: Callable[[Config], float]
    upload_routes: Callable[[Context], Sequence[BaseRoute]] | None = None
    """Routes of the surface's storage host, where clients PUT files to signed URLs (no API
    key, as on the real storage host); mounted at ``/_mockluma/uploads/<name>``."""
