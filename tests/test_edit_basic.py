"""The basic panel: definitions (exposure doubles light, zero is identity), tone bands that move
only their tones without halos, and the numba pass against the NumPy reference."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from brightroom.color.spaces import srgb_decode
from brightroom.edit.basic import apply_basic, apply_basic_reference, band_gain, plan_basic
from brightroom.edit.params import HSL, BasicPanel, Detail, ToneCurve


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return srgb_decode(data.astronaut()[::2, ::2].astype(np.float32) / 255)


def _run(rgb, p, **kw):
    return apply_basic(rgb, plan_basic(rgb, p, **kw))


def test_exposure_doubles_linear_light(photo):
    out = _run(photo, BasicPanel(exposure=1.0))
    ok = photo > 1e-3
    assert np.max(np.abs(out[ok] / photo[ok] - 2)) < 1e-5
    out = _run(photo, BasicPanel(exposure=-2.5))
    assert np.allclose(out[ok] / photo[ok], 2 ** -2.5, rtol=1e-5)


def test_zero_is_identity(photo):
    plan = plan_basic(photo, BasicPanel(), detail=Detail(), hsl=HSL(), curve=ToneCurve())
    assert plan.identity
    assert np.array_equal(apply_basic(photo, plan), photo)


def test_band_weights_move_their_tones_only():
    ev = np.array([-10, -7, -5, -3, -1.5, -0.5, 0], np.float32)
    sh = band_gain(ev, BasicPanel(shadows=100))
    hi = band_gain(ev, BasicPanel(highlights=100))
    wh = band_gain(ev, BasicPanel(whites=100))
    bl = band_gain(ev, BasicPanel(blacks=100))
    assert sh[2] > 1.9 and sh[-1] < 0.05            # shadows: -5 EV, not white
    assert hi[4] > 1.4 and hi[1] < 0.01             # highlights: -1.5 EV, not deep shadow
    assert wh[-1] == pytest.approx(1.0) and wh[2] == 0   # whites: the top EV only
    assert bl[0] == pytest.approx(1.5) and bl[4] == 0    # blacks: the bottom only


def test_shadows_lift_dark_regions_without_halos():
    # a dark region next to a bright one: the lift must be flat up to the edge (no halo)
    img = np.full((200, 400, 3), 0.02, np.float32)
    img[:, 200:] = 0.6
    rng = np.random.default_rng(0)
    img *= (1 + 0.05 * rng.standard_normal(img.shape[:2]))[..., None].astype(np.float32)
    out = _run(img, BasicPanel(shadows=60))
    gain = (out / img)[..., 1]
    dark_near, dark_far = gain[:, 190:199].mean(), gain[:, 20:100].mean()
    bright_near, bright_far = gain[:, 201:210].mean(), gain[:, 300:380].mean()
    assert dark_far > 1.8                           # the shadows are lifted
    assert abs(dark_near / dark_far - 1) < 0.03     # ... right up to the edge
    assert abs(bright_near / bright_far - 1) < 0.03  # and the bright side gets no glow
    assert bright_far < 1.15                        # bright tones are left alone


def test_numba_pass_matches_reference(photo):
    p = BasicPanel(exposure=0.3, contrast=25, highlights=-40, shadows=50, whites=10,
                   blacks=-20, temperature=15, tint=-10, vibrance=30, saturation=-10,
                   texture=20, clarity=30, dehaze=25)
    plan = plan_basic(photo, p, detail=Detail(sharpening=40, noise_reduction=20),
                      hsl=HSL(hue=(10, 0, 0, 0, 0, -20, 0, 0),
                              saturation=(0, 20, 0, 0, 0, -40, 0, 0),
                              luminance=(0, 0, 0, 30, 0, 0, 0, 0)),
                      curve=ToneCurve(rgb=(0, 0, 0.25, 0.2, 0.75, 0.8, 1, 1)))
    ref = apply_basic_reference(photo, plan)
    fast = apply_basic(photo, plan)
    assert np.max(np.abs(ref - fast)) < 1e-4
    neg = plan_basic(photo, BasicPanel(dehaze=-40, vibrance=-30))
    assert np.max(np.abs(apply_basic_reference(photo, neg) - apply_basic(photo, neg))) < 1e-5


def test_saturation_and_vibrance(photo):
    grey = _run(photo, BasicPanel(saturation=-100))
    assert np.max(np.ptp(grey, axis=-1)) < 1e-5     # -100: no colour left
    y = photo @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    assert np.allclose(grey[..., 0], y, atol=1e-5)  # ... at the same luminance
    more = _run(photo, BasicPanel(vibrance=100))
    assert more.min() >= 0                           # never pushed below black


def test_contrast_pivots_on_grey():
    ramp = np.geomspace(0.01, 1.0, 64, dtype=np.float32)
    img = np.repeat(np.repeat(ramp[None, :, None], 4, axis=0), 3, axis=2)
    out = _run(img, BasicPanel(contrast=50))[0, :, 0]
    k = int(np.argmin(np.abs(ramp - 0.18)))
    assert out[k] == pytest.approx(ramp[k], rel=0.03)
    assert out[0] < ramp[0] and out[-10] > ramp[-10]
