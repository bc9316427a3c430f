"""Engine: detect, protect in place (zero copy), protect_bytes, options and their errors."""
import os
import threading

import cv2
import numpy as np
import pytest

import shroud
from conftest import HEIGHT, REGIONS, WIDTH, data_pointer, inside_mask


def test_detect_returns_plain_regions(blur_engine, image):
    before = image.copy()
    regions = blur_engine.detect(image)
    assert [r.kind for r in regions] == ["face", "plate"]
    assert [r.box for r in regions] == [tuple(r["box"]) for r in REGIONS]
    assert all(isinstance(v, int) for r in regions for v in r.box)
    assert regions[0].score == pytest.approx(0.9)
    assert regions[0].landmarks == []
    assert regions[0].track_id == -1
    assert regions[0].to_dict()["box"] == (40, 30, 60, 70)
    assert "Region(kind='face'" in repr(regions[0])
    np.testing.assert_array_equal(image, before)  # detect changes nothing


def test_detect_accepts_read_only_arrays(blur_engine, image):
    image.flags.writeable = False
    assert len(blur_engine.detect(image)) == 2


def test_protect_in_place_without_copy(blur_engine, image):
    original = image.copy()
    pointer = data_pointer(image)
    report = blur_engine.protect(image)
    assert data_pointer(image) == pointer
    boxes = [a.box for a in report.actions]
    assert boxes == [tuple(r["box"]) for r in REGIONS]  # mask_scale=1.0: the boxes themselves
    assert [a.method for a in report.actions] == ["blur", "blur"]
    assert [a.kind for a in report.actions] == ["face", "plate"]
    mask = inside_mask(image.shape, boxes)
    changed = np.any(image != original, axis=2)
    assert not changed[~mask].any(), "pixels outside the regions changed"
    for x, y, w, h in boxes:
        assert changed[y:y + h, x:x + w].mean() > 0.9, "a region was not protected"
    assert report.container == b""
    assert report.record is None
    assert len(report.regions) == 2


def test_protect_row_slice_view_in_place(regions_file):
    # A crop of a bigger frame: rows further apart than the crop's width, protected in place.
    big = np.full((HEIGHT + 40, WIDTH + 60, 3), 128, dtype=np.uint8)
    rng = np.random.default_rng(3)
    big[20:20 + HEIGHT, 30:30 + WIDTH] = rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    original = big.copy()
    view = big[20:20 + HEIGHT, 30:30 + WIDTH]
    assert not view.flags.c_contiguous
    engine = shroud.Engine(detector="manual:" + regions_file, method="fill", mask_scale=1.0, color=[1, 2, 3])
    engine.protect(view)
    x, y, w, h = REGIONS[0]["box"]
    assert (big[20 + y:20 + y + h, 30 + x:30 + x + w] == [1, 2, 3]).all()
    mask = np.zeros(big.shape[:2], dtype=bool)
    for x, y, w, h in (r["box"] for r in REGIONS):
        mask[20 + y:20 + y + h, 30 + x:30 + x + w] = True
    np.testing.assert_array_equal(big[~mask], original[~mask])


@pytest.mark.parametrize("shape", [(HEIGHT, WIDTH), (HEIGHT, WIDTH, 1), (HEIGHT, WIDTH, 4)])
def test_protect_gray_and_bgra(regions_file, shape):
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, size=shape, dtype=np.uint8)
    original = image.copy()
    engine = shroud.Engine(detector="manual:" + regions_file, method="pixelate", mask_scale=1.0)
    report = engine.protect(image)
    assert len(report.actions) == 2
    mask = inside_mask(shape, [a.box for a in report.actions])
    assert (image[~mask] == original[~mask]).all()
    assert (image[mask] != original[mask]).any()


def test_single_row_and_column_views(blur_engine):
    # Size-1 dimensions may carry any stride (here 0); they are still plain images.
    row = np.arange(WIDTH * 3, dtype=np.uint16).reshape(WIDTH, 3)[np.newaxis]
    assert row.strides[0] == 0
    assert shroud.metrics.mse(row, np.ascontiguousarray(row)) == 0.0
    assert shroud.metrics.mse(row, np.ascontiguousarray(row) + 2) == 4.0
    column = np.random.default_rng(2).integers(0, 256, (HEIGHT, 5, 3), dtype=np.uint8)[:, 2:3]
    assert not column.flags.c_contiguous
    assert shroud.metrics.mse(column, np.ascontiguousarray(column)) == 0.0
    assert blur_engine.detect(column) != []


def test_protect_record(blur_engine, image):
    record = blur_engine.protect(image, record=True).record
    assert [p["method"] for p in record["protected"]] == ["blur", "blur"]
    assert record["width"] == WIDTH and record["height"] == HEIGHT


BAD_ARRAYS = [
    ("list", lambda img: img.tolist(), TypeError, "numpy.ndarray"),
    ("float32", lambda img: img.astype(np.float32), TypeError, "dtype"),
    ("int16", lambda img: img.astype(np.int16), TypeError, "dtype"),
    ("big-endian uint16", lambda img: img.astype(">u2"), TypeError, "dtype"),
    ("two channels", lambda img: np.ascontiguousarray(img[:, :, :2]), ValueError, "channels"),
    ("four dims", lambda img: img[np.newaxis], ValueError, "shape"),
    ("one dim", lambda img: img.reshape(-1), ValueError, "shape"),
    ("empty", lambda img: img[:0], ValueError, "empty"),
    ("column step", lambda img: img[:, ::2], ValueError, "contiguous"),
    ("channel step", lambda img: img[:, :, ::-1], ValueError, "contiguous"),
    ("row step backwards", lambda img: img[::-1], ValueError, "contiguous"),
    ("transposed", lambda img: img.transpose(1, 0, 2), ValueError, "contiguous"),
    ("fortran order", lambda img: np.asfortranarray(img), ValueError, "contiguous"),
]


@pytest.mark.parametrize("name,make,error,words", BAD_ARRAYS, ids=[b[0] for b in BAD_ARRAYS])
def test_bad_arrays_are_refused(blur_engine, image, name, make, error, words):
    bad = make(image)
    before = np.array(bad, copy=True) if isinstance(bad, np.ndarray) else None
    with pytest.raises(error, match=words):
        blur_engine.protect(bad)
    with pytest.raises(error, match=words):
        blur_engine.detect(bad)
    if before is not None:
        np.testing.assert_array_equal(bad, before)  # untouched


def test_read_only_array_is_refused(blur_engine, image):
    image.flags.writeable = False
    before = image.copy()
    with pytest.raises(ValueError, match="read-only"):
        blur_engine.protect(image)
    np.testing.assert_array_equal(image, before)


def test_option_errors(regions_file, tmp_path):
    with pytest.raises(shroud.InvalidArgumentError, match="nope"):
        shroud.Engine(detector="manual:" + regions_file, nope=1)
    with pytest.raises(shroud.InvalidArgumentError, match="quality"):
        shroud.Engine(detector="manual:" + regions_file, quality=0)
    with pytest.raises(shroud.InvalidArgumentError, match="mask_scale"):
        shroud.Engine(detector="manual:" + regions_file, mask_scale="big")
    with pytest.raises(shroud.InvalidArgumentError, match="method"):
        shroud.Engine(detector="manual:" + regions_file, method="nope")
    with pytest.raises(TypeError, match="policy must be a dict"):
        shroud.Engine(detector="manual:" + regions_file, policy="strict")
    with pytest.raises(TypeError, match="kinds"):
        shroud.Engine(detector="manual:" + regions_file, kinds="face")
    with pytest.raises(TypeError, match="shroud.Keyset"):
        shroud.Engine(detector="manual:" + regions_file, method="seal", keyset="keys.json")
    with pytest.raises(TypeError, match="cannot use a value of type"):
        shroud.Engine(detector="manual:" + regions_file, threshold=object())
    with pytest.raises(ValueError, match="not valid Unicode"):
        shroud.Engine(detector="manual:/tmp/\udcff.json")
    with pytest.raises(shroud.Error) as missing:
        shroud.Engine(detector="manual:" + str(tmp_path / "absent.json"))
    assert missing.value.code in ("not_found", "invalid_argument")
    # A seal needs a key; the message says so.
    with pytest.raises(shroud.InvalidArgumentError, match="key"):
        shroud.Engine(detector="manual:" + regions_file, method="seal")


def test_options_policy_and_keywords(regions_file):
    engine = shroud.Engine(detector="manual:" + regions_file, method="pixelate", cells=4, kinds=["plate"],
                           policy={"mask_scale": 1.0})
    assert engine.options["method"] == "pixelate"
    assert engine.options["cells"] == 4
    assert engine.options["kinds"] == ["plate"]
    assert engine.warnings == []
    assert engine.seals is False
    image = np.random.default_rng(1).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    report = engine.protect(image)
    assert [a.kind for a in report.actions] == ["plate"]  # kinds filter applied
    assert "Engine(mode='protect'" in repr(engine)


def test_policy_file(regions_file, tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text('{"method": "fill", "mask_scale": 1.0}')
    engine = shroud.Engine(detector="manual:" + regions_file, policy_file=policy)  # a pathlib.Path
    image = np.full((HEIGHT, WIDTH, 3), 200, dtype=np.uint8)
    report = engine.protect(image)
    assert [a.method for a in report.actions] == ["fill", "fill"]
    x, y, w, h = report.actions[0].box
    assert (image[y:y + h, x:x + w] == 0).all()


def test_protect_bytes(regions_file, image):
    engine = shroud.Engine(detector="manual:" + regions_file, method="blur", mask_scale=1.0)
    ok, png = cv2.imencode(".png", image)
    result = engine.protect_bytes(png.tobytes(), "png", name="in.png")
    assert result.sidecar is None
    assert [a.box for a in result.actions] == [tuple(r["box"]) for r in REGIONS]
    assert result.record["protected"][0]["method"] == "blur"
    decoded = cv2.imdecode(np.frombuffer(result.image, np.uint8), cv2.IMREAD_UNCHANGED)
    expected = image.copy()
    engine.protect(expected)  # the same engine on the array gives the same pixels
    np.testing.assert_array_equal(decoded, expected)
    # bytearray and memoryview are accepted too; JPEG output
    jpeg = engine.protect_bytes(memoryview(bytearray(png.tobytes())), format="jpeg")
    assert jpeg.image[:2] == b"\xff\xd8"


def test_protect_bytes_errors(blur_engine):
    with pytest.raises(TypeError, match="bytes-like"):
        blur_engine.protect_bytes("not bytes")
    with pytest.raises(shroud.Error) as bad:
        blur_engine.protect_bytes(b"this is not an image")
    assert bad.value.code in ("corrupt", "unsupported")
    with pytest.raises(shroud.Error):
        blur_engine.protect_bytes(b"", "png")


def test_threads_match_sequential(regions_file):
    engine = shroud.Engine(detector="manual:" + regions_file, method="blur")
    rng = np.random.default_rng(11)
    frames = [rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8) for _ in range(24)]
    sequential = [f.copy() for f in frames]
    for f in sequential:
        engine.protect(f)
    parallel = [f.copy() for f in frames]
    errors = []

    def worker(k):
        try:
            for i in range(k, len(parallel), 4):
                engine.protect(parallel[i])
                engine.detect(parallel[i])
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for a, b in zip(sequential, parallel):
        np.testing.assert_array_equal(a, b)


def test_protect_file(regions_file, image, tmp_path):
    src = tmp_path / "in.png"
    cv2.imwrite(str(src), image)
    engine = shroud.Engine(detector="manual:" + regions_file, method="pixelate")
    record = engine.protect_file(src, tmp_path / "out.png")
    assert len(record["protected"]) == 2
    assert (tmp_path / "out.png").exists()
    with pytest.raises(shroud.Error):
        engine.protect_file(tmp_path / "absent.png", tmp_path / "out2.png")
    assert not (tmp_path / "out2.png").exists()


def test_protect_paths(regions_file, image, tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    cv2.imwrite(str(src / "a.png"), image)
    cv2.imwrite(str(src / "sub" / "b.png"), image)
    (src / "sub" / "broken.png").write_bytes(b"not a png")
    engine = shroud.Engine(detector="manual:" + regions_file, method="fill", jobs=2)
    calls = []
    result = engine.protect_paths([src], tmp_path / "out", progress=lambda d, t: calls.append((d, t)))
    by_name = {os.path.basename(f["input"]): f for f in result["files"]}
    assert set(by_name) == {"a.png", "b.png", "broken.png"}
    assert by_name["a.png"]["ok"] and by_name["a.png"]["protected"] == 2
    assert not by_name["broken.png"]["ok"] and by_name["broken.png"]["error"]
    assert result["ok"] == 2
    assert (tmp_path / "out" / "sub" / "b.png").exists()
    assert not (tmp_path / "out" / "sub" / "broken.png").exists()
    assert calls[-1] == (3, 3)
    with pytest.raises(shroud.Error):
        engine.protect_paths([src], src / "a.png")  # the output is an input


def test_help_is_useful():
    doc = shroud.Engine.__doc__
    for word in ("detector", "method", "policy", "keyset", "recipient", "Thread safety"):
        assert word in doc
    assert "IN PLACE" in shroud.Engine.protect.__doc__
    assert "Region" in shroud.Engine.detect.__doc__
    assert shroud.metrics.ssim.__doc__
    assert shroud.attack.__doc__


def test_gil_is_released_during_protect(tmp_path):
    # One long protect() call in a thread; the main thread keeps running Python meanwhile. If the
    # call held the GIL, the main thread could not run at all until it returned.
    regions = tmp_path / "whole.json"
    regions.write_text('{"regions": [{"kind": "face", "box": [0, 0, 3000, 3000]}]}')
    engine = shroud.Engine(detector="manual:" + str(regions), method="blur", strength=1.0)
    frame = np.random.default_rng(0).integers(0, 256, (3000, 3000, 3), dtype=np.uint8)
    seconds = []

    def work():
        import time
        t0 = time.perf_counter()
        engine.protect(frame)
        seconds.append(time.perf_counter() - t0)

    spins = 0
    t = threading.Thread(target=work)
    t.start()
    while t.is_alive():
        spins += 1
    t.join()
    if seconds[0] < 0.05:
        pytest.skip("the call was too quick (%.3f s) to tell" % seconds[0])
    assert spins > 10000, "main thread starved for %.3f s: the GIL was held" % seconds[0]


def test_region_values():
    r = shroud.Region("plate", (1, 2, 3, 4), score=0.5, detector="me", label="car")
    assert (r.kind, r.box, r.score, r.detector, r.label, r.text, r.track_id) == ("plate", (1, 2, 3, 4), 0.5, "me",
                                                                                "car", "", -1)
    assert r == shroud.Region("plate", [1, 2, 3, 4], 0.5, "me", "car")
    assert r != shroud.Region("face", (1, 2, 3, 4), 0.5, "me", "car")
    assert r != 5 and r != (1, 2, 3, 4)  # other types compare unequal, no TypeError
    assert len({r, shroud.Region("plate", (1, 2, 3, 4), 0.5, "me", "car")}) == 1
    with pytest.raises(shroud.InvalidArgumentError):
        shroud.Region("nose", (1, 2, 3, 4))
    with pytest.raises(TypeError):
        shroud.Region("face", (1, 2, 3))
    with pytest.raises(ValueError):
        shroud.Region("face", (1, 2, -3, 4))
