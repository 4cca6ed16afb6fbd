"""Cleaning: Sauvola against scikit-image's implementation (an independent peer), shadows
divided out, the three modes."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.filters import threshold_sauvola

from brightroom.scan.clean import clean_page, illumination, sauvola_threshold


def test_sauvola_threshold_matches_scikit_image():
    rng = np.random.default_rng(3)
    g = rng.random((80, 90)).astype(np.float32)
    ours = sauvola_threshold(g, window=15, k=0.2, r=0.5)
    peer = threshold_sauvola(g, window_size=15, k=0.2, r=0.5)
    inner = (slice(8, -8), slice(8, -8))  # borders are padded differently
    np.testing.assert_allclose(ours[inner], peer[inner], atol=1e-4)


def _page_with_shadow():
    h, w = 240, 180
    page = np.full((h, w, 3), 0.9, np.float32)
    page[40:200:12, 20:160] = 0.1  # text-like strokes, 1 px high
    page[41:200:12, 20:160] = 0.1
    shade = np.linspace(1.0, 0.45, w, dtype=np.float32)[None, :, None]  # a shadow to the right
    return page * shade * np.array([1.0, 0.9, 0.75], np.float32)  # warm light


def test_illumination_divides_out_shadow_and_white_balances():
    page = _page_with_shadow()
    flat = page / illumination(page)
    paper = flat[30:38, 10:170].reshape(-1, 3)
    assert np.all(np.abs(paper.mean(axis=0) - 1) < 0.05)  # white, all channels equal
    assert paper.std(axis=0).max() < 0.03  # shadow gone


@pytest.mark.parametrize("mode,shape", [("color", (240, 180, 3)), ("gray", (240, 180)), ("bw", (240, 180))])
def test_modes(mode, shape):
    out = clean_page(_page_with_shadow(), mode)
    assert out.dtype == np.uint8 and out.shape == shape
    assert out[30:38, 10:170].min() > 200  # paper white, also in the shadow
    assert out[40, 30:150].max() < 110  # strokes dark
    if mode == "bw":
        assert set(np.unique(out)) <= {0, 255}
