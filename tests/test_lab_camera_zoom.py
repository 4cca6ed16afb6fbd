"""Tests of brightroom.lab.camera.zoom: fine-scene bursts and their truth."""

from __future__ import annotations

import numpy as np
import pytest

from brightroom.charts import dead_leaves, flat
from brightroom.errors import ParameterError
from brightroom.lab.camera.burst import SubjectMotion
from brightroom.lab.camera.zoom import area_downsample, simulate_zoom_burst


def test_noise_free_frame_is_the_downsampled_truth() -> None:
    scene = dead_leaves((96, 128), seed=1, rmin=2.0, color=True)
    frames, truth = simulate_zoom_burst(scene, n=2, factor=2, noise=False, seed=0)
    assert truth.shape == (96, 128, 3) and frames[0].shape == (48, 64)
    ref = frames[0]
    idx = ref.pattern.channel_index(*ref.shape)
    sampled = np.take_along_axis(area_downsample(truth, 2), idx[..., None], 2)[..., 0]
    np.testing.assert_allclose(ref.cfa, sampled, atol=2e-3 * float(truth.max()))
    assert ref.gain_map is None
    # the second frame moved: it differs from the reference
    assert np.abs(frames[1].cfa - ref.cfa).mean() > 1e-3


def test_shake_is_in_sensor_pixels_and_recorded() -> None:
    frames, _ = simulate_zoom_burst(flat(64), n=4, factor=3, shake_px=1.0, seed=2,
                                    noise=False, optics=False)
    assert frames[0].shape == (21, 21)
    w = [f.metadata["lab"]["zoom"]["warp"] for f in frames]
    np.testing.assert_allclose(w[0], [[1, 0, 0], [0, 1, 0]], atol=1e-12)
    shifts = np.array([x[:, 2] for x in w[1:]]) / 3  # scene pixels -> sensor pixels
    assert 0.2 < np.abs(shifts).mean() < 3.0


def test_moving_subject_mask_on_the_sensor_grid() -> None:
    scene = dead_leaves((128, 128), seed=3, rmin=2.0)
    subj = SubjectMotion((40, 40, 80, 80), velocity=(0.0, 2.0))
    frames, _ = simulate_zoom_burst(scene, n=3, factor=2, moving_subject=subj, seed=1)
    m0 = frames[0].metadata["lab"]["zoom"]["subject_mask"]
    m2 = frames[2].metadata["lab"]["zoom"]["subject_mask"]
    assert m0.shape == (64, 64) and 300 < m0.sum() < 500
    assert not np.array_equal(m0, m2)


def test_bad_factor() -> None:
    with pytest.raises(ParameterError, match="factor"):
        simulate_zoom_burst(flat(32), factor=5)
