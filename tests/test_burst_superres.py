"""Tests of brightroom.burst.superres: zoom bursts in, camera RGB out; fallbacks; bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from brightroom.burst import BurstWarning
from brightroom.burst.superres import check_zoom, superres
from brightroom.charts import dead_leaves
from brightroom.color.metrics import psnr
from brightroom.develop.demosaic import demosaic
from brightroom.errors import MergeError, ParameterError
from brightroom.lab.camera.burst import SubjectMotion
from brightroom.lab.camera.zoom import area_downsample, simulate_zoom_burst
from brightroom.types import CFAPattern, LinearRawImage

BORDER = 12


@pytest.fixture(scope="module")
def burst():
    scene = dead_leaves((256, 256), seed=5, rmin=1.5, color=True)
    return simulate_zoom_burst(scene, n=8, factor=2, iso=1600, seed=3)


def _p(a, b, peak):
    c = BORDER
    return psnr(a[c:-c, c:-c] / peak, b[c:-c, c:-c] / peak)


def test_1x_beats_one_frame_demosaic_at_iso_1600(burst) -> None:
    frames, truth = burst
    t1 = area_downsample(truth, 2)
    peak = float(np.percentile(truth, 99.5))
    out = superres(frames, scale=1, ref=0)
    assert isinstance(out, LinearRawImage) and out.data.shape == (128, 128, 3)
    mlri = demosaic(frames[0].cfa, frames[0].pattern, method="kiku2014", domain="gamma")
    gain = _p(out.data, t1, peak) - _p(mlri, t1, peak)
    assert gain > 1.0, f"super-resolution at 1x only {gain:.2f} dB over MLRI on one frame"
    info = out.metadata["burst_merge"]
    assert info["method"] == "wronski2019" and info["frames"] == 8 and info["reference"] == 0
    assert 2.0 < info["effective_frames"] <= 8.0
    neff = info["effective_frames"]
    np.testing.assert_allclose(out.camera.noise_profile.scale,
                               np.array(frames[0].camera.noise_profile.scale) / neff, rtol=1e-6)


def test_2x_beats_bicubic_of_one_frame(burst) -> None:
    import cv2

    frames, truth = burst
    peak = float(np.percentile(truth, 99.5))
    out = superres(frames, scale=2, ref=0)
    assert out.data.shape == (256, 256, 3)
    mlri = demosaic(frames[0].cfa, frames[0].pattern, method="kiku2014", domain="gamma")
    bic = cv2.resize(mlri, (256, 256), interpolation=cv2.INTER_CUBIC)
    assert _p(out.data, truth, peak) > _p(bic, truth, peak) + 0.3


def test_zoom_crops_the_centre(burst) -> None:
    frames, truth = burst
    out = superres(frames, zoom=2, ref=0)  # scale defaults to the zoom
    assert out.data.shape == (128, 128, 3)
    info = out.metadata["burst_merge"]
    assert info["scale"] == 2.0 and info["zoom"] == 2.0 and info["region"] == [32, 32, 64, 64]
    peak = float(np.percentile(truth, 99.5))
    assert psnr(out.data / peak, truth[64:192, 64:192] / peak) > 20.0
    o3 = superres(frames, zoom=3, scale=3, ref=0)
    assert o3.data.shape == (129, 129, 3)


@pytest.mark.parametrize("pattern", ["BGGR", "GRBG", "GBRG"])
def test_every_bayer_phase(pattern: str) -> None:
    scene = dead_leaves((128, 128), seed=2, rmin=2.0, color=True)
    frames, truth = simulate_zoom_burst(scene, n=4, factor=2, iso=400, seed=1, pattern=pattern)
    out = superres(frames, scale=1, ref=0)
    peak = float(np.percentile(truth, 99.5))
    assert psnr(out.data[6:-6, 6:-6] / peak, area_downsample(truth, 2)[6:-6, 6:-6] / peak) > 24


def test_quad_bayer_is_made_bayer_first() -> None:
    scene = dead_leaves((128, 128), seed=2, rmin=2.0, color=True)
    frames, _ = simulate_zoom_burst(scene, n=3, factor=2, iso=400, seed=1,
                                    camera="flagship-2022", pattern="quad-RGGB")
    assert frames[0].pattern.block == 2
    assert superres(frames, scale=1, ref=0).data.shape == (64, 64, 3)
    assert superres(frames, scale=1, ref=0, quad="bin").data.shape == (32, 32, 3)
    with pytest.raises(ParameterError, match="quad"):
        superres(frames, quad="nope")


def test_moving_subject_leaves_no_ghost() -> None:
    scene = dead_leaves((256, 256), seed=6, rmin=2.0, color=True)
    subject = SubjectMotion((96, 96, 160, 160), velocity=(0.0, 3.0))
    frames, truth = simulate_zoom_burst(scene, n=8, factor=2, iso=400, seed=2,
                                        moving_subject=subject)
    mask = frames[0].metadata["lab"]["zoom"]["subject_mask"]
    assert mask is not None and mask.any()
    out = superres(frames, scale=1, ref=0).data
    t1 = area_downsample(truth, 2)
    mlri = demosaic(frames[0].cfa, frames[0].pattern, method="kiku2014", domain="gamma")
    peak = float(np.percentile(truth, 99.5))

    def region_psnr(a):
        d = (a - t1)[mask] / peak
        return -10 * np.log10(np.mean(d * d))

    assert region_psnr(out) >= region_psnr(mlri) - 0.5


def test_one_frame_falls_back_with_a_warning(burst) -> None:
    frames, _ = burst
    with pytest.warns(BurstWarning, match="one frame"):
        out = superres(frames[:1], zoom=2)
    assert out.data.shape == (128, 128, 3)
    assert out.metadata["burst_merge"]["method"].startswith("single")


def test_bad_inputs(burst) -> None:
    frames, _ = burst
    with pytest.raises(ParameterError, match="scale 4"):
        superres(frames, scale=4)
    with pytest.raises(ParameterError, match="zoom 0.5"):
        superres(frames, zoom=0.5)
    with pytest.raises(ParameterError, match="not a number"):
        check_zoom("two", 1.0)
    small = frames[1].replace(cfa=np.ascontiguousarray(frames[1].cfa[:64, :64]))
    with pytest.raises(MergeError, match="pixels"):
        superres([frames[0], small])
    other = frames[1].replace(camera=frames[1].camera.replace(model="Other"))
    with pytest.raises(MergeError, match="camera"):
        superres([frames[0], other])
    xt = frames[0].replace(pattern=CFAPattern.xtrans(), cfa=np.ascontiguousarray(
        frames[0].cfa[:126, :126]))
    with pytest.raises(ParameterError, match="X-Trans"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            superres([xt, xt.replace()])
    assert check_zoom(None, 5.0) == (3.0, 5.0)
