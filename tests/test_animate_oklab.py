"""brightroom.animate.oklab against colour-science's Oklab (an independent implementation)."""

from __future__ import annotations

import colour
import numpy as np

from brightroom.animate.oklab import (
    from_space,
    oklab_to_srgb8,
    srgb8_to_oklab,
    srgb8_to_oklab_fast,
    to_space,
)


def _all_codes(step: int = 5) -> np.ndarray:
    v = np.arange(0, 256, step, dtype=np.uint8)
    return np.stack(np.meshgrid(v, v, v, indexing="ij"), -1).reshape(-1, 3)


def test_matches_colour_science():
    rgb = _all_codes(15)
    ours = srgb8_to_oklab(rgb)
    xyz = colour.RGB_to_XYZ(rgb / 255.0, colour.RGB_COLOURSPACES["sRGB"], apply_cctf_decoding=True)
    ref = colour.XYZ_to_Oklab(xyz)
    assert np.abs(ours - ref).max() < 2e-3  # the two matrix routes differ in the 4th digit


def test_white_and_black():
    lab = srgb8_to_oklab(np.array([[255, 255, 255], [0, 0, 0]], np.uint8))
    assert np.allclose(lab[0], [1.0, 0.0, 0.0], atol=1e-4)
    assert np.allclose(lab[1], 0.0, atol=1e-6)


def test_fast_schedule_equals_reference():
    rgb = _all_codes(3).reshape(-1, 1, 3)[:, 0].reshape(-1, 86, 3)
    assert np.abs(srgb8_to_oklab_fast(rgb) - srgb8_to_oklab(rgb)).max() < 1e-5


def test_round_trip_every_code_step():
    rgb = _all_codes(5)
    for space in ("oklab", "srgb"):
        back = from_space(to_space(rgb[None], space)[0], space)
        assert np.abs(back.astype(int) - rgb).max() <= (1 if space == "oklab" else 0)
    assert np.array_equal(oklab_to_srgb8(srgb8_to_oklab(rgb)), rgb)
