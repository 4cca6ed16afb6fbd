"""One-pass schedules of the finishing stages: colour -> [sharpen] -> [tone] -> output.

The stage-by-stage pipeline reads and writes a full-size float32 RGB image in every stage
(about 150 MB at 12 MP each way). These fusions compute the same result in one pass over the
image (the Halide habit: the algorithm once, the schedule apart):

1. ``s = sqrt(Y)`` straight from camera RGB, since the luminance of ``M @ cam`` is
   ``(M^T w) . cam`` (one single-channel plane);
2. the sharpening detail ``dy`` per pixel from ``s`` and its blur, by the sharpen stage's own
   row function (:func:`brightroom.develop.sharpen.delta_row`);
3. the local tone gain designed on the 1/8-size luminance, which is linear in ``cam`` and
   ``dy`` and so is formed from their small copies without the full sharpened image;
4. one parallel pass: ``rgb = M @ cam + dy``, the tone stage's row function
   (:func:`brightroom.develop.tone._tone_numba.tone_row`), then the output curve
   (the table of :func:`brightroom.develop.output.output_lut`, read as
   :func:`~brightroom.develop.output.lut_value` reads it, without branches).

Each piece of arithmetic is the stages' own code, so the fusion agrees with the stage-by-stage
reference to float32 rounding (tested in ``tests/test_fused.py``). A fusion declines
(returns ``None``) where it does not cover the parameters: the stages then run one by one.
"""

from __future__ import annotations

import numba
import numpy as np

from brightroom.develop.colour import ColourParams, colour_matrix, colour_result
from brightroom.develop.output import OutputParams, output_lut
from brightroom.develop.pipeline import register_fusion
from brightroom.develop.sharpen import delta_row
from brightroom.develop.tone._tone_numba import tone_row
from brightroom.types import Image

__all__ = ["finish"]


@numba.njit(parallel=True, cache=True, fastmath=True, error_model="numpy")
def _sqrt_luma(cam, wl, s):  # pragma: no cover - compiled
    h, w, _ = cam.shape
    for i in numba.prange(h):
        for j in range(w):
            y = wl[0] * cam[i, j, 0] + wl[1] * cam[i, j, 1] + wl[2] * cam[i, j, 2]
            s[i, j] = np.sqrt(max(y, np.float32(0.0)))


@numba.njit(parallel=True, cache=True, fastmath=True, error_model="numpy")
def _delta(s, blur, amount, threshold, halo, dy):  # pragma: no cover - compiled
    for i in numba.prange(s.shape[0]):
        delta_row(s, blur, i, amount, threshold, halo, dy[i])


@numba.njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _encode_row(toned, olut, oi):  # pragma: no cover - compiled
    # lut_value's arithmetic without its branches, so that the loop vectorises
    size = olut.shape[0] - 1
    zero = np.float32(0.0)
    one = np.float32(1.0)
    for j in range(toned.shape[0]):
        for c in range(3):
            v = toned[j, c]
            v = v if v == v else zero  # NaN -> 0
            t = min(max(v, zero), one) * np.float32(size)
            k = min(np.int32(t), size - 1)
            f = t - np.float32(k)
            oi[j, c] = olut[k] + f * (olut[k + 1] - olut[k])


@numba.njit(parallel=True, cache=True, fastmath=True, error_model="numpy")
def _finish_kernel(cam, m, use_dy, dy, use_tone, wts, scale, use_gain, ga, gb, y0, y1, wy,
                   floor, maxev, sk, hk, mid, lp, ep, use_lut, hc, lut, white, sat,
                   olut, out):  # pragma: no cover - compiled
    h, w, _ = cam.shape
    m00, m01, m02 = m[0, 0], m[0, 1], m[0, 2]
    m10, m11, m12 = m[1, 0], m[1, 1], m[1, 2]
    m20, m21, m22 = m[2, 0], m[2, 1], m[2, 2]
    for i in numba.prange(h):
        row = np.empty((w, 3), np.float32)
        toned = np.empty((w, 3), np.float32)
        ci = cam[i]
        if use_dy:
            di = dy[i]
            for j in range(w):
                r, g, b, d = ci[j, 0], ci[j, 1], ci[j, 2], di[j]
                row[j, 0] = m00 * r + m01 * g + m02 * b + d
                row[j, 1] = m10 * r + m11 * g + m12 * b + d
                row[j, 2] = m20 * r + m21 * g + m22 * b + d
        else:
            for j in range(w):
                r, g, b = ci[j, 0], ci[j, 1], ci[j, 2]
                row[j, 0] = m00 * r + m01 * g + m02 * b
                row[j, 1] = m10 * r + m11 * g + m12 * b
                row[j, 2] = m20 * r + m21 * g + m22 * b
        if use_tone:
            tone_row(row, toned, i, wts, scale, use_gain, ga, gb, y0, y1, wy, floor, maxev,
                     sk, hk, mid, lp, ep, use_lut, hc, lut, white, sat)
            _encode_row(toned, olut, out[i])
        else:
            _encode_row(row, olut, out[i])


def finish(img: Image, colour_p: ColourParams, sharpen_p, tone_p, output_p: OutputParams
           ) -> Image | None:
    """colour -> sharpen -> tone -> output in one pass (``sharpen_p``/``tone_p`` may be None).

    Returns ``None`` (declines) for a tone method other than ``filmic``/``local``.
    """
    from brightroom.develop import sharpen as sharpen_mod
    from brightroom.develop import tone as tone_mod
    from brightroom.develop.tone.local import FACTOR, local_gain

    if not output_p.fast or img.data.size < 3 * 65536:
        return None
    if tone_p is not None and tone_p.method not in ("filmic", "local"):
        return None
    space = colour_p.space
    m = colour_matrix(img, colour_p)
    m32 = np.ascontiguousarray(m, np.float32)
    cam = np.ascontiguousarray(img.data, np.float32)
    h, w = cam.shape[:2]
    use_dy = sharpen_p is not None and sharpen_p.amount > 0
    dy = np.zeros((1, 1), np.float32)
    if use_dy:
        ws = sharpen_mod.luminance_weights(space)
        s = np.empty((h, w), np.float32)
        _sqrt_luma(cam, np.ascontiguousarray(m.T @ ws, np.float32), s)
        blur = sharpen_mod._blur(s, sharpen_p.radius)
        dy = np.empty((h, w), np.float32)
        _delta(s, blur, np.float32(sharpen_p.amount), np.float32(sharpen_p.threshold),
               np.float32(sharpen_p.halo), dy)
        del s, blur  # a 100 MP frame must not hold three extra planes through the main pass
    args: tuple = ()
    if tone_p is not None:
        wt = tone_mod.luminance_weights(space).astype(np.float32)
        small_lum = None
        if tone_p.method == "local" or tone_p.auto_exposure:
            import cv2

            hs, ws_ = max(1, -(-h // FACTOR)), max(1, -(-w // FACTOR))
            small_cam = cv2.resize(cam, (ws_, hs), interpolation=cv2.INTER_AREA)
            small_lum = (small_cam @ (m.T @ wt).astype(np.float32)).astype(np.float32)
            if use_dy:
                small_lum += cv2.resize(dy, (ws_, hs), interpolation=cv2.INTER_AREA) * \
                    np.float32(wt.sum())
        ev = tone_p.exposure
        if tone_p.auto_exposure:
            ev += tone_mod.auto_exposure(None, target=tone_p.auto_target, weights=wt,
                                         small_lum=small_lum)
        scale = float(2.0 ** ev)
        gain = None
        if tone_p.method == "local":
            shape_only = np.broadcast_to(np.float32(0), (h, w, 3))
            gain = local_gain(shape_only, scale=scale, shadows=tone_p.shadows,
                              highlights=tone_p.highlights, detail=tone_p.detail,
                              strength=tone_p.strength, weights=wt, small_lum=small_lum)
        args = tone_mod.tone_kernel_args((h, w), wt, scale, gain, tone_p.white_ev,
                                         tone_p.contrast, tone_p.saturation)
    else:  # placeholders of the right types for the compiled signature
        args = tone_mod.tone_kernel_args((h, w), np.ones(3, np.float32) / 3, 1.0, None, 4.0,
                                         1.0, 1.0)
    out = np.empty_like(cam)
    _finish_kernel(cam, m32, use_dy, dy, tone_p is not None, *args,
                   output_lut(output_p.transfer), out)
    lin = colour_result(img, cam[:1, :1], m, colour_p)  # metadata and saturation of the stage
    return Image(out, space="display", primaries=space, transfer=output_p.transfer,
                 camera=lin.camera, wb=lin.wb, saturation=lin.saturation, metadata=lin.metadata)


@register_fusion("colour", "sharpen", "tone", "output")
def _colour_sharpen_tone_output(img, params):
    return finish(img, params[0], params[1], params[2], params[3])


@register_fusion("colour", "tone", "output")
def _colour_tone_output(img, params):
    return finish(img, params[0], None, params[1], params[2])


@register_fusion("colour", "sharpen", "output")
def _colour_sharpen_output(img, params):
    return finish(img, params[0], params[1], None, params[2])


@register_fusion("colour", "output")
def _colour_output(img, params):
    return finish(img, params[0], None, None, params[1])
