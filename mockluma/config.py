"""The one frozen configuration object, and the one place it is built.

Precedence, lowest first: the defaults below < ``MOCKLUMA_*`` environment variables < explicit
overrides (CLI flags, fixture arguments). Every value is checked here, so the rest of the code
can trust it; a bad value raises :class:`ConfigError` naming the setting.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockluma.engine.progression import BY_CLOCK, Progression
from mockluma.engine.timing import TimingMode


class ConfigError(ValueError):
    """A setting has a value mockluma cannot use."""


CLOCK_MODES = ("real", "manual")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """Everything that shapes a mockluma server."""

    host: str = "127.0.0.1"
    port: int = 8000
    clock: str = "real"
    """``real`` (wall-clock time x ``speed``) or ``manual`` (moves only when advanced)."""
    speed: float = 1.0
    clock_start: float | None = None
    """Simulated time at start-up, in Unix seconds; ``None`` means the wall-clock time."""
    seed: int = field(default_factory=lambda: secrets.randbelow(2**31))
    timing: TimingMode = TimingMode.QUICK
    """``quick`` (about five seconds per job) or ``realistic`` (per-model durations)."""
    progression: Progression = BY_CLOCK
    """``clock``, ``polls:N`` or ``immediate``; see :mod:`mockluma.engine.progression`."""
    api_keys: frozenset[str] = frozenset()
    """Accepted API keys; empty means any non-empty key is accepted."""
    credits_cents: float = 100_000.0
    """Starting Dream Machine balance of every key, in US cents."""
    max_body_bytes: int = 1_048_576
    journal_limit: int = 10_000
    """How many exchanges the journal keeps; the oldest are dropped first."""
    log_level: str = "warning"
    strict: bool = False
    """Check every response the mock sends against its schema; a violation is recorded as an
    error and answered with a 500 (see :mod:`mockluma.app.strict`)."""

    def __post_init__(self) -> None:
        if self.clock not in CLOCK_MODES:
            raise ConfigError(f"clock must be one of {', '.join(CLOCK_MODES)}, not {self.clock!r}.")
        if not self.speed > 0:
            raise ConfigError(f"speed must be a positive number, not {self.speed!r}.")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be between 0 and 65535, not {self.port!r}.")
        if self.credits_cents < 0:
            raise ConfigError("credits must not be negative.")
        if self.journal_limit < 1:
            raise ConfigError("journal_limit must be at least 1.")
        if self.max_body_bytes < 1024:
            raise ConfigError("max_body_bytes must be at least 1024.")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(
                f"log_level must be one of {', '.join(LOG_LEVELS)}, not {self.log_level!r}."
            )
        if not isinstance(self.timing, TimingMode):
            raise ConfigError(f"timing must be quick or realistic, not {self.timing!r}.")
        if not isinstance(self.progression, Progression):
            raise ConfigError(f"progression must be a Progression, not {self.progression!r}.")
        if not isinstance(self.strict, bool):
            raise ConfigError(f"strict must be true or false, not {self.strict!r}.")
        if any(not key.strip() for key in self.api_keys):
            raise ConfigError("api_keys must not contain empty keys.")


def _api_keys(raw: str) -> frozenset[str]:
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _flag(raw: str) -> bool:
    word = raw.strip().lower()
    if word not in _TRUE + _FALSE:
        raise ValueError(f"use one of {', '.join(_TRUE + _FALSE)}")
    return word in _TRUE


# How a setting is read from text (an environment variable, or a string override).
_PARSERS: dict[str, Callable[[str], Any]] = {
    "port": int,
    "speed": float,
    "clock_start": float,
    "seed": int,
    "credits_cents": float,
    "max_body_bytes": int,
    "journal_limit": int,
    "timing": TimingMode,
    "progression": Progression.parse,
    "api_keys": _api_keys,
    "strict": _flag,
}


def _parse(name: str, raw: str, origin: str) -> Any:
    parser = _PARSERS.get(name)
    if parser is None:
        return raw
    try:
        return parser(raw)
    except ValueError as exc:
        raise ConfigError(f"{origin}={raw!r} is not a valid {name}: {exc}") from None


def build_config(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Merge defaults, ``MOCKLUMA_*`` variables and ``overrides`` into one :class:`Config`.

    ``None`` values in ``overrides`` mean "not given" and leave the lower layer in force.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    names = [f.name for f in dataclasses.fields(Config)]
    for name in names:
        variable = f"MOCKLUMA_{name.upper()}"
        raw = environ.get(variable)
        if raw is not None and raw != "":
            values[name] = _parse(name, raw, variable)
    for name, value in (overrides or {}).items():
        if name not in names:
            raise ConfigError(f"Unknown setting {name!r}; known settings: {', '.join(names)}.")
        if value is None:
            continue
        if isinstance(value, str) and name != "api_keys":
            value = _parse(name, value, name)
        elif name == "api_keys":
            value = _api_keys(value) if isinstance(value, str) else frozenset(value)
        values[name] = value
    return Config(**values)
