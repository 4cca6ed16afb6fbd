"""Dehaze: scikit-image photos hazed in linear light with a known transmission map
(``I = J t + A (1 - t)``, the model of He, Sun & Tang 2009) are restored by at least 6 dB, and
no pixel is clipped that the clean photo did not have clipped."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from brightroom.color.metrics import psnr
from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.edit.basic import apply_basic, plan_basic
from brightroom.edit.dehaze import recover, transmission_bound
from brightroom.edit.params import BasicPanel


def hazy(clean: np.ndarray, airlight: float = 0.85) -> tuple[np.ndarray, np.ndarray]:
    """Haze that thickens towards the top of the frame (distance grows with height)."""
    h, w = clean.shape[:2]
    depth = np.linspace(1.6, 0.3, h, dtype=np.float32)[:, None] * np.ones((1, w), np.float32)
    t = np.exp(-1.2 * depth)
    return (clean * t[..., None] + airlight * (1 - t[..., None])).astype(np.float32), t


def clipped(rgb: np.ndarray) -> float:
    e = srgb_encode(np.clip(rgb, 0, None))
    return float(np.mean((e >= 254.5 / 255).any(-1) | (e <= 0.5 / 255).all(-1)))


def test_true_transmission_respects_the_bound():
    rng = np.random.default_rng(0)
    clean = rng.random((32, 32, 3)).astype(np.float32) * 0.8 + 0.1  # in the bounds
    img, t = hazy(clean)
    A = np.full(3, 0.85, np.float32)
    assert np.all(transmission_bound(img, A) <= t + 1e-5)
    assert np.allclose(recover(img, A, t), clean, atol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["astronaut", "coffee"])
def test_dehaze_restores_six_db_without_clipping(name):
    clean = srgb_decode(getattr(data, name)().astype(np.float32) / 255)
    img, _ = hazy(clean)
    out = apply_basic(img, plan_basic(img, BasicPanel(dehaze=100)))
    gain = psnr(srgb_encode(np.clip(out, 0, 1)), srgb_encode(clean)) - psnr(
        srgb_encode(img), srgb_encode(clean))
    assert gain >= 6.0, gain
    assert clipped(out) <= clipped(clean) + 0.005
