"""Shared pieces of the lab metrics: input checks, result base class, viewing conditions, CSFs.

The contrast sensitivity functions (CSFs) are those of the CPIQ spatial metrics framework
(IEEE 1858-2016, after Johnson & Fairchild 2003): a band-pass luminance CSF and two low-pass
chrominance CSFs, all functions of spatial frequency in cycles per degree of visual angle.
A :class:`ViewingCondition` converts image frequencies (cycles per pixel) into cycles per degree.

References
----------
IEEE 1858-2016, IEEE Standard for Camera Phone Image Quality (CPIQ).

Baxter, D., Cao, F., Eliasson, H., Phillips, J. (2012). Development of the I3A CPIQ spatial
metrics. Proc. SPIE 8293, Image Quality and System Performance IX, 829302.

Johnson, G. M., Fairchild, M. D. (2003). On contrast sensitivity in an image difference model.
Proc. IS&T PICS 2003, 18-23.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from brightroom.errors import InputError, ParameterError

__all__ = [
    "MetricResult",
    "ViewingCondition",
    "VIEWING_CONDITIONS",
    "get_viewing",
    "csf_luminance",
    "csf_red_green",
    "csf_blue_yellow",
    "as_float_image",
    "to_gray",
]


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return _jsonable(v.tolist()) if v.dtype.kind in "fc" else v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: _jsonable(getattr(v, f.name)) for f in dataclasses.fields(v)}
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


class MetricResult:
    """Mixin for the frozen result dataclasses: ``to_dict()`` gives JSON-ready data.

    Arrays become lists, NumPy scalars Python numbers, and non-finite floats (also inside
    arrays) ``None``, so that ``json.dumps(result.to_dict(), allow_nan=False)`` works.
    """

    def to_dict(self) -> dict[str, Any]:
        """The result as a dict of plain Python values (JSON serialisable)."""
        return {f.name: _jsonable(getattr(self, f.name))
                for f in dataclasses.fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class ViewingCondition:
    """How an image is looked at: one image pixel subtends ``pixel_pitch_m`` at ``distance_m``.

    Parameters
    ----------
    name
        Short label, for reports.
    distance_m
        Viewing distance in metres.
    pixel_pitch_m
        Size of one *image* pixel as displayed or printed, in metres.
    """

    name: str
    distance_m: float
    pixel_pitch_m: float

    def __post_init__(self) -> None:
        if not (self.distance_m > 0 and self.pixel_pitch_m > 0):
            raise ParameterError(f"ViewingCondition needs positive distance and pitch, got "
                                 f"{self.distance_m!r} m and {self.pixel_pitch_m!r} m")

    @property
    def pixels_per_degree(self) -> float:
        """Image pixels per degree of visual angle (exact, ``2 d tan(0.5 deg) / pitch``)."""
        return 2.0 * self.distance_m * math.tan(math.radians(0.5)) / self.pixel_pitch_m

    def cycles_per_degree(self, f_cpp: np.ndarray | float) -> np.ndarray:
        """Convert cycles per pixel to cycles per degree."""
        return np.asarray(f_cpp, dtype=np.float64) * self.pixels_per_degree

    @classmethod
    def print_(cls, image_height_px: int, print_height_m: float, distance_m: float,
               name: str = "print") -> ViewingCondition:
        """A print of height ``print_height_m`` of an image ``image_height_px`` tall."""
        return cls(name, distance_m, print_height_m / float(image_height_px))


VIEWING_CONDITIONS: dict[str, ViewingCondition] = {
    # 100 % crop on a 100 ppi (0.254 mm pitch) monitor seen from 60 cm: ~41 pixels per degree,
    # so the image Nyquist frequency (0.5 c/px) sits at ~21 c/deg.
    "monitor_100": ViewingCondition("monitor_100", 0.60, 0.0254 / 100),
    # 100 % crop on a 220 ppi laptop display seen from 50 cm (~76 px/deg).
    "laptop_100": ViewingCondition("laptop_100", 0.50, 0.0254 / 220),
    # A phone screen at 450 ppi, 30 cm (~93 px/deg), image shown 1:1.
    "phone_100": ViewingCondition("phone_100", 0.30, 0.0254 / 450),
}


def get_viewing(viewing: str | ViewingCondition) -> ViewingCondition:
    """Resolve a viewing condition given by name or as an object."""
    if isinstance(viewing, ViewingCondition):
        return viewing
    try:
        return VIEWING_CONDITIONS[viewing]
    except KeyError:
        raise ParameterError(f"unknown viewing condition {viewing!r}; known: "
                             f"{', '.join(VIEWING_CONDITIONS)}") from None


def csf_luminance(nu_cpd: np.ndarray | float) -> np.ndarray:
    """CPIQ luminance contrast sensitivity ``a nu^c exp(-b nu) / K`` (a=75, b=0.2, c=0.8, K=34.05).

    Band-pass, zero at DC, peak near 4 cycles/degree.

    References
    ----------
    IEEE 1858-2016 (CPIQ), edge acutance; Baxter et al. (2012).
    """
    nu = np.maximum(np.asarray(nu_cpd, dtype=np.float64), 0.0)
    return 75.0 * nu ** 0.8 * np.exp(-0.2 * nu) / 34.05


def _csf_chroma(nu: np.ndarray, a1: float, b1: float, c1: float,
                a2: float, b2: float, c2: float) -> np.ndarray:
    nu = np.maximum(np.asarray(nu, dtype=np.float64), 0.0)
    return (a1 * np.exp(-b1 * nu ** c1) + a2 * np.exp(-b2 * nu ** c2)) / (a1 + a2)


def csf_red_green(nu_cpd: np.ndarray | float) -> np.ndarray:
    """Red-green chrominance CSF of Johnson & Fairchild (2003), normalised to 1 at DC."""
    return _csf_chroma(np.asarray(nu_cpd), 109.1413, 0.0004, 3.4244, 93.5971, 0.0037, 2.1677)


def csf_blue_yellow(nu_cpd: np.ndarray | float) -> np.ndarray:
    """Blue-yellow chrominance CSF of Johnson & Fairchild (2003), normalised to 1 at DC."""
    return _csf_chroma(np.asarray(nu_cpd), 7.0328, 0.0000, 4.2582, 40.6910, 0.1039, 1.6487)


def as_float_image(image: Any, name: str = "image", *, min_size: int = 1) -> np.ndarray:
    """``image`` (array or :class:`brightroom.types.Image`) as float64 ``H x W`` or ``H x W x 3``.

    Never returns a view that could be written into the caller's data (a fresh array).
    """
    data = getattr(image, "data", image)
    try:
        a = np.array(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name}: expected a numeric array, got {type(data).__name__}") from exc
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] == 3)):
        raise InputError(f"{name}: expected H x W or H x W x 3, got shape {a.shape}")
    if a.shape[0] < min_size or a.shape[1] < min_size:
        raise InputError(f"{name}: needs at least {min_size} x {min_size} pixels, "
                         f"got {a.shape[0]} x {a.shape[1]}")
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name}: contains NaN or infinite values")
    return a


_SRGB_Y = np.array([0.2126729, 0.7151522, 0.0721750])


def to_gray(a: np.ndarray, channel: str | int = "luminance") -> np.ndarray:
    """One plane of ``a``: itself if 2-D, else luminance (Rec. 709 / sRGB Y weights) or a channel.

    ``channel`` is ``"luminance"``, ``"R"``, ``"G"``, ``"B"`` or an index 0-2.
    """
    if a.ndim == 2:
        return a
    if isinstance(channel, str):
        if channel.lower() in ("luminance", "y"):
            return a @ _SRGB_Y
        idx = "RGB".find(channel.upper()) if len(channel) == 1 else -1
        if idx < 0:
            raise ParameterError(f"channel must be 'luminance', 'R', 'G', 'B' or 0-2, "
                                 f"got {channel!r}")
        return a[..., idx]
    if channel in (0, 1, 2):
        return a[..., int(channel)]
    raise ParameterError(f"channel must be 'luminance', 'R', 'G', 'B' or 0-2, got {channel!r}")
