"""The HTTP APIs mockluma serves, one package each, all on the same engine.

A surface is described by a :class:`Surface`: where it is mounted, how it words errors and reads
its key, what an account starts with, where the real API lives, and a function that builds its
routes from the shared :class:`Context`. Each package under ``mockluma/surfaces/`` names its
:class:`Surface` in its ``__all__``; :mod:`mockluma.surfaces.registry` finds them there, and
everything else (the app, the journal, the fault layer, the contract runner, the CLI, the
handle) asks the registry. Adding an API means adding a package (and its ``schemas/``
directory); a test suite can also register a surface of its own
(:func:`mockluma.surfaces.registry.register`).

Most APIs live under one path prefix. A few hosts serve one API under several roots (AppyPie
creates under ``/lumalabs-ai/v1`` and polls under ``/lumalabs-ai-polling/v1``); such a surface
lists its further roots in :attr:`Surface.more_mounts`.

Prefixes may nest (``/v1`` and ``/v1/luma-ai``): the longest prefix that matches a path owns it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import BaseRoute, Mount

from mockluma.config import Config
from mockluma.engine.callbacks import CallbackDispatcher, Inbox, Renderer
from mockluma.engine.faults import FaultBook
from mockluma.engine.input_media import InputMediaPolicy
from mockluma.engine.jobs import Failure, Job
from mockluma.engine.journal import Journal
from mockluma.engine.limits import Limit, RateLimited
from mockluma.engine.media import MediaCatalog
from mockluma.engine.simulation import Simulation
from mockluma.engine.store.base import MemoryStore, Store
from mockluma.web.auth import KeyReader, bearer_key
from mockluma.web.errors import ApiError, Dialect
from mockluma.web.router import IndexedMount
from mockluma.web.urls import UPLOADS_PATH

ERRORS_KEPT = 100
"""How many unexpected exceptions a server keeps for ``MockLuma.take_errors()``."""


@dataclass(slots=True, eq=False)
class Context:
    """What every surface's handlers share, for the life of one app.

    Mutable on purpose, and only in one way besides the live state it holds: the handle's
    ``reset(**settings)`` swaps in a new :attr:`config` (:meth:`use_config`). The objects are
    never replaced, since every route holds this same context.
    """

    config: Config
    simulation: Simulation
    media: MediaCatalog
    faults: FaultBook
    callbacks: CallbackDispatcher
    journal: Journal = field(default_factory=Journal)
    errors: deque[BaseException] = field(default_factory=lambda: deque(maxlen=ERRORS_KEPT))
    """Unexpected exceptions raised while handling requests (bugs, surfaced to tests); the
    last :data:`ERRORS_KEPT` of them."""
    shared: dict[str, Any] = field(default_factory=dict)
    """Objects a surface shares between its API routes and its side routes, by surface name."""

    @property
    def signing_key(self) -> bytes:
        """The key of the mock's presigned URLs. It follows the seed, so URLs repeat with it."""
        return f"mockluma/{self.simulation.seed}".encode()

    inboxes: dict[str, Inbox] = field(default_factory=dict)
    """Callback receivers hosted by the mock, by name."""
    surfaces: tuple[Surface, ...] = ()
    """The surfaces the app serves, in the registry's order."""
    input_media: InputMediaPolicy = field(default_factory=lambda: InputMediaPolicy(lambda _: 404))
    """What the input URLs of requests find (:mod:`mockluma.engine.input_media`)."""
    store: Store = field(default_factory=MemoryStore)
    """Where the state is kept (memory, or the SQLite file of ``--state``)."""

    def use_config(self, config: Config) -> None:
        """Swap in a per-test configuration (the handle's ``reset(**settings)``); the settings
        that shape the server itself (host, port, body limits) must be unchanged."""
        self.config = config

    def reset(self, owner: str | None = None) -> None:
        """Forget ``owner``'s state, or everything: jobs, journal, callbacks, inboxes; the
        fault rules and the rate limits go back to the configured ones."""
        self.simulation.reset(owner)
        if owner is None:
            self.simulation.limiter.restore_configured()
            self.journal.clear()
            self.faults.replace(self.config.faults)
            self.callbacks.clear()
            self.inboxes.clear()
            self.input_media.forget()


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
    response_headers: Callable[[Headers], Mapping[str, str]] | None = None
    """Headers added to every response under ``prefix``, errors included, given the request's."""
    side_routes: Callable[[Context], Sequence[BaseRoute]] | None = None
    """Routes the API's clients reach on other hosts (a storage bucket's presigned uploads),
    mounted at ``/_mockluma/<name>/`` so they never collide with a real path."""
    failures: Mapping[str, Failure] = field(default_factory=dict)
    """The failures fault rules and triggers can name (``moderation``, ``job``...), in this
    API's words. Every surface should offer at least moderation, prompt, dispatch and job."""
    rate_limits: Mapping[str, Limit] = field(default_factory=dict)
    """Default limits per limit group (``*`` for every group); empty means unlimited."""
    rate_limited: Callable[[RateLimited], ApiError] | None = None
    """The 429 for a refused create; by default the dialect's error with ``Retry-After``."""
    callbacks: Renderer | None = None
    """What to POST to a job's callback URL on each update, for APIs that have callbacks."""
    upload_routes: Callable[[Context], Sequence[BaseRoute]] | None = None
    """Routes of the surface's storage host, where clients PUT files to signed URLs (no API
    key, as on the real storage host); mounted at ``/_mockluma/uploads/<name>``."""
    more_mounts: Mapping[str, Callable[[Context], Sequence[BaseRoute]]] = field(
        default_factory=dict
    )
    """Further mount paths, each with the endpoints under it (empty for most APIs)."""
    title: str = ""
    """What people call the API (``Dream Machine``), for listings."""
    rank: int = 100
    """Where the surface comes in listings (the CLI's banner, docs), lowest first."""
    real_base_url: str | None = None
    """Where :attr:`prefix` lives on the real API: ``https://api.lumalabs.ai/dream-machine/v1``.
    Further mounts sit beside it on the same host (:meth:`real_url`)."""
    client_path: str | None = None
    """The path of the base URL a client of the API is given, on the mock (default
    :attr:`prefix`): ``""`` for AppyPie, whose docs give whole URLs under the host."""
    api_key: KeyReader = bearer_key
    """How the API reads its key from a request, for the journal and fault rules (an
    ``Authorization: Bearer`` token unless the API says otherwise)."""
    key_env: str | None = None
    """The environment variable that holds a key for the live API (its SDK's, where it has
    one): ``--api-key``'s fallback in ``mockluma contract`` and the nightly run's secret."""
    base_url_env: str | None = None
    """The environment variable the API's SDK reads its base URL from, if it reads one; the
    handle's ``env()`` sets it, and :attr:`key_env`, to point the SDK at the mock."""
    contract: str | None = None
    """The module of its contract checks (defining ``CONTRACT``), named as text so that the
    serving code never imports the contract runner: ``mockluma.contracts.surfaces.umami``."""
    present: Callable[[Job, Context, Request], Any] | None = None
    """A job as this API's status call shows it now (the control API and the dashboard show
    it; ``request`` gives the base URL of media links). Polls are not counted."""

    @property
    def prefixes(self) -> tuple[str, ...]:
        """Every path prefix the surface answers under, :attr:`prefix` first."""
        uploads = (f"{UPLOADS_PATH}/{self.name}",) if self.upload_routes is not None else ()
        return (self.prefix, *self.more_mounts, *uploads)

    def mounts(self, ctx: Context) -> list[Mount]:
        """The surface's routes, mounted at each of its prefixes."""
        builders = {self.prefix: self.routes, **self.more_mounts}
        if self.upload_routes is not None:
            builders[f"{UPLOADS_PATH}/{self.name}"] = self.upload_routes
        return [IndexedMount(prefix, list(build(ctx))) for prefix, build in builders.items()]

    def client_url(self, root: str) -> str:
        """The base URL a client of the API is given, on the mock served at ``root``."""
        path = self.prefix if self.client_path is None else self.client_path
        return root.rstrip("/") + path

    def real_url(self, prefix: str) -> str | None:
        """Where the mount at ``prefix`` lives on the real API (``None`` if unknown, as for a
        storage host, whose signed URLs say where it is)."""
        base = self.real_base_url
        if base is None or not base.endswith(self.prefix) or prefix not in self.prefixes:
            return None
        if prefix.startswith(UPLOADS_PATH):
            return None
        return base.removesuffix(self.prefix) + prefix

    def too_many_requests(self, refusal: RateLimited) -> ApiError:
        if self.rate_limited is not None:
            return self.rate_limited(refusal)
        error = self.dialect.error(429, str(refusal))
        error.headers["retry-after"] = str(refusal.retry_after_seconds)
        return error
