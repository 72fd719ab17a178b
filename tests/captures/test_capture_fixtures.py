"""The shipped 3D artifacts are real files of their kind, and the generator still makes them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from mockluma.engine.media import CAPTURE_ARTIFACTS, MediaCatalog

from .support import check_obj_zip, check_usdz, glb_document, ply_counts

MEDIA = MediaCatalog()
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_capture_fixtures.py"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("make_capture_fixtures", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_the_artifacts_are_tiny() -> None:
    sizes = [MEDIA.capture_artifact(name).size for name in CAPTURE_ARTIFACTS]
    assert sum(sizes) < 20_000


def test_the_mesh_and_point_cloud_are_binary_ply() -> None:
    assert ply_counts(MEDIA.capture_artifact("mesh.ply").path.read_bytes()) == {
        "vertex": 8,
        "face": 12,
    }
    assert ply_counts(MEDIA.capture_artifact("point-cloud.ply").path.read_bytes()) == {"vertex": 64}


def test_the_glb_is_a_textured_gltf_2_model() -> None:
    document = glb_document(MEDIA.capture_artifact("textured-mesh.glb").path.read_bytes())
    primitive = document["meshes"][0]["primitives"][0]
    assert set(primitive["attributes"]) == {"POSITION", "NORMAL", "TEXCOORD_0"}
    material = document["materials"][primitive["material"]]
    assert "baseColorTexture" in material["pbrMetallicRoughness"]
    position = document["accessors"][primitive["attributes"]["POSITION"]]
    assert {"min", "max"} <= set(position)


def test_the_obj_zip_and_usdz_open() -> None:
    check_obj_zip(MEDIA.capture_artifact("textured-mesh-obj.zip").path.read_bytes())
    check_usdz(MEDIA.capture_artifact("textured-mesh.usdz").path.read_bytes())


@pytest.mark.parametrize("name", CAPTURE_ARTIFACTS)
def test_the_generator_reproduces_the_shipped_bytes(name: str) -> None:
    build = _generator().FILES[name]
    assert build() == MEDIA.capture_artifact(name).path.read_bytes()
