"""Lens-true synthetic defocus (bokeh) from a photo and its depth map.

The blur of every point is the thin-lens circle of confusion (CoC). For a lens of focal length
``f``, f-number ``N`` (aperture diameter ``A = f / N``) focused at ``z_f``, a point at depth ``z``
is imaged as a disc of diameter on the sensor

    c = A * f * |z - z_f| / (z * (z_f - f)),

turned into pixels by the pixel pitch ``sensor_width / image_width``. The sign says whether the
point is behind (+) or in front of (-) the focus plane.

Method ``"layered"`` (the default) is a gather with occlusion-aware layering: pixels are split
(with tent weights, so depth changes stay smooth) into layers of equal signed CoC, each layer is
blurred with its own aperture kernel in linear light and the layers are composited back to front
with premultiplied alpha (``over``). The layers behind the focus plane are normalised by their
accumulated alpha, which fills the hole the in-focus subject leaves, so no subject colour leaks
into the background and no dark fringe or halo appears around the silhouette. The in-focus layer
is taken from the full-resolution photo; where a matte is given (segmentation), its fractional
alpha (hair) decides the mix, and the foreground colour is recovered with ``F = (I - (1-a) B) / a``
before being laid over the blurred background. The layers in front of the focus plane are laid
over everything. Blur is computed at a reduced working resolution (and each large layer at a
further reduced one), where a disc of many pixels loses nothing; only the final composite runs at
full resolution (a fused numba pass, :mod:`brightroom.portrait._bokeh_numba`).

Highlights become bokeh discs: linear values above ``highlight_threshold`` are boosted before the
blur (clipped highlights hold more light than the file shows). The aperture is a disc or an
``n``-blade polygon; lens characters (:data:`LENS_STYLES`) change the kernel: ``soap-bubble``
(Trioplan-like bright rim), ``cats-eye`` (mechanical vignetting clips the disc towards the frame
edge), ``swirly`` (Biotar/Petzval: discs stretched tangentially, so the background swirls).
The photo's own noise, measured in its flat regions with its spectrum and its dependence on the
grey level (:mod:`brightroom.portrait.grain`, after AV1's film-grain model), is synthesised again
in the blurred areas, where the blur took it away.

Method ``"naive"`` blurs the whole picture with each kernel and picks per pixel (no layering); it
is the baseline that shows the halo.

References
----------
Potmesil, M., Chakravarty, I. (1981). A lens and aperture camera model for synthetic image
generation. SIGGRAPH '81, 297-305 (thin-lens circle of confusion).

Lee, S., Kim, G. J., Choi, S. (2009). Real-time depth-of-field rendering using anisotropically
filtered mipmap interpolation. IEEE TVCG 15(3), 453-464 (layered DoF, hole filling).

Wadhwa, N. et al. (2018). Synthetic depth-of-field with a single-camera mobile phone. ACM TOG
37(4), 64 (layered rendering, highlight boost, noise re-added to the blurred parts).

Immerkaer, J. (1996). Fast noise variance estimation. Computer Vision and Image Understanding
64(2), 300-302.

Porter, T., Duff, T. (1984). Compositing digital images. SIGGRAPH '84 (the ``over`` operator).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

import cv2
import numpy as np

from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.errors import ParameterError
from brightroom.methods import Methods
from brightroom.portrait._bokeh_numba import composite_numba
from brightroom.portrait.grain import estimate_grain, grain_tile
from brightroom.types import Image

__all__ = ["BokehParams", "LensStyle", "LENS_STYLES", "BOKEH_METHODS", "coc_radius_px",
           "aperture_kernel", "render_bokeh", "refocus", "estimate_noise", "composite_full",
           "focus_distance_at"]


@dataclass(frozen=True)
class LensStyle:
    """The character of a lens' out-of-focus rendering.

    Attributes
    ----------
    blades
        0 for a round aperture, else the number of diaphragm blades (3..16).
    rotation
        Rotation of the polygon in degrees.
    rim
        Soap-bubble rim strength, 0 (flat disc) .. 1 (bright rim, dim centre).
    cats_eye
        Mechanical vignetting at the frame corner, 0 .. 1 (fraction of the disc cut away).
    swirl
        Tangential stretch at the frame corner, 0 .. 1.
    """

    blades: int = 0
    rotation: float = 0.0
    rim: float = 0.0
    cats_eye: float = 0.0
    swirl: float = 0.0

    def __post_init__(self) -> None:
        if self.blades != 0 and not 3 <= self.blades <= 16:
            raise ParameterError(f"blades must be 0 (round) or 3..16, got {self.blades}")
        for k in ("rim", "cats_eye", "swirl"):
            if not 0 <= getattr(self, k) <= 1:
                raise ParameterError(f"{k} must be in [0, 1], got {getattr(self, k)}")

    @property
    def varies(self) -> bool:
        """Whether the kernel depends on the position in the frame."""
        return self.cats_eye > 0 or self.swirl > 0


LENS_STYLES: dict[str, LensStyle] = {
    "circle": LensStyle(),
    "pentagon": LensStyle(blades=5, rotation=-90.0),
    "hexagon": LensStyle(blades=6),
    "octagon": LensStyle(blades=8),
    "soap-bubble": LensStyle(rim=0.8),
    "cats-eye": LensStyle(cats_eye=0.6),
    "swirly": LensStyle(swirl=0.6, cats_eye=0.3),
}


@dataclass(frozen=True)
class BokehParams:
    """Parameters of :func:`render_bokeh` (units in brackets).

    Attributes
    ----------
    f_number
        Simulated aperture, f/0.7 .. f/32 [2.0].
    focal_length
        Focal length [mm], full-frame equivalent with the default sensor [50].
    sensor_width
        Sensor width [mm] the picture's width spans [36].
    focus_distance
        Distance in focus [m]; ``None``: the caller's auto focus (subject median depth).
    style
        A key of :data:`LENS_STYLES` or a :class:`LensStyle`.
    highlight_threshold
        Linear value from which highlights are boosted (0..1) [0.75].
    highlight_gain
        Boost of a value at 1.0 (0 = none) [3.0].
    noise
        Re-add the estimated sensor noise in the blurred areas [True].
    working_size
        Long side (pixels) of the working resolution for the blur [1024].
    max_radius
        Largest CoC radius, as a fraction of the picture width [0.05].
    """

    f_number: float = 2.0
    focal_length: float = 50.0
    sensor_width: float = 36.0
    focus_distance: float | None = None
    style: str | LensStyle = "circle"
    highlight_threshold: float = 0.75
    highlight_gain: float = 3.0
    noise: bool = True
    working_size: int = 1024
    max_radius: float = 0.05

    def __post_init__(self) -> None:
        if not 0.5 <= self.f_number <= 64:
            raise ParameterError(f"f_number must be in [0.5, 64], got {self.f_number}")
        if not 1 <= self.focal_length <= 2000 or not 1 <= self.sensor_width <= 100:
            raise ParameterError(f"focal_length (mm) must be in [1, 2000] and sensor_width in "
                                 f"[1, 100], got {self.focal_length}, {self.sensor_width}")
        if self.focus_distance is not None and self.focus_distance * 1000 <= self.focal_length:
            raise ParameterError(f"focus_distance {self.focus_distance} m must exceed the "
                                 f"focal length {self.focal_length} mm")
        if isinstance(self.style, str) and self.style not in LENS_STYLES:
            raise ParameterError(f"unknown lens style {self.style!r}; known: "
                                 f"{', '.join(LENS_STYLES)}")
        if self.working_size < 64 or not 0 < self.max_radius <= 0.25:
            raise ParameterError(f"working_size must be >= 64 and max_radius in (0, 0.25], got "
                                 f"{self.working_size}, {self.max_radius}")

    @property
    def lens(self) -> LensStyle:
        return LENS_STYLES[self.style] if isinstance(self.style, str) else self.style


def coc_radius_px(depth: np.ndarray, params: BokehParams, width_px: int,
                  focus_distance: float) -> np.ndarray:
    """Signed circle-of-confusion radius in pixels (+ behind the focus plane, - in front).

    ``c = A f |z - z_f| / (z (z_f - f))`` with ``A = f / N``, divided by the pixel pitch
    ``sensor_width / width_px`` and halved (radius). Capped at ``max_radius * width_px``.
    Non-finite or non-positive depths count as infinitely far.
    """
    f = params.focal_length * 1e-3
    zf = float(focus_distance)
    if zf <= f:
        raise ParameterError(f"focus distance {zf} m must exceed the focal length {f} m")
    a = f / params.f_number
    z = np.asarray(depth, np.float32)
    inv = np.where(np.isfinite(z) & (z > 0), 1.0 / np.maximum(z, 1e-6), 0.0).astype(np.float32)
    # c = A f (z - zf) / (z (zf - f)) = A f zf / (zf - f) * (1/zf - 1/z)
    c = np.float32(a * f * zf / (zf - f)) * (np.float32(1.0 / zf) - inv)
    pitch = params.sensor_width * 1e-3 / width_px
    r = c / np.float32(2 * pitch)
    lim = np.float32(params.max_radius * width_px)
    return np.clip(r, -lim, lim).astype(np.float32)


def aperture_kernel(radius: float, lens: LensStyle = LensStyle(), *,
                    position: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """The normalised point-spread function of a defocused point, ``(2R+3)^2`` float32.

    Parameters
    ----------
    radius
        CoC radius in pixels (0 gives a single-pixel delta).
    lens
        :class:`LensStyle`.
    position
        The point's place in the frame, ``(x, y)`` in [-1, 1] from the centre (for cat's-eye and
        swirl).

    Notes
    -----
    Edges are anti-aliased by the signed distance (a one-pixel ramp), so the kernel's area
    follows ``pi R^2`` smoothly as ``R`` changes.
    """
    if radius < 0.5:
        return np.ones((1, 1), np.float32)
    n = int(math.ceil(radius * (1 + lens.swirl * 0.5))) + 1
    yy, xx = np.mgrid[-n:n + 1, -n:n + 1].astype(np.float64)
    px, py = position
    pr = math.hypot(px, py)
    if lens.swirl > 0 and pr > 1e-6:
        # stretch along the tangential direction: coordinates in the (radial, tangential) frame
        ux, uy = px / pr, py / pr
        rad = xx * ux + yy * uy
        tan = -xx * uy + yy * ux
        st = 1 + lens.swirl * min(pr, 1.0)
        xe, ye = rad * math.sqrt(st), tan / math.sqrt(st)
    else:
        xe, ye = xx, yy
    rho = np.hypot(xe, ye)
    if lens.blades:
        th = np.arctan2(ye, xe) - math.radians(lens.rotation)
        seg = 2 * math.pi / lens.blades
        t = np.mod(th, seg) - seg / 2
        edge = radius * math.cos(seg / 2) / np.cos(t)
    else:
        edge = radius
    k = np.clip(edge + 0.5 - rho, 0, 1)
    if lens.cats_eye > 0 and pr > 1e-6:
        # second (exit-pupil) disc shifted towards the frame centre
        d = 2 * radius * lens.cats_eye * min(pr, 1.0)
        cx, cy = -px / pr * d, -py / pr * d
        k = np.minimum(k, np.clip(radius + 0.5 - np.hypot(xx - cx, yy - cy), 0, 1))
    if lens.rim > 0:
        prof = (1 - lens.rim) + lens.rim * 2.5 * np.clip(rho / max(radius, 1e-6), 0, 1) ** 4
        k = k * prof
    s = k.sum()
    if s <= 0:
        return np.ones((1, 1), np.float32)
    return (k / s).astype(np.float32)


def _convolve(x: np.ndarray, radius: float, lens: LensStyle, frame: tuple[int, int, int, int]
              ) -> np.ndarray:
    """Scatter ``x`` (``h x w x c``) with the aperture kernel; ``frame`` = (y0, x0, H, W) of ``x``
    inside the full working picture, for the position-dependent styles."""
    if radius < 0.5:
        return x
    h, w = x.shape[:2]
    # very large discs: blur at a further reduced resolution
    p = int(radius // 4) if radius > 8 else 1
    if p > 1:
        small = cv2.resize(x, (max(1, w // p), max(1, h // p)), interpolation=cv2.INTER_AREA)
        rs = radius * small.shape[1] / w
    else:
        small, rs = x, radius
    if not lens.varies or rs < 2.5:  # small discs: the style's shape is not visible
        k = cv2.flip(aperture_kernel(rs, replace(lens, cats_eye=0.0, swirl=0.0)), -1)
        out = cv2.filter2D(small, -1, k, borderType=cv2.BORDER_REFLECT)
    else:
        out = _convolve_varying(small, rs, lens, frame, p)
    if p > 1:
        out = cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)
    return out.reshape(x.shape)


def _convolve_varying(x: np.ndarray, radius: float, lens: LensStyle,
                      frame: tuple[int, int, int, int], p: int, grid: int = 4) -> np.ndarray:
    """Position-dependent kernel: a ``grid x grid`` set of kernels blended bilinearly."""
    h, w = x.shape[:2]
    y0f, x0f, hf, wf = frame
    out = np.zeros_like(x)
    ys = np.linspace(0, h - 1, grid)
    xs = np.linspace(0, w - 1, grid)
    wy = np.clip(1 - np.abs(np.arange(h)[None, :] - ys[:, None]) / max(ys[1] - ys[0], 1), 0, 1)
    wx = np.clip(1 - np.abs(np.arange(w)[None, :] - xs[:, None]) / max(xs[1] - xs[0], 1), 0, 1)
    for i, cy in enumerate(ys):
        for j, cx in enumerate(xs):
            pos = ((x0f + cx * p) / max(wf - 1, 1) * 2 - 1, (y0f + cy * p) / max(hf - 1, 1) * 2 - 1)
            k = cv2.flip(aperture_kernel(radius, lens, position=pos), -1)
            blurred = cv2.filter2D(x, -1, k, borderType=cv2.BORDER_REFLECT)
            wgt = (wy[i][:, None] * wx[j][None, :]).astype(np.float32)
            out += blurred * (wgt[..., None] if x.ndim == 3 else wgt)
    return out


def _layer_radii(rmax: float) -> np.ndarray:
    """Signed layer radii (working pixels): 0, +-1, +-2, +-3, then a 1.35 ratio up to rmax."""
    pos = [1.0, 2.0, 3.0]
    while pos[-1] < rmax:
        pos.append(pos[-1] * 1.4)
    pos_a = np.array(pos)
    return np.concatenate([-pos_a[::-1], [0.0], pos_a])


def _tent_weights(r: np.ndarray, radii: np.ndarray, upto: int | None = None
                  ) -> list[np.ndarray]:
    """Each layer's tent weight of the CoC map ``r``; with ``upto``, only layers ``0..upto``
    (the ones a caller uses: the renderer needs the focus layer and those in front of it)."""
    rr = np.clip(r, radii[0], radii[-1])
    idx = np.clip(np.searchsorted(radii, rr) - 1, 0, len(radii) - 2)
    lo, hi = radii[idx], radii[idx + 1]
    t = ((rr - lo) / (hi - lo)).astype(np.float32)
    last = len(radii) - 1 if upto is None else upto
    out = [np.zeros(r.shape, np.float32) for _ in range(last + 1)]
    for k in np.unique(idx):
        if k > last:
            break
        sel = idx == k
        out[k][sel] = 1 - t[sel]
        if k + 1 <= last:
            out[k + 1][sel] = t[sel]
    return out


def estimate_noise(image: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Noise standard deviation of a picture (Immerkaer 1996), over ``mask`` where given.

    ``sigma = sqrt(pi/2) / 6 * mean(|I * M|)`` with ``M = [[1,-2,1],[-2,4,-2],[1,-2,1]]`` on the
    grey image; pixels on strong edges (top 10 % of the gradient) are left out. It assumes white
    noise and untextured pixels; the renderer measures the photo's noise with
    :func:`brightroom.portrait.grain.estimate_grain` instead (flat regions, spectrum, level).
    """
    g = np.asarray(image, np.float32)
    if g.ndim == 3:
        g = g.mean(axis=2)
    m = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    resp = np.abs(cv2.filter2D(g, -1, m, borderType=cv2.BORDER_REFLECT))[1:-1, 1:-1]
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0)[1:-1, 1:-1]
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1)[1:-1, 1:-1]
    grad = np.hypot(gx, gy)
    sel = grad <= np.percentile(grad, 90)
    if mask is not None:
        sel &= np.asarray(mask, bool)[1:-1, 1:-1]
    if sel.sum() < 100:
        return 0.0
    return float(math.sqrt(math.pi / 2) / 6 * resp[sel].mean())


@cache
def _noise_tile(seed: int = 7, size: int = 509) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((size, size)).astype(np.float32)


def _noise3(noise: np.ndarray) -> np.ndarray:
    n = np.asarray(noise, np.float32)
    if n.ndim == 2:
        n = n[..., None]
    if n.ndim != 3 or n.shape[2] not in (1, 3):
        raise ParameterError(f"noise tile must be h x w (x 1 or 3), got {n.shape}")
    return np.ascontiguousarray(n)


def _sigma_lut(sigma: float | np.ndarray) -> np.ndarray:
    lut = np.asarray(sigma, np.float32)
    lut = lut.reshape(1, -1) if lut.ndim < 2 else lut
    if lut.ndim != 2 or lut.shape[0] not in (1, 3) or lut.shape[1] == 0 or \
            not np.all(np.isfinite(lut)) or np.any(lut < 0):
        raise ParameterError(f"noise sigma must be >= 0: a value, a LUT or 3 LUTs, got "
                             f"shape {lut.shape}")
    return np.ascontiguousarray(lut)


def _sigma_at(lut: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each channel's grain deviation at ``values`` (``h x w x 3``)."""
    out = np.empty(values.shape, np.float32)
    for c in range(3):
        row = lut[c if lut.shape[0] == 3 else 0]
        if row.size == 1:
            out[..., c] = row[0]
        else:
            out[..., c] = np.interp(np.clip(values[..., c], 0, 1),
                                    np.linspace(0, 1, row.size), row)
    return out


def composite_full(img: np.ndarray, matte: np.ndarray | None, r_w: np.ndarray, b: np.ndarray,
                   best: np.ndarray, nn: np.ndarray, na: np.ndarray, noise: np.ndarray,
                   sigma: float | np.ndarray, r1: float = 1.0, *, fast: bool = True
                   ) -> np.ndarray:
    """Full-resolution composite (NumPy reference; ``fast`` runs the fused numba pass).

    ``w0 = max(1 - |r| / r1, matte)`` is the in-focus weight (``r`` the working-resolution signed
    CoC radius, bilinearly upsampled); the foreground is recovered as
    ``F = max((I - (1 - w0) B_est) / max(w0, 0.05), 0)``; then
    ``o = Nn * Na + (1 - Na) * (B + w0 (F - B))`` and ``out = o + s(I) * n * (1 - w0 (1 -
    Na))``, with ``n`` the (tiled) grain (``h x w``, or ``h x w x 3`` for colour grain) and ``s``
    the grain's deviation of each channel at the photo's own value there (the noise the blur took
    away): ``sigma``, a constant, a LUT over 0..1 for all channels or ``3 x L`` LUTs (linear
    interpolation).
    """
    h, w = img.shape[:2]
    lut = _sigma_lut(sigma)
    if fast:

        out = np.empty((h, w, 3), np.float32)
        m = np.zeros((0, 0), np.float32) if matte is None else np.ascontiguousarray(matte, np.float32)
        return composite_numba(np.ascontiguousarray(img, np.float32), m,
                               np.ascontiguousarray(r_w, np.float32), b, best, nn,
                               np.ascontiguousarray(na, np.float32), _noise3(noise), lut,
                               np.float32(r1), out)

    def up(a: np.ndarray) -> np.ndarray:
        return cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR)

    w0 = np.clip(1 - np.abs(up(r_w)) / r1, 0, 1)
    if matte is not None:
        w0 = np.maximum(w0, matte)
    a = up(na)
    bb, be, nv = up(b), up(best), up(nn)
    f = np.maximum((img - (1 - w0[..., None]) * be) / np.maximum(w0, 0.05)[..., None], 0)
    o = bb + w0[..., None] * (f - bb)
    keep = (w0 >= 1) & (a <= 0)
    o = np.where(keep[..., None], img, o)  # in focus and uncovered: the photo itself
    o = nv * a[..., None] + (1 - a[..., None]) * o
    n3 = _noise3(noise)
    reps = (h // n3.shape[0] + 1, w // n3.shape[1] + 1, 1)
    s = _sigma_at(lut, img) * (1 - w0 * (1 - a))[..., None]
    nz = np.tile(n3, reps)[:h, :w] * s
    return (o + nz).astype(np.float32)


def _boost(lin: np.ndarray, params: BokehParams) -> np.ndarray:
    if params.highlight_gain <= 0:
        return lin
    t = params.highlight_threshold
    y = lin.max(axis=2)
    g = np.clip((y - t) / max(1 - t, 1e-6), 0, None) ** 2
    return lin * (1 + params.highlight_gain * g)[..., None]


def focus_distance_at(depth: np.ndarray, point: tuple[float, float], radius: float = 0.02
                      ) -> float:
    """Depth (median) around ``point`` = ``(x, y)`` in [0, 1] fractions of the frame."""
    h, w = depth.shape
    x, y = point
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise ParameterError(f"focus point {point} must be fractions of the frame in [0, 1]")
    rx, ry = max(1, int(radius * w)), max(1, int(radius * h))
    cx, cy = int(round(x * (w - 1))), int(round(y * (h - 1)))
    patch = depth[max(0, cy - ry):cy + ry + 1, max(0, cx - rx):cx + rx + 1]
    v = patch[np.isfinite(patch) & (patch > 0)]
    if v.size == 0:
        raise ParameterError(f"no valid depth at focus point {point}")
    return float(np.median(v))


def _bbox(mask: np.ndarray, pad: int) -> tuple[slice, slice] | None:
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    h, w = mask.shape
    return (slice(max(0, rows[0] - pad), min(h, rows[-1] + pad + 1)),
            slice(max(0, cols[0] - pad), min(w, cols[-1] + pad + 1)))


def _over_layers(lin_w: np.ndarray, weights: list[np.ndarray], radii: np.ndarray,
                 order: range, lens: LensStyle, additive: bool = False) -> np.ndarray:
    """Blur each layer (cropped to where it has weight) and composite them in ``order``
    (far to near) with premultiplied ``over`` (or a plain sum with ``additive``, which keeps
    full coverage where a pixel is split between neighbouring layers); returns ``h x w x 4``
    (RGB premultiplied, alpha)."""
    h, w = lin_w.shape[:2]
    acc = np.zeros((h, w, 4), np.float32)
    for k in order:
        wk = weights[k]
        rk = abs(float(radii[k]))
        box = _bbox(wk > 0, int(math.ceil(rk * 1.6)) + 2)
        if box is None:
            continue
        ys, xs = box
        wc = wk[ys, xs]
        layer = np.empty(wc.shape + (4,), np.float32)
        np.multiply(lin_w[ys, xs], wc[..., None], out=layer[..., :3])
        layer[..., 3] = wc
        bl = _convolve(layer, rk, lens, (ys.start, xs.start, h, w))
        sub = acc[ys, xs]
        if not additive:
            sub *= 1 - bl[..., 3:4]
        sub += bl
    return acc


def _over_slabs(lin_w: np.ndarray, r_w: np.ndarray, radii: np.ndarray, k0: int,
                lens: LensStyle) -> np.ndarray:
    """Behind-focus layers composited back to front by *slabs*.

    A pixel whose CoC lies between layer radii ``k`` and ``k+1`` is split between the two (tent
    weights ``1-t`` and ``t``); both parts are blurred with their own kernels and *added*
    before the slab is laid ``over`` what is behind it, so a surface split between two layers
    keeps full coverage (a plain per-layer ``over`` would let 25 % of the background through at
    ``t = 1/2``). The part of slab ``k0`` that belongs to the focus layer is left to the
    full-resolution composite.
    """
    h, w = r_w.shape
    acc = np.zeros((h, w, 4), np.float32)
    rr = np.clip(r_w, radii[0], radii[-1])
    idx = np.clip(np.searchsorted(radii, rr) - 1, 0, len(radii) - 2)
    t = ((rr - radii[idx]) / (radii[idx + 1] - radii[idx])).astype(np.float32)
    for j in range(len(radii) - 2, k0 - 1, -1):
        sel = idx == j
        box = _bbox(sel, int(math.ceil(abs(float(radii[j + 1])) * 1.6)) + 2)
        if box is None:
            continue
        ys, xs = box
        sj = sel[ys, xs]
        tj = t[ys, xs]
        slab = np.zeros(sj.shape + (4,), np.float32)
        for k, wk in ((j, np.where(sj, 1 - tj, 0)), (j + 1, np.where(sj, tj, 0))):
            if k == k0 or not wk.any():
                continue
            layer = np.empty(wk.shape + (4,), np.float32)
            np.multiply(lin_w[ys, xs], wk[..., None], out=layer[..., :3])
            layer[..., 3] = wk
            slab += _convolve(layer, abs(float(radii[k])), lens, (ys.start, xs.start, h, w))
        np.clip(slab[..., 3], 0, 1, out=slab[..., 3])
        sub = acc[ys, xs]
        sub *= 1 - slab[..., 3:4]
        sub += slab
    return acc


def _render_layered(lin_w: np.ndarray, r_w: np.ndarray, lens: LensStyle, behind_only: bool
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Working-resolution layers: (B normalised behind-composite, B_est, N premult, N alpha)."""
    h, w = r_w.shape
    rmax = float(np.abs(r_w).max()) if r_w.size else 0.0
    radii = _layer_radii(max(rmax, 1.0))
    k0 = int(np.searchsorted(radii, 0.0))
    weights = _tent_weights(r_w, radii, upto=k0)  # the focus layer and those in front
    # behind the focus plane: back to front, premultiplied over, slab by slab
    acc = _over_slabs(lin_w, r_w, radii, k0, lens)
    # hole filling: normalise; where nothing is behind (alpha ~ 0) use a wide normalised blur
    alpha = acc[..., 3:4]
    b = acc[..., :3] / np.maximum(alpha, 1e-4)
    if float(alpha.min()) < 1e-3:
        # fill from what is at or behind the focus plane (never from the nearer layers)
        w0 = weights[k0][..., None]
        src = acc + np.concatenate([lin_w * w0, w0], axis=2)
        q = max(1, max(h, w) // 64)
        small = cv2.resize(src, (max(1, w // q), max(1, h // q)), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (0, 0), 3.0)
        wide = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        fill = wide[..., :3] / np.maximum(wide[..., 3:4], 1e-6)
        hole = alpha < 1e-3
        b = np.where(hole & (wide[..., 3:4] > 1e-6), fill, b)
        b = np.where(hole & (wide[..., 3:4] <= 1e-6), lin_w, b)
    # background estimate behind the focus layer (for foreground recovery at fractional alpha)
    wb = 1 - weights[k0]
    num = cv2.GaussianBlur(lin_w * wb[..., None], (0, 0), 2.0)
    den = cv2.GaussianBlur(wb, (0, 0), 2.0)[..., None]
    best = np.where(den > 1e-3, num / np.maximum(den, 1e-3), b)
    # in front of the focus plane: front layers over each other (far to near)
    if behind_only:
        nacc = np.zeros((h, w, 4), np.float32)
    else:
        # front layers add up: a near object split between two layers keeps full coverage
        nacc = _over_layers(lin_w, weights, radii, range(k0 - 1, -1, -1), lens, additive=True)
    return (b.astype(np.float32), best.astype(np.float32), nacc[..., :3].copy(),
            nacc[..., 3].astype(np.float32))


def _prepare(image: Image | np.ndarray, depth: np.ndarray, params: BokehParams,
             focus_distance: float | None) -> tuple[np.ndarray, bool, float]:
    data = image if isinstance(image, np.ndarray) else image.data
    if not isinstance(data, np.ndarray) or data.ndim != 3 or data.shape[2] != 3:
        raise ParameterError(f"bokeh needs an H x W x 3 image, got {getattr(data, 'shape', None)}")
    d = np.asarray(depth, np.float32)
    if d.ndim != 2 or d.size == 0:
        raise ParameterError(f"depth must be a 2-D map, got shape {d.shape}")
    linear = (not isinstance(image, np.ndarray)) and image.transfer == "linear"
    zf = focus_distance if focus_distance is not None else params.focus_distance
    if zf is None:
        v = d[np.isfinite(d) & (d > 0)]
        if v.size == 0:
            raise ParameterError("depth map has no valid (finite, positive) value")
        zf = float(np.percentile(v, 10))
    return np.asarray(data, np.float32), linear, float(zf)


def _bokeh_layered(image: Image | np.ndarray, depth: np.ndarray, params: BokehParams, *,
                   matte: np.ndarray | None = None, focus_distance: float | None = None,
                   fast: bool = True, seed: int = 7) -> np.ndarray:
    data, linear, zf = _prepare(image, depth, params, focus_distance)
    h, w = data.shape[:2]
    s = max(1, math.ceil(max(h, w) / params.working_size))
    ws, hs = max(1, w // s), max(1, h // s)
    small = data if s == 1 else cv2.resize(data, (ws, hs), interpolation=cv2.INTER_AREA)
    lin_w = small if linear else srgb_decode(small)
    lin_w = _boost(lin_w, params)
    d_w = cv2.resize(np.nan_to_num(depth.astype(np.float32), nan=1e9, posinf=1e9),
                     (ws, hs), interpolation=cv2.INTER_NEAREST if depth.shape[1] >= ws
                     else cv2.INTER_LINEAR)
    r_w = coc_radius_px(d_w, params, w, zf) / s
    m_w = None
    if matte is not None:
        m = np.asarray(matte, np.float32)
        if m.shape != (h, w):
            raise ParameterError(f"matte shape {m.shape} differs from the image {(h, w)}")
        m_w = m if s == 1 else cv2.resize(m, (ws, hs), interpolation=cv2.INTER_AREA)
        # the matte's subject is the focus layer (its fractional edge is mixed at full
        # resolution by the matte itself): no CoC inside it, and no intermediate layers
        r_w = np.where(m_w >= 0.5, np.float32(0), r_w).astype(np.float32)
    b, best, n_pre, n_a_sum = _render_layered(lin_w, r_w, params.lens, False)
    nn = n_pre / np.maximum(n_a_sum, 1.0)[..., None]
    n_a = np.clip(n_a_sum, 0, 1)
    nn = nn / np.maximum(n_a, 1e-4)[..., None]
    if not linear:  # full-resolution composite in the file's (display) encoding
        b, best, nn = (np.clip(srgb_encode(x), 0, None) for x in (b, best, nn))
    sigma: float | np.ndarray = 0.0
    noise = _noise_tile(seed)
    if params.noise:
        model = estimate_grain(data)
        if not model.empty:
            sigma, noise = model.levels, grain_tile(model, seed=seed)
    out = composite_full(data, matte, r_w, b, best, nn, n_a, noise, sigma, 1.0, fast=fast)
    return out


def _bokeh_naive(image: Image | np.ndarray, depth: np.ndarray, params: BokehParams, *,
                 matte: np.ndarray | None = None, focus_distance: float | None = None,
                 fast: bool = True, seed: int = 7) -> np.ndarray:
    data, linear, zf = _prepare(image, depth, params, focus_distance)
    h, w = data.shape[:2]
    lin = data if linear else srgb_decode(data)
    d = cv2.resize(np.nan_to_num(depth.astype(np.float32), nan=1e9), (w, h),
                   interpolation=cv2.INTER_LINEAR)
    r = np.abs(coc_radius_px(d, params, w, zf))
    radii = _layer_radii(max(float(r.max()), 1.0))
    radii = radii[radii >= 0]
    wts = _tent_weights(r, radii)
    out = np.zeros_like(lin)
    for k, rk in enumerate(radii):
        if wts[k].any():
            out += _convolve(lin, float(rk), params.lens, (0, 0, h, w)) * wts[k][..., None]
    return out if linear else srgb_encode(out)


BOKEH_METHODS: Methods[Callable[..., np.ndarray]] = Methods("bokeh")
"""Defocus renderers by name: ``f(image, depth, params, *, matte, focus_distance, fast) -> rgb``.

``"layered"`` (default) and ``"naive"`` (the baseline that shows the halo); neither is a single
paper's method, so both keep descriptive keys (case and ``-``/``_``/space ignored)."""
BOKEH_METHODS.register(
    "layered", _bokeh_layered,
    cite="Occlusion-aware layered gather after Lee, S., Kim, G. J., Choi, S. (2009), Real-time "
         "depth-of-field rendering using anisotropically filtered mipmap interpolation, IEEE "
         "TVCG 15(3), and Wadhwa, N. et al. (2018), Synthetic depth-of-field with a "
         "single-camera mobile phone, ACM TOG 37(4), 64; thin-lens CoC (Potmesil & "
         "Chakravarty 1981).")
BOKEH_METHODS.register(
    "naive", _bokeh_naive,
    cite="Per-pixel choice among whole-image blurs (no layering): the baseline that halos.")
BOKEH_METHODS.freeze()


def render_bokeh(image: Image | np.ndarray, depth: np.ndarray, *,
                 params: BokehParams | None = None, matte: np.ndarray | None = None,
                 focus_distance: float | None = None, method: str = "layered",
                 fast: bool = True) -> Image | np.ndarray:
    """Render synthetic defocus.

    Parameters
    ----------
    image
        :class:`~brightroom.types.Image` (linear or display-encoded sRGB), or a display-encoded
        float32 ``H x W x 3`` array.
    depth
        float32 depth map in metres, any resolution with the picture's aspect ratio (``nan`` or
        ``inf`` = far).
    params
        :class:`BokehParams`.
    matte
        Optional ``H x W`` subject alpha (segmentation); the subject stays sharp with its
        fractional edges.
    focus_distance
        Overrides ``params.focus_distance``; with neither, the 10th depth percentile.
    method
        A key of :data:`BOKEH_METHODS` (case ignored): ``"layered"`` or ``"naive"``.
    fast
        Use the numba composite (same result as the NumPy one).

    Returns
    -------
    Image or numpy.ndarray
        Same type, space and encoding as ``image``.
    """
    params = params or BokehParams()
    out = BOKEH_METHODS.get(method)(image, depth, params, matte=matte,
                                    focus_distance=focus_distance, fast=fast)
    if isinstance(image, np.ndarray):
        return out
    return image.replace(data=np.ascontiguousarray(out, np.float32))


def refocus(image: Image | np.ndarray, depth: np.ndarray, point: tuple[float, float], *,
            params: BokehParams | None = None, matte: np.ndarray | None = None,
            method: str = "layered") -> Image | np.ndarray:
    """Re-render with the focus at ``point`` = ``(x, y)`` fractions of the frame.

    The matte (if any) is kept sharp only when the point lies on it.
    """
    params = params or BokehParams()
    zf = focus_distance_at(np.asarray(depth, np.float32), point)
    if matte is not None:
        h, w = matte.shape
        if matte[int(round(point[1] * (h - 1))), int(round(point[0] * (w - 1)))] < 0.5:
            matte = None
    return render_bokeh(image, depth, params=replace(params, focus_distance=zf), matte=matte,
                        method=method)
