"""Checks shared by the Captures tests: response schemas, and what a downloaded file really is."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from typing import Any

from PIL import Image

from mockluma.schemas import store as schema_store

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def check_schema(name: str, body: Any) -> None:
    """Fail with the schema's own words if ``body`` breaks ``schemas/captures/<name>``."""
    problem = schema_store.first_error(f"captures/{name}", body)
    assert problem is None, f"{name}: {schema_store.describe(problem)} at {problem.json_path}"


def ply_counts(data: bytes) -> dict[str, int]:
    """Element counts of a binary little-endian PLY whose size matches its header exactly."""
    header, separator, body = data.partition(b"end_header\n")
    assert separator, "no end_header"
    lines = header.decode("ascii").splitlines()
    assert lines[0] == "ply"
    assert lines[1] == "format binary_little_endian 1.0"
    counts: dict[str, int] = {}
    sizes = {"float": 4, "uchar": 1, "int": 4}
    expected = 0
    element = ""
    for line in lines[2:]:
        words = line.split()
        if words[0] == "element":
            element = words[1]
            counts[element] = int(words[2])
        elif words[0] == "property" and words[1] == "list":
            # Only triangles here: a one-byte count of 3, then three indices.
            assert (words[2], words[3]) == ("uchar", "int")
            expected += counts[element] * (1 + 3 * 4)
        elif words[0] == "property":
            expected += counts[element] * sizes[words[1]]
    assert len(body) == expected
    if "face" in counts:
        vertices = counts["vertex"]
        offset = len(body) - counts["face"] * 13
        for index in range(counts["face"]):
            size, *corners = struct.unpack_from("<Biii", body, offset + 13 * index)
            assert size == 3
            assert all(0 <= corner < vertices for corner in corners)
    return counts


def glb_document(data: bytes) -> dict[str, Any]:
    """The JSON of a binary glTF 2.0 file, after checking its chunks and buffer views."""
    magic, version, length = struct.unpack_from("<4sII", data)
    assert (magic, version, length) == (b"glTF", 2, len(data))
    json_length, json_type = struct.unpack_from("<I4s", data, 12)
    assert json_type == b"JSON"
    document: dict[str, Any] = json.loads(data[20 : 20 + json_length])
    bin_offset = 20 + json_length
    bin_length, bin_type = struct.unpack_from("<I4s", data, bin_offset)
    assert bin_type == b"BIN\x00"
    assert bin_offset + 8 + bin_length == len(data)
    assert document["asset"]["version"] == "2.0"
    assert document["buffers"][0]["byteLength"] <= bin_length
    for view in document["bufferViews"]:
        assert view["byteOffset"] + view["byteLength"] <= bin_length
    binary = data[bin_offset + 8 :]
    for image in document.get("images", []):
        view = document["bufferViews"][image["bufferView"]]
        start = view["byteOffset"]
        assert binary[start : start + len(PNG_MAGIC)] == PNG_MAGIC
    return document


def check_obj_zip(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        obj = next(name for name in names if name.endswith(".obj"))
        text = archive.read(obj).decode("ascii")
        vertices = sum(1 for line in text.splitlines() if line.startswith("v "))
        faces = [line.split()[1:] for line in text.splitlines() if line.startswith("f ")]
        assert vertices
        assert faces
        assert all(1 <= int(corner.split("/")[0]) <= vertices for f in faces for corner in f)
        library = text.split("mtllib ", 1)[1].split()[0]
        material = archive.read(library).decode("ascii")
        texture = material.split("map_Kd ", 1)[1].split()[0]
        Image.open(io.BytesIO(archive.read(texture))).verify()


def check_usdz(data: bytes) -> None:
    """A USDZ package: stored (not compressed), every file 64-byte aligned, USD layer first."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
        assert entries[0].filename.endswith((".usda", ".usdc", ".usd"))
        for entry in entries:
            assert entry.compress_type == zipfile.ZIP_STORED
            (name_length, extra_length) = struct.unpack_from("<HH", data, entry.header_offset + 26)
            assert (entry.header_offset + 30 + name_length + extra_length) % 64 == 0
        layer = archive.read(entries[0]).decode("ascii")
        assert layer.startswith("#usda 1.0")


def check_artifact(kind: str, content_type: str, data: bytes) -> None:
    """``data`` is a real file of the kind a capture artifact ``kind`` promises."""
    if kind in ("thumb", "preview_360", "video_with_background_preview"):
        assert content_type == "image/jpeg"
        with Image.open(io.BytesIO(data)) as picture:
            assert picture.format == "JPEG"
            picture.load()
    elif kind == "video_with_background":
        assert content_type == "video/mp4"
        assert data[4:8] == b"ftyp"
    elif kind in ("full_mesh", "point_cloud"):
        counts = ply_counts(data)
        assert counts["vertex"] > 0
        assert ("face" in counts) == (kind == "full_mesh")
    elif kind.endswith("_glb"):
        assert content_type == "model/gltf-binary"
        assert glb_document(data)["meshes"]
    elif kind.endswith("_obj"):
        assert content_type == "application/zip"
        check_obj_zip(data)
    elif kind.endswith("_usdz"):
        assert content_type == "model/vnd.usdz+zip"
        check_usdz(data)
    else:
        raise AssertionError(f"unexpected artifact type {kind!r}")
