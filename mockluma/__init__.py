"""mockluma: a simulated Luma backend and contract-test kit.

from mockluma import MockLuma

with MockLuma() as luma:
    ...  # point the official SDK at luma.dream_machine_url, move time with luma.advance()
"""

from __future__ import annotations

__version__ = "0.1.0"

from mockluma.app import create_app
from mockluma.config import Config, ConfigError, build_config
from mockluma.handle.mock import MockLuma

__all__ = ["Config", "ConfigError", "MockLuma", "__version__", "build_config", "create_app"]
