"""What the engine refuses, in domain terms; each surface turns these into its own dialect.

The classes are defined in :mod:`mockluma.errors`, with the rest of mockluma's exceptions:

SimulationError
├── JobNotFound          no such job for this key (or it was deleted)
├── InsufficientCredits  the account cannot pay for the job
└── RateLimited          a create refused by a limit (also in :mod:`mockluma.engine.limits`)
"""

from __future__ import annotations

from mockluma.errors import InsufficientCredits, JobNotFound, RateLimited, SimulationError

__all__ = ["InsufficientCredits", "JobNotFound", "RateLimited", "SimulationError"]
