"""What the engine refuses, in domain terms; each surface turns these into its own dialect.

The classes are defined in :mod:`mockluma.errors`, with the rest of mockluma's exceptions:

SimulationError
├── JobNotFound          no such job for this key (or it was deleted)
├── InsufficientCredits  the account cannot pay for the job
├── JobFinished          the job has already completed or failed (it cannot be steered)
└── RateLimited          a create refused by a limit (also in :mod:`mockluma.engine.limits`)
"""

from __future__ import annotations

from mockluma.errors import (
    InsufficientCredits,
    JobFinished,
    JobNotFound,
    RateLimited,
    SimulationError,
)

__all__ = ["InsufficientCredits", "JobFinished", "JobNotFound", "RateLimited", "SimulationError"]
