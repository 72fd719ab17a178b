"""The HTTP APIs mockluma serves, one package each, all on the same engine.

A surface is described by a :class:`Surface`: where it is mounted, how it words errors, what an
account starts with, and a function that builds its routes from the shared :class:`Context`.
Adding an API means adding a package and one entry in :data:`mockluma.app.SURFACES`.

Most APIs live under one path prefix. A few hosts serve one API under several roots (AppyPie
creates under ``/lumalabs-ai/v1`` and polls under ``/lumalabs-ai-polling/v1``); such a surface
lists its further roots in :attr:`Surface.more_mounts`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from starlette.routing import BaseRoute, Mount

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
    """The endpoints under :attr:`prefix`, with paths relative to it."""
    starting_balance: Callable[[Config], float]
    more_mounts: Mapping[str, Callable[[Context], Sequence[BaseRoute]]] = field(
        default_factory=dict
    )
    """Further mount paths, each with the endpoints under it (empty for most APIs)."""

    @property
    def prefixes(self) -> tuple[str, ...]:
        """Every path prefix the surface answers under, :attr:`prefix` first."""
        return (self.prefix, *self.more_mounts)

    def mounts(self, ctx: Context) -> list[Mount]:
        """The surface's routes, mounted at each of its prefixes."""
        builders = {self.prefix: self.routes, **self.more_mounts}
        return [Mount(prefix, routes=list(build(ctx))) for prefix, build in builders.items()]
