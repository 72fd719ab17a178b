"""Is one real exchange within its contract? And the report of every exchange seen so far.

An :class:`Exchange` is a request and its answer as the proxy saw them (bodies kept whole up to
a limit). :class:`Inspector` holds it to the same checks the contract runner uses on a response
(:mod:`mockluma.conformance`, plus the headers the surface's contract names), checks the
request's JSON body and query against the route map's schemas, and follows the lifecycle of
every job across polls (:mod:`mockluma.proxy.lifecycles`). Each finding becomes a
:class:`Violation`, printed as one line by :meth:`Violation.line`; :meth:`Inspector.report`
gathers them into a :class:`~mockluma.contracts.runner.Report`, one result per endpoint and
check, so ``mockluma contract``'s JSON and JUnit writers serve the proxy too.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from mockluma.contracts.registry import SurfaceContract
from mockluma.contracts.runner import Report, Result
from mockluma.proxy.lifecycles import LifecycleTracker
from mockluma.schemas import store as schema_store
from mockluma.schemas.conformance import RESPONSE_CHECKS, Answer, Finding, check_answer
from mockluma.schemas.route_schemas import RouteMap, RouteSchemas

REQUEST_CHECKS = ("request_matches_schema", "query_matches_schema")
LIFECYCLE_CHECKS = ("state_moves_forward", "terminal_state_is_sticky")
UPSTREAM_CHECK = "upstream_answered"
VIOLATIONS_KEPT = 10_000
VIOLATIONS_SHOWN = 500
FINDINGS_KEPT = 50
"""Per endpoint and check in the report (the count is always complete)."""


@dataclass(slots=True)
class Exchange:
    """One request through the proxy and what came back."""

    sequence: int
    surface: str
    mount: str | None
    """The route map's mount of the prefix (``None``: the surface's main one)."""
    method: str
    path: str
    """Relative to the prefix: ``/generations/123``."""
    query: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    request_complete: bool
    """``request_body`` is the whole body (not cut at the proxy's inspection limit)."""
    status: int = 0
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""
    """As sent on the wire (possibly compressed); see :meth:`decoded_body`."""
    response_size: int = 0
    response_complete: bool = True
    started_at: float = 0.0
    seconds: float = 0.0
    upstream: str = ""
    """The URL the request went to (without its query)."""
    failure: str = ""
    """Why the upstream gave no answer (the proxy then answered 502 or 504 itself)."""

    @property
    def shown_path(self) -> str:
        return (self.mount or "") + self.path

    def header(self, name: str, *, response: bool = True) -> str | None:
        pairs = self.response_headers if response else self.request_headers
        for key, value in pairs:
            if key.lower() == name:
                return value
        return None

    def content_type(self, *, response: bool = True) -> str:
        return (self.header("content-type", response=response) or "").split(";")[0].strip()

    def is_json(self, *, response: bool = True) -> bool:
        kind = self.content_type(response=response)
        return kind == "application/json" or kind.endswith("+json")

    def decoded_body(self) -> bytes | None:
        """The response body with its Content-Encoding undone (``None`` if that cannot be)."""
        encoding = (self.header("content-encoding") or "identity").strip().lower()
        if encoding in ("", "identity"):
            return self.response_body
        try:
            if encoding in ("gzip", "x-gzip"):
                return zlib.decompress(self.response_body, zlib.MAX_WBITS | 16)
            if encoding == "deflate":
                return zlib.decompress(self.response_body)
        except zlib.error:
            return None
        return None

    def request_json(self) -> Any:
        if not (self.request_complete and self.request_body and self.is_json(response=False)):
            return None
        try:
            return json.loads(self.request_body)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Violation:
    sequence: int
    surface: str
    endpoint: str
    finding: Finding

    def line(self) -> str:
        """One readable line: where, what, and the JSON path."""
        finding = self.finding
        detail = f" ({finding.detail.strip().splitlines()[0][:160]})" if finding.detail else ""
        return (
            f"VIOLATION #{self.sequence} {self.surface} {self.endpoint}: {finding.check} at "
            f"{finding.json_path}: {finding.title}{detail}"
        )


@dataclass(slots=True)
class _Tally:
    surface: str
    endpoint: str
    check: str
    exchanges: int = 0
    failed: int = 0
    findings: list[Finding] = field(default_factory=list)


class Inspector:
    """Checks exchanges as they come, from any thread, and keeps the tally for the report."""

    def __init__(
        self, route_maps: Mapping[str, RouteMap], contracts: Mapping[str, SurfaceContract]
    ) -> None:
        self._maps = route_maps
        self._contracts = contracts
        self._lifecycles = LifecycleTracker()
        self._tallies: dict[tuple[str, str, str], _Tally] = {}
        self._lock = threading.Lock()
        self.exchanges = 0
        self.violations: deque[Violation] = deque(maxlen=VIOLATIONS_KEPT)
        """The latest violations (all of them are counted in the report's results)."""

    def inspect(self, exchange: Exchange) -> list[Violation]:
        """Every violation in ``exchange``; also counted for the report."""
        routes = self._maps[exchange.surface]
        route = routes.find(exchange.method, exchange.path, exchange.mount)
        endpoint = route.endpoint if route else f"{exchange.method} {exchange.shown_path}"
        results: dict[str, list[Finding]] = {}
        with self._lock:
            self.exchanges += 1
            if exchange.failure:
                results[UPSTREAM_CHECK] = [
                    Finding(UPSTREAM_CHECK, exchange.failure, detail=exchange.upstream)
                ]
            else:
                results.update(self._request(exchange, route))
                results.update(self._response(exchange, route, routes))
            found = []
            for check, findings in results.items():
                tally = self._tallies.setdefault(
                    (exchange.surface, endpoint, check), _Tally(exchange.surface, endpoint, check)
                )
                tally.exchanges += 1
                if findings:
                    tally.failed += 1
                    room = FINDINGS_KEPT - len(tally.findings)
                    tally.findings += findings[: max(room, 0)]
                found += [
                    Violation(exchange.sequence, exchange.surface, endpoint, finding)
                    for finding in findings
                ]
            self.violations.extend(found)
        return found

    def _request(self, exchange: Exchange, route: RouteSchemas | None) -> dict[str, list[Finding]]:
        results: dict[str, list[Finding]] = {}
        if route is None:
            return results
        described = f"{exchange.method} {exchange.shown_path}"
        if route.request is not None and exchange.is_json(response=False):
            document = exchange.request_json()
            if document is not None:
                results["request_matches_schema"] = _schema_findings(
                    "request_matches_schema", route.request, document, f"{described}: the request"
                )
        if route.query is not None:
            query = {name: _number(value) for name, value in parse_qsl(exchange.query)}
            results["query_matches_schema"] = _schema_findings(
                "query_matches_schema", route.query, query, f"{described}: the query"
            )
        return results

    def _response(
        self, exchange: Exchange, route: RouteSchemas | None, routes: RouteMap
    ) -> dict[str, list[Finding]]:
        body = exchange.decoded_body() if exchange.response_complete else None
        answer = Answer(
            method=exchange.method,
            path=exchange.shown_path,
            status=exchange.status,
            headers={name.lower(): value for name, value in exchange.response_headers},
            body=body or b"",
            route=route,
            error_schema=routes.error,
        )
        # A body that was not kept whole (media past the limit) cannot be judged as a body.
        names = [
            name
            for name in RESPONSE_CHECKS
            if body is not None or name not in ("body_matches_schema", "json_content_type")
        ]
        results: dict[str, list[Finding]] = {name: [] for name in names}
        for finding in check_answer(answer, names):
            results[finding.check].append(finding)
        contract = self._contracts.get(exchange.surface)
        for check in contract.response_checks if contract else ():
            found = check(answer)
            results[check.__name__] = [found] if found else []
        if (
            body is not None
            and exchange.is_json()
            and route is not None
            and self._lifecycles.follows(exchange.surface, route.endpoint)
        ):
            try:
                document = json.loads(body)
            except ValueError:
                document = None
            if document is not None:
                for name in LIFECYCLE_CHECKS:
                    results[name] = []
                for finding in self._lifecycles.observe(
                    exchange.surface, route.endpoint, document, exchange.request_json()
                ):
                    results[finding.check].append(finding)
        return results

    def report(self, target: str) -> Report:
        """Everything seen so far, one result per surface, endpoint and check."""
        with self._lock:
            tallies = sorted(self._tallies.values(), key=lambda t: (t.surface, t.endpoint, t.check))
            report = Report(target=target, live=True, budget_cents=None)
            for tally in tallies:
                outcome = "failed" if tally.failed else "passed"
                if tally.check == UPSTREAM_CHECK and tally.failed:
                    outcome = "error"
                report.results.append(
                    Result(
                        tally.surface,
                        tally.check,
                        tally.endpoint,
                        f"{tally.failed} of {tally.exchanges} exchanges broke {tally.check}",
                        outcome,  # type: ignore[arg-type]
                        tuple(tally.findings),
                        reason=tally.findings[0].title if outcome == "error" else "",
                    )
                )
        return report


def _schema_findings(check: str, schema: str, document: Any, what: str) -> list[Finding]:
    error = schema_store.first_error(schema, document)
    if error is None:
        return []
    return [Finding(check, f"{what} does not match {schema}", error.json_path, error.message)]


def _number(value: str) -> Any:
    """Query values arrive as text; the query schemas describe them converted, as the mock
    converts them before its own check."""
    return int(value) if value.isdigit() else value


def report_json(report: Report, violations: Iterable[Violation], exchanges: int) -> str:
    """``mockluma contract``'s JSON, plus the proxy's own counts and the lines of the latest
    violations (up to :data:`VIOLATIONS_SHOWN`)."""
    from mockluma.contracts import report as reports

    document = json.loads(reports.to_json(report))
    document["exchanges"] = exchanges
    lines = [violation.line() for violation in violations]
    document["violations"] = lines[-VIOLATIONS_SHOWN:]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


__all__ = ["Exchange", "Inspector", "Violation", "report_json"]
