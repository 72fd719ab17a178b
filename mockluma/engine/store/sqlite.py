"""The SQLite store behind ``mockluma serve --state PATH`` (the standard library's ``sqlite3``).

Rows mirror the snapshot's pieces: one per job, one per account (balance and id counter), one
per record collection, and one per section of the rest (clock, seed, limits, fault rules,
callbacks, inboxes). Jobs keep their SQLite rowid when they are updated, so loading them in
rowid order restores each key's generations in creation order.

Nothing here runs on the request path. :meth:`SqliteStore.save` puts a batch on a queue; a
writer thread applies each batch in one transaction (WAL mode, ``synchronous=NORMAL``: a
committed batch survives the process being killed). The server hands over a batch every half
second and at shutdown, so a clean stop loses nothing and ``kill -9`` loses at most the changes
of the last second.

The file is marked as mockluma's (``PRAGMA application_id``) and carries the snapshot format
it was written with (``PRAGMA user_version``), so a foreign or newer database is refused with a
message instead of being changed.
"""

from __future__ import annotations

import json
import os
import queue
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

from mockluma.engine.store.base import Changes, StateError, StoredJob
from mockluma.engine.store.snapshot import FORMAT_VERSION

APPLICATION_ID = 0x4D4C554D  # "MLUM"
_TABLES = (
    "CREATE TABLE jobs (surface TEXT NOT NULL, owner TEXT NOT NULL, id TEXT NOT NULL,"
    " finished INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (surface, owner, id))",
    "CREATE TABLE accounts (surface TEXT NOT NULL, owner TEXT NOT NULL, data TEXT NOT NULL,"
    " PRIMARY KEY (surface, owner))",
    "CREATE TABLE records (surface TEXT NOT NULL, owner TEXT NOT NULL,"
    " collection TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (surface, owner, collection))",
    "CREATE TABLE meta (name TEXT PRIMARY KEY, data TEXT NOT NULL)",
)
_UPSERT_JOB = (
    "INSERT INTO jobs VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (surface, owner, id)"
    " DO UPDATE SET finished = excluded.finished, data = excluded.data"
)
_UPSERT_ACCOUNT = (
    "INSERT INTO accounts VALUES (?, ?, ?)"
    " ON CONFLICT (surface, owner) DO UPDATE SET data = excluded.data"
)
_UPSERT_RECORDS = (
    "INSERT INTO records VALUES (?, ?, ?, ?)"
    " ON CONFLICT (surface, owner, collection) DO UPDATE SET data = excluded.data"
)
_UPSERT_META = (
    "INSERT INTO meta VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET data = excluded.data"
)
_WHAT_TO_DO = "move it away or give --state another path"


class SqliteStore:
    """A state kept in one SQLite file; see the module docstring."""

    persistent = True

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.description = str(self.path)
        self.error: str | None = None
        """The last write failure, if any (also printed to stderr once)."""
        self.batches_written = 0
        self._queue: queue.Queue[Changes | None] = queue.Queue()
        self._connection = self._open()
        self._thread = threading.Thread(target=self._write, name="mockluma-state", daemon=True)
        self._thread.start()

    # -- opening ---------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        path = self.path
        folder = path.parent if str(path.parent) else Path(".")
        if path.is_dir():
            raise StateError(f"The state path {path} is a folder; give --state a file name.")
        if not folder.is_dir():
            raise StateError(
                f"Cannot create the state file {path}: the folder {folder} does not exist."
            )
        if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise StateError(
                f"Cannot write the state file {path}: permission denied; choose a path in a "
                "folder you can write to."
            )
        try:
            connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            # Read-only questions first: another program's database must not be changed.
            application = connection.execute("PRAGMA application_id").fetchone()[0]
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except sqlite3.DatabaseError as exc:
            raise StateError(
                f"{path} is not a mockluma state database (SQLite says: {exc}); {_WHAT_TO_DO}."
            ) from None
        if application in (0, APPLICATION_ID) and (application or not tables):
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.DatabaseError as exc:
                connection.close()
                raise StateError(
                    f"Cannot write the state file {path}: {exc}; {_WHAT_TO_DO}."
                ) from None
        if application == 0 and not tables:
            connection.execute("BEGIN")
            for statement in _TABLES:
                connection.execute(statement)
            connection.execute(f"PRAGMA application_id={APPLICATION_ID}")
            connection.execute(f"PRAGMA user_version={FORMAT_VERSION}")
            connection.execute("COMMIT")
            return connection
        if application != APPLICATION_ID:
            connection.close()
            raise StateError(
                f"{path} is an SQLite database of another program, not a mockluma state; "
                f"{_WHAT_TO_DO}."
            )
        if version > FORMAT_VERSION:
            connection.close()
            raise StateError(
                f"{path} was written by a newer mockluma (state format {version}; this one "
                f"reads up to {FORMAT_VERSION}); upgrade mockluma or {_WHAT_TO_DO}."
            )
        return connection

    # -- the Store interface ---------------------------------------------------------------

    def load(self) -> dict[str, Any] | None:
        """The saved state as a snapshot document (``None`` for a new file)."""
        try:
            return self._read()
        except (sqlite3.DatabaseError, ValueError, KeyError, TypeError) as exc:
            raise StateError(
                f"{self.path} holds a damaged mockluma state ({type(exc).__name__}: {exc}); "
                f"{_WHAT_TO_DO}."
            ) from None

    def _read(self) -> dict[str, Any] | None:
        db = self._connection
        meta = {name: json.loads(data) for name, data in db.execute("SELECT name, data FROM meta")}
        if "core" not in meta:
            return None
        accounts: dict[tuple[str, str], dict[str, Any]] = {}

        def account(surface: str, owner: str) -> dict[str, Any]:
            found = accounts.get((surface, owner))
            if found is None:
                found = accounts[(surface, owner)] = {
                    "surface": surface,
                    "api_key": owner,
                    "balance": 0.0,
                    "sequence": 0,
                    "jobs": [],
                    "records": {},
                }
            return found

        for surface, owner, data in db.execute(
            "SELECT surface, owner, data FROM accounts ORDER BY rowid"
        ):
            account(surface, owner).update(json.loads(data))
        # Finished jobs stay JSON text until first used (StoredJob): a restart with 100,000
        # of them does not decode them all. Unfinished ones are parsed in one go.
        query = "SELECT surface, owner, id, finished, data FROM jobs ORDER BY rowid"
        rows = db.execute(query).fetchall()
        running = [row for row in rows if not row[3]]
        parsed = iter(json.loads("[" + ",".join(row[4] for row in running) + "]"))
        for surface, owner, job_id, finished, data in rows:
            jobs = account(surface, owner)["jobs"]
            jobs.append(StoredJob(job_id, data) if finished else next(parsed))
        query = "SELECT surface, owner, collection, data FROM records ORDER BY rowid"
        for surface, owner, collection, data in db.execute(query):
            account(surface, owner)["records"][collection] = json.loads(data)
        version = db.execute("PRAGMA user_version").fetchone()[0]
        return {
            "format_version": version,
            "seed": meta["core"]["seed"],
            "epoch": meta["core"]["epoch"],
            "clock": meta["clock"],
            "accounts": list(accounts.values()),
            "limits": meta.get("limits", {}),
            "faults": meta.get("faults", []),
            "callbacks": meta.get("callbacks", []),
            "inboxes": meta.get("inboxes", []),
        }

    def save(self, changes: Changes) -> None:
        if changes:
            self._queue.put(changes)

    def close(self) -> None:
        """Write what is queued, then close the file (the WAL is folded back into it)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._connection.close()

    # -- the writer thread -------------------------------------------------------------------

    def _write(self) -> None:
        while True:
            batch = [self._queue.get()]
            while not self._queue.empty() and batch[-1] is not None:
                batch.append(self._queue.get_nowait())
            stop = batch[-1] is None
            changes = [item for item in batch if item is not None]
            if changes:
                try:
                    self._apply(changes)
                except sqlite3.Error as exc:
                    if self.error is None:
                        print(
                            f"mockluma: cannot write the state file {self.path}: {exc}; "
                            "changes are kept in memory only.",
                            file=sys.stderr,
                            flush=True,
                        )
                    self.error = str(exc)
            if stop:
                return

    def _apply(self, batches: list[Changes]) -> None:
        db = self._connection
        db.execute("BEGIN")
        try:
            for changes in batches:
                if changes.reset_all:
                    for table in ("jobs", "accounts", "records"):
                        db.execute(f"DELETE FROM {table}")
                for owner in changes.reset_owners:
                    for table in ("jobs", "accounts", "records"):
                        db.execute(f"DELETE FROM {table} WHERE owner = ?", (owner,))
                upserts = [
                    (surface, owner, job_id, int(finished), data)
                    for surface, owner, job_id, finished, data in changes.jobs
                    if data is not None
                ]
                deletes = [row[:3] for row in changes.jobs if row[4] is None]
                db.executemany(_UPSERT_JOB, upserts)
                db.executemany(
                    "DELETE FROM jobs WHERE surface = ? AND owner = ? AND id = ?", deletes
                )
                db.executemany(_UPSERT_ACCOUNT, changes.accounts)
                db.executemany(_UPSERT_RECORDS, changes.records)
                db.executemany(_UPSERT_META, changes.meta)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self.batches_written += len(batches)
