"""Clips from videos, photos and folders; resizing, retiming, boomerang."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from _animate_helpers import pan_clip
from brightroom.animate.frames import Clip, boomerang, durations_at, load_clip, resize_clip, retime
from brightroom.errors import InputError
from brightroom.io.video import write_video


@pytest.fixture
def video(tmp_path):
    p = tmp_path / "clip.mp4"
    write_video(pan_clip(n=30), p, fps=30, crf=12)
    return p


@pytest.mark.slow
def test_video_start_and_duration(video):
    clip = load_clip([video])
    assert len(clip.frames) == 30 and clip.size == (96, 64)
    assert sum(clip.durations_ms) == 1000 and abs(clip.fps - 30) < 1e-9
    part = load_clip([video], start=0.5, duration=0.2)
    assert len(part.frames) == 6
    ref = pan_clip(n=30)[15].astype(int)
    assert np.abs(part.frames[0].astype(int) - ref).mean() < 4  # H.264 of frame 15
    with pytest.raises(InputError, match="no frames"):
        load_clip([video], start=5.0)


@pytest.mark.slow
def test_live_photo_pair_uses_the_mov(tmp_path, video):
    mov = tmp_path / "IMG_0001.mov"
    mov.write_bytes(video.read_bytes())
    heic = tmp_path / "IMG_0001.heic"
    heic.write_bytes(b"not read")
    assert len(load_clip([heic, mov]).frames) == 30
    assert len(load_clip([heic]).frames) == 30  # the MOV beside it


def test_photos_folder_and_sizes(tmp_path):
    for i, f in enumerate(pan_clip(n=3)):
        Image.fromarray(f).save(tmp_path / f"f{i}.png")
    clip = load_clip([tmp_path], fps=5)
    assert len(clip.frames) == 3 and clip.durations_ms == (200.0, 200.0, 200.0)
    assert np.array_equal(clip.frames[1], pan_clip(n=3)[1])
    Image.fromarray(np.zeros((10, 12, 3), np.uint8)).save(tmp_path / "odd.png")
    with pytest.raises(InputError, match="odd.png: frame of 12x10.*one size"):
        load_clip(sorted(tmp_path.glob("*.png")))
    with pytest.raises(InputError, match="no inputs"):
        load_clip([])
    with pytest.raises(InputError, match="no such file"):
        load_clip([tmp_path / "missing.png"])


def test_durations_are_whole_ms_and_exact_in_sum():
    d = durations_at(30, 30)
    assert sum(d) == 1000 and set(d) == {33.0, 34.0}


def test_retime_and_boomerang():
    frames = tuple(np.full((2, 2, 3), i, np.uint8) for i in range(30))
    clip = Clip(frames, durations_at(30, 30))
    r = retime(clip, 10)
    assert len(r.frames) == 10 and sum(r.durations_ms) == 1000
    assert [int(f[0, 0, 0]) for f in r.frames] == list(range(0, 30, 3))
    b = boomerang(Clip(frames[:4], durations_at(4, 10)))
    assert [int(f[0, 0, 0]) for f in b.frames] == [0, 1, 2, 3, 2, 1]


def test_resize_area_filter():
    clip = Clip(tuple(pan_clip(n=2)), durations_at(2, 10))
    small = resize_clip(clip, 48)
    assert small.size == (48, 32)
    big = np.asarray(clip.frames[0], np.float64)
    mean2 = big.reshape(32, 2, 48, 2, 3).mean(axis=(1, 3))
    assert np.abs(small.frames[0] - mean2).max() <= 1.0  # area = 2x2 box mean
