"""mockluma: a simulated Luma backend and contract-test kit.

from mockluma import MockLuma

with MockLuma() as luma:
    ...  # point the official SDK at luma.dream_machine_url, move time with luma.advance()

The names below load on first use: ``import mockluma`` (and the pytest plugin, which every
pytest run in a project that installs mockluma loads) costs almost nothing until a test or a
command asks for the mock.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mockluma._version import __version__

if TYPE_CHECKING:
    from mockluma.app import create_app
    from mockluma.config import Config, build_config
    from mockluma.errors import ConfigError, MockLumaError
    from mockluma.handle import MockLuma

_WHERE = {
    "Config": "mockluma.config",
    "ConfigError": "mockluma.errors",
    "MockLuma": "mockluma.handle",
    "MockLumaError": "mockluma.errors",
    "build_config": "mockluma.config",
    "create_app": "mockluma.app",
}

__all__ = [
    "Config",
    "ConfigError",
    "MockLuma",
    "MockLumaError",
    "__version__",
    "build_config",
    "create_app",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'mockluma' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once loaded, a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
