"""Hand-held multi-frame super-resolution from a raw Bayer burst (Wronski et al. 2019).

Natural hand tremor moves every frame of a burst by a fraction of a pixel, so that together the
frames sample the scene more finely than one frame. This module merges the CFA samples of all
frames directly onto an output grid of 1x (a demosaic replacement: no colour interpolation
artefacts) to 3x the sensor's resolution:

1. **Alignment** (section 5.1): the HDR+ coarse-to-fine tile search of :mod:`.align` on the
   2 x 2-averaged grey image, refined to sub-pixel accuracy per tile by Lucas-Kanade
   iterations (:func:`refine_flow`: Gauss-Newton on the tile's squared difference, with the
   reference's gradients standing in for the frame's, Baker & Matthews 2004). The tile flow is
   interpolated bilinearly between tile centres.
2. **Kernels** (section 5.2): the reference's local structure tensor (gradients of the grey
   image, 3 x 3 Gaussian-weighted) gives per pixel an anisotropic Gaussian kernel, stretched
   along edges (``k_stretch``, by the anisotropy ``A = 1 + sqrt((l1 - l2) / (l1 + l2))``) and
   shrunk across them (``k_shrink``), widened to a denoising kernel where the gradient is
   below the noise (``D = clip(1 - sqrt(l1) / D_tr + D_th, 0, 1)``) (:func:`kernel_covariances`).
3. **Robustness** (section 5.3): per frame and pixel, the 3 x 3 local means of the colour
   cells of the reference and of the aligned frame are compared, their difference normalised
   by the noise model's deviation of such a difference (and the reference's local deviation,
   which aliasing brings, ``texture`` times); ``R = clip(s exp(-d^2 / 2) - t, 0, 1)``, then the
   5 x 5 local minimum (:func:`robustness`), so that moving objects and misaligned tiles are
   left to the reference alone (no ghosts).
4. **Accumulation** (section 5): every output pixel gathers, in each frame, the CFA samples of
   the 3 x 3 pixels around its aligned position, each weighted by the kernel of its offset and
   the frame's robustness, per colour channel; the colour is the weighted mean
   (:func:`accumulate`). By default (``ref_demosaic``) the samples' *residuals* from the
   reference's single-frame demosaic are merged instead and added back to it (residual
   interpolation, Kiku et al. 2013): where every other frame is rejected the result is the
   best single-frame demosaic, and elsewhere the kernel regression corrects it with the
   burst's samples (a departure from the paper, whose plain kernel regression of colours is
   bilinear-like where few samples fall; measured in ``benchmarks/bench_zoom.py``).

The NumPy functions here are the reference; :mod:`._wronski2019_numba` is the fast path of
:func:`refine_flow` and :func:`accumulate`, tested against them.

Coordinates: mosaic pixel ``(i, j)`` has its centre at ``(i, j)``; grey pixel ``(u, v)`` (the
mean of mosaic cell ``2u..2u+1, 2v..2v+1``) at mosaic ``(2u + 0.5, 2v + 0.5)``. An output grid
of scale ``s`` over a region with top-left mosaic corner ``(y0, x0)`` puts its pixel ``(k, l)``
at mosaic ``(y0 + (k + 0.5) / s - 0.5, x0 + (l + 0.5) / s - 0.5)``, the convention of
``cv2.resize`` (pixel areas scale about the corner).

References
----------
Wronski, B., Garcia-Dorado, I., Ernst, M., Kelly, D., Krainin, M., Liang, C.-K., Levoy, M.,
Milanfar, P. (2019). Handheld multi-frame super-resolution. ACM Transactions on Graphics
38(4), 28 (sections 4-5).
Baker, S., Matthews, I. (2004). Lucas-Kanade 20 years on: a unifying framework. IJCV 56(3),
221-255.
Kiku, D., Monno, Y., Tanaka, M., Okutomi, M. (2013). Residual interpolation for color image
demosaicking. IEEE ICIP 2013, 2304-2308.
Takeda, H., Farsiu, S., Milanfar, P. (2007). Kernel regression for image processing and
reconstruction. IEEE TIP 16(2), 349-366 (steering kernels from the structure tensor).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from brightroom.burst._wronski2019_numba import accumulate_numba, refine_flow_numba
from brightroom.burst.align import TileGrid, _use_numba
from brightroom.develop.demosaic import DEMOSAIC_METHODS, demosaic
from brightroom.errors import ParameterError
from brightroom.types import CFAPattern

__all__ = [
    "WronskiParams",
    "refine_flow",
    "refine_flow_numpy",
    "flow_at",
    "flow_field",
    "cell_rgb",
    "kernel_covariances",
    "robustness",
    "accumulate",
    "accumulate_numpy",
    "reference_prior",
]


@dataclass(frozen=True)
class WronskiParams:
    """Parameters of the merge (section 5 and table 1 of Wronski et al. 2019).

    Distances are in mosaic pixels, intensities in the mosaic's normalised units.

    Attributes
    ----------
    k_detail
        Kernel standard deviation on detail (``k_detail`` of the paper, there 0.25-0.33 of a
        grey pixel, i.e. about 0.6 mosaic pixels).
    k_denoise
        Factor widening the kernel where the gradient is below the noise (paper 3-5).
    d_th, d_tr
        Offset and scale of the denoising ramp ``D = clip(1 - sqrt(l1) / d_tr + d_th, 0, 1)``
        (``sqrt(l1)`` is the local gradient magnitude of the grey image); ``d_tr`` is raised to
        ``noise_tr`` times the noise deviation of a gradient when that is larger.
    k_stretch, k_shrink
        Along-edge stretch and across-edge shrink of the kernel (paper 4 and 2).
    min_sigma
        Floor of the kernel's standard deviation on both axes (keeps weights representable).
    noise_tr
        See ``d_tr``.
    lk_iterations
        Lucas-Kanade iterations per tile (0: the coarse search's quadratic fit only).
    robust_s, robust_t
        ``R = clip(s exp(-d^2 / 2) - t, 0, 1)`` (paper: s in 2..4, t 0.12).
    tolerance
        Robustness distance in noise deviations: ``d`` is the 3 x 3 mean difference divided by
        ``tolerance`` times its expected deviation.
    texture
        Share of the reference's local variance added to that expectation (aliasing makes
        aligned textures differ locally; 0 trusts only the noise model).
    robust_window
        Side of the local minimum filter over the robustness map (grey pixels; 1: none).
    robust_box
        Side of the box over which the local means are compared (grey pixels; the paper's 3).
        Larger boxes average the aliasing of a static texture away while a moving object's
        difference remains.
    motion_box, motion_tolerance
        A second, coarse test of the same kind over ``motion_box`` grey pixels (0: off), with
        the noise model alone (no texture allowance) and ``motion_tolerance`` deviations:
        aliasing averages out over such a box, a moving object's colour does not, so a texture
        allowance at the fine scale (``texture``) no longer lets moving textures through. The
        two agreements multiply (our addition to the paper's fine-scale test, which relies on
        a motion prior from the flow field instead). The default tolerance (0.8, tuned on
        ``benchmarks/bench_zoom.py``'s moving subjects) is strict: frames that differ from the
        reference by noise alone keep a robustness of about 0.6 rather than 1, which costs some
        denoising; 1.5 merges more (up to +0.6 dB at 2x) but leaves ghosts of moving textures.
    motion_floor
        Relative deviation always allowed in the coarse test (``motion_floor`` times the local
        mean): residual misalignment and aliasing that noise does not hide at low ISO.
    ref_demosaic
        The prior of the residual merge (see :func:`accumulate_numpy`): the reference's
        single-frame demosaic by this method of
        :data:`~brightroom.develop.demosaic.DEMOSAIC_METHODS` (gamma domain, cubic onto the
        output grid); ``"none"``: the paper's plain kernel regression of the samples.
    backend
        ``"auto"`` (numba when importable), ``"numba"`` or ``"numpy"`` (the reference).
    """

    VERSION = 1
    k_detail: float = 0.5
    k_denoise: float = 3.0
    d_th: float = 0.005
    d_tr: float = 0.002
    k_stretch: float = 4.0
    k_shrink: float = 2.0
    min_sigma: float = 0.3
    noise_tr: float = 3.0
    lk_iterations: int = 3
    robust_s: float = 2.0
    robust_t: float = 0.12
    tolerance: float = 2.0
    texture: float = 0.25
    robust_window: int = 5
    robust_box: int = 3
    motion_box: int = 7
    motion_tolerance: float = 0.8
    motion_floor: float = 0.01
    ref_demosaic: str = "kiku2014"
    backend: str = "auto"

    def __post_init__(self) -> None:
        def rng(name: str, lo: float, hi: float) -> None:
            v = getattr(self, name)
            if not (lo <= float(v) <= hi):
                raise ParameterError(f"super-resolution {name} {v!r} is outside {lo}..{hi}")
        rng("k_detail", 0.1, 4.0)
        rng("k_denoise", 1.0, 10.0)
        rng("d_th", 0.0, 1.0)
        rng("d_tr", 1e-4, 1.0)
        rng("k_stretch", 1.0, 10.0)
        rng("k_shrink", 1.0, 10.0)
        rng("min_sigma", 0.05, 2.0)
        rng("noise_tr", 0.0, 20.0)
        rng("lk_iterations", 0, 10)
        rng("robust_s", 0.5, 10.0)
        rng("robust_t", 0.0, 1.0)
        rng("tolerance", 0.1, 20.0)
        rng("texture", 0.0, 10.0)
        rng("robust_window", 1, 15)
        rng("robust_box", 3, 15)
        rng("motion_box", 0, 31)
        rng("motion_tolerance", 0.1, 50.0)
        rng("motion_floor", 0.0, 1.0)
        if self.ref_demosaic != "none":
            DEMOSAIC_METHODS.canonical(self.ref_demosaic)
        if (int(self.lk_iterations) != self.lk_iterations or int(self.robust_window) % 2 != 1
                or int(self.robust_box) % 2 != 1 or (self.motion_box > 1 and self.motion_box % 2 != 1)):
            raise ParameterError("lk_iterations must be an integer, robust_window and "
                                 "robust_box odd")
        if self.backend not in ("auto", "numba", "numpy"):
            raise ParameterError(f"super-resolution backend {self.backend!r} is not auto, "
                                 "numba or numpy")


# ------------------------------------------------------------------------------ alignment


def _bilinear(img: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``img`` sampled at float coordinates (edge-clamped), float64."""
    h, w = img.shape
    y = np.clip(y, 0.0, h - 1.0)
    x = np.clip(x, 0.0, w - 1.0)
    y0 = np.minimum(np.floor(y).astype(np.int64), h - 2 if h > 1 else 0)
    x0 = np.minimum(np.floor(x).astype(np.int64), w - 2 if w > 1 else 0)
    fy = y - y0
    fx = x - x0
    y1 = np.minimum(y0 + 1, h - 1)
    x1 = np.minimum(x0 + 1, w - 1)
    a = img[y0, x0].astype(np.float64)
    b = img[y0, x1].astype(np.float64)
    c = img[y1, x0].astype(np.float64)
    d = img[y1, x1].astype(np.float64)
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy


def _gradients(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Central-difference gradients ``(gy, gx)`` (one-sided at the borders), float32."""
    gy, gx = np.gradient(img.astype(np.float32))
    return gy.astype(np.float32), gx.astype(np.float32)


def refine_flow_numpy(ref: np.ndarray, alt: np.ndarray, grid: TileGrid, flow: np.ndarray,
                      iterations: int) -> np.ndarray:
    """Lucas-Kanade refinement of a per-tile translation (NumPy reference).

    Parameters
    ----------
    ref, alt
        Padded grey images (``grid.padded_shape``), float32.
    grid
        The tiles.
    flow
        ``ny x nx x 2`` float32 ``(dy, dx)``: ``alt[y + dy, x + dx]`` matches ``ref[y, x]``.
    iterations
        Gauss-Newton steps; each solves ``H delta = sum g (ref - alt(y + flow))`` with the
        reference's gradient ``g`` and ``H = sum g g^T`` over the tile (the reference's
        gradient stands in for the warped frame's, so ``H`` is computed once), the step
        clipped to one pixel per axis; a tile whose ``H`` is singular keeps its flow.

    Returns
    -------
    numpy.ndarray
        The refined ``ny x nx x 2`` float32 flow.
    """
    t, s = grid.tile, grid.step
    ny, nx = grid.ny, grid.nx
    gy, gx = _gradients(ref)
    win = np.lib.stride_tricks.sliding_window_view
    r_t = win(ref, (t, t))[::s, ::s][:ny, :nx].astype(np.float64)
    gy_t = win(gy, (t, t))[::s, ::s][:ny, :nx].astype(np.float64)
    gx_t = win(gx, (t, t))[::s, ::s][:ny, :nx].astype(np.float64)
    hyy = (gy_t * gy_t).sum(axis=(2, 3))
    hxx = (gx_t * gx_t).sum(axis=(2, 3))
    hxy = (gx_t * gy_t).sum(axis=(2, 3))
    det = hyy * hxx - hxy * hxy
    ok = det > 1e-12 * np.maximum((hyy + hxx) ** 2, 1e-300)
    safe = np.where(ok, det, 1.0)
    yy = (np.arange(ny) * s)[:, None, None, None] + np.arange(t)[None, None, :, None]
    xx = (np.arange(nx) * s)[None, :, None, None] + np.arange(t)[None, None, None, :]
    f = flow.astype(np.float64).copy()
    for _ in range(int(iterations)):
        a = _bilinear(alt, yy + f[:, :, 0, None, None], xx + f[:, :, 1, None, None])
        e = r_t - a
        by = (gy_t * e).sum(axis=(2, 3))
        bx = (gx_t * e).sum(axis=(2, 3))
        # delta moves the warped alternate towards the reference: alt(y + f + delta) ~= ref
        ddy = (hxx * by - hxy * bx) / safe
        ddx = (hyy * bx - hxy * by) / safe
        f[:, :, 0] += np.where(ok, np.clip(ddy, -1.0, 1.0), 0.0)
        f[:, :, 1] += np.where(ok, np.clip(ddx, -1.0, 1.0), 0.0)
    return f.astype(np.float32)


def refine_flow(ref: np.ndarray, alt: np.ndarray, grid: TileGrid, flow: np.ndarray,
                iterations: int, *, backend: str = "auto") -> np.ndarray:
    """:func:`refine_flow_numpy`, through the numba kernel unless ``backend="numpy"``."""
    if iterations <= 0:
        return flow.astype(np.float32)
    if _use_numba(backend):
        gy, gx = _gradients(ref)
        return refine_flow_numba(np.ascontiguousarray(ref, np.float32),
                                 np.ascontiguousarray(alt, np.float32), gy, gx,
                                 grid.tile, grid.step, grid.ny, grid.nx,
                                 np.ascontiguousarray(flow, np.float32), int(iterations))
    return refine_flow_numpy(ref, alt, grid, flow, iterations)


def flow_at(flow: np.ndarray, grid: TileGrid, gy: np.ndarray, gx: np.ndarray) -> np.ndarray:
    """Tile flow interpolated bilinearly at grey coordinates ``(gy, gx)`` (tile centres at
    multiples of ``grid.step``); returns ``... x 2`` float64 in grey pixels."""
    s = grid.step
    fy = np.clip(np.asarray(gy, np.float64) / s, 0.0, grid.ny - 1.0)
    fx = np.clip(np.asarray(gx, np.float64) / s, 0.0, grid.nx - 1.0)
    out = np.empty(np.broadcast(fy, fx).shape + (2,))
    for c in range(2):
        out[..., c] = _bilinear(flow[:, :, c], fy, fx)
    return out


def flow_field(flow: np.ndarray, grid: TileGrid, shape: tuple[int, int]) -> np.ndarray:
    """:func:`flow_at` at every grey pixel of ``shape``: ``h x w x 2`` float32.

    The same bilinear interpolation between tile centres, by OpenCV's ``remap`` (its weights
    are quantised to 1/32 of a tile step, a flow error below 1/32 of the flow's change from
    one tile to the next).
    """
    h, w = shape
    s = float(grid.step)
    my = np.ascontiguousarray(np.broadcast_to((np.arange(h, dtype=np.float32) / s)[:, None],
                                              (h, w)))
    mx = np.ascontiguousarray(np.broadcast_to((np.arange(w, dtype=np.float32) / s)[None, :],
                                              (h, w)))
    f = np.ascontiguousarray(flow, np.float32)
    out = cv2.remap(f, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out.reshape(h, w, 2)


# ------------------------------------------------------------------------------ kernels


def cell_rgb(cfa: np.ndarray, tile: np.ndarray) -> np.ndarray:
    """``H/2 x W/2 x 3`` float32 colour of each 2 x 2 Bayer cell (the two greens averaged)."""
    h, w = cfa.shape
    hh, ww = h // 2, w // 2
    out = np.zeros((hh, ww, 3), np.float32)
    cnt = np.zeros(3, np.float32)
    for i in range(2):
        for j in range(2):
            c = int(tile[i, j])
            out[:, :, c] += cfa[i: 2 * hh: 2, j: 2 * ww: 2]
            cnt[c] += 1
    return out / cnt


def kernel_covariances(gray: np.ndarray, params: WronskiParams,
                       noise_sigma: float = 0.0) -> np.ndarray:
    """Inverse kernel covariances from the structure tensor of the reference's grey image.

    Parameters
    ----------
    gray
        ``h x w`` grey image (2 x 2 cell means) of the reference.
    params
        :class:`WronskiParams`.
    noise_sigma
        Noise standard deviation of a grey pixel (raises the denoising threshold).

    Returns
    -------
    numpy.ndarray
        ``3 x h x w`` float32 ``(a, b, c)``: the kernel of offset ``(dy, dx)`` (mosaic pixels)
        is ``exp(-(a dy^2 + 2 b dy dx + c dx^2) / 2)``.
    """
    gy, gx = _gradients(gray)
    gy = gy * np.float32(0.5)  # per mosaic pixel (grey pixels are 2 mosaic pixels wide)
    gx = gx * np.float32(0.5)
    k = (3, 3)
    txx = cv2.GaussianBlur(gx * gx, k, 0.8, borderType=cv2.BORDER_REFLECT).astype(np.float64)
    tyy = cv2.GaussianBlur(gy * gy, k, 0.8, borderType=cv2.BORDER_REFLECT).astype(np.float64)
    txy = cv2.GaussianBlur(gx * gy, k, 0.8, borderType=cv2.BORDER_REFLECT).astype(np.float64)
    tr = txx + tyy
    disc = np.sqrt(np.maximum((txx - tyy) ** 2 + 4 * txy * txy, 0.0))
    l1 = 0.5 * (tr + disc)
    l2 = np.maximum(0.5 * (tr - disc), 0.0)
    # e1: the dominant gradient direction (across the edge), as (y, x)
    e1x = 2 * txy
    e1y = tyy - txx + disc
    nrm = np.hypot(e1x, e1y)
    flat = nrm < 1e-20
    e1x = np.where(flat, 1.0, e1x / np.where(flat, 1.0, nrm))
    e1y = np.where(flat, 0.0, e1y / np.where(flat, 1.0, nrm))
    aniso = 1.0 + np.sqrt(np.where(l1 + l2 > 1e-20, (l1 - l2) / np.maximum(l1 + l2, 1e-20), 0.0))
    # gradient of a grey pixel from noise alone: central difference of two pixels / 2, per
    # mosaic pixel another / 2
    d_tr = max(params.d_tr, params.noise_tr * noise_sigma * 0.5 / np.sqrt(2.0))
    d = np.clip(1.0 - np.sqrt(l1) / d_tr + params.d_th, 0.0, 1.0)
    kd = params.k_detail
    across = kd / (params.k_shrink * aniso)
    along = kd * params.k_stretch * aniso
    # detail kernels only where the structure is strong: anisotropy fades with D
    s1 = (1 - d) * across + d * kd * params.k_denoise
    s2 = (1 - d) * along + d * kd * params.k_denoise
    s1 = np.maximum(s1, params.min_sigma)
    s2 = np.maximum(s2, params.min_sigma)
    # covariance = s1^2 e1 e1^T + s2^2 e2 e2^T, e2 = (-e1x, e1y) rotated; inverse likewise
    i1 = 1.0 / (s1 * s1)
    i2 = 1.0 / (s2 * s2)
    a = i1 * e1y * e1y + i2 * e1x * e1x
    c = i1 * e1x * e1x + i2 * e1y * e1y
    b = (i1 - i2) * e1y * e1x
    return np.stack([a, b, c]).astype(np.float32)


def _agreement(ref_rgb: np.ndarray, alt_rgb: np.ndarray, noise_var: np.ndarray, n_box: int,
               texture: float, tolerance: float, params: WronskiParams,
               floor: float = 0.0) -> np.ndarray:
    """``clip(s exp(-d^2 / 2) - t, 0, 1)`` from the ``n_box`` local means' difference."""
    box = (n_box, n_box)
    mu_r = cv2.blur(ref_rgb, box, borderType=cv2.BORDER_REFLECT)
    mu_a = cv2.blur(alt_rgb, box, borderType=cv2.BORDER_REFLECT)
    nv_s = noise_var[0].astype(np.float32)[None, None, :]
    nv_o = noise_var[1].astype(np.float32)[None, None, :]
    # the difference of two n x n means of independent noise: 2 var / n^2
    expect = (nv_s * np.maximum(mu_r, np.float32(0.0)) + nv_o) * np.float32(2.0 / (n_box * n_box))
    if floor > 0:
        expect = expect + (np.float32(floor) * mu_r) ** 2
    if texture > 0:
        var_r = np.maximum(cv2.blur(ref_rgb * ref_rgb, box, borderType=cv2.BORDER_REFLECT)
                           - mu_r * mu_r, 0.0)
        expect = expect + np.float32(texture) * var_r
    d = mu_r - mu_a
    d2 = d * d / (np.float32(tolerance ** 2) * np.maximum(expect, np.float32(1e-12)))
    m = d2.sum(axis=2) * np.float32(-0.5 / 3.0)
    r = np.float32(params.robust_s) * np.exp(m) - np.float32(params.robust_t)
    return np.clip(r, np.float32(0.0), np.float32(1.0))


def robustness(ref_rgb: np.ndarray, alt_rgb: np.ndarray, noise_var: np.ndarray,
               params: WronskiParams) -> np.ndarray:
    """Robustness ``R`` in [0, 1] of an aligned frame, per grey pixel.

    Parameters
    ----------
    ref_rgb, alt_rgb
        ``h x w x 3`` cell colours (:func:`cell_rgb`) of the reference and of the other frame
        resampled onto the reference (its aligned cells).
    noise_var
        ``(scale, offset)`` as a ``2 x 3`` array: the variance of a cell colour at level ``x``
        is ``scale * x + offset`` per channel.
    params
        :class:`WronskiParams`.

    Returns
    -------
    numpy.ndarray
        ``h x w`` float32.
    """
    r = _agreement(ref_rgb, alt_rgb, noise_var, int(params.robust_box), params.texture,
                   params.tolerance, params)
    if params.motion_box > 1:
        r = r * _agreement(ref_rgb, alt_rgb, noise_var, int(params.motion_box), 0.0,
                           params.motion_tolerance, params, params.motion_floor)
    r = r.astype(np.float32)
    n = int(params.robust_window)
    if n > 1:
        r = cv2.erode(r, np.ones((n, n), np.uint8), borderType=cv2.BORDER_REFLECT)
    return r


# ------------------------------------------------------------------------------ accumulation


def _out_coords(n: int, origin: float, scale: float) -> np.ndarray:
    return origin + (np.arange(n) + 0.5) / scale - 0.5


def reference_prior(cfa: np.ndarray, pattern: CFAPattern, method: str,
                    origin: tuple[float, float], scale: float, shape: tuple[int, int]
                    ) -> np.ndarray:
    """The reference's single-frame demosaic on the output grid (``Ho x Wo x 3`` float32).

    Demosaiced with ``method`` in the gamma domain, then interpolated (cubic) at the output
    pixels' mosaic coordinates; at scale 1 over the whole frame it is the demosaic itself.
    """
    rgb = demosaic(cfa, pattern, method=method, domain="gamma")
    ho, wo = shape
    my = _out_coords(ho, origin[0], scale).astype(np.float32)
    mx = _out_coords(wo, origin[1], scale).astype(np.float32)
    if scale == 1.0 and float(origin[0]).is_integer() and float(origin[1]).is_integer():
        y0, x0 = int(origin[0]), int(origin[1])
        if y0 + ho <= rgb.shape[0] and x0 + wo <= rgb.shape[1]:
            return np.ascontiguousarray(rgb[y0:y0 + ho, x0:x0 + wo])
    mapx = np.ascontiguousarray(np.broadcast_to(mx[None, :], (ho, wo)))
    mapy = np.ascontiguousarray(np.broadcast_to(my[:, None], (ho, wo)))
    return cv2.remap(rgb, mapx, mapy, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def accumulate_numpy(cfa: np.ndarray, tile: np.ndarray, flow: np.ndarray, grid: TileGrid,
                     rob: np.ndarray | None, omega: np.ndarray, origin: tuple[float, float],
                     scale: float, num: np.ndarray, den: np.ndarray,
                     prior: np.ndarray | None = None) -> None:
    """Add one frame's weighted CFA samples to ``num`` and ``den`` (NumPy reference).

    Parameters
    ----------
    cfa
        The frame's ``H x W`` mosaic.
    tile
        ``2 x 2`` colour index (0 R, 1 G, 2 B) of the mosaic's top-left cell.
    flow
        ``ny x nx x 2`` tile flow in grey pixels (``None``-like zeros for the reference).
    grid
        The tiles of ``flow``.
    rob
        ``h x w`` robustness of the frame per grey pixel, or ``None`` (1 everywhere).
    omega
        ``3 x h x w`` inverse kernel covariances (:func:`kernel_covariances`).
    origin
        Mosaic ``(y0, x0)`` of the output region's top-left corner (see the module notes).
    scale
        Output pixels per mosaic pixel.
    num, den
        ``Ho x Wo x 3`` float32 accumulators, updated in place.
    prior
        Optional ``Ho x Wo x 3`` estimate on the output grid (:func:`reference_prior`): a
        sample then contributes its *residual* ``value - prior(sample position)`` (the prior
        interpolated bilinearly where the sample lies in the reference), and the result is
        ``prior + num / den``. Residuals are far smoother than the signal, so the kernel
        regression's error (gradient times the distance to the sample) nearly vanishes; this is
        residual interpolation (Kiku et al. 2013) applied to the burst.
    """
    h, w = cfa.shape
    ho, wo = num.shape[:2]
    hh, ww = omega.shape[1:]
    py = _out_coords(ho, origin[0], scale)[:, None] * np.ones((1, wo))
    px = _out_coords(wo, origin[1], scale)[None, :] * np.ones((ho, 1))
    # the grey pixel holding each output position: kernels and robustness
    gu = np.clip(np.rint((py - 0.5) / 2), 0, hh - 1).astype(np.int64)
    gv = np.clip(np.rint((px - 0.5) / 2), 0, ww - 1).astype(np.int64)
    a, b, c = omega[0][gu, gv], omega[1][gu, gv], omega[2][gu, gv]
    rw = np.ones((ho, wo), np.float32) if rob is None else rob[gu, gv]
    f = flow_at(flow, grid, (py - 0.5) / 2, (px - 0.5) / 2) * 2.0  # mosaic pixels
    ay = py + f[..., 0]
    ax = px + f[..., 1]
    qy0 = np.rint(ay).astype(np.int64)
    qx0 = np.rint(ax).astype(np.int64)
    for dy in (-1, 0, 1):
        qy = np.clip(qy0 + dy, 0, h - 1)
        for dx in (-1, 0, 1):
            qx = np.clip(qx0 + dx, 0, w - 1)
            ey = (qy - ay).astype(np.float32)
            ex = (qx - ax).astype(np.float32)
            wgt = np.exp(-0.5 * (a * ey * ey + 2 * b * ey * ex + c * ex * ex)) * rw
            ch = tile[qy % 2, qx % 2]
            val = cfa[qy, qx].astype(np.float64)
            if prior is not None:
                oy = (qy - f[..., 0] - origin[0] + 0.5) * scale - 0.5
                ox = (qx - f[..., 1] - origin[1] + 0.5) * scale - 0.5
                for k in range(3):
                    sel = ch == k
                    val = np.where(sel, val - _bilinear(prior[..., k], oy, ox), val)
            for k in range(3):
                sel = ch == k
                num[..., k] += np.where(sel, wgt * val, 0.0).astype(np.float32)
                den[..., k] += np.where(sel, wgt, 0.0).astype(np.float32)


def accumulate(cfa: np.ndarray, tile: np.ndarray, flow: np.ndarray, grid: TileGrid,
               rob: np.ndarray | None, omega: np.ndarray, origin: tuple[float, float],
               scale: float, num: np.ndarray, den: np.ndarray, *,
               prior: np.ndarray | None = None, backend: str = "auto") -> None:
    """:func:`accumulate_numpy`, through the numba kernel unless ``backend="numpy"``."""
    if _use_numba(backend):
        r = np.ones((1, 1), np.float32) if rob is None else np.ascontiguousarray(rob, np.float32)
        pr = (np.zeros((1, 1, 3), np.float32) if prior is None
              else np.ascontiguousarray(prior, np.float32))
        accumulate_numba(np.ascontiguousarray(cfa, np.float32),
                         np.ascontiguousarray(tile, np.int64),
                         np.ascontiguousarray(flow, np.float32), grid.step, r, rob is not None,
                         np.ascontiguousarray(omega, np.float32), float(origin[0]),
                         float(origin[1]), float(scale), pr, prior is not None, num, den)
        return
    accumulate_numpy(cfa, tile, flow, grid, rob, omega, origin, scale, num, den, prior)

