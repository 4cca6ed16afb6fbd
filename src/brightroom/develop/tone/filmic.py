"""A global filmic tone curve, applied to a colour norm so hues do not shift.

The curve is John Hable's filmic curve from Uncharted 2 (a rational fit of a film
characteristic curve: a toe, a straight section and a shoulder)

    H(x) = (x (A x + C B) + D E) / (x (A x + B) + D F) - E / F

with Hable's constants ``A = 0.15, B = 0.50, C = 0.10, D = 0.20, E = 0.02, F = 0.30``. It is
normalised twice: the scene-linear *white point* ``W = 0.18 * 2**white_ev`` maps to 1, and a
pre-scale ``k`` is solved so that 18 % grey maps to 18 %, so exposure means the same with and
without the curve. ``contrast`` is a power about grey applied before the curve
(``0.18 * (x / 0.18)**contrast``). Values above ``W`` clip to 1.

The curve is applied to a norm of each pixel, ``max(R, G, B)``, and the pixel is scaled by
``curve(norm) / norm``: ratios between channels, hence hue and saturation, are kept and no
channel leaves [0, 1] (darktable filmic rgb's "max RGB" chrominance preservation). A
``saturation`` factor then scales the distance of each pixel from its luminance.

References
----------
J. Hable (2010), Uncharted 2: HDR lighting, Game Developers Conference 2010 (and "Filmic
tonemapping operators", filmicworlds.com, 2010).

A. Pierre (2018-2021), darktable filmic rgb module: scene-referred tone mapping with
chrominance preservation by norms (``src/iop/filmicrgb.c``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from brightroom.errors import ParameterError

__all__ = [
    "MIDDLE_GREY",
    "hable",
    "filmic_curve",
    "filmic_ratio_lut",
    "filmic",
    "check_curve_params",
    "hable_ratio_coefficients",
]

MIDDLE_GREY = 0.18
_A, _B, _C, _D, _E, _F = 0.15, 0.50, 0.10, 0.20, 0.02, 0.30


def hable(x: np.ndarray | float) -> np.ndarray | float:
    """Hable's Uncharted 2 filmic function ``H(x)`` (unnormalised)."""
    x = np.asarray(x, dtype=np.float64)
    return (x * (_A * x + _C * _B) + _D * _E) / (x * (_A * x + _B) + _D * _F) - _E / _F


def check_curve_params(white_ev: float, contrast: float) -> None:
    """Raise :class:`ParameterError` for a white point or contrast the curve cannot meet."""
    if not np.isfinite(white_ev) or not 1.0 <= white_ev <= 16:
        raise ParameterError(f"white_ev must be in [1, 16] EV above 18% grey, got {white_ev!r}")
    if not np.isfinite(contrast) or not 0.25 <= contrast <= 4:
        raise ParameterError(f"contrast must be in [0.25, 4], got {contrast!r}")
    if white_ev * contrast < 2.5:
        # grey can only land on 18 % if the (contrast-mapped) white lies above 1
        raise ParameterError(f"white_ev * contrast must be >= 2.5 so that 18% grey can map to "
                             f"18%, got {white_ev} * {contrast}")


@lru_cache(maxsize=64)
def _prescale(white_ev: float, contrast: float) -> tuple[float, float]:
    """``(k, Wc)``: curve pre-scale putting 18 % grey on 18 % and the contrast-mapped white."""
    wc = MIDDLE_GREY * 2.0 ** (white_ev * contrast)
    lo, hi = -20.0, 20.0  # bisection on log2 k; H(0.18k)/H(Wc k) rises from 0.18/Wc to ~1
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        k = 2.0**mid
        if hable(MIDDLE_GREY * k) / hable(wc * k) < MIDDLE_GREY:
            lo = mid
        else:
            hi = mid
    return 2.0 ** (0.5 * (lo + hi)), wc


def filmic_curve(x: np.ndarray | float, *, white_ev: float = 4.0,
                 contrast: float = 1.0) -> np.ndarray:
    """The normalised filmic curve: scene-linear ``x`` to display-linear ``[0, 1]``.

    Parameters
    ----------
    x
        Scene-linear values (18 % grey = 0.18).
    white_ev
        Scene white point in EV above 18 % grey; it maps to 1.
    contrast
        Power about grey applied before the curve (1 = Hable's curve as it is).

    Returns
    -------
    numpy.ndarray
        float64 values in ``[0, 1]``; ``curve(0.18) = 0.18``, ``curve(x >= W) = 1``,
        non-decreasing.

    References
    ----------
    Hable (2010). See the module docstring.
    """
    check_curve_params(white_ev, contrast)
    k, wc = _prescale(float(white_ev), float(contrast))
    x = np.maximum(np.asarray(x, dtype=np.float64), 0.0)
    xc = MIDDLE_GREY * (x / MIDDLE_GREY) ** contrast
    y = hable(np.minimum(xc, wc) * k) / hable(wc * k)
    return np.clip(y, 0.0, 1.0)


def hable_ratio_coefficients(white_ev: float) -> np.ndarray:
    """Coefficients of ``curve(n) / n`` in closed form for ``contrast == 1``.

    With ``x = k n``: ``curve(n) / n = norm (P1 x + P0) / (Q2 x^2 + Q1 x + Q0)``, since
    ``H(x) / x = (A (F - E) x + B (F C - E)) / (F (A x^2 + B x + D F))``. Returns
    ``[k, norm, P1, P0, Q2, Q1, Q0]`` as float32, ``norm = k / H(k Wc)``.
    """
    check_curve_params(white_ev, 1.0)
    k, wc = _prescale(float(white_ev), 1.0)
    norm = k / float(hable(k * wc))
    return np.array([k, norm, _A * (_F - _E), _B * (_F * _C - _E), _F * _A, _F * _B,
                     _F * _D * _F], np.float32)


LUT_SIZE = 4096


@lru_cache(maxsize=64)
def filmic_ratio_lut(white_ev: float, contrast: float) -> tuple[np.ndarray, float]:
    """``curve(x) / x`` tabulated on a square-root grid of ``[0, W]``, for the fast paths.

    Returns ``(lut, W)`` with ``lut[i] = curve(x_i) / x_i`` at ``x_i = W (i / (N-1))**2``
    (``lut[0]`` is the limit at 0); a value ``x`` is looked up at ``sqrt(x / W) * (N - 1)``.
    Above ``W`` the ratio is ``1 / x``.
    """
    check_curve_params(white_ev, contrast)
    _, wc = _prescale(float(white_ev), float(contrast))
    w = MIDDLE_GREY * 2.0**white_ev
    u = np.linspace(0.0, 1.0, LUT_SIZE)
    x = w * u * u
    x[0] = w * 1e-12
    lut = (filmic_curve(x, white_ev=white_ev, contrast=contrast) / x).astype(np.float32)
    if contrast < 1:  # the ratio diverges at 0: hold it at the first sample's value
        lut[0] = lut[1]
    lut.setflags(write=False)
    return lut, float(w)


def filmic(
    rgb: np.ndarray,
    *,
    white_ev: float = 4.0,
    contrast: float = 1.0,
    saturation: float = 1.0,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Apply the filmic curve to the max-RGB norm of each pixel (NumPy reference).

    Parameters
    ----------
    rgb
        ``H x W x 3`` float32 scene-linear RGB (exposure already applied).
    white_ev, contrast
        See :func:`filmic_curve`.
    saturation
        Scales each pixel's distance from its luminance after the curve (1 = unchanged).
    weights
        Luminance weights of the RGB space (sRGB / Rec. 709 when ``None``).

    Returns
    -------
    numpy.ndarray
        float32 display-linear RGB.

    References
    ----------
    Hable (2010); Pierre, darktable filmic rgb. See the module docstring.
    """
    a = np.asarray(rgb, dtype=np.float32)
    n = a.max(axis=2).astype(np.float64)
    nn = np.maximum(n, 1e-12)
    ratio = filmic_curve(nn, white_ev=white_ev, contrast=contrast) / nn
    if contrast >= 1:
        r0 = filmic_curve(1e-12 * MIDDLE_GREY * 2.0**white_ev, white_ev=white_ev,
                          contrast=contrast) / (1e-12 * MIDDLE_GREY * 2.0**white_ev)
        ratio = np.where(n <= 1e-12, r0, ratio)
    out = a * ratio[..., None].astype(np.float32)
    if saturation != 1.0:
        w = _weights(weights)
        lum = out @ w
        out = lum[..., None] + np.float32(saturation) * (out - lum[..., None])
    return out.astype(np.float32)


def _weights(weights: np.ndarray | None) -> np.ndarray:
    if weights is None:
        return np.array([0.2126, 0.7152, 0.0722], np.float32)
    w = np.asarray(weights, np.float32).reshape(-1)
    if w.size != 3 or not np.all(np.isfinite(w)):
        raise ParameterError(f"luminance weights must be 3 finite values, got {weights!r}")
    return w
