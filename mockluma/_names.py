"""The sentence for a misspelt name, shared by every layer that reads names from people
(settings in :mod:`mockluma.config`, keys of scenario files in :mod:`mockluma.scenario`).

Imports nothing from mockluma, so any layer may use it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def unknown_name(name: str, known: Iterable[str], what: str = "setting") -> str:
    """ "Unknown setting 'progresion' — did you mean 'progression'?", or the known names when
    none is close."""
    choices = sorted(known)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    if close:
        return f"Unknown {what} {name!r} — did you mean {close[0]!r}?"
    return f"Unknown {what} {name!r}; the {what}s are: {', '.join(choices)}."


__all__ = ["unknown_name"]
