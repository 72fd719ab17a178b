"""The one frozen configuration object, and the one place it is built.

Precedence, lowest first: the defaults below < the caller's ``defaults`` (the handle's and the
pytest plugin's) < a scenario file's settings < ``MOCKLUMA_*`` environment variables < explicit
overrides (CLI flags, fixture arguments). :func:`with_settings` changes a built configuration
through the same checks (the handle's ``reset(**settings)``). Every value is checked here, so
the rest of the code can trust it; a bad value raises :class:`ConfigError` naming the setting.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockluma.engine.faults import Rule
from mockluma.engine.limits import Limit
from mockluma.engine.progression import BY_CLOCK, Progression
from mockluma.engine.timing import TimingMode
from mockluma.errors import ConfigError as ConfigError

CLOCK_MODES = ("real", "manual")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
APPYPIE_STATUSES = ("queued", "dreaming", "failed")
"""AppyPie's undocumented status words for a queued, a running and a failed generation."""


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
    """Starting Dream Machine balance of every key, in US cents (the gateways derive theirs)."""
    appypie_statuses: tuple[str, str, str] = APPYPIE_STATUSES
    """What AppyPie's ``getStatus`` says while queued, while running and after a failure.

    AppyPie documents only ``completed``; the default repeats Dream Machine's own words, which
    the gateway most likely passes through. Written ``queued,dreaming,failed`` in text.
    """
    capture_credits: int = 100
    """Starting Captures v2 credits of every key (one per processed capture)."""
    max_body_bytes: int = 1_048_576
    max_upload_bytes: int = 5 * 1024**3
    """Largest capture upload accepted; uploads are checked as they stream, never stored."""
    journal_limit: int = 10_000
    """How many exchanges the journal keeps; the oldest are dropped first."""
    log_level: str = "warning"
    faults: tuple[Rule, ...] = ()
    """Fault rules active from the start (and again after every reset)."""
    rate_limits: bool = True
    """Whether each surface's rate limits apply; ``limits`` changes their numbers."""
    limits: Mapping[str, Mapping[str, Limit]] = field(default_factory=dict)
    """Per surface and limit group, limits that replace the surface's defaults."""
    triggers: bool = True
    """Whether ``[mockluma:...]`` markers in request bodies are obeyed."""
    callback_timeout: float = 5.0
    """Wall-clock seconds a callback receiver has to answer one attempt."""
    scenario: str | None = None
    """The scenario file the settings were loaded from, if any."""
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
        if self.capture_credits < 0:
            raise ConfigError("capture_credits must not be negative.")
        if self.max_upload_bytes < 1:
            raise ConfigError("max_upload_bytes must be at least 1.")
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
        if not 0 < self.callback_timeout <= 300:
            raise ConfigError(
                "callback_timeout must be between 0 and 300 seconds, "
                f"not {self.callback_timeout!r}."
            )
        statuses = self.appypie_statuses
        if (
            not isinstance(statuses, tuple)
            or len(statuses) != 3
            or not all(isinstance(word, str) and word.strip() for word in statuses)
        ):
            raise ConfigError(
                "appypie_statuses must be three words (queued, running, failed), "
                f"such as 'pending,processing,failed'; not {statuses!r}."
            )
        if "completed" in statuses:
            raise ConfigError(
                "appypie_statuses must not use 'completed': AppyPie answers it only for a "
                "finished generation, with its video_url."
            )


def _api_keys(raw: str) -> frozenset[str]:
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def _words(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(","))


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
    "capture_credits": int,
    "max_body_bytes": int,
    "max_upload_bytes": int,
    "journal_limit": int,
    "timing": TimingMode,
    "progression": Progression.parse,
    "api_keys": _api_keys,
    "appypie_statuses": _words,
    "rate_limits": _flag,
    "triggers": _flag,
    "callback_timeout": float,
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
    *,
    defaults: Mapping[str, Any] | None = None,
) -> Config:
    """Merge ``defaults``, a scenario file, ``MOCKLUMA_*`` variables and ``overrides`` into one
    :class:`Config`.

    ``None`` values in ``overrides`` mean "not given" and leave the lower layer in force.
    """
    environ = os.environ if environ is None else environ
    names = [f.name for f in dataclasses.fields(Config)]
    values = _given(defaults or {}, names)
    scenario = (overrides or {}).get("scenario") or environ.get("MOCKLUMA_CONFIG")
    if scenario:
        values.update(_scenario_settings(scenario))
    for name in names:
        if name in ("faults", "limits", "scenario"):
            continue  # structured: from a scenario file (MOCKLUMA_CONFIG) or overrides
        variable = f"MOCKLUMA_{name.upper()}"
        raw = environ.get(variable)
        if raw is not None and raw != "":
            values[name] = _parse(name, raw, variable)
    values.update(_given(overrides or {}, names))
    return Config(**values)


def with_settings(config: Config, settings: Mapping[str, Any]) -> Config:
    """``config`` with ``settings`` changed, each read and checked as :func:`build_config`
    does; the environment is not consulted again."""
    kept = {field.name: getattr(config, field.name) for field in dataclasses.fields(Config)}
    kept.pop("scenario")
    changed = build_config(settings, environ={}, defaults=kept)
    return dataclasses.replace(changed, scenario=config.scenario)


def _given(settings: Mapping[str, Any], names: list[str]) -> dict[str, Any]:
    """Settings given as Python values (or text), read into what :class:`Config` holds."""
    values: dict[str, Any] = {}
    for name, value in settings.items():
        if name not in names:
            raise ConfigError(f"Unknown setting {name!r}; known settings: {', '.join(names)}.")
        if value is None or name == "scenario":
            continue
        if name in ("faults", "limits"):
            value = _structured(name, value)
        elif isinstance(value, str) and name != "api_keys":
            value = _parse(name, value, name)
        elif name == "api_keys":
            value = _api_keys(value) if isinstance(value, str) else frozenset(value)
        elif name == "appypie_statuses" and not isinstance(value, str):
            value = tuple(value)
        values[name] = value
    return values


def _scenario_settings(path: str) -> dict[str, Any]:
    from mockluma.scenario import ScenarioError, load_scenario

    try:
        settings = load_scenario(path)
    except ScenarioError as exc:
        raise ConfigError(str(exc)) from None
    for name in ("progression", "timing"):
        if name in settings:
            settings[name] = _parse(name, settings[name], f"{path}: {name}")
    if "api_keys" in settings:
        settings["api_keys"] = frozenset(settings["api_keys"])
    return settings


def _structured(name: str, value: Any) -> Any:
    from mockluma.scenario import ScenarioError, parse_limits, parse_rules

    try:
        if name == "faults":
            return parse_rules(value)
        if all(isinstance(group, Limit) for groups in value.values() for group in groups.values()):
            return value
        return parse_limits(value)
    except ScenarioError as exc:
        raise ConfigError(str(exc)) from None
