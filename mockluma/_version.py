"""The package's version, in a module of its own so that any layer can read it without importing
the package's face (which would make every such module part of an import cycle)."""

from __future__ import annotations

__version__ = "0.1.0"
