"""Who may use the control API under ``/_mockluma/``: the guard every control route sits behind.

A developer's mock is reachable from every web page the developer opens, and a shared one from
the whole network, so the control API (reset, clock, faults, journal, inboxes, dashboard) is
protected by default, in three ways:

- **No cross-site simple requests.** A browser sends a ``POST`` to another origin without
  asking first only when its body is a form or ``text/plain``. A state-changing call must
  therefore carry ``Content-Type: application/json`` or an ``X-Mockluma-*`` header (such as
  ``X-Mockluma-Admin: 1``, or the dashboard's ``X-Mockluma-Dashboard``); both
  make the browser ask first (a CORS preflight), and the mock never says yes (it sends no
  ``Access-Control-Allow-*`` header). ``PUT``, ``PATCH`` and ``DELETE`` always need that
  preflight, so they pass.
- **A Host allowlist**, against DNS rebinding (a page whose own name now points at 127.0.0.1):
  loopback names, the address the server is bound to, the in-process test host, and whatever
  ``--allowed-host`` adds (``*`` for any).
- **An admin token** (``--admin-token``, ``MOCKLUMA_ADMIN_TOKEN``): when set, every control
  call needs ``Authorization: Bearer <token>``, or the cookie :data:`TOKEN_COOKIE` holding it
  (``SameSite=Strict``: a browser sends it only with the mock's own pages, so a dashboard page
  can be opened by navigation). A browser navigation without the token gets a small page that
  holds no data and asks for the token once (it sets the cookie, and the dashboard's
  ``sessionStorage`` key, then reloads). A caller holding the token is trusted whatever its
  ``Host`` (a rebinding page cannot know the token). The health check
  (:data:`TOKEN_FREE_PATHS`) needs no token.

Storage hosts (presigned uploads, media downloads) and inboxes' receiving ``POST`` are not
control calls: real clients and the mock's own callback sender reach them without any of this.

:func:`control_refusal` is the check itself; :class:`ControlGuard` is the ASGI middleware that
applies it to every path under ``/_mockluma/`` (so routes added later, the dashboard's
included, are covered without doing anything).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mockluma.config import Config
from mockluma.web.errors import ApiError

ADMIN_PREFIX = "/_mockluma"
ADMIN_HEADER = b"x-mockluma-admin"
"""A header that makes any ``POST`` a non-simple request (so the browser asks first); any
header whose name starts with ``X-Mockluma-`` does."""
TOKEN_COOKIE = "mockluma_admin_token"
"""The cookie a browser may carry the admin token in (set by the token page)."""

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "mockluma.test", "testserver"})
"""Always-allowed ``Host`` names: loopback, the in-process callback host and Starlette's
test client's. (Any ``*.localhost`` name and any 127.0.0.0/8 address is loopback too.)"""

NOT_CONTROL = (
    f"{ADMIN_PREFIX}/media/",
    f"{ADMIN_PREFIX}/uploads/",
)
"""Paths under ``/_mockluma/`` that real clients use as they would a storage host."""

TOKEN_FREE_PATHS = (f"{ADMIN_PREFIX}/health",)
"""Paths readable (GET/HEAD) without the admin token: they hold no data. The Host allowlist
still applies."""

_SIMPLE_METHODS = frozenset({"POST"})
_READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class AdminPolicy:
    """What the guard allows, built from the configuration by :meth:`from_config`."""

    hosts: frozenset[str] = LOOPBACK_NAMES
    any_host: bool = False
    token: str | None = None

    @classmethod
    def from_config(cls, config: Config) -> AdminPolicy:
        hosts = set(LOOPBACK_NAMES) | {host.lower() for host in config.allowed_hosts}
        hosts.add(config.host.lower().strip("[]"))
        return cls(
            hosts=frozenset(hosts),
            any_host="*" in config.allowed_hosts,
            token=config.admin_token,
        )

    def host_allowed(self, host: str | None) -> bool:
        if host is None or self.any_host:
            return True  # no Host header (HTTP/1.0): no name to rebind
        name = _host_name(host)
        if name in self.hosts or name.endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False


def is_control_path(path: str) -> bool:
    """Whether ``path`` is a control call (guarded), as opposed to a storage path or an API."""
    if not (path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")):
        return False
    return not path.startswith(NOT_CONTROL)


def control_refusal(scope: Scope, policy: AdminPolicy) -> ApiError | None:
    """Why the control call in ``scope`` is refused (an ``{"error": ...}`` answer), or ``None``.

    Reusable by any route under ``/_mockluma/``; :class:`ControlGuard` applies it to them all.
    """
    headers = _headers(scope, (b"host", b"authorization", b"content-type", b"cookie", b"accept"))
    method: str = scope.get("method", "GET")
    path: str = scope.get("path", "")
    if _inbox_delivery(method, path):
        return None
    token_ok = False
    if policy.token is not None:
        token_ok = _bearer_matches(headers.get(b"authorization"), policy.token) or (
            _cookie_matches(headers.get(b"cookie"), policy.token)
        )
        token_free = method in _READ_METHODS and path.startswith(TOKEN_FREE_PATHS)
        if not token_ok and not token_free:
            if method in _READ_METHODS and "text/html" in headers.get(b"accept", ""):
                return _token_page()
            return ApiError(
                401,
                {
                    "error": "This mockluma server requires its admin token for control calls: "
                    "send 'Authorization: Bearer <token>' with the token given to "
                    "--admin-token (or MOCKLUMA_ADMIN_TOKEN)."
                },
                {"WWW-Authenticate": 'Bearer realm="mockluma"'},
            )
    if not token_ok and not policy.host_allowed(headers.get(b"host")):
        host = headers.get(b"host", "")
        return ApiError(
            403,
            {
                "error": f"Host {host!r} is not allowed to use the mockluma control API "
                "(protection against DNS rebinding). Use localhost or the address the server "
                "is bound to, or start it with --allowed-host NAME (MOCKLUMA_ALLOWED_HOSTS)."
            },
        )
    if method in _SIMPLE_METHODS and not _has_mockluma_header(scope):
        media_type = headers.get(b"content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            shown = media_type or "none"
            return ApiError(
                415,
                {
                    "error": f"Control calls that change state must send a JSON body with "
                    f"'Content-Type: application/json' (this one had {shown}), or the header "
                    "'X-Mockluma-Admin: 1'; that keeps web pages from calling them cross-site."
                },
            )
    return None


class ControlGuard:
    """ASGI middleware: every control call under ``/_mockluma/`` passes :func:`control_refusal`
    first. Other paths go straight through."""

    def __init__(self, app: ASGIApp, policy: AdminPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_control_path(scope.get("path", "")):
            refusal = control_refusal(scope, self.policy)
            if refusal is not None:
                await refusal.response()(scope, receive, send)
                return
        await self.app(scope, receive, send)


def loopback_bind(host: str) -> bool:
    """Whether ``host`` (a ``--host`` value) only accepts connections from this machine."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def exposure_refusal(config: Config) -> str | None:
    """Why ``serve`` must not start with ``config`` (a sentence saying how to proceed), or
    ``None``: a non-loopback address needs an admin token or an explicit opt-out."""
    if loopback_bind(config.host) or config.admin_token or config.unsafe_open_admin:
        return None
    return (
        f"--host {config.host} makes the control API (reset, clock, faults, the journal with "
        "its API keys) reachable from the network. Set an admin token with --admin-token TOKEN "
        "(or MOCKLUMA_ADMIN_TOKEN) and send it as 'Authorization: Bearer TOKEN', or pass "
        "--unsafe-open-admin if every machine that can reach this port is trusted."
    )


def mask_key(key: str | None) -> str | None:
    """``key`` with all but a hint hidden: ``luma…-key`` (first four, last four characters) for
    a long key, ``…ey`` for a short one."""
    if key is None:
        return None
    if len(key) >= 12:
        return f"{key[:4]}…{key[-4:]}"
    return f"…{key[-2:]}" if len(key) > 4 else "…"


def _inbox_delivery(method: str, path: str) -> bool:
    # An inbox receives callbacks as any webhook receiver does; recording them changes nothing
    # else in the mock.
    return method == "POST" and path.startswith(f"{ADMIN_PREFIX}/inbox/")


_TOKEN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mockluma: admin token</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto">
<h1>This mockluma server needs its admin token</h1>
<p>It was started with <code>--admin-token</code> (or <code>MOCKLUMA_ADMIN_TOKEN</code>).
Enter that token to open its control pages; this browser keeps it for the session.</p>
<form id="token"><input type="password" name="token" autocomplete="off" autofocus required>
<button>Open</button></form>
<script>
document.getElementById("token").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = new FormData(event.target).get("token").trim();
  sessionStorage.setItem("mockluma-admin-token", token);
  document.cookie = "TOKEN_COOKIE=" + encodeURIComponent(token) +
    "; path=/_mockluma; SameSite=Strict";
  location.reload();
});
</script></body></html>
""".replace("TOKEN_COOKIE", TOKEN_COOKIE)


class _TokenPage(ApiError):
    """The 401 a browser navigation gets: a page that asks for the token (and holds no data)."""

    def __init__(self) -> None:
        super().__init__(401, {"error": "admin token required"}, {"WWW-Authenticate": "Bearer"})

    def response(self) -> Response:
        return HTMLResponse(_TOKEN_PAGE, status_code=401, headers=self.headers)


def _token_page() -> ApiError:
    return _TokenPage()


def _has_mockluma_header(scope: Scope) -> bool:
    return any(bytes(name).startswith(b"x-mockluma-") for name, _ in scope.get("headers", ()))


def _cookie_matches(header: str | None, token: str) -> bool:
    if header is None:
        return False
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == TOKEN_COOKIE:
            return hmac.compare_digest(unquote(value).encode(), token.encode())
    return False


def _headers(scope: Scope, wanted: Sequence[bytes]) -> dict[bytes, str]:
    found: dict[bytes, str] = {}
    for name, value in scope.get("headers", ()):
        if name in wanted and name not in found:
            found[name] = bytes(value).decode("latin-1")
    return found


def _bearer_matches(header: str | None, token: str) -> bool:
    if header is None:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8000
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        return host.partition(":")[0]
    return host


__all__ = [
    "ADMIN_HEADER",
    "TOKEN_COOKIE",
    "TOKEN_FREE_PATHS",
    "AdminPolicy",
    "ControlGuard",
    "control_refusal",
    "exposure_refusal",
    "is_control_path",
    "loopback_bind",
    "mask_key",
]
