"""The whole state as one JSON document, and back; and the batches a store saves.

One encoding serves everything: ``GET/PUT /_mockluma/state``, ``serve --load-state``,
``MockLuma.snapshot()``/``load_state()`` and the SQLite store, which saves the same pieces row
by row. The document (``schemas/mockluma/state.json`` describes it) holds, at
:data:`FORMAT_VERSION`:

- ``seed``, ``epoch`` (resets so far: ids never repeat) and the ``clock``'s time;
- ``accounts``: per surface and API key, the balance, the id counter, every job with its
  planned timeline, and the surface's own records (uploaded files, captures);
- ``limits``: the limits in force and each key's rate-limit windows;
- ``faults`` (rules with their counters), ``callbacks`` (the attempt log), ``inboxes``.

Not in it: the journal, and callback deliveries still waiting to be made (a loaded state sends
the updates of the jobs' *next* transitions). Loading decodes everything first and changes the
running state only once all of it decoded, so a bad document never overwrites a good state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockluma.engine.callbacks import Attempt, CallbackDispatcher, Inbox, Received
from mockluma.engine.changes import ChangeTracker
from mockluma.engine.clock import ManualClock, RealClock
from mockluma.engine.fault_rules import parse_rule
from mockluma.engine.faults import FaultBook, RuleError, RuleState
from mockluma.engine.jobs import Job
from mockluma.engine.limits import Limit
from mockluma.engine.simulation import Account, Simulation
from mockluma.engine.store.base import Changes, StateError, StoredJob
from mockluma.engine.store.codec import (
    KeyNames,
    as_is,
    job_from_json,
    job_reference,
    job_to_json,
    records_codec,
)

FORMAT_VERSION = 1
"""The snapshot format this release writes. A release reads every version up to its own."""

MASK_PREFIX = "luma-api-masked-"
"""Masked keys read ``luma-api-masked-1``, ``-2``...: valid keys on every API (the Agents API
wants the ``luma-api-`` prefix), so a shared snapshot can be used as it is."""


@dataclass(frozen=True, slots=True)
class EngineState:
    """The engine objects a state is made of."""

    simulation: Simulation
    faults: FaultBook
    callbacks: CallbackDispatcher
    inboxes: dict[str, Inbox]


class KeyMask:
    """Stable placeholders for API keys: the keys sorted, then numbered."""

    def __init__(self, keys: set[str]) -> None:
        self._names = {key: f"{MASK_PREFIX}{n}" for n, key in enumerate(sorted(keys), 1)}

    def __call__(self, key: str) -> str:
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = f"{MASK_PREFIX}{len(self._names) + 1}"
        return name


# -- export ----------------------------------------------------------------------------------


def export_state(
    parts: EngineState, *, api_key: str | None = None, mask_keys: bool = False
) -> dict[str, Any]:
    """The state as a snapshot document: everything, or only ``api_key``'s."""
    sim = parts.simulation
    sim.run_due()

    def mine(owner: str) -> bool:
        return api_key is None or owner == api_key

    usage = [entry for entry in sim.limiter.usage() if mine(entry[1])]
    attempts = [attempt for attempt in parts.callbacks.attempts if mine(attempt.owner)]
    owners = {owner for (_, owner), _ in sim.accounts() if mine(owner)}
    owners |= {entry[1] for entry in usage} | {attempt.owner for attempt in attempts}
    if api_key is not None:
        owners.add(api_key)
    key: KeyNames = KeyMask(owners) if mask_keys else as_is
    everything = api_key is None
    return {
        "format_version": FORMAT_VERSION,
        "api_key": None if everything else key(api_key or ""),
        "seed": sim.seed,
        "epoch": sim.epoch,
        "clock": clock_to_json(sim),
        "accounts": [
            account_to_json(surface, owner, account, key)
            for (surface, owner), account in sim.accounts()
            if mine(owner)
        ],
        "limits": limits_to_json(sim, usage, key),
        "faults": faults_to_json(parts.faults, key) if everything else [],
        "callbacks": [attempt_to_json(attempt, key) for attempt in attempts],
        "inboxes": [inbox_to_json(inbox) for inbox in parts.inboxes.values()] if everything else [],
    }


def clock_to_json(sim: Simulation) -> dict[str, Any]:
    clock = sim.clock
    return {"now": clock.now(), "mode": clock.mode, "speed": clock.speed}


class _Encoding:
    def __init__(self, key: KeyNames) -> None:
        self.key = key

    def job(self, job: Job | None) -> dict[str, Any] | None:
        return job_reference(job)


def account_to_json(surface: str, owner: str, account: Account, key: KeyNames) -> dict[str, Any]:
    return {
        "surface": surface,
        "api_key": key(owner),
        "balance": account.balance,
        "sequence": account.sequence,
        "jobs": [job_to_json(job, key) for job in account.jobs.values()],
        "records": {
            collection: records_to_json(surface, collection, items, key)
            for collection, items in account.records.items()
        },
    }


def records_to_json(
    surface: str, collection: str, items: Mapping[str, Any], key: KeyNames
) -> list[dict[str, Any]]:
    codec = records_codec(surface, collection)
    encoding = _Encoding(key)
    return [codec.encode(item, encoding) for item in items.values()]


def limits_to_json(
    sim: Simulation, usage: list[tuple[str, str, str, int, list[float]]], key: KeyNames
) -> dict[str, Any]:
    limiter = sim.limiter
    return {
        "enabled": limiter.enabled,
        "groups": {
            surface: {
                group: {
                    "concurrent": limit.concurrent,
                    "per_minute": limit.per_minute,
                    "retry_after": limit.concurrency_retry_after,
                }
                for group, limit in groups.items()
            }
            for surface, groups in limiter.limits.items()
        },
        "usage": [
            {
                "surface": surface,
                "api_key": key(owner),
                "group": group,
                "active": active,
                "window": window,
            }
            for surface, owner, group, active, window in usage
        ],
    }


def faults_to_json(faults: FaultBook, key: KeyNames) -> list[dict[str, Any]]:
    entries = []
    for state in faults.states():
        rule = json.loads(json.dumps(dict(state.rule.source)))  # a deep copy, JSON-able
        rule["name"] = state.rule.name
        match = rule.get("match")
        if isinstance(match, dict) and "api_key" in match:
            named = match["api_key"]
            match["api_key"] = key(named) if isinstance(named, str) else [key(k) for k in named]
        entries.append({"rule": rule, "calls": state.calls, "fired": state.fired})
    return entries


def attempt_to_json(attempt: Attempt, key: KeyNames) -> dict[str, Any]:
    data = attempt.to_json()
    del data["delivered"]
    return {**data, "api_key": key(attempt.owner)}


def inbox_to_json(inbox: Inbox) -> dict[str, Any]:
    return {
        "name": inbox.name,
        "responses": list(inbox.responses),
        "delay": inbox.delay,
        "received": [item.to_json() for item in inbox.received],
    }


# -- load ------------------------------------------------------------------------------------


class _Decoding:
    """Resolves job references among the jobs being loaded, and collects rebuilt indexes."""

    def __init__(self, accounts: dict[tuple[str, str], Account]) -> None:
        self._accounts = accounts
        self.owner = ""
        self.indexes: dict[str, dict[str, Any]] = {}

    def job(self, reference: Mapping[str, Any] | None) -> Job | None:
        if reference is None:
            return None
        account = self._accounts.get((reference["surface"], self.owner))
        found = None if account is None else account.jobs.get(reference["id"])
        if found is None:
            raise StateError(
                f"a record of key {self.owner!r} points at job {reference['id']} of "
                f"{reference['surface']!r}, which the snapshot does not hold."
            )
        return found

    def index(self, surface: str) -> dict[str, Any]:
        return self.indexes.setdefault(surface, {})


@dataclass(slots=True)
class _Loaded:
    owner: str | None
    accounts: dict[tuple[str, str], Account] = field(default_factory=dict)
    indexes: dict[str, dict[str, Any]] = field(default_factory=dict)
    usage: list[tuple[str, str, str, int, list[float]]] = field(default_factory=list)
    limits: dict[str, dict[str, Limit]] | None = None
    limits_enabled: bool | None = None
    faults: list[RuleState] | None = None
    attempts: list[Attempt] | None = None
    inboxes: dict[str, Inbox] | None = None


def import_state(parts: EngineState, document: Mapping[str, Any], *, track: bool = True) -> int:
    """Replace the state with ``document`` (or, for a one-key snapshot, that key's state).

    The document must have passed the schema (``mockluma.state.check_snapshot``) or come from
    a store; whatever still fails to decode raises :class:`StateError` before anything
    changes. ``track=False`` when the store itself is loading (nothing new to save). Returns
    how many jobs were loaded.
    """
    version = document.get("format_version")
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise StateError(
            f"this snapshot has format_version {version!r}, and this mockluma reads versions "
            f"1 to {FORMAT_VERSION}; export it again with this release, or upgrade mockluma."
        )
    try:
        loaded = _decode(document)
    except StateError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StateError(f"the snapshot cannot be loaded: {type(exc).__name__}: {exc}.") from None
    _apply(parts, document, loaded, track=track)
    return sum(len(account.jobs) for account in loaded.accounts.values())


def _decode(document: Mapping[str, Any]) -> _Loaded:
    owner = document.get("api_key")
    loaded = _Loaded(owner)
    pending_records: list[tuple[int, Account, str, str, Mapping[str, Any]]] = []
    for index, data in enumerate(document.get("accounts", [])):
        surface, key = data["surface"], data["api_key"]
        if owner is not None and key != owner:
            raise StateError(
                f"$.accounts[{index}] belongs to key {key!r}, but the snapshot is of key "
                f"{owner!r} only."
            )
        if (surface, key) in loaded.accounts:
            raise StateError(f"$.accounts[{index}]: {surface}/{key} appears twice.")
        account = Account(balance=float(data["balance"]), sequence=int(data["sequence"]))
        for number, job_data in enumerate(data.get("jobs", [])):
            if isinstance(job_data, StoredJob):  # a finished job from a store, decoded later
                account.jobs.put_stored(job_data.id, job_data.text)
                continue
            if job_data["surface"] != surface or job_data.get("api_key", key) != key:
                raise StateError(f"$.accounts[{index}].jobs[{number}] belongs to another account.")
            job = job_from_json(job_data, key)
            account.jobs[job.id] = job
        for collection, items in data.get("records", {}).items():
            pending_records.append((index, account, surface, key, {collection: items}))
        loaded.accounts[(surface, key)] = account
    decoding = _Decoding(loaded.accounts)
    for index, account, surface, key, collections in pending_records:
        decoding.owner = key
        for collection, items in collections.items():
            codec = records_codec(surface, collection)
            kept = account.records.setdefault(collection, {})
            for number, item in enumerate(items):
                try:
                    name, record = codec.decode(item, decoding)
                except StateError as exc:
                    where = f"$.accounts[{index}].records.{collection}[{number}]"
                    raise StateError(f"{where}: {exc}") from None
                kept[name] = record
    loaded.indexes = decoding.indexes
    limits = document.get("limits") or {}
    loaded.usage = [
        (u["surface"], u["api_key"], u["group"], int(u["active"]), [float(t) for t in u["window"]])
        for u in limits.get("usage", [])
        if owner is None or u["api_key"] == owner
    ]
    if owner is None:
        if "groups" in limits:
            loaded.limits = {
                surface: {
                    group: Limit(
                        concurrent=values.get("concurrent"),
                        per_minute=values.get("per_minute"),
                        concurrency_retry_after=float(values.get("retry_after", 60.0)),
                    )
                    for group, values in groups.items()
                }
                for surface, groups in limits["groups"].items()
            }
        if "enabled" in limits:
            loaded.limits_enabled = bool(limits["enabled"])
        loaded.faults = _decode_faults(document.get("faults", []))
        loaded.inboxes = {}
        for data in document.get("inboxes", []):
            inbox = Inbox(data["name"], list(data["responses"]), float(data["delay"]))
            for item in data["received"]:
                inbox.receive(float(item["at"]), item["body"])
                inbox.received[-1] = Received(float(item["at"]), item["body"], item["status"])
            loaded.inboxes[inbox.name] = inbox
        loaded.attempts = [_attempt(data) for data in document.get("callbacks", [])]
    return loaded


def _decode_faults(entries: list[Mapping[str, Any]]) -> list[RuleState]:
    states = []
    for index, entry in enumerate(entries):
        try:
            rule = parse_rule(entry["rule"], index)
        except RuleError as exc:
            path = f"$.faults[{index}].rule" + (f".{exc.path}" if exc.path else "")
            raise StateError(f"{path}: {exc}") from None
        states.append(RuleState(rule, int(entry.get("calls", 0)), int(entry.get("fired", 0))))
    return states


def _attempt(data: Mapping[str, Any]) -> Attempt:
    return Attempt(
        int(data["sequence"]),
        data["surface"],
        data["generation_id"],
        data["api_key"],
        data["url"],
        data["state"],
        int(data["attempt"]),
        float(data["at"]),
        data["status"],
        data["error"],
        int(data.get("copy", 1)),
    )


def _apply(
    parts: EngineState, document: Mapping[str, Any], loaded: _Loaded, *, track: bool
) -> None:
    sim = parts.simulation
    owner = loaded.owner
    changes = sim.changes if track else None
    if owner is None:
        parts.callbacks.clear()
        sim.seed = int(document["seed"])
        sim.epoch = int(document.get("epoch", 0))
        _set_clock(sim, float(document["clock"]["now"]))
    else:
        # Like a reset of the key: ids made from now on differ from all made before.
        sim.epoch += 1
    sim.install(loaded.accounts, owner)
    for surface, entries in loaded.indexes.items():
        sim.index(surface).update(entries)
    sim.limiter.restore(loaded.usage, owner)
    if loaded.limits is not None:
        sim.limiter.limits = loaded.limits
    if loaded.limits_enabled is not None:
        sim.limiter.enabled = loaded.limits_enabled
    if loaded.faults is not None:
        parts.faults.load(loaded.faults)
        parts.faults.seed = sim.seed
    if loaded.attempts is not None:
        parts.callbacks.restore_log(loaded.attempts)
    if loaded.inboxes is not None:
        parts.inboxes.clear()
        parts.inboxes.update(loaded.inboxes)
    if changes is not None:
        changes.reset(owner)
        mark_everything(sim, changes, owner)


def _set_clock(sim: Simulation, now: float) -> None:
    clock = sim.clock
    if clock.now() <= now:
        clock.advance(now - clock.now())
    elif isinstance(clock, RealClock):
        sim.clock = RealClock(now, clock.speed)
    else:
        sim.clock = ManualClock(now)


def mark_everything(sim: Simulation, changes: ChangeTracker, owner: str | None = None) -> None:
    """Mark every account (or ``owner``'s) as changed, for a store to save it whole."""
    for (surface, key), account in sim.accounts():
        if owner is not None and key != owner:
            continue
        changes.account(surface, key)
        for job in account.jobs.values():
            changes.job(job)
        for collection in account.records:
            changes.collection(surface, key, collection)
    changes.limits()


# -- batches for a store ---------------------------------------------------------------------


# One encoder, made once: the saver encodes every changed job twice a second.
_dumps = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=False
).encode


class ChangeCollector:
    """Turns what the tracker marked into a :class:`Changes` batch, skipping what a store
    already holds unchanged (records and the state's smaller sections)."""

    def __init__(self, parts: EngineState) -> None:
        self.parts = parts
        self._written: dict[Any, str] = {}
        self._signatures: dict[str, Any] = {}

    def collect(self) -> Changes:
        parts = self.parts
        sim = parts.simulation
        tracker = sim.changes
        if tracker is None:
            return Changes()
        taken = tracker.take()
        changes = Changes(reset_all=taken.reset_all, reset_owners=list(taken.reset_owners))
        if taken.reset_all:
            self._written.clear()
        for owner in taken.reset_owners:
            self._written = {
                k: v for k, v in self._written.items() if not (k[0] == "records" and k[2] == owner)
            }
        for job in taken.jobs.values():
            data = None if job.deleted else _dumps(job_to_json(job))
            changes.jobs.append((job.surface, job.owner, job.id, job.phase.terminal, data))
        accounts = dict(sim.accounts())
        for surface, owner in taken.accounts:
            account = accounts.get((surface, owner))
            if account is not None:
                data = _dumps({"balance": account.balance, "sequence": account.sequence})
                changes.accounts.append((surface, owner, data))
        for surface, owner, collection in taken.records:
            account = accounts.get((surface, owner))
            if account is None or collection not in account.records:
                continue
            items = records_to_json(surface, collection, account.records[collection], as_is)
            text = _dumps(items)
            if self._written.get(("records", surface, owner, collection)) != text:
                self._written[("records", surface, owner, collection)] = text
                changes.records.append((surface, owner, collection, text))
        self._meta(changes, "core", {"seed": sim.seed, "epoch": sim.epoch})
        self._meta(changes, "clock", clock_to_json(sim))
        self._meta(changes, "faults", faults_to_json(parts.faults, as_is))
        if taken.limiter or taken.reset_all:
            self._meta(changes, "limits", limits_to_json(sim, sim.limiter.usage(), as_is))
        attempts = parts.callbacks.attempts
        signature = (len(attempts), attempts[-1].sequence if attempts else 0)
        if self._signatures.get("callbacks") != signature:
            self._signatures["callbacks"] = signature
            self._meta(changes, "callbacks", [attempt_to_json(a, as_is) for a in attempts])
        boxes = tuple(
            (box.name, len(box.received), tuple(box.responses), box.delay)
            for box in parts.inboxes.values()
        )
        if self._signatures.get("inboxes") != boxes:
            self._signatures["inboxes"] = boxes
            self._meta(changes, "inboxes", [inbox_to_json(b) for b in parts.inboxes.values()])
        return changes

    def _meta(self, changes: Changes, name: str, value: Any) -> None:
        text = _dumps(value)
        if self._written.get(("meta", name)) != text:
            self._written[("meta", name)] = text
            changes.meta.append((name, text))
