"""Receiving an upload: stream it, look at its first bytes, count the rest, keep nothing.

The client sends no file name and a meaningless ``Content-Type: text/plain``, so the service can
only tell a video or a zip from the bytes themselves. The mock does what such a service must:
it sniffs the first :data:`~catalog.SNIFF_BYTES` bytes, counts the others as they stream past
(refusing the upload once it passes the size limit), and remembers only the verdict.
"""

from __future__ import annotations

from starlette.requests import Request

from mockluma.surfaces.captures import catalog
from mockluma.surfaces.captures.errors import DIALECT
from mockluma.surfaces.captures.records import Source
from mockluma.web.errors import ApiError

# ISO base media (MP4, MOV, 3GP, M4V) starts with a box whose type is at bytes 4-8.
_ISO_BOXES = frozenset((b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"))
_MATROSKA = b"\x1a\x45\xdf\xa3"  # MKV and WebM (EBML)
_MPEG_PROGRAM = b"\x00\x00\x01\xba"
_TS_PACKET = 188
_ZIP_ENTRY = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"  # an archive that is only its end record


def is_video(head: bytes) -> bool:
    if head[4:8] in _ISO_BOXES or head.startswith((_MATROSKA, _MPEG_PROGRAM)):
        return True
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return True
    # MPEG transport stream: a sync byte at the start of each 188-byte packet.
    return len(head) > _TS_PACKET and head[0] == head[_TS_PACKET] == 0x47


def classify(head: bytes, size: int) -> Source:
    """What a file of ``size`` bytes starting with ``head`` is, and whether a run can use it."""
    if size == 0:
        return Source(size, None, catalog.EMPTY_UPLOAD)
    if head.startswith(_ZIP_ENTRY):
        return Source(size, "zip", None)
    if head.startswith(_ZIP_EMPTY):
        return Source(size, "zip", catalog.EMPTY_ZIP)
    if is_video(head):
        return Source(size, "video", None)
    return Source(size, None, catalog.NOT_VIDEO_OR_ZIP)


def too_large(max_bytes: int) -> ApiError:
    return DIALECT.error(
        413,
        f"The upload is too large: the limit is {max_bytes} bytes. Upload a shorter video or "
        "fewer images.",
    )


async def receive(request: Request, *, max_bytes: int) -> Source:
    """Stream the request body through, keeping only its head; 413 past ``max_bytes``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes)
    head = b""
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large(max_bytes)
        if len(head) < catalog.SNIFF_BYTES:
            head += chunk[: catalog.SNIFF_BYTES - len(head)]
    return classify(head, size)
