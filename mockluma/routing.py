"""Path look-ups on the request path, made cheap without changing what they find.

:class:`IndexedRouter` is Starlette's router, minus the regular expressions that cannot match.
Starlette tries every route in order and takes the first full match, or else the first route
whose path matches under another method (the 405, whose ``Allow`` header names that route's
methods), so the order is part of the behaviour and routes cannot be reordered or grouped by
method. Instead each route's literal head (its path template up to the first parameter,
``/generations/`` for ``/generations/{id}``) is known in advance, and a route is tried only when
the path starts with its head: a route whose regular expression could match always passes, so
the outcome is Starlette's own. A path no route matches is handed to Starlette's code unchanged
(slash redirects, the 404).

:class:`PrefixIndex` finds the longest mount prefix a path falls under (``/v1/luma-ai`` before
``/v1``) with one dictionary look-up per prefix depth instead of a scan of every prefix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from starlette._utils import get_route_path  # what Route.matches itself uses
from starlette.routing import BaseRoute, Match, Router
from starlette.types import Lifespan, Receive, Scope, Send

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Head:
    """What a path must look like for a route to be worth trying."""

    text: str
    """Every path the route matches starts with this."""
    whole: bool
    """The route has no parameters: only ``text`` itself can match (or ``text`` and a final
    newline, which a regular expression's ``$`` lets through)."""

    def admits(self, path: str) -> bool:
        if self.whole:
            return path == self.text or (path[:-1] == self.text and path[-1:] == "\n")
        return path.startswith(self.text)


def literal_head(route: BaseRoute) -> _Head:
    """What every path the route matches starts with (everything, when unknown)."""
    template = getattr(route, "path_format", None)  # Route and Mount ("/prefix/{path}")
    if not isinstance(template, str):
        return _Head("", whole=False)
    text, brace, _ = template.partition("{")
    return _Head(text, whole=not brace)


class IndexedRouter(Router):
    """A :class:`~starlette.routing.Router` that skips routes by their literal head."""

    def __init__(
        self, routes: Sequence[BaseRoute], *, lifespan: Lifespan[Any] | None = None
    ) -> None:
        super().__init__(routes, lifespan=lifespan)
        self._heads: list[tuple[_Head, BaseRoute]] = []

    def _index(self) -> list[tuple[_Head, BaseRoute]]:
        # Rebuilt if routes were added after construction (Router.mount, add_route...).
        if len(self._heads) != len(self.routes):
            self._heads = [(literal_head(route), route) for route in self.routes]
        return self._heads

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().app(scope, receive, send)
            return
        if "router" not in scope:
            scope["router"] = self
        path = get_route_path(scope)
        # The loop of Router.app, over the routes that can match.
        partial: BaseRoute | None = None
        partial_scope: Scope = {}
        for head, route in self._index():
            if not head.admits(path):
                continue
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None:
            scope["route"] = partial
            scope.update(partial_scope)
            await partial.handle(scope, receive, send)
            return
        await super().app(scope, receive, send)


class PrefixIndex(Generic[T]):
    """Values by path prefix; :meth:`find` gives the one of the longest prefix a path is under.

    A path is under a prefix when it equals it or continues it with ``/`` (``/v1/files`` is
    under ``/v1``, ``/v10`` is not). When two entries share a prefix, the first one counts.
    """

    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        self._values: dict[str, T] = {}
        for prefix, value in entries:
            self._values.setdefault(prefix.rstrip("/"), value)
        # Depth = number of segments; the deepest prefixes are the longest candidates.
        self._depths = sorted({prefix.count("/") for prefix in self._values}, reverse=True)

    def find(self, path: str) -> T | None:
        for depth in self._depths:
            value = self._values.get(_head(path, depth))
            if value is not None:
                return value
        return None


def _head(path: str, depth: int) -> str:
    """The first ``depth`` segments of ``path`` (``/a/b`` of ``/a/b/c`` for 2), or all of it."""
    end = 0
    for _ in range(depth):
        end = path.find("/", end + 1)
        if end < 0:
            return path
    return path[:end]
