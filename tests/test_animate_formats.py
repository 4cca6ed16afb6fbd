"""WebP and APNG through Pillow: frames, exact durations and loop counts read back by Pillow and
(APNG) FFmpeg."""

from __future__ import annotations

import json
import subprocess

import numpy as np

from _animate_helpers import decode, pan_clip
from brightroom.animate.formats import apng_bytes, merge_repeats, webp_bytes


def test_merge_repeats():
    a, b = np.zeros((2, 2, 3), np.uint8), np.ones((2, 2, 3), np.uint8)
    frames, durs, idx = merge_repeats([a, a, b, b, b, a], [10, 20, 30, 40, 50, 60])
    assert durs == [30, 120, 60] and idx == [0, 2, 5] and len(frames) == 3


def test_webp_timing_and_loop():
    frames = pan_clip(n=5)
    durs = [33, 34, 33, 100, 7]
    for loop in (0, 1, 5):
        dec, got, lp = decode(webp_bytes(frames, durs, loop=loop, quality=90))
        assert got == durs and lp == loop and len(dec) == 5
    dec, _, _ = decode(webp_bytes(frames, durs, lossless=True))
    assert np.array_equal(dec[3], frames[3])


def test_apng_timing_loop_and_pixels(tmp_path):
    frames = pan_clip(n=4)
    durs = [40, 40, 41, 200]
    data = apng_bytes(frames, durs, loop=2)
    dec, got, lp = decode(data)
    assert got == durs and lp == 2 and all(np.array_equal(a, b) for a, b in zip(dec, frames))
    p = tmp_path / "a.png"
    p.write_bytes(data)
    r = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "packet=duration_time", "-of",
                        "json", str(p)], capture_output=True, text=True, check=True)
    assert [round(float(x["duration_time"]) * 1000) for x in json.loads(r.stdout)["packets"]] == durs
    pal = np.array([[0, 0, 0], [255, 255, 255]], np.uint8)
    idx = [np.eye(4, dtype=np.uint8), 1 - np.eye(4, dtype=np.uint8)]
    dec, _, _ = decode(apng_bytes([], [50, 50], palette=pal, indices=idx))
    assert np.array_equal(dec[1][..., 0], pal[idx[1]][..., 0])
