"""The preview: what a 2 MP-style working copy shows is what the full-size render gives,
downsampled (relative parameters), and a cached slider change reuses the plan."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from brightroom.color.metrics import psnr
from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.edit.params import BasicPanel, EditList, Geometry
from brightroom.edit.preview import Preview, preview_size
from brightroom.edit.render import render_edits


@pytest.mark.slow
def test_preview_matches_the_full_render():
    full = srgb_decode(data.astronaut().astype(np.float32) / 255)
    el = EditList(basic=BasicPanel(exposure=0.4, shadows=50, highlights=-40, clarity=40,
                                   texture=30, dehaze=20, vibrance=20),
                  geometry=Geometry(crop=(0.125, 0.125, 0.75, 0.5)))
    pv = Preview(full, max_pixels=256 * 256)
    small = pv.render(el)
    big = render_edits(full, el)
    down = cv2.resize(big, small.shape[1::-1], interpolation=cv2.INTER_AREA)
    assert psnr(srgb_encode(np.clip(small, 0, 1)), srgb_encode(np.clip(down, 0, 1))) > 40
    assert preview_size(3000, 4000, 2_000_000) == (1225, 1633)
    n = len(pv._cache)
    pv.render(EditList(basic=BasicPanel(exposure=0.4, shadows=50, highlights=-40, clarity=40,
                                        texture=30, dehaze=20, vibrance=60)))
    assert len(pv._cache) == n  # a colour slider: nothing new to plan
    assert pv.render_display(EditList()).max() <= 1


def test_preview_size_and_identity():
    assert preview_size(3000, 4000, 2_000_000) == (1225, 1633)
    assert preview_size(100, 100, 2_000_000) == (100, 100)
    rng = np.random.default_rng(0)
    img = rng.random((40, 60, 3)).astype(np.float32)
    pv = Preview(img, max_pixels=600)
    assert pv.image.shape == (20, 30, 3)
    assert np.array_equal(pv.render(EditList()), pv.image)


def test_preview_matches_the_full_render_with_perspective():
    """The perspective's crop is relative (a linear programme on the warped outline, which
    scales with the picture), so the preview frames what the export frames."""
    full = srgb_decode(data.astronaut().astype(np.float32) / 255)
    el = EditList(geometry=Geometry(vertical=8.0, horizontal=-5.0, angle=1.0))
    small = Preview(full, max_pixels=256 * 256).render(el)
    big = render_edits(full, el)
    assert abs(big.shape[1] / big.shape[0] - small.shape[1] / small.shape[0]) < 0.02
    down = cv2.resize(big, small.shape[1::-1], interpolation=cv2.INTER_AREA)
    assert psnr(srgb_encode(np.clip(small, 0, 1)), srgb_encode(np.clip(down, 0, 1))) > 30
