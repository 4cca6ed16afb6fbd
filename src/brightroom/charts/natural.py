"""Natural scenes from scikit-image's bundled photographs, decoded to linear reflectance.

The 8-bit sRGB photos are decoded with the sRGB transfer curve (IEC 61966-2-1) and used as
linear sRGB reflectance coordinates (scaled by ``scale``), optionally resampled to a requested
size. They are display-referred JPEG sources, not radiometric truth: good for visual checks and
relative comparisons, not for absolute colour accuracy.

References
----------
van der Walt, S. et al. (2014). scikit-image: image processing in Python. PeerJ 2:e453
(``skimage.data``: astronaut (NASA, public domain), coffee, chelsea, rocket...).
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.charts.scene import Scene, _size
from brightroom.color.spaces import srgb_decode
from brightroom.errors import ParameterError
from brightroom.methods import Methods

__all__ = ["natural", "NATURAL_SCENES"]

NATURAL_SCENES: tuple[str, ...] = ("astronaut", "coffee", "chelsea", "rocket", "cat",
                                   "immunohistochemistry", "retina", "hubble_deep_field",
                                   "motorcycle")

# Middlebury 2014 "Motorcycle", 4x down-sampled as shipped by scikit-image (its docstring):
# focal length 994.978 px, principal-point x difference 31.086 px, baseline 193.001 mm.
_MOTORCYCLE = {"f_px": 994.978, "doffs_px": 31.086, "baseline_m": 0.193001}

_INTERP: Methods[int] = Methods("resampling")
"""OpenCV interpolation flag of each resampling method (standard names, no single paper's)."""
_INTERP.register("nearest", cv2.INTER_NEAREST, cite="nearest neighbour (OpenCV INTER_NEAREST)")
_INTERP.register("linear", cv2.INTER_LINEAR, cite="bilinear (OpenCV INTER_LINEAR)")
_INTERP.register("bicubic", cv2.INTER_CUBIC,
                 cite="cubic convolution, Keys (1981) with a = -0.75 (OpenCV INTER_CUBIC)")
_INTERP.register("lanczos", cv2.INTER_LANCZOS4,
                 cite="Lanczos window of 4 lobes, Duchon (1979) (OpenCV INTER_LANCZOS4)")
_INTERP.register("area", cv2.INTER_AREA, cite="pixel-area averaging (OpenCV INTER_AREA)")
_INTERP.freeze()


def natural(
    name: str = "astronaut",
    *,
    size: int | tuple[int, int] | None = None,
    megapixels: float | None = None,
    method: str = "lanczos",
    scale: float = 1.0,
) -> Scene:
    """A bundled photograph as a linear scene.

    Parameters
    ----------
    name
        One of :data:`NATURAL_SCENES`.
    size
        ``(height, width)`` to resample to (aspect ratio not kept), or
    megapixels
        Target pixel count in millions, keeping the aspect ratio (e.g. 12.0), rounded to even
        dimensions.
    method
        ``"lanczos"``, ``"bicubic"``, ``"linear"``, ``"area"`` or ``"nearest"`` (OpenCV; case
        ignored).
        Resampling happens in linear light; negative ringing is clipped to 0.
    scale
        Reflectance of an sRGB 255 white (1.0: the brightest pixel is a perfect reflector).

    Returns
    -------
    Scene
        ``ground_truth``: ``source``, ``source_shape``, ``method``, ``scale``. The
        ``"motorcycle"`` scene (Middlebury 2014, left view) also has ``depth`` in metres from
        its ground-truth disparity, ``Z = f B / (d + doffs)`` (NaN where unknown).

    References
    ----------
    Scharstein, D. et al. (2014). High-resolution stereo datasets with subpixel-accurate ground
    truth. GCPR 2014 (the Motorcycle scene and its disparity).
    """
    if name not in NATURAL_SCENES:
        raise ParameterError(f"unknown natural scene {name!r}; known: {', '.join(NATURAL_SCENES)}")
    method = _INTERP.canonical(method)
    if size is not None and megapixels is not None:
        raise ParameterError("give size or megapixels, not both")
    import skimage.data

    depth = None
    if name == "motorcycle":
        left, _, disp = skimage.data.stereo_motorcycle()
        src = np.asarray(left)
        c = _MOTORCYCLE
        with np.errstate(invalid="ignore", divide="ignore"):
            depth = (c["f_px"] * c["baseline_m"] / (np.asarray(disp, np.float64) + c["doffs_px"]))
        depth = np.where(np.isfinite(disp), depth, np.nan).astype(np.float32)
    else:
        src = np.asarray(getattr(skimage.data, name)())
    if src.ndim == 2:
        src = np.repeat(src[:, :, None], 3, axis=2)
    src = src[:, :, :3]
    lin = srgb_decode(src.astype(np.float32) / np.float32(255.0)) * np.float32(scale)
    h0, w0 = lin.shape[:2]
    if megapixels is not None:
        if megapixels <= 0:
            raise ParameterError(f"megapixels {megapixels} must be > 0")
        f = np.sqrt(megapixels * 1e6 / (h0 * w0))
        size = (2 * max(2, round(h0 * f / 2)), 2 * max(2, round(w0 * f / 2)))
    if size is not None:
        h, w = _size(size)
        if (h, w) != (h0, w0):
            lin = cv2.resize(lin, (w, h), interpolation=_INTERP[method])
            np.maximum(lin, 0, out=lin)
            if depth is not None:
                depth = cv2.resize(depth, (w, h), interpolation=cv2.INTER_NEAREST)
    rgb = np.ascontiguousarray(lin, dtype=np.float32)
    truth = {"chart": "natural", "source": f"skimage.data.{name}", "source_shape": (h0, w0),
             "method": method, "scale": float(scale)}
    if depth is not None:
        truth["depth"] = "metres, from Middlebury ground-truth disparity (NaN: unknown)"
    return Scene(rgb=rgb, name=f"natural-{name}", ground_truth=truth, depth=depth)
