"""Generate the tiny 3D files that a finished Captures v2 run links to.

Writes into ``fixtures/media/capture/`` at the repository root (or ``--out DIR``):

* ``mesh.ply``               binary PLY: a vertex-coloured cube, 8 vertices and 12 triangles
* ``point-cloud.ply``        binary PLY: 64 coloured points on a sphere, no faces
* ``textured-mesh.glb``      binary glTF 2.0: a cube with normals, UVs and an embedded PNG texture
* ``textured-mesh-obj.zip``  ``mesh.obj`` + ``mesh.mtl`` + ``texture.png``, deflated
* ``textured-mesh.usdz``     ``model.usda`` + ``texture.png``, stored, each 64-byte aligned

Luma's real artifacts are the same formats at full size; these are the smallest valid files of
each kind, so a client that downloads and opens them works. The capture's images and video
artifacts reuse the shipped thumbnails and videos instead.

Only the standard library is used and the output is byte-for-byte deterministic (fixed zip
timestamps, fixed compression level). Rerun it from the repository root with::

    python scripts/make_capture_fixtures.py

when a file must change, and commit the result (about 5 kB in all).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import struct
import sys
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "fixtures" / "media" / "capture"

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
USDZ_ALIGNMENT = 64
USDZ_PADDING_ID = 0x1986  # the extra-field id Pixar's usdzip uses for alignment padding

# A unit cube centred on the origin.
CUBE_CORNERS = [(x, y, z) for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)]
CUBE_TRIANGLES = [
    (0, 1, 3), (0, 3, 2),  # x = -0.5
    (4, 6, 7), (4, 7, 5),  # x = +0.5
    (0, 4, 5), (0, 5, 1),  # y = -0.5
    (2, 3, 7), (2, 7, 6),  # y = +0.5
    (0, 2, 6), (0, 6, 4),  # z = -0.5
    (1, 5, 7), (1, 7, 3),  # z = +0.5
]  # fmt: skip

# Per-face data of the textured cube: normal, then its four corners counter-clockwise.
H = 0.5
FACES: list[tuple[tuple[float, float, float], list[tuple[float, float, float]]]] = [
    ((1.0, 0.0, 0.0), [(H, -H, H), (H, -H, -H), (H, H, -H), (H, H, H)]),
    ((-1.0, 0.0, 0.0), [(-H, -H, -H), (-H, -H, H), (-H, H, H), (-H, H, -H)]),
    ((0.0, 1.0, 0.0), [(-H, H, H), (H, H, H), (H, H, -H), (-H, H, -H)]),
    ((0.0, -1.0, 0.0), [(-H, -H, -H), (H, -H, -H), (H, -H, H), (-H, -H, H)]),
    ((0.0, 0.0, 1.0), [(-H, -H, H), (H, -H, H), (H, H, H), (-H, H, H)]),
    ((0.0, 0.0, -1.0), [(H, -H, -H), (-H, -H, -H), (-H, H, -H), (H, H, -H)]),
]
QUAD_UVS = [(0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)]
TEXTURE_SIZE = 8
TEXTURE_COLOURS = ((94, 129, 172), (235, 203, 139))


# -- PNG --------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def texture_png() -> bytes:
    """An 8x8 RGB checkerboard."""
    rows = b""
    for y in range(TEXTURE_SIZE):
        row = b"".join(bytes(TEXTURE_COLOURS[(x + y) % 2]) for x in range(TEXTURE_SIZE))
        rows += b"\x00" + row  # filter type 0 (none) per scanline
    header = struct.pack(">IIBBBBB", TEXTURE_SIZE, TEXTURE_SIZE, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows, 9))
        + _png_chunk(b"IEND", b"")
    )


# -- PLY --------------------------------------------------------------------------------------


def _colour(x: float, y: float, z: float) -> tuple[int, int, int]:
    return (round((x + 0.5) * 255), round((y + 0.5) * 255), round((z + 0.5) * 255))


def mesh_ply() -> bytes:
    header = (
        "ply\n"
        "format binary_little_endian 1.0\n"
        "comment mockluma capture fixture: a vertex-coloured cube\n"
        f"element vertex {len(CUBE_CORNERS)}\n"
        "property float x\nproperty float y\nproperty float z\n"
        "property uchar red\nproperty uchar green\nproperty uchar blue\n"
        f"element face {len(CUBE_TRIANGLES)}\n"
        "property list uchar int vertex_indices\n"
        "end_header\n"
    ).encode("ascii")
    body = b"".join(struct.pack("<fffBBB", *corner, *_colour(*corner)) for corner in CUBE_CORNERS)
    body += b"".join(struct.pack("<Biii", 3, *triangle) for triangle in CUBE_TRIANGLES)
    return header + body


def sphere_points(count: int = 64) -> list[tuple[float, float, float]]:
    """``count`` points spread evenly over a sphere of radius 0.5 (a Fibonacci lattice)."""
    golden = math.pi * (3 - math.sqrt(5))
    points = []
    for i in range(count):
        y = 1 - 2 * (i + 0.5) / count
        radius = math.sqrt(1 - y * y)
        points.append(
            (
                round(0.5 * radius * math.cos(golden * i), 6),
                round(0.5 * y, 6),
                round(0.5 * radius * math.sin(golden * i), 6),
            )
        )
    return points


def point_cloud_ply() -> bytes:
    points = sphere_points()
    header = (
        "ply\n"
        "format binary_little_endian 1.0\n"
        "comment mockluma capture fixture: points on a sphere\n"
        f"element vertex {len(points)}\n"
        "property float x\nproperty float y\nproperty float z\n"
        "property uchar red\nproperty uchar green\nproperty uchar blue\n"
        "end_header\n"
    ).encode("ascii")
    return header + b"".join(struct.pack("<fffBBB", *p, *_colour(*p)) for p in points)


# -- glTF -------------------------------------------------------------------------------------


def _pad(data: bytes, filler: bytes) -> bytes:
    return data + filler * (-len(data) % 4)


def textured_cube_glb() -> bytes:
    positions, normals, uvs, indices = b"", b"", b"", b""
    for face, (normal, corners) in enumerate(FACES):
        for corner, uv in zip(corners, QUAD_UVS, strict=True):
            positions += struct.pack("<3f", *corner)
            normals += struct.pack("<3f", *normal)
            uvs += struct.pack("<2f", *uv)
        base = face * 4
        indices += struct.pack("<6H", base, base + 1, base + 2, base, base + 2, base + 3)
    image = texture_png()
    views: list[dict[str, int]] = []
    binary = b""
    for block, target in (
        (positions, 34962),
        (normals, 34962),
        (uvs, 34962),
        (indices, 34963),
        (image, 0),
    ):
        view = {"buffer": 0, "byteOffset": len(binary), "byteLength": len(block)}
        if target:
            view["target"] = target
        views.append(view)
        binary = _pad(binary + block, b"\x00")
    count = len(FACES) * 4
    document = {
        "asset": {"version": "2.0", "generator": "mockluma capture fixture"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": "capture"}],
        "meshes": [
            {
                "primitives": [
                    {
                        "attributes": {"POSITION": 0, "NORMAL": 1, "TEXCOORD_0": 2},
                        "indices": 3,
                        "material": 0,
                    }
                ]
            }
        ],
        "materials": [
            {"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}, "metallicFactor": 0.0}}
        ],
        "textures": [{"source": 0, "sampler": 0}],
        "samplers": [{"magFilter": 9728, "minFilter": 9728}],
        "images": [{"bufferView": 4, "mimeType": "image/png"}],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": 5126,
                "count": count,
                "type": "VEC3",
                "min": [-0.5, -0.5, -0.5],
                "max": [0.5, 0.5, 0.5],
            },
            {"bufferView": 1, "componentType": 5126, "count": count, "type": "VEC3"},
            {"bufferView": 2, "componentType": 5126, "count": count, "type": "VEC2"},
            {"bufferView": 3, "componentType": 5123, "count": len(FACES) * 6, "type": "SCALAR"},
        ],
        "bufferViews": views,
        "buffers": [{"byteLength": len(binary)}],
    }
    text = _pad(json.dumps(document, separators=(",", ":")).encode("utf-8"), b" ")
    chunks = struct.pack("<I4s", len(text), b"JSON") + text
    chunks += struct.pack("<I4s", len(binary), b"BIN\x00") + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


# -- OBJ and USDZ (zip archives) --------------------------------------------------------------


def textured_cube_obj() -> tuple[str, str]:
    lines = ["# mockluma capture fixture: a textured cube", "mtllib mesh.mtl"]
    for _, corners in FACES:
        lines += [f"v {x:g} {y:g} {z:g}" for x, y, z in corners]
    lines += [f"vt {u:g} {1 - v:g}" for u, v in QUAD_UVS]  # OBJ's v axis points up
    lines += [f"vn {x:g} {y:g} {z:g}" for (x, y, z), _ in FACES]
    lines.append("usemtl capture")
    for face in range(len(FACES)):
        corner = [f"{face * 4 + k + 1}/{k + 1}/{face + 1}" for k in range(4)]
        lines.append("f " + " ".join(corner))
    material = "newmtl capture\nKa 1 1 1\nKd 1 1 1\nmap_Kd texture.png\n"
    return "\n".join(lines) + "\n", material


def _entry(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    info.create_system = 3  # Unix: the same bytes whichever system runs this
    return info


def obj_zip() -> bytes:
    mesh, material = textured_cube_obj()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in (
            ("mesh.obj", mesh.encode("ascii")),
            ("mesh.mtl", material.encode("ascii")),
            ("texture.png", texture_png()),
        ):
            archive.writestr(_entry(name, zipfile.ZIP_DEFLATED), data, compresslevel=9)
    return buffer.getvalue()


def textured_cube_usda() -> str:
    points, counts, indices, uvs = [], [], [], []
    for face, (_, corners) in enumerate(FACES):
        points += [f"({x:g}, {y:g}, {z:g})" for x, y, z in corners]
        counts.append("4")
        indices += [str(face * 4 + k) for k in range(4)]
        uvs += [f"({u:g}, {1 - v:g})" for u, v in QUAD_UVS]
    return f"""#usda 1.0
(
    defaultPrim = "capture"
    metersPerUnit = 1
    upAxis = "Y"
    doc = "mockluma capture fixture: a textured cube"
)

def Xform "capture"
{{
    def Mesh "mesh" (
        prepend apiSchemas = ["MaterialBindingAPI"]
    )
    {{
        int[] faceVertexCounts = [{", ".join(counts)}]
        int[] faceVertexIndices = [{", ".join(indices)}]
        point3f[] points = [{", ".join(points)}]
        texCoord2f[] primvars:st = [{", ".join(uvs)}] (
            interpolation = "faceVarying"
        )
        rel material:binding = </capture/material>
    }}

    def Material "material"
    {{
        token outputs:surface.connect = </capture/material/surface.outputs:surface>

        def Shader "surface"
        {{
            uniform token info:id = "UsdPreviewSurface"
            color3f inputs:diffuseColor.connect = </capture/material/texture.outputs:rgb>
            token outputs:surface
        }}

        def Shader "st"
        {{
            uniform token info:id = "UsdPrimvarReader_float2"
            string inputs:varname = "st"
            float2 outputs:result
        }}

        def Shader "texture"
        {{
            uniform token info:id = "UsdUVTexture"
            asset inputs:file = @texture.png@
            float2 inputs:st.connect = </capture/material/st.outputs:result>
            float3 outputs:rgb
        }}
    }}
}}
"""


def usdz() -> bytes:
    """A USDZ package: an uncompressed zip whose files each start on a 64-byte boundary."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in (
            ("model.usda", textured_cube_usda().encode("ascii")),
            ("texture.png", texture_png()),
        ):
            info = _entry(name, zipfile.ZIP_STORED)
            # The data starts after the 30-byte local header, the name and the extra field.
            start = buffer.tell() + 30 + len(name.encode("ascii")) + 4
            padding = -start % USDZ_ALIGNMENT
            info.extra = struct.pack("<HH", USDZ_PADDING_ID, padding) + b"\x00" * padding
            archive.writestr(info, data)
    return buffer.getvalue()


FILES = {
    "mesh.ply": mesh_ply,
    "point-cloud.ply": point_cloud_ply,
    "textured-mesh.glb": textured_cube_glb,
    "textured-mesh-obj.zip": obj_zip,
    "textured-mesh.usdz": usdz,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, build in FILES.items():
        data = build()
        (out / name).write_bytes(data)
        total += len(data)
        print(f"{len(data):>8}  {name}")
    print(f"{total:>8}  total ({len(FILES)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
