"""Tests of the application, against mockluma instead of the real Luma API."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from video_app import AsyncVideoApp, VideoApp

from mockluma import MockLuma


@pytest.fixture
def make_app() -> Iterator[Callable[..., VideoApp]]:
    apps: list[VideoApp] = []

    def make(*args: object, **kwargs: object) -> VideoApp:
        apps.append(VideoApp(*args, **kwargs))  # type: ignore[arg-type]
        return apps[-1]

    yield make
    for app in apps:
        app.close()


def test_my_video_pipeline(luma_mock: MockLuma, make_app: Callable[..., VideoApp]) -> None:
    app = make_app(luma_base_url=luma_mock.dream_machine_url, api_key="luma-test")
    job = app.start_video("a red fox in snow")
    luma_mock.advance(120)  # simulated seconds; returns when the due state changes have run
    assert app.fetch_result(job).endswith(".mp4")
    assert luma_mock.journal.count(method="POST", path="/dream-machine/v1/generations/video") == 1


def test_polling_app_code_finishes_without_the_test_touching_the_clock(
    luma_mock: MockLuma, make_app: Callable[..., VideoApp]
) -> None:
    naps: list[float] = []
    app = make_app(luma_mock.dream_machine_url, "luma-test", sleep=naps.append)
    url = app.fetch_result(app.start_video("a lighthouse", aspect_ratio="9:16"))
    assert app.download(url)[4:8] == b"ftyp"  # an MP4
    assert naps == [3.0]  # one nap: the first poll saw "dreaming", the second "completed"


def test_code_that_builds_its_own_client_from_the_environment(
    luma_env: MockLuma, make_app: Callable[..., VideoApp]
) -> None:
    app = make_app(sleep=lambda seconds: None)  # reads LUMAAI_BASE_URL and LUMAAI_API_KEY
    assert app.fetch_result(app.start_video("configured by the environment")).endswith(".mp4")
    assert luma_env.journal.count(api_key=luma_env.api_key) == 3


@pytest.mark.luma_mock(progression="clock", timing="realistic")
def test_a_slow_generation_is_still_dreaming_after_ten_seconds(
    luma_mock: MockLuma, make_app: Callable[..., VideoApp]
) -> None:
    app = make_app(luma_mock.dream_machine_url, "luma-test")
    job = app.start_video("a slow pan over mountains")
    luma_mock.advance(10)
    assert app.client.generations.get(job).state in ("queued", "dreaming")
    luma_mock.run_until_idle()
    assert app.fetch_result(job).endswith(".mp4")


@pytest.mark.parametrize("n", range(50))
def test_fifty_generations(luma_mock: MockLuma, make_app: Callable[..., VideoApp], n: int) -> None:
    app = make_app(luma_mock.dream_machine_url, f"luma-key-{n}", poll_interval=0)
    url = app.fetch_result(app.start_video(f"scene number {n}"))
    assert len(app.download(url)) > 1000


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_the_async_app(luma_mock: MockLuma) -> None:
    app = AsyncVideoApp(luma_mock.dream_machine_url, "luma-test", poll_interval=0)
    try:
        assert (await app.make_video("a lighthouse in a storm")).endswith(".mp4")
    finally:
        await app.close()
