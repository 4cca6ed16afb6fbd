"""brightroom.lab.portrait_scenes: exact layered reference and the bokeh sub-score."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import fftconvolve

from brightroom.color.spaces import srgb_encode
from brightroom.errors import ParameterError
from brightroom.lab.portrait_scenes import (
    PORTRAIT_SCENES,
    astronaut_matte,
    bokeh_errors,
    bokeh_score,
    disc_psf,
    portrait_lab,
    portrait_scene,
    reference_bokeh,
    silhouette_band,
)
from brightroom.portrait.bokeh import BokehParams, render_bokeh


def test_disc_psf_area():
    for r in (3.0, 7.5, 20.0):
        k = disc_psf(r)
        assert k.sum() == pytest.approx(1.0, abs=1e-6)
        assert 1 / k.max() == pytest.approx(np.pi * r * r, rel=0.02)
    assert disc_psf(0.2).shape == (1, 1)


def test_matte_is_a_person_silhouette():
    m = astronaut_matte()
    assert m.shape == (512, 512) and set(np.unique(m)) <= {0.0, 1.0}
    assert 0.45 < m.mean() < 0.6
    assert m[80, 225] == 1 and m[40, 40] == 0  # face in, flag out


def test_scene_composite_and_depth():
    sc = portrait_scene(size=128, seed=3)
    assert sc.image.shape == (128, 128, 3) and sc.depth.shape == (128, 128)
    assert set(np.unique(sc.depth)) <= {1.5, 3.0, 8.0}
    fg = sc.layers[0]
    # hair strands give fractional alpha outside the hand-made matte
    assert ((fg.alpha > 0.05) & (fg.alpha < 0.95)).sum() > 100
    with pytest.raises(ParameterError):
        portrait_scene(subject_distance=5.0, mid_distance=3.0)


def test_reference_is_layered_disc_blur():
    sc = portrait_scene(size=128, hedge=False, hair=False)
    ref = reference_bokeh(sc, f_number=2.0)
    # independent route: scipy FFT convolution of each layer, then Porter-Duff over
    from brightroom.lab.portrait_scenes import _coc_radius

    bg, fg = sc.layers[1], sc.layers[0]
    r = _coc_radius(bg.depth, fg.depth, 2.0, 50.0, 36.0, 128)
    k = disc_psf(r)
    pad = k.shape[0]
    wall = np.pad(bg.rgb, ((pad, pad), (pad, pad), (0, 0)), mode="symmetric")
    blurred = np.stack([fftconvolve(wall[..., c], k, mode="same") for c in range(3)], axis=2)
    blurred = blurred[pad:-pad, pad:-pad]
    expect = fg.rgb * fg.alpha[..., None] + blurred * (1 - fg.alpha[..., None])
    np.testing.assert_allclose(ref, expect, atol=2e-4)


def test_brightroom_meets_the_bar_on_lab_scenes():
    for name, kw in PORTRAIT_SCENES.items():
        sc = portrait_scene(name, size=256, **kw)
        ref = reference_bokeh(sc, f_number=1.8)
        out = render_bokeh(sc.display, sc.depth, matte=sc.matte, focus_distance=1.5,
                           params=BokehParams(f_number=1.8, noise=False))
        e = bokeh_errors(out, ref, sc.matte)
        assert e["psnr"] >= 30.0, (name, e)
        assert bokeh_score(out, ref, sc.matte) > 60


def test_score_ranks_halo_worse():
    sc = portrait_scene(size=256)
    ref = reference_bokeh(sc, f_number=1.8)
    p = BokehParams(f_number=1.8, noise=False)
    good = render_bokeh(sc.display, sc.depth, matte=sc.matte, focus_distance=1.5, params=p)
    naive = render_bokeh(sc.display, sc.depth, focus_distance=1.5, params=p, method="naive")
    assert bokeh_score(good, ref, sc.matte) > bokeh_score(naive, ref, sc.matte)
    perfect = np.clip(srgb_encode(ref), 0, 1)
    assert bokeh_score(perfect, ref, sc.matte) == pytest.approx(100.0)
    assert bokeh_score(np.zeros_like(perfect), ref, sc.matte) == 0.0


def test_band():
    m = np.zeros((20, 20), np.float32)
    m[5:15, 5:15] = 1
    b = silhouette_band(m, 2)
    assert b[5, 10] and b[3, 10] and not b[10, 10] and not b[0, 0]


def test_portrait_lab_runner():
    res = portrait_lab(size=128)
    assert set(res) == set(PORTRAIT_SCENES)
    assert all(r["psnr"] >= 30 and 0 <= r["score"] <= 100 for r in res.values())
    blank = portrait_lab(lambda img, *a: np.zeros_like(img), size=128)
    assert all(r["score"] == 0 for r in blank.values())
