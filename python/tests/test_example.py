"""examples/python/protect_video.py (the README's cv2.VideoCapture loop) on vtest.avi."""
import json
import os
import subprocess
import sys

import cv2
import pytest

from conftest import source_dir

VTEST = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"


def test_video_example(tmp_path):
    if not os.path.isfile(VTEST):
        pytest.skip(VTEST + " not found (Debian opencv-doc)")
    regions = tmp_path / "regions.json"
    regions.write_text(json.dumps({"regions": [{"kind": "face", "box": [100, 100, 120, 80]}]}))
    out = tmp_path / "out.avi"
    script = os.path.join(source_dir(), "examples", "python", "protect_video.py")
    run = subprocess.run([sys.executable, script, VTEST, str(out), "--method", "fill",
                          "--detector", "manual:" + str(regions), "--max-frames", "12"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "12 frames protected" in run.stdout
    cap = cv2.VideoCapture(str(out))
    frames = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames += 1
        # The filled (black) box survives MJPG as near-black; around it the scene is not black.
        assert frame[105:175, 105:215].mean() < 12
        assert frame[0:90, 0:90].mean() > 40
    assert frames == 12
