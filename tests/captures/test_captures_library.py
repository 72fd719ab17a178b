"""The ``lumaapi`` library, unmodified, against a real mock server: its whole documented flow."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from lumaapi import CaptureStatus, CaptureType, LumaCreditInfo, PrivacyLevel, RunStatus

from mockluma.engine.media import MediaCatalog
from mockluma.handle import MockLuma
from mockluma.surfaces.captures import catalog

from .support import check_artifact

MEDIA = MediaCatalog()
VIDEO = MEDIA.video("9:16", 5).path
PHOTOS = [MEDIA.thumbnail(aspect).path for aspect in ("16:9", "4:3", "1:1")]


def zip_of_photos(folder: Path) -> Path:
    archive = folder / "photos.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for index, photo in enumerate(PHOTOS):
            bundle.write(photo, f"IMG_{index:04d}.jpg")
    return archive


def folder_of_photos(folder: Path) -> Path:
    photos = folder / "sofa"
    photos.mkdir()
    for index, photo in enumerate(PHOTOS):
        shutil.copy(photo, photos / f"IMG_{index:04d}.jpg")
    return photos


def test_credits_are_the_documented_three_numbers(captures: Any) -> None:
    assert captures.credits() == LumaCreditInfo(remaining=100, used=0, total=100)


@pytest.mark.parametrize("source", ["video", "zip", "folder"])
def test_a_submission_goes_through_to_finished_with_real_artifacts(
    captures: Any, luma: MockLuma, tmp_path: Path, source: str
) -> None:
    path = {
        "video": lambda: VIDEO,
        "zip": lambda: zip_of_photos(tmp_path),
        "folder": lambda: folder_of_photos(tmp_path),
    }[source]()
    slug = captures.submit(str(path), f"sofa from a {source}", silent=True)

    first = captures.status(slug)
    assert first.title == f"sofa from a {source}"
    assert first.type is CaptureType.RECONSTRUCTION
    assert first.privacy is PrivacyLevel.PRIVATE
    assert first.location is None
    assert first.status is CaptureStatus.COMPLETE
    assert first.latest_run.status is RunStatus.NEW
    assert (first.latest_run.progress, first.latest_run.current_stage) == (0, "Queued")
    assert abs((first.date - luma.clock).total_seconds()) < 0.01
    assert captures.credits() == LumaCreditInfo(remaining=99, used=1, total=100)

    luma.run_until_idle()
    done = captures.status(slug)
    assert done.latest_run.status is RunStatus.FINISHED
    assert (done.latest_run.progress, done.latest_run.current_stage) == (100, "Done")
    kinds = [artifact["type"] for artifact in done.latest_run.artifacts]
    assert kinds == [artifact.type for artifact in catalog.ARTIFACTS]
    # Code in the wild picks the thumbnail and the three GLBs by position.
    assert kinds[0] == "thumb"
    assert kinds[6:9] == [
        "textured_mesh_lowpoly_glb",
        "textured_mesh_medpoly_glb",
        "textured_mesh_glb",
    ]
    urls = [artifact["url"] for artifact in done.latest_run.artifacts]
    assert len(set(urls)) == len(urls)
    with httpx.Client() as cdn:  # no key: artifact URLs are public, as on Luma's CDN
        for artifact in done.latest_run.artifacts:
            download = cdn.get(artifact["url"])
            assert download.status_code == 200, artifact
            check_artifact(artifact["type"], download.headers["content-type"], download.content)
    assert captures.credits().used == 1


def test_status_moves_forward_through_named_stages(captures: Any, luma: MockLuma) -> None:
    slug = captures.submit(str(VIDEO), "a slow sofa", silent=True)
    seen: list[tuple[RunStatus, int, str]] = []
    for _ in range(2000):
        run = captures.status(slug).latest_run
        seen.append((run.status, run.progress, run.current_stage))
        if run.status is RunStatus.FINISHED:
            break
        luma.advance(30)
    statuses = [status for status, _, _ in seen]
    order = [RunStatus.NEW, RunStatus.DISPATCHED, RunStatus.FINISHED]
    assert sorted(set(statuses), key=order.index) == order
    assert statuses == sorted(statuses, key=order.index)
    progress = [value for _, value, _ in seen]
    assert progress == sorted(progress)
    assert progress[-1] == 100
    stages = list(dict.fromkeys(stage for _, _, stage in seen))
    running = [name for _, name in catalog.RUNNING_STAGES]
    assert stages == ["Queued", *running, "Done"]


def test_search_pages_and_orders_by_creation(
    captures: Any, api: httpx.Client, luma: MockLuma
) -> None:
    titles = ["kitchen one", "garden", "kitchen two", "Kitchen three"]
    captures.submit_binary(VIDEO.read_bytes()[:4096], titles[0], silent=True)
    for title in titles[1:]:
        luma.advance(1)
        # Created but never uploaded: listed too, with no run yet.
        assert api.post("capture", data={"title": title}).status_code == 200

    newest_first = [capture.title for capture in captures.get()]
    assert newest_first == titles[::-1]
    oldest_first = [capture.title for capture in captures.get(desc=False)]
    assert oldest_first == titles

    kitchens = [capture.title for capture in captures.get("kitchen")]
    assert kitchens == ["Kitchen three", "kitchen two", "kitchen one"]  # case does not matter
    page = [capture.title for capture in captures.get("kitchen", skip=1, take=1, desc=False)]
    assert page == ["kitchen two"]
    assert captures.get("no such title") == []
    assert [c.title for c in captures.get("kitchen one")] == ["kitchen one"]  # space as %20
    unprocessed = captures.get("garden")[0]
    assert unprocessed.status is CaptureStatus.NEW
    assert unprocessed.latest_run is None


def test_a_file_that_is_neither_video_nor_zip_fails_its_run_and_is_refunded(
    captures: Any, luma: MockLuma
) -> None:
    slug = captures.submit_binary(b"just some text, not footage", "not a capture", silent=True)
    assert captures.credits().used == 1
    luma.run_until_idle()
    failed = captures.status(slug)
    assert failed.status is CaptureStatus.COMPLETE  # the upload itself worked
    assert failed.latest_run.status is RunStatus.FAILED
    assert failed.latest_run.current_stage == "Failed"
    assert failed.latest_run.artifacts == []
    assert captures.credits() == LumaCreditInfo(remaining=100, used=0, total=100)


def test_a_wrong_key_is_refused_when_the_client_verifies_it(
    point_lumaapi: None, tmp_path: Path
) -> None:
    import lumaapi
    import requests

    with MockLuma(api_keys=["the-only-key"]) as strict:
        lumaapi.API_BASE_URL = f"{strict.captures_url}/"  # restored by point_lumaapi
        with pytest.raises(requests.HTTPError, match="401"):
            lumaapi.LumaClient("a-wrong-key")
        assert not Path(lumaapi.AUTH_FILE).exists()  # the client forgets a refused key
        assert lumaapi.LumaClient("the-only-key").credits().total == 100
