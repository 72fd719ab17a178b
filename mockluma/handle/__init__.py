"""The Python handle: :class:`MockLuma`, a running mock with its clock and controls, outside or
inside pytest.

- :mod:`~mockluma.handle.mock`: :class:`MockLuma` itself;
- :mod:`~mockluma.handle.controls`: ``luma.faults`` and ``luma.callback_inbox()``;
- :mod:`~mockluma.handle.server`: the event loop thread and the uvicorn server it runs;
- :mod:`~mockluma.handle.transports`: a sync httpx transport into the app, with no socket.
"""

from __future__ import annotations

from mockluma.handle.mock import (
    DEFAULT_API_KEY,
    IN_PROCESS_URL,
    PER_TEST_SETTINGS,
    TEST_DEFAULTS,
    MockLuma,
)

__all__ = ["DEFAULT_API_KEY", "IN_PROCESS_URL", "PER_TEST_SETTINGS", "TEST_DEFAULTS", "MockLuma"]
