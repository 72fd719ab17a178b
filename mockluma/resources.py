"""Where the shipped data lives: the JSON schemas and the media fixtures.

In an installed wheel the top-level ``schemas/`` and ``fixtures/`` directories are copied to
``mockluma/_data/``; in a source checkout (``pip install -e .``) they are read in place.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """Return the directory of shipped data called ``name`` (``schemas`` or ``fixtures``)."""
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"mockluma cannot find its {name!r} directory; the installation looks incomplete. "
        "Reinstall the package."
    )
