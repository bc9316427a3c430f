"""Engine.protect_video / recover_video on vtest.avi (first frames), progress and cancel."""
import json
import os

import cv2
import pytest

import shroud

VTEST = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
BOX = [100, 100, 120, 80]


@pytest.fixture
def regions(tmp_path):
    if not os.path.isfile(VTEST):
        pytest.skip(VTEST + " not found (Debian opencv-doc)")
    path = tmp_path / "regions.json"
    path.write_text(json.dumps({"regions": [{"kind": "face", "box": BOX}]}))
    return "manual:" + str(path)


def count_frames(path):
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:
        n += 1
    return n


def test_protect_video_with_progress(regions, tmp_path):
    engine = shroud.Engine(detector=regions, method="fill", mask_scale=1.0, max_frames=8, codec="mpeg4")
    calls = []
    out = tmp_path / "out.mp4"
    report = engine.protect_video(VTEST, out, progress=lambda done, total: calls.append((done, total)))
    assert report["frames"] == 8
    assert report["regions"] == 8
    assert calls and calls[-1][0] == 8
    assert count_frames(out) == 8
    cap = cv2.VideoCapture(str(out))
    ok, frame = cap.read()
    x, y, w, h = BOX
    assert frame[y + 5:y + h - 5, x + 5:x + w - 5].mean() < 12  # filled black (lossy codec)


def test_protect_video_cancel_and_callback_error(regions, tmp_path):
    engine = shroud.Engine(detector=regions, method="blur", max_frames=8, codec="mpeg4")
    out = tmp_path / "cancelled.mp4"
    with pytest.raises(shroud.Error, match="cancel"):
        engine.protect_video(VTEST, out, cancelled=lambda: True)
    assert not out.exists()

    def broken(done, total):
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        engine.protect_video(VTEST, out, progress=broken)
    assert not out.exists()


def test_seal_video_round_trip(regions, tmp_path):
    keyset = shroud.Keyset.generate()
    engine = shroud.Engine(detector=regions, method="seal", keyset=keyset, max_frames=6, mask_scale=1.0)
    out = tmp_path / "sealed.mp4"
    report = engine.protect_video(VTEST, out)
    assert report["frames"] == 6 and report["sealed_regions"] == 6
    assert os.path.exists(report["track"])
    back = shroud.Engine(mode="recover", keyset=keyset).recover_video(out, tmp_path / "back.mkv")
    assert back["frames"] == 6 and back["regions"] == 6
    # The recovered region equals the source frame's pixels (the seal keeps them exactly).
    src, rec = cv2.VideoCapture(VTEST), cv2.VideoCapture(str(tmp_path / "back.mkv"))
    x, y, w, h = BOX
    for _ in range(6):
        a, b = src.read()[1], rec.read()[1]
        assert (a[y:y + h, x:x + w] == b[y:y + h, x:x + w]).all()
    with pytest.raises(shroud.Error):
        shroud.Engine(mode="recover", keyset=shroud.Keyset.generate()).recover_video(out, tmp_path / "no.mkv")
    assert not (tmp_path / "no.mkv").exists()
