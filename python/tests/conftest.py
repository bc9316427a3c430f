"""Fixtures for the shroud module tests. The module is imported from PYTHONPATH (ctest sets it
to build/python); a manual regions file gives exact, model-free detections."""
import json
import os

import numpy as np
import pytest

import shroud

# Two regions, one face and one plate, inside a 320x240 test image.
REGIONS = [
    {"kind": "face", "box": [40, 30, 60, 70], "score": 0.9},
    {"kind": "plate", "box": [180, 150, 90, 30], "score": 0.8},
]
HEIGHT, WIDTH = 240, 320


@pytest.fixture
def regions_file(tmp_path):
    path = tmp_path / "regions.json"
    path.write_text(json.dumps({"regions": REGIONS}))
    return str(path)


@pytest.fixture
def image():
    """Random BGR pixels: any change of any pixel is visible."""
    rng = np.random.default_rng(7)
    return rng.integers(0, 256, size=(HEIGHT, WIDTH, 3), dtype=np.uint8)


@pytest.fixture
def blur_engine(regions_file):
    return shroud.Engine(detector="manual:" + regions_file, method="blur", mask_scale=1.0)


@pytest.fixture
def keyset():
    return shroud.Keyset.generate()


def inside_mask(shape, boxes):
    mask = np.zeros(shape[:2], dtype=bool)
    for x, y, w, h in boxes:
        mask[y:y + h, x:x + w] = True
    return mask


def data_pointer(array):
    return array.__array_interface__["data"][0]


def source_dir():
    return os.environ.get("SHROUD_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
