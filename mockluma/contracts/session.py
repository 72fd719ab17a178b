"""What a check talks to: one surface of one target, through :class:`Session`.

Every response a check receives goes through the route map's response checks
(:mod:`mockluma.schemas.conformance`) before the check sees it, so each check only adds what is
particular to it. The session also keeps what checks share: the budget, the pacing of polls
(simulated time on the in-process mock, the wall clock on a server), and resources such as the
one generation that many checks reuse.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import httpx

from mockluma.errors import CheckFailed, CheckSkipped
from mockluma.schemas.conformance import Answer, Finding, ResponseCheck, check_answer
from mockluma.schemas.route_schemas import RouteMap

T = TypeVar("T")


class Pacer(Protocol):
    """Lets time pass between two polls."""

    live: bool

    def wait(self, seconds: float) -> None: ...


@dataclass(slots=True)
class SimulatedPacer:
    """Moves the in-process mock's clock: no waiting on the wall clock."""

    advance: Callable[[float], object]
    live: bool = False

    def wait(self, seconds: float) -> None:
        self.advance(seconds)


@dataclass(slots=True)
class WallPacer:
    """Sleeps between polls of a real server; ``interval`` overrides the check's own pace."""

    interval: float | None = None
    live: bool = True

    def wait(self, seconds: float) -> None:
        pause = seconds if self.interval is None else self.interval
        if pause > 0:
            time.sleep(pause)


@dataclass(slots=True)
class Budget:
    """What a run may spend, in US cents; ``None`` means unlimited (the mock costs nothing)."""

    limit: float | None
    spent: float = 0.0
    items: list[tuple[str, float]] = field(default_factory=list)

    def left(self) -> float | None:
        return None if self.limit is None else max(0.0, self.limit - self.spent)

    def allows(self, cents: float) -> bool:
        left = self.left()
        return left is None or cents <= left + 1e-9

    def charge(self, what: str, cents: float) -> None:
        self.spent = round(self.spent + cents, 4)
        self.items.append((what, cents))


@dataclass(frozen=True, slots=True)
class Reply:
    """A response, as a check sees it."""

    method: str
    path: str
    status: int
    headers: httpx.Headers
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)

    def body(self) -> dict[str, Any]:
        """The body as a JSON object (a check only calls this once the schema check passed)."""
        document = self.json()
        if not isinstance(document, dict):
            raise CheckFailed(
                [Finding("json_object", f"{self.method} {self.path}: expected a JSON object")]
            )
        return document


class Session:
    """One surface of one target, for one run of its checks."""

    def __init__(
        self,
        *,
        surface: str,
        routes: RouteMap,
        client: httpx.Client,
        downloads: httpx.Client,
        api_key: str,
        pacer: Pacer,
        budget: Budget,
        timeout: float,
        auth_header: tuple[str, str] = ("Authorization", "Bearer {key}"),
        response_checks: Sequence[ResponseCheck] = (),
        mounts: Mapping[str, str] | None = None,
    ) -> None:
        self.surface = surface
        self.routes = routes
        self.client = client
        self.downloads = downloads
        self.api_key = api_key
        self.pacer = pacer
        self.budget = budget
        self.timeout = timeout
        self.auth_header = auth_header
        """The header that carries the key, and its value with ``{key}`` for the key."""
        self.response_checks = tuple(response_checks)
        """Checks every response of the surface gets besides the route map's."""
        self.mounts = dict(mounts or {})
        """The absolute base URL of each of the surface's other mounts (AppyPie polls under
        ``/lumalabs-ai-polling/v1``), by mount prefix as in the route map."""
        self.current = ""
        """The name of the check being run (it names the findings of ``expect``)."""
        self._shared: dict[str, tuple[bool, Any]] = {}

    @property
    def live(self) -> bool:
        """True when the target is a server, possibly a paid API (not the in-process mock)."""
        return self.pacer.live

    # -- requests ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        authenticate: bool = True,
        expect: int | tuple[int, ...] | None = None,
        mount: str | None = None,
    ) -> Reply:
        """Send a request to the surface and check the response against the route map.

        ``path`` is relative to the surface's main base URL, or to ``mount`` (one of the route
        map's other mounts) when given. ``params`` may repeat a name as a list of pairs.
        ``expect`` is the status (or statuses) the contract requires; anything else fails the
        check, as does any finding of the route map's response checks.
        """
        sent_headers = dict(headers or {})
        key_header, template = self.auth_header
        if authenticate and key_header.lower() not in {name.lower() for name in sent_headers}:
            sent_headers[key_header] = template.format(key=self.api_key)
        if json_body is not None:
            content = json.dumps(json_body).encode()
            sent_headers.setdefault("Content-Type", "application/json")
        url = path if mount is None else self._mount_url(mount) + path
        query = params if params is None or isinstance(params, Mapping) else tuple(params)
        response = self.client.request(
            method, url, content=content, params=query, headers=sent_headers
        )
        shown = (mount or "") + path
        reply = Reply(method, shown, response.status_code, response.headers, response.content)
        answer = Answer(
            method=method,
            path=shown,
            status=reply.status,
            headers={name.lower(): value for name, value in response.headers.items()},
            body=reply.content,
            route=self.routes.find(method, path, mount),
            error_schema=self.routes.error,
        )
        findings = check_answer(answer)
        findings += [found for check in self.response_checks if (found := check(answer))]
        allowed = (expect,) if isinstance(expect, int) else expect
        if allowed is not None and reply.status not in allowed:
            wanted = " or ".join(str(code) for code in allowed)
            title = f"{answer.described}: expected status {wanted}"
            if method != "GET" and reply.status < 300 and min(allowed) >= 400:
                title += (
                    "; the request was accepted although the contract says it is refused, so on"
                    " a live API it may have started billable work"
                )
            excerpt = reply.content[:300].decode("utf-8", "replace")
            findings.insert(0, Finding(self.current, title, detail=excerpt))
        if findings:
            raise CheckFailed(findings)
        return reply

    def _mount_url(self, mount: str) -> str:
        if mount not in self.mounts:
            raise KeyError(f"{self.surface} has no mount {mount!r}; known: {sorted(self.mounts)}.")
        return self.mounts[mount]

    def download(self, url: str) -> httpx.Response:
        """GET an asset URL without the API key (assets live on a CDN that needs none)."""
        return self.downloads.get(url)

    def upload(
        self,
        url: str,
        content: bytes,
        *,
        headers: Mapping[str, str] | None = None,
        method: str = "PUT",
        expect: tuple[int, ...] = tuple(range(200, 300)),
    ) -> httpx.Response:
        """Send ``content`` to a signed upload URL, without the API key (the signature is the
        permission). When the URL is under one of the route map's mounts (the mock's stand-in
        for Captures' storage host), its answer is checked against the route map too; any other
        storage host is held to ``expect`` only.
        """
        response = self.downloads.request(method, url, content=content, headers=headers)
        findings = []
        where = httpx.URL(url).path
        for mount in sorted(filter(None, self.routes.mounts), key=len, reverse=True):
            if where.startswith(mount + "/"):
                path = where.removeprefix(mount)
                answer = Answer(
                    method=method,
                    path=path,
                    status=response.status_code,
                    headers={name.lower(): value for name, value in response.headers.items()},
                    body=response.content,
                    route=self.routes.find(method, path, mount),
                    error_schema=self.routes.error,
                )
                findings = check_answer(answer)
                break
        if response.status_code not in expect:
            excerpt = response.content[:300].decode("utf-8", "replace")
            title = f"{method} of the file to its upload URL answered {response.status_code}"
            findings.insert(0, Finding(self.current, title, detail=excerpt))
        if findings:
            raise CheckFailed(findings)
        return response

    # -- verdicts ---------------------------------------------------------------------------

    def fail(self, title: str, json_path: str = "$", detail: str = "") -> CheckFailed:
        """The failure of the current check (raise it)."""
        return CheckFailed([Finding(self.current, title, json_path, detail)])

    def expect(self, condition: bool, title: str, json_path: str = "$", detail: str = "") -> None:
        """Fail the current check with ``title`` unless ``condition`` holds."""
        if not condition:
            raise self.fail(title, json_path, detail)

    def expect_equal(self, actual: Any, expected: Any, what: str, json_path: str) -> None:
        self.expect(
            actual == expected,
            f"{what}: expected {json.dumps(expected)}, got {json.dumps(actual)}",
            json_path,
        )

    # -- spending and sharing ---------------------------------------------------------------

    def spend(self, what: str, cents: float) -> None:
        """Reserve ``cents`` for ``what`` or skip the check if the budget does not cover it."""
        if not self.budget.allows(cents):
            left = self.budget.left()
            raise CheckSkipped(
                f"{what} would cost about {cents:.2f}¢ and the budget has {left:.2f}¢ left; "
                "raise --budget-cents to run it."
            )
        self.budget.charge(what, cents)

    def shared(self, key: str, make: Callable[[], T]) -> T:
        """``make()`` the first time ``key`` is asked for, then the same value (or the same
        skip) for every later check: one generation serves many checks."""
        if key not in self._shared:
            try:
                self._shared[key] = (True, make())
            except (CheckFailed, CheckSkipped) as exc:
                self._shared[key] = (False, f"{key} is not available: {exc}")
                raise
        ok, value = self._shared[key]
        if not ok:
            raise CheckSkipped(str(value))
        result: T = value
        return result


__all__ = ["Budget", "Pacer", "Reply", "Session", "SimulatedPacer", "WallPacer"]
