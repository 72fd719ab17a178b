"""The ``mockluma`` command: ``mockluma serve`` runs the dev server; ``mockluma contract`` runs
the contract checks (its options live in :mod:`mockluma.contracts.cli`).

Commands only parse options, build a :class:`~mockluma.config.Config` and call the library.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
from collections.abc import Sequence
from typing import Any

from mockluma._version import __version__
from mockluma.config import CLOCK_MODES, LOG_LEVELS, Config, ConfigError, build_config
from mockluma.contracts import cli as contract_cli
from mockluma.engine.timing import TimingMode
from mockluma.proxy import cli as proxy_cli


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockluma", description="A simulated Luma backend for tests and local development."
    )
    parser.add_argument("--version", action="version", version=f"mockluma {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the mock server",
        description="Serve every simulated Luma API on one port until Ctrl-C.",
    )
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, help="port to listen on; 0 picks a free one (default 8000)"
    )
    serve.add_argument("--clock", choices=CLOCK_MODES, help="real (default) or manual time")
    serve.add_argument("--speed", type=float, help="simulated seconds per real second (default 1)")
    serve.add_argument("--seed", type=int, help="seed for ids, timings and faults (default random)")
    serve.add_argument(
        "--timing",
        choices=[mode.value for mode in TimingMode],
        help="how long generations take: quick (default, about 5 s) or realistic (per model)",
    )
    serve.add_argument(
        "--progression",
        metavar="POLICY",
        help="what moves generations on: clock (default), immediate, or polls:N",
    )
    serve.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accept only this key (repeat for several); by default any key is accepted",
    )
    serve.add_argument(
        "--credits", type=float, dest="credits_cents", help="starting balance in US cents"
    )
    serve.add_argument(
        "--appypie-statuses",
        metavar="QUEUED,RUNNING,FAILED",
        help="what AppyPie's getStatus says before completion (default queued,dreaming,failed)",
    )
    serve.add_argument(
        "--capture-credits", type=int, help="starting Captures v2 credits per key (default 100)"
    )
    serve.add_argument("--log-level", choices=LOG_LEVELS, help="server log level (default warning)")
    serve.add_argument(
        "--config",
        dest="scenario",
        metavar="FILE",
        help="a scenario file (YAML or JSON): settings, fault rules and rate limits; "
        "flags override its settings (see fixtures/scenarios/)",
    )
    serve.add_argument(
        "--rate-limits",
        choices=("on", "off"),
        help="apply each API's documented rate limits (default on)",
    )
    serve.add_argument(
        "--triggers",
        choices=("on", "off"),
        help="obey [mockluma:...] markers in request bodies (default on)",
    )
    serve.add_argument(
        "--input-media",
        choices=("simulate", "fetch", "off"),
        help="what input URLs find: simulate (the mock's own files are real, reserved and "
        "private hosts fail, others are assumed valid; the default), fetch (download public "
        "URLs for real) or off (never look)",
    )
    serve.add_argument(
        "--strict",
        action="store_true",
        default=None,
        help="check every response against its schema; a violation answers 500 naming it",
    )
    serve.add_argument(
        "--state",
        metavar="PATH",
        help="keep the whole state in this SQLite file, so a restart continues where it "
        "stopped (env MOCKLUMA_STATE; default: memory only)",
    )
    serve.add_argument(
        "--load-state",
        metavar="FILE",
        help="start from this snapshot (a JSON file from GET /_mockluma/state)",
    )
    serve.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="the request log's lines: text (default; coloured on a terminal) or json",
    )
    serve.add_argument(
        "--quiet", action="store_true", help="no request log (the banner is still printed)"
    )
    _add_safety_options(serve)
    contract_cli.add_parser(commands)
    commands.add_parser(
        "surfaces",
        help="list the simulated APIs",
        description="List each simulated API: its name, where the mock serves it, the real API "
        "it stands for, and the variable that holds a key for the real one.",
    )
    proxy_cli.add_parsers(commands)
    return parser


def _add_safety_options(serve: argparse.ArgumentParser) -> None:
    """Control-API protection, memory budget and connection limits (docs/safety.md)."""
    group = serve.add_argument_group("safety (see docs/safety.md)")
    group.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="require 'Authorization: Bearer TOKEN' on the control API (env MOCKLUMA_ADMIN_TOKEN)",
    )
    group.add_argument(
        "--allowed-host",
        action="append",
        dest="allowed_hosts",
        metavar="NAME",
        help="a Host name the control API answers besides loopback and the bound address "
        "(repeat for several; '*' for any)",
    )
    group.add_argument(
        "--unsafe-open-admin",
        action="store_true",
        default=None,
        help="serve the control API on a non-loopback --host without an admin token",
    )
    group.add_argument(
        "--show-api-keys",
        action="store_const",
        const=False,
        default=None,
        dest="mask_api_keys",
        help="show API keys whole in the journal's JSON (masked by default)",
    )
    group.add_argument(
        "--callback-hosts",
        metavar="HOST,HOST",
        help="the only hosts callback_url may name ('*.example.com' for a domain); by default "
        "loopback and public hosts",
    )
    group.add_argument(
        "--journal-max-bytes",
        type=int,
        metavar="BYTES",
        help="byte budget of the journal and of each other traffic log (default 67108864)",
    )
    group.add_argument(
        "--limit-concurrency",
        type=int,
        metavar="N",
        help="connections plus requests in flight before new requests get 503 (default 1000)",
    )
    group.add_argument(
        "--timeout-keep-alive",
        type=int,
        metavar="SECONDS",
        help="close a connection idle this long, before or between requests (default 5)",
    )
    group.add_argument(
        "--timeout-headers",
        type=float,
        metavar="SECONDS",
        help="close a connection that takes longer to send a request head (default 10)",
    )
    group.add_argument(
        "--timeout-graceful-shutdown",
        type=int,
        metavar="SECONDS",
        help="on Ctrl-C, wait this long for requests in flight (default 5)",
    )
    group.add_argument(
        "--backlog", type=int, metavar="N", help="pending-connection queue length (default 2048)"
    )


def list_surfaces() -> None:
    """Print every surface of the registry, one block each."""
    from mockluma.surfaces import registry

    for surface in registry.surfaces():
        print(f"{surface.name}: {surface.title or surface.name}")
        for prefix in surface.prefixes:
            real = surface.real_url(prefix)
            print(f"  {prefix}" + (f"  (real: {real})" if real else ""))
        if surface.key_env:
            print(f"  key: ${surface.key_env}")


def serve(config: Config, *, log_format: str = "text", quiet: bool = False) -> None:
    """Run the server in the foreground until interrupted, logging each request unless
    ``quiet``."""
    import uvicorn

    from mockluma.app import create_app, surface_index
    from mockluma.app.guard import exposure_refusal
    from mockluma.app.request_log import RequestLogMiddleware, RequestLogWriter
    from mockluma.handle.dev_server import DevServer, http_protocol
    from mockluma.handle.server import uvicorn_stack

    refusal = exposure_refusal(config)
    if refusal is not None:
        raise SystemExit(f"mockluma: refusing to start. {refusal}")
    try:
        mock_app = create_app(config)
    except ConfigError as exc:
        raise SystemExit(f"mockluma: {exc}") from None
    ctx = mock_app.state.mockluma
    surfaces = ctx.surfaces
    app: Any = mock_app
    writer: RequestLogWriter | None = None
    if not quiet:
        index = surface_index(surfaces)

        def api_of(path: str) -> str | None:
            surface = index.find(path)
            return None if surface is None else surface.name

        writer = RequestLogWriter(
            sys.stdout, api_of, log_format="json" if log_format == "json" else "text"
        )
        app = RequestLogMiddleware(app, writer.offer)
    # Bind first, so that port 0 resolves to a real port before anything is printed.
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Inherited by accepted connections; see ThreadedServer.start for why it matters.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError as exc:
        sock.close()
        raise SystemExit(
            f"mockluma: cannot listen on {config.host}:{config.port}: {exc.strerror}."
        ) from None
    # Listening before the banner says so: connections made while uvicorn starts up (the
    # lifespan builds the callback client) wait in the backlog instead of being refused.
    sock.listen(config.backlog)
    port = sock.getsockname()[1]
    host = f"[{config.host}]" if family == socket.AF_INET6 else config.host
    base = f"http://{host}:{port}"
    print(f"mockluma {__version__} listening on {base}")
    for surface in surfaces:
        for prefix in surface.prefixes:
            if not prefix.startswith("/_mockluma"):  # storage hosts are not API roots
                print(f"  {surface.name:<14} {base}{prefix}")
    print(f"  {'admin':<14} {base}/_mockluma/health")
    print(f"  {'dashboard':<14} {base}/_mockluma/")
    print(
        f"clock: {config.clock}"
        + (f" x{config.speed:g}" if config.clock == "real" else "")
        + f", timing: {config.timing.value}, progression: {config.progression},"
        # A restored state brings its own seed (its ids and signed URLs depend on it).
        + f" seed: {ctx.simulation.seed}.",
        flush=True,
    )
    if config.scenario:
        print(f"scenario: {config.scenario} ({len(config.faults)} fault rules)")
    if config.state:
        held = sum(len(account.jobs) for _, account in ctx.simulation.accounts())
        print(f"state: {config.state} ({held} jobs; saved every 0.5 s and at shutdown)")
    limits = "on" if config.rate_limits else "off"
    triggers = "on" if config.triggers else "off"
    loop, http = uvicorn_stack()
    strict = "on" if config.strict else "off (--strict checks every response)"
    print(
        f"rate limits: {limits}, in-band triggers: {triggers}, input media: "
        f"{config.input_media}, strict mode: {strict}."
    )
    print(f"Served with {loop} and {http}.")
    log = "off (--quiet)" if quiet else f"{log_format}, one line per request"
    print(f"Request log: {log}. Press Ctrl-C to stop.", flush=True)
    # "auto": uvloop and httptools when installed (the `fast` extra), asyncio and h11 otherwise.
    # No uvicorn access log: the request log above says more, off the request path.
    # The limits of docs/safety.md: connections, idle and header deadlines, a bounded stop.
    server = DevServer(
        uvicorn.Config(
            app,
            loop="auto",
            http=http_protocol(config.timeout_headers),
            log_level=config.log_level,
            access_log=False,
            lifespan="on",
            limit_concurrency=config.limit_concurrency,
            timeout_keep_alive=config.timeout_keep_alive,
            timeout_graceful_shutdown=config.timeout_graceful_shutdown,
            backlog=config.backlog,
        )
    )
    # The request log wraps the app, so the server is told directly what ends the streams.
    server.close_streams = mock_app.close_streams
    # Uvicorn shuts down gracefully on Ctrl-C, then re-raises the signal; that is a clean stop.
    if writer is not None:
        writer.start()
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
    finally:
        if writer is not None:
            writer.stop()
    print("mockluma stopped.", flush=True)


SERVE_ONLY = ("command", "log_format", "quiet")
"""Parsed ``serve`` options that steer the command (the request log), not the mock."""


def settings_of(args: argparse.Namespace) -> dict[str, Any]:
    """The settings a parsed ``serve`` command line gives (``build_config``'s overrides)."""
    return {key: value for key, value in vars(args).items() if key not in SERVE_ONLY}


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "contract":
        raise SystemExit(contract_cli.run(args, recorded=proxy_cli.recorded_results))
    if args.command in ("proxy", "recordings"):
        raise SystemExit(proxy_cli.run(args))
    if args.command == "surfaces":
        list_surfaces()
        return
    try:
        config = build_config(settings_of(args))
    except ConfigError as exc:
        raise SystemExit(f"mockluma: {exc}") from None
    if args.command == "serve":
        serve(config, log_format=args.log_format, quiet=args.quiet)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
