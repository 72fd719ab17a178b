"""Which hosts a ``callback_url`` may point at.

The mock POSTs to whatever URL a client names, so on a shared server a callback URL is a way to
make the mock send requests into its own network. By default a target may be a loopback or
public host, or a host name (the mock does not resolve names when it checks); private,
link-local and reserved addresses are refused, since a developer's own receiver is on
localhost and a public one is public. A shared server narrows this to a list of hosts
(``--callback-hosts``, ``*.example.com`` for a domain and its subdomains).

Surfaces refuse a bad target when the job is created, in their own dialect.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from urllib.parse import urlsplit

IN_PROCESS_HOST = "mockluma.test"
"""The in-process pseudo-host the mock delivers to without a socket; always allowed."""


def target_refusal(url: str, allowed: frozenset[str] | None) -> str | None:
    """Why callbacks may not go to ``url`` (a sentence), or ``None`` when they may."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None  # a malformed URL is the surface's validation's to refuse
    if not host or host == IN_PROCESS_HOST:
        return None
    if allowed is not None:
        if "*" in allowed or any(_matches(host, pattern) for pattern in allowed):
            return None
        return (
            f"callback_url host {host!r} is not allowed on this server; allowed hosts: "
            f"{', '.join(sorted(allowed))} (set with --callback-hosts)."
        )
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: not resolved here
    if address.is_loopback or address.is_global:
        return None
    return (
        f"callback_url host {host} is a private, link-local or reserved address; the mock only "
        "calls loopback and public hosts unless it is started with --callback-hosts naming it."
    )


def _matches(host: str, pattern: str) -> bool:
    pattern = pattern.lower()
    if pattern.startswith("*."):
        return host == pattern[2:] or fnmatch.fnmatchcase(host, pattern)
    return host == pattern
