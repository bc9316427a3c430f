"""Seal round trips (frames and bytes), keysets (generate, save, load, freeze), recipient keys."""
import os
import stat

import cv2
import numpy as np
import pytest

import shroud
from conftest import REGIONS, data_pointer, inside_mask


def seal_engine(regions_file, **keys):
    return shroud.Engine(detector="manual:" + regions_file, method="seal", mask_scale=1.0, **keys)


def test_seal_frame_round_trip_bit_exact(regions_file, image, keyset):
    original = image.copy()
    engine = seal_engine(regions_file, keyset=keyset)
    assert engine.seals
    pointer = data_pointer(image)
    report = engine.protect(image)
    assert data_pointer(image) == pointer
    # Container version 2 (region bodies compressed and padded, docs/container-format.md 1.5):
    # the headers, the manifest tag and one body (>= 64 + 16 bytes) per region.
    assert bytes(report.container[:5]) == b"SHRD\x02"
    assert len(report.container) >= 108 + len(REGIONS) * (84 + 80) + 32
    mask = inside_mask(image.shape, [a.box for a in report.actions])
    assert (image[~mask] == original[~mask]).all()
    assert (image[mask] != original[mask]).mean() > 0.9
    recoverer = shroud.Engine(mode="recover", keyset=keyset)
    protected = image.copy()
    restored = recoverer.recover(image, report.container)
    np.testing.assert_array_equal(restored, original)
    np.testing.assert_array_equal(image, protected)  # recover() does not change its input
    # The protecting engine (same keyset) recovers too.
    np.testing.assert_array_equal(engine.recover(image, report.container), original)
    # Only the plate.
    plate_only = recoverer.recover(image, report.container, kinds=["plate"])
    x, y, w, h = REGIONS[1]["box"]
    np.testing.assert_array_equal(plate_only[y:y + h, x:x + w], original[y:y + h, x:x + w])
    x, y, w, h = REGIONS[0]["box"]
    np.testing.assert_array_equal(plate_only[y:y + h, x:x + w], protected[y:y + h, x:x + w])


def test_seal_wrong_key_and_tampering(regions_file, image, keyset):
    engine = seal_engine(regions_file, keyset=keyset)
    report = engine.protect(image)
    other = shroud.Engine(mode="recover", keyset=shroud.Keyset.generate())
    with pytest.raises(shroud.NotFoundError, match="not in this keyset"):
        other.recover(image, report.container)
    recoverer = shroud.Engine(mode="recover", keyset=keyset)
    flipped = bytearray(report.container)
    flipped[len(flipped) // 2] ^= 1
    with pytest.raises(shroud.Error) as tampered:
        recoverer.recover(image, bytes(flipped))
    assert tampered.value.code in ("authentication", "corrupt")
    # A changed carrier pixel (container bound to the pixels) is refused as well.
    changed = image.copy()
    changed[0, 0, 0] ^= 1
    with pytest.raises(shroud.AuthenticationError):
        recoverer.recover(changed, report.container)


def test_seal_bytes_round_trip(regions_file, image, keyset):
    ok, png = cv2.imencode(".png", image)
    engine = seal_engine(regions_file, keyset=keyset)
    sealed = engine.protect_bytes(png.tobytes(), "png", name="a.png")
    assert sealed.sidecar is None  # embedded in the PNG
    recoverer = shroud.Engine(mode="recover", keyset=keyset)
    data, info = recoverer.recover_bytes(sealed.image)
    assert info["scheme"] == "seal"
    assert info["restored"] == 2 and info["region_count"] == 2
    assert (info["width"], info["height"]) == (image.shape[1], image.shape[0])
    np.testing.assert_array_equal(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED), image)
    # With a sidecar: the image carries no container, the sidecar is needed.
    side_engine = seal_engine(regions_file, keyset=keyset, sidecar=True)
    out = side_engine.protect_bytes(png.tobytes(), "png")
    assert out.sidecar
    with pytest.raises(shroud.Error):
        recoverer.recover_bytes(out.image)
    data, info = recoverer.recover_bytes(out.image, out.sidecar, "png")
    np.testing.assert_array_equal(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED), image)
    # Another keyset does not hold the key id the image was sealed with.
    with pytest.raises(shroud.NotFoundError, match="not in this keyset"):
        shroud.Engine(mode="recover", keyset=shroud.Keyset.generate()).recover_bytes(sealed.image)


def test_keyset_save_load(tmp_path, regions_file, image, keyset):
    path = tmp_path / "keys.json"
    keyset.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(shroud.Error):
        keyset.save(path)  # exists
    keyset.save(path, overwrite=True)
    loaded = shroud.Keyset.load(path)
    assert loaded.primary_id == keyset.primary_id
    assert loaded.keys() == keyset.keys()
    original = image.copy()
    report = seal_engine(regions_file, keyset=keyset).protect(image)
    # A recover engine from the file (key=PATH) and from the loaded keyset both open it.
    by_path = shroud.Engine(mode="recover", key=str(path))
    np.testing.assert_array_equal(by_path.recover(image, report.container), original)
    np.testing.assert_array_equal(shroud.Engine(mode="recover", keyset=loaded).recover(image, report.container),
                                  original)
    os.chmod(path, 0o644)
    with pytest.raises(shroud.PermissionDeniedError):
        shroud.Keyset.load(path)
    with pytest.raises(shroud.NotFoundError):
        shroud.Keyset.load(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    os.chmod(bad, 0o600)
    with pytest.raises(shroud.CorruptError):
        shroud.Keyset.load(bad)


def test_keyset_rotation_and_freeze(regions_file, image):
    keyset = shroud.Keyset.generate()
    first = keyset.primary_id
    second = keyset.rotate()
    assert keyset.primary_id == second != first
    assert [k["primary"] for k in keyset.keys()] == [False, True]
    keyset.disable(first)
    assert keyset.keys()[0]["status"] == "disabled"
    keyset.enable(first)
    with pytest.raises(shroud.Error):
        keyset.disable(second)  # the primary
    assert not keyset.frozen
    seal_engine(regions_file, keyset=keyset)
    assert keyset.frozen
    with pytest.raises(ValueError, match="in use by an Engine"):
        keyset.rotate()
    with pytest.raises(ValueError, match="in use by an Engine"):
        keyset.add_recipient()
    assert "frozen" in repr(keyset)
    # Given to an Engine whose creation fails: frozen all the same (no window for a change).
    other = shroud.Keyset.generate()
    with pytest.raises(shroud.Error):
        shroud.Engine(detector="manual:" + regions_file, method="seal", keyset=other, key="also-a-file.json")
    assert other.frozen


def test_recipient_key(regions_file, image, tmp_path):
    keyset = shroud.Keyset.generate()
    public = keyset.add_recipient()
    assert len(public.public_key) == 32
    assert keyset.recipient(public.id).public_key == public.public_key
    text = public.to_json()
    assert shroud.RecipientKey.from_json(text).public_key == public.public_key
    pub_file = tmp_path / "dc.pub"
    pub_file.write_text(text)
    original = image.copy()
    for recipient in (public, pub_file):  # in memory, and a file path
        frame = original.copy()
        report = seal_engine(regions_file, recipient=recipient).protect(frame)
        restored = shroud.Engine(mode="recover", keyset=keyset).recover(frame, report.container)
        np.testing.assert_array_equal(restored, original)
        # The camera's engine holds only the public key: it cannot open what it sealed.
        with pytest.raises(shroud.Error):
            shroud.Engine(mode="recover", recipient=public).recover(frame, report.container)
    with pytest.raises(shroud.Error):
        shroud.RecipientKey.from_json("{}")


def scheme_key(tmp_path, scheme):
    path = tmp_path / (scheme + ".key")
    shroud.generate_scheme_key(scheme, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(shroud.Error):
        shroud.generate_scheme_key(scheme, path)  # never replaced silently
    return str(path)


def test_generate_scheme_key_errors(tmp_path):
    with pytest.raises(shroud.InvalidArgumentError):
        shroud.generate_scheme_key("rot13", tmp_path / "k")
    with pytest.raises(ValueError, match="Keyset"):
        shroud.generate_scheme_key("sisa", tmp_path / "k")
    assert not (tmp_path / "k").exists()


def test_paper_scheme_in_place_and_recovered(tmp_path, regions_file, image):
    key = scheme_key(tmp_path, "msai-l")
    engine = shroud.Engine(detector="manual:" + regions_file, method="msai-l", key=key, mask_scale=1.0)
    assert any("obfuscation" in w for w in engine.warnings)
    original = image.copy()
    pointer = data_pointer(image)
    report = engine.protect(image)
    assert data_pointer(image) == pointer  # copied back into the caller's buffer
    assert [a.method for a in report.actions] == ["msai-l", "msai-l"]
    # MSAI masks the regions, then block-scrambles the whole frame (docs/schemes.md).
    assert (image != original).mean() > 0.9
    restored = shroud.Engine(mode="recover", key=key).recover(image, report.container)
    np.testing.assert_array_equal(restored, original)


def test_scheme_changing_size_leaves_array_unchanged(tmp_path, image):
    key = scheme_key(tmp_path, "block-scramble")
    engine = shroud.Engine(method="block-scramble", key=key, whole_frame=True)
    odd = np.ascontiguousarray(image[:100, :130])  # not a multiple of the 8-pixel block
    before = odd.copy()
    with pytest.raises(shroud.UnsupportedError, match="protect_bytes"):
        engine.protect(odd)
    np.testing.assert_array_equal(odd, before)
    ok, png = cv2.imencode(".png", odd)
    out = engine.protect_bytes(png.tobytes(), "png")
    data, info = shroud.Engine(mode="recover", key=key).recover_bytes(out.image)
    np.testing.assert_array_equal(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED), before)


def test_uint16_seal_round_trip(regions_file, keyset):
    frame = np.random.default_rng(4).integers(0, 65536, (240, 320, 3), dtype=np.uint16)
    original = frame.copy()
    report = seal_engine(regions_file, keyset=keyset).protect(frame)
    assert (frame != original).any()
    restored = shroud.Engine(mode="recover", keyset=keyset).recover(frame, report.container)
    assert restored.dtype == np.uint16
    np.testing.assert_array_equal(restored, original)
