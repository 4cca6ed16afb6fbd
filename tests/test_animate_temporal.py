"""Tests of brightroom.animate.temporal (the temporal sigma filter of still areas)."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.animate.encoder import estimate_noise
from brightroom.animate.temporal import temporal_sigma
from brightroom.errors import ParameterError


def _noisy_still(n: int = 12, seed: int = 0, sigma: float = 0.01) -> tuple[np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:48, 0:64].astype(np.float32)
    clean = np.dstack([0.5 + 0.2 * x / 64, 0.02 * np.sin(y / 7), -0.03 + 0.05 * y / 48]).astype(np.float32)
    frames = [clean + rng.normal(0, sigma, clean.shape).astype(np.float32) for _ in range(n)]
    return clean, frames


def test_numba_matches_numpy_reference() -> None:
    _, frames = _noisy_still(9)
    # a moving bright square over the noise
    for t, f in enumerate(frames):
        f[10:20, 5 + 4 * t:15 + 4 * t] = [0.9, 0.05, 0.05]
    noise = estimate_noise(frames)
    a = temporal_sigma(frames, noise, method="numpy")
    b = temporal_sigma(frames, noise, method="numba")
    np.testing.assert_allclose(np.stack(a), np.stack(b), atol=2e-6)


def test_still_noise_is_averaged() -> None:
    clean, frames = _noisy_still(12)
    out = temporal_sigma(frames, estimate_noise(frames), radius=4)
    before = np.mean([(f - clean).var() for f in frames])
    after = np.mean([(f - clean).var() for f in out[4:-4]])
    assert after < before / 4  # up to 9 samples, nearly all accepted at k = 2


def test_moving_edge_is_left_alone() -> None:
    _, frames = _noisy_still(10, sigma=0.005)
    for t, f in enumerate(frames):
        f[:, 8 + 5 * t:] += 0.3  # a step moving right by 5 px a frame
    noise = estimate_noise(frames)
    out = temporal_sigma(frames, noise)
    for t in range(1, 9):
        edge = slice(8 + 5 * t - 2, 8 + 5 * t + 2)
        assert np.abs(out[t][:, edge] - frames[t][:, edge]).max() < 6 * 0.005 * 3


def test_zero_noise_and_one_frame_are_unchanged() -> None:
    _, frames = _noisy_still(3)
    for a, b in zip(temporal_sigma(frames, 0.0), frames):
        np.testing.assert_array_equal(a, b)
    (one,) = temporal_sigma(frames[:1], 0.1)
    np.testing.assert_array_equal(one, frames[0])
    assert temporal_sigma(frames, 0.01)[0] is not frames[0]


@pytest.mark.parametrize("kw", [dict(method="fast"), dict(radius=-1), dict(k=-1.0)])
def test_bad_parameters_raise(kw: dict) -> None:
    _, frames = _noisy_still(3)
    with pytest.raises(ParameterError):
        temporal_sigma(frames, 0.01, **kw)


def test_bad_noise_and_shape_raise() -> None:
    _, frames = _noisy_still(3)
    with pytest.raises(ParameterError):
        temporal_sigma(frames, float("nan"))
    with pytest.raises(ParameterError):
        temporal_sigma([f[..., :2] for f in frames], 0.01)
