"""numba fast path of :func:`brightroom.charts.dead_leaves._paint_numpy` (same result)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def paint(out: np.ndarray, covered: np.ndarray, cx: np.ndarray, cy: np.ndarray, r: np.ndarray,
          lv: np.ndarray, n_left: int) -> tuple[int, int]:  # pragma: no cover - compiled
    hs, ws = covered.shape
    for i in range(cx.size):
        x0 = max(int(math.ceil(cx[i] - r[i])), 0)
        x1 = min(int(math.floor(cx[i] + r[i])) + 1, ws)
        y0 = max(int(math.ceil(cy[i] - r[i])), 0)
        y1 = min(int(math.floor(cy[i] + r[i])) + 1, hs)
        r2 = r[i] * r[i]
        for yy in range(y0, y1):
            dy = yy - cy[i]
            for xx in range(x0, x1):
                dx = xx - cx[i]
                if dx * dx + dy * dy <= r2 and not covered[yy, xx]:
                    covered[yy, xx] = True
                    out[yy, xx, 0] = lv[i, 0]
                    out[yy, xx, 1] = lv[i, 1]
                    out[yy, xx, 2] = lv[i, 2]
                    n_left -= 1
        if n_left == 0:
            return i + 1, 0
    return cx.size, n_left
