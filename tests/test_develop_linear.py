"""Raws beyond Bayer in the pipeline: a LinearRawImage through the cfa stages' RGB forms, the
X-Trans forms of denoise and lens shading, the DNG warp after demosaicing, the linear-raw
rules of the pipeline (render / skip / refuse)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import brightroom
from brightroom.develop.demosaic import DemosaicParams
from brightroom.develop.demosaic.dng_warp import (
    warp_rectilinear,
    warp_rectilinear_numpy,
    warp_source_positions,
)
from brightroom.develop.denoise import denoise_raw
from brightroom.develop.denoise.he2013_rgb import (
    estimate_noise_sparse,
    guided_denoise_rgb,
    guided_denoise_sparse,
)
from brightroom.develop.pipeline import Pipeline, Stage, StageKind
from brightroom.develop.raw_corrections import correct_lens_shading_rgb
from brightroom.develop.white_balance import WhiteBalanceParams
from brightroom.errors import PipelineError
from brightroom.types import (
    CameraInfo,
    CFAPattern,
    GainMap,
    Image,
    LinearRawImage,
    NoiseProfile,
    RawImage,
    WarpRectilinear,
)

CAM = CameraInfo(color_matrix1=np.array([[0.6, 0.3, -0.05], [-0.2, 1.1, 0.1], [0.0, 0.15, 0.6]]),
                 as_shot_neutral=(0.5, 1.0, 0.7),
                 noise_profile=NoiseProfile((2e-4,) * 3, (1e-6,) * 3))


def _smooth(h=64, w=80, seed=0) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 0.3 + 0.1 * np.sin(xx / 9)[..., None] * np.cos(yy / 7)[..., None] * np.float32([1, .8, .6])
    return base.astype(np.float32)


def _noisy(clean: np.ndarray, scale=2e-4, offset=1e-6, seed=1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (clean + rng.normal(0, 1, clean.shape) * np.sqrt(scale * clean + offset)).astype(np.float32)


@pytest.mark.slow
def test_linear_raw_through_the_default_recipe():
    lin = LinearRawImage(_noisy(_smooth()), camera=CAM, black_level=(0,) * 3, white_level=65535)
    out = brightroom.develop(lin)
    assert out.space == "display" and out.shape == (64, 80, 3) and np.isfinite(out.data).all()
    ref = brightroom.develop(lin, schedule="reference")
    np.testing.assert_allclose(out.data, ref.data, atol=1e-4)


def test_white_balance_rgb_form_is_the_gains():
    data = _smooth()
    lin = LinearRawImage(data, camera=CAM, white_level=65535)
    wb = Stage.build("white_balance")(lin)
    np.testing.assert_allclose(wb.data, data * np.float32([2.0, 1.0, 1 / 0.7]), rtol=1e-6)
    assert wb.state.white_balance.neutral == pytest.approx((0.5, 1.0, 0.7))
    assert wb.saturation == pytest.approx((2.0, 1.0, 1 / 0.7))
    auto = Stage.build("white_balance", WhiteBalanceParams(mode="auto"))(lin)
    assert auto.state.white_balance.mode == "auto"


def test_monochrome_develops_grey():
    y = _smooth()[..., :1].copy()
    mono = LinearRawImage(y, camera=CameraInfo(monochrome=True), white_level=4095)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing-matrix warning for a monochrome sensor
        out = brightroom.develop(mono, recipe="neutral").data
    np.testing.assert_array_equal(out[..., 0], out[..., 1])
    np.testing.assert_array_equal(out[..., 1], out[..., 2])


def test_lens_shading_rgb_form():
    data = np.full((30, 40, 3), 0.25, np.float32)
    g = np.ones((2, 2, 3), np.float32)
    g[..., 0] = 2.0
    g[1, 1, 2] = 3.0
    out = correct_lens_shading_rgb(data, GainMap(g))
    assert out[0, 0, 0] == pytest.approx(0.5) and out[-1, -1, 2] == pytest.approx(0.75)
    assert out[0, 0, 2] == pytest.approx(0.25) and np.allclose(out[..., 1], 0.25)
    lin = LinearRawImage(data, gain_map=GainMap(g))
    shaded = Stage.build("lens_shading")(lin)
    assert shaded.gain_map is None and shaded.state.lens_shading
    assert shaded.saturation == pytest.approx((2.0, 1.0, 1.0))


def test_denoise_rgb_form_removes_noise_keeps_the_mean():
    clean = _smooth(96, 96)
    noisy = _noisy(clean)
    out = guided_denoise_rgb(noisy, np.full(3, 2e-4), np.full(3, 1e-6))
    err_in, err_out = np.std(noisy - clean), np.std(out - clean)
    assert err_out < err_in / 1.8, (err_in, err_out)
    assert abs(float(out.mean() - clean.mean())) < 2e-3
    lin = LinearRawImage(noisy, camera=CAM, white_level=65535)
    den = Stage.build("denoise_raw")(lin)
    assert den.state.denoised and np.std(den.data - clean) < err_in / 1.8


def test_xtrans_denoise_and_noise_estimate():
    pat = CFAPattern.xtrans()
    clean = _smooth(120, 120)
    idx = pat.channel_index(120, 120).astype(np.intp)
    cfa_clean = np.take_along_axis(clean, idx[..., None], 2)[..., 0]
    cfa = _noisy(cfa_clean, scale=1e-4, offset=4e-6, seed=3)
    prof = estimate_noise_sparse(cfa, pat)
    level = float(cfa_clean.mean())  # the fit's variance at the image's level
    assert prof.variance(level, 1) == pytest.approx(1e-4 * level + 4e-6, rel=0.4)
    out = guided_denoise_sparse(cfa, pat, np.full(3, 1e-4), np.full(3, 4e-6))
    # per colour, without the Bayer path's luma/chroma rotation: a milder filter (he2013 on
    # the same scene as RGGB removes 1.7x of the noise sigma, this 1.36x)
    assert np.std(out - cfa_clean) < np.std(cfa - cfa_clean) / 1.3
    assert abs(float(out.mean() - cfa_clean.mean())) < 2e-3
    via_api = denoise_raw(cfa, pat, noise_profile=NoiseProfile((1e-4,) * 3, (4e-6,) * 3))
    np.testing.assert_allclose(via_api, out, atol=1e-6)


@pytest.mark.slow
def test_xtrans_through_the_default_recipe_with_bad_pixels():
    pat = CFAPattern.xtrans(2, 3)
    clean = _smooth(72, 90)
    idx = pat.channel_index(72, 90).astype(np.intp)
    cfa = _noisy(np.take_along_axis(clean, idx[..., None], 2)[..., 0])
    cfa[30, 40] = 1.0  # a hot pixel
    raw = RawImage(cfa, pat, camera=CAM, black_level=(0,) * 4, white_level=65535)
    fixed = Stage.build("bad_pixels")(raw)
    assert fixed.cfa[30, 40] < 0.6
    out = brightroom.develop(raw)
    assert out.shape == (72, 90, 3) and np.isfinite(out.data).all()


class _MosaicOnly(StageKind):
    """A test stage that declares nothing about linear raws (so refuses them)."""

    name = "test_mosaic_only"
    takes = "cfa"
    gives = "cfa"


def test_pipeline_linear_raw_rules():
    lin = LinearRawImage(_smooth(), camera=CAM)
    assert Stage.build("bad_pixels")(lin) is lin  # skipped: a converter already fixed them
    with pytest.raises(PipelineError, match="already demosaiced"):
        Stage.build("test_mosaic_only")(lin)
    rgb = Stage.build("demosaic")(lin)
    assert isinstance(rgb, Image) and rgb.space == "camera_rgb"
    np.testing.assert_array_equal(rgb.data, lin.data)
    p = Pipeline.of(["white_balance", "demosaic", "colour"])
    assert p(lin).space == "linear_rgb"


# ------------------------------------------------------------------------------ the DNG warp


def test_warp_identity_and_positions():
    img = _smooth(40, 50)
    ident = WarpRectilinear(((1, 0, 0, 0, 0, 0),))
    assert ident.is_identity
    np.testing.assert_allclose(warp_rectilinear_numpy(img, ident), img, atol=1e-6)
    # kr0 = 0.5: the output at offset d from the centre reads the input at d / 2
    half = WarpRectilinear(((0.5, 0, 0, 0, 0, 0),), (0.5, 0.5))
    xs, ys = warp_source_positions(half, (41, 51), 0)
    assert xs[20, 50] == pytest.approx(25 + 12.5) and ys[40, 25] == pytest.approx(20 + 10)
    # tangential: kt1 moves x by kt1 * (r^2 + 2 dx^2) at dy = 0 (DNG SDK's convention)
    tan = WarpRectilinear(((1, 0, 0, 0, 0, 0.01),), (0.5, 0.5))
    xs, ys = warp_source_positions(tan, (41, 51), 0)
    m = np.hypot(25, 20)
    dx = 25 / m
    assert xs[20, 50] == pytest.approx(50 + m * 0.01 * 3 * dx * dx, rel=1e-5)
    assert ys[20, 50] == pytest.approx(20.0, abs=1e-4)


def test_warp_fast_path_matches_reference():
    img = _smooth(60, 70)
    warp = WarpRectilinear(((1.0, -0.06, 0.02, 0.0, 0.002, -0.001), (1.0, -0.05, 0.02, 0, 0, 0),
                            (1.01, -0.06, 0.0, 0, 0, 0)), (0.48, 0.53))
    ref = warp_rectilinear_numpy(img, warp)
    fast = warp_rectilinear(img, warp)
    assert np.abs(fast - ref).max() < 2e-3  # OpenCV's 5-bit interpolation weights


def test_demosaic_stage_applies_the_warp_v2_only():
    data = _smooth(48, 60)
    warp = WarpRectilinear(((1.0, -0.1, 0, 0, 0, 0),))
    lin = LinearRawImage(data, camera=CAM, warp=warp)
    on = Stage.build("demosaic")(lin)
    np.testing.assert_allclose(on.data, warp_rectilinear(data, warp), atol=1e-7)
    off = Stage.build("demosaic", DemosaicParams.from_mapping({}, version=1))(lin)
    np.testing.assert_array_equal(off.data, data)
