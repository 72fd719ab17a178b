"""The shipped media fixtures are real, playable files, and the catalogue maps requests to them."""

from __future__ import annotations

import ast
import struct
import sys
from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image

from mockluma.engine import media as media_module
from mockluma.engine.media import (
    ASPECT_RATIOS,
    CAPTURE_ARTIFACTS,
    IMAGE_ONLY_ASPECT_RATIOS,
    MediaCatalog,
    MediaFile,
    MediaKind,
)

CATALOG = MediaCatalog()
FPS = 24

# The sizes promised to users, written out independently of the module under test.
VIDEO_SIZES = {
    "1:1": (540, 540),
    "16:9": (960, 540),
    "9:16": (540, 960),
    "4:3": (720, 540),
    "3:4": (540, 720),
    "21:9": (1260, 540),
    "9:21": (540, 1260),
}
IMAGE_SIZES = {
    "1:1": (1536, 1536),
    "4:3": (1792, 1344),
    "3:4": (1344, 1792),
    "16:9": (2048, 1152),
    "9:16": (1152, 2048),
    "21:9": (2432, 1024),
    "9:21": (1024, 2432),
    "3:1": (2688, 896),
    "2:1": (2304, 1152),
    "3:2": (1920, 1280),
    "2:3": (1280, 1920),
    "1:2": (1152, 2304),
    "1:3": (896, 2688),
}

# The generation media; the 3D capture artifacts (capture/) are checked in tests/captures/.
ALL_NAMES = sorted(name for name in CATALOG.files if not name.startswith("capture/"))
VIDEO_NAMES = [name for name in ALL_NAMES if name.endswith(".mp4")]
STILL_NAMES = [name for name in ALL_NAMES if not name.endswith(".mp4")]


def _aspect_of(name: str) -> str:
    """``"video-audio/21x9-9s.mp4"`` -> ``"21:9"``."""
    stem = name.split("/")[1].split(".")[0]
    return stem.split("-")[0].replace("x", ":")


def _seconds_of(name: str) -> int:
    """``"video/16x9-5s.mp4"`` -> ``5``."""
    return int(name.split("-")[-1].removesuffix("s.mp4"))


def _top_level_boxes(path: Path) -> list[str]:
    """The types of an MP4 file's top-level boxes, in order."""
    data = path.read_bytes()
    boxes: list[str] = []
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            (size,) = struct.unpack(">Q", data[offset + 8 : offset + 16])
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        offset += size
    return boxes


def test_every_expected_file_is_shipped() -> None:
    # 7 aspect ratios x (2 durations x 2 video kinds + 1 thumbnail + 2 image formats), and
    # 6 image-only ratios x 2 image formats.
    assert len(ALL_NAMES) == 7 * (2 * 2 + 1 + 2) + 6 * 2
    assert len(CATALOG) == len(ALL_NAMES) + len(CAPTURE_ARTIFACTS)
    total = sum(media.size for media in CATALOG.files.values())
    assert total < 2_000_000


@pytest.mark.parametrize("name", VIDEO_NAMES, ids=VIDEO_NAMES)
def test_video_is_playable_h264(name: str) -> None:
    media = CATALOG.files[name]
    seconds = _seconds_of(name)
    assert media.content_type == "video/mp4"
    assert (media.width, media.height) == VIDEO_SIZES[_aspect_of(name)]
    assert media.size == media.path.stat().st_size
    assert media.size < 60_000
    boxes = _top_level_boxes(media.path)
    assert boxes.index("moov") < boxes.index("mdat"), "moov must come first (faststart)"

    with av.open(str(media.path)) as container:
        assert len(container.streams.video) == 1
        video = container.streams.video[0]
        assert video.type == "video"
        assert video.codec_context.name == "h264"
        assert (video.codec_context.width, video.codec_context.height) == (
            media.width,
            media.height,
        )
        assert video.average_rate == FPS
        assert video.frames == seconds * FPS
        assert video.duration is not None
        assert video.time_base is not None
        assert abs(float(video.duration * video.time_base) - seconds) < 0.1

        audio_streams = list(container.streams.audio)
        if name.startswith(f"{MediaKind.VIDEO_WITH_AUDIO}/"):
            assert len(audio_streams) == 1
            audio = audio_streams[0]
            assert audio.codec_context.name == "aac"
            assert audio.duration is not None
            assert audio.time_base is not None
            assert abs(float(audio.duration * audio.time_base) - seconds) < 0.1
        else:
            assert audio_streams == []

        packets = [packet for packet in container.demux(video) if packet.size]
        assert len(packets) == seconds * FPS
        assert packets[0].is_keyframe

    with av.open(str(media.path)) as container:
        first = next(container.decode(video=0))
        assert first.format.name == "yuv420p"
        assert (first.width, first.height) == (media.width, media.height)


@pytest.mark.parametrize("name", STILL_NAMES, ids=STILL_NAMES)
def test_still_is_a_real_image(name: str) -> None:
    media = CATALOG.files[name]
    aspect = _aspect_of(name)
    expected_format = "PNG" if name.endswith(".png") else "JPEG"
    expected_size = (
        IMAGE_SIZES[aspect] if name.startswith(f"{MediaKind.IMAGE}/") else VIDEO_SIZES[aspect]
    )
    assert media.content_type == f"image/{expected_format.lower()}"
    assert (media.width, media.height) == expected_size
    assert media.size == media.path.stat().st_size
    assert media.size < 60_000
    with Image.open(media.path) as picture:
        assert picture.format == expected_format
        assert picture.size == expected_size
        assert picture.mode == "RGB"
        picture.load()


# Luma's own 21:9 image canvas, 2432x1024, is 19:8 (1.8% wider than 21:9); the mock copies it.
LUMA_WIDE_CANVASES = {"image/21x9.jpg", "image/21x9.png", "image/9x21.jpg", "image/9x21.png"}


@pytest.mark.parametrize("name", ALL_NAMES, ids=ALL_NAMES)
def test_dimensions_match_the_aspect_ratio(name: str) -> None:
    media = CATALOG.files[name]
    across, down = (int(part) for part in _aspect_of(name).split(":"))
    tolerance = 0.02 if name in LUMA_WIDE_CANVASES else 0.01
    assert media.width / media.height == pytest.approx(across / down, rel=tolerance)


@pytest.mark.parametrize("aspect", ASPECT_RATIOS, ids=ASPECT_RATIOS)
def test_aspect_ratio_maps_to_its_files(aspect: str) -> None:
    slug = aspect.replace(":", "x")
    video = CATALOG.video(aspect, 5)
    assert CATALOG.name_of(video) == f"video/{slug}-5s.mp4"
    assert (video.width, video.height) == VIDEO_SIZES[aspect]
    with_audio = CATALOG.video(aspect, 9, with_audio=True)
    assert CATALOG.name_of(with_audio) == f"video-audio/{slug}-9s.mp4"
    thumbnail = CATALOG.thumbnail(aspect)
    assert CATALOG.name_of(thumbnail) == f"thumb/{slug}.jpg"
    assert (thumbnail.width, thumbnail.height) == VIDEO_SIZES[aspect]
    for image_format, content_type in (("jpg", "image/jpeg"), ("png", "image/png")):
        image = CATALOG.image(aspect, image_format)
        assert CATALOG.name_of(image) == f"image/{slug}.{image_format}"
        assert image.content_type == content_type
        assert (image.width, image.height) == IMAGE_SIZES[aspect]


@pytest.mark.parametrize(
    ("requested", "shipped"),
    [(-3, 5), (0, 5), (1, 5), (5, 5), (6, 5), (7, 5), (8, 9), (9, 9), (10, 9), (60, 9)],
    ids=lambda value: f"{value}s",
)
def test_video_duration_is_the_closest_shipped(requested: int, shipped: int) -> None:
    assert CATALOG.name_of(CATALOG.video("16:9", requested)) == f"video/16x9-{shipped}s.mp4"
    named = CATALOG.name_of(CATALOG.video("16:9", requested, with_audio=True))
    assert named == f"video-audio/16x9-{shipped}s.mp4"


@pytest.mark.parametrize("aspect", IMAGE_ONLY_ASPECT_RATIOS, ids=IMAGE_ONLY_ASPECT_RATIOS)
def test_image_only_aspect_ratio_maps_to_its_images(aspect: str) -> None:
    slug = aspect.replace(":", "x")
    for image_format in ("jpg", "png"):
        image = CATALOG.image(aspect, image_format)
        assert CATALOG.name_of(image) == f"image/{slug}.{image_format}"
        assert (image.width, image.height) == IMAGE_SIZES[aspect]
    # Videos do not come in these shapes.
    assert CATALOG.video(aspect, 5) == CATALOG.video("16:9", 5)


@pytest.mark.parametrize("aspect", ["5:4", "", "16x9", " 16:9", "9:16:1"], ids=repr)
def test_unknown_aspect_ratio_falls_back_to_16_9(aspect: str) -> None:
    assert CATALOG.video(aspect, 5) == CATALOG.video("16:9", 5)
    assert CATALOG.thumbnail(aspect) == CATALOG.thumbnail("16:9")
    assert CATALOG.image(aspect, "png") == CATALOG.image("16:9", "png")


@pytest.mark.parametrize(
    ("requested", "extension"),
    [("jpg", "jpg"), ("JPG", "jpg"), ("jpeg", "jpg"), ("png", "png"), ("PNG", "png")],
    ids=repr,
)
def test_image_format_spellings(requested: str, extension: str) -> None:
    assert CATALOG.name_of(CATALOG.image("1:1", requested)) == f"image/1x1.{extension}"


def test_unknown_image_format_gets_the_jpeg() -> None:
    assert CATALOG.image("1:1", "webp") == CATALOG.image("1:1", "jpg")


@pytest.mark.parametrize(
    "name",
    [
        "../pyproject.toml",
        "../../pyproject.toml",
        "video/../../pyproject.toml",
        "video/../video/16x9-5s.mp4",
        "./video/16x9-5s.mp4",
        "/video/16x9-5s.mp4",
        "video//16x9-5s.mp4",
        "video\\16x9-5s.mp4",
        "video/16x9-5s.mp4/",
        "VIDEO/16x9-5s.mp4",
        "video/16x9-7s.mp4",
        "video/nope.mp4",
        "video",
        "video/",
        "",
        "/etc/passwd",
        str(CATALOG.video("16:9", 5).path),
    ],
    ids=repr,
)
def test_by_name_rejects_anything_not_in_the_index(name: str) -> None:
    assert CATALOG.by_name(name) is None


@pytest.mark.parametrize("name", ALL_NAMES, ids=ALL_NAMES)
def test_name_of_and_by_name_round_trip(name: str) -> None:
    media = CATALOG.by_name(name)
    assert media is not None
    assert CATALOG.name_of(media) == name
    assert media.path == CATALOG.root.joinpath(*name.split("/"))
    assert media.path.is_file()


def test_name_of_rejects_a_foreign_file() -> None:
    stranger = MediaFile(Path("/elsewhere/video.mp4"), "video/mp4", 1, 960, 540)
    with pytest.raises(ValueError, match="not a file of this media catalogue"):
        CATALOG.name_of(stranger)


def test_custom_root(tmp_path: Path) -> None:
    for name, shipped in CATALOG.files.items():
        target = tmp_path.joinpath(*name.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"x" * (len(name) + 1))
        assert shipped.size > 0
    copy = MediaCatalog(tmp_path)
    assert copy.root == tmp_path
    video = copy.video("9:16", 9)
    assert video.path == tmp_path / "video" / "9x16-9s.mp4"
    assert video.size == len("video/9x16-9s.mp4") + 1
    assert copy.name_of(video) == "video/9x16-9s.mp4"


def test_missing_files_fail_fast(tmp_path: Path) -> None:
    (tmp_path / "video").mkdir()
    (tmp_path / "video" / "16x9-5s.mp4").write_bytes(b"\0")
    with pytest.raises(FileNotFoundError, match="incomplete"):
        MediaCatalog(tmp_path)


def test_directory_in_place_of_a_file_counts_as_missing(tmp_path: Path) -> None:
    for name in CATALOG.files:
        target = tmp_path.joinpath(*name.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"\0")
    odd = tmp_path / "image" / "1x1.png"
    odd.unlink()
    odd.mkdir()
    with pytest.raises(FileNotFoundError, match=r"image/1x1\.png"):
        MediaCatalog(tmp_path)


def test_media_file_is_hashable_and_frozen() -> None:
    media = CATALOG.video("4:3", 5)
    assert {media: 1}[CATALOG.video("4:3", 5)] == 1
    with pytest.raises(AttributeError):
        media.size = 0  # type: ignore[misc]


def test_catalogue_module_is_http_free() -> None:
    """The engine module imports only the standard library and ``mockluma.resources``."""
    source = Path(media_module.__file__).read_text(encoding="utf-8")
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.module is not None
            imported.add(node.module)
    foreign = {
        name
        for name in imported
        if name.split(".")[0] not in sys.stdlib_module_names
        and name not in {"__future__", "mockluma"}
    }
    assert foreign == set()


def test_video_time_base_is_exact() -> None:
    """24 fps is exact, not 23.976: the frame rate is a whole number."""
    with av.open(str(CATALOG.video("1:1", 5).path)) as container:
        assert container.streams.video[0].average_rate == Fraction(FPS)
