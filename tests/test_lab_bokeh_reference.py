"""brightroom.lab.bokeh_reference: the exact disc PSF and the layered reference rendering."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import fftconvolve

from brightroom.lab.bokeh_reference import _coc_radius, disc_psf, reference_bokeh
from brightroom.lab.portrait_scenes import portrait_scene


def test_disc_psf_area():
    for r in (3.0, 7.5, 20.0):
        k = disc_psf(r)
        assert k.sum() == pytest.approx(1.0, abs=1e-6)
        assert 1 / k.max() == pytest.approx(np.pi * r * r, rel=0.02)
    assert disc_psf(0.2).shape == (1, 1)


def test_reference_is_layered_disc_blur():
    sc = portrait_scene(size=128, hedge=False, hair=False)
    ref = reference_bokeh(sc, f_number=2.0)
    # independent route: scipy FFT convolution of each layer, then Porter-Duff over
    bg, fg = sc.layers[1], sc.layers[0]
    r = _coc_radius(bg.depth, fg.depth, 2.0, 50.0, 36.0, 128)
    k = disc_psf(r)
    pad = k.shape[0]
    wall = np.pad(bg.rgb, ((pad, pad), (pad, pad), (0, 0)), mode="symmetric")
    blurred = np.stack([fftconvolve(wall[..., c], k, mode="same") for c in range(3)], axis=2)
    blurred = blurred[pad:-pad, pad:-pad]
    expect = fg.rgb * fg.alpha[..., None] + blurred * (1 - fg.alpha[..., None])
    np.testing.assert_allclose(ref, expect, atol=2e-4)
