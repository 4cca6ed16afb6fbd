"""GIF LZW: our code streams decoded by Pillow's and FFmpeg's GIF decoders (independent)."""

from __future__ import annotations

import io
import subprocess

import numpy as np
import pytest
from PIL import Image

from brightroom.animate.gif import encode_indices, gif_bytes
from brightroom.animate.lzw import lzw_encode, min_code_size, sub_blocks


def _decode_first(data: bytes) -> np.ndarray:
    im = Image.open(io.BytesIO(data))
    return np.asarray(im)


@pytest.mark.parametrize("colours", [2, 4, 16, 256])
def test_exact_lzw_round_trip_through_pillow(rng, colours):
    # long runs (table growth and clears) and noise (code-size steps up to 12 bits)
    idx = rng.integers(0, colours, (97, 131)).astype(np.uint8)
    idx[:30] = idx[0, 0]
    idx[40:50] = np.arange(131) % colours
    pal = rng.integers(0, 256, (colours, 3)).astype(np.uint8)
    f = encode_indices(0, 0, idx, pal, 10)
    data = gif_bytes(131, 97, [f], loop=1)
    assert np.array_equal(_decode_first(data), idx)


def test_large_image_clears_table_and_ffmpeg_agrees(rng, tmp_path):
    idx = rng.integers(0, 256, (300, 400)).astype(np.uint8)
    pal = np.stack([np.arange(256)] * 3, 1).astype(np.uint8)
    data = gif_bytes(400, 300, [encode_indices(0, 0, idx, pal, 10)], loop=1)
    assert np.array_equal(_decode_first(data), idx)
    p = tmp_path / "a.gif"
    p.write_bytes(data)
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(p), "-f", "rawvideo", "-pix_fmt",
                          "rgb24", "-"], capture_output=True, check=True).stdout
    rgb = np.frombuffer(out, np.uint8).reshape(300, 400, 3)
    assert np.array_equal(rgb[..., 0], idx)


def test_lossy_is_shorter_and_reports_what_it_wrote(rng):
    h, w = 64, 80
    pal = np.linspace(0, 1, 16, dtype=np.float32)[:, None].repeat(3, 1)
    base = np.repeat(np.arange(w)[None] * 15 // w, h, 0).astype(np.uint8)
    idx = np.clip(base + rng.integers(-1, 2, base.shape), 0, 15).astype(np.uint8)
    target = pal[idx]
    exact, _ = lzw_encode(idx.reshape(-1), 4)
    lossy, written = lzw_encode(idx.reshape(-1), 4, tol=0.12, palette=pal, target=target,
                                canvas=np.zeros_like(target))
    assert len(lossy) < 0.8 * len(exact)
    err = np.linalg.norm(pal[written] - target.reshape(-1, 3), axis=1)
    assert err.max() <= 0.12 * 1.001  # each pixel within the tolerance of its target
    assert (written != idx.reshape(-1)).any()
    data = gif_bytes(w, h, [_frame(written.reshape(h, w), lossy)], loop=1)
    assert np.array_equal(_decode_first(data), written.reshape(h, w))


def _frame(idx, data):
    from brightroom.animate.gif import DISPOSE_KEEP, GifFrame
    pal = (np.linspace(0, 255, 16)[:, None].repeat(3, 1)).astype(np.uint8)
    return GifFrame(0, 0, idx.shape[1], idx.shape[0], pal, 10, -1, DISPOSE_KEEP, data, 4)


def test_sub_blocks_and_code_size():
    assert sub_blocks(b"") == b"\x00"
    blk = sub_blocks(bytes(300))
    assert blk[0] == 255 and blk[256] == 45 and blk[-1] == 0 and len(blk) == 300 + 3
    assert [min_code_size(n) for n in (2, 3, 4, 5, 16, 17, 256)] == [2, 2, 2, 3, 4, 5, 8]
