"""Tests of brightroom.develop.highlights (highlight clipping and reconstruction)."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.develop.highlights import (
    HIGHLIGHT_METHODS,
    HighlightParams,
    clip_highlights,
    reconstruct_highlights,
    recover_highlights,
)
from brightroom.develop.pipeline import Stage
from brightroom.errors import ParameterError
from brightroom.types import Image

SAT = (2.0, 1.0, 1.5)  # after white balance: the clip level of each channel is its gain


def scene(colour=(0.6, 1.0, 0.45), peak=3.0, shape=(64, 96)) -> np.ndarray:
    """A horizontal brightness ramp of one colour; the true (unclipped) image."""
    ramp = np.linspace(0.05, peak, shape[1], dtype=np.float32)
    return (np.ones(shape, np.float32)[..., None] * ramp[None, :, None]
            * np.asarray(colour, np.float32)).astype(np.float32)


def sensor(truth: np.ndarray, sat=SAT) -> np.ndarray:
    return np.minimum(truth, np.asarray(sat, np.float32)).astype(np.float32)


def test_clip_makes_clipped_areas_neutral():
    clipped = sensor(scene(colour=(1, 1, 1)))
    out = clip_highlights(clipped, SAT)
    assert out.max() <= 1.0
    top = out[:, -1]
    np.testing.assert_allclose(top[:, 0], top[:, 1])
    np.testing.assert_allclose(top[:, 2], top[:, 1])


def test_nothing_clipped_returns_input_itself():
    img = scene(peak=0.5)
    before = img.copy()
    out = reconstruct_highlights(img, SAT)
    assert out is img
    np.testing.assert_array_equal(img, before)


def test_reconstruct_recovers_single_clipped_channel():
    truth = scene()
    raw = sensor(truth)
    rel = truth / np.asarray(SAT, np.float32)
    # pixels where only green is clipped and red, blue are safely below the blend ramp
    only_g = (rel[..., 1] >= 1.0) & (rel[..., 0] < 0.85) & (rel[..., 2] < 0.85)
    assert only_g.sum() > 50
    for fast in (True, False):
        out = reconstruct_highlights(raw, SAT, fast=fast)
        np.testing.assert_allclose(out[only_g], truth[only_g], rtol=0.01)
    # clipping to neutral is much further from the truth there
    clip = clip_highlights(raw, SAT)
    err_clip = np.abs(clip[only_g] - truth[only_g]).mean()
    err_rec = np.abs(out[only_g] - truth[only_g]).mean()
    assert err_rec < 0.1 * err_clip


def test_input_not_modified_and_numba_matches_numpy():
    rng = np.random.default_rng(0)
    truth = scene(shape=(70, 90)) * (0.8 + 0.4 * rng.random((70, 90, 1), dtype=np.float32))
    raw = sensor(truth.astype(np.float32))
    before = raw.copy()
    a = reconstruct_highlights(raw, SAT, fast=True)
    b = reconstruct_highlights(raw, SAT, fast=False)
    np.testing.assert_array_equal(raw, before)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_gray_stays_gray():
    raw = sensor(scene(colour=(1.0, 1.0, 1.0)))
    out = reconstruct_highlights(raw, SAT)
    np.testing.assert_allclose(out[..., 0], out[..., 1], rtol=1e-3)
    np.testing.assert_allclose(out[..., 2], out[..., 1], rtol=1e-3)
    # never darker than the sensor reading
    assert np.all(out >= raw - 1e-6)


def test_no_seam_along_the_ramp():
    raw = sensor(scene())
    out = reconstruct_highlights(raw, SAT)
    g = out[32, :, 1]
    steps = np.diff(g)
    assert np.all(steps > -1e-4)  # monotone, like the truth
    assert steps.max() < 4 * np.median(steps)


def test_dispatcher_and_params():
    raw = sensor(scene())
    assert set(HIGHLIGHT_METHODS) == {"clip", "reconstruct"}
    np.testing.assert_array_equal(recover_highlights(raw, SAT, method="clip"),
                                  clip_highlights(raw, SAT))
    with pytest.raises(ParameterError):
        recover_highlights(raw, SAT, method="lch")
    with pytest.raises(ParameterError):
        reconstruct_highlights(raw, (1.0, 0.0, 1.0))
    with pytest.raises(ParameterError):
        reconstruct_highlights(raw, SAT, blend=0.99, threshold=0.9)
    with pytest.raises(ParameterError):
        HighlightParams(threshold=1.5)


def test_method_names_ignore_case():
    raw = sensor(scene())
    assert HIGHLIGHT_METHODS["CLIP"] is HIGHLIGHT_METHODS["clip"]
    np.testing.assert_array_equal(recover_highlights(raw, SAT, method="Reconstruct"),
                                  recover_highlights(raw, SAT, method="reconstruct"))
    assert HighlightParams(method="Clip").method == "clip"  # the stage compares "clip"
    with pytest.raises(ParameterError, match="unknown highlight method 'lch'; known: clip, "
                                             "reconstruct$"):
        recover_highlights(raw, SAT, method="lch")


def test_stage():
    raw = sensor(scene())
    img = Image(raw, space="camera_rgb", primaries="camera", saturation=SAT)
    out = Stage.build("highlights")(img)
    assert out.data.max() > 1.5 and out.space == "camera_rgb"
    clip = Stage.build("highlights", {"method": "clip"})(img)
    assert clip.saturation == (1.0, 1.0, 1.0) and clip.data.max() <= 1.0
    dark = Image(scene(peak=0.5), space="camera_rgb", primaries="camera", saturation=SAT)
    assert Stage.build("highlights")(dark) is dark
