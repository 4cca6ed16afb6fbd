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

from brightroom.charts.scene import Scene, _size
from brightroom.errors import ParameterError

__all__ = ["dead_leaves", "sample_radii"]


def sample_radii(rng: np.random.Generator, n: int, rmin: float, rmax: float) -> np.ndarray:
    """``n`` radii with density proportional to ``r ** -3`` on ``[rmin, rmax]`` (inverse CDF)."""
    u = rng.random(n)
    a, b = rmin ** -2.0, rmax ** -2.0
    return (a - u * (a - b)) ** -0.5


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
    max_discs: int = 5_000_000,
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
    s = int(supersample)
    if not 1 <= s <= 8:
        raise ParameterError(f"supersample {supersample} must be 1..8")
    rng = np.random.default_rng(seed)
    hs, ws = h * s, w * s
    out = np.zeros((hs, ws, 3), dtype=np.float32)
    covered = np.zeros((hs, ws), dtype=bool)
    n_left = hs * ws
    discs, levels = [], []
    batch = 1024
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
        for i in range(batch):
            # disc in supersampled pixel-centre coordinates: centre of subpixel k is (k + .5)/s - .5
            cx, cy, rr = (x[i] + 0.5) * s - 0.5, (y[i] + 0.5) * s - 0.5, r[i] * s
            x0, x1 = max(int(np.ceil(cx - rr)), 0), min(int(np.floor(cx + rr)) + 1, ws)
            y0, y1 = max(int(np.ceil(cy - rr)), 0), min(int(np.floor(cy + rr)) + 1, hs)
            total += 1
            discs.append((x[i], y[i], r[i]))
            levels.append(lv[i])
            if x0 >= x1 or y0 >= y1:
                continue
            yy = (np.arange(y0, y1) - cy)[:, None]
            xx = (np.arange(x0, x1) - cx)[None, :]
            inside = (xx * xx + yy * yy <= rr * rr) & ~covered[y0:y1, x0:x1]
            k = int(inside.sum())
            if k:
                out[y0:y1, x0:x1][inside] = lv[i].astype(np.float32)
                covered[y0:y1, x0:x1] |= inside
                n_left -= k
                if n_left == 0:
                    break
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
        "discs": np.array(discs, dtype=np.float64),
        "levels": np.array(levels, dtype=np.float32),
    }
    return Scene(rgb=out, name="dead-leaves", ground_truth=truth)
