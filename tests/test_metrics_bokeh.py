"""brightroom.lab.metrics.bokeh: PSNR at the silhouette and the bokeh sub-score."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.color.spaces import srgb_encode
from brightroom.lab.bokeh_reference import reference_bokeh
from brightroom.lab.metrics.bokeh import bokeh_errors, bokeh_score, silhouette_band
from brightroom.lab.portrait_scenes import PORTRAIT_SCENES, portrait_scene
from brightroom.portrait.bokeh import BokehParams, render_bokeh


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
