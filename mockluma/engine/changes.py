"""Which parts of the state changed since the last batch was collected.

The simulation calls these methods as it changes things (a set insertion each; a server with
the memory store has no tracker and pays nothing). Collecting a batch
(:func:`mockluma.engine.store.snapshot.collect_changes`) encodes only what is marked here.
"""

from __future__ import annotations

from mockluma.engine.jobs import Job


class ChangeTracker:
    def __init__(self) -> None:
        self.reset_all = False
        self.reset_owners: list[str] = []
        self.jobs: dict[int, Job] = {}
        """By ``id(job)``, in the order they first changed (new jobs in creation order)."""
        # Dicts rather than sets: rows are first written in the order things were made.
        self.accounts: dict[tuple[str, str], None] = {}
        self.records: dict[tuple[str, str, str], None] = {}
        self.limiter = True

    def job(self, job: Job) -> None:
        self.jobs[id(job)] = job

    def account(self, surface: str, owner: str) -> None:
        self.accounts[(surface, owner)] = None

    def collection(self, surface: str, owner: str, collection: str) -> None:
        self.records[(surface, owner, collection)] = None

    def limits(self) -> None:
        self.limiter = True

    def reset(self, owner: str | None) -> None:
        """Forget what was marked for ``owner`` (or everyone): a reset removes it anyway, and
        what changes after the reset is written after the reset."""
        self.limiter = True
        if owner is None:
            self.reset_all = True
            self.reset_owners.clear()
            self.jobs.clear()
            self.accounts.clear()
            self.records.clear()
            return
        self.reset_owners.append(owner)
        self.jobs = {key: job for key, job in self.jobs.items() if job.owner != owner}
        self.accounts = {key: None for key in self.accounts if key[1] != owner}
        self.records = {key: None for key in self.records if key[1] != owner}

    def take(self) -> ChangeTracker:
        """Hand over what is marked and start afresh."""
        taken = ChangeTracker()
        taken.reset_all, self.reset_all = self.reset_all, False
        taken.reset_owners, self.reset_owners = self.reset_owners, []
        taken.jobs, self.jobs = self.jobs, {}
        taken.accounts, self.accounts = self.accounts, {}
        taken.records, self.records = self.records, {}
        taken.limiter, self.limiter = self.limiter, False
        return taken
