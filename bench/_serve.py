"""One benchmark server in its own process: the mock, or a bare Starlette app serving constants.

    python bench/_serve.py mock --loop asyncio --http h11 [--cpu 0] [--profile out.prof]
    python bench/_serve.py bare --spec routes.json --loop uvloop --http httptools

It binds a free port on 127.0.0.1, starts listening, prints ``PORT <n>`` on stdout and then
serves with uvicorn (access log off, log level warning, no lifespan) until SIGTERM or SIGINT.
``server_throughput.py`` starts it; it is not meant to be run by hand, except to profile the
mock under load (``--profile`` writes cProfile stats when the server stops).

The bare app is the ceiling of the mock's own stack: the same uvicorn, the same Starlette, the
same route templates, and handlers that only read the request body (for POSTs) and return the
bytes the mock answered, captured beforehand and listed in ``--spec``.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import json
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import uvicorn
from _common import make_mock_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Endpoint = Callable[[Request], Awaitable[Response]]


def _exit(signum: int, frame: object) -> None:
    # Uvicorn shuts down on SIGTERM and then raises it again for the previous handler: this
    # one, so that the process ends through ``finally`` (and writes its profile).
    raise SystemExit(0)


def _constant(body: bytes, status: int, content_type: str, *, reads_body: bool) -> Endpoint:
    headers = {"content-type": content_type}

    async def endpoint(request: Request) -> Response:
        if reads_body:
            await request.body()
        return Response(body, status_code=status, headers=headers)

    return endpoint


def bare_app(spec: Sequence[dict[str, Any]]) -> Starlette:
    """A Starlette app answering each ``spec`` entry's route with its captured bytes."""
    routes = [
        Route(
            entry["route"],
            _constant(
                base64.b64decode(entry["body_b64"]),
                int(entry["status"]),
                str(entry["content_type"]),
                reads_body=entry["method"] == "POST",
            ),
            methods=[entry["method"]],
        )
        for entry in spec
    ]
    return Starlette(routes=routes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("app", choices=("mock", "bare"))
    parser.add_argument("--spec", type=Path, help="JSON list of routes for the bare app")
    parser.add_argument("--loop", default="asyncio", help="uvicorn --loop (asyncio, uvloop)")
    parser.add_argument("--http", default="h11", help="uvicorn --http (h11, httptools)")
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    parser.add_argument("--profile", type=Path, default=None, help="write cProfile stats here")
    args = parser.parse_args(argv)

    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    if args.app == "mock":
        app = make_mock_app()
    else:
        if args.spec is None:
            parser.error("the bare app needs --spec")
        app = bare_app(json.loads(args.spec.read_text(encoding="utf-8")))

    # IPPROTO_TCP, as uvicorn's own binding (via getaddrinfo) gives: the asyncio loop sets
    # TCP_NODELAY on accepted connections only when the listening socket says proto 6. With
    # proto 0 it does not, and each response waits ~40 ms for a delayed ACK (uvloop is immune).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)  # connections made before uvicorn starts wait in the backlog
    print(f"PORT {sock.getsockname()[1]}", flush=True)

    config = uvicorn.Config(
        app,
        loop=args.loop,
        http=args.http,
        access_log=False,
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    signal.signal(signal.SIGTERM, _exit)
    profiler = cProfile.Profile() if args.profile is not None else None
    if profiler is not None:
        profiler.enable()
    try:
        server.run(sockets=[sock])
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(str(args.profile))
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
