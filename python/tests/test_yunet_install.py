"""A real detector on a real photo (skips without the model), and the installed package."""
import os
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest

import shroud
from conftest import data_pointer, source_dir

MESSI = "/usr/share/doc/opencv-doc/examples/data/messi5.jpg"
YUNET = "face_detection_yunet_2022mar.onnx"


def models_dir():
    for d in (os.environ.get("SHROUD_MODELS", ""), os.path.join(source_dir(), "..", "shared", "models")):
        if d and os.path.isfile(os.path.join(d, YUNET)):
            return os.path.abspath(d)
    return None


def test_yunet_on_messi():
    models = models_dir()
    if models is None:
        pytest.skip(YUNET + " not found ($SHROUD_MODELS, ../shared/models): scripts/fetch-models")
    if not os.path.isfile(MESSI):
        pytest.skip(MESSI + " not found (Debian opencv-doc)")
    frame = cv2.imread(MESSI)
    engine = shroud.Engine(detector="yunet", method="pixelate", models_dir=models)
    faces = engine.detect(frame)
    assert len(faces) >= 1
    face = max(faces, key=lambda r: r.score)
    assert face.kind == "face" and face.detector == "yunet"
    assert len(face.landmarks) == 5
    assert all(isinstance(c, float) for p in face.landmarks for c in p)
    x, y, w, h = face.box
    # Messi's face in messi5.jpg (548x342) is near x 220..260, y 85..135 (docs/regions.md).
    assert 200 < x + w / 2 < 280 and 80 < y + h / 2 < 140
    original = frame.copy()
    pointer = data_pointer(frame)
    report = engine.protect(frame)
    assert data_pointer(frame) == pointer
    ax, ay, aw, ah = report.actions[0].box
    assert (frame[ay:ay + ah, ax:ax + aw] != original[ay:ay + ah, ax:ax + aw]).any()
    # After pixelation the detector no longer finds that face with its old score.
    after = [r for r in engine.detect(frame) if shroud_iou(r.box, face.box) > 0.5]
    assert not after or max(r.score for r in after) < face.score


def shroud_iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    return inter / float(aw * ah + bw * bh - inter)


def build_dir():
    d = os.environ.get("SHROUD_BUILD_DIR")
    if not d or not os.path.isfile(os.path.join(d, "CMakeCache.txt")):
        pytest.skip("SHROUD_BUILD_DIR (the CMake build folder) not set")
    return d


def test_cmake_install_component(tmp_path):
    build = build_dir()
    cache = open(os.path.join(build, "CMakeCache.txt")).read()
    site = re.search(r"^SHROUD_PYTHON_INSTALL_DIR:\w+=(.*)$", cache, re.M).group(1)
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", build, "--component", "python", "--prefix", str(prefix)],
                   check=True, capture_output=True)
    installed = site if os.path.isabs(site) else os.path.join(prefix, site)
    for f in ("__init__.py", "metrics.py", "_shroud.pyi", "py.typed"):
        assert os.path.isfile(os.path.join(installed, "shroud", f))
    env = dict(os.environ, PYTHONPATH=installed)
    regions = tmp_path / "regions.json"
    regions.write_text('{"regions": [{"kind": "face", "box": [1, 2, 3, 4]}]}')
    code = ("import shroud, numpy as np; e = shroud.Engine(detector='manual:%s', method='blur'); "
            "print(shroud.__file__); print(len(e.detect(np.zeros((8, 8, 3), np.uint8))))" % regions)
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True,
                         cwd=str(tmp_path))
    lines = out.stdout.split()
    assert lines[0].startswith(str(installed))
    assert lines[1] == "1"


def test_stub_names_every_public_name():
    stub = os.path.join(os.path.dirname(shroud._shroud.__file__), "_shroud.pyi")
    text = open(stub).read()
    import ast
    ast.parse(text)  # valid Python syntax
    for name in shroud.__all__:
        if name in ("metrics", "__version__"):
            continue
        assert re.search(r"^(class|def) " + name + r"\b", text, re.M), name + " missing from _shroud.pyi"
    for name in shroud.metrics.__all__:
        assert re.search(r"^    def " + name + r"\b", text, re.M), "metrics." + name + " missing from _shroud.pyi"
    for method in ("detect", "protect", "protect_bytes", "recover_bytes", "recover", "protect_file", "recover_file",
                   "protect_paths", "protect_video", "recover_video"):
        assert "    def " + method + "(" in text
