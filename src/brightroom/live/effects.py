"""Per-frame effects of the live room: background blur and replacement, beauty, a look.

All functions take and return display-encoded ``H x W x 3`` RGB; ``alpha`` is the person's
matte (1 = person) at the frame's size, float32 in [0, 1].

* :func:`masked_blur`: the background blurred *without the person's colours* (normalised
  convolution, Knutsson & Westin 1993): the image weighted by the background weight
  ``w = 1 - alpha`` and the weight itself are blurred with the same Gaussian, and divided,
  ``B = G * (w I) / G * w``; the person is then composited over ``B``. A naive blur (blur the
  whole frame, composite the sharp person over it: :func:`naive_blur`) smears the subject's
  colours into a halo around the silhouette. The blur runs at a reduced size (``scale``) and
  is upsampled: a Gaussian of tens of pixels has nothing left above that frequency.
* :func:`replace_background`: the person over another picture (resized to cover the frame).
* :func:`skin_mask`: skin by the fixed YCrCb box of Chai & Ngan (1999), ``133 <= Cr <= 173``
  and ``77 <= Cb <= 127``, softened, and limited to the person's matte when one is given. It
  is the documented stand-in for a face-landmark skin mask (the face-mesh model is not used).
* :func:`beauty`: skin smoothing, ``out = I + strength * skin * (S - I)`` with ``S`` the
  edge-preserving bilateral filter (Tomasi & Manduchi 1998) of ``I`` plus half of ``I``'s
  finest texture (``I - G_1 * I``, the pores); no geometry changes.
* :class:`ExposureSmoother`: gains that hold a pumping webcam's channel means on their slow
  average (auto exposure and white balance smoothing).
* :class:`ColourTable`: a per-pixel colour function (a look, the true-colour profile of
  :mod:`brightroom.live.truecolour`, or both composed) sampled once on a 64^3 grid of 8-bit
  codes and applied by nearest-node lookup; :class:`LookTable` is a look's (grain and
  vignette, which depend on position, are left out): measured on random pixels with
  ``vibrant``, mean 1.1 and worst 4.8 8-bit codes from the look itself.

References
----------
Chai, D., Ngan, K. N. (1999). Face segmentation using skin-color map in videophone
applications. IEEE Trans. Circuits Syst. Video Technol. 9(4), 551-564.

Knutsson, H., Westin, C.-F. (1993). Normalized and differential convolution. CVPR, 515-523.

Tomasi, C., Manduchi, R. (1998). Bilateral filtering for gray and color images. ICCV, 839-846.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import cv2
import numpy as np

from brightroom.errors import InputError, ParameterError
from brightroom.looks import Look, apply_look_array, load_look

__all__ = ["masked_blur", "blurred_background", "composite", "naive_blur", "replace_background",
           "covering_background", "skin_mask", "beauty", "ColourTable", "LookTable",
           "look_function", "load_background", "ExposureSmoother"]


def _check(frame: np.ndarray, alpha: np.ndarray) -> None:
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise ParameterError(f"frames are H x W x 3 RGB, got shape {frame.shape}")
    if alpha.shape != frame.shape[:2]:
        raise ParameterError(f"the matte is {alpha.shape}, the frame {frame.shape[:2]}")


def _small(h: int, w: int, scale: int) -> tuple[int, int]:
    return max(1, w // scale), max(1, h // scale)


def masked_blur(frame: np.ndarray, alpha: np.ndarray, sigma: float = 12.0, *,
                scale: int = 4) -> np.ndarray:
    """Background blur by normalised convolution (no halo); float32 out.

    Parameters
    ----------
    frame
        Display-encoded RGB, float32 in [0, 1].
    alpha
        Person matte at the frame's size.
    sigma
        Gaussian sigma of the background blur, in full-resolution pixels [12].
    scale
        The blur runs at ``1/scale`` of the frame and is upsampled [4].
    """
    _check(frame, alpha)
    h, w = frame.shape[:2]
    b = blurred_background(frame, alpha, sigma, scale=scale)
    return _over(frame, alpha, cv2.resize(b, (w, h), interpolation=cv2.INTER_LINEAR))


def blurred_background(frame: np.ndarray, alpha: np.ndarray, sigma: float = 12.0, *,
                       scale: int = 4) -> np.ndarray:
    """The background of :func:`masked_blur` at ``1/scale`` of the frame, before upsampling
    and compositing (the live render composites it in its fused pass, :func:`composite`)."""
    h, w = frame.shape[:2]
    size = _small(h, w, scale)
    f = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    a = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
    wgt = np.clip(1 - 2 * a, 0, 1)  # only clear background feeds the blur
    layer = np.empty((size[1], size[0], 4), np.float32)
    np.multiply(f, wgt[..., None], out=layer[..., :3])
    layer[..., 3] = wgt
    s = max(0.5, sigma / scale)
    bl = cv2.GaussianBlur(layer, (0, 0), s)
    # where the person covers the whole kernel, widen the blur to fill from further away
    # (a 4x wider Gaussian, run at a further quarter of the size: the same to a few codes)
    if float(bl[..., 3].min()) < 1e-3:
        quarter = cv2.resize(layer, _small(size[1], size[0], 4), interpolation=cv2.INTER_AREA)
        wide = cv2.resize(cv2.GaussianBlur(quarter, (0, 0), s), size,
                          interpolation=cv2.INTER_LINEAR)
        bl = np.where(bl[..., 3:4] < 1e-3, wide, bl)
    return np.ascontiguousarray(bl[..., :3] / np.maximum(bl[..., 3:4], 1e-6), np.float32)


def composite(frame: np.ndarray, alpha: np.ndarray, background: np.ndarray,
              table: ColourTable | None = None, *, method: str = "numba") -> np.ndarray:
    """The person over ``background`` as uint8, through ``table`` when given.

    ``background`` is at the frame's size or reduced (it is upsampled bilinearly, OpenCV's
    ``INTER_LINEAR`` mapping). ``method="numpy"`` is the reference (resize, blend, quantise,
    gather); ``"numba"`` the same in one fused pass (:mod:`brightroom.live._live_numba`).
    """
    _check(frame, alpha)
    if background.ndim != 3 or background.shape[2] != 3:
        raise ParameterError(f"the background is H x W x 3, got {background.shape}")
    h, w = frame.shape[:2]
    if method == "numpy":
        bg = background if background.shape[:2] == (h, w) else cv2.resize(
            background, (w, h), interpolation=cv2.INTER_LINEAR)
        out = (np.clip(_over(frame, alpha, bg), 0, 1) * 255 + 0.5).astype(np.uint8)
        return out if table is None else table(out, method="numpy")
    if method != "numba":
        raise ParameterError(f"composite method must be 'numpy' or 'numba', got {method!r}")
    from brightroom.live._live_numba import composite_table_numba  # lazy: numba start-up

    out = np.empty((h, w, 3), np.uint8)
    t = table if table is not None else _IDENTITY_ARGS
    composite_table_numba(np.ascontiguousarray(frame, np.float32),
                          np.ascontiguousarray(alpha, np.float32),
                          np.ascontiguousarray(background, np.float32), t._packed, t._ir,
                          t._ig, t._ib, table is not None, out)
    return out


def naive_blur(frame: np.ndarray, alpha: np.ndarray, sigma: float = 12.0, *,
               scale: int = 4) -> np.ndarray:
    """The naive background blur (the whole frame blurred, the person composited over it): the
    reference that :func:`masked_blur` is measured against (it leaves a halo)."""
    _check(frame, alpha)
    h, w = frame.shape[:2]
    size = _small(h, w, scale)
    b = cv2.GaussianBlur(cv2.resize(frame, size, interpolation=cv2.INTER_AREA), (0, 0),
                         max(0.5, sigma / scale))
    return _over(frame, alpha, cv2.resize(b, (w, h), interpolation=cv2.INTER_LINEAR))


def _over(fg: np.ndarray, alpha: np.ndarray, bg: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(alpha, np.float32)
    return cv2.blendLinear(np.ascontiguousarray(fg, np.float32),
                           np.ascontiguousarray(bg, np.float32), a, 1 - a)


def load_background(path: str | os.PathLike[str]) -> np.ndarray:
    """A replacement background as display-encoded float32 RGB (any format OpenCV reads)."""
    img = cv2.imread(os.fspath(path), cv2.IMREAD_COLOR)
    if img is None:
        raise InputError(f"{path}: cannot read the background image (expected a PNG or JPEG)")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB).astype(np.float32) / 255


def covering_background(background: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``background`` resized and centre-cropped to cover ``size`` (width, height)."""
    w, h = size
    bh, bw = background.shape[:2]
    k = max(w / bw, h / bh)
    nw, nh = max(w, round(bw * k)), max(h, round(bh * k))
    bg = cv2.resize(background, (nw, nh), interpolation=cv2.INTER_AREA if k < 1
                    else cv2.INTER_LINEAR)
    y, x = (nh - h) // 2, (nw - w) // 2
    return np.ascontiguousarray(bg[y:y + h, x:x + w], np.float32)


def replace_background(frame: np.ndarray, alpha: np.ndarray, background: np.ndarray
                       ) -> np.ndarray:
    """The person over ``background``, resized and centre-cropped to cover the frame."""
    _check(frame, alpha)
    h, w = frame.shape[:2]
    return _over(frame, alpha, covering_background(background, (w, h)))


def skin_mask(frame: np.ndarray, alpha: np.ndarray | None = None, *,
              soften: float = 2.0, scale: int | None = None) -> np.ndarray:
    """Soft skin mask (Chai & Ngan's YCrCb box), times the person matte when given.

    ``scale``: the box test and its softening run at ``1/scale`` and the mask is upsampled
    (None: 2 for frames at least 360 pixels high, else 1).
    """
    u8 = frame if frame.dtype == np.uint8 else (np.clip(frame, 0, 1) * 255 + 0.5).astype(np.uint8)
    h, w = u8.shape[:2]
    if scale is None:
        scale = 2 if min(h, w) >= 360 else 1
    small = u8 if scale == 1 else cv2.resize(u8, _small(h, w, scale), interpolation=cv2.INTER_AREA)
    ycc = cv2.cvtColor(small, cv2.COLOR_RGB2YCrCb)
    m = cv2.inRange(ycc, np.array([0, 133, 77], np.uint8), np.array([255, 173, 127], np.uint8))
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    # blemishes and pores darker than the box are holes in the skin: close them
    k = 2 * max(1, round(3 / scale)) + 1
    m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    # the box's edges are hard: a blurred mask blends smoothed and sharp skin without a seam
    out = cv2.GaussianBlur(m.astype(np.float32) * np.float32(1 / 255), (0, 0),
                           max(0.5, soften / scale))
    if scale != 1:
        out = cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)
    if alpha is not None:
        out *= alpha
    return out


def beauty(frame: np.ndarray, strength: float, skin: np.ndarray, *, sigma_color: float = 0.2,
           sigma_space: float = 6.0, texture: float = 0.5, texture_limit: float = 0.02,
           scale: int | None = None) -> np.ndarray:
    """Skin smoothing: the bilateral filter of the frame, mixed in by ``strength * skin``.

    Parameters
    ----------
    frame
        Display-encoded RGB, float32 in [0, 1].
    strength
        0 (off) .. 1 (the filtered skin).
    skin
        Skin mask at the frame's size (:func:`skin_mask`).
    sigma_color
        Range sigma of the bilateral filter, display units [0.2].
    sigma_space
        Spatial sigma in full-resolution pixels [6].
    texture
        Fraction of the fine texture (the frame minus its 1-pixel Gaussian: pores) put back
        on the smoothed skin [0.5].
    texture_limit
        The fine texture put back is clipped to +-this (display units): pores are faint, a
        blemish's edge is not [0.02].
    scale
        The filter runs at ``1/scale`` inside the skin's bounding box and is upsampled;
        None: where its spatial sigma is about 1.5 pixels (4 for the default 6) [None].
    """
    if not 0 <= strength <= 1:
        raise ParameterError(f"beauty strength must be in [0, 1], got {strength}")
    _check(frame, skin)
    out = np.array(frame, np.float32, copy=True)
    if strength == 0:
        return out
    bx, by, bw, bh = cv2.boundingRect((skin > 0.02).view(np.uint8))
    if bw == 0 or bh == 0:
        return out
    h, w = frame.shape[:2]
    if scale is None:  # the filter's spatial sigma about 1.5 px where it runs
        scale = max(1, int(sigma_space / 1.5))
    pad = int(3 * sigma_space) + scale
    y0, y1 = max(0, by - pad), min(h, by + bh + pad)
    x0, x1 = max(0, bx - pad), min(w, bx + bw + pad)
    crop = np.ascontiguousarray(frame[y0:y1, x0:x1], np.float32)
    ch, cw = crop.shape[:2]
    small = cv2.resize(crop, _small(ch, cw, scale), interpolation=cv2.INTER_AREA) \
        if scale > 1 else crop
    ss = max(0.5, sigma_space / scale)
    sm = cv2.bilateralFilter(small, int(2 * round(2 * ss) + 1), sigma_color, ss)
    if scale > 1:
        sm = cv2.resize(sm, (cw, ch), interpolation=cv2.INTER_LINEAR)
    if texture > 0:  # pores are faint: detail beyond +-texture_limit is a blemish, not put back
        fine = crop - cv2.GaussianBlur(crop, (0, 0), 1.0)
        sm += texture * np.clip(fine, -texture_limit, texture_limit)
    k = (strength * skin[y0:y1, x0:x1])[..., None]
    out[y0:y1, x0:x1] = crop + k * (sm - crop)
    return out


class ColourTable:
    """A per-pixel colour function applied by table lookup: ``fn`` is sampled once on 64^3
    8-bit codes (the step is 4 codes) and a frame is mapped by nearest-node lookup, one gather
    of 4 bytes a pixel (within about 5 codes of ``fn``, 1 on average, for a look).

    Parameters
    ----------
    fn
        Display RGB float32 ``(..., 3)`` in [0, 1] to display RGB (clipped to [0, 1]).
    name
        What it is (for messages).
    """

    N = 64

    def __init__(self, fn: Callable[[np.ndarray], np.ndarray], name: str = "") -> None:
        self.name = name
        n = self.N
        v = (np.arange(n, dtype=np.float32) * 255 / (n - 1)).round() / 255
        r, g, b = np.meshgrid(v, v, v, indexing="ij")
        grid = np.stack([r, g, b], -1).reshape(n * n, n, 3)
        out = np.asarray(fn(grid), np.float32).reshape(n * n, n, 3)
        self.table = (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8).reshape(n, n, n, 3)
        packed = np.zeros((n ** 3, 4), np.uint8)
        packed[:, :3] = self.table.reshape(-1, 3)
        self._packed = packed.view(np.uint32).ravel()  # one gather of 4 bytes a pixel
        i = ((np.arange(256) * (n - 1) + 127) // 255).astype(np.uint32)
        self._ir, self._ig, self._ib = i * n * n, i * n, i

    def __call__(self, frame: np.ndarray, *, method: str = "numba") -> np.ndarray:
        """Apply to a uint8 RGB frame; uint8 out. ``method="numpy"`` is the reference (three
        index lookups and one gather), ``"numba"`` one fused pass."""
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ParameterError(f"a colour table takes uint8 H x W x 3, got {frame.dtype} "
                                 f"{frame.shape}")
        if method == "numba":
            from brightroom.live._live_numba import table_numba  # lazy: numba start-up

            out = np.empty(frame.shape, np.uint8)
            table_numba(np.ascontiguousarray(frame), self._packed, self._ir, self._ig,
                        self._ib, out)
            return out
        if method != "numpy":
            raise ParameterError(f"table method must be 'numpy' or 'numba', got {method!r}")
        idx = self._ir[frame[..., 0]]
        idx += self._ig[frame[..., 1]]
        idx += self._ib[frame[..., 2]]
        out = np.take(self._packed, idx).view(np.uint8).reshape(*frame.shape[:2], 4)
        return out[..., :3]


class _Identity:
    """Placeholder table arguments of the fused composite when no table is applied."""

    _packed = np.zeros(1, np.uint32)
    _ir = _ig = _ib = np.zeros(256, np.uint32)


_IDENTITY_ARGS = _Identity()


def look_function(look: str | os.PathLike[str] | Look, strength: float = 1.0
                  ) -> Callable[[np.ndarray], np.ndarray]:
    """A look (:mod:`brightroom.looks`) as a per-pixel function of display RGB: grain and
    vignette, which depend on position, are left out."""
    lk = load_look(look)
    lk = Look(lk.name, tuple(o for o in lk.operations if o.kind not in ("grain", "vignette")),
              lk.description, lk.source)

    def fn(rgb: np.ndarray) -> np.ndarray:
        return apply_look_array(rgb, lk, strength=strength)

    fn.__name__ = lk.name
    return fn


class LookTable(ColourTable):
    """A look applied by table lookup (:class:`ColourTable` of :func:`look_function`).

    Parameters
    ----------
    look
        A built-in look's name, a ``.toml`` file, or a :class:`~brightroom.looks.Look`.
    strength
        0..2, as :func:`brightroom.looks.apply_look_array` [1].
    """

    def __init__(self, look: str | os.PathLike[str] | Look, strength: float = 1.0) -> None:
        fn = look_function(look, strength)
        super().__init__(fn, fn.__name__)


class ExposureSmoother:
    """Steadies a webcam whose auto exposure and white balance pump: per-channel gains that
    hold each channel's mean (linear light, every 8th pixel) on its slow average.

    ``r_t = r_t-1 + k (m_t - r_t-1)``, ``k = 1 - exp(-1 / (fps * tau))``, and the frame is
    scaled by ``(r_t / m_t) ** (1 / 2.2)`` in display values (the gain in linear light, through
    a 2.2 power), limited to ``1 / max_gain .. max_gain``: flicker faster than ``tau`` seconds
    is cancelled, a real change of light is followed within a few ``tau``.

    Parameters
    ----------
    fps
        Frame rate of the stream.
    tau
        Time constant of the slow average in seconds [2].
    max_gain
        Largest correction [1.5].
    """

    _DECODE = ((np.arange(256) / 255.0) ** 2.2).astype(np.float32)

    def __init__(self, fps: float = 30.0, tau: float = 2.0, max_gain: float = 1.5) -> None:
        if not fps > 0 or not tau > 0 or not max_gain >= 1:
            raise ParameterError(f"fps and tau must be > 0 and max_gain >= 1, got {fps}, "
                                 f"{tau}, {max_gain}")
        self.k = float(1 - np.exp(-1 / (fps * tau)))
        self.max_gain = max_gain
        self._ref: np.ndarray | None = None

    def gains(self, frame: np.ndarray) -> np.ndarray:
        """The display-value gains (3,) for a uint8 RGB frame (updates the average)."""
        m = np.take(self._DECODE, frame[::8, ::8]).reshape(-1, 3).mean(0) + 1e-4
        if self._ref is None:
            self._ref = m
        else:
            self._ref = self._ref + self.k * (m - self._ref)
        g = np.clip(self._ref / m, 1 / self.max_gain, self.max_gain)
        return (g ** (1 / 2.2)).astype(np.float32)
