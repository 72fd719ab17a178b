"""Seeded random durations: fixed, uniform and lognormal (median, sigma, cap).

These describe how long a job waits in a queue, how long it runs, and (later) how long a
response is delayed. They are plain data so that config files and the admin API can name them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Fixed:
    """Always the same number of seconds."""

    seconds: float

    def sample(self, rng: random.Random) -> float:
        return self.seconds

    def median(self) -> float:
        return self.seconds


@dataclass(frozen=True, slots=True)
class Uniform:
    """Any value between ``low`` and ``high`` with equal probability."""

    low: float
    high: float

    def sample(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high)

    def median(self) -> float:
        return (self.low + self.high) / 2


@dataclass(frozen=True, slots=True)
class LogNormal:
    """A long-tailed duration around ``median``; ``sigma`` sets the spread, ``cap`` the maximum."""

    median_seconds: float
    sigma: float
    cap: float | None = None

    def sample(self, rng: random.Random) -> float:
        value = rng.lognormvariate(math.log(self.median_seconds), self.sigma)
        return value if self.cap is None else min(value, self.cap)

    def median(self) -> float:
        return self.median_seconds


Distribution = Fixed | Uniform | LogNormal


def scaled(distribution: Distribution, factor: float) -> Distribution:
    """The same shape with every duration multiplied by ``factor``."""
    match distribution:
        case Fixed(seconds):
            return Fixed(seconds * factor)
        case Uniform(low, high):
            return Uniform(low * factor, high * factor)
        case LogNormal(median, sigma, cap):
            return LogNormal(median * factor, sigma, None if cap is None else cap * factor)


def parse_distribution(spec: Any) -> Distribution:
    """Build a distribution from config data: a number, or ``{"kind": ..., ...}``."""
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        return Fixed(float(spec))
    if not isinstance(spec, dict):
        raise ValueError(f"A duration must be a number of seconds or an object, not {spec!r}.")
    kind = spec.get("kind")
    try:
        if kind == "fixed":
            return Fixed(float(spec["seconds"]))
        if kind == "uniform":
            low, high = float(spec["low"]), float(spec["high"])
            if low > high:
                raise ValueError(f"A uniform duration needs low <= high, not {low} > {high}.")
            return Uniform(low, high)
        if kind == "lognormal":
            cap = spec.get("max")
            return LogNormal(
                float(spec["median"]), float(spec["sigma"]), None if cap is None else float(cap)
            )
    except KeyError as missing:
        raise ValueError(f"A {kind} duration needs the key {missing}.") from None
    raise ValueError(f"Unknown duration kind {kind!r}; use 'fixed', 'uniform' or 'lognormal'.")
