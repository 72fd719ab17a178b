"""Strict mode: every response a surface is about to send is checked against its contract.

With ``strict=True`` (``MOCKLUMA_STRICT=1``, ``mockluma serve --strict``; on by default in the
pytest fixture) this middleware holds each response to a surface route until it is complete,
then runs the checks of :mod:`mockluma.schemas.conformance` on it: the status is one the route map
declares, a JSON body is sent as JSON, and the body matches its schema (the route's for a
success, the surface's error schema from 400 up). A response that breaks its contract is a bug
in mockluma, so it is recorded in ``ctx.errors`` (where ``MockLuma.take_errors()`` and the
``luma_mock`` fixture find it and fail the test) and replaced by a 500 in the surface's dialect
that names the violation.

When strict mode is off the middleware is not installed at all, so it costs nothing. It must sit
inside anything that breaks responses on purpose (fault injection), which it would otherwise
report: deliberate faults are never contract violations of the mock.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockluma.errors import ContractViolation as ContractViolation
from mockluma.schemas.conformance import RESPONSE_CHECKS, Answer, check_answer
from mockluma.schemas.route_schemas import RouteMap, route_map
from mockluma.surfaces import Context, Surface
from mockluma.web.errors import Dialect

# A 5xx is not a contract violation in itself (faults send them on purpose, and real bugs are
# already recorded by the app's error handler); its body must still be in the dialect.
STRICT_CHECKS = tuple(name for name in RESPONSE_CHECKS if name != "not_a_server_error")


class StrictResponseMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        ctx: Context,
        mounts: Sequence[tuple[str, Dialect, RouteMap, str | None]],
    ) -> None:
        self.app = app
        self.ctx = ctx
        self.mounts = mounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mount = self._mount(scope)
        if mount is None:
            await self.app(scope, receive, send)
            return
        prefix, dialect, routes, mount_name = mount
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        start = next((m for m in held if m["type"] == "http.response.start"), None)
        if start is None:  # nothing was sent: leave it to the server to report
            return
        path = scope["path"][len(prefix) :] or "/"
        answer = Answer(
            method=scope["method"],
            path=path,
            status=start["status"],
            headers={
                name.decode("latin-1").lower(): value.decode("latin-1")
                for name, value in start.get("headers", [])
            },
            body=b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body"),
            route=routes.find(scope["method"], path, mount_name),
            error_schema=routes.error,
        )
        findings = check_answer(answer, STRICT_CHECKS)
        if not findings:
            for message in held:
                await send(message)
            return
        reasons = "; ".join(f"{finding.check}: {finding.sentence()}" for finding in findings)
        sentence = (
            f"Strict mode: the mock's response to {scope['method']} {scope['path']} broke its "
            f"contract ({reasons}). This is a bug in mockluma; please report it."
        )
        self.ctx.errors.append(ContractViolation(sentence))
        error = dialect.error(500, sentence)
        await JSONResponse(error.body, status_code=500)(scope, receive, send)

    def _mount(self, scope: Scope) -> tuple[str, Dialect, RouteMap, str | None] | None:
        if scope["type"] != "http" or scope["method"] == "HEAD":
            return None
        path: str = scope["path"]
        for mount in self.mounts:
            prefix = mount[0]
            if path == prefix or path.startswith(prefix + "/"):
                return mount
        return None


def strict_middleware(ctx: Context, surfaces: Sequence[Surface]) -> Middleware:
    """The middleware for ``surfaces``; loads their route maps now, so a missing one fails at
    start-up (:class:`~mockluma.schemas.route_schemas.RouteMapError`) rather than on a request."""
    mounts = [
        (
            prefix,
            surface.dialect,
            route_map(surface.name),
            None if prefix == surface.prefix else prefix,
        )
        for surface in surfaces
        for prefix in surface.prefixes
    ]
    # Longest prefix first, as the app mounts them.
    mounts.sort(key=lambda mount: -len(mount[0]))
    return Middleware(StrictResponseMiddleware, ctx=ctx, mounts=mounts)


__all__ = ["ContractViolation", "StrictResponseMiddleware", "strict_middleware"]
