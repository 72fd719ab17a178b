"""``mockluma contract``: run the contract checks and write the reports.

    mockluma contract --surface dream-machine                 # against the in-process mock
    mockluma contract --surface dream-machine \\
        --base-url https://api.lumalabs.ai/dream-machine/v1 --api-key "$LUMAAI_API_KEY" \\
        --budget-cents 25 --junit contract.xml --json contract.json

Exit status: 0 when every check passed or was skipped, 1 when one failed or broke, 2 when the
command itself was misused. The runner loads on use; building the parser reads the surface
registry, for the names and variables its help lists.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from mockluma.surfaces import registry

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the ``contract`` command to the ``mockluma`` command's subparsers."""
    contract: argparse.ArgumentParser = commands.add_parser(
        "contract",
        help="check the mock, or a live API, against the contracts",
        description=(
            "Run the contract checks of a surface: against a fresh in-process mock by default, "
            "or against the server at --base-url (a live API: only free checks unless "
            "--budget-cents allows creating generations)."
        ),
    )
    surfaces = registry.surfaces()
    contract.add_argument(
        "--surface",
        required=True,
        metavar="NAME",
        help=f"{', '.join(s.name for s in surfaces)}, or all (those with checks)",
    )
    contract.add_argument(
        "--base-url",
        metavar="URL",
        help=(
            "the surface's base URL, as given to its SDK; for a gateway, the URL of its main "
            "prefix (https://gateway.appypie.com/lumalabs-ai/v1, https://api.umamiai.xyz/v1/luma-ai)"
        ),
    )
    variables = [s.key_env for s in surfaces if s.key_env]
    contract.add_argument(
        "--api-key",
        metavar="KEY",
        help=(f"key for --base-url (default: the surface's variable: {' or '.join(variables)})"),
    )
    contract.add_argument(
        "--budget-cents",
        type=float,
        default=0.0,
        metavar="N",
        help="US cents the run may spend creating generations on --base-url (default 0: none)",
    )
    contract.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    contract.add_argument("--json", type=Path, metavar="FILE", help="write a JSON report")
    contract.add_argument(
        "--check",
        action="append",
        dest="checks",
        metavar="NAME",
        help="run only this check (repeat for several)",
    )
    contract.add_argument(
        "--poll-interval",
        type=float,
        metavar="SECONDS",
        help="wall-clock pause between polls of --base-url (default: the surface's own pace)",
    )
    contract.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help="how long a generation on --base-url may take before its checks fail (default 900)",
    )
    contract.add_argument("--list", action="store_true", help="list the checks and exit")
    contract.add_argument("-v", "--verbose", action="store_true", help="also list passed checks")
    return contract


def run(args: argparse.Namespace) -> int:
    """Carry out a parsed ``mockluma contract`` command; returns the exit status."""
    from mockluma.contracts import report as reports
    from mockluma.contracts.runner import (
        UnknownSurface,
        UnreachableMount,
        run_against_mock,
        run_against_server,
        select,
    )

    try:
        chosen = select(args.surface)
        if args.list:
            for contract in chosen:
                for check in contract.checks.values():
                    cost = " (creates a generation)" if check.creates else ""
                    print(f"{contract.surface}: {check.name}{cost}\n    {check.title}")
            return EXIT_OK
        if args.budget_cents < 0:
            return _usage("--budget-cents must not be negative.")
        if args.base_url is None:
            if args.budget_cents:
                return _usage("--budget-cents applies to --base-url; the mock costs nothing.")
            report = run_against_mock(args.surface, only=args.checks)
        else:
            env = registry.get(chosen[0].surface).key_env if len(chosen) == 1 else None
            api_key = args.api_key or (os.environ.get(env) if env else None)
            if not api_key:
                hint = f" or set {env}" if env else ""
                return _usage(f"--base-url needs a key: give --api-key{hint}.")
            report = run_against_server(
                args.surface,
                base_url=args.base_url,
                api_key=api_key,
                budget_cents=args.budget_cents,
                poll_interval=args.poll_interval,
                timeout=args.timeout,
                only=args.checks,
            )
    except (UnknownSurface, UnreachableMount) as exc:
        return _usage(str(exc))
    print(reports.summary(report, verbose=args.verbose), flush=True)
    if args.junit is not None:
        args.junit.write_text(reports.to_junit(report), encoding="utf-8")
    if args.json is not None:
        args.json.write_text(reports.to_json(report), encoding="utf-8")
    return EXIT_OK if report.ok else EXIT_FAILED


def _usage(message: str) -> int:
    print(f"mockluma contract: {message}", file=sys.stderr)
    return EXIT_USAGE


__all__ = ["add_parser", "run"]
