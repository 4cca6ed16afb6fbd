"""Dust-spot detection: soft dark specks (the multiplicative attenuation of Zhou & Lin 2007)
planted on a noisy sky are all found, none on the grass beside it nor on a clean sky; healed,
the sky is back to its true values; bad input is refused."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from brightroom.color.spaces import srgb_decode
from brightroom.edit.dust import detect_dust
from brightroom.edit.heal import heal_spot
from brightroom.errors import ParameterError


def _scene(n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray, list]:
    rng = np.random.default_rng(seed)
    h, w = 400, 640
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    sky = (0.25 + 0.2 * yy / h)[..., None] * np.array([0.7, 0.85, 1.0], np.float32)
    grass = srgb_decode(np.repeat(data.grass()[:200, :256, None], 3, 2).astype(np.float32)
                        / 255)
    clean = sky.astype(np.float32)
    clean[200:, :256] = grass
    clean = clean + rng.normal(0, 0.004, clean.shape).astype(np.float32)
    spotted, spots = clean.copy(), []
    for _ in range(n):
        x, y = rng.uniform(290, 620), rng.uniform(20, 380)
        r, depth = rng.uniform(2.5, 6), rng.uniform(0.08, 0.25)
        spotted *= (1 - depth * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * (r / 2) ** 2))
                    )[..., None]
        spots.append((x, y, r))
    return clean, spotted.astype(np.float32), spots


def test_planted_dust_is_found_and_healed_and_grass_is_not_dust():
    clean, spotted, spots = _scene(8)
    found = detect_dust(spotted)
    near = [any(np.hypot(x - fx, y - fy) < max(r, 3) for fx, fy, _ in found)
            for x, y, r in spots]
    assert all(near), (spots, found)
    assert len(found) == len(spots)                 # nothing on the grass, nothing else
    assert all(fr >= r for (x, y, r) in spots for fx, fy, fr in found
               if np.hypot(x - fx, y - fy) < max(r, 3))  # the heal covers the speck
    healed = spotted
    for x, y, r in found:
        healed = heal_spot(healed, x, y, r)
    for x, y, r in spots:
        sl = (slice(int(y - r), int(y + r) + 1), slice(int(x - r), int(x + r) + 1))
        # the dip (a mean darkening) is gone; what is left is the sky's noise, unbiased
        before = abs((spotted[sl] / clean[sl] - 1).mean())
        after = abs((healed[sl] / clean[sl] - 1).mean())
        assert after < 0.25 * before, (x, y, before, after)
    assert detect_dust(clean) == []


def test_dust_bad_input():
    with pytest.raises(ParameterError, match="H x W x 3"):
        detect_dust(np.zeros((10, 10), np.float32))
    with pytest.raises(ParameterError, match="max_radius"):
        detect_dust(np.zeros((50, 50, 3), np.float32), max_radius=0.5)
    with pytest.raises(ParameterError, match="contrast"):
        detect_dust(np.zeros((50, 50, 3), np.float32), contrast=0)
    assert detect_dust(np.zeros((8, 8, 3), np.float32)) == []   # too small to judge
