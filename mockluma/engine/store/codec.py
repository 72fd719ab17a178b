"""Engine objects as JSON-able data and back: the one encoding behind snapshots and the store.

Jobs, failures and plans are the engine's own (encoded in :mod:`mockluma.engine.job_codec`,
re-exported here). Records a surface keeps in
an account (Captures' captures, the Agents API's uploaded files) are the surface's: each surface
registers a :class:`RecordCodec` for its collections with :func:`register_records`, so the
engine can save and load them without knowing what they are. A record that points at a job
stores a *job reference* (``{"surface": ..., "id": ...}``, within the record's own key).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mockluma.engine.job_codec import (
    KeyNames,
    as_is,
    failure_from_json,
    failure_to_json,
    job_from_json,
    job_reference,
    job_to_json,
)
from mockluma.engine.jobs import Job
from mockluma.engine.store.base import StateError

__all__ = [
    "Decoding",
    "Encoding",
    "KeyNames",
    "RecordCodec",
    "as_is",
    "failure_from_json",
    "failure_to_json",
    "job_from_json",
    "job_reference",
    "job_to_json",
    "records_codec",
    "register_records",
]


class Encoding(Protocol):
    """What a record codec may ask while encoding."""

    def key(self, owner: str) -> str:
        """``owner`` as the snapshot names it (masked or not)."""

    def job(self, job: Job | None) -> dict[str, Any] | None:
        """A reference to ``job``, or ``None``."""


class Decoding(Protocol):
    """What a record codec may ask while decoding."""

    owner: str

    def job(self, reference: Mapping[str, Any] | None) -> Job | None:
        """The job a reference names (raises :class:`StateError` if there is none)."""

    def index(self, surface: str) -> dict[str, Any]:
        """The surface-wide look-up table being rebuilt (see ``Simulation.index``)."""


@dataclass(frozen=True, slots=True)
class RecordCodec:
    encode: Callable[[Any, Encoding], dict[str, Any]]
    decode: Callable[[Mapping[str, Any], Decoding], tuple[str, Any]]
    """Returns the record's key in its collection, and the record."""


_RECORDS: dict[tuple[str, str], RecordCodec] = {}


def register_records(surface: str, collection: str, codec: RecordCodec) -> None:
    """Say how ``surface`` saves and loads the records of ``collection``."""
    _RECORDS[(surface, collection)] = codec


def records_codec(surface: str, collection: str) -> RecordCodec:
    codec = _RECORDS.get((surface, collection))
    if codec is None:
        raise StateError(
            f"no surface knows how to save or load {surface!r} records of {collection!r}."
        )
    return codec
