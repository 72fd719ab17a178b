"""Contract checks: small named functions, registered per surface and endpoint.

Each surface's module in :mod:`mockluma.contracts.surfaces` makes one :class:`SurfaceContract`
and registers its checks on it::

    CONTRACT = SurfaceContract("dream-machine")

    @CONTRACT.check("GET /ping")
    def ping_answers_with_a_message(session: Session) -> None:
        \"\"\"GET /ping answers with a message.\"\"\"
        body = session.request("GET", "/ping", expect=200).body()
        session.expect(isinstance(body.get("message"), str), "No message", "$.message")

A check passes by returning. It fails by raising :class:`CheckFailed` (``session.expect`` and
``session.request(expect=...)`` do that), carrying one or more
:class:`~mockluma.schemas.conformance.Finding`\\ s: a title and the JSON path of the problem. It is
skipped by raising :class:`CheckSkipped` (for example when the budget does not cover it).
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockluma.errors import CheckFailed as CheckFailed
from mockluma.errors import CheckSkipped as CheckSkipped
from mockluma.schemas.conformance import ResponseCheck

if TYPE_CHECKING:
    from mockluma.contracts.session import Session

CheckFunction = Callable[["Session"], None]


class Direction(enum.Enum):
    """Who writes a body: the SDK (a request) or the server (a response)."""

    REQUEST = "request"
    RESPONSE = "response"


@dataclass(frozen=True, slots=True)
class SdkBinding:
    """``schemas/<schema>`` describes the same body as the SDK type at ``sdk_type``; the drift
    tests (:mod:`mockluma.contracts.drift`) compare the two. Named as text, so the runner never
    imports the SDK."""

    schema: str
    """Qualified schema name: ``dream-machine/generation.response.json``."""
    sdk_type: str
    """Dotted path: ``lumaai.types.Generation``."""
    direction: Direction

    def load(self) -> Any:
        module, _, name = self.sdk_type.rpartition(".")
        return getattr(importlib.import_module(module), name)


@dataclass(frozen=True, slots=True)
class Check:
    surface: str
    name: str
    endpoint: str
    """The route it is about, as in the route map: ``"GET /generations/{id}"``."""
    title: str
    creates: bool
    """It creates billable work on a live API, so it runs only within ``--budget-cents``."""
    function: CheckFunction


@dataclass(slots=True)
class SurfaceContract:
    """The contract checks of one surface, in the order they run."""

    surface: str
    sdk_types: tuple[SdkBinding, ...] = ()
    """The official SDK's types for this surface's bodies, compared with the schemas by the
    drift tests (:mod:`mockluma.contracts.drift`)."""
    auth_header: tuple[str, str] = ("Authorization", "Bearer {key}")
    """The header that carries the key, and its value with ``{key}`` where the key goes
    (AppyPie: ``("Ocp-Apim-Subscription-Key", "{key}")``)."""
    response_checks: tuple[ResponseCheck, ...] = ()
    """What every response of this surface must also keep, beyond the route map (for example
    headers the surface sends on every answer); each finding fails the check that got it."""
    checks: dict[str, Check] = field(default_factory=dict)

    def check(
        self, endpoint: str, *, creates: bool = False, name: str | None = None
    ) -> Callable[[CheckFunction], CheckFunction]:
        """Register the decorated function as a check of ``endpoint``; its docstring's first
        line is the check's title."""

        def register(function: CheckFunction) -> CheckFunction:
            self.add(endpoint, function, creates=creates, name=name)
            return function

        return register

    def add(
        self,
        endpoint: str,
        function: CheckFunction,
        *,
        creates: bool = False,
        name: str | None = None,
        title: str | None = None,
    ) -> Check:
        """Register ``function`` (for checks made in a loop, from a table)."""
        name = name or function.__name__
        if name in self.checks:
            raise ValueError(f"{self.surface} already has a check named {name!r}.")
        doc = (function.__doc__ or "").strip().splitlines()
        title = title or (doc[0] if doc else name.replace("_", " "))
        made = Check(self.surface, name, endpoint, title, creates, function)
        self.checks[name] = made
        return made


__all__ = [
    "Check",
    "CheckFailed",
    "CheckFunction",
    "CheckSkipped",
    "Direction",
    "SdkBinding",
    "SurfaceContract",
]
