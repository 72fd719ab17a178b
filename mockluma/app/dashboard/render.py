"""How the dashboard writes things: the templates and their filters, journal rows, bodies
and ``curl`` commands. Plain functions of their inputs; the pages call them."""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import escape
from starlette.templating import Jinja2Templates

from mockluma.engine.journal import Exchange
from mockluma.surfaces import Surface

HERE = Path(__file__).parent

# How each API's clients send their key, for "copy as curl" (the journal keeps the key, not the
# headers). Every API not named here takes a bearer token.
_KEY_HEADERS = {
    "appypie": ("Ocp-Apim-Subscription-Key", "{key}"),
    "captures": ("Authorization", "luma-api-key={key}"),
}

templates = Jinja2Templates(directory=HERE / "templates")
templates.env.auto_reload = False  # shipped templates never change: no stat() per render


def clock_text(seconds: float) -> str:
    """A simulated instant as people read it, to the millisecond, in UTC."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d} UTC"


def duration(seconds: float) -> str:
    """``4.2 s``, ``3 min 5 s``, ``2 h 1 min``: short and exact enough to read at a glance."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    return f"{hours // 24} d {hours % 24} h"


def pretty(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False)


templates.env.filters["clock"] = clock_text
templates.env.filters["duration"] = duration
templates.env.filters["pretty"] = pretty


def journal_row(entry: Exchange, admin: str, surface: Surface | None) -> str:
    link = f"{escape(admin)}/ui/journal/{entry.sequence}"
    target = escape(entry.path + (f"?{entry.query}" if entry.query else ""))
    badge = "ok" if entry.status < 400 else "bad"
    return (
        f'<tr data-sequence="{entry.sequence}"><td><a href="{link}">{entry.sequence}</a></td>'
        f"<td>{clock_text(entry.at)}</td><td>{surface.name if surface else ''}</td>"
        f"<td>{escape(entry.method)}</td>"
        f'<td><a href="{link}"><code>{target}</code></a></td>'
        f'<td><span class="badge {badge}">{entry.status}</span></td>'
        f"<td><code>{escape(entry.api_key or '—')}</code></td></tr>\n"
    )


def body_view(raw: bytes, parsed: Any, content_type: str = "") -> dict[str, Any]:
    """A recorded body, ready to show: pretty JSON, else text, else its size."""
    if not raw:
        return {"kind": "empty", "text": ""}
    if parsed is not None:
        return {"kind": "json", "text": pretty(parsed)}
    if content_type and not content_type.startswith(("text/", "application/")):
        return {"kind": "binary", "text": f"{len(raw)} bytes of {content_type}"}
    return {"kind": "text", "text": raw.decode("utf-8", "replace")}


def attempt_body(body: bytes) -> str:
    try:
        return pretty(json.loads(body))
    except ValueError:
        return body.decode("utf-8", "replace")


def curl(base_url: str, entry: Exchange, surface: Surface | None) -> str:
    """A ``curl`` command that repeats the request (the key header as the API expects it)."""
    url = f"{base_url.rstrip('/')}{entry.path}" + (f"?{entry.query}" if entry.query else "")
    parts = ["curl"]
    if entry.method != "GET":
        parts += ["-X", entry.method]
    parts.append(shlex.quote(url))
    if entry.api_key:
        name, value = _KEY_HEADERS.get(
            surface.name if surface is not None else "", ("Authorization", "Bearer {key}")
        )
        parts += ["-H", shlex.quote(f"{name}: {value.format(key=entry.api_key)}")]
    if entry.request_body:
        if entry.request_json() is not None:
            parts += ["-H", shlex.quote("Content-Type: application/json")]
        parts += ["--data-raw", shlex.quote(entry.request_body.decode("utf-8", "replace"))]
    return " ".join(parts)
