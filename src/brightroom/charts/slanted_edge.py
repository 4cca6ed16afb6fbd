"""ISO 12233:2017-style slanted-edge chart, rendered by exact pixel-area coverage.

The edge is a straight line through ``center`` tilted by ``angle_deg`` from the vertical
(or horizontal) axis. Every pixel is the area-weighted mean of the two reflectances over its
unit square: the covered fraction is the CDF of the projection of the square onto the edge
normal (a sum of two uniforms, a trapezoid), evaluated analytically, so the chart carries no
rendering error beyond float32 rounding.

References
----------
ISO 12233:2017, Photography - Electronic still picture imaging - Resolution and spatial
frequency responses (edge tilt 2-10 degrees, recommended edge contrast 4:1).
Burns, P. D. (2000). Slanted-edge MTF for digital camera and scanner analysis. Proc. IS&T PICS.
"""

from __future__ import annotations

import numpy as np

from brightroom.charts.scene import Scene, _size
from brightroom.errors import ParameterError

__all__ = ["slanted_edge", "edge_coverage"]


def edge_coverage(s: np.ndarray, angle_rad: float) -> np.ndarray:
    """Fraction of a unit pixel on the positive side of a line at signed distance ``s``.

    ``s`` is the signed distance of the pixel centre from the line along the line's unit
    normal, whose components have magnitudes ``|cos a|`` and ``|sin a|``.
    """
    c, d = abs(np.cos(angle_rad)), abs(np.sin(angle_rad))
    c, d = max(c, d), min(c, d)
    s = np.asarray(s, dtype=np.float64)
    if d < 1e-12:
        return np.clip(s / c + 0.5, 0.0, 1.0)
    h, g = (c + d) / 2, (c - d) / 2
    out = np.where(s <= -h, 0.0, np.where(s >= h, 1.0, 0.0))
    lo = (s > -h) & (s < -g)
    mid = (s >= -g) & (s <= g)
    hi = (s > g) & (s < h)
    out = np.where(lo, (s + h) ** 2 / (2 * c * d), out)
    out = np.where(mid, d / (2 * c) + (s + g) / c, out)
    out = np.where(hi, 1.0 - (h - s) ** 2 / (2 * c * d), out)
    return out


def slanted_edge(
    size: int | tuple[int, int] = 256,
    *,
    angle_deg: float = 5.0,
    contrast: float = 4.0,
    high: float = 0.72,
    orientation: str = "vertical",
    center: tuple[float, float] | None = None,
) -> Scene:
    """A neutral slanted edge: dark on the left (top), bright on the right (bottom).

    Parameters
    ----------
    size
        ``(height, width)`` in pixels, or one int for a square.
    angle_deg
        Tilt of the edge from the vertical (``orientation="vertical"``) or horizontal axis, in
        degrees, -45..45 (ISO 12233 asks for about 5). Positive: the edge's x grows with y
        (a vertical edge leans to the right going down).
    contrast
        Ratio of the bright to the dark reflectance (ISO 12233:2017 recommends 4:1).
    high
        Reflectance of the bright side; the dark side is ``high / contrast``.
    orientation
        ``"vertical"`` (measures horizontal MTF) or ``"horizontal"``.
    center
        ``(x, y)`` a point on the edge, pixel-centre coordinates (pixel ``(i, j)`` has its
        centre at ``x = j, y = i``); the image centre by default.

    Returns
    -------
    Scene
        ``ground_truth``: ``angle_deg``, ``orientation``, ``center`` ``(x, y)``, ``low``,
        ``high``, ``contrast``, and ``line``: for a vertical edge ``x = cx + tan(a) (y - cy)``
        (for a horizontal one ``y = cy + tan(a) (x - cx)``).

    References
    ----------
    ISO 12233:2017, sections 6.2 (test chart) and Annex D (e-SFR).
    """
    h, w = _size(size)
    if not -45.0 <= angle_deg <= 45.0:
        raise ParameterError(f"edge angle {angle_deg} deg must be within -45..45")
    if contrast < 1.0:
        raise ParameterError(f"edge contrast {contrast} must be >= 1")
    if orientation not in ("vertical", "horizontal"):
        raise ParameterError(f"orientation {orientation!r} must be 'vertical' or 'horizontal'")
    low = high / contrast
    if orientation == "horizontal":
        h, w = w, h
    if center is None:
        cx, cy = (w - 1) / 2, (h - 1) / 2
    else:
        cx, cy = float(center[0]), float(center[1])
        if orientation == "horizontal":
            cx, cy = cy, cx
    a = np.deg2rad(angle_deg)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    # unit normal pointing to the bright side: (cos a, -sin a) in (x, y)
    s = (x - cx) * np.cos(a) - (y - cy) * np.sin(a)
    frac = edge_coverage(s, a)
    img = low + (high - low) * frac
    if orientation == "horizontal":
        img = img.T
        cx, cy = cy, cx
    rgb = np.repeat(img[:, :, None], 3, axis=2).astype(np.float32)
    if orientation == "vertical":
        line = "x = cx + tan(a) * (y - cy)"
    else:
        line = "y = cy + tan(a) * (x - cx)"
    truth = {
        "chart": "slanted-edge",
        "angle_deg": float(angle_deg),
        "orientation": orientation,
        "center": (cx, cy),
        "low": float(low),
        "high": float(high),
        "contrast": float(contrast),
        "line": line,
        "pixel_centres": "pixel (i, j) centre at x = j, y = i",
    }
    return Scene(rgb=rgb, name="slanted-edge", ground_truth=truth)
