"""Rate limits: creates per minute and concurrent jobs, per API key, surface and limit group.

A *limit group* is what a surface limits together; Dream Machine limits each model family
(``ray``, ``photon``) on its own. A create is refused when the key already has ``concurrent``
unfinished jobs in the group, or has made ``per_minute`` creates in the last 60 simulated
seconds (a sliding window, as Luma's Agents API documents). Only accepted creates count.

The counts are kept incrementally (a counter per group and a window of at most ``per_minute``
timestamps), so admitting a job costs the same however many jobs a key has.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from mockluma.errors import RateLimited as RateLimited

WINDOW = 60.0


@dataclass(frozen=True, slots=True)
class Limit:
    """``None`` means unlimited."""

    concurrent: int | None = None
    per_minute: int | None = None
    concurrency_retry_after: float = 60.0
    """What ``Retry-After`` says when the concurrency limit is hit (the API decides)."""


@dataclass(frozen=True, slots=True)
class Allowance:
    """Where a key stands in the per-minute window after an accepted create."""

    limit: int
    remaining: int
    reset_at: float


@dataclass(slots=True)
class _Usage:
    active: int = 0
    window: deque[float] = field(default_factory=deque)


class Limiter:
    """Counts per (surface, key, group) and refuses what goes over the configured limits."""

    def __init__(
        self, limits: Mapping[str, Mapping[str, Limit]] | None = None, *, enabled: bool = True
    ) -> None:
        self.limits: dict[str, dict[str, Limit]] = {
            surface: dict(groups) for surface, groups in (limits or {}).items()
        }
        self.enabled = enabled
        self._usage: dict[tuple[str, str, str], _Usage] = {}

    def limit_for(self, surface: str, group: str) -> Limit | None:
        groups = self.limits.get(surface)
        if not groups:
            return None
        return groups.get(group) or groups.get("*")

    def admit(self, surface: str, owner: str, group: str, now: float) -> Allowance | None:
        """Count one create, or raise :class:`RateLimited`; returns the per-minute standing."""
        usage = self._usage.setdefault((surface, owner, group), _Usage())
        limit = self.limit_for(surface, group) if self.enabled else None
        window = usage.window
        while window and window[0] <= now - WINDOW:
            window.popleft()
        if limit is not None:
            if limit.per_minute is not None and len(window) >= limit.per_minute:
                raise RateLimited(
                    surface=surface,
                    group=group,
                    kind="rate",
                    limit=limit.per_minute,
                    retry_after=window[0] + WINDOW - now,
                    reset_at=window[0] + WINDOW,
                )
            if limit.concurrent is not None and usage.active >= limit.concurrent:
                raise RateLimited(
                    surface=surface,
                    group=group,
                    kind="concurrency",
                    limit=limit.concurrent,
                    retry_after=limit.concurrency_retry_after,
                )
        usage.active += 1
        window.append(now)
        if limit is not None and limit.per_minute is not None:
            # Keep the window no longer than the limit needs.
            while len(window) > limit.per_minute:
                window.popleft()
            return Allowance(limit.per_minute, limit.per_minute - len(window), window[0] + WINDOW)
        window.clear()
        return None

    def finished(self, surface: str, owner: str, group: str) -> None:
        """A job of the group stopped counting towards concurrency (it ended or was deleted)."""
        usage = self._usage.get((surface, owner, group))
        if usage is not None and usage.active > 0:
            usage.active -= 1

    def active(self, surface: str, owner: str, group: str) -> int:
        usage = self._usage.get((surface, owner, group))
        return 0 if usage is None else usage.active

    def reset(self, owner: str | None = None) -> None:
        if owner is None:
            self._usage.clear()
            return
        for key in [key for key in self._usage if key[1] == owner]:
            del self._usage[key]
