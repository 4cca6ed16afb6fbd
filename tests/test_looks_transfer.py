"""Tests of brightroom.looks.transfer (Reinhard et al. 2001 colour transfer)."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.color.lut import apply_lut
from brightroom.errors import ParameterError
from brightroom.looks.transfer import (
    colour_transfer,
    image_stats,
    lalphabeta_to_rgb,
    rgb_to_lalphabeta,
    transfer_lut,
)
from brightroom.types import Image


def _img(name: str) -> np.ndarray:
    import skimage.data

    return np.ascontiguousarray(getattr(skimage.data, name)()[::4, ::4]).astype(np.float32) / 255


def test_lalphabeta_round_trip_and_neutral_axis(rng: np.random.Generator) -> None:
    x = rng.random((100, 3)) * 0.9 + 0.05
    np.testing.assert_allclose(lalphabeta_to_rgb(rgb_to_lalphabeta(x)), x, rtol=1e-9)
    # Reinhard et al.: an achromatic LMS (L = M = S) has alpha = beta = 0
    lms_grey = np.linalg.solve(np.array([[0.3811, 0.5783, 0.0402], [0.1967, 0.7244, 0.0782],
                                         [0.0241, 0.1288, 0.8444]]), np.full(3, 0.5))
    lab = rgb_to_lalphabeta(lms_grey)
    np.testing.assert_allclose(lab[1:], 0, atol=1e-12)
    assert lab[0] == pytest.approx(np.sqrt(3) * np.log10(0.5))


def test_transfer_matches_reference_statistics() -> None:
    src, ref = _img("astronaut"), _img("coffee")
    out = colour_transfer(Image(src, space="linear_rgb", transfer="linear"),
                          Image(ref, space="linear_rgb", transfer="linear"))
    s_out = image_stats(out)
    s_ref = image_stats(Image(ref, space="linear_rgb", transfer="linear"))
    np.testing.assert_allclose(s_out.mean, s_ref.mean, atol=1e-6)
    np.testing.assert_allclose(s_out.std, s_ref.std, rtol=1e-5)


def test_self_transfer_is_identity_and_strength_zero() -> None:
    a = _img("chelsea")
    np.testing.assert_allclose(colour_transfer(a, a), a, atol=1e-5)
    np.testing.assert_allclose(colour_transfer(a, _img("coffee"), strength=0.0), a, atol=1e-5)
    with pytest.raises(ParameterError):
        colour_transfer(a, a, method="histogram")


def test_lut_bakes_the_transfer() -> None:
    src, ref = _img("astronaut"), _img("coffee")
    lut = transfer_lut(src, ref, size=33)
    direct = colour_transfer(src, ref)
    baked = apply_lut(src, lut)
    assert np.abs(baked - direct).mean() < 0.004
