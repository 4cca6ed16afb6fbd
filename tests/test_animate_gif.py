"""The GIF container: delays, loop counts, rectangles, transparency and disposal as Pillow and
FFmpeg read them."""

from __future__ import annotations

import io
import json
import subprocess

import numpy as np
from PIL import Image

from brightroom.animate.gif import encode_indices, gif_bytes


def _two_frames():
    pal = np.array([[255, 0, 0], [0, 0, 255], [0, 255, 0], [0, 0, 0]], np.uint8)
    full = np.zeros((20, 30), np.uint8)
    patch = np.full((5, 6), 1, np.uint8)
    patch[0, 0] = 3  # transparent: keeps the red below
    f1 = encode_indices(0, 0, full, pal, 7)
    f2 = encode_indices(10, 4, patch, pal, 13, transparent=3)
    return f1, f2


def test_pillow_reads_timing_loop_and_composites():
    f1, f2 = _two_frames()
    for loop, netscape in ((0, 0), (1, None), (4, 3)):
        data = gif_bytes(30, 20, [f1, f2], loop=loop)
        im = Image.open(io.BytesIO(data))
        assert im.info.get("loop") == netscape
        assert im.n_frames == 2
        im.seek(0)
        assert im.info["duration"] == 70
        im.seek(1)
        assert im.info["duration"] == 130
        rgb = np.asarray(im.convert("RGB"))
        assert (rgb[4, 10] == [255, 0, 0]).all()  # transparent pixel shows the frame before
        assert (rgb[5, 11] == [0, 0, 255]).all() and (rgb[0, 0] == [255, 0, 0]).all()


def test_ffprobe_reads_the_delays(tmp_path):
    f1, f2 = _two_frames()
    p = tmp_path / "a.gif"
    p.write_bytes(gif_bytes(30, 20, [f1, f2], loop=0))
    r = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "packet=duration_time", "-of",
                        "json", str(p)], capture_output=True, text=True, check=True)
    durs = [float(x["duration_time"]) for x in json.loads(r.stdout)["packets"]]
    assert durs == [0.07, 0.13]
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(p), "-f", "rawvideo", "-pix_fmt",
                          "rgb24", "-"], capture_output=True, check=True).stdout
    frames = np.frombuffer(out, np.uint8).reshape(-1, 20, 30, 3)
    assert (frames[-1][4, 10] == [255, 0, 0]).all() and (frames[-1][5, 11] == [0, 0, 255]).all()
