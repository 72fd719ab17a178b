"""Path look-ups on the request path, made cheap without changing what they find.

:class:`IndexedRouter` is Starlette's router, minus the regular expressions that cannot match.
Starlette tries every route in order and takes the first full match, or else the first route
whose path matches under another method (the 405, whose ``Allow`` header names that route's
methods), so the order is part of the behaviour and routes cannot be reordered or grouped by
method. Instead each route's literal head (its path template up to the first parameter,
``/generations/`` for ``/generations/{id}``) is known in advance, and a route is tried only when
the path starts with its head (equals it, for a route without parameters): a route whose
regular expression could match always passes, so the outcome is Starlette's own. A path no
route matches is handed to Starlette's code unchanged (slash redirects, the 404).

:class:`PrefixIndex` finds the longest mount prefix a path falls under (``/v1/luma-ai`` before
``/v1``) among the few prefixes that share the path's first segment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from starlette._utils import get_route_path  # what Route.matches itself uses
from starlette.routing import BaseRoute, Match, Mount, Router
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

    @property
    def segment(self) -> str | None:
        """The first segment of every path the route matches (``None`` when it is open)."""
        if self.whole:
            return _first_segment(self.text)
        end = self.text.find("/", 1)
        return self.text[:end] if end > 0 else None


def literal_head(route: BaseRoute) -> _Head:
    """What every path the route matches starts with (everything, when unknown)."""
    template = getattr(route, "path_format", None)  # Route and Mount ("/prefix/{path}")
    if not isinstance(template, str):
        return _Head("", whole=False)
    text, brace, _ = template.partition("{")
    return _Head(text, whole=not brace)


# A route to try: the text a path must start with (or, for a route without parameters, equal,
# with a final newline as the alternative), and the route.
_Candidate = tuple[str, str | None, BaseRoute]


class IndexedRouter(Router):
    """A :class:`~starlette.routing.Router` that skips routes by their literal head.

    Routes are grouped by the first segment of their head; a route whose first segment is
    open (``/{id}``) is in every group. Each group keeps the routes' own order.
    """

    def __init__(
        self, routes: Sequence[BaseRoute], *, lifespan: Lifespan[Any] | None = None
    ) -> None:
        super().__init__(routes, lifespan=lifespan)
        self._indexed = 0
        self._groups: dict[str, tuple[_Candidate, ...]] = {}
        self._open: tuple[_Candidate, ...] = ()

    def _build_index(self) -> None:
        heads = [(literal_head(route), route) for route in self.routes]
        keys = {head.segment for head, _ in heads} - {None}
        candidates: dict[str | None, list[_Candidate]] = {key: [] for key in keys}
        candidates[None] = []
        for head, route in heads:
            candidate = (head.text, head.text + "\n" if head.whole else None, route)
            for key in keys if head.segment is None else (head.segment,):
                candidates[key].append(candidate)
            if head.segment is None:
                candidates[None].append(candidate)
        self._open = tuple(candidates.pop(None))
        self._groups = {key: tuple(group) for key, group in candidates.items() if key}
        self._indexed = len(self.routes)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().app(scope, receive, send)
            return
        if self._indexed != len(self.routes):  # routes added since (Router.mount...)
            self._build_index()
        if "router" not in scope:
            scope["router"] = self
        path = get_route_path(scope)
        end = path.find("/", 1)  # the first segment, as _first_segment (inlined: hot path)
        segment = path if end < 0 else path[:end]
        if segment[-1:] == "\n":  # "$" lets "/ping\n" match "/ping"
            segment = segment.rstrip("\n")
        candidates = self._groups.get(segment, self._open)
        # The loop of Router.app, over the routes that can match.
        partial: BaseRoute | None = None
        partial_scope: Scope | None = None
        for text, newline, route in candidates:
            if newline is None:
                if not path.startswith(text):
                    continue
            elif path != text and path != newline:
                continue
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None and partial_scope is not None:
            scope["route"] = partial
            scope.update(partial_scope)
            await partial.handle(scope, receive, send)
            return
        await super().app(scope, receive, send)


class IndexedMount(Mount):
    """A :class:`~starlette.routing.Mount` of a literal prefix over an :class:`IndexedRouter`.

    It matches ``<prefix>/...`` by comparing text instead of running the mount's regular
    expression, and hands the request straight to the router's routing, with the child scope
    ``Mount.matches`` would give. Anything unusual (a parameter in the prefix, a newline in the
    path, a path the prefix does not start) goes through ``Mount``'s own code.
    """

    def __init__(self, path: str, routes: Sequence[BaseRoute]) -> None:
        self.router = IndexedRouter(routes)
        super().__init__(path, app=self.router)
        self._literal = "{" not in self.path
        self._head = self.path + "/"

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and self._literal:
            path = get_route_path(scope)
            if path.startswith(self._head) and "\n" not in path:
                root_path = scope.get("root_path", "")
                child_scope = {
                    "path_params": dict(scope.get("path_params", {})),
                    "app_root_path": scope.get("app_root_path", root_path),
                    "root_path": root_path + self.path,
                    "endpoint": self.app,
                }
                return Match.FULL, child_scope
        return super().matches(scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.router.app(scope, receive, send)  # Router.__call__ without its middleware


class PrefixIndex(Generic[T]):
    """Values by path prefix; :meth:`find` gives the one of the longest prefix a path is under.

    A path is under a prefix when it equals it or continues it with ``/`` (``/v1/files`` is
    under ``/v1``, ``/v10`` is not). When two entries share a prefix, the first one counts.
    Prefixes are grouped by their first segment, so a look-up tries only the few that share
    the path's.
    """

    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        values: dict[str, T] = {}
        for prefix, value in entries:
            values.setdefault(prefix.rstrip("/"), value)
        self._root = values.pop("", None)  # "/" is a prefix of every path
        groups: dict[str, list[tuple[str, T]]] = {}
        for prefix, value in values.items():
            groups.setdefault(_first_segment(prefix), []).append((prefix, value))
        self._groups = {
            first: tuple(sorted(group, key=lambda entry: -len(entry[0])))
            for first, group in groups.items()
        }

    def find(self, path: str) -> T | None:
        for prefix, value in self._groups.get(_first_segment(path), ()):
            if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
                return value
        return self._root if path[:1] in ("/", "") else None


def _first_segment(path: str) -> str:
    """``/a`` of ``/a/b/c`` (all of a path with one segment)."""
    end = path.find("/", 1)
    return path if end < 0 else path[:end]
