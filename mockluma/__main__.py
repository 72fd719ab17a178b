"""``python -m mockluma`` is the ``mockluma`` command."""

from __future__ import annotations

from mockluma.cli import main

main()
