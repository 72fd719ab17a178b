"""Reading uploaded media from its first bytes: formats, sizes and lengths, and no crash on
anything else."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from mockluma.engine.media import MediaCatalog
from mockluma.surfaces.agents.probe import Probe, probe

CATALOG = MediaCatalog()


@pytest.mark.parametrize(
    ("image_format", "options", "mime_type"),
    [
        ("JPEG", {}, "image/jpeg"),
        ("JPEG", {"progressive": True}, "image/jpeg"),
        ("PNG", {}, "image/png"),
        ("GIF", {}, "image/gif"),
        ("WEBP", {}, "image/webp"),
        ("WEBP", {"lossless": True}, "image/webp"),
    ],
    ids=["jpeg", "progressive-jpeg", "png", "gif", "webp", "webp-lossless"],
)
def test_images_give_their_type_and_size(
    image_format: str, options: dict[str, bool], mime_type: str
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (321, 123), (10, 20, 30)).save(buffer, image_format, **options)
    assert probe(buffer.getvalue()) == Probe("image", mime_type, 321, 123)


def test_an_extended_webp_gives_its_canvas() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (77, 55), (10, 20, 30, 40)).save(buffer, "WEBP")
    assert probe(buffer.getvalue()) == Probe("image", "image/webp", 77, 55)


@pytest.mark.parametrize("name", ["video/9x16-5s.mp4", "video-audio/21x9-9s.mp4"])
def test_mp4s_give_their_size_and_length(name: str) -> None:
    media = CATALOG.files[name]
    found = probe(media.path.read_bytes())
    assert found is not None
    assert (found.kind, found.mime_type) == ("video", "video/mp4")
    assert (found.width, found.height) == (media.width, media.height)
    assert found.seconds == pytest.approx(int(name.split("-")[-1].removesuffix("s.mp4")))


def test_anything_else_is_not_media_and_nothing_crashes() -> None:
    assert probe(b"") is None
    assert probe(b"hello, world") is None
    assert probe(b"%PDF-1.7") is None
    samples = [
        CATALOG.files["video/16x9-5s.mp4"].path.read_bytes()[:4096],
        CATALOG.files["image/1x1.jpg"].path.read_bytes()[:4096],
        CATALOG.files["image/1x1.png"].path.read_bytes()[:512],
    ]
    rng = random.Random(3)
    for _ in range(3000):
        data = bytearray(rng.choice(samples)[: rng.randrange(1, 4096)])
        for _ in range(rng.randrange(4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        found = probe(bytes(data))
        assert found is None or found.kind in ("image", "video")
