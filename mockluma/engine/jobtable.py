"""One key's jobs on one surface, by id, in creation order.

A plain dict would do, but for one thing: a server restarting from its ``--state`` file reads
back every finished job, and decoding 100,000 of them into objects would take seconds. Finished
jobs read from a store are kept as their JSON text, and decoded the first time anything asks
for them (a GET, a list page, an export). Unfinished jobs are decoded at once: their next step
must be scheduled.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice

from mockluma.engine.job_codec import job_from_json
from mockluma.engine.jobs import Job


class JobTable:
    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: dict[str, Job | str] = {}

    def get(self, job_id: str) -> Job | None:
        item = self._items.get(job_id)
        if item is None or isinstance(item, Job):
            return item
        return self._decode(job_id, item)

    def _decode(self, job_id: str, text: str) -> Job:
        data = json.loads(text)
        job = job_from_json(data, data["api_key"])
        self._items[job_id] = job
        return job

    def __getitem__(self, job_id: str) -> Job:
        job = self.get(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    def __setitem__(self, job_id: str, job: Job) -> None:
        self._items[job_id] = job

    def put_stored(self, job_id: str, text: str) -> None:
        """Keep a finished job's JSON (as a store wrote it) until it is first used."""
        self._items[job_id] = text

    def __delitem__(self, job_id: str) -> None:
        del self._items[job_id]

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._items

    def __len__(self) -> int:
        return len(self._items)

    def values(self) -> Iterator[Job]:
        """Every job, oldest first (decoding any still kept as text)."""
        for job_id, item in list(self._items.items()):
            yield item if isinstance(item, Job) else self._decode(job_id, item)

    def decoded(self) -> Iterator[Job]:
        """The jobs that exist as objects (the others nobody holds yet)."""
        return (item for item in list(self._items.values()) if isinstance(item, Job))

    def newest(self, start: int, stop: int) -> list[Job]:
        """Jobs newest first, from position ``start`` to ``stop``."""
        chosen = islice(reversed(self._items.items()), start, stop)
        return [item if isinstance(item, Job) else self._decode(i, item) for i, item in chosen]
