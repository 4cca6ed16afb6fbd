"""read_raw: LibRaw reference path, the numpy fast path against it, DNG tags, errors."""

import struct
from pathlib import Path

import numpy as np
import pytest
import rawpy

import brightroom.io.dng as dng
from brightroom.errors import CorruptFileError, InputError, UnsupportedRawError
from brightroom.io.raw import _libraw_read, _parse_opcodes, _pattern_from_letters, read_raw
from brightroom.types import CameraInfo, CFAPattern, RawImage, normalize_mosaic
from conftest import shared_file


def make_raw(pattern="RGGB", shape=(48, 64), black=(64, 65, 66, 67), white=4095, seed=0,
             **camera):
    counts = np.random.default_rng(seed).integers(0, white + 1, shape).astype(np.uint16)
    cam = CameraInfo(make="Sony", model="ILCE-7M3", as_shot_neutral=(0.5, 1.0, 0.7),
                     orientation=8, **camera)
    return RawImage(normalize_mosaic(counts, black, white), CFAPattern.parse(pattern), cam,
                    black_level=black, white_level=white), counts


def write_with(monkeypatch, raw, path, extra=(), drop=()):
    """write_dng with some IFD 0 entries changed (to build unusual DNGs)."""
    orig = dng._ifd0_entries

    def patched(r, black, white):
        entries = [e for e in orig(r, black, white) if e[0] not in drop]
        return entries + list(extra)

    monkeypatch.setattr(dng, "_ifd0_entries", patched)
    dng.write_dng(raw, path)
    monkeypatch.setattr(dng, "_ifd0_entries", orig)
    return path


@pytest.mark.parametrize("pattern", ["RGGB", "BGGR", "GRBG", "GBRG", "quad-RGGB", "quad-BGGR"])
def test_numpy_fast_path_equals_libraw(tmp_path, pattern):
    raw, counts = make_raw(pattern)
    path = dng.write_dng(raw, tmp_path / "x.dng")
    fast, ref = read_raw(path, backend="numpy"), read_raw(path, backend="libraw")
    assert fast.metadata["backend"] == "numpy" and ref.metadata["backend"] == "libraw"
    assert read_raw(path).metadata["backend"] == "numpy"
    np.testing.assert_array_equal(fast.cfa, ref.cfa)
    assert fast.pattern == ref.pattern == CFAPattern.parse(pattern)
    assert fast.black_level == ref.black_level == (64, 65, 66, 67)
    assert fast.white_level == ref.white_level == 4095
    with rawpy.imread(str(path)) as r:
        black = np.tile([[64.0, 65.0], [66.0, 67.0]], (24, 32))
        expect = (r.raw_image_visible - black) / (4095 - black)
    np.testing.assert_allclose(fast.cfa, expect, rtol=1e-6, atol=1e-7)
    assert fast.cfa.dtype == np.float32


def test_odd_active_area_follows_libraw(tmp_path, monkeypatch):
    raw, counts = make_raw("RGGB")
    path = write_with(monkeypatch, raw, tmp_path / "aa.dng", extra=[(50829, dng.LONG,
                                                                     (1, 1, 48, 63))])
    got = read_raw(path)
    assert got.metadata["backend"] == "libraw"  # odd margins are left to LibRaw
    with rawpy.imread(str(path)) as r:
        np.testing.assert_array_equal(got.to_counts(), r.raw_image_visible)
        colours = "".join("RGBG"[c] for c in r.raw_colors_visible[:2, :2].ravel())
    assert got.pattern.pattern == colours


def test_even_active_area_crop(tmp_path, monkeypatch):
    raw, counts = make_raw("GRBG")
    path = write_with(monkeypatch, raw, tmp_path / "aa.dng", extra=[(50829, dng.LONG,
                                                                     (2, 4, 46, 62))])
    got = read_raw(path)
    assert got.metadata["backend"] == "numpy" and got.shape == (44, 58)
    np.testing.assert_array_equal(got.to_counts(), counts[2:46, 4:62])
    np.testing.assert_array_equal(got.cfa, read_raw(path, backend="libraw").cfa)


@pytest.mark.realdata
def test_real_canon_dng():
    path = shared_file("colorchecker-canon.dng")
    raw = read_raw(path)
    assert raw.shape == (1156, 1734) and raw.pattern == CFAPattern("RGGB")
    assert raw.black_level == (2056,) * 4 and raw.white_level == 15000
    np.testing.assert_allclose(raw.camera.color_matrix1,
                               [[0.6461, -0.1164, -0.0857], [-0.3825, 1.1597, 0.2534],
                                [-0.0416, 0.1540, 0.6039]])
    assert raw.camera.as_shot_neutral == pytest.approx((1.0, 2.477, 1.462))
    assert raw.camera.illuminant1 == 21
    assert (raw.camera.make, raw.camera.model) == ("Canon", "Canon EOS Kiss X4")
    with rawpy.imread(str(path)) as r:
        expect = (r.raw_image_visible.astype(np.float64) - 2056) / (15000 - 2056)
    np.testing.assert_allclose(raw.cfa, expect, rtol=1e-6, atol=1e-7)
    with pytest.raises(UnsupportedRawError, match="numpy fast path"):
        read_raw(path, backend="numpy")  # 14-bit packed: LibRaw only


def test_libraw_camera_path(tmp_path):
    # the non-DNG route: colour from LibRaw, orientation from its flip code
    raw, counts = make_raw("BGGR")
    path = dng.write_dng(raw, tmp_path / "x.dng")
    counts2, black, white, pattern, cam, _ = _libraw_read(Path(path), None, want_camera=True)
    np.testing.assert_array_equal(counts2, counts)
    assert pattern == CFAPattern("BGGR")
    assert black == (64, 65, 66, 67) and white == 4095
    assert cam.as_shot_neutral == pytest.approx((0.5, 1.0, 0.7), rel=1e-6)
    assert cam.orientation == 8
    assert cam.illuminant1 == 21


@pytest.mark.parametrize("grid,expect", [
    ([["R", "G"], ["G", "B"]], "RGGB"),
    ([["G", "B"], ["R", "G"]], "GBRG"),
    ([list("GGRR"), list("GGRR"), list("BBGG"), list("BBGG")], "quad-GRBG"),
    ([list("BGBG"), list("GRGR"), list("BGBG"), list("GRGR")], "BGGR"),
])
def test_pattern_from_letters(grid, expect):
    assert _pattern_from_letters(np.array(grid), Path("x")).name == expect


def test_non_bayer_layouts(tmp_path, monkeypatch):
    # X-Trans and LinearRaw used to be refused; they are read now (tests/test_io_raw_formats.py)
    raw, _ = make_raw()
    xtrans = np.array([[1, 1, 0, 1, 1, 2], [1, 1, 2, 1, 1, 0], [2, 0, 1, 0, 2, 1],
                       [1, 1, 2, 1, 1, 0], [1, 1, 0, 1, 1, 2], [0, 2, 1, 2, 0, 1]])
    p = write_with(monkeypatch, raw, tmp_path / "xt.dng", drop=(33421, 33422),
                   extra=[(33421, dng.SHORT, (6, 6)), (33422, dng.BYTE, xtrans.ravel().tolist())])
    assert read_raw(p).pattern.is_xtrans
    p = write_with(monkeypatch, raw, tmp_path / "lin.dng", drop=(262,),
                   extra=[(262, dng.SHORT, 34892)])
    assert read_raw(p).camera.monochrome  # one sample per pixel: a monochrome sensor
    p = write_with(monkeypatch, raw, tmp_path / "cmy.dng", drop=(50710,),
                   extra=[(50710, dng.BYTE, (3, 4, 5))])
    with pytest.raises(UnsupportedRawError, match=r"cmy\.dng: colour filter array with colours"):
        read_raw(p)


def test_gain_map_opcode_pitch1():
    # one GainMap over all pixels (pitch 1, one plane) applies to all four positions
    gains = (np.arange(6).reshape(2, 3) / 10 + 1).astype(">f4")
    params = struct.pack(">8I", 0, 0, 48, 64, 0, 1, 1, 1) + struct.pack(">2I", 2, 3)
    params += struct.pack(">4dI", 1.0, 0.5, 0.0, 0.0, 1) + gains.tobytes()
    data = struct.pack(">I", 1) + struct.pack(">4I", 9, 0x01030000, 0, len(params)) + params
    ops = _parse_opcodes(data, False, CFAPattern("RGGB"))
    assert len(ops) == 1 and ops[0]["positions"] == [[0, 1, 2, 3]]
    np.testing.assert_array_equal(ops[0]["gains"][:, :, 0], gains)


def test_missing_and_bad_files(tmp_path):
    with pytest.raises(InputError, match=r"nope\.dng: no such file"):
        read_raw(tmp_path / "nope.dng")
    with pytest.raises(InputError, match="not a regular file"):
        read_raw(tmp_path)
    txt = tmp_path / "notes.dng"
    txt.write_text("this is a text file, not a raw photo\n" * 20)
    with pytest.raises(UnsupportedRawError, match=r"notes\.dng: LibRaw cannot decode this file"):
        read_raw(txt)
    short = tmp_path / "short.nef"
    short.write_text("hello\n")
    with pytest.raises(UnsupportedRawError, match=r"short\.nef: .*not a camera raw.*b'hello"):
        read_raw(short)
    junk = tmp_path / "junk.cr2"
    junk.write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(UnsupportedRawError, match=r"junk\.cr2: LibRaw cannot decode"):
        read_raw(junk)


@pytest.mark.parametrize("backend", ["auto", "libraw"])
def test_truncated_dng(tmp_path, backend):
    raw, _ = make_raw()
    path = dng.write_dng(raw, tmp_path / "cut.dng")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFileError, match=r"cut\.dng: file is truncated or corrupt"):
        read_raw(path, backend=backend)
    path.write_bytes(data[:100])  # cut inside the IFD
    with pytest.raises(CorruptFileError, match=r"cut\.dng: file is truncated or corrupt"):
        read_raw(path, backend=backend)


def test_dng_from_another_writer_big_endian_subifd(tmp_path):
    # an independent writer (tifffile): big-endian, preview in IFD 0, the CFA in a SubIFD
    import tifffile

    counts = np.random.default_rng(5).integers(0, 4096, (48, 64)).astype(np.uint16)
    path = tmp_path / "tf.dng"
    cm = (10000, 10000, 0, 1, 0, 1, 0, 1, 10000, 10000, 0, 1, 0, 1, 0, 1, 10000, 10000)
    with tifffile.TiffWriter(path, byteorder=">") as tw:
        tw.write(np.zeros((12, 16, 3), np.uint8), photometric="rgb", subifds=1, subfiletype=1,
                 metadata=None,
                 extratags=[(50706, "B", 4, (1, 4, 0, 0), True), (271, "s", 0, "TestMake", True),
                            (272, "s", 0, "TestModel", True), (50721, "2i", 9, cm, True),
                            (50778, "H", 1, 21, True), (50728, "2I", 3, (1, 2, 1, 1, 3, 4), True),
                            (274, "H", 1, 3, True)])
        tw.write(counts, photometric=32803, subfiletype=0, metadata=None,
                 extratags=[(33421, "H", 2, (2, 2), True), (33422, "B", 4, (1, 0, 2, 1), True),
                            (50714, "H", 1, 100, True), (50717, "H", 1, 4095, True)])
    fast, ref = read_raw(path), read_raw(path, backend="libraw")
    assert fast.metadata["backend"] == "numpy"
    np.testing.assert_array_equal(fast.cfa, ref.cfa)
    np.testing.assert_array_equal(fast.to_counts(), counts)
    with rawpy.imread(str(path)) as r:
        np.testing.assert_array_equal(r.raw_image_visible, counts)
    assert fast.pattern == CFAPattern("GRBG") and fast.black_level == (100,) * 4
    assert fast.camera.as_shot_neutral == (0.5, 1.0, 0.75) and fast.camera.orientation == 3
    assert fast.camera.make == "TestMake"
    np.testing.assert_array_equal(fast.camera.color_matrix1, np.eye(3))
