"""Drift: replay recorded requests against the mock and say where it answers otherwise.

Each recorded request (``mockluma proxy --record``) is sent, in the order it happened, to a
fresh in-process mock (manual clock, quick timing, rate limits on, waited out when the replay
outpaces them). Ids the real API handed out are mapped to the ones the mock hands out, so that
a later poll of a real generation polls the mock's. When a recorded poll shows a job further on
than the mock's, the mock's clock is moved on, a second at a time, until its job has caught up
(or can go no further): the comparison is of what states are shown and in what order, not of
how long they took.

What counts as drift is in :mod:`mockluma.proxy.drift`: per exchange a different status, field
set, field type, error text or client-relevant header; per job a different sequence of states.
Requests that depend on something the recording does not hold (a generation created before
recording began, a media body that was not stored, an upload that went straight to storage)
are skipped, and say why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from mockluma.proxy.drift import Drift, DriftReport, error_text, shape_drifts
from mockluma.proxy.lifecycles import LIFECYCLES, Lifecycle
from mockluma.proxy.recording import Recording
from mockluma.proxy.redaction import labels_in

ID_KEYS = frozenset(
    {"id", "slug", "requestId", "request_id", "task_id", "file_id", "generation_id", "uuid"}
)
CATCH_UP_STEP = 1.0
"""Simulated seconds the mock's clock moves between polls while a job catches up."""
CATCH_UP_LIMIT = 1800
"""Polls (so simulated seconds) a job may take to catch up before the states are compared."""
REFUSED = (401, 403)
AFTER_AN_UPLOAD = frozenset({"captures POST /capture/{slug}", "agents POST /files/{id}/complete"})
"""Steps that rely on bytes the client PUT to a presigned storage URL, which the proxy does not
see (the URL is the storage host's); the replay cannot take them, nor compare what follows."""
RATE_LIMIT_WAITS = 3
_ID_LIKE = re.compile(
    r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z0-9_-]{20,})$"
)
_FRAMING_HEADERS = frozenset(
    {"content-length", "content-encoding", "transfer-encoding", "connection", "date", "server"}
)
"""Headers that say how a body travels, not what the API says: never drift."""
_API_HEADERS = frozenset(
    {
        "content-type", "x-request-id", "x-api-version", "retry-after", "x-ratelimit-limit",
        "x-ratelimit-remaining", "x-ratelimit-reset", "location",
    }
)  # fmt: skip
"""Headers a client may rely on: their absence from the mock is drift (a real API sends many
more, from its CDN and gateway, that no client reads)."""
_NOT_REPLAYED_HEADERS = frozenset(
    {"host", "content-length", "accept-encoding", "connection", "transfer-encoding", "cookie"}
)


@dataclass(slots=True)
class _Job:
    surface: str
    kind: str
    recorded: list[str] = field(default_factory=list)
    mock: list[str] = field(default_factory=list)
    first: Recording | None = None
    endpoint: str = ""
    json_path: str = "$"


class Replayer:
    """Replays recordings, in order, against one in-process mock."""

    def __init__(self, recordings: Sequence[Recording], directory: Path) -> None:
        self.recordings = recordings
        self.directory = directory
        self.report = DriftReport(str(directory))
        self.ids: dict[str, str] = {}
        self.jobs: dict[tuple[str, str, str], _Job] = {}
        self.accepted = _accepted_labels(recordings)
        self.unknowable: set[str] = set()
        """Recorded ids whose job took a step the mock never saw (an upload straight to
        storage): what they show later cannot be compared."""

    def key_for(self, label: str) -> str:
        if label in self.accepted:
            return f"luma-api-replay-{label}"
        return f"luma-api-refused-{label}"

    def run(self) -> DriftReport:
        from mockluma.handle import IN_PROCESS_URL, MockLuma
        from mockluma.surfaces.registry import surfaces

        prefixes = {surface.name: surface.prefix for surface in surfaces()}
        keys = [self.key_for(label) for label in sorted(self.accepted)] or ["luma-api-replay"]
        with (
            MockLuma(
                in_process=True,
                clock="manual",
                timing="quick",
                progression="clock",
                rate_limits=False,
                triggers=False,
                api_keys=keys,
            ) as luma,
            httpx.Client(transport=luma.sync_transport(), base_url=IN_PROCESS_URL) as client,
        ):
            for recording in self.recordings:
                self._replay(recording, client, luma.advance, prefixes)
        self._compare_states()
        return self.report

    # -- one exchange -------------------------------------------------------------------

    def _replay(
        self,
        recording: Recording,
        client: httpx.Client,
        advance: Any,
        prefixes: Mapping[str, str],
    ) -> None:
        name = recording.path.relative_to(self.directory).as_posix()
        request = recording.request
        why = self._unreplayable(recording)
        if why:
            self.report.skipped.append((name, why))
            return
        prefix = request.get("mount") or prefixes[recording.surface]
        path = self._map(request["path"])
        query = self._keys(self._map(request.get("query") or ""))
        url = prefix + path + (f"?{query}" if query else "")
        headers = {
            name: self._keys(value)
            for name, value in (request.get("headers") or {}).items()
            if name not in _NOT_REPLAYED_HEADERS
        }
        content: bytes | None = None
        if request.get("body") is not None:
            content = self._map(json.dumps(request["body"])).encode()
        elif request.get("text"):
            content = self._map(str(request["text"])).encode()
        response = client.request(request["method"], url, headers=headers, content=content)
        for _ in range(RATE_LIMIT_WAITS):
            # The replay runs faster than the recording did: wait out the mock's limit, as the
            # real client did not have to.
            if response.status_code != 429 or recording.status == 429:
                break
            advance(float(response.headers.get("retry-after") or 60))
            response = client.request(request["method"], url, headers=headers, content=content)
        mock_body = _json(response)
        lifecycle_sightings = self._sightings(recording)
        if lifecycle_sightings and _repeatable(recording):
            response, mock_body = self._catch_up(
                recording,
                lifecycle_sightings,
                client,
                url,
                headers,
                content,
                advance,
                response,
                mock_body,
            )
        self.report.replayed += 1
        self._compare(recording, name, response.status_code, mock_body)
        self._compare_headers(recording, name, response.headers)
        if recording.body is not None and mock_body is not None:
            self._learn_ids(recording.body, mock_body)
        self._note_states(recording, mock_body)

    def _unreplayable(self, recording: Recording) -> str:
        if recording.document.get("failure"):
            return "the upstream gave no whole answer, so there is nothing to compare"
        request = recording.request
        if request.get("size") and request.get("body") is None and not request.get("text"):
            return "its request body (media) was not recorded"
        if not request.get("complete", True):
            return "its request body was larger than the proxy keeps"
        segments = request["path"].split("/")
        for segment in segments:
            if segment in self.unknowable:
                return (
                    f"it follows a step of {segment} the mock never saw (an upload straight to "
                    "storage, which does not pass through the proxy)"
                )
        endpoint = f"{recording.surface} {recording.document['endpoint']}"
        if endpoint in AFTER_AN_UPLOAD:
            self.unknowable.update(s for s in segments if s in self.ids)
            return (
                "it needs the upload that went straight to the storage host, which the proxy "
                "does not see"
            )
        if recording.status < 400:
            for segment in segments:
                if _ID_LIKE.match(segment) and segment not in self.ids:
                    return (
                        f"it refers to {segment}, which was not created while recording "
                        "(record from the create on, or the mock cannot know it)"
                    )
        return ""

    def _map(self, text: str) -> str:
        for recorded in sorted(self.ids, key=len, reverse=True):
            if recorded != self.ids[recorded]:
                text = text.replace(recorded, self.ids[recorded])
        return text

    def _keys(self, value: str) -> str:
        """``value`` with each redacted key put back as the mock's key for its label (in a
        query string the label's space is written ``+``)."""
        for label in labels_in(value):
            for written in (f"[redacted {label}]", f"[redacted+{label}]"):
                value = value.replace(written, self.key_for(label))
        return value

    def _sightings(self, recording: Recording) -> list[tuple[Lifecycle, str, str, str]]:
        found = []
        for lifecycle in LIFECYCLES:
            if lifecycle.surface == recording.surface and lifecycle.applies(
                recording.document["endpoint"]
            ):
                for job, state, json_path in lifecycle.sightings(
                    recording.body, recording.request.get("body")
                ):
                    if state in lifecycle.order:
                        found.append((lifecycle, job, state, json_path))
        return found

    def _catch_up(
        self,
        recording: Recording,
        sightings: list[tuple[Lifecycle, str, str, str]],
        client: httpx.Client,
        url: str,
        headers: dict[str, str],
        content: bytes | None,
        advance: Any,
        response: httpx.Response,
        mock_body: Any,
    ) -> tuple[httpx.Response, Any]:
        """Move the mock's clock on until each job the recording shows is as far on in the
        mock (or the mock's is terminal), polling as the recording did."""
        for _ in range(CATCH_UP_LIMIT):
            behind = False
            mock_states = self._mock_states(recording, mock_body)
            for lifecycle, job, state, _ in sightings:
                mine = mock_states.get((lifecycle.kind, self.ids.get(job, job)))
                if mine is None or mine in lifecycle.terminal:
                    continue
                if lifecycle.order.get(mine, -1) < lifecycle.order[state]:
                    behind = True
            if not behind or response.status_code >= 400:
                break
            advance(CATCH_UP_STEP)
            response = client.request(
                recording.request["method"], url, headers=headers, content=content
            )
            mock_body = _json(response)
        return response, mock_body

    def _mock_states(self, recording: Recording, body: Any) -> dict[tuple[str, str], str]:
        states: dict[tuple[str, str], str] = {}
        request = recording.request.get("body")
        mapped = json.loads(self._map(json.dumps(request))) if request is not None else None
        for lifecycle in LIFECYCLES:
            if lifecycle.surface == recording.surface and lifecycle.applies(
                recording.document["endpoint"]
            ):
                for job, state, _ in lifecycle.sightings(body, mapped):
                    states[(lifecycle.kind, job)] = state
        return states

    def _note_states(self, recording: Recording, mock_body: Any) -> None:
        mock_states = self._mock_states(recording, mock_body)
        for lifecycle, job, state, json_path in self._sightings(recording):
            key = (recording.surface, lifecycle.kind, job)
            tracked = self.jobs.setdefault(
                key,
                _Job(
                    recording.surface,
                    lifecycle.kind,
                    first=recording,
                    endpoint=recording.document["endpoint"],
                    json_path=json_path,
                ),
            )
            tracked.recorded.append(state)
            mine = mock_states.get((lifecycle.kind, self.ids.get(job, job)))
            tracked.mock.append(mine if mine is not None else "(not shown)")

    def _compare_states(self) -> None:
        for (surface, kind, job), tracked in self.jobs.items():
            recorded, mock = _runs(tracked.recorded), _runs(tracked.mock)
            if recorded == mock:
                continue
            first = tracked.first
            assert first is not None
            self.report.drifts.append(
                Drift(
                    first.path.relative_to(self.directory).as_posix(),
                    first.sequence,
                    surface,
                    tracked.endpoint,
                    "state",
                    tracked.json_path,
                    recorded,
                    mock,
                    f"{kind.capitalize()} {job} went {' → '.join(recorded)} on the real API; "
                    f"the mock's went {' → '.join(mock)} at the same polls",
                )
            )

    def _compare(self, recording: Recording, name: str, status: int, mock_body: Any) -> None:
        def drift(kind: str, json_path: str, recorded: Any, mock: Any, sentence: str) -> None:
            self.report.drifts.append(
                Drift(
                    name,
                    recording.sequence,
                    recording.surface,
                    recording.document["endpoint"],
                    kind,
                    json_path,
                    recorded,
                    mock,
                    sentence,
                )
            )

        if status != recording.status:
            drift(
                "status",
                "$",
                recording.status,
                status,
                f"The real API answered {recording.status}; the mock answers {status}",
            )
            return
        body = recording.body
        if body is None or mock_body is None:
            return
        if status >= 400:
            said, says = error_text(body), error_text(mock_body)
            if said != says:
                drift(
                    "error_text",
                    "$",
                    said,
                    says,
                    f"The real API said {said!r}; the mock says {says!r}",
                )
            return
        for kind, json_path, recorded, mock, sentence in shape_drifts(body, mock_body, "$"):
            drift(kind, json_path, recorded, mock, sentence)

    def _compare_headers(self, recording: Recording, name: str, headers: httpx.Headers) -> None:
        recorded = set((recording.document.get("response") or {}).get("headers") or {})
        mine = {header.lower() for header in headers}
        for header in sorted(mine - recorded - _FRAMING_HEADERS):
            self._drift(
                recording,
                name,
                "header",
                header,
                "absent",
                "present",
                f"The mock sends the {header} header, which the real API did not",
            )
        for header in sorted((recorded & _API_HEADERS) - mine):
            self._drift(
                recording,
                name,
                "header",
                header,
                "present",
                "absent",
                f"The real API sent the {header} header; the mock does not",
            )

    def _drift(
        self,
        recording: Recording,
        name: str,
        kind: str,
        where: str,
        recorded: Any,
        mock: Any,
        sentence: str,
    ) -> None:
        self.report.drifts.append(
            Drift(
                name,
                recording.sequence,
                recording.surface,
                recording.document["endpoint"],
                kind,
                where,
                recorded,
                mock,
                sentence,
            )
        )

    def _learn_ids(self, recorded: Any, mock: Any) -> None:
        """Map the ids in a recorded body to those at the same place in the mock's. Not inside
        lists: a recorded list page may hold jobs the mock never saw, in other places."""
        if isinstance(recorded, dict) and isinstance(mock, dict):
            for key, value in recorded.items():
                theirs = mock.get(key)
                if key in ID_KEYS and isinstance(value, str) and isinstance(theirs, str):
                    if value and value not in self.ids:
                        self.ids[value] = theirs
                else:
                    self._learn_ids(value, theirs)


def _runs(states: Sequence[str]) -> list[str]:
    return [state for index, state in enumerate(states) if index == 0 or states[index - 1] != state]


def _json(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _repeatable(recording: Recording) -> bool:
    """Whether the request may be sent again while its job catches up: a read, or a poll that
    is a POST only because the gateway says so (AppyPie's getStatus)."""
    method = recording.request["method"]
    return method == "GET" or str(recording.document["endpoint"]).endswith("/getStatus")


def _accepted_labels(recordings: Sequence[Recording]) -> set[str]:
    """Labels of the keys the real API accepted at least once (the others it refused)."""
    accepted: set[str] = set()
    for recording in recordings:
        if recording.status in REFUSED:
            continue
        for value in (recording.request.get("headers") or {}).values():
            accepted.update(labels_in(value))
    return accepted


def compare(recordings: Sequence[Recording], directory: Path) -> DriftReport:
    """Replay ``recordings`` (from ``directory``) against a fresh in-process mock."""
    return Replayer(recordings, directory).run()


__all__ = ["Replayer", "compare"]
