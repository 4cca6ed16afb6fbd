"""Raw-domain denoising: the ``denoise_raw`` stage (``cfa -> cfa``).

Denoising runs on the mosaic, before demosaicing spreads the noise across channels and
neighbours. The noise model is the camera's :class:`~brightroom.types.NoiseProfile`
(variance ``scale * x + offset`` per channel, in normalised units), or, when the raw carries
none, one estimated from the mosaic itself (:func:`estimate_noise_profile`, after Foi et al.
2008). Every method variance-stabilises the four cell-position planes with the generalised
Anscombe transform (:mod:`.vst`), so one sigma fits every signal level, rotates them into luma
and chroma (:mod:`.planes`) and filters those.

Methods (:data:`DENOISE_METHODS`, a :class:`~brightroom.methods.Methods` registry: canonical
key, then the alias earlier versions used, which recipes may still name):

* ``"he2013"`` (alias ``"guided"``; default): self-guided filter per luma/chroma channel (He,
  Sun, Tang 2013), fused into one numba pass for Bayer mosaics (about 35 ms for 12 MP on
  2 cores).
* ``"buades2005"`` (alias ``"nlm"``): non-local means (Buades, Coll, Morel 2005) through
  OpenCV; about 1 dB better at high ISO and some 30 times slower.

References
----------
K. He, J. Sun, X. Tang (2013), Guided image filtering, IEEE TPAMI 35(6), 1397-1409.

A. Buades, B. Coll, J.-M. Morel (2005), A non-local algorithm for image denoising, CVPR 2005.

M. Makitalo, A. Foi (2013), Optimal inversion of the generalized Anscombe transformation for
Poisson-Gaussian noise, IEEE TIP 22(1), 91-103.

A. Foi, M. Trimeche, V. Katkovnik, K. Egiazarian (2008), Practical Poissonian-Gaussian noise
modeling and fitting for single-image raw-data, IEEE TIP 17(10), 1737-1754.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from brightroom.develop.params import Params, param
from brightroom.develop.pipeline import StageInput, StageKind
from brightroom.errors import ParameterError
from brightroom.methods import Methods
from brightroom.types import CFAPattern, LinearRawImage, NoiseProfile, RawImage

from ._he2013_numba import guided_denoise_bayer
from .buades2005 import nlm_denoise
from .he2013 import EPS_FACTOR, guided_denoise
from .he2013_rgb import (
    estimate_noise_rgb,
    estimate_noise_sparse,
    guided_denoise_rgb,
    guided_denoise_sparse,
)
from .noise_estimation import estimate_noise_profile, estimate_plane_noise
from .planes import position_matrix
from .vst import anscombe_forward, anscombe_inverse

__all__ = [
    "DENOISE_METHODS",
    "denoise_raw",
    "DenoiseParams",
    "DenoiseRaw",
    "cell_noise_model",
    "estimate_noise_profile",
    "estimate_plane_noise",
    "guided_denoise",
    "nlm_denoise",
    "denoise_linear",
    "anscombe_forward",
    "anscombe_inverse",
]


def _guided(cfa: np.ndarray, pattern: CFAPattern, scale: np.ndarray, offset: np.ndarray, *,
            strength: float, chroma: float, clip: np.ndarray | None,
            fast: bool = True) -> np.ndarray:
    if fast and pattern.block > 1 and strength > 0:
        return _per_sub_mosaic(_guided, cfa, pattern, scale, offset, strength=strength,
                               chroma=chroma, clip=clip)
    if not fast or pattern.block != 1 or strength <= 0:
        return guided_denoise(cfa, pattern, scale, offset, strength=strength, chroma=chroma,
                              clip=clip)

    sc = np.asarray(scale, np.float32)
    s2 = (np.asarray(offset, np.float32) / (sc * sc)).astype(np.float32)
    eps = (EPS_FACTOR * strength**2 * np.array([1.0, chroma**2, chroma**2, chroma**2])
           ).astype(np.float32)
    cl = (np.full(4, np.inf, np.float32) if clip is None
          else np.asarray(clip, np.float32).reshape(4))
    cfa = np.ascontiguousarray(cfa, dtype=np.float32)
    out = np.empty_like(cfa)
    return guided_denoise_bayer(cfa, out, position_matrix(pattern), sc, s2, eps, cl, 16)


def _per_sub_mosaic(method: Callable[..., np.ndarray], cfa: np.ndarray, pattern: CFAPattern,
                    scale: np.ndarray, offset: np.ndarray, **kw: Any) -> np.ndarray:
    """Denoise a quad/nona/hexadeca mosaic as ``block**2`` interleaved Bayer mosaics.

    The pixels at offset ``(a, c)`` inside each ``block x block`` group, taken with stride
    ``block``, form a Bayer mosaic of the same phase at ``1/block`` resolution. Sensor noise is
    independent per pixel, so each can be denoised on its own with the fast Bayer path (and a
    fraction of the memory of the reference).
    """
    b = pattern.block
    bayer = pattern.binned()
    out = np.empty_like(cfa, dtype=np.float32)
    for a in range(b):
        for c in range(b):
            sub = np.ascontiguousarray(cfa[a::b, c::b], dtype=np.float32)
            if min(sub.shape) < 2:
                out[a::b, c::b] = sub
                continue
            out[a::b, c::b] = method(sub, bayer, scale, offset, **kw)
    return out


def _nlm(cfa: np.ndarray, pattern: CFAPattern, scale: np.ndarray, offset: np.ndarray, *,
         strength: float, chroma: float, clip: np.ndarray | None,
         fast: bool = True) -> np.ndarray:
    return nlm_denoise(cfa, pattern, scale, offset, strength=strength, chroma=chroma, clip=clip)


DENOISE_METHODS: Methods[Callable[..., np.ndarray]] = Methods("denoise")
"""Raw denoising methods by name; each takes ``(cfa, pattern, scale4, offset4, *, strength,
chroma, clip, fast)`` with the noise model per raster cell position."""
DENOISE_METHODS.register(
    "he2013", _guided, aliases=("guided",),
    cite="He, K., Sun, J., Tang, X. (2013). Guided image filtering. IEEE TPAMI 35(6), "
         "1397-1409.")
DENOISE_METHODS.register(
    "buades2005", _nlm, aliases=("nlm",),
    cite="Buades, A., Coll, B., Morel, J.-M. (2005). A non-local algorithm for image "
         "denoising. CVPR 2005, vol. 2, 60-65.")
DENOISE_METHODS.freeze()


def cell_noise_model(profile: NoiseProfile, pattern: CFAPattern,
                     wb: tuple[float, float, float] | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Noise ``scale`` and ``offset`` per raster cell position, as float32 arrays of 4.

    When the mosaic already carries white-balance gains ``g``, a value ``x' = g x`` has
    variance ``g * scale * x' + g**2 * offset``. ``scale`` is at least :data:`SCALE_FLOOR`
    and ``offset`` at least :data:`OFFSET_FLOOR` (a purely Gaussian or noiseless model would
    break the stabilising transform's float32 precision).
    """
    cell = pattern.cell.ravel()
    g = np.ones(3) if wb is None else np.asarray(wb, np.float64)
    sc = np.array([profile.scale[c] * g[c] for c in cell], np.float64)
    of = np.array([profile.offset[c] * g[c] ** 2 for c in cell], np.float64)
    bad = [i for i in range(4) if sc[i] <= 0 and of[i] <= 0]
    if bad:
        raise ParameterError(f"noise profile {profile} has zero variance for cell positions "
                             f"{bad}; cannot denoise")
    of = np.maximum(of, OFFSET_FLOOR)
    sc = np.maximum(sc, SCALE_FLOOR)
    return sc.astype(np.float32), of.astype(np.float32)


OFFSET_FLOOR = 1e-8
"""Smallest read-noise variance used (about the quantisation noise of 10-bit data)."""

SCALE_FLOOR = 1e-5
"""Smallest shot-noise scale used: no sensor is assumed to collect more than 100 000
electrons at white. Smaller scales make the stabilised values so large (``2 sqrt(x/scale)``)
that their local variance loses float32 precision."""


def denoise_raw(
    cfa: np.ndarray,
    pattern: CFAPattern,
    *,
    noise_profile: NoiseProfile | None = None,
    method: str = "he2013",
    strength: float = 1.0,
    chroma: float = 1.0,
    wb: tuple[float, float, float] | None = None,
    saturation: tuple[float, float, float] | None = None,
    fast: bool = True,
) -> np.ndarray:
    """Denoise a normalised CFA mosaic.

    Parameters
    ----------
    cfa
        ``H x W`` float32 mosaic, 0 = black, 1 = white.
    pattern
        Its colour filter layout.
    noise_profile
        The sensor's noise; estimated from ``cfa`` when ``None``.
    method
        A key or alias of :data:`DENOISE_METHODS` (case ignored): ``"he2013"`` (``"guided"``)
        or ``"buades2005"`` (``"nlm"``).
    strength
        Multiplies the noise sigma the method assumes; 0 returns an unchanged copy.
    chroma
        Extra factor on the sigma of the chroma channels (>= 1 filters chroma harder).
    wb
        White-balance gains already in ``cfa`` (they scale the noise model).
    saturation
        Per-channel clip level; pixels at or above it are left as they are.
    fast
        Use the compiled fast path where one exists (the NumPy reference otherwise).

    Returns
    -------
    numpy.ndarray
        The denoised float32 mosaic; ``cfa`` is not modified.

    References
    ----------
    See the module docstring.
    """
    fn = DENOISE_METHODS.get(method)
    if not strength >= 0 or not np.isfinite(strength):
        raise ParameterError(f"denoise strength must be a finite value >= 0, got {strength!r}")
    if not chroma > 0 or not np.isfinite(chroma):
        raise ParameterError(f"denoise chroma factor must be > 0, got {chroma!r}")
    cfa = np.asarray(cfa)
    if cfa.ndim != 2:
        raise ParameterError(f"a mosaic must be 2-D, got shape {cfa.shape}")
    if strength == 0:
        return np.array(cfa, dtype=np.float32, copy=True)
    if pattern.is_xtrans:
        return _denoise_xtrans(cfa, pattern, noise_profile, strength=strength, wb=wb,
                               saturation=saturation)
    if noise_profile is None:
        noise_profile = estimate_noise_profile(cfa.astype(np.float32, copy=False), pattern)
        wb = None  # estimated on the data as it is
    scale, offset = cell_noise_model(noise_profile, pattern, wb)
    clip = None
    if saturation is not None:
        clip = np.array([saturation[c] for c in pattern.cell.ravel()], np.float32) * 0.999
    return fn(cfa.astype(np.float32, copy=False), pattern, scale, offset, strength=strength,
              chroma=chroma, clip=clip, fast=fast)


def _channel_model(profile: NoiseProfile, wb: tuple[float, float, float] | None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel ``scale`` and ``offset`` (floored as in :func:`cell_noise_model`)."""
    g = np.ones(3) if wb is None else np.asarray(wb, np.float64)
    sc = np.maximum(np.asarray(profile.scale) * g, SCALE_FLOOR)
    of = np.maximum(np.asarray(profile.offset) * g**2, OFFSET_FLOOR)
    return sc.astype(np.float32), of.astype(np.float32)


def _denoise_xtrans(cfa: np.ndarray, pattern: CFAPattern, profile: NoiseProfile | None, *,
                    strength: float, wb: tuple[float, float, float] | None,
                    saturation: tuple[float, float, float] | None) -> np.ndarray:
    """An X-Trans mosaic: the per-colour normalised-convolution form of he2013
    (:func:`.he2013_rgb.guided_denoise_sparse`), whatever the method named."""
    a = np.asarray(cfa, dtype=np.float32)
    if profile is None:
        profile, wb = estimate_noise_sparse(a, pattern), None
    sc, of = _channel_model(profile, wb)
    clip = None if saturation is None else np.asarray(saturation, np.float32) * 0.999
    return guided_denoise_sparse(a, pattern, sc, of, strength=strength, clip=clip)


def denoise_linear(raw: LinearRawImage, profile: NoiseProfile | None, *,
                   strength: float = 1.0, chroma: float = 1.0) -> np.ndarray:
    """Denoise a linear raw's data (the RGB form of he2013, :func:`.he2013_rgb.guided_denoise_rgb`,
    whatever the method named); ``profile`` ``None`` estimates one from the data."""
    wb = raw.wb
    if profile is None:
        profile, wb = estimate_noise_rgb(raw.data), None
    sc, of = _channel_model(profile, wb)
    n = raw.data.shape[2]
    clip = np.asarray(raw.saturation, np.float32)[:n] * 0.999
    return guided_denoise_rgb(raw.data, sc[:n], of[:n], strength=strength, chroma=chroma,
                              clip=clip)


@dataclass(frozen=True)
class DenoiseParams(Params):
    """Parameters of the ``denoise_raw`` stage."""

    method: str = param("he2013", choices=DENOISE_METHODS.choices(),
                        doc="denoising method (a DENOISE_METHODS key or alias)")
    strength: float = param(1.0, range=(0.0, 4.0), units="x noise sigma",
                            doc="multiplies the noise sigma the filter assumes; 0 = off")
    chroma: float = param(1.0, range=(0.25, 4.0), units="x",
                          doc="extra factor on the sigma of the chroma channels")


class DenoiseRaw(StageKind):
    """Raw-domain denoising driven by the camera's noise profile (or one estimated from the mosaic).

    The plan is the noise profile the filter assumes (the camera's, or
    :func:`estimate_noise_profile` when the file has none); provides ``denoised``.
    """

    name = "denoise_raw"
    takes = "cfa"
    gives = "cfa"
    params = DenoiseParams
    provides = frozenset({"denoised"})
    linear_raw = "render"

    def plan(self, src: StageInput, params: DenoiseParams) -> NoiseProfile | None:
        raw = src.frame
        if params.strength == 0:
            return None
        if raw.camera.noise_profile is not None:
            return raw.camera.noise_profile
        if isinstance(raw, LinearRawImage):
            return estimate_noise_rgb(raw.data)
        if raw.pattern.is_xtrans:
            return estimate_noise_sparse(raw.cfa, raw.pattern)
        return estimate_noise_profile(raw.cfa, raw.pattern)

    def render(self, raw: RawImage | LinearRawImage, params: DenoiseParams,
               plan: NoiseProfile | None) -> RawImage | LinearRawImage:
        state = raw.state.replace(denoised=True)
        if plan is None:
            return raw.replace(state=state)
        if isinstance(raw, LinearRawImage):
            own = raw.camera.noise_profile is not None
            out = denoise_linear(raw if own else raw.replace(state=raw.state.replace(
                white_balance=None)), plan, strength=params.strength, chroma=params.chroma)
            return raw.replace(data=out, state=state)
        # an estimated profile describes the data as it is (gains included)
        wb = raw.wb if raw.camera.noise_profile is not None else None
        out = denoise_raw(raw.cfa, raw.pattern, noise_profile=plan, method=params.method,
                          strength=params.strength, chroma=params.chroma, wb=wb,
                          saturation=raw.saturation)
        return raw.replace(cfa=out, state=state)
