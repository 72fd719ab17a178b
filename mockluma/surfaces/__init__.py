"""The HTTP APIs mockluma serves, one package each, all on the same engine.

A surface is described by a :class:`Surface`: where it is mounted, how it words errors, what an
account starts with, and a function that builds its routes from the shared :class:`Context`.
Adding an API means adding a package and one entry in :data:`mockluma.app.SURFACES`.

Prefixes may nest (``/v1`` and ``/v1/luma-ai``): the longest prefix that matches a path owns it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import Headers
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
    shared: dict[str, Any] = field(default_factory=dict)
    """Objects a surface shares between its API routes and its side routes, by surface name."""

    @property
    def signing_key(self) -> bytes:
        """The key of the mock's presigned URLs. It follows the seed, so URLs repeat with it."""
        return f"mockluma/{self.simulation.seed}".encode()


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
    response_headers: Callable[[Headers], Mapping[str, str]] | None = None
    """Headers added to every response under ``prefix``, errors included, given the request's."""
    side_routes: Callable[[Context], Sequence[BaseRoute]] | None = None
    """Routes the API's clients reach on other hosts (a storage bucket's presigned uploads),
    mounted at ``/_mockluma/<name>/`` so they never collide with a real path."""
