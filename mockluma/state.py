"""Snapshots as data files: read, checked against ``schemas/mockluma/state.json``, versioned.

A snapshot (see :mod:`mockluma.engine.store.snapshot`) is checked here before the engine sees
it; errors are one sentence naming the file (or ``the snapshot``) and the JSON path at fault.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mockluma.engine.store.base import StateError
from mockluma.engine.store.snapshot import FORMAT_VERSION

STATE_SCHEMA = "mockluma/state.json"


def check_snapshot(document: Any, origin: str = "the snapshot") -> dict[str, Any]:
    """``document`` if it is a snapshot this release can load; else :class:`StateError`."""
    from mockluma.schemas import store as schema_store

    if not isinstance(document, dict):
        raise StateError(f"{origin} must be a JSON object (a mockluma state snapshot).")
    version = document.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise StateError(
            f"{origin} has format_version {version}, newer than this mockluma reads "
            f"({FORMAT_VERSION}); upgrade mockluma to load it."
        )
    error = schema_store.first_error(STATE_SCHEMA, document)
    if error is not None:
        raise StateError(
            f"{origin} is not a valid state snapshot: at {error.json_path}: "
            f"{schema_store.describe(error)}"
        )
    return document


def read_snapshot(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """A checked snapshot from a JSON file, or from a mapping already in memory."""
    if isinstance(source, Mapping):
        return check_snapshot(json.loads(json.dumps(source)))
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StateError(f"Cannot read the snapshot file {path}: {exc.strerror}.") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise StateError(
            f"{path} is not JSON ({exc}); a snapshot is what GET /_mockluma/state returns."
        ) from None
    return check_snapshot(document, str(path))
