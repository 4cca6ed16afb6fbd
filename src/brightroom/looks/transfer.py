"""Look transfer: give a photo the colour statistics of a reference photo.

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

import numpy as np

from brightroom.color.lut import LUT3D
from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.errors import ParameterError
from brightroom.types import Image

__all__ = ["TRANSFER_METHODS", "LabStats", "rgb_to_lalphabeta", "lalphabeta_to_rgb",
           "image_stats", "colour_transfer", "transfer_lut"]

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


TRANSFER_METHODS: dict[str, Callable[[np.ndarray, LabStats, LabStats, float], np.ndarray]] = {
    "reinhard2001": _reinhard2001,
}
"""Look-transfer methods by name."""


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
        One of :data:`TRANSFER_METHODS`.
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
    if method not in TRANSFER_METHODS:
        raise ParameterError(f"unknown transfer method {method!r}; known: "
                             f"{', '.join(TRANSFER_METHODS)}")
    if not 0 <= strength <= 1:
        raise ParameterError(f"transfer strength must be in [0, 1], got {strength!r}")
    ref = reference if isinstance(reference, LabStats) else image_stats(reference)
    src = image_stats(image)
    out = TRANSFER_METHODS[method](_linear(image), src, ref, strength)
    if isinstance(image, Image) and image.space == "linear_rgb":
        return image.replace(data=out.astype(np.float32))
    enc = np.clip(srgb_encode(np.clip(out, 0, None).astype(np.float32)), 0, 1)
    return image.replace(data=enc) if isinstance(image, Image) else enc


def transfer_lut(image: Image | np.ndarray, reference: Image | np.ndarray, *, size: int = 33,
                 method: str = "reinhard2001", strength: float = 1.0) -> LUT3D:
    """The transfer from ``image`` to ``reference`` baked into a 3D LUT on sRGB-encoded values
    (save it with :func:`brightroom.color.lut.write_cube` and use it as a look)."""
    if method not in TRANSFER_METHODS:
        raise ParameterError(f"unknown transfer method {method!r}; known: "
                             f"{', '.join(TRANSFER_METHODS)}")
    src, ref = image_stats(image), image_stats(reference)

    def fn(enc: np.ndarray) -> np.ndarray:
        lin = srgb_decode(enc).astype(np.float64)
        out = TRANSFER_METHODS[method](lin, src, ref, strength)
        return np.clip(srgb_encode(np.clip(out, 0, None).astype(np.float32)), 0, 1)

    return LUT3D.from_function(fn, size, title=f"look transfer ({method})")
