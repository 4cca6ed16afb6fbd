"""Reading raws beyond Bayer (brightroom.io.raw's format handling, brightroom.io.dng's writer):
X-Trans mosaics, LinearRaw and monochrome DNGs, DNGs without colour matrices, the DNG lens
opcodes, the codecs LibRaw lacks (GoPro VC-5, JPEG XL) and broken real camera files.

LibRaw (rawpy) is the independent reader every file is checked against."""

from __future__ import annotations

import hashlib
import json
import struct
import subprocess
import sys
import warnings

import numpy as np
import pytest
import rawpy
import tifffile

import brightroom
from brightroom.develop.colour import load_matrix_file
from brightroom.errors import CorruptFileError, InputError, UnsupportedRawError
from brightroom.io import dng, read_raw, write_dng
from brightroom.io.raw import RawFormatWarning, vignette_radial_gain
from brightroom.types import (
    CameraInfo,
    CFAPattern,
    GainMap,
    LinearRawImage,
    NoiseProfile,
    WarpRectilinear,
    normalize_mosaic,
)
from conftest import REPO, shared_file
from test_io_raw import make_raw, write_with

DATA = REPO / "tests" / "data" / "raw"
CAM = CameraInfo(make="Test", model="T1", color_matrix1=np.array(
    [[0.6, 0.3, -0.05], [-0.2, 1.1, 0.1], [0.0, 0.15, 0.6]]), as_shot_neutral=(0.5, 1.0, 0.7))


def _linear(n=3, shape=(40, 60), black=256.0, white=4095.0, seed=0, **kw) -> LinearRawImage:
    rng = np.random.default_rng(seed)
    counts = rng.integers(int(black), int(white) + 1, shape + (n,))
    data = ((counts - black) / (white - black)).astype(np.float32)
    cam = CameraInfo(monochrome=True) if n == 1 else CAM
    return LinearRawImage(data, camera=cam, black_level=(black,) * n, white_level=white, **kw)


# ------------------------------------------------------------------------------ X-Trans


@pytest.mark.parametrize("phase", [(0, 0), (1, 2), (3, 5)])
def test_xtrans_dng_round_trip_and_libraw_agrees(tmp_path, phase):
    pat = CFAPattern.xtrans(*phase)
    raw, counts = make_raw("RGGB", shape=(48, 66))
    raw = raw.replace(pattern=pat)
    path = write_dng(raw, tmp_path / "xt.dng")
    fast, ref = read_raw(path, backend="numpy"), read_raw(path, backend="libraw")
    assert fast.pattern == ref.pattern == pat
    np.testing.assert_array_equal(fast.cfa, ref.cfa)
    np.testing.assert_array_equal(fast.to_counts(), counts)
    with rawpy.imread(str(path)) as r:  # LibRaw sees the same 6 x 6 layout
        assert r.raw_pattern.shape == (6, 6)
        np.testing.assert_array_equal(r.raw_pattern, pat.tile)


@pytest.mark.slow
def test_lab_simulates_xtrans():
    from brightroom.charts import natural
    from brightroom.lab.camera import simulate

    raw = simulate(natural("astronaut", size=(48, 60)), pattern="xtrans", seed=1)
    assert raw.pattern.is_xtrans and raw.metadata["lab"]["pattern"].startswith("xtrans-")
    out = brightroom.develop(raw)
    assert out.shape == (48, 60, 3) and np.isfinite(out.data).all()


# ------------------------------------------------------------------------------ linear DNGs


@pytest.mark.parametrize("n", [3, 1])
def test_linear_dng_round_trip(tmp_path, n):
    lin = _linear(n)
    path = write_dng(lin, tmp_path / "lin.dng")
    with tifffile.TiffFile(path) as tif:
        tags = {t.code: t.value for t in tif.pages[0].tags.values()}
    assert tags[262] == 34892 and tags[277] == n
    assert (50721 in tags) == (n == 3)  # a monochrome DNG has no colour tags
    back = read_raw(path)
    assert isinstance(back, LinearRawImage) and back.data.shape == (40, 60, n)
    np.testing.assert_allclose(back.data, lin.data, atol=0.5 / (4095 - 256))
    assert back.black_level == (256.0,) * n and back.white_level == 4095
    assert back.camera.monochrome == (n == 1)
    with rawpy.imread(str(path)) as r:  # LibRaw decodes the same samples
        planes = np.asarray(r.raw_image_visible)
        planes = planes[..., :n] if planes.ndim == 3 else planes[..., None]
        np.testing.assert_allclose(normalize_mosaic(planes[..., 0], 256, 4095), back.data[..., 0],
                                   atol=1e-6)
    with pytest.raises(UnsupportedRawError, match="numpy fast path"):
        read_raw(path, backend="numpy")


@pytest.mark.realdata
def test_real_adobe_lossy_linear_dng():
    path = shared_file("linear-dng-canon6d.dng")
    raw = read_raw(path)
    assert isinstance(raw, LinearRawImage) and raw.shape == (816, 1224)
    assert raw.black_level == (0.0, 0.0, 0.0) and raw.white_level == 65535
    # LibRaw applied the lossy DNG's OpcodeList2 MapPolynomial (y = x/128 + 127/128 x^3):
    # every value is that curve at one of the 256 8-bit codes
    k = np.arange(256) / 255
    curve = np.round((0.0078125 * k + 0.9921875 * k**3) * 65535)
    vals = np.unique(np.rint(raw.data[..., 1] * 65535))
    assert np.all(np.min(np.abs(vals[:, None] - curve[None, :]), axis=1) <= 1)
    # AnalogBalance and CameraCalibration folded into ColorMatrix (DNG ch. 6): AB * CC * CM
    with tifffile.TiffFile(path) as tif:
        t = {x.code: x.value for x in tif.pages[0].tags.values()}
    rat = lambda v: np.array(v[0::2], float) / np.array(v[1::2], float)  # noqa: E731
    ab, cc1, cm1 = rat(t[50727]), rat(t[50723]).reshape(3, 3), rat(t[50721]).reshape(3, 3)
    np.testing.assert_allclose(raw.camera.color_matrix1, np.diag(ab) @ cc1 @ cm1, rtol=1e-6)
    assert raw.camera.illuminant1 == 17 and raw.camera.noise_profile is not None
    assert raw.metadata["calibration_folded"] and "opcodes_ignored" not in raw.metadata


def test_calibration_folded_and_written_back_unfolded(tmp_path):
    raw, _ = make_raw()
    raw = raw.replace(camera=CAM, metadata={"analog_balance": (2.0, 1.0, 1.5)})
    path = write_dng(raw, tmp_path / "ab.dng")
    back = read_raw(path)
    np.testing.assert_allclose(back.camera.color_matrix1, np.diag([2.0, 1.0, 1.5]) @ CAM.color_matrix1,
                               rtol=1e-5)
    again = read_raw(write_dng(back, tmp_path / "ab2.dng"))  # not folded twice
    np.testing.assert_allclose(again.camera.color_matrix1, back.camera.color_matrix1, rtol=1e-5)


# ------------------------------------------------------------------------------ no matrix


def test_dng_without_colour_matrix_develops_with_one_warning(tmp_path):
    raw, _ = make_raw("GBRG", shape=(48, 64))
    path = write_dng(raw, tmp_path / "pi.dng", matrices=False)
    with tifffile.TiffFile(path) as tif:
        tags = {t.code for t in tif.pages[0].tags.values()}
    assert not tags & {50721, 50722, 50778, 50964}
    back = read_raw(path)
    assert back.camera.color_matrix1 is None and back.camera.as_shot_neutral is not None
    with pytest.warns(RawFormatWarning, match=r"pi\.dng: no colour matrix"):
        out = brightroom.develop(path)
    assert np.isfinite(out.data).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # --matrix identity: no warning
        brightroom.develop(path, matrix="identity")


def test_matrix_files(tmp_path):
    txt = tmp_path / "cm.txt"
    txt.write_text("# Canon EOS 6D, adobe_coeff\n7034 -804 -1014\n-4420 12564 2058\n-851 1994 5758\n")
    m = load_matrix_file(txt)
    assert m["illuminant1"] == 21 and m["forward_matrix1"] is None
    np.testing.assert_allclose(m["color_matrix1"][0], [0.7034, -0.0804, -0.1014])
    js = tmp_path / "profile.json"
    js.write_text(json.dumps({"format": "brightroom-camera-profile", "illuminant": "A",
                              "color_matrix": CAM.color_matrix1.tolist(),
                              "forward_matrix": np.eye(3).tolist()}))
    m = load_matrix_file(js)
    assert m["illuminant1"] == 17 and m["forward_matrix1"] is not None
    raw, _ = make_raw()
    path = write_dng(raw, tmp_path / "pi.dng", matrices=False)
    a = brightroom.develop(path, matrix="identity", recipe="neutral").data
    b = brightroom.develop(path, matrix=txt, recipe="neutral").data
    assert np.abs(a - b).mean() > 1e-3  # the file's matrix is used
    assert str(txt) in brightroom.develop(path, matrix=txt).metadata["recipe"]
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2 3")
    with pytest.raises(InputError, match=r"bad\.txt: a matrix file holds 9 numbers"):
        brightroom.develop(path, matrix=bad)
    with pytest.raises(brightroom.ParameterError, match="no such file"):
        brightroom.develop(path, matrix=tmp_path / "missing.txt")


# ------------------------------------------------------------------------------ opcodes


def _opcode_list(*ops: tuple[int, int, bytes]) -> bytes:
    out = struct.pack(">I", len(ops))
    for op, flags, body in ops:
        out += struct.pack(">4I", op, 0x01030000, flags, len(body)) + body
    return out


def test_fix_vignette_radial_becomes_the_gain_map(tmp_path, monkeypatch):
    raw, _ = make_raw(shape=(60, 80))
    k = (0.4, -0.1, 0.05, 0.0, 0.0)
    body = struct.pack(">7d", *k, 0.4, 0.55)
    path = write_with(monkeypatch, raw, tmp_path / "v.dng",
                      extra=[(51022, dng.UNDEFINED, _opcode_list((3, 0, body)))])
    back = read_raw(path)
    gm = back.gain_map
    assert gm is not None and "FixVignetteRadial" in gm.source
    # applied by the lens_shading stage: the gain at every pixel is the DNG formula
    from brightroom.develop.raw_corrections import lens_shading_gain

    got = lens_shading_gain(back.shape, back.pattern, gm)
    want = vignette_radial_gain(k, (0.4, 0.55), back.shape, np.arange(60), np.arange(80))
    np.testing.assert_allclose(got, want, rtol=2e-3)
    # the centre: r = 0, gain 1; a corner: r = 1, gain 1 + sum(k)
    assert want[33, 32] == pytest.approx(1.0, abs=2e-3)
    assert want[0, 79] == pytest.approx(1 + sum(k), rel=1e-6)


def test_warp_rectilinear_round_trip_and_unknown_opcodes(tmp_path, monkeypatch):
    warp = WarpRectilinear(((1.0, -0.05, 0.01, 0.0, 0.001, -0.002),) * 3, (0.45, 0.52))
    raw, _ = make_raw()
    back = read_raw(write_dng(raw.replace(warp=warp), tmp_path / "w.dng"))
    assert back.warp.coefficients == warp.coefficients and back.warp.centre == warp.centre
    lin = read_raw(write_dng(_linear(warp=warp), tmp_path / "wl.dng"))
    assert lin.warp.coefficients == warp.coefficients
    # a WarpFisheye (not applied, not optional) and an optional unknown opcode
    ops = _opcode_list((2, 0, b"\0" * 8), (99, 1, b""))
    p = write_with(monkeypatch, raw, tmp_path / "u.dng", extra=[(51022, dng.UNDEFINED, ops)])
    with pytest.warns(RawFormatWarning, match="WarpFisheye is not applied"):
        r = read_raw(p)
    assert r.metadata["opcodes_ignored"] == ["OpcodeList3 WarpFisheye", "OpcodeList3 opcode 99"]


def test_linear_gain_map_per_channel(tmp_path):
    g = np.stack([np.full((3, 4), v, np.float32) for v in (1.5, 1.0, 2.0)], axis=-1)
    g[0, 0] = (1.2, 1.1, 1.3)
    lin = _linear(gain_map=GainMap(g))
    back = read_raw(write_dng(lin, tmp_path / "g.dng"))
    np.testing.assert_allclose(back.gain_map.gains, g, rtol=1e-6)
    with pytest.raises(brightroom.ParameterError, match="per channel"):
        LinearRawImage(lin.data, gain_map=GainMap(np.ones((2, 2, 4), np.float32)))


# ------------------------------------------------------------------------------ codecs, broken files


def test_jpeg_xl_dng_named(tmp_path, monkeypatch):
    raw, _ = make_raw()
    p = write_with(monkeypatch, raw, tmp_path / "jxl.dng", drop=(259,),
                   extra=[(259, dng.SHORT, 52546)])
    with pytest.raises(UnsupportedRawError, match=r"jxl\.dng: a JPEG XL compressed DNG"):
        read_raw(p)


def test_real_gopro_gpr_named_vc5():
    # GoPro HERO6 sample (gopro/gpr, Apache-2.0 / MIT): VC-5, which this LibRaw lacks
    with pytest.raises(UnsupportedRawError, match=r"gopro-hero6\.gpr: a GoPro GPR raw \(VC-5"):
        read_raw(DATA / "gopro-hero6.gpr")


BROKEN = {
    "gopro-hero6.gpr": "VC-5",
    "truncated-leica-m10.dng": "truncated",
    "truncated-sony-zv-e10.arw": "",
    "truncated-fujifilm.raf": "",
    "truncated-canon.cr3": "",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_real_files_are_refused(name):
    with pytest.raises((UnsupportedRawError, CorruptFileError)) as e:
        read_raw(DATA / name)
    assert str(DATA / name) in str(e.value) and "\n" not in str(e.value)
    assert BROKEN[name] in str(e.value)


@pytest.mark.slow
def test_cli_bad_input_one_line_nothing_left_input_untouched(tmp_path):
    for name in ("gopro-hero6.gpr", "truncated-leica-m10.dng", "truncated-fujifilm.raf"):
        src = DATA / name
        digest = hashlib.sha256(src.read_bytes()).hexdigest()
        out_dir = tmp_path / name
        out_dir.mkdir()
        r = subprocess.run([sys.executable, "-m", "brightroom.cli.main", "develop", str(src),
                            "-o", str(out_dir / "out.jpg")], capture_output=True, text=True,
                           cwd=REPO)
        assert r.returncode == 1, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("brightroom: error: ") and name in lines[0]
        assert list(out_dir.iterdir()) == []  # no output, no temporary file
        assert hashlib.sha256(src.read_bytes()).hexdigest() == digest


def test_monochrome_noise_profile_survives(tmp_path):
    lin = _linear(1).replace(camera=CameraInfo(monochrome=True,
                                               noise_profile=NoiseProfile((1e-5,) * 3, (1e-7,) * 3)))
    back = read_raw(write_dng(lin, tmp_path / "m.dng"))
    assert back.camera.noise_profile == lin.camera.noise_profile


def test_data_readme_lists_every_raw_file():
    readme = (REPO / "tests" / "data" / "README.md").read_text()
    for p in DATA.iterdir():
        assert f"raw/{p.name}" in readme, f"{p.name} is not described in tests/data/README.md"


def test_gpr_path_without_tiff_magic(tmp_path):
    p = tmp_path / "x.gpr"
    p.write_bytes(b"\0" * 64)
    with pytest.raises(UnsupportedRawError, match=r"x\.gpr"):
        read_raw(p)


@pytest.mark.parametrize("n", [1, 3])
def test_non_dng_linear_route_through_libraw(tmp_path, n):
    # sRAW, Foveon and monochrome raws of other formats: LibRaw gives the planes themselves
    from brightroom.io.raw import _read_linear_libraw

    lin = _linear(n)
    path = write_dng(lin, tmp_path / "l.dng")
    got = _read_linear_libraw(path, None, {"path": str(path)})
    assert got.data.shape == (40, 60, n) and got.camera.monochrome == (n == 1)
    np.testing.assert_allclose(got.data, lin.data, atol=0.5 / (4095 - 256))


def test_xtrans_keeps_a_colour_independent_gain_map(tmp_path):
    raw, _ = make_raw(shape=(48, 66))
    g = np.ones((3, 4, 4), np.float32)
    g[0, 0] = 1.5
    back = read_raw(write_dng(raw.replace(pattern=CFAPattern.xtrans(), gain_map=GainMap(g)),
                              tmp_path / "g.dng"))
    np.testing.assert_allclose(back.gain_map.gains, g, rtol=1e-6)
    g[1, 1, 2] = 2.0  # differs per 2x2 position: meaningless on X-Trans, left out
    back = read_raw(write_dng(raw.replace(pattern=CFAPattern.xtrans(), gain_map=GainMap(g)),
                              tmp_path / "h.dng"))
    assert back.gain_map is None and "X-Trans" in back.metadata["gain_map_ignored"]
