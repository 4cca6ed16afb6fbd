"""``--auto``: exposure, contrast, whites, blacks and vibrance from the image's statistics.

The method is the one phone cameras' auto-enhance and Lightroom's Auto start from, global
statistics of the luminance (``Y``, linear) on a small copy:

* **exposure** brings the log-average luminance (the scene "key", Reinhard et al. 2002) to
  18 % grey, half-way (``0.5 log2(0.18 / key)``, at most +-2 EV), so that a deliberately dark
  or bright scene keeps some of its character;
* **whites** moves the 99.5th percentile of luminance after that exposure towards 95 % of
  white (clamped to +-60); **blacks** deepens the 0.5th percentile towards 0.5 % of white when
  it is lighter (a washed-out picture; down to -60) and never lifts deep blacks: the
  endpoints of an auto-levels;
* **contrast** adds up to +30 when the spread of log luminance (the 5th to 95th percentile)
  is under 6 EV (a flat, hazy picture) and removes up to 20 when it is over 9 EV;
* **vibrance** adds ``25 (1 - 2 s)`` where ``s`` is the median HSV saturation (none for a
  picture already at 0.5 or more).

References
----------
Reinhard, E., Stark, M., Shirley, P., Ferwerda, J. (2002). Photographic tone reproduction for
digital images. ACM TOG 21(3), 267-276.
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.edit.params import BasicPanel

__all__ = ["auto_settings"]

_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


def auto_settings(rgb: np.ndarray) -> dict[str, float]:
    """Basic-panel values for ``rgb`` (linear): ``exposure``, ``contrast``, ``whites``,
    ``blacks``, ``vibrance`` (valid :class:`BasicPanel` keywords)."""
    a = np.asarray(rgb, np.float32)
    h, w = a.shape[:2]
    s = max(1.0, max(h, w) / 512)
    if s > 1:
        a = cv2.resize(a, (round(w / s), round(h / s)), interpolation=cv2.INTER_AREA)
    y = np.maximum(a @ _LUMA, 1e-5)
    key = float(np.exp(np.mean(np.log(y))))
    ev = float(np.clip(0.5 * np.log2(0.18 / key), -2, 2))
    y2 = y * 2.0 ** ev
    hi, lo = np.percentile(y2, [99.5, 0.5])
    whites = float(np.clip(100 * np.log2(0.95 / max(hi, 1e-4)) / 1.0, -60, 60))
    blacks = float(np.clip(-100 * np.log2(max(lo, 1e-5) / 0.005) / 1.5 * 0.5, -60, 0))
    l5, l95 = np.percentile(np.log2(y2), [5, 95])
    spread = float(l95 - l5)
    contrast = float(np.clip((6 - spread) * 10, 0, 30)) if spread < 6 else float(
        -np.clip((spread - 9) * 10, 0, 20))
    mx = a.max(axis=-1)
    sat = np.where(mx > 0, (mx - a.min(axis=-1)) / np.maximum(mx, 1e-6), 0)
    vibrance = float(np.clip(25 * (1 - float(np.median(sat))) / 0.5 - 25, 0, 25))
    out = {"exposure": round(ev, 2), "contrast": round(contrast, 1),
           "whites": round(whites, 1), "blacks": round(blacks, 1),
           "vibrance": round(vibrance, 1)}
    BasicPanel(**out)  # in range by construction; checked
    return out
