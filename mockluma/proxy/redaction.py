"""Secrets out of everything the proxy writes down, before it touches disk.

What counts as a secret: the headers that carry keys (``Authorization``,
``Ocp-Apim-Subscription-Key`` and the like), a key passed in the query (``subscription-key=``),
a Captures key wherever it is written as ``luma-api-key=...``, and the query strings of
presigned URLs (their signature is a key for a
while). A redacted key keeps its scheme and gets a label (``Bearer [redacted key-1]``), the
same for every use of the same key in one run, so that a replay can tell the key that worked
from the key that was refused without ever knowing either. Every key value seen is also
scrubbed from anything else recorded (a key echoed in an error message, say).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "ocp-apim-subscription-key",
        "x-api-key",
        "api-key",
        "cookie",
        "set-cookie",
    }
)
REDACTED = "[redacted]"
_LABELLED = re.compile(r"\[redacted[ +](key-\d+)\]")
_CAPTURES_KEY = re.compile(r"(luma-api-key=)([^\s&\"',;]+)", re.IGNORECASE)
_SCHEME = re.compile(
    r"^(\s*(?:bearer|basic|token|luma-api-key=)\s*)(.*)$", re.IGNORECASE | re.DOTALL
)
_URL = re.compile(r"https?://[^\s\"'<>]+")
# Query parameters that make a URL presigned (S3/GCS, CloudFront, Azure SAS, generic tokens).
_SIGNED = re.compile(
    r"^(x-amz-|x-goog-|signature$|sig$|token$|key-pair-id$|policy$|se$|sp$|sv$|st$|skoid$"
    r"|googleaccessid$|expires$)",
    re.IGNORECASE,
)
# Query parameters that carry an API key itself (Azure API Management, as in front of AppyPie,
# takes ``subscription-key``): labelled like a key in a header.
_KEY_PARAMETER = re.compile(
    r"^(subscription-key|api[-_]?key|access[-_]token|luma-api-key)$", re.IGNORECASE
)


class Redactor:
    """Redacts consistently for one run: the same key always gets the same label."""

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}

    @property
    def secrets(self) -> list[str]:
        return list(self._labels)

    def label(self, secret: str) -> str:
        """``key-N`` for ``secret``, the first one seen being ``key-1``."""
        if secret not in self._labels:
            self._labels[secret] = f"key-{len(self._labels) + 1}"
        return self._labels[secret]

    def header(self, name: str, value: str) -> str:
        """``value`` as it may be written down under header ``name``."""
        if name.lower() in SECRET_HEADERS:
            match = _SCHEME.match(value)
            scheme, secret = (match.group(1), match.group(2)) if match else ("", value)
            secret = secret.strip()
            if not secret:
                return value  # an empty key hides nothing, and its shape is the point
            return f"{scheme}[redacted {self.label(secret)}]"
        return self.text(value)

    def headers(self, pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
        """Redacted headers, lower-case names (repeated ones joined by a comma)."""
        out: dict[str, str] = {}
        for name, value in pairs:
            name = name.lower()
            shown = self.header(name, value)
            out[name] = f"{out[name]}, {shown}" if name in out else shown
        return out

    def text(self, value: str) -> str:
        """``value`` with Captures keys, known keys and presigned query strings hidden."""
        value = _CAPTURES_KEY.sub(
            lambda m: f"{m.group(1)}[redacted {self.label(m.group(2))}]", value
        )
        for secret in self._labels:
            if len(secret) >= 8 and secret in value:
                value = value.replace(secret, f"[redacted {self._labels[secret]}]")
        return _URL.sub(lambda m: url(m.group(0)), value) if "://" in value else value

    def query(self, query: str) -> str:
        """A request's query string with keys labelled and signing parameters hidden."""
        if not query:
            return query
        pairs = parse_qsl(query, keep_blank_values=True)
        if not any(_SIGNED.match(name) or _KEY_PARAMETER.match(name) for name, _ in pairs):
            return self.text(query)
        hidden = []
        for name, value in pairs:
            if _KEY_PARAMETER.match(name) and value:
                value = f"[redacted {self.label(value)}]"
            elif _SIGNED.match(name):
                value = REDACTED
            else:
                value = self.text(value)
            hidden.append((name, value))
        return urlencode(hidden, safe="[] ")

    def json(self, document: Any) -> Any:
        """``document`` with every string redacted as :meth:`text` does."""
        if isinstance(document, str):
            return self.text(document)
        if isinstance(document, list):
            return [self.json(item) for item in document]
        if isinstance(document, dict):
            return {key: self.json(item) for key, item in document.items()}
        return document


def url(value: str) -> str:
    """``value`` with its query's signing parameters hidden (other URLs unchanged)."""
    parts = urlsplit(value)
    if not parts.query:
        return value
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(_SIGNED.match(name) for name, _ in pairs):
        return value
    hidden = [(name, REDACTED if _SIGNED.match(name) else v) for name, v in pairs]
    return urlunsplit(parts._replace(query=urlencode(hidden, safe="[]")))


def labels_in(value: str) -> list[str]:
    """The key labels (``key-1``...) a redacted value carries."""
    return _LABELLED.findall(value)


__all__ = ["REDACTED", "SECRET_HEADERS", "Redactor", "labels_in", "url"]
