"""Sharpening: the ``sharpen`` stage (``linear_rgb -> linear_rgb``).

An unsharp mask on luminance, as phone ISPs do it:

* It works on ``s = sqrt(Y)``, the square root of linear luminance. Photon (shot) noise has a
  nearly constant standard deviation there (the Anscombe idea), so one ``threshold`` spares
  noise in shadows and highlights alike.
* The detail ``d = s - Gaussian(s, radius)`` is cored: ``sign(d) max(|d| - threshold, 0)``,
  so differences the size of the noise are not amplified.
* ``s + amount * d`` is clamped to the 3 x 3 neighbourhood's range widened by ``halo`` times
  that range: a strict clamp (``halo = 0``) cannot overshoot an edge at all, small values allow
  the slight overshoot that makes edges look crisp without visible halos.
* The luminance change ``Y' - Y`` is added to all three channels (sharpening adds grey
  detail and leaves chroma alone, like Y-only sharpening in YUV pipelines).

References
----------
W. F. Schreiber (1970), Wirephoto quality improvement by unsharp masking, Pattern Recognition
2(2), 117-121.

F. J. Anscombe (1948), The transformation of Poisson, binomial and negative-binomial data,
Biometrika 35(3/4), 246-254 (square root stabilises Poisson noise).

G. Ramponi (1998), A cubic unsharp masking technique for contrast enhancement, Signal
Processing 67(2), 211-222 (noise-aware unsharp masking).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from brightroom._jit import njit, prange
from brightroom.color.spaces import get_space
from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import RowPlan, RowStage, StageInput
from brightroom.develop.rowops import AddLuma, run_ops, run_ops_luma
from brightroom.errors import ParameterError

__all__ = ["SharpenParams", "Sharpen", "sharpen", "sharpen_delta", "luminance_weights"]

_SRGB_Y = np.array([0.2126, 0.7152, 0.0722], np.float32)


def _check(rgb: Any, radius: float, amount: float, threshold: float, halo: float) -> np.ndarray:
    a = np.asarray(rgb)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ParameterError(f"sharpening needs an H x W x 3 image, got {a.shape}")
    for name, v, lo, hi in (("radius", radius, 0.2, 10.0), ("amount", amount, 0.0, 10.0),
                            ("threshold", threshold, 0.0, 1.0), ("halo", halo, 0.0, 2.0)):
        if not np.isfinite(v) or not lo <= v <= hi:
            raise ParameterError(f"sharpen {name} must be in [{lo}, {hi}], got {v!r}")
    return a.astype(np.float32, copy=False)


def _blur(s: np.ndarray, radius: float) -> np.ndarray:
    k = 2 * int(np.ceil(2.5 * radius)) + 1  # truncated at 2.5 sigma: 99 % of the weight
    return cv2.GaussianBlur(s, (k, k), radius, borderType=cv2.BORDER_REFLECT_101)


def _sharpen_numpy(a, w, radius, amount, threshold, halo):
    y = a @ w
    s = np.sqrt(np.maximum(y, 0)).astype(np.float32)
    d = s - _blur(s, radius)
    d = np.sign(d) * np.maximum(np.abs(d) - np.float32(threshold), 0)
    k = np.ones((3, 3), np.uint8)
    lo = cv2.erode(s, k, borderType=cv2.BORDER_REPLICATE)
    hi = cv2.dilate(s, k, borderType=cv2.BORDER_REPLICATE)
    span = np.float32(halo) * (hi - lo)
    s2 = np.clip(s + np.float32(amount) * d, lo - span, hi + span)
    s2 = np.maximum(s2, 0)
    dy = s2 * s2 - np.maximum(y, 0)
    return (a + dy[..., None]).astype(np.float32)


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def delta_row(s, blur, i, amount, threshold, halo, dy):  # pragma: no cover - compiled
    """Luminance change ``dy`` (``W``) of row ``i``: ``s2**2 - s**2`` with ``s = sqrt(Y)``.

    ``s2`` is the cored, halo-limited unsharp mask of ``s`` (written once; used by
    :func:`sharpen_delta`, which the stage's plan and :func:`sharpen` call).
    """
    h, wd = s.shape
    zero = np.float32(0.0)
    iu = max(i - 1, 0)
    idn = min(i + 1, h - 1)
    cmin = np.empty(wd + 2, np.float32)
    cmax = np.empty(wd + 2, np.float32)
    for j in range(wd):
        x0 = s[iu, j]
        x1 = s[i, j]
        x2 = s[idn, j]
        cmin[j + 1] = min(min(x0, x1), x2)
        cmax[j + 1] = max(max(x0, x1), x2)
    cmin[0] = cmin[1]
    cmax[0] = cmax[1]
    cmin[wd + 1] = cmin[wd]
    cmax[wd + 1] = cmax[wd]
    for j in range(wd):
        lo = min(min(cmin[j], cmin[j + 1]), cmin[j + 2])
        hi = max(max(cmax[j], cmax[j + 1]), cmax[j + 2])
        sv = s[i, j]
        d = sv - blur[i, j]
        d = d - min(max(d, -threshold), threshold)  # soft threshold, branch-free
        span = halo * (hi - lo)
        s2 = min(max(sv + amount * d, lo - span), hi + span)
        s2 = max(s2, zero)
        dy[j] = s2 * s2 - sv * sv


def sharpen(
    rgb: np.ndarray,
    *,
    radius: float = 1.0,
    amount: float = 0.5,
    threshold: float = 0.003,
    halo: float = 0.1,
    weights: np.ndarray | None = None,
    fast: bool = True,
) -> np.ndarray:
    """Noise-aware, halo-limited unsharp mask on luminance.

    Parameters
    ----------
    rgb
        ``H x W x 3`` float32 linear RGB (not modified).
    radius
        Gaussian sigma of the blur, in pixels.
    amount
        Gain on the detail (0 returns the input itself).
    threshold
        Coring threshold on the detail, in ``sqrt(Y)`` units (``0.003`` is about 1 % of
        full scale in the shadows and 0.3 % near white).
    halo
        Overshoot allowed beyond the 3 x 3 neighbourhood's range, as a fraction of it.
    weights
        Luminance weights of the RGB space (sRGB / Rec. 709 when ``None``).
    fast
        Use the numba path (the NumPy reference otherwise).

    Returns
    -------
    numpy.ndarray
        The sharpened float32 image.

    References
    ----------
    See the module docstring.
    """
    a = _check(rgb, radius, amount, threshold, halo)
    if amount == 0:
        return a
    w = _SRGB_Y if weights is None else np.asarray(weights, np.float32).reshape(3)
    if not fast:
        return _sharpen_numpy(a, w, radius, amount, threshold, halo)
    dy = sharpen_delta(run_ops_luma(a, (), w), radius=radius, amount=amount,
                       threshold=threshold, halo=halo)
    return run_ops(a, (AddLuma(dy),))


@dataclass(frozen=True)
class SharpenParams(Params):
    """Parameters of the ``sharpen`` stage."""

    radius: float = param(1.0, range=(0.2, 10.0), units="px", doc="Gaussian sigma of the blur")
    amount: float = param(0.5, range=(0.0, 10.0), doc="gain on the detail; 0 = off")
    threshold: float = param(0.003, range=(0.0, 1.0), units="sqrt(Y)",
                             doc="coring threshold: detail below it (noise) is not sharpened")
    halo: float = param(0.1, range=(0.0, 2.0), units="x local range",
                        doc="overshoot allowed beyond the 3x3 min/max")


class Sharpen(RowStage):
    """Noise-aware, halo-limited unsharp mask on luminance (linear_rgb -> linear_rgb).

    Its plan computes the luminance change ``dy`` (:func:`sharpen_delta`) from the incoming
    luminance; the pixels get ``rgb + dy`` (a row operation, so sharpening fuses with its
    neighbours).
    """

    name = "sharpen"
    takes = "linear_rgb"
    gives = "linear_rgb"
    params = SharpenParams

    def plan(self, src: StageInput, params: SharpenParams) -> RowPlan:
        if params.amount == 0:
            return RowPlan()
        w = luminance_weights(src.header.primaries)
        dy = sharpen_delta(src.luminance(w), radius=params.radius, amount=params.amount,
                           threshold=params.threshold, halo=params.halo)
        return RowPlan((AddLuma(dy),))


def sharpen_delta(y: np.ndarray, *, radius: float = 1.0, amount: float = 0.5,
                  threshold: float = 0.003, halo: float = 0.1) -> np.ndarray:
    """The luminance change ``Y' - Y`` of the sharpened image, from its luminance ``y``.

    Parameters are those of :func:`sharpen`; ``y`` is ``H x W`` float32 linear luminance.
    """
    _check(np.zeros((1, 1, 3), np.float32), radius, amount, threshold, halo)
    y = np.ascontiguousarray(y, np.float32)
    s = np.empty_like(y)
    _sqrt_plane(y, s)
    blur = _blur(s, radius)
    dy = np.empty_like(y)
    _delta(s, blur, np.float32(amount), np.float32(threshold), np.float32(halo), dy)
    return dy


@njit(nogil=True, cache=True, parallel=True, fastmath=True, error_model="numpy")
def _sqrt_plane(y, s):  # pragma: no cover - compiled
    zero = np.float32(0.0)
    for i in prange(y.shape[0]):
        for j in range(y.shape[1]):
            s[i, j] = np.sqrt(max(y[i, j], zero))


@njit(nogil=True, cache=True, parallel=True, fastmath=True, error_model="numpy")
def _delta(s, blur, amount, threshold, halo, dy):  # pragma: no cover - compiled
    for i in prange(s.shape[0]):
        delta_row(s, blur, i, amount, threshold, halo, dy[i])


def luminance_weights(primaries: str) -> np.ndarray:
    """The float32 luminance weights the stage uses for linear ``primaries`` RGB."""
    if primaries == "sRGB":
        return _SRGB_Y
    return get_space(primaries).to_xyz[1].astype(np.float32)
