"""Generations declared in a scenario file, made when a server starts with an empty state.

A scenario's ``generations`` list says, per API: the key, the state, the prompt, the model and
an optional failure kind (``count`` repeats an entry). Each one is created through its API's own
create endpoint, in-process (so it is exactly what a client would have made: its id, request
echo, price and media), then moved straight to the declared state on the engine. Declared state
is for a start from nothing: a server that restored a ``--state`` file or loaded a snapshot
keeps what it holds.

The request each API is sent is the one table here (:data:`CREATES`); an API without an entry
cannot be declared (Captures: a capture is not a generation).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.types import ASGIApp

from mockluma.engine.jobs import Phase
from mockluma.errors import ConfigError
from mockluma.surfaces import Context

_PHASES = {
    "queued": Phase.QUEUED,
    "running": Phase.RUNNING,
    "completed": Phase.SUCCEEDED,
    "failed": Phase.FAILED,
}


@dataclass(frozen=True, slots=True)
class Create:
    """How to create one generation on an API: path, body, headers, where the id is."""

    path: Callable[[str | None], str]
    body: Callable[[str, str | None], dict[str, Any]]
    headers: Callable[[str], dict[str, str]]
    id_field: str


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _with_model(body: dict[str, Any], model: str | None) -> dict[str, Any]:
    return body if model is None else {**body, "model": model}


CREATES: Mapping[str, Create] = {
    "dream-machine": Create(
        lambda model: (
            "/dream-machine/v1/generations/"
            + ("image" if (model or "").startswith("photon") else "video")
        ),
        lambda prompt, model: {"prompt": prompt, "model": model or "ray-2"},
        _bearer,
        "id",
    ),
    "agents": Create(
        lambda model: "/v1/generations",
        lambda prompt, model: _with_model({"prompt": prompt}, model),
        _bearer,
        "id",
    ),
    "umami": Create(
        lambda model: "/v1/luma-ai/generations",
        lambda prompt, model: {"user_prompt": prompt},
        _bearer,
        "id",
    ),
    "appypie": Create(
        lambda model: "/lumalabs-ai/v1/generate",
        lambda prompt, model: {"prompt": prompt},
        lambda key: {"Ocp-Apim-Subscription-Key": key},
        "requestId",
    ),
}


def declare(app: ASGIApp, ctx: Context) -> int:
    """Create ``ctx.config.generations`` if the state is empty; returns how many were made.
    Raises :class:`ConfigError` naming the entry that could not be made."""
    declared = ctx.config.generations
    if not declared or any(True for _ in ctx.simulation.accounts()):
        return 0
    failures = {surface.name: surface.failures for surface in ctx.surfaces}
    for index, entry in enumerate(declared):
        kind = entry.get("failure")
        if kind is not None and kind not in failures.get(entry["api"], {}):
            known = ", ".join(sorted(failures.get(entry["api"], {})))
            raise ConfigError(
                f"generations[{index}]: {entry['api']} has no failure kind {kind!r}; "
                f"use one of {known}."
            )
    outcome: list[BaseException | int] = []
    # Its own thread and event loop: the caller may be inside a running loop (an async test).
    worker = threading.Thread(target=lambda: outcome.append(_run(app, ctx)), daemon=True)
    worker.start()
    worker.join()
    result = outcome[0] if outcome else ConfigError("declaring the generations failed.")
    if isinstance(result, BaseException):
        raise result
    ctx.journal.clear()  # the start-up requests are not the user's
    return result


def _run(app: ASGIApp, ctx: Context) -> BaseException | int:
    try:
        return asyncio.run(_create_all(app, ctx))
    except BaseException as exc:  # handed to the calling thread
        return exc


async def _create_all(app: ASGIApp, ctx: Context) -> int:
    simulation = ctx.simulation
    limiter_was = simulation.limiter.enabled
    simulation.limiter.enabled = False  # 30 generations at once are not a client's burst
    rules = ctx.faults.states()
    ctx.faults.clear()  # the scenario's fault rules are for clients, not for its own history
    made = 0
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mockluma.test") as http:
            for index, entry in enumerate(ctx.config.generations):
                api = entry["api"]
                create = CREATES[api]
                model = entry.get("model")
                for _ in range(entry.get("count", 1)):
                    answer = await http.post(
                        create.path(model),
                        json=create.body(entry["prompt"], model),
                        headers=create.headers(entry["api_key"]),
                    )
                    if answer.status_code not in (200, 201):
                        raise ConfigError(
                            f"generations[{index}]: {api} refused it with "
                            f"{answer.status_code}: {answer.text[:200]}"
                        )
                    job = simulation.get(api, entry["api_key"], answer.json()[create.id_field])
                    phase = _PHASES[entry["state"]]
                    kind = entry.get("failure") or "job"
                    failure = ctx_failure(ctx, api, kind) if phase is Phase.FAILED else None
                    simulation.settle(job, phase, failure)
                    made += 1
    finally:
        simulation.limiter.enabled = limiter_was
        ctx.faults.load(rules)
    return made


def ctx_failure(ctx: Context, api: str, kind: str) -> Any:
    for surface in ctx.surfaces:
        if surface.name == api:
            return surface.failures[kind]
    raise ConfigError(f"No API is named {api!r}.")
