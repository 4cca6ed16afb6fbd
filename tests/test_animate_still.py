"""Cinemagraphs: the live region found automatically or given; everything else frozen."""

from __future__ import annotations

import numpy as np
import pytest

from _animate_helpers import subject_clip
from brightroom.animate.frames import Clip, durations_at
from brightroom.animate.still import cinemagraph, live_mask
from brightroom.errors import InputError


def _clip(noise=1.0):
    frames, static = subject_clip(noise=noise)
    return Clip(tuple(frames), durations_at(len(frames), 10)), static


def test_auto_mask_covers_the_motion_and_leaves_the_noise():
    clip, static = _clip()
    m = live_mask(clip, "auto")
    assert m[~static].min() > 0.5  # every moving pixel is live
    assert (m[static] > 0.5).mean() < 0.35  # the static photo is mostly still (feathered edges)
    out = cinemagraph(clip, m)
    far = m < 1e-3
    assert all(np.array_equal(f[far], out.frames[0][far]) for f in out.frames)


def test_given_mask_and_wrong_size():
    clip, _ = _clip(noise=0.0)
    mask = np.zeros((64, 96), np.uint8)
    mask[:, :48] = 255
    out = cinemagraph(clip, live_mask(clip, mask))
    assert np.array_equal(out.frames[5][:, 48:], clip.frames[0][:, 48:])
    assert np.array_equal(out.frames[5][:, :48], clip.frames[5][:, :48])
    with pytest.raises(InputError, match="mask of 10x8, but the animation is 96x64"):
        live_mask(clip, np.zeros((8, 10), np.uint8), name="mask")
