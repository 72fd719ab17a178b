"""Does one HTTP response keep its contract? Small named checks against the route map.

Each check is a function registered in :data:`RESPONSE_CHECKS` under its own name. It looks at
one :class:`Answer` (status, headers, body, and the route it came from) and returns a
:class:`Finding` (a title and the JSON path of the problem) or ``None``. Strict mode runs them on
every response the mock sends (:mod:`mockluma.app.strict`); the contract runner runs them on
every response it receives, from the mock or from a live API (:mod:`mockluma.contracts`).

This module sits below both, beside :mod:`mockluma.schemas.route_schemas`, so the app never
imports the contract runner.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mockluma.schemas import store as schema_store
from mockluma.schemas.route_schemas import RouteSchemas


@dataclass(frozen=True, slots=True)
class Finding:
    """One way a response broke its contract."""

    check: str
    """The name of the check that found it (``body_matches_schema``)."""
    title: str
    """A sentence saying what is wrong."""
    json_path: str = "$"
    """Where in the body (``$`` for the whole body, or when the problem is not in the body)."""
    detail: str = ""

    def sentence(self) -> str:
        where = "" if self.json_path == "$" else f" (at {self.json_path})"
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.title}{where}{detail}"


@dataclass(frozen=True, slots=True)
class Answer:
    """A response, and what the route map says about the request it answers."""

    method: str
    path: str
    """Relative to the surface's base URL: ``/generations/123``."""
    status: int
    headers: Mapping[str, str]
    """Lower-case names."""
    body: bytes
    route: RouteSchemas | None
    """``None`` when no declared route serves ``method path``."""
    error_schema: str

    @property
    def described(self) -> str:
        return f"{self.method} {self.path} → {self.status}"

    def expected_schema(self) -> tuple[bool, str | None]:
        """``(declared, schema)``: whether this status is declared, and its body's schema."""
        if self.status >= 400:
            return True, self.error_schema
        if self.route is None or self.status not in self.route.responses:
            return False, None
        return True, self.route.responses[self.status]

    def json(self) -> Any:
        """The body parsed as JSON; ``ValueError`` if it is not JSON."""
        return json.loads(self.body)


ResponseCheck = Callable[[Answer], Finding | None]
RESPONSE_CHECKS: dict[str, ResponseCheck] = {}


def response_check(function: ResponseCheck) -> ResponseCheck:
    """Register ``function`` under its own name."""
    RESPONSE_CHECKS[function.__name__] = function
    return function


@response_check
def not_a_server_error(answer: Answer) -> Finding | None:
    if answer.status < 500:
        return None
    excerpt = answer.body[:200].decode("utf-8", "replace")
    return Finding(
        "not_a_server_error",
        f"{answer.described}: the server failed (status {answer.status})",
        detail=excerpt,
    )


@response_check
def status_code_is_declared(answer: Answer) -> Finding | None:
    declared, _ = answer.expected_schema()
    if declared:
        return None
    if answer.route is None:
        title = f"{answer.described}: a success status on a route the route map does not declare"
    else:
        listed = ", ".join(str(code) for code in sorted(answer.route.responses))
        title = (
            f"{answer.described}: status {answer.status} is not the documented {listed} "
            f"for {answer.route.endpoint}"
        )
    return Finding("status_code_is_declared", title)


@response_check
def json_content_type(answer: Answer) -> Finding | None:
    declared, schema = answer.expected_schema()
    if not declared or schema is None:
        return None
    content_type = answer.headers.get("content-type")
    if content_type is not None and "json" in content_type.split(";")[0]:
        return None
    shown = "no Content-Type header" if content_type is None else f"Content-Type {content_type!r}"
    return Finding(
        "json_content_type",
        f"{answer.described}: a JSON body must be sent as application/json, not with {shown}",
    )


@response_check
def body_matches_schema(answer: Answer) -> Finding | None:
    declared, schema = answer.expected_schema()
    if not declared or schema is None:
        return None
    if len(answer.body) <= _MEMO_BODY_LIMIT:
        verdict = _memo_verdict(schema, answer.body)
    else:
        verdict = _verdict(schema, answer.body)
    if verdict is None:
        return None
    json_path, detail = verdict
    if json_path is None:
        return Finding(
            "body_matches_schema", f"{answer.described}: the body is not JSON", detail=detail
        )
    return Finding(
        "body_matches_schema",
        f"{answer.described}: the body does not match {schema}",
        json_path=json_path,
        detail=detail,
    )


def _verdict(schema: str, body: bytes) -> tuple[str | None, str] | None:
    """``None`` if ``body`` is JSON that matches ``schema``; else the JSON path of the problem
    (``None`` when the body is not JSON) and what is wrong."""
    try:
        document = json.loads(body)
    except ValueError:
        return None, body[:200].decode("utf-8", "replace")
    problem = schema_store.first_error(schema, document)
    return None if problem is None else (problem.json_path, problem.message)


# Validating a generation takes about half a millisecond, and a poll answers the same bytes as
# the poll before until the state changes: verdicts on small bodies are remembered.
_MEMO_BODY_LIMIT = 16 * 1024
_memo_verdict = lru_cache(maxsize=4096)(_verdict)


@response_check
def no_body_where_none_is_declared(answer: Answer) -> Finding | None:
    declared, schema = answer.expected_schema()
    if not declared or schema is not None or not answer.body:
        return None
    return Finding(
        "no_body_where_none_is_declared",
        f"{answer.described}: this status is documented without a body, but one was sent",
    )


def check_answer(answer: Answer, checks: Iterable[str] | None = None) -> list[Finding]:
    """Every finding of the named checks (all of them by default) on ``answer``."""
    names = RESPONSE_CHECKS if checks is None else checks
    findings = []
    for name in names:
        finding = RESPONSE_CHECKS[name](answer)
        if finding is not None:
            findings.append(finding)
    return findings


__all__ = ["RESPONSE_CHECKS", "Answer", "Finding", "check_answer", "response_check"]
