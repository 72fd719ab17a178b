"""Exchanges written down as recordings, in the ``fixtures/recorded/`` format, and read back.

A recording is one JSON file per exchange, under ``DIR/<surface>/``, named by its sequence
number so that a directory listing is the order things happened in. It has the keys every file
in ``fixtures/recorded/`` has (``source``, ``endpoint``, ``status``, ``schema``, ``expect``,
``body``) and, beside them, what a replay needs: the request (method, path, query, headers,
body) and the response's headers, type and size.

Everything goes through a :class:`~mockluma.proxy.redaction.Redactor` before it is written:
no key, signature or presigned query reaches the disk. Media bodies (anything that is not JSON
or text) are not stored, only their type and size, unless ``media_cap`` allows them: then a body
up to that many bytes is written beside the recording, under ``media/``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mockluma.proxy.inspection import Exchange
from mockluma.proxy.redaction import Redactor
from mockluma.schemas.route_schemas import RouteMap

TEXT_LIMIT = 64 * 1024
"""A text body (HTML error page, plain text) is kept up to this many characters."""
FORMAT = "mockluma-proxy/1"


class RecordingError(ValueError):
    """A directory or file that is not a recording the proxy wrote."""


@dataclass(frozen=True, slots=True)
class Recording:
    path: Path
    document: dict[str, Any]

    @property
    def surface(self) -> str:
        return str(self.document["surface"])

    @property
    def sequence(self) -> int:
        return int(self.document["sequence"])

    @property
    def request(self) -> dict[str, Any]:
        request: dict[str, Any] = self.document["request"]
        return request

    @property
    def status(self) -> int:
        return int(self.document["status"])

    @property
    def body(self) -> Any:
        return self.document.get("body")

    def to_exchange(self) -> Exchange:
        """The exchange again, as far as it was written down (media bodies are not)."""
        request = self.request
        response = self.document.get("response") or {}
        body = self.body
        if body is not None:
            raw = json.dumps(body).encode()
            complete = True
        else:
            text = response.get("text")
            raw = text.encode() if isinstance(text, str) else b""
            complete = isinstance(text, str) or not response.get("size")
        headers = dict(response.get("headers") or {})
        headers.pop("content-encoding", None)  # bodies are written decoded
        headers.pop("content-length", None)
        request_body = request.get("body")
        sent = (
            json.dumps(request_body).encode()
            if request_body is not None
            else str(request.get("text") or "").encode()
        )
        return Exchange(
            sequence=self.sequence,
            surface=self.surface,
            mount=request.get("mount"),
            method=request["method"],
            path=request["path"],
            query=request.get("query", ""),
            request_headers=list((request.get("headers") or {}).items()),
            request_body=sent,
            request_complete=request.get("complete", True),
            status=self.status,
            response_headers=list(headers.items()),
            response_body=raw,
            response_size=int(response.get("size") or len(raw)),
            response_complete=complete,
            upstream=str(self.document.get("upstream", "")),
            failure=str(self.document.get("failure", "")),
        )


class Recorder:
    """Writes each exchange to ``directory`` as it completes."""

    def __init__(
        self,
        directory: Path,
        route_maps: dict[str, RouteMap],
        redactor: Redactor,
        *,
        media_cap: int = 0,
    ) -> None:
        self.directory = directory
        self._maps = route_maps
        self._redactor = redactor
        self.media_cap = media_cap
        self.written = 0
        directory.mkdir(parents=True, exist_ok=True)
        self.last_sequence = max(
            (int(path.name.split("-", 1)[0]) for path in directory.glob("*/[0-9]*-*.json")),
            default=0,
        )
        """The highest sequence number already in ``directory``: a second run into the same
        directory numbers on from there, so nothing is overwritten and the order holds."""

    def record(self, exchange: Exchange) -> Path:
        redact = self._redactor
        # Keys first, so that the label of each is known before any other text is scrubbed.
        request_headers = redact.headers(exchange.request_headers)
        query = redact.query(exchange.query)
        routes = self._maps[exchange.surface]
        route = routes.find(exchange.method, exchange.path, exchange.mount)
        endpoint = route.endpoint if route else f"{exchange.method} {exchange.shown_path}"
        schema = None
        if exchange.status >= 400:
            schema = routes.error
        elif route is not None:
            schema = route.responses.get(exchange.status)
        started = datetime.fromtimestamp(exchange.started_at, UTC).isoformat(
            timespec="milliseconds"
        )
        response: dict[str, Any] = {
            "headers": redact.headers(exchange.response_headers),
            "content_type": exchange.content_type(),
            "size": exchange.response_size,
        }
        body: Any = None
        decoded = exchange.decoded_body() if exchange.response_complete else None
        if exchange.is_json() and decoded is not None:
            try:
                body = redact.json(json.loads(decoded))
            except ValueError:
                response["text"] = redact.text(decoded[:TEXT_LIMIT].decode("utf-8", "replace"))
        elif _is_text(exchange.content_type()) and decoded is not None:
            response["text"] = redact.text(decoded[:TEXT_LIMIT].decode("utf-8", "replace"))
        elif exchange.response_size:
            response["media"] = self._media(exchange, decoded)
        document: dict[str, Any] = {
            "source": f"recorded by mockluma proxy from {exchange.upstream} at {started}",
            "endpoint": endpoint,
            "status": exchange.status,
            "schema": schema.split("/", 1)[1] if schema else None,
            "expect": "valid",
            "body": body,
            "format": FORMAT,
            "surface": exchange.surface,
            "sequence": exchange.sequence,
            "recorded_at": started,
            "seconds": round(exchange.seconds, 4),
            "upstream": redact.text(exchange.upstream),
            "request": self._request(exchange, request_headers, query),
            "response": response,
        }
        if exchange.failure:
            document["failure"] = redact.text(exchange.failure)
        path = self._path(exchange)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        self.written += 1
        return path

    def _request(self, exchange: Exchange, headers: dict[str, str], query: str) -> dict[str, Any]:
        redact = self._redactor
        request: dict[str, Any] = {
            "method": exchange.method,
            "mount": exchange.mount,
            "path": redact.text(exchange.path),
            "query": query,
            "headers": headers,
            "complete": exchange.request_complete,
        }
        document = exchange.request_json()
        if document is not None:
            request["body"] = redact.json(document)
        elif exchange.request_body and _is_text(exchange.content_type(response=False)):
            request["text"] = redact.text(
                exchange.request_body[:TEXT_LIMIT].decode("utf-8", "replace")
            )
        elif exchange.request_body:
            request["size"] = len(exchange.request_body)
        return request

    def _media(self, exchange: Exchange, body: bytes | None) -> dict[str, Any]:
        media: dict[str, Any] = {"stored": None}
        if not self.media_cap:
            media["why"] = "media bodies are not stored without --record-media"
        elif body is None or len(body) != exchange.response_size:
            media["why"] = f"larger than the --record-media cap of {self.media_cap} bytes"
        else:
            folder = self.directory / exchange.surface / "media"
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{exchange.sequence:06d}.bin"
            target.write_bytes(body)
            media["stored"] = target.relative_to(self.directory).as_posix()
        return media

    def _path(self, exchange: Exchange) -> Path:
        folder = self.directory / exchange.surface
        folder.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-zA-Z0-9]+", "-", exchange.shown_path).strip("-")[:60] or "root"
        return folder / f"{exchange.sequence:06d}-{exchange.method.lower()}-{slug}.json"


def _is_text(content_type: str) -> bool:
    return content_type.startswith("text/") or content_type in (
        "application/x-www-form-urlencoded",
        "application/xml",
    )


def load(directory: Path) -> list[Recording]:
    """Every recording the proxy wrote under ``directory``, in the order they happened."""
    if not directory.is_dir():
        raise RecordingError(f"{directory} is not a directory of recordings.")
    found = []
    for path in sorted(directory.glob("*/*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise RecordingError(f"{path} is not JSON: {exc}.") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            continue  # a hand-made fixture (fixtures/recorded/): no request to replay
        found.append(Recording(path, document))
    if not found:
        raise RecordingError(
            f"{directory} holds no recordings made by `mockluma proxy --record` "
            "(files <surface>/<n>-<method>-<path>.json)."
        )
    found.sort(key=lambda recording: recording.sequence)
    return found


__all__ = ["FORMAT", "Recorder", "Recording", "RecordingError", "load"]
