"""L1-optimal camera paths under crop-window constraints (Grundmann, Kwatra & Essa 2011).

The camera path is given per frame as a similarity ``M_t`` that maps centred coordinates of
frame ``t`` into a common "world" plane (the first frame's): ``M_t(x) = s_t R(theta_t) x + c_t``.
The stabilised (virtual) camera is ``Q_t(y) = sigma_t R(phi_t) y + q_t``; the output pixel ``u``
(centred) samples the input at ``x = M_t^{-1}(Q_t(r u))``, where ``r`` is the crop ratio (the
crop window is ``r W x r H``, enlarged to the frame size; the area kept is ``r**2``).

The unknowns per frame are ``p_t = (q_x, q_y, phi, log sigma)``: a path in the world plane, so
a pan is a straight line and a zoom a straight line in ``log sigma``. The objective is the
paper's weighted L1 norm of the first three differences of the path (``w1 = 10, w2 = 1,
w3 = 100``: still segments, constant velocities and smooth transitions, the shapes a
cinematographer uses), plus an L1 pull ``w0`` towards the intended motion: the paper keeps
intended motion only through the crop constraint, which lets the path drift by up to the crop
margin and spreads the eased starts and stops of pans and zooms over longer transitions. The
intended motion is estimated as a local quadratic regression of the camera path with Gaussian
weights (Cleveland 1979; ``sigma`` 0.27 s by default, :func:`local_quadratic`): it removes shake
above about 2 Hz, and unlike a Gaussian low-pass it keeps still segments, constant pans and
constant accelerations exactly. With a strong pull (``w0 = 30`` against ``w1 = 10``) the L1 path
is that estimate wherever the crop allows it, and the programme's smoothness terms take over
only where the crop constraint binds (an L1 data term as in L1 trend filtering, Kim et al. 2009,
whose exact-penalty property makes the path *equal* the target rather than near it). Angles and
log-scales are weighed in pixels (times the half diagonal), so that all four parameters cost
alike.

The crop constraint (the paper's "inclusion constraint") asks that the four corners of the crop
window, mapped into frame ``t``, lie inside it. With ``Delta phi = phi_t - theta_t`` and
``Delta l = log sigma_t - log s_t`` small (a few degrees, a few percent) the corner map is
linear in the unknowns::

    x = r y0 + Delta l r0 y0 + Delta phi r0 J y0 + R(-theta_t) / s_t (q_t - c_t)

with ``J`` the 90-degree rotation and ``r0`` the crop of the linearisation; the neglected
second-order terms are below half a pixel for 2 degrees and are covered by a safety margin.
``r`` can itself be an unknown (the adaptive crop, :func:`solve_path` with ``crop=None``), in
``[min_crop, 1]``, with a linear reward for the margin it gives back (``crop_weight`` per pixel
and frame): one programme finds the path and the crop that keeps the most area for the chosen
smoothness.

The linear programme is solved with HiGHS (:func:`scipy.optimize.linprog`); long clips in
overlapping windows whose first frames are fixed to the previous window's path.

References
----------
Grundmann, M., Kwatra, V., Essa, I. (2011). Auto-directed video stabilization with robust L1
optimal camera paths. CVPR 2011, 225-232.

Cleveland, W. S. (1979). Robust locally weighted regression and smoothing scatterplots. JASA
74(368), 829-836.

Kim, S.-J., Koh, K., Boyd, S., Gorinevsky, D. (2009). l1 trend filtering. SIAM Review 51(2),
339-360.

Huangfu, Q., Hall, J. A. J. (2018). Parallelizing the dual revised simplex method. Mathematical
Programming Computation 10, 119-142 (HiGHS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.ndimage import gaussian_filter1d
from scipy.optimize import linprog

from brightroom.errors import ParameterError

__all__ = ["PathParams", "CameraPath", "solve_path", "similarity_params", "similarity_matrix"]

_J = np.array([[0.0, -1.0], [1.0, 0.0]])

INTENT_METHODS = ("local quadratic", "gaussian")
"""Low-passes of the camera path the data term can aim at (:func:`intended_motion`)."""


@dataclass(frozen=True)
class PathParams:
    """Weights and limits of the L1 path.

    Attributes
    ----------
    w1, w2, w3
        Weights of the L1 norms of the path's first, second and third differences (the paper's
        10, 1, 100).
    w0
        Weight of the L1 pull towards the intended motion (version 1: 1, towards the camera
        path itself; version 2: 30, towards its local quadratic low-pass).
    smoothness
        Multiplies ``w1..w3`` (more: smoother, the crop constraint permitting).
    intent_sigma_s
        Width (seconds, the Gaussian weights' sigma) of the low-pass of the camera path the
        pull aims at (0: the camera path itself; version 1: 0).
    intent
        That low-pass: ``"local quadratic"`` (keeps eased starts and stops of pans and zooms) or
        ``"gaussian"`` (:func:`intended_motion`).
    min_crop
        Smallest crop ratio the adaptive crop may take (0.922: 85 % of the area).
    crop_weight
        Worth of a pixel of crop margin per frame, in the units of the path's cost (the
        adaptive crop trades area against smoothness with it).
    margin_px
        Safety margin inside the frame for the linearised corners (pixels).
    horizon_lock
        Keep the output roll constant (the first frame's horizon).
    window, overlap
        Frames per linear programme and frames shared between consecutive ones.
    """

    VERSION = 2
    w1: float = 10.0
    w2: float = 1.0
    w3: float = 100.0
    w0: float = 30.0
    smoothness: float = 1.0
    intent_sigma_s: float = 8 / 30
    intent: str = "local quadratic"
    min_crop: float = 0.922
    crop_weight: float = 0.3
    margin_px: float = 1.5
    horizon_lock: bool = False
    window: int = 600
    overlap: int = 60

    def __post_init__(self) -> None:
        if not 0.3 <= self.min_crop <= 1.0:
            raise ParameterError(f"min_crop must be in [0.3, 1], got {self.min_crop}")
        if self.smoothness < 0 or min(self.w0, self.w1, self.w2, self.w3) < 0:
            raise ParameterError(f"path weights must be >= 0, got smoothness {self.smoothness}")
        if self.intent not in INTENT_METHODS:
            raise ParameterError(f"intent must be one of {INTENT_METHODS}, got {self.intent!r}")
        if self.intent_sigma_s < 0:
            raise ParameterError(f"intent_sigma_s must be >= 0, got {self.intent_sigma_s}")
        if self.window < 30 or not 0 <= self.overlap < self.window // 2:
            raise ParameterError(f"window {self.window} must be >= 30 and overlap "
                                 f"{self.overlap} in [0, window / 2)")


@dataclass(frozen=True)
class CameraPath:
    """A solved path: per frame ``(q_x, q_y, phi, log sigma)`` and the crop ratio.

    Attributes
    ----------
    params
        ``N x 4`` stabilised path ``p_t``.
    camera
        ``N x 4`` camera path ``(c_x, c_y, theta, log s)`` it was solved for.
    crop
        Crop ratio ``r`` (the area kept is ``crop ** 2``).
    """

    params: np.ndarray
    camera: np.ndarray
    crop: float

    def warps(self, width: int, height: int) -> np.ndarray:
        """``N x 2 x 3`` affine maps from output pixel coordinates to input pixel coordinates
        (for :func:`cv2.warpAffine` with ``WARP_INVERSE_MAP``)."""
        return output_warps(self.params, self.camera, self.crop, width, height)


def similarity_matrix(p: np.ndarray) -> np.ndarray:
    """3 x 3 matrices of similarities ``(t_x, t_y, angle, log scale)`` (``... x 4``)."""
    p = np.asarray(p, np.float64)
    s = np.exp(p[..., 3])
    c, sn = s * np.cos(p[..., 2]), s * np.sin(p[..., 2])
    m = np.zeros(p.shape[:-1] + (3, 3))
    m[..., 0, 0], m[..., 0, 1], m[..., 0, 2] = c, -sn, p[..., 0]
    m[..., 1, 0], m[..., 1, 1], m[..., 1, 2] = sn, c, p[..., 1]
    m[..., 2, 2] = 1.0
    return m


def similarity_params(m: np.ndarray) -> np.ndarray:
    """``(t_x, t_y, angle, log scale)`` of 3 x 3 (or 2 x 3) similarity matrices (``... x 4``);
    an affine map is projected on its nearest similarity."""
    m = np.asarray(m, np.float64)
    a = 0.5 * (m[..., 0, 0] + m[..., 1, 1])
    b = 0.5 * (m[..., 1, 0] - m[..., 0, 1])
    return np.stack([m[..., 0, 2], m[..., 1, 2], np.arctan2(b, a),
                     0.5 * np.log(a * a + b * b)], axis=-1)


def output_warps(p: np.ndarray, cam: np.ndarray, crop: float, width: int,
                 height: int) -> np.ndarray:
    """``N x 2 x 3`` maps output pixel -> input pixel: ``x = M_t^-1 Q_t (r u)`` in centred
    coordinates (exact, not linearised)."""
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    to_c = np.array([[1.0, 0, -cx], [0, 1.0, -cy], [0, 0, 1.0]])
    from_c = np.array([[1.0, 0, cx], [0, 1.0, cy], [0, 0, 1.0]])
    scale = np.diag([crop, crop, 1.0])
    w = from_c @ np.linalg.inv(similarity_matrix(cam)) @ similarity_matrix(p) @ scale @ to_c
    return w[:, :2, :].astype(np.float64)


def local_quadratic(x: np.ndarray, sigma: float) -> np.ndarray:
    """Local quadratic regression with Gaussian weights (``sigma`` frames) along axis 0: at each
    frame, the value at that frame of the weighted least-squares parabola through its
    neighbours (within ``3 sigma``; the window is cut at the ends). It keeps still segments,
    constant pans and constant accelerations exactly, unlike a Gaussian low-pass, which rounds
    the eased start of a pan off by ``sigma^2 / 2`` times its acceleration."""
    x = np.asarray(x, np.float64)
    n = x.shape[0]
    if sigma <= 0 or n < 3:
        return x.copy()
    r = int(np.ceil(3 * sigma))
    s = np.zeros((n, 5))
    tx = np.zeros((n, 3) + x.shape[1:])
    for d in range(-r, r + 1):
        w = np.exp(-0.5 * (d / sigma) ** 2)
        lo, hi = max(0, -d), min(n, n - d)  # frames t with t + d inside
        if hi <= lo:
            continue
        for k in range(5):
            s[lo:hi, k] += w * d ** k
        for k in range(3):
            tx[lo:hi, k] += w * d ** k * x[lo + d:hi + d]
    a = np.stack([s[:, 0:3], s[:, 1:4], s[:, 2:5]], axis=1)  # n x 3 x 3 normal equations
    a += np.eye(3) * 1e-9 * s[:, :1, None]
    coef = np.linalg.solve(a, tx.reshape(n, 3, -1))
    return coef[:, 0].reshape(x.shape)


def intended_motion(camera: np.ndarray, sigma: float, method: str = "local quadratic"
                    ) -> np.ndarray:
    """The camera path's intended (low-frequency) part the path is pulled towards: ``method``
    ``"local quadratic"`` (:func:`local_quadratic`, Cleveland 1979) or ``"gaussian"`` (a
    Gaussian low-pass), ``sigma`` in frames (0: the camera path itself)."""
    if method not in INTENT_METHODS:
        raise ParameterError(f"intent method must be one of {INTENT_METHODS}, got {method!r}")
    if sigma <= 0:
        return np.asarray(camera, np.float64)
    if method == "gaussian":
        return gaussian_filter1d(camera, sigma=sigma, axis=0, mode="nearest")
    return local_quadratic(camera, sigma)


def _diff(n: int, k: int) -> sparse.csr_matrix:
    """The ``(n - k) x n`` k-th forward difference."""
    d = sparse.identity(n, format="csr")
    for _ in range(k):
        d = (d[1:] - d[:-1]).tocsr()
    return d


def _solve_window(cam: np.ndarray, intent: np.ndarray, width: int, height: int,
                  prm: PathParams, fixed: np.ndarray | None, crop: float | None,
                  scale_px: float) -> tuple[np.ndarray, float]:
    n = cam.shape[0]
    nv = 4 * n  # path unknowns, parameter-major: index k * n + t
    wts = [(1, prm.w1 * prm.smoothness), (2, prm.w2 * prm.smoothness),
           (3, prm.w3 * prm.smoothness)]
    pscale = np.array([1.0, 1.0, scale_px, scale_px])  # angles, log scales in pixels
    blocks_a, rhs, cost = [], [], []
    # slack rows: -e <= W (D p - d0) <= e  for each weight, each parameter
    slack_terms = []
    for k, w in wts:
        if n > k and w > 0:
            slack_terms.append((_diff(n, k), w, False))
    if prm.w0 > 0 or prm.w1 > 0:
        slack_terms.append((sparse.identity(n, format="csr"), prm.w0, True))  # the pull
    n_slack = sum(d.shape[0] for d, _, _ in slack_terms) * 4
    ncrop = 1 if crop is None else 0
    ntot = nv + n_slack + ncrop
    col = nv
    rows_p, rows_n = [], []
    # the ends of the window are pinned to the camera's local trend (a line fitted to its
    # first / last half second): unpinned, the first-difference term would shorten a pan by
    # lagging at the start and leading at the end, by up to the crop margin
    tgt = intent.copy()
    wpull = np.full(n, prm.w0)
    k = int(min(max(n // 4, 2), 15))
    tt = np.arange(k, dtype=np.float64)
    for idx, seg in ((0, slice(0, k)), (n - 1, slice(n - k, n))):
        coef = np.polyfit(tt, intent[seg], 1)
        tgt[idx] = coef[0] * (0 if idx == 0 else k - 1) + coef[1]
        wpull[idx] = 2.0 * prm.w1 * prm.smoothness + prm.w0
    for d, w, pull in slack_terms:
        m = d.shape[0]
        for j in range(4):
            target = tgt[:, j] if pull else np.zeros(m)
            pd = sparse.csr_matrix((d.data * pscale[j], d.indices + j * n, d.indptr),
                                   shape=(m, ntot))
            e = sparse.csr_matrix((np.full(m, -1.0), (np.arange(m), col + np.arange(m))),
                                  shape=(m, ntot))
            rows_p.append((pd + e, target * pscale[j]))
            rows_n.append((-pd + e, -target * pscale[j]))
            cost.append(wpull.copy() if pull else np.full(m, w))
            col += m
    for a, b in rows_p + rows_n:
        blocks_a.append(a)
        rhs.append(b)
    # crop constraints: 4 corners x 2 coordinates x 2 sides per frame
    hw, hh = width / 2.0 - prm.margin_px, height / 2.0 - prm.margin_px
    r0 = prm.min_crop if crop is None else crop
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float64) * [width / 2.0,
                                                                            height / 2.0]
    th, ls = cam[:, 2], cam[:, 3]
    rows, cols, vals, b_up, b_lo, lim = [], [], [], [], [], []
    ridx = 0
    for y0 in corners:
        jy = _J @ y0
        for i in range(2):  # x, y coordinate of the corner in frame t
            bound = hw if i == 0 else hh
            # B_t = R(-theta)/s, row i: coefficients on (q_x, q_y)
            ci, si = np.cos(th) / np.exp(ls), np.sin(th) / np.exp(ls)
            bq = (ci, si) if i == 0 else (-si, ci)
            const = -(bq[0] * cam[:, 0] + bq[1] * cam[:, 1]) - ls * r0 * y0[i] \
                - th * r0 * jy[i]
            t = np.arange(n)
            for k, coef in ((0, bq[0]), (1, bq[1]), (2, np.full(n, r0 * jy[i])),
                            (3, np.full(n, r0 * y0[i]))):
                rows.append(ridx + t)
                cols.append(k * n + t)
                vals.append(coef)
            if crop is None:
                rows.append(ridx + t)
                cols.append(np.full(n, ntot - 1))
                vals.append(np.full(n, y0[i]))
                c_fix = const
            else:
                c_fix = const + crop * y0[i]
            b_up.append(bound - c_fix)
            b_lo.append(bound + c_fix)
            lim.append(n)
            ridx += n
    g = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows),
                                                  np.concatenate(cols))), shape=(ridx, ntot))
    blocks_a += [g, -g]
    rhs += [np.concatenate(b_up), np.concatenate(b_lo)]
    a_ub = sparse.vstack(blocks_a, format="csr")
    b_ub = np.concatenate(rhs)
    # the adaptive crop: each pixel of margin given back (half the width times r) is worth
    # crop_weight per frame, against the path's cost
    c = np.concatenate([np.zeros(nv), np.concatenate(cost),
                        np.full(ncrop, -prm.crop_weight * n * width / 2.0)])
    bounds = [(None, None)] * nv + [(0, None)] * n_slack
    if crop is None:
        bounds += [(prm.min_crop, 1.0)]
    a_eq_rows, b_eq = [], []
    if fixed is not None:
        for t in range(fixed.shape[0]):
            for j in range(4):
                a_eq_rows.append((len(a_eq_rows), j * n + t))
                b_eq.append(fixed[t, j])
    if prm.horizon_lock:  # phi_t = 0 for every frame: the first frame's horizon
        for t in range(n):
            a_eq_rows.append((len(a_eq_rows), 2 * n + t))
            b_eq.append(0.0)
    a_eq = None
    if a_eq_rows:
        r_i = np.array([r for r, _ in a_eq_rows])
        c_i = np.array([cc for _, cc in a_eq_rows])
        a_eq = sparse.csr_matrix((np.ones(len(r_i)), (r_i, c_i)), shape=(len(r_i), ntot))
        b_eq = np.asarray(b_eq)
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq if a_eq is not None else None,
                  bounds=bounds, method="highs")
    if res.status != 0:
        raise ParameterError(f"no stabilised path within the crop ({res.message})")
    x = res.x
    p = x[:nv].reshape(4, n).T.copy()
    r = float(x[-1]) if crop is None else float(crop)
    return p, r


def solve_path(camera: np.ndarray, width: int, height: int, *, fps: float = 30.0,
               crop: float | None = None, params: PathParams | None = None) -> CameraPath:
    """The L1-optimal stabilised path for a camera path.

    Parameters
    ----------
    camera
        ``N x 4`` camera path ``(c_x, c_y, theta, log s)``: frame ``t``'s centre in the world
        plane (pixels), its roll (radians) and log zoom.
    width, height
        Frame size (pixels).
    fps
        Frame rate (for the intended path's low-pass).
    crop
        Fixed crop ratio in (0, 1], or None for the adaptive crop in ``[params.min_crop, 1]``.
    params
        Weights and limits.

    Returns
    -------
    CameraPath
        The path, the camera path and the crop.

    Raises
    ------
    ParameterError
        A bad crop, or no path fits (only possible with ``horizon_lock``).
    """
    prm = params or PathParams()
    cam = np.asarray(camera, np.float64)
    if cam.ndim != 2 or cam.shape[1] != 4 or cam.shape[0] < 1:
        raise ParameterError(f"the camera path must be N x 4, got {cam.shape}")
    if crop is not None and not 0.3 <= crop <= 1.0:
        raise ParameterError(f"crop must be in [0.3, 1], got {crop}")
    n = cam.shape[0]
    if n == 1:
        return CameraPath(cam.copy(), cam, 1.0 if crop is None else crop)
    intent = intended_motion(cam, prm.intent_sigma_s * fps, prm.intent)
    scale_px = 0.5 * float(np.hypot(width, height))
    if n <= prm.window:
        p, r = _solve_window(cam, intent, width, height, prm, None, crop, scale_px)
        return CameraPath(p, cam, r)
    # windows: first pass for the crop (the smallest over windows), then the path with it
    starts = list(range(0, n - prm.overlap, prm.window - prm.overlap))
    r = crop
    if r is None:
        rs = [_solve_window(cam[s:s + prm.window], intent[s:s + prm.window], width, height,
                            prm, None, None, scale_px)[1] for s in starts]
        r = float(min(rs))
    out = np.zeros_like(cam)
    fix_n = min(3, prm.overlap)
    for i, s in enumerate(starts):
        e = min(s + prm.window, n)
        fixed = out[s:s + fix_n] if i else None
        p, _ = _solve_window(cam[s:e], intent[s:e], width, height, prm, fixed, r, scale_px)
        keep = s + (fix_n if i else 0)
        out[keep:e] = p[keep - s:]
        if e == n:
            break
    return CameraPath(out, cam, float(r))
