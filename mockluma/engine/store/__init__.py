"""Where the simulation's state is kept, and its one JSON encoding (snapshots).

- :mod:`.base`: the :class:`~.base.Store` interface, the memory store, :class:`~.base.StateError`;
- :mod:`.codec`: jobs and surface records as JSON-able data;
- :mod:`.snapshot`: the whole state as one document (export, load, batches of changes);
- :mod:`.tracker`: what changed since the last batch;
- :mod:`.sqlite`: the SQLite store behind ``mockluma serve --state``.
"""

from __future__ import annotations

from mockluma.engine.store.base import Changes, MemoryStore, StateError, Store

__all__ = ["Changes", "MemoryStore", "StateError", "Store"]
