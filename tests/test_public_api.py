from __future__ import annotations

import subprocess
import sys

import pytest

import mockluma


def test_the_public_names_are_exactly_the_curated_ones() -> None:
    public = {name for name in dir(mockluma) if not name.startswith("_")}
    assert public == set(mockluma.__all__) - {"__version__"}
    for name in mockluma.__all__:
        assert getattr(mockluma, name) is not None
    assert mockluma.__version__


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Mockluma'"):
        _ = mockluma.Mockluma


HEAVY = ("starlette", "uvicorn", "httpx", "jsonschema", "yaml", "mockluma.app")


@pytest.mark.parametrize("module", ["mockluma", "mockluma.pytest_plugin"])
def test_importing_the_package_face_or_the_plugin_loads_nothing_heavy(module: str) -> None:
    code = (
        f"import sys, {module}\nprint(','.join(name for name in {HEAVY!r} if name in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "", f"import {module} loaded {loaded}"
