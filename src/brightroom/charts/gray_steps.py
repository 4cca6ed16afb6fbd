"""Grey step charts: reflective density steps and a high-dynamic-range stop chart.

References
----------
ISO 14524:2009, Photography - Electronic still-picture cameras - Methods for measuring
opto-electronic conversion functions (OECFs) (12- and 20-patch grey charts).
ISO 15739:2023, Photography - Electronic still-picture imaging - Noise measurements
(dynamic range from a high-density transmissive step chart).
"""

from __future__ import annotations

import numpy as np

from brightroom.charts.scene import Scene, _gray
from brightroom.errors import ParameterError

__all__ = ["gray_steps", "dynamic_range_steps"]


def _patch_grid(values: np.ndarray, patch_size: int, columns: int, gap: int,
                background: float) -> tuple[np.ndarray, np.ndarray]:
    n = values.size
    if patch_size < 4:
        raise ParameterError(f"patch size {patch_size} must be >= 4 pixels")
    if columns < 1:
        raise ParameterError(f"columns {columns} must be >= 1")
    if gap < 0:
        raise ParameterError(f"gap {gap} must be >= 0")
    rows = -(-n // columns)
    cols = min(columns, n)
    h = gap + rows * (patch_size + gap)
    w = gap + cols * (patch_size + gap)
    img = np.full((h, w, 3), _gray(background), dtype=np.float32)
    boxes = np.zeros((n, 4), dtype=np.int64)
    for k in range(n):
        r, c = divmod(k, columns)
        y0, x0 = gap + r * (patch_size + gap), gap + c * (patch_size + gap)
        boxes[k] = (y0, x0, y0 + patch_size, x0 + patch_size)
        img[y0:y0 + patch_size, x0:x0 + patch_size] = np.float32(values[k])
    return img, boxes


def gray_steps(
    n_steps: int = 20,
    *,
    density_step: float = 0.1,
    d_min: float = 0.05,
    patch_size: int = 32,
    columns: int = 10,
    gap: int = 8,
    background: float = 0.18,
) -> Scene:
    """A reflective grey step chart with densities ``d_min + k * density_step``.

    Parameters
    ----------
    n_steps
        Number of patches (>= 2).
    density_step
        Optical density increment per patch (0.1 is about 1/3 stop).
    d_min
        Density of the lightest patch (0.05: reflectance 0.89, a good white paper).
    patch_size, columns, gap
        Layout: square patches in rows of ``columns``, ``gap`` pixels apart.
    background
        Neutral reflectance around the patches.

    Returns
    -------
    Scene
        ``ground_truth``: ``densities``, ``reflectances`` (``10 ** -density``), ``stops``
        (``log2`` of the reflectance relative to the first patch), ``boxes``, ``centers``.

    References
    ----------
    ISO 14524:2009.
    """
    if n_steps < 2:
        raise ParameterError(f"a step chart needs >= 2 steps, got {n_steps}")
    if density_step <= 0 or d_min < 0:
        raise ParameterError(f"density_step {density_step} must be > 0 and d_min {d_min} >= 0")
    dens = d_min + density_step * np.arange(n_steps)
    refl = 10.0 ** -dens
    img, boxes = _patch_grid(refl, patch_size, columns, gap, background)
    truth = _truth("gray-steps", refl, boxes) | {"densities": dens}
    return Scene(rgb=img, name="gray-steps", ground_truth=truth)


def dynamic_range_steps(
    n_stops: int = 20,
    *,
    peak: float = 1.0,
    patch_size: int = 32,
    columns: int = 10,
    gap: int = 8,
    background: float = 0.0,
) -> Scene:
    """A transmissive-style high-dynamic-range chart: patch ``k`` is ``peak * 2 ** -k``.

    Values above 1 are allowed (a backlit chart brighter than the diffuse white); the default
    dark surround (0) is the opaque mask of a transmissive chart.

    Parameters
    ----------
    n_stops
        Number of patches, one stop apart (2..24).
    peak
        Relative luminance (radiance factor) of the brightest patch.

    Returns
    -------
    Scene
        ``ground_truth``: ``reflectances``, ``stops`` (0, -1, -2...), ``densities``
        (``k * log10(2)``), ``boxes``, ``centers``, ``peak``.

    References
    ----------
    ISO 15739:2023, Annex on dynamic range; ISO 14524:2009.
    """
    if not 2 <= n_stops <= 24:
        raise ParameterError(f"n_stops {n_stops} must be within 2..24")
    if peak <= 0:
        raise ParameterError(f"peak {peak} must be > 0")
    k = np.arange(n_stops)
    refl = peak * 2.0 ** -k
    img, boxes = _patch_grid(refl, patch_size, columns, gap, background)
    truth = _truth("dynamic-range-steps", refl, boxes) | {
        "densities": k * np.log10(2.0), "peak": float(peak)}
    return Scene(rgb=img, name="dynamic-range-steps", ground_truth=truth)


def _truth(chart: str, refl: np.ndarray, boxes: np.ndarray) -> dict:
    centers = np.stack([(boxes[:, 0] + boxes[:, 2] - 1) / 2,
                        (boxes[:, 1] + boxes[:, 3] - 1) / 2], axis=1)
    return {
        "chart": chart,
        "reflectances": refl,
        "stops": np.log2(refl / refl[0]),
        "boxes": boxes,
        "centers": centers,
    }
