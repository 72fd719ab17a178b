"""The built wheel works outside the checkout: installed into a fresh virtual environment, its
``mockluma serve`` started from another directory serves a generation and its media.

The wheel is built offline (``python -m build --no-isolation``, with the hatchling of the dev
extra). Its dependencies come from a package index, and tests reach no network: the test uses
the local file indexes (``file://``) of the pip configuration, or the indexes named in
``MOCKLUMA_TEST_INDEX_URLS`` (space-separated; CI's release workflow names PyPI there), and is
skipped when there is neither.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY = {"Authorization": "Bearer luma-wheel"}


def _index_urls() -> list[str]:
    named = os.environ.get("MOCKLUMA_TEST_INDEX_URLS", "").split()
    if named:
        return named
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
    ).stdout
    urls = []
    for line in listed.splitlines():
        name, _, value = line.partition("=")
        if name.endswith(("index-url", "extra-index-url")):
            urls += [url for url in value.strip("'\"").split() if url.startswith("file://")]
    return [url for url in urls if Path(url.removeprefix("file://")).is_dir()]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return dist


@pytest.fixture(scope="module")
def installed(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel (and the fast extra) installed."""
    indexes = _index_urls()
    if not indexes:
        pytest.skip("no local package index; set MOCKLUMA_TEST_INDEX_URLS to name one")
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    (wheel,) = built.glob("mockluma-*.whl")
    index_options = ["--index-url", indexes[0]]
    for url in indexes[1:]:
        index_options += ["--extra-index-url", url]
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", *index_options, "--find-links", str(built),
         f"{wheel}[fast]"],
        check=True,
        capture_output=True,
        env={**os.environ, "PIP_CONFIG_FILE": os.devnull},  # only the indexes named here
    )  # fmt: skip
    return venv


def test_the_wheel_and_the_sdist_carry_the_schemas_fixtures_and_contracts(built: Path) -> None:
    (wheel,) = built.glob("mockluma-*.whl")
    assert list(built.glob("mockluma-*.tar.gz"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "mockluma/_data/schemas/dream-machine/routes.json" in names
    assert "mockluma/_data/fixtures/media/video/16x9-5s.mp4" in names
    assert "mockluma/contracts/surfaces/dream_machine.py" in names
    assert not [name for name in names if name.startswith(("tests/", "docs/", "bench/"))]


@pytest.fixture
def server(installed: Path, tmp_path: Path) -> Iterator[str]:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    process = subprocess.Popen(
        [str(installed / "bin" / "mockluma"), "serve", "--port", "0", "--clock", "manual",
         "--quiet"],
        cwd=elsewhere,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline()]
        while "Press Ctrl-C" not in lines[-1]:
            lines.append(process.stdout.readline())
            assert lines[-1], "".join(lines)
        yield lines[0].split(" listening on ")[1].strip()
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_the_installed_server_runs_from_another_directory(installed: Path, server: str) -> None:
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import mockluma; print(mockluma.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=installed,
    ).stdout
    assert where.startswith(str(installed))  # the wheel, not the checkout
    dm = f"{server}/dream-machine/v1"
    created = httpx.post(
        f"{dm}/generations/video", headers=KEY, json={"model": "ray-2", "prompt": "a red fox"}
    )
    assert created.status_code == 201
    httpx.post(f"{server}/_mockluma/clock/advance", json={"seconds": 600})
    generation = httpx.get(f"{dm}/generations/{created.json()['id']}", headers=KEY).json()
    assert generation["state"] == "completed"
    video = httpx.get(generation["assets"]["video"])
    assert video.status_code == 200
    assert video.headers["content-type"] == "video/mp4"
    assert video.content[4:8] == b"ftyp"
    assert len(video.content) > 1000
