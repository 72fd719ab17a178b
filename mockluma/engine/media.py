"""The catalogue of shipped media fixtures: which real file stands for which generated output.

A finished generation points at one of the small, real files under ``fixtures/media/`` (written by
``scripts/make_media_fixtures.py``): H.264 videos per aspect ratio and duration, the same videos
with an AAC track (for "add audio"), first-frame JPEG thumbnails, and JPEG/PNG stills. A finished
3D capture also points at tiny meshes and point clouds (``capture/``, written by
``scripts/make_capture_fixtures.py``): PLY, binary glTF, a zipped OBJ and a USDZ. This module
maps a request (aspect ratio, seconds, format) to such a file and a file to its public name and
back. It knows nothing about HTTP; only names listed in the index are ever resolved to paths.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from mockluma import resources

ASPECT_RATIOS: tuple[str, ...] = ("1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21")
"""The shapes of every kind of file: videos, thumbnails and images."""
IMAGE_ONLY_ASPECT_RATIOS: tuple[str, ...] = ("3:1", "2:1", "3:2", "2:3", "1:2", "1:3")
"""Shapes shipped as still images only (the Agents API's image ratios; no video has them)."""
DEFAULT_ASPECT_RATIO = "16:9"

VIDEO_SECONDS: tuple[int, ...] = (5, 9)
"""The shipped video durations; a request gets the closest one."""

IMAGE_FORMATS: tuple[str, ...] = ("jpg", "png")
DEFAULT_IMAGE_FORMAT = "jpg"

VIDEO_SIZES: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        "1:1": (540, 540),
        "16:9": (960, 540),
        "9:16": (540, 960),
        "4:3": (720, 540),
        "3:4": (540, 720),
        "21:9": (1260, 540),
        "9:21": (540, 1260),
    }
)
"""Width and height of the videos and thumbnails ("540p class": the short side is 540)."""

IMAGE_SIZES: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        "1:1": (1536, 1536),
        "4:3": (1792, 1344),
        "3:4": (1344, 1792),
        "16:9": (2048, 1152),
        "9:16": (1152, 2048),
        "21:9": (2432, 1024),
        "9:21": (1024, 2432),
        # The Agents API's other ratios, at about the same 2.4 megapixels.
        "3:1": (2688, 896),
        "2:1": (2304, 1152),
        "3:2": (1920, 1280),
        "2:3": (1280, 1920),
        "1:2": (1152, 2304),
        "1:3": (896, 2688),
    }
)
"""Width and height of the still images (Luma's image canvases)."""

CAPTURE_ARTIFACTS: tuple[str, ...] = (
    "mesh.ply",
    "point-cloud.ply",
    "textured-mesh.glb",
    "textured-mesh-obj.zip",
    "textured-mesh.usdz",
)
"""The 3D files of a finished capture (they have no pixel size: width and height are 0)."""

_CONTENT_TYPES: Mapping[str, str] = MappingProxyType(
    {
        ".mp4": "video/mp4",
        ".jpg": "image/jpeg",
        ".png": "image/png",
        # PLY has no registered media type; CDNs serve it as bytes.
        ".ply": "application/octet-stream",
        ".glb": "model/gltf-binary",
        ".zip": "application/zip",
        ".usdz": "model/vnd.usdz+zip",
    }
)
_FORMAT_ALIASES: Mapping[str, str] = MappingProxyType({"jpg": "jpg", "jpeg": "jpg", "png": "png"})


@dataclass(frozen=True, slots=True)
class MediaFile:
    """One shipped file: where it is, what it is and how big it is."""

    path: Path
    content_type: str
    size: int
    width: int
    height: int


class MediaKind(StrEnum):
    """The families of shipped files; each value is the directory that holds them."""

    VIDEO = "video"
    VIDEO_WITH_AUDIO = "video-audio"
    THUMBNAIL = "thumb"
    IMAGE = "image"
    CAPTURE_ARTIFACT = "capture"


def _aspect(aspect_ratio: str) -> str:
    """A shipped aspect ratio: ``aspect_ratio`` itself if known, else the 16:9 default."""
    return aspect_ratio if aspect_ratio in VIDEO_SIZES else DEFAULT_ASPECT_RATIO


def _slug(aspect_ratio: str) -> str:
    """``"16:9"`` -> ``"16x9"``, the spelling used in file names."""
    return aspect_ratio.replace(":", "x")


def _video_name(kind: MediaKind, aspect_ratio: str, seconds: int) -> str:
    return f"{kind}/{_slug(aspect_ratio)}-{seconds}s.mp4"


def _still_name(kind: MediaKind, aspect_ratio: str, extension: str) -> str:
    return f"{kind}/{_slug(aspect_ratio)}.{extension}"


def _expected_files() -> Iterator[tuple[str, int, int]]:
    """Every file the catalogue ships, as ``(name, width, height)``."""
    for aspect in ASPECT_RATIOS:
        width, height = VIDEO_SIZES[aspect]
        for seconds in VIDEO_SECONDS:
            yield _video_name(MediaKind.VIDEO, aspect, seconds), width, height
            yield _video_name(MediaKind.VIDEO_WITH_AUDIO, aspect, seconds), width, height
        yield _still_name(MediaKind.THUMBNAIL, aspect, "jpg"), width, height
    for aspect in ASPECT_RATIOS + IMAGE_ONLY_ASPECT_RATIOS:
        image_width, image_height = IMAGE_SIZES[aspect]
        for extension in IMAGE_FORMATS:
            yield _still_name(MediaKind.IMAGE, aspect, extension), image_width, image_height
    for file_name in CAPTURE_ARTIFACTS:
        yield f"{MediaKind.CAPTURE_ARTIFACT}/{file_name}", 0, 0


class MediaCatalog:
    """Index of the shipped fixture files, built once (stat each file once at construction)."""

    def __init__(self, root: Path | None = None) -> None:
        self._root = (resources.data_dir("fixtures") / "media") if root is None else root
        files: dict[str, MediaFile] = {}
        missing: list[str] = []
        for name, width, height in _expected_files():
            path = self._root.joinpath(*name.split("/"))
            try:
                status = path.stat()
            except OSError:
                missing.append(name)
                continue
            if not stat.S_ISREG(status.st_mode):
                missing.append(name)
                continue
            content_type = _CONTENT_TYPES[path.suffix]
            files[name] = MediaFile(path, content_type, status.st_size, width, height)
        if missing:
            shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
            raise FileNotFoundError(
                f"mockluma's media fixtures in {self._root} are incomplete: {len(missing)} "
                f"file(s) missing ({shown}). Reinstall the package, or in a source checkout "
                "run scripts/make_media_fixtures.py."
            )
        self._by_name: Mapping[str, MediaFile] = MappingProxyType(files)
        self._names: dict[MediaFile, str] = {media: name for name, media in files.items()}

    @property
    def root(self) -> Path:
        """The directory the files were indexed from."""
        return self._root

    @property
    def files(self) -> Mapping[str, MediaFile]:
        """Every shipped file by name (read-only), e.g. ``files["video/16x9-5s.mp4"]``."""
        return self._by_name

    def __len__(self) -> int:
        return len(self._by_name)

    def video(self, aspect_ratio: str, seconds: int, *, with_audio: bool = False) -> MediaFile:
        """The video for ``aspect_ratio`` whose shipped duration is closest to ``seconds``.

        An unknown aspect ratio gets the 16:9 video; a tie between two durations goes to the
        shorter one.
        """
        shipped = min(VIDEO_SECONDS, key=lambda candidate: (abs(candidate - seconds), candidate))
        kind = MediaKind.VIDEO_WITH_AUDIO if with_audio else MediaKind.VIDEO
        return self._by_name[_video_name(kind, _aspect(aspect_ratio), shipped)]

    def thumbnail(self, aspect_ratio: str) -> MediaFile:
        """The JPEG first frame of the videos of ``aspect_ratio`` (unknown ratios get 16:9)."""
        return self._by_name[_still_name(MediaKind.THUMBNAIL, _aspect(aspect_ratio), "jpg")]

    def image(self, aspect_ratio: str, image_format: str) -> MediaFile:
        """The still image of ``aspect_ratio`` as ``"jpg"`` or ``"png"``.

        ``"jpeg"`` and any letter case are accepted; an unknown format gets the JPEG and an
        unknown aspect ratio the 16:9 canvas, like the other look-ups.
        """
        extension = _FORMAT_ALIASES.get(image_format.lower(), DEFAULT_IMAGE_FORMAT)
        aspect = aspect_ratio if aspect_ratio in IMAGE_SIZES else DEFAULT_ASPECT_RATIO
        return self._by_name[_still_name(MediaKind.IMAGE, aspect, extension)]

    def capture_artifact(self, file_name: str) -> MediaFile:
        """One of the :data:`CAPTURE_ARTIFACTS`, e.g. ``"textured-mesh.glb"``."""
        return self._by_name[f"{MediaKind.CAPTURE_ARTIFACT}/{file_name}"]

    def by_name(self, name: str) -> MediaFile | None:
        """The file called ``name`` (e.g. ``"video/16x9-5s.mp4"``), or ``None`` if none is shipped.

        Only exact names from the index match, so no request can reach another path.
        """
        return self._by_name.get(name)

    def name_of(self, media: MediaFile) -> str:
        """The name under which ``by_name`` finds ``media``; the inverse of :meth:`by_name`."""
        try:
            return self._names[media]
        except KeyError:
            raise ValueError(f"{media.path} is not a file of this media catalogue") from None
