"""The one frozen configuration object, and the one place it is built.

Precedence, lowest first: the defaults below < ``MOCKLUMA_*`` environment variables < explicit
overrides (CLI flags, fixture arguments). Every value is checked here, so the rest of the code
can trust it; a bad value raises :class:`ConfigError` naming the setting.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
    api_keys: frozenset[str] = frozenset()
    """Accepted API keys; empty means any non-empty key is accepted."""
    credits_cents: float = 100_000.0
    """Starting Dream Machine balance of every key, in US cents."""
    max_body_bytes: int = 1_048_576
    log_level: str = "warning"

    def __post_init__(self) -> None:
        if self.clock not in CLOCK_MODES:
            raise ConfigError(f"clock must be one of {', '.join(CLOCK_MODES)}, not {self.clock!r}.")
        if not self.speed > 0:
            raise ConfigError(f"speed must be a positive number, not {self.speed!r}.")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be between 0 and 65535, not {self.port!r}.")
        if self.credits_cents < 0:
            raise ConfigError("credits must not be negative.")
        if self.max_body_bytes < 1024:
            raise ConfigError("max_body_bytes must be at least 1024.")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(
                f"log_level must be one of {', '.join(LOG_LEVELS)}, not {self.log_level!r}."
            )
        if any(not key.strip() for key in self.api_keys):
            raise ConfigError("api_keys must not contain empty keys.")


def _coerce(name: str, raw: str) -> Any:
    kind = {f.name: f.type for f in dataclasses.fields(Config)}[name]
    try:
        if kind == "int":
            return int(raw)
        if kind in ("float", "float | None"):
            return float(raw)
        if kind == "TimingMode":
            return TimingMode(raw)
        if kind == "frozenset[str]":
            return frozenset(part.strip() for part in raw.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"MOCKLUMA_{name.upper()}={raw!r} is not a valid {name}.") from None
    return raw


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
        raw = environ.get(f"MOCKLUMA_{name.upper()}")
        if raw is not None and raw != "":
            values[name] = _coerce(name, raw)
    for name, value in (overrides or {}).items():
        if name not in names:
            raise ConfigError(f"Unknown setting {name!r}; known settings: {', '.join(names)}.")
        if value is not None:
            values[name] = value
    if "timing" in values and not isinstance(values["timing"], TimingMode):
        try:
            values["timing"] = TimingMode(values["timing"])
        except ValueError:
            modes = ", ".join(mode.value for mode in TimingMode)
            raise ConfigError(f"timing must be one of {modes}, not {values['timing']!r}.") from None
    if "api_keys" in values:
        values["api_keys"] = frozenset(values["api_keys"])
    return Config(**values)
