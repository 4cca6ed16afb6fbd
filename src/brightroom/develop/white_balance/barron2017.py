"""Fast Fourier Color Constancy (FFCC): a learned filter over wrapped log-chroma histograms.

Barron & Tsai (2017) turn colour constancy into localisation on a torus. Every pixel's
log-chroma ``u = log(G/R), v = log(G/B)`` is binned into an ``n x n`` histogram whose bins
*wrap around* (``u`` and ``u + n h`` fall into the same bin), once for the pixels and once for an
edge image (the local absolute deviation of each channel over the 8 neighbours); we add three
channels (:func:`featurize`): the brightest pixels, and the white-patch and gray-world estimates
as one-point histograms. A change of light translates every histogram, so the score of each
candidate illuminant is a convolution with a learned filter per histogram, computed with the
FFT. A learned bias map ``B`` and gain map ``G`` (functions of the illuminant, not of the image:
the prior that real lights lie near the Planckian locus) make the score

    ``P = softmax(B + G * sum_c N_c (*) F_c)``

and the estimate is the mean of a von Mises distribution fitted to ``P`` on the torus, unwrapped
into the window ``[u0, u0 + n h) x [v0, v0 + n h)`` where training lights lie.

Camera independence. The filters are learned in a space normalised by each camera's own DNG
colour matrix: camera RGB is mapped by ``T = M_ProPhoto @ inverse(ColorMatrix(D65))``
(:func:`neutral_space`), i.e. to approximately the scene's ProPhoto (ROMM) RGB without white
balance, whose primaries keep real surface colours positive. A light then lands in the same place
whatever the camera, and a camera never seen in training (a real Canon 550D DNG in
``benchmarks/bench_awb.py``) works. Without colour matrices, ``T`` falls back to the mean ``T``
of the training cameras, stored in the model (a "typical Bayer camera"); that is only as good as
the camera is typical (see the benchmark's ``fallback`` line).

The model (``data/barron2017.npz``, 148 KB: seven 64 x 64 filters, bias, gain and locus-weight
maps and a 26 x 25 locus prior table, in float32; format :data:`MODEL_VERSION`) is trained
offline by ``tools/train_awb.py`` on lab spectral renders (:mod:`brightroom.lab.awb_dataset`'s
``train`` split: 16 cameras, Planckian / daylight / fluorescent / LED lights, two-light mixes)
and tested in ``benchmarks/bench_awb.py`` on the ``test`` split (other cameras, lights and
scenes). There (1080 renders, 5 unseen cameras) its median is 3.40 degrees (on the locus 1.74,
off it 3.23, two lights 4.92): better than the classic statistical methods' 4.19-7.95, worse
than ``locus_white_patch``'s 2.11, with a heavier tail than both (p95 16.7). On the real Canon
550D DNG, whose chart is lit by a lamp before a daylit window, it is the closest of all methods
(7.6 degrees in camera RGB against 8.5-21.7) but far from the chart's light. It is not the
default method.

Besides the paper's channels the score has two camera-specific prior terms (:func:`camera_prior`):
``W * D``, where ``D`` is the squared distance of each illuminant bin to the camera's own
Planckian / daylight locus (:func:`locus_map`, from its DNG matrices) and ``W`` a learned map;
and a learned table over each bin's place relative to that locus (along it in mired, across it
signed, green side positive: :func:`prior_interpolation`), so that what training learns about
where lights lie relative to a camera's locus carries over to other cameras.

Mixed light. Channels 6 and 7 weight the pixels by :func:`focus_weights` (sharp detail): in a
photograph lit by two lights the subject is in focus and the light to balance for is the
subject's. Training labels its subject-before-a-defocused-ground renders with the subject's
light. On the real DNG the in-focus histogram alone points at the chart's lamp, but the
learned model still follows the pixel and edge histograms, which the window dominates.

What we left out of the paper: the "deep" variant (bias and gain regressed from metadata and
features), the temporal smoothing for video, and the covariance-aware loss; training minimises the cross
entropy of ``P`` against the (softened) true illuminant bin, with the paper's smoothness and
L2 penalties on the filters and maps.

References
----------
Barron, J. T., Tsai, Y.-T. (2017). Fast Fourier Color Constancy. IEEE Conference on Computer
Vision and Pattern Recognition (CVPR), 886-894.

Barron, J. T. (2015). Convolutional Color Constancy. IEEE International Conference on Computer
Vision (ICCV), 379-387 (log-chroma histograms, the edge channel).

Joze, H. R. V., Drew, M. S., Finlayson, G. D., Rey, P. A. T. (2012). The role of bright pixels
in illumination estimation. Color and Imaging Conference, 41-46 (the bright-pixel channel).

Land, E. H. (1977). The retinex theory of color vision. Scientific American 237(6) (white patch);
Buchsbaum, G. (1980). A spatial processor model for object colour perception. J. Franklin Inst.
310(1) (gray world): the two one-point channels.

Pentland, A. P. (1987). A new sense for depth of field. IEEE TPAMI 9(4), 523-531 (focus from
the ratio of differently blurred images: :func:`focus_weights`).

Adobe (2021). Digital Negative (DNG) Specification 1.6, chapter 6 (ColorMatrix).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import cv2
import numpy as np

from brightroom.color.profile import camera_locus, interpolate_matrix
from brightroom.color.spaces import get_space
from brightroom.develop.white_balance._util import unit
from brightroom.develop.white_balance.locus_white_patch import LOCUS_CCTS
from brightroom.errors import InputError
from brightroom.types import CameraInfo

__all__ = [
    "MODEL_PATH",
    "MODEL_VERSION",
    "FFCCModel",
    "load_model",
    "neutral_space",
    "featurize",
    "histograms",
    "score",
    "focus_weights",
    "locus_map",
    "camera_prior",
    "prior_interpolation",
    "fit_von_mises",
    "working_resolution",
    "barron2017",
]

MODEL_PATH = Path(__file__).with_name("data") / "barron2017.npz"
"""The shipped model."""

MODEL_VERSION = 2
"""Format version of the model file this code reads (2: seven channels, the in-focus two)."""

CHANNELS = 7
"""Histograms per image: pixels, edges, brightest pixels, white patch, gray world, in-focus
pixels, in-focus gray world."""
_ARRAYS = {"filters": 3, "bias": 2, "gain": 2, "locus_weight": 2, "locus_prior": 2,
           "generic_space": 2}
_SCALARS = ("version", "n", "bin", "u0", "v0")


class ModelFileError(InputError):
    """The AWB model file is missing, of another version or malformed."""


@dataclass(frozen=True, eq=False)
class FFCCModel:
    """A trained FFCC model.

    Attributes
    ----------
    filters
        ``(7, n, n)`` float64 filters of the channels of :func:`featurize`.
    bias, gain
        ``(n, n)`` maps over the illuminant bins.
    locus_weight
        ``(n, n)`` weight of the camera's own locus prior (:func:`locus_map`) per bin.
    locus_prior
        ``(26, 25)`` log-prior over lights by their place relative to the camera's locus (along
        it in mired, :data:`PRIOR_MIRED`; across it, :data:`PRIOR_DIST`), see
        :func:`camera_prior`.
    n
        Histogram size (``n x n`` bins).
    bin
        Bin widths ``(h_u, h_v)`` in log units (``v`` spans more: warm lights have little blue).
    u0, v0
        Lower corner of the illuminant window in ``(log G/R, log G/B)`` of the normalised space.
    generic_space
        ``3 x 3`` camera -> normalised space for cameras without colour matrices.
    info
        Free text stored with the model (how it was trained).
    """

    filters: np.ndarray
    bias: np.ndarray
    gain: np.ndarray
    n: int
    bin: tuple[float, float]
    u0: float
    v0: float
    generic_space: np.ndarray
    locus_weight: np.ndarray | None = None
    locus_prior: np.ndarray | None = None
    info: str = ""

    def __post_init__(self) -> None:
        if self.locus_weight is None:
            object.__setattr__(self, "locus_weight", np.zeros((self.n, self.n)))
        if self.locus_prior is None:
            object.__setattr__(self, "locus_prior", np.zeros((PRIOR_MIRED[2], PRIOR_DIST[2])))

    @property
    def filters_fft(self) -> np.ndarray:
        """``rfft2`` of the filters, cached."""
        f = self.__dict__.get("_ffft")
        if f is None:
            f = np.fft.rfft2(self.filters)
            object.__setattr__(self, "_ffft", f)
        return f

    def save(self, path: str | Path) -> None:
        """Write the model as ``.npz`` (float32 maps, the format :func:`load_model` checks)."""
        np.savez_compressed(
            path, version=np.int64(MODEL_VERSION), n=np.int64(self.n),
            bin=np.asarray(self.bin, np.float64), u0=np.float64(self.u0), v0=np.float64(self.v0),
            filters=self.filters.astype(np.float32), bias=self.bias.astype(np.float32),
            gain=self.gain.astype(np.float32),
            locus_weight=np.asarray(self.locus_weight, np.float32),
            locus_prior=np.asarray(self.locus_prior, np.float32),
            generic_space=self.generic_space, info=np.str_(self.info))


def load_model(path: str | Path | None = None) -> FFCCModel:
    """Read and check an FFCC model file (default: the shipped one, cached).

    Raises
    ------
    ModelFileError
        The file is missing, not a model of :data:`MODEL_VERSION`, or its arrays have the wrong
        shapes.
    """
    if path is None:
        return _shipped()
    return _load(Path(path))


@cache
def _shipped() -> FFCCModel:
    return _load(MODEL_PATH)


def _load(path: Path) -> FFCCModel:
    if not path.is_file():
        raise ModelFileError(f"{path}: AWB model file not found (it ships with brightroom; "
                             "retrain with tools/train_awb.py)")
    try:
        z = np.load(path, allow_pickle=False)
        d = {k: z[k] for k in z.files}
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same error to the user
        raise ModelFileError(f"{path}: not a readable .npz model ({exc})") from exc
    missing = [k for k in (*_SCALARS, *_ARRAYS) if k not in d]
    if missing:
        raise ModelFileError(f"{path}: model lacks {', '.join(missing)}")
    version = int(d["version"])
    if version != MODEL_VERSION:
        raise ModelFileError(f"{path}: model format version {version}, this code reads "
                             f"version {MODEL_VERSION} (retrain with tools/train_awb.py)")
    n = int(d["n"])
    want = {"filters": (CHANNELS, n, n), "bias": (n, n), "gain": (n, n),
            "locus_weight": (n, n), "generic_space": (3, 3), "bin": (2,),
            "locus_prior": (PRIOR_MIRED[2], PRIOR_DIST[2])}
    for k, shape in want.items():
        if d[k].shape != shape or not np.all(np.isfinite(d[k])):
            raise ModelFileError(f"{path}: {k} has shape {d[k].shape}, expected {shape} "
                                 "(finite values)")
    return FFCCModel(filters=d["filters"].astype(np.float64), bias=d["bias"].astype(np.float64),
                     gain=d["gain"].astype(np.float64), n=n,
                     bin=(float(d["bin"][0]), float(d["bin"][1])),
                     u0=float(d["u0"]), v0=float(d["v0"]),
                     generic_space=d["generic_space"].astype(np.float64),
                     locus_weight=d["locus_weight"].astype(np.float64),
                     locus_prior=d["locus_prior"].astype(np.float64),
                     info=str(d["info"]) if "info" in d else "")


@cache
def _xyz_to_prophoto() -> np.ndarray:
    return np.linalg.inv(get_space("ProPhoto RGB").to_xyz)


def neutral_space(camera: CameraInfo | None, model: FFCCModel | None = None) -> np.ndarray:
    """``3 x 3`` map from camera RGB to the camera-independent space the model works in.

    ``M_XYZ->ProPhoto @ inverse(ColorMatrix at 6504 K)`` (the DNG colour matrix, interpolated as
    the DNG specification says); without a colour matrix, the model's ``generic_space``.
    """
    if camera is None or camera.color_matrix1 is None:
        return (model or load_model()).generic_space
    cm, _ = interpolate_matrix(camera, 6504.0)
    return _xyz_to_prophoto() @ np.linalg.inv(cm)


def _edges(img: np.ndarray) -> np.ndarray:
    """Local absolute deviation: mean over the 8 neighbours of ``|I(x) - I(x + d)|`` (Barron 2015)."""
    p = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
    h, w = img.shape[:2]
    acc = np.zeros_like(img)
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            if dy == 1 and dx == 1:
                continue
            acc += np.abs(p[dy:dy + h, dx:dx + w] - img)
    return acc / 8


BRIGHT_SHARE = 0.04
"""Share of the usable pixels, the brightest, that make the third histogram."""


def _grad2(a: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(a, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(a, cv2.CV_32F, 0, 1, ksize=3) / 8
    return gx * gx + gy * gy


FOCUS_SIGMA = 1.5
"""Blur (pixels) of the coarse scale that :func:`focus_weights` compares the fine scale with."""


def focus_weights(rgb: np.ndarray) -> np.ndarray:
    """``H x W`` float32 weights, large on sharp (in-focus) detail, zero on smooth or defocused
    regions and on noise.

    On log luminance (with a floor of 2 % of the 98th percentile, so noise in the dark does not
    count), the local gradient energy at the finest scale ``e1`` and after a Gaussian blur of
    :data:`FOCUS_SIGMA` ``e2`` (both averaged over sigma 2): a defocused edge loses little
    energy to the blur (``e1 / e2`` near 1), a sharp one much (Pentland 1987's ratio of
    differently blurred images). The weight is the coarse edge strength ``sqrt(e2)`` times the
    excess sharpness ``clip(sqrt(e1 / e2) - 1.3, 0, 2)``: the edges of what the photographer
    focused on, the subject, whose light a mixed-light photograph is balanced for.
    """
    y = np.ascontiguousarray(rgb, dtype=np.float32).mean(axis=-1)
    floor = 0.02 * float(np.percentile(y, 98)) + 1e-6
    lg = np.log(np.maximum(y, 0) + np.float32(floor))
    e1 = cv2.GaussianBlur(_grad2(lg), (0, 0), 2)
    e2 = cv2.GaussianBlur(_grad2(cv2.GaussianBlur(lg, (0, 0), FOCUS_SIGMA)), (0, 0), 2)
    r = np.sqrt(e1 / (e2 + np.float32(1e-8)))
    return (np.sqrt(e2) * np.clip(r - np.float32(1.3), 0, 2)).astype(np.float32)


def _point(space: np.ndarray, e: np.ndarray) -> np.ndarray:
    x = space @ np.asarray(e, np.float64)
    if np.all(x > 0) and np.all(np.isfinite(x)):
        return np.array([[np.log(x[1] / x[0]), np.log(x[1] / x[2])]])
    return np.zeros((0, 2))


def featurize(rgb: np.ndarray, mask: np.ndarray, space: np.ndarray
              ) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray | None, ...]]:
    """Log-chroma ``(u, v)`` of the seven feature channels, in the model's space, and weights.

    1. the usable pixels and 2. the edge image (local absolute deviation), as in the paper;
    3. the brightest :data:`BRIGHT_SHARE` of the usable pixels by their largest channel: a
    histogram has no intensity, and bright surfaces carry the light's colour more often than
    others (Joze et al. 2012); 4. the white-patch estimate (per-channel maximum of the 3 x 3
    median-filtered image, Land 1977) and 5. the gray-world estimate (Buchsbaum 1980), one point
    each, so that the learned filters turn these classic estimates into likelihoods that the
    histogram evidence and the prior refine; 6. the usable pixels weighted by
    :func:`focus_weights` and 7. their weighted gray world, one point: in a mixed-light
    photograph the subject is in focus and the light to balance for is the subject's (the
    paper's framework takes any histogram channels; 3-7 are our extension).

    Returns seven ``(N, 2)`` float arrays (the one-point channels with one row, or none
    when unusable) and, per channel, ``(N,)`` weights or None (every point counts once).
    """
    img = cv2.transform(np.ascontiguousarray(rgb, dtype=np.float32), space.astype(np.float32))
    out = []
    pos = []
    for a in (img, _edges(img)):
        v = a[mask]
        ok = (v[:, 0] > 1e-6) & (v[:, 1] > 1e-6) & (v[:, 2] > 1e-6)
        pos.append(ok)
        lg = np.log(v[ok])
        out.append(np.stack([lg[:, 1] - lg[:, 0], lg[:, 1] - lg[:, 2]], axis=1))
    v = rgb[mask]
    ok = pos[0]
    mx = np.maximum(np.maximum(v[:, 0], v[:, 1]), v[:, 2])
    k = max(1, int(round(BRIGHT_SHARE * len(mx))))
    top = np.zeros(len(mx), bool)
    if len(mx):
        top[np.argpartition(mx, len(mx) - k)[len(mx) - k:]] = True
    out.append(out[0][top[ok]] if ok.any() else out[0])
    med = cv2.medianBlur(np.ascontiguousarray(rgb, dtype=np.float32), 3)
    any_px = bool(mask.any())
    out.append(_point(space, med[mask].max(axis=0) if any_px else np.zeros(3)))
    out.append(_point(space, v.mean(axis=0, dtype=np.float64) if any_px else np.zeros(3)))
    fw = focus_weights(rgb)[mask]
    out.append(out[0])
    wsum = float(fw.sum())
    out.append(_point(space, (v * fw[:, None]).sum(axis=0, dtype=np.float64) / wsum)
               if wsum > 0 else np.zeros((0, 2)))
    weights: tuple[np.ndarray | None, ...] = (None, None, None, None, None,
                                              fw[ok].astype(np.float64), None)
    return tuple(out), weights


def histograms(uv: tuple[np.ndarray, ...], model: FFCCModel,
               weights: tuple[np.ndarray | None, ...] | None = None) -> np.ndarray:
    """``(C, n, n)`` wrapped log-chroma histograms (each sums to 1, or 0 when empty); a channel
    with ``weights`` counts each point by its weight."""
    n, (hu, hv) = model.n, model.bin
    out = np.zeros((len(uv), n, n))
    for c, a in enumerate(uv):
        if len(a) == 0:
            continue
        w = None if weights is None else weights[c]
        iu = np.floor((a[:, 0] - model.u0) / hu).astype(np.int64) % n
        iv = np.floor((a[:, 1] - model.v0) / hv).astype(np.int64) % n
        hist = np.bincount(iu * n + iv, weights=w, minlength=n * n).astype(np.float64)
        total = hist.sum()
        if total > 0:
            out[c] = (hist / total).reshape(n, n)
    return out


LOCUS_SCALE = 0.05
"""Log-chroma distance that :func:`locus_map` counts as one unit."""


@lru_cache(maxsize=32)
def _locus_map(cm1: bytes, cm2: bytes | None, ill: tuple, n: int,
               bins: tuple[float, float], u0: float, v0: float) -> np.ndarray:
    c1 = np.frombuffer(cm1).reshape(3, 3)
    c2 = None if cm2 is None else np.frombuffer(cm2).reshape(3, 3)
    cam = CameraInfo(color_matrix1=c1, color_matrix2=c2, illuminant1=ill[0], illuminant2=ill[1])
    t = neutral_space(cam)
    pts = camera_locus(cam, np.asarray(LOCUS_CCTS)) @ t.T
    lc = np.stack([np.log(pts[:, 1] / pts[:, 0]), np.log(pts[:, 1] / pts[:, 2])], axis=1)
    cu = u0 + bins[0] * (np.arange(n) + 0.5)
    cv = v0 + bins[1] * (np.arange(n) + 0.5)
    q = np.stack(np.meshgrid(cu, cv, indexing="ij"), axis=-1).reshape(-1, 2)
    a, b = lc[:-1], lc[1:]
    ab = b - a
    tt = np.clip(((q[:, None] - a[None]) * ab[None]).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-30),
                 0, 1)
    foot = a[None] + tt[..., None] * ab[None]
    d2all = ((foot - q[:, None]) ** 2).sum(-1)
    seg = d2all.argmin(axis=1)
    rows = np.arange(len(q))
    d2 = d2all[rows, seg]
    mired = 1e6 / np.asarray(LOCUS_CCTS)
    m = mired[seg] + tt[rows, seg] * (mired[seg + 1] - mired[seg])
    # signed: + on the green side of the locus, where fluorescent lights lie (a light with a
    # positive tint lands at d > 0; LOCUS_CCTS runs from cool to warm)
    rel = q - foot[rows, seg]
    cross = ab[seg, 0] * rel[:, 1] - ab[seg, 1] * rel[:, 0]
    d = -np.sign(cross) * np.sqrt(d2) / LOCUS_SCALE
    out = np.stack([np.minimum(d2 / LOCUS_SCALE**2, 25.0), m, d], axis=-1).reshape(n, n, 3)
    out.setflags(write=False)
    return out


def locus_map(camera: CameraInfo | None, model: FFCCModel) -> np.ndarray:
    """``(n, n)``: squared distance of each illuminant bin to the camera's own locus.

    The camera's Planckian / daylight locus (:func:`~brightroom.color.profile.camera_locus`,
    from its DNG matrices) mapped into the normalised space, in units of
    :data:`LOCUS_SCALE` and capped at 25; zeros without colour matrices. With two matrices the
    locus is exact for the camera where a single normalising matrix is not, so this prior
    (weighted per bin by the learned ``locus_weight``) sharpens the learned, camera-independent
    bias map.
    """
    if camera is None or camera.color_matrix1 is None:
        return np.zeros((model.n, model.n))
    return _locus_geometry(camera, model)[..., 0]


def _locus_geometry(camera: CameraInfo, model: FFCCModel) -> np.ndarray:
    cm2 = None if camera.color_matrix2 is None else np.ascontiguousarray(
        camera.color_matrix2, np.float64).tobytes()
    ill = (int(camera.illuminant1), None if camera.illuminant2 is None else int(camera.illuminant2))
    return _locus_map(np.ascontiguousarray(camera.color_matrix1, np.float64).tobytes(), cm2,
                      ill, model.n, tuple(model.bin), model.u0, model.v0)


PRIOR_MIRED = (60.0, 560.0, 26)
"""Nodes of the locus prior table along the locus: from, to (mired), count."""
PRIOR_DIST = (-6.0, 6.0, 25)
"""Nodes across the locus: signed distance in :data:`LOCUS_SCALE` units (+ green side)."""


def prior_interpolation(camera: CameraInfo | None, model: FFCCModel
                        ) -> tuple[np.ndarray, np.ndarray] | None:
    """Bilinear interpolation of the locus prior table at every illuminant bin: ``(n*n, 4)``
    flat table indices and weights, or None without colour matrices.

    Each bin's coordinates relative to the camera's own locus (its position along it in mired,
    its signed distance across it) index the table ``model.locus_prior``, so a prior learned
    on some cameras - lights lie near the locus, fluorescents on its green side, few below
    2000 K - transfers to any camera with DNG matrices.
    """
    if camera is None or camera.color_matrix1 is None:
        return None
    g = _locus_geometry(camera, model)
    out = []
    for (lo, hi, k), x in ((PRIOR_MIRED, g[..., 1]), (PRIOR_DIST, g[..., 2])):
        f = np.clip((x.ravel() - lo) / (hi - lo) * (k - 1), 0, k - 1 - 1e-9)
        i = np.floor(f).astype(np.intp)
        out.append((i, f - i))
    (im, fm), (idd, fd) = out
    nd = PRIOR_DIST[2]
    idx = np.stack([im * nd + idd, im * nd + idd + 1, (im + 1) * nd + idd,
                    (im + 1) * nd + idd + 1], axis=1)
    w = np.stack([(1 - fm) * (1 - fd), (1 - fm) * fd, fm * (1 - fd), fm * fd], axis=1)
    return idx, w


def camera_prior(camera: CameraInfo | None, model: FFCCModel) -> np.ndarray:
    """``(n, n)`` camera-specific log-prior over the illuminant bins: ``W * D`` (the learned
    weight times :func:`locus_map`) plus the locus prior table read at each bin's locus
    coordinates (:func:`prior_interpolation`); zeros without colour matrices."""
    n = model.n
    if camera is None or camera.color_matrix1 is None:
        return np.zeros((n, n))
    out = model.locus_weight * locus_map(camera, model)
    pi = prior_interpolation(camera, model)
    if pi is not None:
        idx, w = pi
        out = out + (model.locus_prior.ravel()[idx] * w).sum(axis=1).reshape(n, n)
    return out


def score(hist: np.ndarray, model: FFCCModel, prior: np.ndarray | None = None) -> np.ndarray:
    """``(n, n)`` posterior over illuminant bins: ``softmax(B + G * sum_c N_c (*) F_c + Q)``.

    ``Q`` is the camera's :func:`camera_prior` (``prior``; none when omitted).
    """
    conv = np.fft.irfft2((np.fft.rfft2(hist) * model.filters_fft).sum(axis=0),
                         s=(model.n, model.n))
    s = model.bias + model.gain * conv
    if prior is not None:
        s = s + prior
    s = np.exp(s - s.max())
    return s / s.sum()


def fit_von_mises(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (in bins, ``[0, n)``) and covariance (bins^2) of a von Mises fit to ``p`` on the torus.

    The mean of each axis is the circular mean of its marginal; the covariance is the moment
    estimate around that mean with wrapped offsets (Barron & Tsai 2017, section 4).
    """
    n = p.shape[0]
    ang = 2 * np.pi * np.arange(n) / n
    mu = np.empty(2)
    for ax in (0, 1):
        marg = p.sum(axis=1 - ax)
        z = (marg * np.exp(1j * ang)).sum()
        mu[ax] = (np.angle(z) % (2 * np.pi)) * n / (2 * np.pi)
    k = np.arange(n)
    du = (k - mu[0] + n / 2) % n - n / 2
    dv = (k - mu[1] + n / 2) % n - n / 2
    cov = np.array([[(p.sum(1) * du * du).sum(), (p * np.outer(du, dv)).sum()],
                    [(p * np.outer(du, dv)).sum(), (p.sum(0) * dv * dv).sum()]])
    return mu, cov


def uv_to_rgb(uv: np.ndarray) -> np.ndarray:
    """Normalised-space RGB (green = 1) of log-chroma ``(u, v) = (log G/R, log G/B)``."""
    uv = np.asarray(uv, dtype=np.float64)
    return np.stack([np.exp(-uv[..., 0]), np.ones(uv.shape[:-1]), np.exp(-uv[..., 1])], axis=-1)


def estimate_uv(hist: np.ndarray, model: FFCCModel, prior: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Illuminant log-chroma (unwrapped into the model's window) and its covariance (log^2);
    ``prior`` is the camera's :func:`camera_prior`."""
    mu, cov = fit_von_mises(score(hist, model, prior))
    # bin i covers [u0 + i h, u0 + (i + 1) h): its centre is i + 0.5
    h = np.asarray(model.bin)
    uv = np.array([model.u0, model.v0]) + h * (mu + 0.5)
    return uv, cov * np.outer(h, h)


WORKING_SIDE = 256
"""Long side (pixels) above which the input is area-averaged down before featurising: the
model was trained on renders of 128-192 pixels, and a 400-pixel stage preview would cost four
times as much for no gain."""


def working_resolution(rgb: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``rgb`` and ``mask`` area-averaged to a long side of at most :data:`WORKING_SIDE`.

    A reduced pixel is usable only when every pixel it averages was.
    """
    h, w = rgb.shape[:2]
    k = -(-max(h, w) // WORKING_SIDE)
    if k <= 1:
        return rgb, mask
    size = (max(1, w // k), max(1, h // k))
    small = cv2.resize(np.ascontiguousarray(rgb, dtype=np.float32), size,
                       interpolation=cv2.INTER_AREA)
    ok = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.999
    return small, ok


def barron2017(
    rgb: np.ndarray,
    *,
    mask: np.ndarray,
    camera: CameraInfo | None = None,
    model: FFCCModel | None = None,
    **_: object,
) -> np.ndarray:
    """Illuminant by Fast Fourier Color Constancy (Barron & Tsai 2017).

    Parameters
    ----------
    rgb
        ``H x W x 3`` linear camera RGB, not white balanced (the stage's
        :func:`~brightroom.develop.white_balance.mosaic_preview`).
    mask
        ``H x W`` usable pixels.
    camera
        Its DNG colour matrix normalises camera RGB (:func:`neutral_space`); without one the
        model's generic space is used.
    model
        An :class:`FFCCModel` (default: the shipped one).

    Returns
    -------
    numpy.ndarray
        Unit-norm camera RGB of the illuminant.

    References
    ----------
    Barron & Tsai (2017), see the module docstring.
    """
    m = model or load_model()
    t = neutral_space(camera, m)
    rgb, mask = working_resolution(rgb, mask)
    uv, wts = featurize(rgb, mask, t)
    if len(uv[0]) < 3:
        raise InputError("barron2017: fewer than 3 usable pixels with positive normalised RGB")
    est, _ = estimate_uv(histograms(uv, m, wts), m, camera_prior(camera, m))
    n = np.linalg.solve(t, uv_to_rgb(est))
    if np.any(n <= 0):
        raise InputError(f"barron2017: estimate {est} maps to a non-physical camera neutral {n}")
    return unit(n, "barron2017")
