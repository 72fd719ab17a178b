"""Every exception mockluma raises on purpose, in one tree:

    MockLumaError                 anything mockluma raises on purpose
    ├── ConfigError               (ValueError) a setting has a value mockluma cannot use
    ├── ScenarioError             (ValueError) a scenario file or fault rule cannot be used
    ├── RuleError                 (ValueError) a fault rule's data, with the path of the problem
    ├── RouteMapError             (ValueError) a route map is missing, malformed or names no schema
    ├── StateError                (ValueError) a snapshot or state file that cannot be used
    ├── SimulationError           the engine refuses an operation, in domain terms
    │   ├── JobNotFound           no such job for this key (or it was deleted)
    │   ├── InsufficientCredits   the account cannot pay for the job
    │   ├── JobFinished           the job has completed or failed: it cannot be steered
    │   └── RateLimited           a create refused by a per-minute or concurrency limit
    ├── DeliveryFailed            a callback receiver was unreachable or did not answer in time
    ├── ApiError                  an answer in a surface's own error dialect (see below)
    └── ContractError             checking a contract went wrong, or found a break
        ├── ContractViolation     (AssertionError) strict mode: a response breaks its contract
        ├── CheckFailed           (AssertionError) a contract check found the target breaking it
        ├── CheckSkipped          a contract check cannot run here (no budget, say)
        ├── UnknownSurface        (LookupError) the runner has no contract for that surface
        ├── UnreachableMount      (ValueError) a base URL does not say where other mounts are
        └── UnsupportedSchema     (ValueError) a schema keyword the data generator cannot meet

The classes that stood for a built-in kind of error before the tree existed keep it as a second
base (``except ValueError`` still catches a :class:`ConfigError`). Each is also importable from
the module that raises it (``mockluma.config.ConfigError``, ``mockluma.engine.errors.JobNotFound``,
``mockluma.web.ApiError``...).

This module sits below every layer, the engine included, and imports nothing at run time: an
exception can be raised anywhere and caught anywhere above. One class of the tree lives
elsewhere for that reason: :class:`~mockluma.web.errors.ApiError` renders itself as a Starlette
response, and the engine never imports Starlette, so it is defined in
:mod:`mockluma.web.errors` (a :class:`MockLumaError` all the same).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockluma.schemas.conformance import Finding


class MockLumaError(Exception):
    """Base class of every exception mockluma raises on purpose."""


# -- settings and data -----------------------------------------------------------------------


class ConfigError(MockLumaError, ValueError):
    """A setting has a value mockluma cannot use."""


class ScenarioError(MockLumaError, ValueError):
    """A scenario file or fault rule that cannot be used; the message says where and why."""


class StateError(MockLumaError, ValueError):
    """A state that cannot be saved or loaded: a snapshot that breaks its schema or has a
    newer format, a state file that is damaged, foreign or cannot be written. The message is
    one sentence naming the file (or the JSON path) and what to do."""


class RuleError(MockLumaError, ValueError):
    """A fault rule that cannot be used; ``path`` says where in the rule the problem is."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.path = path


class RouteMapError(MockLumaError, ValueError):
    """A route map is missing, malformed, or names a schema that does not exist."""


# -- the engine's refusals -------------------------------------------------------------------


class SimulationError(MockLumaError):
    """Base class of the engine's refusals; each surface words them in its own dialect."""


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


class RateLimited(SimulationError):
    """A create refused by a limit. ``kind`` is ``rate`` (per minute) or ``concurrency``."""

    def __init__(
        self,
        *,
        surface: str,
        group: str,
        kind: str,
        limit: int,
        retry_after: float,
        reset_at: float | None = None,
    ) -> None:
        what = "creates per minute" if kind == "rate" else "concurrent generations"
        super().__init__(f"{surface}/{group}: the limit of {limit} {what} is reached.")
        self.surface = surface
        self.group = group
        self.kind = kind
        self.limit = limit
        self.retry_after = retry_after
        self.reset_at = reset_at

    @property
    def retry_after_seconds(self) -> int:
        """``Retry-After`` as whole seconds, never below one."""
        return max(1, math.ceil(self.retry_after))


class DeliveryFailed(MockLumaError):
    """The receiver could not be reached or did not answer in time."""


# -- contracts -------------------------------------------------------------------------------


class ContractError(MockLumaError):
    """Base class of what checking a contract raises."""


class ContractViolation(ContractError, AssertionError):
    """A response the mock was about to send does not keep its contract."""


class CheckFailed(ContractError, AssertionError):
    """A check found the target breaking its contract."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__("; ".join(finding.sentence() for finding in findings))
        self.findings = list(findings)


class CheckSkipped(ContractError):
    """A check cannot run here (no budget, or something it builds on is missing)."""


class UnknownSurface(ContractError, LookupError):
    """The runner has no contract for the surface asked for."""


class UnreachableMount(ContractError, ValueError):
    """A surface answers under several prefixes, and the base URL given does not say where the
    others are."""


class UnsupportedSchema(ContractError, ValueError):
    """A schema uses a keyword this converter does not generate for."""


__all__ = [
    "CheckFailed",
    "CheckSkipped",
    "ConfigError",
    "ContractError",
    "ContractViolation",
    "DeliveryFailed",
    "InsufficientCredits",
    "JobFinished",
    "JobNotFound",
    "MockLumaError",
    "RateLimited",
    "RouteMapError",
    "RuleError",
    "ScenarioError",
    "SimulationError",
    "StateError",
    "UnknownSurface",
    "UnreachableMount",
    "UnsupportedSchema",
]
