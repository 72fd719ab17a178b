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

from mockluma._version import __version__
from mockluma.config import CLOCK_MODES, LOG_LEVELS, Config, ConfigError, build_config
from mockluma.contracts import cli as contract_cli
from mockluma.engine.timing import TimingMode


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockluma", description="A simulated Luma backend for tests and local development."
    )
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
        "--strict",
        action="store_true",
        default=None,
        help="check every response against its schema; a violation answers 500 naming it",
    )
    contract_cli.add_parser(commands)
    commands.add_parser(
        "surfaces",
        help="list the simulated APIs",
        description="List each simulated API: its name, where the mock serves it, the real API "
        "it stands for, and the variable that holds a key for the real one.",
    )
    return parser


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


def serve(config: Config) -> None:
    """Run the server in the foreground until interrupted."""
    import uvicorn

    from mockluma.app import create_app
    from mockluma.handle.server import StreamClosingServer, uvicorn_stack

    app = create_app(config)
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
    sock.listen(2048)
    port = sock.getsockname()[1]
    host = f"[{config.host}]" if family == socket.AF_INET6 else config.host
    base = f"http://{host}:{port}"
    print(f"mockluma {__version__} listening on {base}")
    for surface in app.state.mockluma.surfaces:
        for prefix in surface.prefixes:
            if not prefix.startswith("/_mockluma"):  # storage hosts are not API roots
                print(f"  {surface.name:<14} {base}{prefix}")
    print(f"  {'admin':<14} {base}/_mockluma/health")
    print(f"  {'dashboard':<14} {base}/_mockluma/")
    print(
        f"clock: {config.clock}"
        + (f" x{config.speed:g}" if config.clock == "real" else "")
        + f", timing: {config.timing.value}, progression: {config.progression},"
        + f" seed: {config.seed}.",
        flush=True,
    )
    if config.scenario:
        print(f"scenario: {config.scenario} ({len(config.faults)} fault rules)")
    limits = "on" if config.rate_limits else "off"
    triggers = "on" if config.triggers else "off"
    loop, http = uvicorn_stack()
    print(f"rate limits: {limits}, in-band triggers: {triggers}. Served with {loop} and {http}.")
    print("Press Ctrl-C to stop.", flush=True)
    # "auto": uvloop and httptools when installed (the `fast` extra), asyncio and h11 otherwise.
    # No access log: a line per request would cost more than the request.
    server = StreamClosingServer(
        uvicorn.Config(
            app,
            loop="auto",
            http="auto",
            log_level=config.log_level,
            access_log=False,
            lifespan="on",
        )
    )
    # Uvicorn shuts down gracefully on Ctrl-C, then re-raises the signal; that is a clean stop.
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
    print("mockluma stopped.", flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "contract":
        raise SystemExit(contract_cli.run(args))
    if args.command == "surfaces":
        list_surfaces()
        return
    overrides = {key: value for key, value in vars(args).items() if key != "command"}
    try:
        config = build_config(overrides)
    except ConfigError as exc:
        raise SystemExit(f"mockluma: {exc}") from None
    if args.command == "serve":
        serve(config)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
