"""Look transfer: give a photo the colour statistics of a reference photo.

Methods (:data:`TRANSFER_METHODS`, a :class:`~brightroom.methods.Methods` registry: case and
``-``/``_``/space ignored):

``reinhard2001``: both images go to Ruderman's decorrelated l-alpha-beta space (linear RGB to
LMS cone responses, log10, then an orthogonal opponent transform); each channel of the source is
shifted and scaled so that its mean and standard deviation match the reference's; then back to
RGB. Because the mapping is the same function for every pixel, it can be baked into a 3D LUT
(:func:`transfer_lut`) and saved as a ``.cube`` look.

References
----------
.. [1] Reinhard, E., Ashikhmin, M., Gooch, B., Shirley, P. (2001). Color transfer between
   images. IEEE Computer Graphics and Applications 21(5), 34-41.
.. [2] Ruderman, D. L., Cronin, T. W., Chiao, C.-C. (1998). Statistics of cone responses to
   natural images: implications for visual coding. JOSA A 15(8), 2036-2045.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from brightroom.color.lut import LUT3D, lut3d_trilinear
from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.errors import ParameterError
from brightroom.methods import Methods
from brightroom.types import Image

__all__ = ["TRANSFER_METHODS", "LabStats", "rgb_to_lalphabeta", "lalphabeta_to_rgb",
           "image_stats", "colour_transfer", "transfer_lut", "lut_from_pair"]

# Reinhard et al. (2001), eq. 1 and its inverse (eq. 6, 7)
_RGB_TO_LMS = np.array([[0.3811, 0.5783, 0.0402],
                        [0.1967, 0.7244, 0.0782],
                        [0.0241, 0.1288, 0.8444]])
_LMS_TO_RGB = np.linalg.inv(_RGB_TO_LMS)
_LOG_TO_LAB = np.diag([1 / np.sqrt(3), 1 / np.sqrt(6), 1 / np.sqrt(2)]) @ np.array(
    [[1, 1, 1], [1, 1, -2], [1, -1, 0]], dtype=np.float64)
_LAB_TO_LOG = np.linalg.inv(_LOG_TO_LAB)
_EPS = 1e-4  # floor of LMS before the logarithm (black pixels)


def rgb_to_lalphabeta(rgb: np.ndarray) -> np.ndarray:
    """Linear RGB ``(..., 3)`` to Ruderman's l-alpha-beta (float64)."""
    lms = np.maximum(np.asarray(rgb, dtype=np.float64) @ _RGB_TO_LMS.T, _EPS)
    return np.log10(lms) @ _LOG_TO_LAB.T


def lalphabeta_to_rgb(lab: np.ndarray) -> np.ndarray:
    """Inverse of :func:`rgb_to_lalphabeta` (float64)."""
    return (10.0 ** (np.asarray(lab, dtype=np.float64) @ _LAB_TO_LOG.T)) @ _LMS_TO_RGB.T


@dataclass(frozen=True, eq=False)
class LabStats:
    """Mean and standard deviation of an image in l-alpha-beta (3 values each)."""

    mean: np.ndarray
    std: np.ndarray


def _linear(image: Image | np.ndarray) -> np.ndarray:
    if isinstance(image, Image):
        if image.space == "display":
            return srgb_decode(image.data).astype(np.float64)
        if image.space == "linear_rgb":
            return image.data.astype(np.float64)
        raise ParameterError("look transfer needs display or linear_rgb images, not camera RGB")
    a = np.asarray(image)
    if a.ndim < 2 or a.shape[-1] != 3:
        raise ParameterError(f"look transfer needs (..., 3) RGB, got shape {a.shape}")
    return srgb_decode(a.astype(np.float32)).astype(np.float64)  # arrays: display-encoded


def image_stats(image: Image | np.ndarray) -> LabStats:
    """l-alpha-beta statistics of an image (an array is taken as sRGB-encoded)."""
    lab = rgb_to_lalphabeta(_linear(image).reshape(-1, 3))
    return LabStats(lab.mean(axis=0), lab.std(axis=0))


def _reinhard2001(lin: np.ndarray, src: LabStats, ref: LabStats, strength: float) -> np.ndarray:
    lab = rgb_to_lalphabeta(lin)
    scale = ref.std / np.maximum(src.std, 1e-6)
    new = (lab - src.mean) * scale + ref.mean
    return lalphabeta_to_rgb(lab + strength * (new - lab))


TRANSFER_METHODS: Methods[Callable[[np.ndarray, LabStats, LabStats, float], np.ndarray]] = (
    Methods("transfer"))
"""Look-transfer methods by name: ``f(linear_rgb, source_stats, reference_stats, strength)``."""
TRANSFER_METHODS.register(
    "reinhard2001", _reinhard2001,
    cite="Reinhard, E., Ashikhmin, M., Gooch, B., Shirley, P. (2001). Color transfer between "
         "images. IEEE Computer Graphics and Applications 21(5), 34-41.")
TRANSFER_METHODS.freeze()


def colour_transfer(image: Image | np.ndarray, reference: Image | np.ndarray | LabStats, *,
                    method: str = "reinhard2001", strength: float = 1.0) -> Image | np.ndarray:
    """Give ``image`` the colour statistics of ``reference``.

    Parameters
    ----------
    image
        An :class:`Image` (display or linear_rgb) or an sRGB-encoded ``H x W x 3`` array.
    reference
        The photo whose look to take, or its :func:`image_stats`.
    method
        A key of :data:`TRANSFER_METHODS` (case ignored): ``"reinhard2001"``.
    strength
        0..1 mix in l-alpha-beta.

    Returns
    -------
    Image or numpy.ndarray
        Like ``image`` (same space; display results clipped to [0, 1]).

    References
    ----------
    .. [1] Reinhard, E., Ashikhmin, M., Gooch, B., Shirley, P. (2001). Color transfer between
       images. IEEE CG&A 21(5), 34-41.
    """
    fn = TRANSFER_METHODS.get(method)
    if not 0 <= strength <= 1:
        raise ParameterError(f"transfer strength must be in [0, 1], got {strength!r}")
    ref = reference if isinstance(reference, LabStats) else image_stats(reference)
    src = image_stats(image)
    out = fn(_linear(image), src, ref, strength)
    if isinstance(image, Image) and image.space == "linear_rgb":
        return image.replace(data=out.astype(np.float32))
    enc = np.clip(srgb_encode(np.clip(out, 0, None).astype(np.float32)), 0, 1)
    return image.replace(data=enc) if isinstance(image, Image) else enc


def transfer_lut(image: Image | np.ndarray, reference: Image | np.ndarray, *, size: int = 33,
                 method: str = "reinhard2001", strength: float = 1.0) -> LUT3D:
    """The transfer from ``image`` to ``reference`` baked into a 3D LUT on sRGB-encoded values
    (save it with :func:`brightroom.color.lut.write_cube` and use it as a look)."""
    method = TRANSFER_METHODS.canonical(method)
    transfer = TRANSFER_METHODS[method]
    src, ref = image_stats(image), image_stats(reference)

    def fn(enc: np.ndarray) -> np.ndarray:
        lin = srgb_decode(enc).astype(np.float64)
        out = transfer(lin, src, ref, strength)
        return np.clip(srgb_encode(np.clip(out, 0, None).astype(np.float32)), 0, 1)

    return LUT3D.from_function(fn, size, title=f"look transfer ({method})")


# --------------------------------------------------------------------------------------------
# Learning a look from a before/after pair (lattice regression)

def _display(image: Image | np.ndarray, name: str) -> np.ndarray:
    """Display-encoded float64 ``H x W x 3`` values of a before/after photo."""
    if isinstance(image, Image):
        if image.space == "display":
            a = image.data
        elif image.space == "linear_rgb":
            a = srgb_encode(np.clip(image.data, 0, None).astype(np.float32))
        else:
            raise ParameterError(f"{name}: learning a look needs display or linear_rgb images, "
                                 f"not {image.space!r}")
    else:
        a = np.asarray(image)
        if a.dtype.kind in "ui":
            a = a / float(np.iinfo(a.dtype).max)
    if a.ndim != 3 or a.shape[-1] != 3:
        raise ParameterError(f"{name}: learning a look needs an H x W x 3 RGB image, got shape "
                             f"{np.shape(a)}")
    a = np.asarray(a, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise ParameterError(f"{name}: the image has NaN or infinite values")
    return a


def _second_differences(n: int) -> Any:
    """``sum_axis D_axis^T D_axis`` on an ``n x n x n`` lattice, D the second difference along
    one axis (the axis-aligned part of the graph Hessian of Garcia et al. 2012)."""
    from scipy import sparse

    d1 = sparse.diags_array([np.ones(n - 2), -2 * np.ones(n - 2), np.ones(n - 2)],
                            offsets=[0, 1, 2], shape=(n - 2, n))
    eye = sparse.eye_array(n)
    blocks = [sparse.kron(sparse.kron(d1, eye), eye), sparse.kron(sparse.kron(eye, d1), eye),
              sparse.kron(sparse.kron(eye, eye), d1)]
    return sum((b.T @ b) for b in blocks).tocsr()


def lut_from_pair(before: Image | np.ndarray, after: Image | np.ndarray, *, size: int = 33,
                  smoothness: float = 1e-6, prior: float = 1e-4,
                  domain: tuple[float, float] = (0.0, 1.0), resize: bool = False,
                  max_samples: int = 2_000_000, title: str = "learned look") -> LUT3D:
    """Learn the look that turns ``before`` into ``after``, as a 3D LUT on display values.

    The LUT is fitted by lattice regression [1]_: the table ``x`` (``size**3`` nodes, solved as
    the deviation ``d = x - identity``) minimises

    ``mean_p || T(x)(before_p) - after_p ||^2 + smoothness * sum_axes int (d_aa)^2
    + prior * int ||d||^2``

    where ``T(x)(c)`` is the trilinear interpolation of the table at colour ``c`` (each pixel's
    residual is spread onto the 8 lattice nodes around its before-colour with trilinear weights),
    ``d_aa`` is the second derivative of the deviation along each colour axis (discretised by
    second differences: the axis-aligned part of the graph Hessian regulariser of [2]_; a global
    affine change of colour costs nothing) and the ``prior`` term pulls the LUT back to the
    identity where there are no data (over about ``(smoothness / prior) ** 0.25`` of the colour
    cube). The integrals are over the unit colour cube, so the weights mean the same at every
    ``size`` and for any number of pixels. The normal equations are a sparse symmetric
    positive-definite system: solved by sparse LU up to size 17, above that by
    Jacobi-preconditioned conjugate gradients started from the solution at half the size
    (coarse to fine; at most 1000 iterations per level).

    Because one LUT maps each before-colour to one after-colour, only global (per-colour) edits
    are learnt; local edits (masks, vignettes, grain) average out.

    Parameters
    ----------
    before, after
        The same photo before and after the edit: display (or linear_rgb, encoded to sRGB)
        :class:`Image`, or display-encoded ``H x W x 3`` arrays (floats in ``domain``; uint8 /
        uint16 are scaled by their maximum). Same height and width, unless ``resize``.
    size
        Lattice points per axis (2..256; 17..65 typical).
    smoothness
        Weight of the curvature penalty (> 0); larger is smoother, smaller follows the data
        more closely.
    prior
        Weight of the pull towards the identity away from the data (>= 0).
    domain
        Input range of the LUT (both images' values are clamped to it).
    resize
        Resample ``after`` to the size of ``before`` (area averaging) instead of raising.
    max_samples
        Use at most this many pixels (a regular stride through the image) to bound the time.
    title
        The LUT's ``TITLE``.

    Returns
    -------
    LUT3D
        Output clipped to ``domain``; apply it with :func:`brightroom.color.lut.apply_lut` to
        display-encoded photos.

    Raises
    ------
    ParameterError
        Different image sizes (naming both), bad shapes or parameters.

    References
    ----------
    .. [1] Garcia, E. K., Gupta, M. R. (2009). Lattice regression. Advances in Neural
       Information Processing Systems 22 (NeurIPS 2009), 594-602.
    .. [2] Garcia, E. K., Arora, R., Gupta, M. R. (2012). Optimized regression for efficient
       function evaluation. IEEE Transactions on Image Processing 21(9).
    """
    if not isinstance(size, (int, np.integer)) or not 2 <= size <= 256:
        raise ParameterError(f"LUT size must be an integer in [2, 256], got {size!r}")
    if not (np.isfinite(smoothness) and 0 < smoothness <= 1e6):
        raise ParameterError(f"smoothness must be in (0, 1e6], got {smoothness!r}")
    if not (np.isfinite(prior) and prior >= 0):
        raise ParameterError(f"prior must be >= 0, got {prior!r}")
    if max_samples < 1:
        raise ParameterError(f"max_samples must be >= 1, got {max_samples!r}")
    lo, hi = (float(v) for v in domain)
    if not hi > lo:
        raise ParameterError(f"domain must be (min, max) with max > min, got {domain!r}")
    b = _display(before, "before")
    a = _display(after, "after")
    if a.shape != b.shape:
        if not resize:
            raise ParameterError(f"before is {b.shape[1]}x{b.shape[0]} pixels but after is "
                                 f"{a.shape[1]}x{a.shape[0]}; they must be the same size "
                                 "(or pass resize=True)")
        import cv2

        a = cv2.resize(a.astype(np.float32), (b.shape[1], b.shape[0]),
                       interpolation=cv2.INTER_AREA).astype(np.float64)
    n = int(size)
    b = b.reshape(-1, 3)
    a = a.reshape(-1, 3)
    step = -(-b.shape[0] // max_samples)
    b, a = b[::step], a[::step]
    dev = _lattice_regression(b, a, n, lo, hi, smoothness, prior)
    ident = lo + np.stack(np.meshgrid(*[np.linspace(0.0, 1.0, n)] * 3, indexing="ij"),
                          axis=-1).reshape(-1, 3) * (hi - lo)
    table = np.clip(ident + dev, lo, hi).reshape(n, n, n, 3)
    return LUT3D(table.astype(np.float32), lo, hi, title,
                 (f"learned from a before/after pair by lattice regression (size {n}, "
                  f"smoothness {smoothness:g}, prior {prior:g}, {b.shape[0]} pixels)",))


_DIRECT_MAX = 17  # lattices up to this size are solved directly, larger ones coarse-to-fine


def _lattice_regression(b: np.ndarray, a: np.ndarray, n: int, lo: float, hi: float,
                        smoothness: float, prior: float) -> np.ndarray:
    """Deviation from the identity (``n**3 x 3``) minimising the objective of
    :func:`lut_from_pair` for before-colours ``b`` and after-colours ``a`` (``P x 3``)."""
    from scipy import sparse
    from scipy.sparse.linalg import cg, splu

    span = hi - lo
    c = np.clip((b - lo) / span, 0.0, 1.0) * (n - 1)
    i0 = np.minimum(c.astype(np.int64), n - 2)
    f = c - i0
    base = (i0[:, 0] * n + i0[:, 1]) * n + i0[:, 2]
    # residual from the identity (trilinear interpolation reproduces the identity exactly)
    resid = np.clip(a, lo, hi) - (lo + c / (n - 1) * span)
    corners = [(dr, dg, db) for dr in (0, 1) for dg in (0, 1) for db in (0, 1)]
    offs = [(dr * n + dg) * n + db for dr, dg, db in corners]
    ws = [np.where(dr, f[:, 0], 1 - f[:, 0]) * np.where(dg, f[:, 1], 1 - f[:, 1])
          * np.where(db, f[:, 2], 1 - f[:, 2]) for dr, dg, db in corners]
    nn = n ** 3
    # right-hand side A^T r (each pixel's residual splatted onto its 8 nodes) and A^T 1
    rhs = np.zeros((nn, 3))
    occupancy = np.zeros(nn)
    for o, w in zip(offs, ws, strict=True):
        occupancy += np.bincount(base + o, weights=w, minlength=nn)
        for ch in range(3):
            rhs[:, ch] += np.bincount(base + o, weights=w * resid[:, ch], minlength=nn)
    # A^T A: a pixel adds w_k w_l at (base + off_k, base + off_l) for its cell's corners k, l
    rows, cols, vals = [], [], []
    for k in range(8):
        for m in range(k, 8):
            v = np.bincount(base, weights=ws[k] * ws[m], minlength=nn)
            nz = np.flatnonzero(v)
            rows += [nz + offs[k]] + ([nz + offs[m]] if m != k else [])
            cols += [nz + offs[m]] + ([nz + offs[k]] if m != k else [])
            vals += [v[nz]] * (2 if m != k else 1)
    # continuous weights: the data term is the mean squared error over pixels, the penalties
    # approximate integrals over the unit cube (f'' ~ D2 d (n-1)^2, volume element (n-1)^-3)
    scale = 1.0 / b.shape[0]
    ata = sparse.coo_array((np.concatenate(vals) * scale,
                            (np.concatenate(rows), np.concatenate(cols))), shape=(nn, nn))
    system = (ata.tocsr() + (smoothness * (n - 1)) * _second_differences(n)
              + ((prior + 1e-12) / (n - 1) ** 3) * sparse.eye_array(nn)).tocsr()
    rhs *= scale
    if n <= _DIRECT_MAX:
        return splu(system.tocsc(), permc_spec="MMD_AT_PLUS_A").solve(rhs)
    # coarse-to-fine: the coarse solution, interpolated, starts preconditioned conjugate
    # gradients (the smooth, slowly converging part of the solution is already there)
    m = (n + 1) // 2
    coarse = _lattice_regression(b, a, m, lo, hi, smoothness, prior)
    grid = np.stack(np.meshgrid(*[np.linspace(0.0, 1.0, n)] * 3, indexing="ij"), axis=-1)

    guess = lut3d_trilinear(grid.reshape(-1, 3), LUT3D(coarse.reshape(m, m, m, 3)))
    inv_diag = 1.0 / system.diagonal()
    jacobi = sparse.diags_array(inv_diag)
    out = np.empty((nn, 3))
    for ch in range(3):
        out[:, ch], _ = cg(system, rhs[:, ch], x0=guess[:, ch].astype(np.float64), rtol=1e-7,
                           maxiter=1000, M=jacobi)
    return out
