"""Callback delivery over HTTP, and the receivers (inboxes) the mock hosts for tests.

:class:`HttpSender` is the :data:`~mockluma.engine.callbacks.Sender` the dispatcher uses: one
shared httpx client, a per-attempt timeout, and every failure turned into
:class:`~mockluma.engine.callbacks.DeliveryFailed`. URLs on the in-process pseudo-host are
delivered straight into the app, so in-process tests can use inboxes too.

Control routes (under ``/_mockluma``):

- ``GET /callbacks`` (``?generation_id=``): every delivery attempt; ``DELETE`` clears the log.
- ``POST /inbox/{name}``: a callback receiver. It records each POST and answers with the next
  status of its configured ``responses`` (the last one repeats; 200 when none).
- ``PUT /inbox/{name}`` ``{"responses": [500, 500, 200], "delay": 0}``: create or configure it.
- ``GET /inbox/{name}``: what it received; ``DELETE`` forgets it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from mockluma._version import __version__
from mockluma.engine.callbacks import DeliveryFailed, Inbox
from mockluma.surfaces import Context
from mockluma.web.bodies import read_body
from mockluma.web.urls import base_url_of

IN_PROCESS_HOST = "mockluma.test"
_USER_AGENT = f"mockluma-callbacks/{__version__}"


class HttpSender:
    """POSTs callback bodies with httpx; one client per event loop.

    At most :attr:`parallel` POSTs are on the wire at once; the others wait their turn before
    their timeout starts, so the timeout measures the receiver alone. Handing httpx a thousand
    requests at once instead (a thousand generations finishing together) queued them in its
    connection pool, whose bookkeeping then held the event loop for seconds at a time, and the
    waits counted against each attempt's timeout.

    Building the client loads the CA certificates (30-50 ms), so a server on a real clock builds
    it as it starts (:meth:`warm_up`, from the app's lifespan) rather than at its first
    delivery, where it would stall every request in flight.
    """

    parallel = 32

    def __init__(self, app: ASGIApp | None = None) -> None:
        self._app = app
        self._client: httpx.AsyncClient | None = None
        self._turns: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, app: ASGIApp) -> None:
        self._app = app

    def _client_for_loop(self) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        loop = asyncio.get_running_loop()
        if self._client is None or self._turns is None or self._loop is not loop:
            mounts: dict[str, httpx.AsyncBaseTransport] = {}
            if self._app is not None:
                mounts[f"all://{IN_PROCESS_HOST}"] = httpx.ASGITransport(app=self._app)
            limits = httpx.Limits(
                max_connections=self.parallel, max_keepalive_connections=self.parallel
            )
            self._client = httpx.AsyncClient(mounts=mounts, follow_redirects=False, limits=limits)
            self._turns = asyncio.Semaphore(self.parallel)
            self._loop = loop
        return self._client, self._turns

    async def warm_up(self) -> None:
        """Build the client of the running loop now."""
        self._client_for_loop()

    async def __call__(self, url: str, body: bytes, timeout: float) -> int:
        client, turns = self._client_for_loop()
        async with turns:
            try:
                response = await client.post(
                    url,
                    content=body,
                    headers={"content-type": "application/json", "user-agent": _USER_AGENT},
                    timeout=timeout,
                )
            except httpx.TimeoutException:
                raise DeliveryFailed(f"no answer within {timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
        return response.status_code

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def callback_routes(ctx: Context, dialect: Any) -> Sequence[BaseRoute]:
    async def attempts(request: Request) -> Response:
        generation_id = request.query_params.get("generation_id")
        return JSONResponse([a.to_json() for a in ctx.callbacks.log(generation_id)])

    async def clear_attempts(request: Request) -> Response:
        ctx.callbacks.attempts.clear()
        return Response(status_code=204)

    def inbox(request: Request, *, create: bool = False) -> Inbox:
        name = request.path_params["name"]
        box = ctx.inboxes.get(name)
        if box is None:
            if not create:
                raise dialect.error(
                    404, f"There is no inbox named {name!r}; PUT /_mockluma/inbox/{name} first."
                )
            box = ctx.inboxes[name] = Inbox(name)
        return box

    async def receive(request: Request) -> Response:
        box = inbox(request, create=True)
        raw = await read_body(request, max_bytes=ctx.config.max_body_bytes, dialect=dialect)
        try:
            body: Any = _strict_json(raw) if raw else None
        except (ValueError, RecursionError):
            # Not JSON we could send back: keep it as text.
            body = raw.decode("utf-8", "replace")
        item = box.receive(ctx.simulation.now(), body)
        if box.delay:
            await asyncio.sleep(box.delay)
        return JSONResponse({"received": True}, status_code=item.status)

    async def configure(request: Request) -> Response:
        raw = await read_body(request, max_bytes=ctx.config.max_body_bytes, dialect=dialect)
        try:
            settings = _strict_json(raw) if raw.strip() else {}
        except (ValueError, RecursionError):
            raise dialect.error(400, "The body must be JSON.") from None
        if not isinstance(settings, dict):
            raise dialect.error(
                422, 'Send a JSON object: {"responses": [500, 200], "delay": 0} (both optional).'
            )
        responses = settings.get("responses", [])
        delay = settings.get("delay", 0)
        if not isinstance(responses, list) or not all(
            isinstance(s, int) and not isinstance(s, bool) and 100 <= s <= 599 for s in responses
        ):
            raise dialect.error(422, "'responses' must be a list of HTTP status codes (100-599).")
        if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 60:
            raise dialect.error(422, "'delay' must be a number of seconds from 0 to 60.")
        box = inbox(request, create=True)
        box.responses = list(responses)
        box.delay = float(delay)
        box.clear()
        return JSONResponse(_inbox_json(request, box))

    async def show(request: Request) -> Response:
        return JSONResponse(_inbox_json(request, inbox(request)))

    async def forget(request: Request) -> Response:
        inbox(request)
        del ctx.inboxes[request.path_params["name"]]
        return Response(status_code=204)

    return [
        Route("/callbacks", attempts, methods=["GET"]),
        Route("/callbacks", clear_attempts, methods=["DELETE"]),
        Route("/inbox/{name}", receive, methods=["POST"]),
        Route("/inbox/{name}", configure, methods=["PUT"]),
        Route("/inbox/{name}", show, methods=["GET"]),
        Route("/inbox/{name}", forget, methods=["DELETE"]),
    ]


def _strict_json(raw: bytes) -> Any:
    """JSON that can be written back out: no NaN or Infinity, no numbers beyond a float."""
    document = json.loads(raw)
    json.dumps(document, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return document


def _inbox_json(request: Request, box: Inbox) -> dict[str, Any]:
    return {
        "name": box.name,
        "url": f"{base_url_of(request)}_mockluma/inbox/{box.name}",
        "responses": box.responses,
        "delay": box.delay,
        "received": [r.to_json() for r in box.received],
    }
