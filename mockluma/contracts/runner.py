"""Running a surface's contract checks against a target and collecting a :class:`Report`.

Two kinds of target:

* **the mock, in-process** (:func:`run_against_mock`): a fresh :class:`~mockluma.MockLuma` with a
  manual clock and strict mode on, reached through an ASGI transport; polls move its simulated
  clock, so a full lifecycle takes milliseconds. Spending is unlimited: it is all pretend.
* **a server** (:func:`run_against_server`): a base URL and a key, such as Luma's live API.
  Polls wait on the wall clock, up to a timeout. Only free checks run unless a budget is given,
  and checks that create generations stop when it runs out.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from mockluma.contracts.registry import Check, CheckFailed, CheckSkipped, SurfaceContract
from mockluma.contracts.session import Budget, Pacer, Session, SimulatedPacer, WallPacer
from mockluma.contracts.surfaces import contracts
from mockluma.errors import UnknownSurface as UnknownSurface
from mockluma.errors import UnreachableMount as UnreachableMount
from mockluma.schemas.conformance import Finding
from mockluma.schemas.route_schemas import route_map
from mockluma.surfaces import registry


def __getattr__(name: str) -> Any:
    # KNOWN_SURFACES was a fixed tuple; it now reads the surface registry.
    if name == "KNOWN_SURFACES":
        return registry.names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


MOCK_API_KEY = "luma-api-contract-runner"
"""The one key the in-process mock accepts; shaped as every surface wants it (the Agents API
refuses keys that do not start with ``luma-api-``)."""
MOCK_TIMEOUT = 3600.0
"""Simulated seconds a generation may take on the mock before a check gives up."""

Outcome = Literal["passed", "failed", "skipped", "error"]


@dataclass(frozen=True, slots=True)
class Result:
    surface: str
    check: str
    endpoint: str
    title: str
    outcome: Outcome
    findings: tuple[Finding, ...] = ()
    reason: str = ""
    seconds: float = 0.0


@dataclass(slots=True)
class Report:
    target: str
    live: bool
    budget_cents: float | None
    spent_cents: float = 0.0
    spending: list[tuple[str, float]] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)

    @property
    def ok(self) -> bool:
        """Nothing failed or broke (skipped checks are not failures)."""
        return bool(self.results) and all(
            result.outcome in ("passed", "skipped") for result in self.results
        )


def select(surface: str) -> list[SurfaceContract]:
    """The contracts to run for ``surface`` (a name, or ``all``)."""
    available = contracts()
    if surface == "all":
        return list(available.values())
    if surface in available:
        return [available[surface]]
    known = registry.names()
    if surface in known:
        raise UnknownSurface(
            f"There are no contract checks for {surface!r} yet; "
            f"checks exist for: {', '.join(available)}."
        )
    raise UnknownSurface(
        f"Unknown surface {surface!r}; choose one of {', '.join((*known, 'all'))}."
    )


def run_checks(
    contract: SurfaceContract, session: Session, *, only: Collection[str] | None = None
) -> list[Result]:
    """Run ``contract``'s checks (or the ``only`` ones) in order; never raises for a check."""
    results = []
    for check in contract.checks.values():
        if only is not None and check.name not in only:
            continue
        results.append(_run_one(check, session))
    return results


def _run_one(check: Check, session: Session) -> Result:
    def result(outcome: Outcome, findings: Iterable[Finding] = (), reason: str = "") -> Result:
        return Result(
            check.surface,
            check.name,
            check.endpoint,
            check.title,
            outcome,
            tuple(findings),
            reason,
            round(time.perf_counter() - started, 4),
        )

    started = time.perf_counter()
    if check.creates and session.budget.limit == 0:
        return result(
            "skipped",
            reason="creates a generation, which costs money on a live API; "
            "give --budget-cents to run it",
        )
    session.current = check.name
    try:
        check.function(session)
    except CheckFailed as failure:
        return result("failed", failure.findings)
    except CheckSkipped as skip:
        return result("skipped", reason=str(skip))
    except httpx.HTTPError as exc:
        return result("error", reason=f"the target could not be reached: {exc!r}")
    except Exception as exc:  # a check that breaks must not stop the others
        return result("error", reason=f"the check itself raised {exc!r}")
    return result("passed")


def run_against_mock(surface: str, *, only: Collection[str] | None = None) -> Report:
    """Run the checks of ``surface`` (or ``all``) against a fresh in-process mock."""
    from mockluma.handle.mock import IN_PROCESS_URL, MockLuma

    chosen = select(surface)
    mounted = {mounted.name: mounted for mounted in registry.surfaces()}
    report = Report(target="the in-process mock", live=False, budget_cents=None)
    with MockLuma(
        in_process=True,
        strict=True,
        progression="clock",
        timing="quick",
        api_keys=[MOCK_API_KEY],
        # As on Luma, so that the headers limits add (the Agents API's X-RateLimit-*) are there.
        rate_limits=True,
    ) as luma:
        transport = luma.sync_transport()
        with httpx.Client(transport=transport) as downloads:
            for contract in chosen:
                if contract.surface not in mounted:
                    raise UnknownSurface(f"The mock does not serve {contract.surface!r} yet.")
                prefix = mounted[contract.surface].prefix
                base_url = IN_PROCESS_URL + prefix
                budget = Budget(limit=None)
                with httpx.Client(base_url=base_url, transport=transport) as client:
                    session = Session(
                        surface=contract.surface,
                        routes=route_map(contract.surface),
                        client=client,
                        downloads=downloads,
                        api_key=MOCK_API_KEY,
                        pacer=SimulatedPacer(luma.advance),
                        budget=budget,
                        timeout=MOCK_TIMEOUT,
                        auth_header=contract.auth_header,
                        response_checks=contract.response_checks,
                        mounts=mount_urls(contract.surface, base_url, prefix),
                    )
                    report.results += run_checks(contract, session, only=only)
                report.spent_cents += budget.spent
                report.spending += budget.items
        report.results += _mock_errors(luma.take_errors())
    return report


def _mock_errors(errors: list[str]) -> list[Result]:
    findings = tuple(
        Finding("the_mock_raised_nothing", error.strip().splitlines()[-1], detail=error)
        for error in errors
    )
    outcome: Outcome = "failed" if findings else "passed"
    return [
        Result(
            "mock",
            "the_mock_raised_nothing",
            "*",
            "The mock recorded no internal error or strict-mode violation",
            outcome,
            findings,
        )
    ]


def run_against_server(
    surface: str,
    *,
    base_url: str,
    api_key: str,
    budget_cents: float = 0.0,
    poll_interval: float | None = None,
    timeout: float = 900.0,
    only: Collection[str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Report:
    """Run the checks of one surface against the server at ``base_url`` (the URL its SDK takes).

    ``poll_interval`` overrides the checks' own pace between polls (seconds of wall clock);
    ``transport`` lets tests put an in-process app behind the URL.
    """
    if surface == "all":
        raise UnknownSurface(
            "--surface all checks the in-process mock; to check a server, name one surface "
            "and give its base URL."
        )
    (contract,) = select(surface)
    prefix = registry.get(contract.surface).prefix
    mounts = mount_urls(contract.surface, base_url, prefix)
    budget = Budget(limit=budget_cents)
    report = Report(target=base_url, live=True, budget_cents=budget_cents)
    pacer: Pacer = WallPacer(poll_interval)
    with (
        httpx.Client(base_url=base_url, transport=transport, timeout=60.0) as client,
        httpx.Client(transport=transport, timeout=60.0, follow_redirects=True) as downloads,
    ):
        session = Session(
            surface=contract.surface,
            routes=route_map(contract.surface),
            client=client,
            downloads=downloads,
            api_key=api_key,
            pacer=pacer,
            budget=budget,
            timeout=timeout,
            auth_header=contract.auth_header,
            response_checks=contract.response_checks,
            mounts=mounts,
        )
        report.results = run_checks(contract, session, only=only)
    report.spent_cents = budget.spent
    report.spending = budget.items
    return report


def mount_urls(surface: str, base_url: str, prefix: str) -> dict[str, str]:
    """Where the surface's other mounts are, given ``base_url``, the URL of its main ``prefix``.

    A mount sits beside the main one on the same host: with AppyPie's
    ``https://gateway.appypie.com/lumalabs-ai/v1``, ``/lumalabs-ai-polling/v1`` is at
    ``https://gateway.appypie.com/lumalabs-ai-polling/v1``. A storage host is not: its signed
    URLs say where it is.
    """
    routes = route_map(surface).routes
    others = sorted({r.mount for r in routes if r.mount is not None and not r.on_storage_host})
    if not others:
        return {}
    base = base_url.rstrip("/")
    if not prefix or not base.endswith(prefix):
        raise UnreachableMount(
            f"{surface} also answers under {', '.join(others)}, which the runner finds beside "
            f"{prefix} on the same host: give the base URL of {prefix}, such as "
            f"https://<host>{prefix}, not {base_url!r}."
        )
    root = base.removesuffix(prefix)
    return {mount: root + mount for mount in others}


__all__ = [  # noqa: F822 (KNOWN_SURFACES comes from __getattr__)
    "KNOWN_SURFACES",
    "Report",
    "Result",
    "UnknownSurface",
    "UnreachableMount",
    "mount_urls",
    "run_against_mock",
    "run_against_server",
    "run_checks",
    "select",
]
