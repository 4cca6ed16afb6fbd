"""Temporal noise smoothing of still areas before an animation is quantised.

A GIF (or a WebP with still areas held) shows a pixel that does not move at one value until the
picture changes. With sensor noise in the source that value is one noisy sample, off by the
noise from every later frame (on average ``2 sigma**2`` squared error against noisy frames,
``sigma**2`` against the clean scene); the temporal mean of the still run is off by only
``sigma**2`` (against noisy frames) and shows the scene, not its grain. :func:`temporal_sigma`
replaces each pixel by the mean of the samples of the same pixel within ``radius`` frames whose
3 x 3 neighbourhood mean lies within ``k`` of its noise distances of the pixel's own: Lee's
sigma filter (1983) taken along time, with the decision on local means so that moving edges and
moving texture, whose neighbourhoods differ by more than their (three times smaller) noise, are
left as they are.

Two schedules of one algorithm: ``"numpy"`` (the reference) and ``"numba"`` (compiled, the
same result to float rounding).

References
----------
Lee, J.-S. (1983). Digital image smoothing and the sigma filter. Computer Vision, Graphics, and
Image Processing 24(2), 255-269.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numba
import numpy as np

from brightroom.errors import ParameterError

__all__ = ["temporal_sigma", "TEMPORAL_METHODS"]

TEMPORAL_METHODS = ("auto", "numpy", "numba")
"""``"numpy"`` (reference), ``"numba"`` (compiled) or ``"auto"`` (numba)."""


def _reference(stack: np.ndarray, guide: np.ndarray, radius: int, t2: float) -> np.ndarray:
    n = stack.shape[0]
    out = np.empty_like(stack)
    for t in range(n):
        acc = np.zeros(stack.shape[1:], np.float64)
        cnt = np.zeros(stack.shape[1:3], np.float64)
        for s in range(max(0, t - radius), min(n, t + radius + 1)):
            d = guide[s] - guide[t]
            near = np.einsum("ijc,ijc->ij", d, d) <= t2
            acc += np.where(near[..., None], stack[s], 0.0)
            cnt += near
        out[t] = (acc / cnt[..., None]).astype(np.float32)
    return out


@numba.njit(cache=True, nogil=True, fastmath=True)
def _kernel(stack, guide, radius, t2, out):  # pragma: no cover - compiled
    # a row of one frame at a time, each neighbour frame's row swept along x without a branch
    # (the test as a 0/1 weight, float32 sums), which the compiler vectorises; serial, since
    # on the shared 2-core machine this took less CPU and less wall than the prange over rows
    n, h, w, _ = stack.shape
    acc = np.empty((w, 4), np.float32)
    one = np.float32(1.0)
    zero = np.float32(0.0)
    for y in range(h):
        for t in range(n):
            acc[:] = 0.0
            for s in range(max(0, t - radius), min(n, t + radius + 1)):
                for x in range(w):
                    e0 = guide[s, y, x, 0] - guide[t, y, x, 0]
                    e1 = guide[s, y, x, 1] - guide[t, y, x, 1]
                    e2 = guide[s, y, x, 2] - guide[t, y, x, 2]
                    m = one if e0 * e0 + e1 * e1 + e2 * e2 <= t2 else zero
                    acc[x, 0] += m * stack[s, y, x, 0]
                    acc[x, 1] += m * stack[s, y, x, 1]
                    acc[x, 2] += m * stack[s, y, x, 2]
                    acc[x, 3] += m
            for x in range(w):
                c = acc[x, 3]
                out[t, y, x, 0] = acc[x, 0] / c
                out[t, y, x, 1] = acc[x, 1] / c
                out[t, y, x, 2] = acc[x, 2] / c


def temporal_sigma(frames: Sequence[np.ndarray], noise: float, *, radius: int = 4,
                   k: float = 2.0, method: str = "auto") -> list[np.ndarray]:
    """Frames (``H x W x 3`` float32, one working space) with temporal noise smoothed where
    they are still.

    Parameters
    ----------
    frames
        The animation's frames, all of one size.
    noise
        The noise as the distance two noisy samples of one colour lie apart
        (:func:`brightroom.animate.encoder.estimate_noise`); 0 returns the frames unchanged.
    radius
        Frames on each side that take part (``2 radius + 1`` samples at most).
    k
        Samples within ``k * noise`` of the pixel's own colour are averaged.
    method
        :data:`TEMPORAL_METHODS`.

    Returns
    -------
    list of numpy.ndarray
        New float32 frames; the input is not modified.
    """
    if method not in TEMPORAL_METHODS:
        raise ParameterError(f"unknown temporal method {method!r}; known: "
                             f"{', '.join(TEMPORAL_METHODS)}")
    if radius < 0 or k < 0 or not np.isfinite(noise) or noise < 0:
        raise ParameterError(f"temporal smoothing needs radius >= 0, k >= 0 and a finite noise "
                             f">= 0; got {radius}, {k}, {noise}")
    if len(frames) < 2 or noise == 0 or radius == 0 or k == 0:
        return [np.array(f, np.float32) for f in frames]
    stack = np.ascontiguousarray(np.stack([np.asarray(f, np.float32) for f in frames]))
    if stack.ndim != 4 or stack.shape[3] != 3:
        raise ParameterError(f"temporal smoothing needs frames of H x W x 3; got {stack.shape[1:]}")
    # the decision is taken on 3 x 3 means (a third of the noise), so that texture that moves
    # is told from noise; the samples averaged are the pixel's own
    guide = np.ascontiguousarray(np.stack([cv2.blur(f, (3, 3)) for f in stack]))
    t2 = float(k * noise / 3.0) ** 2
    if method == "numpy":
        out = _reference(stack, guide, int(radius), t2)
    else:
        out = np.empty_like(stack)
        _kernel(stack, guide, int(radius), np.float32(t2), out)
    return list(out)
