"""Tests of brightroom.lab.camera.sensor: CFA sampling, noise model, ADC."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.errors import ParameterError
from brightroom.lab.camera.sensor import Sensor, cfa_sample, expose_sensor, noise_profile
from brightroom.types import CFAPattern

# channel index of each Bayer phase, written out by hand
LAYOUTS = {"RGGB": [[0, 1], [1, 2]], "BGGR": [[2, 1], [1, 0]],
           "GRBG": [[1, 0], [2, 1]], "GBRG": [[1, 2], [0, 1]]}


def _plane_image(h, w):
    img = np.zeros((h, w, 3), np.float32)
    for c in range(3):
        img[..., c] = c
    return img


@pytest.mark.parametrize("phase", list(LAYOUTS))
def test_cfa_sampling_bayer_phases(phase):
    mos = cfa_sample(_plane_image(6, 8), CFAPattern(phase))
    expect = np.tile(np.array(LAYOUTS[phase]), (3, 4))
    np.testing.assert_array_equal(mos, expect)


@pytest.mark.parametrize("phase", list(LAYOUTS))
def test_cfa_sampling_quad_bayer(phase):
    mos = cfa_sample(_plane_image(8, 8), CFAPattern(phase, 2))
    cell = np.array(LAYOUTS[phase])
    expect = np.tile(np.repeat(np.repeat(cell, 2, axis=0), 2, axis=1), (2, 2))
    np.testing.assert_array_equal(mos, expect)


def test_noise_matches_profile_on_flat_field():
    s = Sensor(full_well_e=10000, read_noise_e=3.0, adc_noise_dn=0.5, dark_current_e_s=20,
               prnu=0.01, dsnu_e=2.0, adc_bits=12, black_level=256)
    pat = CFAPattern("RGGB")
    span = s.white_level - s.black_level
    for level_e, gain in [(300.0, 1.0), (3000.0, 1.0), (1000.0, 4.0)]:
        e = np.full((256, 256), level_e, np.float32)
        a = expose_sensor(e, s, pat, gain=gain, exposure_time=0.05,
                          rng=np.random.default_rng(1)).astype(np.float64)
        b = expose_sensor(e, s, pat, gain=gain, exposure_time=0.05,
                          rng=np.random.default_rng(2)).astype(np.float64)
        xa, xb = (a - s.black_level) / span, (b - s.black_level) / span
        x = 0.5 * (xa.mean() + xb.mean())
        var_temporal = np.var(xa - xb) / 2  # fixed patterns cancel
        prof = noise_profile(s, gain, 0.05)
        assert x == pytest.approx(level_e * s.base_gain * gain / span, rel=0.01)
        assert var_temporal == pytest.approx(prof.variance(x), rel=0.04)


def test_no_noise_is_exact_and_clips_at_white():
    s = Sensor(full_well_e=1000, adc_bits=10, black_level=64)
    e = np.array([[0, 250, 500, 1000], [2000, 10, 20, 30]], np.float32)
    dn = expose_sensor(e, s, CFAPattern("RGGB"), noise=False)
    expect = np.clip(np.rint(e * s.base_gain + 64), 0, 1023)
    np.testing.assert_array_equal(dn, expect)
    assert dn.max() == 1023


def test_fixed_pattern_is_the_same_across_frames():
    s = Sensor(prnu=0.05, dsnu_e=0.0, read_noise_e=0.0, adc_noise_dn=0.0, dark_current_e_s=0)
    e = np.full((64, 64), 5000.0, np.float32)
    frames = [expose_sensor(e, s, CFAPattern("RGGB"), rng=np.random.default_rng(k))
              .astype(np.float64) for k in range(2)]
    # PRNU (5 %) dominates shot noise (1.4 %): the two frames correlate strongly
    assert np.corrcoef(frames[0].ravel(), frames[1].ravel())[0, 1] > 0.8


def test_bad_sensor_parameters():
    with pytest.raises(ParameterError):
        Sensor(adc_bits=20)
    with pytest.raises(ParameterError):
        expose_sensor(np.ones((4, 4), np.float32), Sensor(), CFAPattern("RGGB"), gain=0.5)


def test_hot_and_dead_pixels_are_fixed_and_visible():
    s = Sensor(hot_pixels=0.002, dead_pixels=0.001, read_noise_e=1.0, prnu=0.0, dsnu_e=0.0)
    e = np.full((100, 100), 2000.0, np.float32)
    from brightroom.lab.camera.sensor import defect_pixels

    hot, dead = defect_pixels(s, e.shape)
    assert len(hot) == 20 and len(dead) == 10
    frames = [expose_sensor(e, s, CFAPattern("RGGB"), exposure_time=0.05,
                            rng=np.random.default_rng(k)) for k in range(2)]
    for f in frames:
        level = np.median(f)
        assert np.all(f[hot[:, 0], hot[:, 1]] > level + 100)
        assert np.all(f[dead[:, 0], dead[:, 1]] < s.black_level + 20)
    assert np.array_equal(defect_pixels(s, e.shape)[0], hot)
