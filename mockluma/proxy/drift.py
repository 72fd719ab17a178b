"""What a drift report says: where the mock answers otherwise than the real API did.

:class:`Drift` is one difference, :class:`DriftReport` all of them with what was replayed and
skipped (as text, as JSON, and as a contract report for the JUnit writer). The comparison of
two bodies, field by field, is here too (:func:`shape_drifts`); replaying the requests is
:mod:`mockluma.proxy.compare`'s job.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mockluma.contracts.runner import Report, Result
from mockluma.schemas.conformance import Finding
from mockluma.schemas.store import json_type


@dataclass(frozen=True, slots=True)
class Drift:
    recording: str
    sequence: int
    surface: str
    endpoint: str
    kind: str
    """``status``, ``field``, ``type``, ``header``, ``state`` or ``error_text``."""
    json_path: str
    recorded: Any
    mock: Any
    sentence: str

    def line(self) -> str:
        return (
            f"DRIFT #{self.sequence} {self.surface} {self.endpoint}: {self.kind} at "
            f"{self.json_path}: {self.sentence}"
        )


@dataclass(slots=True)
class DriftReport:
    directory: str
    replayed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    drifts: list[Drift] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.replayed > 0 and not self.drifts

    def summary(self) -> str:
        lines = [f"mockluma drift: the recordings in {self.directory} against the in-process mock"]
        lines += [f"  {drift.line()}" for drift in self.drifts]
        lines += [f"  SKIP {name}: {why}" for name, why in self.skipped]
        verdict = "no drift" if self.ok else f"{len(self.drifts)} drifts"
        if not self.replayed:
            verdict = "nothing could be replayed"
        lines.append(f"{self.replayed} exchanges replayed, {len(self.skipped)} skipped: {verdict}.")
        return "\n".join(lines)

    def to_json(self) -> str:
        document = {
            "directory": self.directory,
            "ok": self.ok,
            "replayed": self.replayed,
            "skipped": [{"recording": name, "reason": why} for name, why in self.skipped],
            "drifts": [
                {
                    "recording": d.recording,
                    "sequence": d.sequence,
                    "surface": d.surface,
                    "endpoint": d.endpoint,
                    "kind": d.kind,
                    "json_path": d.json_path,
                    "recorded": d.recorded,
                    "mock": d.mock,
                    "sentence": d.sentence,
                }
                for d in self.drifts
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"

    def to_report(self) -> Report:
        """As a contract report (one result per drift kind and endpoint), for the JUnit writer."""
        report = Report(target=f"recordings in {self.directory}", live=False, budget_cents=None)
        grouped: dict[tuple[str, str, str], list[Drift]] = {}
        for drift in self.drifts:
            grouped.setdefault((drift.surface, drift.endpoint, drift.kind), []).append(drift)
        for (surface, endpoint, kind), drifts in sorted(grouped.items()):
            findings = tuple(
                Finding(f"drift_{kind}", d.sentence, d.json_path, d.recording) for d in drifts
            )
            report.results.append(
                Result(
                    surface,
                    f"no_{kind}_drift",
                    endpoint,
                    f"The mock's {kind} matches",
                    "failed",
                    findings,
                )
            )
        if not grouped:
            report.results.append(
                Result(
                    "mock",
                    "no_drift",
                    "*",
                    "The mock answers as the recordings did",
                    "passed" if self.replayed else "skipped",
                    reason="" if self.replayed else "nothing could be replayed",
                )
            )
        return report


def shape_drifts(recorded: Any, mock: Any, where: str) -> Iterator[tuple[str, str, Any, Any, str]]:
    if recorded is None or mock is None:
        return
    kind, their_kind = json_kind(recorded), json_kind(mock)
    if kind != their_kind:
        yield (
            "type",
            where,
            kind,
            their_kind,
            f"The real API sent {kind} here; the mock sends {their_kind}",
        )
        return
    if isinstance(recorded, dict):
        for key in recorded.keys() - mock.keys():
            yield (
                "field",
                f"{where}.{key}",
                "present",
                "absent",
                f"The real API sent '{key}'; the mock does not",
            )
        for key in mock.keys() - recorded.keys():
            yield (
                "field",
                f"{where}.{key}",
                "absent",
                "present",
                f"The mock sends '{key}', which the real API did not",
            )
        for key in sorted(recorded.keys() & mock.keys()):
            yield from shape_drifts(recorded[key], mock[key], f"{where}.{key}")
    elif isinstance(recorded, list) and recorded and mock:
        yield from shape_drifts(recorded[0], mock[0], f"{where}[0]")


json_kind = json_type
"""The JSON Schema type name of a parsed JSON value."""


def error_text(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("detail", "error", "message", "msg"):
            if key in body:
                value = body[key]
                return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return json.dumps(body, sort_keys=True)


__all__ = ["Drift", "DriftReport", "error_text", "json_kind", "shape_drifts"]
