"""Shared helpers of the white-balance methods: pixel selection and normalisation."""

from __future__ import annotations

import numpy as np

from brightroom.develop.white_balance._fast import valid_mask_fast
from brightroom.errors import InputError, ParameterError

__all__ = ["check_rgb", "valid_mask", "unit"]


def check_rgb(rgb: np.ndarray, name: str = "rgb") -> np.ndarray:
    """``rgb`` as a float32 ``H x W x 3`` (or ``N x 3``) array, checked; never a writable alias."""
    a = np.asarray(rgb)
    if a.ndim not in (2, 3) or a.shape[-1] != 3:
        raise ParameterError(f"{name} must be H x W x 3 (or N x 3) camera RGB, got shape {a.shape}")
    if a.size == 0:
        raise InputError(f"{name} is empty")
    return a.astype(np.float32, copy=False)


def valid_mask(
    rgb: np.ndarray,
    saturation: float | tuple[float, float, float] = 1.0,
    *,
    clip: float = 0.95,
    dark: float = 0.01,
    engine: str = "numba",
) -> np.ndarray:
    """Pixels usable for illuminant estimation: not clipped and not near black.

    A pixel is excluded when any channel reaches ``clip * saturation[c]`` (clipped or about to
    be, so its colour is wrong), when any channel is <= 0, or when its largest channel is below
    ``dark`` times the brightest remaining pixel's (its chromaticity would be mostly noise).

    ``engine="numpy"`` is the reference; ``"numba"`` (default) is a one-pass kernel.
    """
    sat = np.broadcast_to(np.asarray(saturation, dtype=np.float32), (3,))
    lim = np.float32(clip) * sat
    if engine == "numba":

        return valid_mask_fast(rgb, lim, dark)
    if engine != "numpy":
        raise ParameterError(f"engine must be 'numba' or 'numpy', got {engine!r}")
    ok = np.all(rgb < lim, axis=-1) & (rgb.min(axis=-1) > 0)
    mx = rgb.max(axis=-1)
    top = mx[ok].max() if np.any(ok) else np.float32(0)
    ok &= mx > np.float32(dark) * top
    return ok


def unit(e: np.ndarray, method: str) -> np.ndarray:
    """``e`` as a float64 unit vector, or an InputError naming ``method`` if it is unusable."""
    e = np.asarray(e, dtype=np.float64)
    n = np.linalg.norm(e)
    if not np.all(np.isfinite(e)) or n == 0 or np.any(e < 0):
        raise InputError(f"AWB method {method!r} found no usable illuminant estimate ({e})")
    return e / n
