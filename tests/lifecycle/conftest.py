"""One in-process mock (no socket, strict mode) per lifecycle test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockluma.handle import MockLuma


@pytest.fixture(scope="module")
def in_process() -> Iterator[MockLuma]:
    with MockLuma(in_process=True, strict=True) as luma:
        yield luma
