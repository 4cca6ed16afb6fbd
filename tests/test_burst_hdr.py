"""Tests of brightroom.burst.hdr: bracket merge, units above 1, dynamic range, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from brightroom.burst import BurstWarning, merge_hdr, to_unit_range
from brightroom.charts import dynamic_range_steps
from brightroom.errors import MergeError
from brightroom.lab.camera import simulate, simulate_burst
from brightroom.lab.metrics import dynamic_range
from brightroom.types import CameraInfo, CFAPattern, RawImage

EVS = (0.0, -4.0, 4.0)


@pytest.fixture(scope="module")
def bracket():
    scene = dynamic_range_steps(14, peak=8.0, patch_size=28, columns=7, gap=6)
    t0 = simulate(scene, lux=300, iso=100, seed=0, optics=False).camera.exposure_time
    frames = [simulate_burst(scene, n=1, lux=300, iso=100, exposure_time=t0 * 2.0**ev,
                             seed=7 + i, optics=False, shake_px=0.0, rotation_deg=0.0)[0]
              for i, ev in enumerate(EVS)]
    return scene, frames


def _green_patches(raw: RawImage, boxes: np.ndarray) -> list[np.ndarray]:
    g = raw.cfa[0::2, 1::2]  # RGGB: G1 plane
    return [g[y0 // 2 + 2:y1 // 2 - 2, x0 // 2 + 2:x1 // 2 - 2] for y0, x0, y1, x1 in boxes]


def test_hdr_linear_in_reference_units(bracket) -> None:
    scene, frames = bracket
    hdr = merge_hdr(frames, ref=0)
    boxes = np.asarray(scene.ground_truth["boxes"])
    refl = np.asarray(scene.ground_truth["reflectances"])
    means = np.array([float(np.mean(p)) for p in _green_patches(hdr, boxes)])
    # the reference clips the brightest patches; the merge continues the line above 1
    single = np.array([float(np.mean(p)) for p in _green_patches(frames[0], boxes)])
    k = np.median(single[4:9] / refl[4:9])  # unclipped mid patches of the reference
    assert single[0] < 1.01 and means[0] > 2.0
    np.testing.assert_allclose(means[:10], k * refl[:10], rtol=0.05)
    assert hdr.saturation[1] == pytest.approx(16.0 * frames[1].saturation[1], rel=1e-6)
    info = hdr.metadata["burst_merge"]
    assert info["method"] == "hdr" and info["reference"] == 0
    np.testing.assert_allclose(info["gains"], [1.0, 16.0, 1 / 16], rtol=1e-6)


def test_hdr_dynamic_range_gain(bracket) -> None:
    scene, frames = bracket
    boxes = np.asarray(scene.ground_truth["boxes"])
    hdr = merge_hdr(frames, ref=0)
    one = dynamic_range(_green_patches(frames[0], boxes), clip_level=0.999)
    many = dynamic_range(_green_patches(hdr, boxes), clip_level=hdr.saturation[1] * 0.999)
    assert many.dr_snr1 >= one.dr_snr1 + 3.0


def test_default_reference_is_median_exposure(bracket) -> None:
    _, frames = bracket
    hdr = merge_hdr([frames[2], frames[0], frames[1]])
    assert hdr.metadata["burst_merge"]["reference"] == 1


def test_noise_profile_fitted(bracket) -> None:
    _, frames = bracket
    hdr = merge_hdr(frames, ref=0)
    p0, p = frames[0].camera.noise_profile, hdr.camera.noise_profile
    assert p.offset[1] < p0.offset[1]  # the long frame lowers the read-noise floor
    # the short frame's shot noise, scaled x16, dominates the bright end: between 1x and 16x
    assert p0.scale[1] <= p.scale[1] < 16 * p0.scale[1]


def test_to_unit_range(bracket) -> None:
    _, frames = bracket
    hdr = merge_hdr(frames, ref=0)
    u = to_unit_range(hdr)
    assert max(u.saturation) == pytest.approx(1.0)
    np.testing.assert_allclose(u.cfa * max(hdr.saturation), hdr.cfa, rtol=1e-5, atol=1e-7)


def test_equal_exposures_fall_back_to_wiener() -> None:
    from brightroom.charts import dead_leaves

    frames = simulate_burst(dead_leaves((64, 96), seed=1), n=3, lux=50, seed=1)
    out = merge_hdr(frames, ref=0)
    assert out.metadata["burst_merge"]["method"] == "hasinoff2016"
    assert out.metadata["burst_merge"]["mode"] == "hdr"


def test_missing_exposure() -> None:
    rng = np.random.default_rng(0)
    a = RawImage(rng.random((32, 32)).astype(np.float32), CFAPattern("RGGB"),
                 CameraInfo(exposure_time=0.01, iso=100))
    b = RawImage(rng.random((32, 32)).astype(np.float32), CFAPattern("RGGB"), CameraInfo())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BurstWarning)
        with pytest.raises(MergeError, match="frame 1 has no exposure"):
            merge_hdr([a, b])
