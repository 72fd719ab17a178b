"""What a piece of uploaded media is, read from its first bytes: format, size, length.

The mock never decodes media. It reads the headers that every JPEG, PNG, GIF, WebP and
MP4/QuickTime file starts with (the MP4 ``moov`` box, which faststart files put first), which is
enough to refuse what is not media and to give an edit the shape of its source.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

HEAD_BYTES = 1024 * 1024
"""How much of an upload is kept for probing."""

MediaKind = Literal["image", "video"]


@dataclass(frozen=True, slots=True)
class Probe:
    kind: MediaKind
    mime_type: str
    width: int | None = None
    height: int | None = None
    seconds: float | None = None


def probe(data: bytes) -> Probe | None:
    """What ``data`` (a whole file, or its head) holds, or ``None`` if it is not known media."""
    try:
        if data.startswith(b"\xff\xd8\xff"):
            return Probe("image", "image/jpeg", *_jpeg_size(data))
        if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return Probe("image", "image/png", width, height)
        if data[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", data[6:10])
            return Probe("image", "image/gif", width, height)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return Probe("image", "image/webp", *_webp_size(data))
        if data[4:8] == b"ftyp":
            brand = data[8:12]
            mime = "video/quicktime" if brand == b"qt  " else "video/mp4"
            return Probe("video", mime, *_mp4_facts(data))
    except (struct.error, IndexError):
        return None
    return None


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            return None, None
        marker = data[offset + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            offset += 2
            continue
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        # Start-of-frame markers carry the size; C4, C8 and CC are other tables.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
            return width, height
        offset += 2 + length
    return None, None


def _webp_size(data: bytes) -> tuple[int | None, int | None]:
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None, None


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """``(type, content start, content end)`` of the ISO-BMFF boxes between two offsets."""
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", data[offset + 8 : offset + 16])
            header = 16
        elif size == 0:
            size = end - offset
        if size < header:
            return
        yield kind, offset + header, min(offset + size, end)
        offset += size


def _mp4_facts(data: bytes) -> tuple[int | None, int | None, float | None]:
    width = height = None
    seconds = None
    for kind, start, end in _boxes(data, 0, len(data)):
        if kind != b"moov":
            continue
        for inner, inner_start, inner_end in _boxes(data, start, end):
            if inner == b"mvhd":
                seconds = _mvhd_seconds(data, inner_start)
            elif inner == b"trak" and width is None:
                for part, part_start, _ in _boxes(data, inner_start, inner_end):
                    if part == b"tkhd":
                        width, height = _tkhd_size(data, part_start)
                if not width:
                    width = height = None
    return width, height, seconds


def _mvhd_seconds(data: bytes, start: int) -> float | None:
    if data[start] == 1:
        timescale, duration = struct.unpack(">IQ", data[start + 20 : start + 32])
    else:
        timescale, duration = struct.unpack(">II", data[start + 12 : start + 20])
    return duration / timescale if timescale else None


def _tkhd_size(data: bytes, start: int) -> tuple[int, int]:
    at = start + (88 if data[start] == 1 else 76)
    width, height = struct.unpack(">II", data[at : at + 8])
    return width >> 16, height >> 16
