"""Heal: a spot planted on scikit-image's brick wall is filled with real texture (gradient
energy near the true content's, where OpenCV's Telea inpainting smears it) at a PSNR no lower
than Telea's minus 1 dB, measured in the same run; nothing outside the spot changes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from brightroom.color.metrics import psnr
from brightroom.edit.heal import disk_mask, heal_region, heal_spot
from brightroom.errors import ParameterError


def _energy(a: np.ndarray, m: np.ndarray) -> float:
    gy, gx = np.gradient(a.mean(-1))
    return float(np.mean((gx ** 2 + gy ** 2)[m]))


@pytest.fixture(scope="module")
def brick() -> np.ndarray:
    b = data.brick()[:256, :256].astype(np.float32) / 255
    return np.repeat(b[..., None], 3, axis=2)


def test_heal_keeps_texture_and_beats_telea_on_brick(brick):
    x, y, r = 130, 120, 9
    m = disk_mask(brick.shape, x, y, r)
    spotted = brick.copy()
    spotted[m] = 0.05
    ours = heal_spot(spotted, x, y, r + 1)
    m2 = disk_mask(brick.shape, x, y, r + 1)
    telea = cv2.inpaint((spotted * 255).astype(np.uint8), m2.astype(np.uint8), 3,
                        cv2.INPAINT_TELEA).astype(np.float32) / 255
    ratio = _energy(ours, m) / _energy(brick, m)
    assert 0.6 <= ratio <= 1.5, ratio
    assert _energy(telea, m) / _energy(brick, m) < 0.6   # the peer smears it
    assert psnr(ours[m2], brick[m2]) >= psnr(telea[m2], brick[m2]) - 1.0
    assert np.array_equal(ours[~m2], spotted[~m2])


def test_heal_region_and_bad_input(brick):
    mask = np.zeros(brick.shape[:2], bool)
    mask[100:104, 60:140] = True  # a brushed stroke
    out = heal_region(brick, mask)
    assert np.array_equal(out[~mask], brick[~mask]) and out.shape == brick.shape
    assert np.array_equal(heal_region(brick, np.zeros_like(mask)), brick)
    with pytest.raises(ParameterError, match=r"heal point \(300, 10\) lies outside"):
        heal_spot(brick, 300, 10, 5)
    with pytest.raises(ParameterError, match="does not fit"):
        heal_region(brick, mask[:10])
