"""The GIF encoder: what decoders show equals what the encoder kept; quality, stability, the
size search. Decoded with Pillow and FFmpeg (independent decoders)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from _animate_helpers import decode, pan_clip, psnr, subject_clip
from brightroom.animate.encoder import (
    GifSettings,
    encode_gif,
    estimate_noise,
    fit_gif,
    gif_delays,
    hold_static,
    oklab_frames,
    plan_palettes,
)


def _encode(frames, q=90, palettes=None, space="srgb", canvases=None, noise=0.0):
    lab = oklab_frames(frames, space)
    return encode_gif(lab, palettes, gif_delays([100.0 / 3] * len(frames)),
                      settings=GifSettings.from_quality(q, noise=noise), space=space,
                      canvases=canvases)


@pytest.mark.slow
def test_decoders_show_the_encoders_canvas(tmp_path):
    frames, _ = subject_clip()
    canv: list[np.ndarray] = []
    r = _encode(frames, canvases=canv)
    dec, durs, loop = decode(r.data)
    assert len(dec) == len(canv) == len(r.delays_cs)
    for a, b in zip(dec, canv):
        assert np.array_equal(a, b)
    assert [d // 10 for d in durs] == list(r.delays_cs) and loop == 0
    p = tmp_path / "a.gif"
    p.write_bytes(r.data)
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(p), "-f", "rawvideo", "-pix_fmt",
                          "rgb24", "-fps_mode", "passthrough", "-"], capture_output=True,
                         check=True).stdout
    ff = np.frombuffer(out, np.uint8).reshape(-1, *frames[0].shape)
    assert len(ff) == len(canv) and all(np.array_equal(a, b) for a, b in zip(ff, canv))


@pytest.mark.slow
@pytest.mark.parametrize("space", ["srgb", "oklab"])
def test_quality_on_a_real_photo_pan(space):
    frames = pan_clip()
    r = _encode(frames, q=100, space=space)
    dec, _, _ = decode(r.data)
    shown = [dec[r.frame_index.index(max(i for i in r.frame_index if i <= t))]
             for t in range(len(frames))]
    # 255 colours per frame on a photo: ~40 dB in sRGB space (RGB k-means on frame 0 alone
    # gives 39-40 dB, cv2.kmeans), a little less in Oklab
    assert psnr(shown, frames) > (38.0 if space == "srgb" else 35.0)


@pytest.mark.slow
def test_static_background_does_not_flicker():
    frames, static = subject_clip(noise=1.5)
    lab = oklab_frames(frames, "srgb")
    r = encode_gif(lab, None, gif_delays([40.0] * len(frames)),
                   settings=GifSettings.from_quality(90, noise=estimate_noise(lab)), space="srgb")
    dec, _, _ = decode(r.data)
    change = np.mean([np.abs(a.astype(int) - b)[static].mean() for a, b in zip(dec[1:], dec[:-1])])
    src = np.mean([np.abs(a.astype(int) - b)[static].mean()
                   for a, b in zip(frames[1:], frames[:-1])])
    assert change < 0.2 * src  # the first frames refine the background; then it holds


def test_noise_estimate_of_known_noise(rng):
    flat = np.full((80, 120, 3), 120, np.float32)
    frames = [np.clip(flat + rng.normal(0, 2.0, flat.shape), 0, 255).astype(np.uint8)
              for _ in range(4)]
    levels = estimate_noise(oklab_frames(frames, "srgb")) / (0.6 / 255)
    assert 2.0 * np.sqrt(6) * 0.8 < levels < 2.0 * np.sqrt(6) * 1.2  # sigma*sqrt(2)*sqrt(3)


def test_hold_static_keeps_small_changes():
    a = np.full((4, 4, 3), 100, np.uint8)
    b = a.copy()
    b[0, 0] = 101
    b[3, 3] = 160
    out = hold_static([a, b], oklab_frames([a, b], "srgb"), 0.01)
    assert out[1][0, 0, 0] == 100 and out[1][3, 3, 0] == 160


def test_shared_palette_is_one_palette():
    frames = pan_clip(n=4)
    pal = plan_palettes(oklab_frames(frames), mode="shared")
    assert all(p is pal.rgb[0] for p in pal.rgb) and len(pal.rgb[0]) <= 255


def test_delays_follow_exact_timestamps():
    d = gif_delays([1000 / 30] * 30)
    assert d.sum() == 100 and set(d.tolist()) <= {3, 4}
    assert gif_delays([5.0] * 4).tolist() == [2, 2, 2, 2]  # never under 2/100 s


@pytest.mark.slow
def test_fit_gif_within_five_percent_below():
    frames = pan_clip(n=8)
    lab = oklab_frames(frames, "srgb")
    delays = gif_delays([50.0] * len(frames))

    def enc(q):
        return encode_gif(lab, None, delays, settings=GifSettings.from_quality(q), quality=q,
                          space="srgb")

    full = len(enc(100).data)
    limit = int(full * 0.6)
    best, smallest = fit_gif(enc, limit)
    assert smallest is None and 0.95 * limit <= len(best.data) <= limit
    _, smallest = fit_gif(enc, 500)
    assert smallest is not None and len(smallest.data) > 500


def test_grain_settings_span_quality_100_to_below_the_noise():
    from brightroom.errors import ParameterError

    top = GifSettings.from_quality(100)
    g0 = GifSettings.from_grain(0.0, noise=0.0)
    assert g0.threshold == pytest.approx(top.threshold) and g0.refresh == 0
    assert g0.dither == pytest.approx(top.dither)
    g1 = GifSettings.from_grain(1.0, noise=0.02)
    assert g1.threshold == pytest.approx(0.0046) and g1.dither == 0.0 and g1.refresh > 0
    mid = GifSettings.from_grain(0.5, noise=0.0)
    assert g1.threshold < mid.threshold < top.threshold
    with pytest.raises(ParameterError, match="grain"):
        GifSettings.from_grain(1.5, noise=0.0)
