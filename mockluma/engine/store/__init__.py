"""Where the simulation's state is kept, and its one JSON encoding (snapshots).

- :mod:`.base`: the :class:`~.base.Store` interface, the memory store, :class:`~.base.StateError`;
- :mod:`.codec`: jobs and surface records as JSON-able data;
- :mod:`.snapshot`: the whole state as one document (export, load, batches of changes);
- :mod:`.sqlite`: the SQLite store behind ``mockluma serve --state``.

What changed since the last batch is marked by :mod:`mockluma.engine.changes`, which the
simulation calls (it sits beside the simulation, not in here, so imports stay one-way).
"""

from __future__ import annotations

from mockluma.engine.store.base import Changes, MemoryStore, StateError, Store

__all__ = ["Changes", "MemoryStore", "StateError", "Store"]
