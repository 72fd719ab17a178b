"""The HTTP-free parts of the Captures surface: sniffing uploads, presenting runs, failures."""

from __future__ import annotations

import zipfile
from io import BytesIO

import pytest
from starlette.requests import Request

from mockluma.engine.jobs import Failure, Job, Phase, Plan
from mockluma.engine.media import MediaCatalog
from mockluma.surfaces.captures import catalog, presenters
from mockluma.surfaces.captures.records import timestamp
from mockluma.surfaces.captures.uploads import classify

MEDIA = MediaCatalog()


def zip_bytes() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("IMG_0001.jpg", MEDIA.thumbnail("1:1").path.read_bytes())
    return buffer.getvalue()


def empty_zip() -> bytes:
    buffer = BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (MEDIA.video("16:9", 5).path.read_bytes(), "video"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "video"),  # QuickTime .mov
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", "video"),  # older QuickTime
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01", "video"),  # Matroska / WebM
        (b"RIFF\x00\x00\x00\x00AVI LIST", "video"),
        ((b"\x47" + b"\x00" * 187) * 2, "video"),  # MPEG transport stream
        (b"\x00\x00\x01\xba\x44\x00", "video"),  # MPEG program stream
        (zip_bytes(), "zip"),
    ],
    ids=["mp4", "mov", "quicktime-wide", "webm", "avi", "mpeg-ts", "mpeg-ps", "zip"],
)
def test_videos_and_zips_are_accepted(data: bytes, kind: str) -> None:
    source = classify(data[: catalog.SNIFF_BYTES], len(data))
    assert (source.kind, source.failure, source.size) == (kind, None, len(data))


@pytest.mark.parametrize(
    ("data", "failure"),
    [
        (b"", catalog.EMPTY_UPLOAD),
        (empty_zip(), catalog.EMPTY_ZIP),
        (MEDIA.thumbnail("1:1").path.read_bytes(), catalog.NOT_VIDEO_OR_ZIP),
        (b"%PDF-1.7\n", catalog.NOT_VIDEO_OR_ZIP),
        (b"\x47" + b"\x00" * 100, catalog.NOT_VIDEO_OR_ZIP),  # one sync byte is not a stream
    ],
    ids=["empty", "empty-zip", "jpeg", "pdf", "short-ts"],
)
def test_anything_else_will_fail_its_run(data: bytes, failure: Failure) -> None:
    assert classify(data[: catalog.SNIFF_BYTES], len(data)).failure == failure


def test_failures_cover_the_generic_kinds_with_sentences() -> None:
    assert {"moderation", "prompt", "dispatch", "job", "bad_upload"} <= set(catalog.FAILURES)
    for failure in catalog.FAILURES.values():
        assert failure.reason.endswith(".")
        assert failure.code


def test_every_artifact_is_a_shipped_file() -> None:
    for artifact in catalog.ARTIFACTS:
        assert MEDIA.by_name(artifact.file) is not None, artifact


def _request() -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    )


def _job(phase: Phase, history: list[tuple[Phase, float]], failure: Failure | None = None) -> Job:
    plan = Plan(queued_for=10.0, running_for=1000.0, failure=failure)
    job = Job("run", "captures", "reconstruction", "key", 0.0, {}, {"scale_to_world": 1.0}, plan)
    job.phase, job.history, job.failure = phase, history, failure
    return job


def test_a_running_run_reports_progress_and_its_stage() -> None:
    job = _job(Phase.RUNNING, [(Phase.QUEUED, 0.0), (Phase.RUNNING, 10.0)])
    shown = [presenters.run(job, 10.0 + t, _request()) for t in (0, 150, 500, 999, 5000)]
    assert [(run["progress"], run["currentStage"]) for run in shown] == [
        (0, "Preprocessing"),
        (15, "SfM"),
        (50, "NeRF"),
        (99, "Exporting"),
        (99, "Exporting"),
    ]
    assert {run["status"] for run in shown} == {"dispatched"}


def test_a_failed_run_keeps_the_progress_it_had_and_says_why() -> None:
    failure = catalog.FAILURES["job"]
    history = [(Phase.QUEUED, 0.0), (Phase.RUNNING, 10.0), (Phase.FAILED, 310.0)]
    run = presenters.run(_job(Phase.FAILED, history, failure), 9999.0, _request())
    assert run == {
        "status": "failed",
        "progress": 30,
        "currentStage": "Failed",
        "artifacts": [],
        "pipelineVersion": 2,
        "failureReason": failure.reason,
    }


def test_a_run_failed_in_the_queue_never_started() -> None:
    history = [(Phase.QUEUED, 0.0), (Phase.FAILED, 5.0)]
    run = presenters.run(
        _job(Phase.FAILED, history, catalog.FAILURES["dispatch"]), 99.0, _request()
    )
    assert (run["progress"], run["currentStage"]) == (0, "Failed")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (1683174258.0, "2023-05-04T04:24:18.000Z"),
        (1679846048.2684, "2023-03-26T15:54:08.268Z"),
        (1679846048.9999, "2023-03-26T15:54:09.000Z"),
    ],
)
def test_dates_are_javascript_iso_strings(seconds: float, text: str) -> None:
    assert timestamp(seconds) == text
