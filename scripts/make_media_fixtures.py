"""Generate the small, real media files that mockluma serves for "completed" generations.

Writes into ``fixtures/media/`` at the repository root (or ``--out DIR``):

* ``video/<aspect>-<seconds>s.mp4``        H.264 / yuv420p / 24 fps, moov atom first
* ``video-audio/<aspect>-<seconds>s.mp4``  the same video plus a quiet mono AAC sine tone
* ``thumb/<aspect>.jpg``                   the first video frame as a JPEG
* ``image/<aspect>.jpg`` and ``.png``      flat-colour stills at Luma's image canvas sizes

where ``<aspect>`` is one of 1x1, 16x9, 9x16, 4x3, 3x4, 21x9, 9x21 and ``<seconds>`` is 5 or 9;
images also come in 3x1, 2x1, 3x2, 2x3, 1x2 and 1x3 (the Agents API's other image ratios).

This is a dev-only tool (it needs PyAV and Pillow, from the ``dev`` extra); the package never
imports it, it only ships the files it wrote. Rerun it from the repository root with::

    python scripts/make_media_fixtures.py

whenever the set of aspect ratios, durations or sizes changes (keep the tables below in step
with ``mockluma/engine/media.py``; ``tests/test_media_fixtures.py`` checks that they agree), then
commit the regenerated files (about 1 MB in all; it takes a minute or two). The output is
deterministic: with the same PyAV/FFmpeg/x264 and Pillow builds, two runs give byte-identical
files (the MP4 times are zero and the muxer writes no version string; x264 does record its own
version and settings in the stream). Other library versions may give different, equally valid
bytes, so only rerun it when the files need to change.
"""

from __future__ import annotations

import argparse
import math
import struct
import sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "fixtures" / "media"

ASPECT_SLUGS = ("1x1", "16x9", "9x16", "4x3", "3x4", "21x9", "9x21")
IMAGE_ONLY_SLUGS = ("3x1", "2x1", "3x2", "2x3", "1x2", "1x3")
DURATIONS = (5, 9)
FPS = 24

# "540p class": the short side is 540 pixels.
VIDEO_SIZES: dict[str, tuple[int, int]] = {
    "1x1": (540, 540),
    "16x9": (960, 540),
    "9x16": (540, 960),
    "4x3": (720, 540),
    "3x4": (540, 720),
    "21x9": (1260, 540),
    "9x21": (540, 1260),
}

IMAGE_SIZES: dict[str, tuple[int, int]] = {
    "1x1": (1536, 1536),
    "4x3": (1792, 1344),
    "3x4": (1344, 1792),
    "16x9": (2048, 1152),
    "9x16": (1152, 2048),
    "21x9": (2432, 1024),
    "9x21": (1024, 2432),
    "3x1": (2688, 896),
    "2x1": (2304, 1152),
    "3x2": (1920, 1280),
    "2x3": (1280, 1920),
    "1x2": (1152, 2304),
    "1x3": (896, 2688),
}

# A small fixed palette: flat areas of few colours keep every encoder's output tiny.
BANDS = (
    (46, 52, 64),
    (94, 129, 172),
    (136, 192, 208),
    (163, 190, 140),
    (235, 203, 139),
    (208, 135, 112),
    (180, 142, 173),
)
BACKGROUND = (24, 26, 32)
SQUARE = (236, 239, 244)
CIRCLE = (236, 239, 244)

VIDEO_CODEC = "libx264" if "libx264" in av.codecs_available else "h264"
VIDEO_CRF = "40"
AUDIO_RATE = 24_000
AUDIO_BIT_RATE = 8_000  # FFmpeg's AAC encoder floors near 14 kb/s for this
TONE_HZ = 440.0
TONE_AMPLITUDE = 0.05  # about -26 dBFS: quiet
FADE_SECONDS = 0.02
AUDIO_FRAME = 1024

JPEG_QUALITY = 70
THUMB_QUALITY = 80


def _even(value: float) -> int:
    return int(value) // 2 * 2


def _bands(draw: ImageDraw.ImageDraw, width: int, height: int) -> None:
    """Fill the canvas with colour bands across its long axis (edges on even pixels)."""
    count = len(BANDS)
    long_side = max(width, height)
    edges = [_even(long_side * i / count) for i in range(count)] + [long_side]
    for colour, start, end in zip(BANDS, edges, edges[1:], strict=False):
        if width >= height:
            draw.rectangle((start, 0, end - 1, height - 1), fill=colour)
        else:
            draw.rectangle((0, start, width - 1, end - 1), fill=colour)


def video_frame(width: int, height: int, index: int, total: int) -> Image.Image:
    """Frame ``index`` of ``total``: colour bands and a light square moving along the long axis."""
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    _bands(draw, width, height)
    short_side = min(width, height)
    side = _even(short_side / 4)
    margin = _even(short_side / 12)
    travel = max(width, height) - side - 2 * margin
    # A constant whole-pixel step per frame keeps motion prediction (and the files) cheap.
    along = margin + max(travel // max(total - 1, 1), 1) * index
    across = (short_side - side) // 2 // 2 * 2
    if width >= height:
        box = (along, across, along + side - 1, across + side - 1)
    else:
        box = (across, along, across + side - 1, along + side - 1)
    draw.rectangle(box, fill=SQUARE)
    # A thin progress bar along the bottom edge, so playback is visibly moving.
    bar_height = max(_even(short_side / 54), 2)
    bar_end = width * (index + 1) // total
    if bar_end > 0:
        draw.rectangle((0, height - bar_height, bar_end - 1, height - 1), fill=SQUARE)
    return image


def still_image(width: int, height: int) -> Image.Image:
    """A flat-colour still: bands across the long axis and a centred circle."""
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    _bands(draw, width, height)
    short_side = min(width, height)
    radius = short_side // 4
    cx, cy = width // 2, height // 2
    draw.ellipse((cx - radius, cy - radius, cx + radius - 1, cy + radius - 1), fill=CIRCLE)
    return image


def _tone_frames(seconds: int) -> Iterator[tuple[int, av.AudioFrame]]:
    """``(first sample, frame)``: mono float-planar frames of a quiet sine tone, with fades."""
    total = AUDIO_RATE * seconds
    fade = int(AUDIO_RATE * FADE_SECONDS)
    for start in range(0, total, AUDIO_FRAME):
        count = min(AUDIO_FRAME, total - start)
        samples = []
        for n in range(start, start + count):
            gain = min(1.0, n / fade, (total - 1 - n) / fade)
            samples.append(TONE_AMPLITUDE * gain * math.sin(2 * math.pi * TONE_HZ * n / AUDIO_RATE))
        frame = av.AudioFrame(format="fltp", layout="mono", samples=count)
        frame.planes[0].update(struct.pack(f"<{count}f", *samples))
        frame.sample_rate = AUDIO_RATE
        frame.pts = start
        frame.time_base = Fraction(1, AUDIO_RATE)
        yield start, frame


def write_video(path: Path, slug: str, seconds: int, *, with_audio: bool) -> None:
    width, height = VIDEO_SIZES[slug]
    total = seconds * FPS
    path.parent.mkdir(parents=True, exist_ok=True)
    # bitexact keeps the muxer from writing its version string; no creation_time is set, so
    # the mvhd/tkhd/mdhd times are zero.
    with av.open(
        str(path), "w", format="mp4", options={"movflags": "+faststart", "fflags": "+bitexact"}
    ) as container:
        video = container.add_stream(VIDEO_CODEC, rate=FPS)
        assert isinstance(video, av.VideoStream)
        video.width = width
        video.height = height
        video.pix_fmt = "yuv420p"
        video.codec_context.time_base = Fraction(1, FPS)
        options = {"threads": "1"}
        if VIDEO_CODEC == "libx264":
            options |= {
                "preset": "veryslow",
                "crf": VIDEO_CRF,
                "profile": "high",
                "x264-params": "keyint=48:min-keyint=48:scenecut=0",
            }
        video.codec_context.options = options

        audio: av.AudioStream | None = None
        if with_audio:
            audio = container.add_stream("aac", rate=AUDIO_RATE)
            audio.codec_context.layout = "mono"
            audio.codec_context.bit_rate = AUDIO_BIT_RATE
            audio.codec_context.options = {"flags": "+bitexact"}

        # Interleave by time: after each video frame, the audio that starts before its end.
        tone = _tone_frames(seconds) if audio is not None else iter(())
        pending = next(tone, None)
        for index in range(total):
            image = video_frame(width, height, index, total)
            rgb = av.VideoFrame.from_image(image)  # type: ignore[no-untyped-call]
            frame = rgb.reformat(format="yuv420p")
            frame.pts = index
            frame.time_base = Fraction(1, FPS)
            container.mux(video.encode(frame))
            while audio is not None and pending is not None:
                start, samples = pending
                if start * FPS > (index + 1) * AUDIO_RATE:
                    break
                container.mux(audio.encode(samples))
                pending = next(tone, None)
        container.mux(video.encode(None))
        if audio is not None:
            while pending is not None:
                container.mux(audio.encode(pending[1]))
                pending = next(tone, None)
            container.mux(audio.encode(None))


def write_thumbnail(path: Path, slug: str) -> None:
    width, height = VIDEO_SIZES[slug]
    path.parent.mkdir(parents=True, exist_ok=True)
    total = DURATIONS[0] * FPS
    video_frame(width, height, 0, total).save(path, "JPEG", quality=THUMB_QUALITY, optimize=True)


def write_images(directory: Path, slug: str) -> list[Path]:
    width, height = IMAGE_SIZES[slug]
    directory.mkdir(parents=True, exist_ok=True)
    image = still_image(width, height)
    jpg = directory / f"{slug}.jpg"
    png = directory / f"{slug}.png"
    image.save(jpg, "JPEG", quality=JPEG_QUALITY, optimize=True)
    image.save(png, "PNG", optimize=True)
    return [jpg, png]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    out: Path = args.out

    written: list[Path] = []
    for slug in ASPECT_SLUGS:
        for seconds in DURATIONS:
            for kind, with_audio in (("video", False), ("video-audio", True)):
                path = out / kind / f"{slug}-{seconds}s.mp4"
                write_video(path, slug, seconds, with_audio=with_audio)
                written.append(path)
        thumb = out / "thumb" / f"{slug}.jpg"
        write_thumbnail(thumb, slug)
        written.append(thumb)
        written.extend(write_images(out / "image", slug))
    for slug in IMAGE_ONLY_SLUGS:
        written.extend(write_images(out / "image", slug))

    total = 0
    for path in sorted(written):
        size = path.stat().st_size
        total += size
        print(f"{size:>8}  {path.relative_to(out)}")
    print(f"{total:>8}  total ({len(written)} files, video codec {VIDEO_CODEC})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
