"""Tests of brightroom.lab.camera.presets: documented, physically consistent presets."""

from __future__ import annotations

import dataclasses

import pytest

from brightroom.charts import flat
from brightroom.errors import ParameterError
from brightroom.lab.camera import PRESETS, get_preset, saturation_iso, simulate


@pytest.mark.parametrize("name", list(PRESETS))
def test_nominal_base_iso_is_close_to_the_iso_12232_saturation_speed(name):
    p = PRESETS[name]
    s_sat = saturation_iso(p)
    # manufacturers rate up to about one stop above the saturation-based speed
    assert 0.6 < p.sensor.base_iso / s_sat < 2.2


def test_flagship_is_binned_quad_bayer():
    p = get_preset("flagship-2022")
    binned = p.effective_sensor(1)
    assert p.cfa_block == 2
    assert binned.pixel_pitch_um == pytest.approx(2 * p.sensor.pixel_pitch_um)
    assert binned.full_well_e == pytest.approx(4 * p.sensor.full_well_e)
    assert p.effective_sensor(2) == p.sensor
    w, h = p.sensor_size_mm
    nw, nh = p.native_resolution
    assert w * 1000 / nw == pytest.approx(p.sensor.pixel_pitch_um, rel=0.05)


def test_one_inch_has_more_photons_per_pixel_than_budget():
    a = simulate(flat(32, 0.18), "one-inch", lux=50, noise=False, optics=False)
    b = simulate(flat(32, 0.18), "budget-phone", lux=50, noise=False, optics=False)
    # both reach the same normalised grey; the one-inch pixel (4.6x the area, f/2.8 for
    # 1/15 s against f/2.2 for 1/10 s: ~1.9x the light) collects more electrons doing so
    ea, eb = (r.metadata["lab"]["electrons_per_unit"] for r in (a, b))
    assert 1.4 < ea / eb < 2.5


def test_custom_preset_and_unknown_name():
    p = get_preset("budget-phone")
    q = dataclasses.replace(p, name="custom", sensor=dataclasses.replace(p.sensor, adc_bits=12))
    raw = simulate(flat(16), q, noise=False)
    assert raw.white_level == 4095 and raw.camera.model == "custom"
    with pytest.raises(ParameterError):
        get_preset("nope")
