"""The store interface: where a server's state lives between requests and between runs.

The engine's in-memory objects are always the source of truth; a store only *keeps* them. At
start-up :meth:`Store.load` returns the saved state as a snapshot document (the same JSON that
``GET /_mockluma/state`` exports), and while the server runs the engine hands the store what
changed, in batches (:class:`Changes`), at most every half second. :meth:`Store.save` must never
wait for a disk: a store that writes does so on a thread of its own.

Two stores exist: :class:`MemoryStore` (keeps nothing: the state ends with the process, as
without ``--state``) and :class:`~mockluma.engine.store.sqlite.SqliteStore`. Another store
(a different database, say) implements these three methods and nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from mockluma.errors import StateError

__all__ = ["Changes", "MemoryStore", "StateError", "Store", "StoredJob"]


class StoredJob(NamedTuple):
    """A finished job as a store hands it back: its id and its JSON, decoded when first used
    (see :class:`~mockluma.engine.jobtable.JobTable`). A store's ``load()`` may put these in
    an account's ``jobs`` instead of decoded dicts."""

    id: str
    text: str


@dataclass(slots=True)
class Changes:
    """What changed since the last batch, already encoded as JSON text.

    Applied in this order: the resets (everything, or some keys' records), then the rows.
    """

    reset_all: bool = False
    reset_owners: list[str] = field(default_factory=list)
    jobs: list[tuple[str, str, str, bool, str | None]] = field(default_factory=list)
    """(surface, key, job id, finished, job JSON); ``None`` deletes the job."""
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    """(surface, key, account JSON: balance and id counter)."""
    records: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(surface, key, collection, JSON list of the collection's records)."""
    meta: list[tuple[str, str]] = field(default_factory=list)
    """(section name, JSON): the clock, the seed, limits, fault rules, callbacks, inboxes."""

    def __bool__(self) -> bool:
        return bool(
            self.reset_all
            or self.reset_owners
            or self.jobs
            or self.accounts
            or self.records
            or self.meta
        )


class Store(Protocol):
    """Keeps a server's state; see the module docstring."""

    @property
    def description(self) -> str:
        """Where the state is kept, for messages (``memory``, a file name)."""

    @property
    def persistent(self) -> bool:
        """Whether it keeps anything: if not, the simulation tracks no changes for it."""

    def load(self) -> dict[str, Any] | None:
        """The saved state as a snapshot document, or ``None`` when nothing is saved yet."""

    def save(self, changes: Changes) -> None:
        """Keep ``changes``; returns at once (writing, if any, happens elsewhere)."""

    def close(self) -> None:
        """Write everything handed over so far, then release the store."""


class MemoryStore:
    """Keeps nothing beyond the process: today's behaviour, and the default."""

    description = "memory"
    persistent = False

    def load(self) -> dict[str, Any] | None:
        return None

    def save(self, changes: Changes) -> None:
        return None

    def close(self) -> None:
        return None
