"""Small helpers shared by the Agents tests."""

from __future__ import annotations

import base64
import io

from PIL import Image


def image_bytes(width: int = 64, height: int = 36, image_format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buffer, image_format)
    return buffer.getvalue()


def as_base64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def decode_image(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture
