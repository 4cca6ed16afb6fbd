"""Dead-leaves texture chart (scale-invariant occluding discs).

Discs with uniformly distributed centres, radii drawn from the density ``p(r) ~ r ** -3`` on
``[rmin, rmax]`` and uniform random grey levels are stacked; the first disc drawn lies on top
(each new disc goes *under* all previous ones) and drawing stops as soon as every pixel is
covered, which renders the exact stationary dead-leaves model in the window.

References
----------
Cao, F., Guichard, F., Hornung, H. (2010). Dead leaves model for measuring texture quality on a
digital camera. Proc. SPIE 7537, Digital Photography VI, 75370E.
Matheron, G. (1968). Modele sequentiel de partition aleatoire. Technical report, CMM.
"""

from __future__ import annotations

import numpy as np

from brightroom.charts._dead_leaves_numba import paint
from brightroom.charts.scene import Scene, _size
from brightroom.errors import ParameterError

__all__ = ["dead_leaves", "sample_radii"]


def sample_radii(rng: np.random.Generator, n: int, rmin: float, rmax: float) -> np.ndarray:
    """``n`` radii with density proportional to ``r ** -3`` on ``[rmin, rmax]`` (inverse CDF)."""
    u = rng.random(n)
    a, b = rmin ** -2.0, rmax ** -2.0
    return (a - u * (a - b)) ** -0.5


def _paint_numpy(out: np.ndarray, covered: np.ndarray, cx: np.ndarray, cy: np.ndarray,
                 r: np.ndarray, lv: np.ndarray, n_left: int) -> tuple[int, int]:
    """Paint discs (top first) onto uncovered pixels; return (discs used, pixels left)."""
    hs, ws = covered.shape
    for i in range(cx.size):
        x0, x1 = max(int(np.ceil(cx[i] - r[i])), 0), min(int(np.floor(cx[i] + r[i])) + 1, ws)
        y0, y1 = max(int(np.ceil(cy[i] - r[i])), 0), min(int(np.floor(cy[i] + r[i])) + 1, hs)
        if x0 >= x1 or y0 >= y1:
            continue
        yy = (np.arange(y0, y1) - cy[i])[:, None]
        xx = (np.arange(x0, x1) - cx[i])[None, :]
        inside = (xx * xx + yy * yy <= r[i] * r[i]) & ~covered[y0:y1, x0:x1]
        k = int(inside.sum())
        if k:
            out[y0:y1, x0:x1][inside] = lv[i]
            covered[y0:y1, x0:x1] |= inside
            n_left -= k
            if n_left == 0:
                return i + 1, 0
    return cx.size, n_left


def _paint_numba(out, covered, cx, cy, r, lv, n_left):
    """Compiled twin of :func:`_paint_numpy` (same discs, same pixels)."""

    used, left = paint(out, covered, cx, cy, r, lv, n_left)
    return int(used), int(left)


def dead_leaves(
    size: int | tuple[int, int] = 256,
    *,
    rmin: float = 2.0,
    rmax: float | None = None,
    low: float = 0.05,
    high: float = 0.75,
    color: bool = False,
    seed: int = 0,
    supersample: int = 1,
    max_discs: int = 50_000_000,
    method: str = "auto",
) -> Scene:
    """A dead-leaves chart.

    Parameters
    ----------
    size
        ``(height, width)`` or one int.
    rmin, rmax
        Smallest and largest disc radius in pixels (``rmax`` defaults to a quarter of the
        smaller side).
    low, high
        Disc reflectances are uniform on ``[low, high]``.
    color
        Independent uniform levels per channel (a colour dead-leaves chart) instead of grey.
    seed
        Seed of the numpy ``Generator``; the same seed gives the same chart.
    supersample
        Render at ``supersample`` times the resolution and box-average (area coverage).
    max_discs
        Safety limit on the number of discs drawn.
    method
        ``"numpy"`` (reference), ``"numba"`` (same result, compiled) or ``"auto"`` (numba above
        512 x 512 rendered pixels).

    Returns
    -------
    Scene
        ``ground_truth``: ``rmin``, ``rmax``, ``low``, ``high``, ``seed``, ``n_discs`` and
        ``discs`` (``(n, 3)`` float ``x, y, r`` in pixels, top disc first) and ``levels``
        (``(n, 3)``).

    References
    ----------
    Cao, Guichard, Hornung (2010), see the module docstring.
    """
    h, w = _size(size)
    rmax = min(h, w) / 4 if rmax is None else float(rmax)
    if not 0 < rmin < rmax:
        raise ParameterError(f"dead leaves needs 0 < rmin < rmax, got rmin {rmin}, rmax {rmax}")
    if not 0 <= low <= high:
        raise ParameterError(f"dead leaves levels need 0 <= low <= high, got {low}, {high}")
    if method not in ("auto", "numpy", "numba"):
        raise ParameterError(f"dead leaves method {method!r} must be 'auto', 'numpy' or 'numba'")
    s = int(supersample)
    use_numba = method == "numba" or (method == "auto" and h * w * s * s > 512 * 512)
    if not 1 <= s <= 8:
        raise ParameterError(f"supersample {supersample} must be 1..8")
    rng = np.random.default_rng(seed)
    hs, ws = h * s, w * s
    out = np.zeros((hs, ws, 3), dtype=np.float32)
    covered = np.zeros((hs, ws), dtype=bool)
    n_left = hs * ws
    discs, levels = [], []
    batch = 4096
    total = 0
    while n_left > 0:
        if total >= max_discs:
            raise ParameterError(f"dead leaves did not cover {h}x{w} with {max_discs} discs; "
                                 f"raise rmin ({rmin}) or max_discs")
        r = sample_radii(rng, batch, rmin, rmax)
        # centres uniform over the window grown by rmax, so border statistics are stationary
        x = rng.uniform(-rmax, w + rmax, batch)
        y = rng.uniform(-rmax, h + rmax, batch)
        lv = rng.uniform(low, high, (batch, 3 if color else 1))
        if not color:
            lv = np.repeat(lv, 3, axis=1)
        cxs, cys, rs = (x + 0.5) * s - 0.5, (y + 0.5) * s - 0.5, r * s
        lv32 = lv.astype(np.float32)
        if use_numba:
            used, n_left = _paint_numba(out, covered, cxs, cys, rs, lv32, n_left)
        else:
            used, n_left = _paint_numpy(out, covered, cxs, cys, rs, lv32, n_left)
        total += used
        discs.append(np.stack([x[:used], y[:used], r[:used]], axis=1))
        levels.append(lv[:used].astype(np.float32))
    if s > 1:
        out = out.reshape(h, s, w, s, 3).mean(axis=(1, 3), dtype=np.float64).astype(np.float32)
    truth = {
        "chart": "dead-leaves",
        "rmin": float(rmin),
        "rmax": float(rmax),
        "low": float(low),
        "high": float(high),
        "color": bool(color),
        "seed": int(seed),
        "n_discs": total,
        "discs": np.concatenate(discs),
        "levels": np.concatenate(levels),
    }
    return Scene(rgb=out, name="dead-leaves", ground_truth=truth)
