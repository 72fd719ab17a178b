"""mockluma: a simulated Luma backend and contract-test kit."""

from __future__ import annotations

__version__ = "0.1.0"
