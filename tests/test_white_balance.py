"""Tests of the white_balance stage and the AWB methods (synthetic scenes with known illuminants)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from brightroom.color.profile import angular_error, camera_locus, cct_to_neutral
from brightroom.develop import white_balance as wb
from brightroom.develop.pipeline import Stage, get_stage
from brightroom.errors import InputError, ParameterError, PipelineError, RecipeError
from brightroom.types import CameraInfo, CFAPattern, RawImage
from conftest import shared_file

CM_D65 = np.array([[0.6461, -0.1164, -0.0857], [-0.3825, 1.1597, 0.2534], [-0.0416, 0.1540, 0.6039]])
CM_A = np.array([[0.7000, -0.1300, -0.0600], [-0.3600, 1.1200, 0.2700], [-0.0600, 0.1900, 0.7300]])
CAM = CameraInfo(make="Test", model="cam", color_matrix1=CM_A, illuminant1=17,
                 color_matrix2=CM_D65, illuminant2=21)

CLASSIC = ("gray_world", "white_patch", "shades_of_gray", "gray_edge", "locus_white_patch")


def _symmetric_scene(rng: np.random.Generator, patch: int = 6, n: int = 6) -> np.ndarray:
    """Reflectance image whose pixel statistics are the same in R, G and B.

    Six copies of one random patch mosaic, one per permutation of the channels, on a grey
    background, plus a block of shaded, textured grey (the only grey pixels with contrast).
    """
    base = np.repeat(np.repeat(rng.uniform(0.05, 0.85, (n, n, 3)), patch, 0), patch, 1)
    s = base.shape[0]
    gut = 8
    img = np.full((3 * (s + gut) + gut, 3 * (s + gut) + gut, 3), 0.3)
    slots = [(i, j) for i in range(3) for j in range(3)]
    for (i, j), perm in zip(slots, itertools.permutations(range(3))):
        y, x = gut + i * (s + gut), gut + j * (s + gut)
        img[y:y + s, x:x + s] = base[..., perm]
    yy, xx = np.mgrid[0:s, 0:s] / s
    grey = 0.15 + 0.6 * (0.5 + 0.5 * np.sin(7 * xx) * np.cos(5 * yy)) * (0.6 + 0.4 * xx)
    y, x = gut + 2 * (s + gut), gut + 2 * (s + gut)
    img[y:y + s, x:x + s] = grey[..., None]
    return img


@pytest.fixture(scope="module")
def scene():
    return _symmetric_scene(np.random.default_rng(3))


ILLUMINANT = np.array([0.45, 1.0, 0.62])


@pytest.mark.parametrize("method", CLASSIC)
def test_classic_methods_exact_on_channel_symmetric_scene(scene, method):
    img = (scene * ILLUMINANT).astype(np.float32)
    est = wb.estimate_illuminant(img, method=method)
    assert est.shape == (3,) and np.isclose(np.linalg.norm(est), 1.0)
    assert angular_error(est, ILLUMINANT) < 1e-3


def test_gray_pixels_finds_the_only_grey_texture(scene):
    img = (scene * ILLUMINANT).astype(np.float32)
    assert angular_error(wb.estimate_illuminant(img, method="gray_pixels"), ILLUMINANT) < 1e-3


@pytest.mark.parametrize("cct", [2400.0, 3300.0, 5000.0, 7500.0, 11000.0])
def test_locus_white_patch_with_camera_exact_on_locus(scene, cct):
    e = camera_locus(CAM, [cct])[0]
    img = (scene * e).astype(np.float32)
    est = wb.estimate_illuminant(img, method="locus_white_patch", camera=CAM)
    assert angular_error(est, e) < 0.02


def test_projection_removes_the_error_across_the_locus():
    a, on, b = camera_locus(CAM, [4100.0, 4200.0, 4300.0])
    lc = lambda v: np.log([v[0] / v[1], v[2] / v[1]])  # noqa: E731
    tangent = lc(b) - lc(a)
    normal = np.array([-tangent[1], tangent[0]]) / np.linalg.norm(tangent)
    q = lc(on) + 0.15 * normal  # 0.15 log units straight off the locus
    off = np.array([np.exp(q[0]), 1.0, np.exp(q[1])])
    assert angular_error(off, on) > 2.5
    assert angular_error(wb.project_to_locus(off, CAM), on) < 0.05
    far = camera_locus(CAM, [30000.0 / 2])[0] * np.array([1.0, 1.0, 3.0])  # bluer than 15000 K
    assert angular_error(wb.project_to_locus(far, CAM), camera_locus(CAM, [15000.0])[0]) < 0.1


def _random_scene(rng: np.random.Generator, e: np.ndarray) -> np.ndarray:
    refl = np.repeat(np.repeat(rng.uniform(0.03, 0.9, (24, 24, 3)), 8, 0), 8, 1)
    shade = np.linspace(0.6, 1.0, refl.shape[1])[None, :, None]
    img = refl * shade * e
    img += rng.normal(0, 0.002, img.shape)
    return np.clip(img, 0, 1).astype(np.float32)


@pytest.mark.parametrize("method, tol", [("gray_world", 2.0), ("white_patch", 3.0),
                                         ("shades_of_gray", 2.5), ("gray_edge", 3.0),
                                         ("locus_white_patch", 3.0)])
def test_methods_on_random_scenes(method, tol):
    rng = np.random.default_rng(7)
    for cct in (2800.0, 4500.0, 6500.0):
        e = cct_to_neutral(CAM, cct, locus="illuminant")
        img = _random_scene(rng, e)
        est = wb.estimate_illuminant(img, method=method, camera=CAM)
        assert angular_error(est, e) < tol, (method, cct)


@pytest.mark.parametrize("method", list(wb.AWB_METHODS))
def test_numba_fast_paths_match_numpy_reference(method):
    rng = np.random.default_rng(11)
    e = cct_to_neutral(CAM, 3600.0, locus="illuminant")
    img = _random_scene(rng, e / e.max())  # some pixels clip, some are black
    img[:5] = 0.0
    sat = (1.0, 0.9, 1.0)
    m_np = wb.valid_mask(img, sat, engine="numpy")
    assert np.array_equal(wb.valid_mask(img, sat), m_np)
    assert 0 < m_np.sum() < m_np.size
    a = wb.estimate_illuminant(img, method=method, camera=CAM, saturation=sat)
    b = wb.estimate_illuminant(img, method=method, camera=CAM, saturation=sat, engine="numpy")
    assert np.allclose(a, b, atol=1e-6)


def test_estimate_does_not_modify_input_and_checks_it(scene):
    img = (scene * ILLUMINANT).astype(np.float32)
    before = img.copy()
    for m in wb.AWB_METHODS:
        wb.estimate_illuminant(img, method=m, camera=CAM)
    assert np.array_equal(img, before)
    with pytest.raises(ParameterError, match="unknown AWB method"):
        wb.estimate_illuminant(img, method="retinex-9000")
    with pytest.raises(ParameterError):
        wb.estimate_illuminant(np.zeros((4, 4, 4), np.float32))
    with pytest.raises(InputError):
        wb.estimate_illuminant(np.ones((8, 8, 3), np.float32))  # all clipped
    with pytest.raises(InputError):
        wb.estimate_illuminant(np.full((8, 8, 3), np.nan, np.float32))


def test_method_aliases_and_case(scene):
    # the keys of earlier versions (gray_world, ...) are aliases of the paper keys
    assert wb.AWB_METHODS["Gray World"] is wb.AWB_METHODS["buchsbaum1980"]
    assert wb.AWB_METHODS["GRAY-EDGE"] is wb.AWB_METHODS["Van de Weijer 2007"]
    img = (scene * ILLUMINANT).astype(np.float32)
    np.testing.assert_array_equal(wb.estimate_illuminant(img, method="Shades of Gray"),
                                  wb.estimate_illuminant(img, method="finlayson2004"))
    assert wb.WhiteBalanceParams(method="white_patch").method == "land1977"
    assert wb.WhiteBalanceParams(method="Locus White Patch") == wb.WhiteBalanceParams()
    with pytest.raises(ParameterError, match="known: buchsbaum1980, land1977, .*gray_world -> "
                                             "buchsbaum1980"):
        wb.WhiteBalanceParams(method="retinex")


def test_clipped_pixels_are_ignored():
    rng = np.random.default_rng(0)
    img = _random_scene(rng, ILLUMINANT / ILLUMINANT.max() * 0.8)
    img[:40, :40] = (1.0, 1.0, 0.4)  # a clipped region of the wrong colour
    assert angular_error(wb.estimate_illuminant(img, method="white_patch"), ILLUMINANT) < 3


# --------------------------------------------------------------------------- mosaic helpers


def _mosaic(rgb: np.ndarray, pattern: CFAPattern) -> np.ndarray:
    idx = pattern.channel_index(*rgb.shape[:2])
    return np.take_along_axis(rgb, idx[..., None].astype(np.intp), axis=2)[..., 0].astype(np.float32)


@pytest.mark.parametrize("name", ["RGGB", "BGGR", "GRBG", "GBRG", "quad-RGGB", "nona-GRBG"])
@pytest.mark.parametrize("extra", ["odd", "tile"])
def test_mosaic_preview_averages_each_channel(name, extra):
    pat = CFAPattern.parse(name)
    rng = np.random.default_rng(1)
    k = 4
    s = pat.period * k
    ragged = 1 if extra == "odd" else pat.period  # odd width: copy path; whole tiles: a view
    cfa = rng.uniform(0, 1, (12 * s + 1, 15 * s + ragged)).astype(np.float32)
    out = wb.mosaic_preview(cfa, pat, max_side=16)  # 15 * s + 1 columns need k = 4 for <= 16
    assert out.dtype == np.float32
    assert out.shape == (12, 15, 3)
    h, w = 12, 15
    masks = pat.masks(*cfa.shape)
    for c in range(3):
        # reference: mean of channel c's sites in each s x s block
        v = np.where(masks[c], cfa, 0.0)[: h * s, : w * s].reshape(h, s, w, s).sum((1, 3))
        n = masks[c][: h * s, : w * s].reshape(h, s, w, s).sum((1, 3))
        assert np.allclose(out[..., c], v / n, atol=1e-5)


@pytest.mark.parametrize("name", ["RGGB", "GBRG", "quad-BGGR"])
@pytest.mark.parametrize("shape", [(64, 80), (67, 81)])
def test_apply_gains_matches_masks(name, shape):
    pat = CFAPattern.parse(name)
    if pat.block > 1:
        shape = (shape[0] + 1, shape[1] + 3)
    cfa = np.random.default_rng(2).uniform(0, 1, shape).astype(np.float32)
    before = cfa.copy()
    g = np.array([2.1, 1.0, 1.6])
    out = wb.apply_gains(cfa, pat, g)
    ref = cfa * (g[pat.channel_index(*shape)]).astype(np.float32)
    assert out.dtype == np.float32
    assert np.array_equal(out, ref)
    assert np.array_equal(cfa, before)


# --------------------------------------------------------------------------- the stage


def _raw(camera: CameraInfo = CAM, e: np.ndarray = ILLUMINANT, pattern: str = "RGGB"):
    rng = np.random.default_rng(5)
    scene = _symmetric_scene(rng)
    rgb = (scene * e / e.max() * 0.8).astype(np.float32)
    pat = CFAPattern.parse(pattern)
    return RawImage(cfa=_mosaic(rgb, pat), pattern=pat, camera=camera)


def test_stage_as_shot():
    n = (0.5, 1.0, 0.8)
    raw = _raw(CAM.replace(as_shot_neutral=n))
    before = raw.cfa.copy()
    out = Stage.build("white_balance")(raw)
    assert np.array_equal(raw.cfa, before) and raw.wb is None
    assert out.wb == pytest.approx((2.0, 1.0, 1.25))
    assert out.saturation == pytest.approx((2.0, 1.0, 1.25))
    assert out.state.white_balance.neutral == pytest.approx(n)
    assert 2000 < out.state.white_balance.cct < 15000
    assert out.cfa.dtype == np.float32
    assert np.allclose(out.cfa, wb.apply_gains(raw.cfa, raw.pattern, (2.0, 1.0, 1.25)))


def test_stage_as_shot_falls_back_to_auto():
    raw = _raw()  # no as-shot neutral
    out = Stage(get_stage("white_balance"), wb.WhiteBalanceParams())(raw)
    assert out.state.white_balance.mode == "auto"
    assert "no as-shot neutral" in out.state.white_balance.note
    assert angular_error(out.state.white_balance.neutral, ILLUMINANT) < 1.5


def test_stage_auto_each_method():
    raw = _raw(CameraInfo())
    for m in wb.AWB_METHODS:
        out = wb.white_balance(raw, wb.WhiteBalanceParams(mode="auto", method=m))
        assert out.state.white_balance.cct is None  # no matrices, no temperature
        # the channel-symmetric scene makes the statistical methods exact; the learned
        # barron2017 (here in its no-matrix fallback) only gets close (5.9 degrees with the
        # format-2 model, 4-5 with the first; the fallback's error is in bench_awb.py)
        bound = 8.0 if m == "barron2017" else 2.0
        assert angular_error(out.state.white_balance.neutral, ILLUMINANT) < bound, m


@pytest.mark.parametrize("kelvin", [2500.0, 4000.0, 6500.0, 10000.0])
def test_stage_kelvin_balances_a_white_at_that_temperature(kelvin):
    e = cct_to_neutral(CAM, kelvin)
    white = np.ones((8, 8, 3), np.float32) * (e / e.max() * 0.5).astype(np.float32)
    raw = RawImage(cfa=_mosaic(white, CFAPattern("GRBG")), pattern=CFAPattern("GRBG"), camera=CAM)
    out = wb.white_balance(raw, wb.WhiteBalanceParams(mode="kelvin", kelvin=kelvin))
    assert np.allclose(out.cfa, out.cfa[0, 1], rtol=1e-5)
    assert out.state.white_balance.cct == pytest.approx(kelvin, rel=1e-3)


def test_stage_preset_custom_and_tint():
    raw = _raw()
    out = wb.white_balance(raw, wb.WhiteBalanceParams(mode="preset", preset="tungsten"))
    assert out.state.white_balance.cct == pytest.approx(2856, rel=2e-3)
    out = wb.white_balance(raw, wb.WhiteBalanceParams(mode="custom", neutral=(2, 4, 3)))
    assert out.wb == pytest.approx((2.0, 1.0, 4 / 3))
    plain = wb.white_balance(raw, wb.WhiteBalanceParams(mode="kelvin", kelvin=5000))
    magenta = wb.white_balance(raw, wb.WhiteBalanceParams(mode="kelvin", kelvin=5000, tint=0.5))
    # +tint assumes a greener light: its neutral has more green, so R and B get more gain and
    # the picture turns magenta
    assert magenta.wb[0] > plain.wb[0] and magenta.wb[2] > plain.wb[2]
    shifted = wb.white_balance(raw.replace(camera=CAM.replace(as_shot_neutral=(0.5, 1, 0.8))),
                               wb.WhiteBalanceParams(tint=-0.3))
    assert shifted.wb[0] < 2.0 and shifted.wb[2] < 1.25


def test_stage_needs_matrix_for_kelvin_and_refuses_double_balance():
    raw = _raw(CameraInfo())
    with pytest.raises(InputError, match="ColorMatrix"):
        wb.white_balance(raw, wb.WhiteBalanceParams(mode="kelvin"))
    done = wb.white_balance(raw, wb.WhiteBalanceParams(mode="custom", neutral=(1, 1, 1)))
    with pytest.raises(PipelineError, match="already white balanced"):
        wb.white_balance(done, wb.WhiteBalanceParams())


@pytest.mark.parametrize("bad", [
    {"mode": "sunny"}, {"method": "magic"}, {"kelvin": 1000.0}, {"kelvin": 20000.0},
    {"tint": 1.5}, {"preset": "moonlight"}, {"mode": "custom"},
    {"mode": "custom", "neutral": (1.0, -1.0, 1.0)}, {"neutral": (1.0, 2.0)},
])
def test_bad_params_raise(bad):
    with pytest.raises(ParameterError):
        wb.WhiteBalanceParams(**bad)
    with pytest.raises(RecipeError):
        Stage.build("white_balance", bad)


def test_params_from_recipe_mapping():
    p = wb.WhiteBalanceParams.from_mapping({"mode": "custom", "neutral": [1, 2, 1]})
    assert p.neutral == (1.0, 2.0, 1.0)
    assert wb.WhiteBalanceParams().method == wb.DEFAULT_AWB_METHOD


# --------------------------------------------------------------------------- real data


def _real_raw() -> RawImage:
    from brightroom.io.raw import read_raw

    return read_raw(shared_file("colorchecker-canon.dng"))


@pytest.mark.realdata
def test_real_dng_as_shot_and_auto():
    raw = _real_raw()
    assert raw.camera.as_shot_neutral is not None and raw.camera.color_matrix1 is not None, (
        "read_raw lost the sample DNG's AsShotNeutral / ColorMatrix1")
    as_shot = wb.white_balance(raw, wb.WhiteBalanceParams())
    assert 4500 < as_shot.state.white_balance.cct < 6000  # the camera's AWB: about 5300 K
    auto = wb.white_balance(raw, wb.WhiteBalanceParams(mode="auto"))
    # a chart lit by ~2900 K lamps in front of a daylight window: somewhere in between
    assert 2500 < auto.state.white_balance.cct < 6000
    assert auto.cfa.dtype == np.float32 and auto.cfa.shape == raw.cfa.shape
