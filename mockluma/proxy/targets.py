"""Where the proxy forwards each surface: the real APIs by default, or any ``--target``.

A request reaches the proxy at one of the prefixes ``mockluma serve`` answers under; it goes to
the target of the surface that owns the prefix, with the prefix swapped for the target's URL. A
surface with further mounts (AppyPie polls under ``/lumalabs-ai-polling/v1``) finds them beside
its main prefix on the target's host, as :func:`mockluma.contracts.runner.mount_urls` does.

The defaults are each surface's own :attr:`~mockluma.surfaces.Surface.real_base_url` (from the
surface registry); a surface that names none is forwarded only when given a ``--target``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import httpx

from mockluma.schemas.route_schemas import RouteMap, route_map
from mockluma.surfaces import Surface
from mockluma.web import UPLOADS_PATH, Dialect

EVERY_SURFACE = "all"
"""``--target all=http://host:port``: every surface at its own prefix on one server (another
mockluma, or a gateway that mirrors the paths)."""


class TargetError(ValueError):
    """A ``--target`` that names no surface or is not an http(s) URL."""


@dataclass(frozen=True, slots=True)
class Mount:
    """One prefix the proxy answers under, and where it sends what arrives there."""

    prefix: str
    surface: Surface
    upstream: str
    """Base URL the rest of the path is appended to (no trailing slash)."""
    routes: RouteMap
    mount: str | None
    """The route map's name for this prefix (``None``: the surface's main prefix)."""

    @property
    def dialect(self) -> Dialect:
        return self.surface.dialect

    @property
    def name(self) -> str:
        return self.surface.name


def parse_targets(values: Iterable[str], known: Iterable[str]) -> dict[str, str]:
    """``["dream-machine=https://...", ...]`` as a mapping, each name a surface or ``all``."""
    names = set(known) | {EVERY_SURFACE}
    targets: dict[str, str] = {}
    for value in values:
        name, sep, url = value.partition("=")
        name, url = name.strip(), url.strip()
        if not sep or not url:
            raise TargetError(f"--target {value!r} must be NAME=URL, such as dream-machine=URL.")
        if name not in names:
            raise TargetError(
                f"--target names {name!r}, which is not a surface; use one of "
                f"{', '.join(sorted(names))}."
            )
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise TargetError(
                f"--target {name}={url}: the URL must start with http:// or https://."
            )
        targets[name] = url.rstrip("/")
    return targets


def build_mounts(surfaces: Sequence[Surface], targets: Mapping[str, str]) -> list[Mount]:
    """Every prefix of every surface with its upstream, longest prefix first (so that
    ``/v1/luma-ai`` is UmamiAI's, not the Agents API's). A surface with neither a target nor a
    real base URL is left out."""
    everything = targets.get(EVERY_SURFACE)
    mounts: list[Mount] = []
    for surface in surfaces:
        main = targets.get(surface.name)
        for prefix in surface.prefixes:
            if prefix.startswith(UPLOADS_PATH):
                # A storage host: clients reach it at the signed URLs the API hands out, which
                # point at the upstream's storage, not at the proxy.
                continue
            if main is not None:
                # A surface's other mounts sit beside its main one on the same host.
                upstream = main.removesuffix(surface.prefix) + prefix
                if prefix == surface.prefix:
                    upstream = main
            elif everything is not None:
                upstream = everything + prefix
            else:
                real = surface.real_url(prefix)
                if real is None:
                    continue
                upstream = real
            mount = None if prefix == surface.prefix else prefix
            mounts.append(Mount(prefix, surface, upstream, route_map(surface.name), mount))
    mounts.sort(key=lambda mount: -len(mount.prefix))
    return mounts


def find_mount(mounts: Sequence[Mount], path: str) -> Mount | None:
    for mount in mounts:
        if path == mount.prefix or path.startswith(mount.prefix + "/"):
            return mount
    return None


__all__ = [
    "EVERY_SURFACE",
    "Mount",
    "TargetError",
    "build_mounts",
    "find_mount",
    "parse_targets",
]
