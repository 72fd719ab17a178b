"""What the engine refuses, in domain terms; each surface turns these into its own dialect.

SimulationError
├── JobNotFound          no such job for this key (or it was deleted)
├── InsufficientCredits  the account cannot pay for the job
└── JobFinished          the job has already completed or failed (it cannot be steered)
"""

from __future__ import annotations


class SimulationError(Exception):
    """Base class of the engine's refusals."""


class JobNotFound(SimulationError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"No job {job_id!r} for this key.")
        self.job_id = job_id


class InsufficientCredits(SimulationError):
    def __init__(self, balance: float, cost: float) -> None:
        super().__init__(f"The job costs {cost:g} but the balance is {balance:g}.")
        self.balance = balance
        self.cost = cost


class JobFinished(SimulationError):
    def __init__(self, job_id: str, phase: str) -> None:
        super().__init__(f"Job {job_id!r} has already {phase}; its state can no longer change.")
        self.job_id = job_id
        self.phase = phase
