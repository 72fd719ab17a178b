"""How jobs move from one phase to the next.

- ``clock``: when their planned time comes on the simulation clock.
- ``polls:N``: after N polls of the job in its current phase, or when its time comes, whichever
  is first. With a manual clock that nobody advances, polling alone drives the job.
- ``immediate``: every phase takes no time; a job is finished by the next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["clock", "polls", "immediate"]


@dataclass(frozen=True, slots=True)
class Progression:
    kind: Kind = "clock"
    polls: int = 1

    @classmethod
    def parse(cls, text: str) -> Progression:
        """Read ``clock``, ``immediate``, ``polls`` or ``polls:N``."""
        name, _, count = text.strip().partition(":")
        if name in ("clock", "immediate") and not count:
            return cls(name)  # type: ignore[arg-type]
        if name == "polls":
            if not count:
                return cls("polls", 1)
            if count.isdigit() and int(count) >= 1:
                return cls("polls", int(count))
        raise ValueError(
            f"Unknown progression {text!r}; use 'clock', 'immediate' or 'polls:N' with N >= 1."
        )

    def __str__(self) -> str:
        return f"polls:{self.polls}" if self.kind == "polls" else self.kind


BY_CLOCK = Progression("clock")
