"""``mockluma proxy`` and ``mockluma recordings check|compare``: options, then the library.

    mockluma proxy --record recordings/ --report proxy.json
    mockluma recordings check recordings/
    mockluma recordings compare recordings/ --json drift.json

Exit status: 0 when all is well, 1 when a check failed or the mock drifted, 2 on misuse.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parsers(commands: Any) -> None:
    """Add ``proxy`` and ``recordings`` to the ``mockluma`` command's subparsers."""
    proxy: argparse.ArgumentParser = commands.add_parser(
        "proxy",
        help="forward to the real APIs, checking and recording what passes",
        description=(
            "Forward every request under the mock's prefixes to the real API (or --target), "
            "answer the real answer unchanged, print each contract violation as it happens, "
            "and optionally record the traffic and compare it with the mock."
        ),
    )
    proxy.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    proxy.add_argument(
        "--port",
        type=int,
        default=8000,
        help="port to listen on; 0 picks a free one (default 8000)",
    )
    proxy.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="where a surface goes (repeatable), e.g. dream-machine=https://api.lumalabs.ai/"
        "dream-machine/v1; all=http://127.0.0.1:8001 sends every surface to one server at its "
        "own prefixes. Default: each surface's real base URL",
    )
    proxy.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="how long to wait for the upstream to connect or send the next bytes (default 120)",
    )
    proxy.add_argument(
        "--report", type=Path, metavar="PATH", help="write the report at exit (JSON)"
    )
    proxy.add_argument(
        "--junit", type=Path, metavar="PATH", help="write the report at exit as JUnit XML"
    )
    proxy.add_argument(
        "--record", type=Path, metavar="DIR", help="record each exchange, secrets redacted"
    )
    proxy.add_argument(
        "--record-media",
        type=int,
        default=0,
        metavar="BYTES",
        help="also store media bodies up to BYTES each (default: only their type and size)",
    )
    proxy.add_argument(
        "--compare",
        action="store_true",
        help="at exit, replay the recordings against the mock and report drift (needs --record)",
    )
    proxy.add_argument(
        "--drift-report", type=Path, metavar="PATH", help="with --compare: write the drift JSON"
    )
    proxy.add_argument("--log-level", default="warning", help="uvicorn's log level")

    recordings: argparse.ArgumentParser = commands.add_parser(
        "recordings",
        help="check recordings against the contracts, or compare them with the mock",
        description="Work offline on a directory written by `mockluma proxy --record`.",
    )
    actions = recordings.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="validate every recording against schemas/")
    compare = actions.add_parser("compare", help="replay the recordings against the mock")
    for parser in (check, compare):
        parser.add_argument("directory", type=Path, metavar="DIR")
        parser.add_argument("--json", type=Path, metavar="FILE", help="write a JSON report")
        parser.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit report")


def run(args: argparse.Namespace) -> int:
    if args.command == "proxy":
        return run_proxy(args)
    from mockluma.proxy.recording import RecordingError, load

    try:
        found = load(args.directory)
    except RecordingError as exc:
        return _usage("recordings", str(exc))
    if args.action == "check":
        return _check(found, args)
    return _compare(found, args)


def _check(found: list[Any], args: argparse.Namespace) -> int:
    from mockluma.contracts import report as reports
    from mockluma.proxy.inspection import report_json

    inspector = check_recordings(found)
    for violation in inspector.violations:
        print(violation.line())
    report = inspector.report(f"recordings in {args.directory}")
    print(
        f"{inspector.exchanges} recordings checked: {len(inspector.violations)} violations.",
        flush=True,
    )
    if args.json is not None:
        args.json.write_text(
            report_json(report, inspector.violations, inspector.exchanges), encoding="utf-8"
        )
    if args.junit is not None:
        args.junit.write_text(reports.to_junit(report), encoding="utf-8")
    return EXIT_OK if not inspector.violations else EXIT_FAILED


def _compare(found: list[Any], args: argparse.Namespace) -> int:
    from mockluma.contracts import report as reports
    from mockluma.proxy.compare import compare

    drift = compare(found, args.directory)
    print(drift.summary(), flush=True)
    if args.json is not None:
        args.json.write_text(drift.to_json(), encoding="utf-8")
    if args.junit is not None:
        args.junit.write_text(reports.to_junit(drift.to_report()), encoding="utf-8")
    return EXIT_OK if drift.ok else EXIT_FAILED


def check_recordings(found: list[Any]) -> Any:
    """An :class:`~mockluma.proxy.inspection.Inspector` that has seen every recording."""
    from mockluma.contracts.surfaces import contracts
    from mockluma.proxy.inspection import Inspector
    from mockluma.schemas.route_schemas import route_map

    maps = {recording.surface: route_map(recording.surface) for recording in found}
    inspector = Inspector(maps, contracts())
    for recording in found:
        inspector.inspect(recording.to_exchange())
    return inspector


def recorded_results(directory: Path) -> list[Any]:
    """The results of checking ``directory``'s recordings, for ``mockluma contract
    --recordings`` (each result's surface is prefixed ``recorded:``)."""
    from dataclasses import replace

    from mockluma.proxy.recording import load

    report = check_recordings(load(directory)).report(str(directory))
    return [replace(result, surface=f"recorded:{result.surface}") for result in report.results]


def run_proxy(args: argparse.Namespace) -> int:
    import uvicorn

    from mockluma.contracts import report as reports
    from mockluma.proxy.inspection import report_json
    from mockluma.proxy.running import build_proxy, listen, server_config
    from mockluma.proxy.server import REPORT_PATH
    from mockluma.proxy.targets import TargetError, parse_targets
    from mockluma.surfaces.registry import surfaces

    if args.compare and args.record is None:
        return _usage("proxy", "--compare replays what was recorded: give --record DIR too.")
    if args.record_media < 0:
        return _usage("proxy", "--record-media must not be negative.")
    try:
        targets = parse_targets(args.target, (surface.name for surface in surfaces()))
    except TargetError as exc:
        return _usage("proxy", str(exc))
    proxy = build_proxy(
        targets,
        record=args.record,
        record_media=args.record_media,
        timeout=args.timeout,
        say=lambda line: print(line, flush=True),
    )
    inspector, recorder, mounts = proxy.inspector, proxy.recorder, proxy.mounts
    try:
        sock = listen(args.host, args.port)
    except OSError as exc:
        return _usage("proxy", f"cannot listen on {args.host}:{args.port}: {exc.strerror}.")
    port = sock.getsockname()[1]
    base = f"http://{args.host}:{port}"
    print(f"mockluma proxy listening on {base}")
    order = [surface.name for surface in surfaces()]
    for mount in sorted(mounts, key=lambda m: (order.index(m.name), m.mount or "")):
        print(f"  {mount.name:<14} {base}{mount.prefix} -> {mount.upstream}")
    print(f"  {'report':<14} {base}{REPORT_PATH}")
    if recorder is not None:
        print(f"recording to {args.record} (secrets redacted)")
    print("Press Ctrl-C to stop.", flush=True)
    server = uvicorn.Server(server_config(proxy, log_level=args.log_level))
    # Uvicorn stops gracefully on SIGINT or SIGTERM, then raises the signal again for the
    # handler it found: for SIGTERM that would end the process before the reports are written.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
    finally:
        signal.signal(signal.SIGTERM, previous)
    report = inspector.report(proxy.target)
    print(
        f"mockluma proxy stopped: {inspector.exchanges} exchanges, "
        f"{len(inspector.violations)} violations.",
        flush=True,
    )
    if args.report is not None:
        args.report.write_text(
            report_json(report, inspector.violations, inspector.exchanges), encoding="utf-8"
        )
    if args.junit is not None:
        args.junit.write_text(reports.to_junit(report), encoding="utf-8")
    status = EXIT_OK if not inspector.violations else EXIT_FAILED
    if args.compare and recorder is not None and recorder.written:
        from mockluma.proxy.compare import compare
        from mockluma.proxy.recording import load

        drift = compare(load(args.record), args.record)
        print(drift.summary(), flush=True)
        if args.drift_report is not None:
            args.drift_report.write_text(drift.to_json(), encoding="utf-8")
        if not drift.ok:
            status = EXIT_FAILED
    return status


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _usage(command: str, message: str) -> int:
    print(f"mockluma {command}: {message}", file=sys.stderr)
    return EXIT_USAGE


__all__ = ["add_parsers", "check_recordings", "recorded_results", "run"]
