"""Lens model: diffraction + defocus PSF, cos^4 vignetting, lateral chromatic aberration.

All operations act on a linear ``H x W x 3`` camera-RGB irradiance (or electron) image before
the colour filter array samples it. The image is the full sensor frame for the field-dependent
effects: vignetting and lateral CA are functions of the radius normalised to the half diagonal
of the rendered image, whatever its pixel count. The PSF is in pixels of the given pitch.

References
----------
Born, M., Wolf, E. (1999). Principles of Optics, 7th ed., section 8.5.2 (Airy pattern,
``I(v) = (2 J1(v) / v)^2`` with ``v = pi r / (lambda N)``).
Goodman, J. W. (2005). Introduction to Fourier Optics, 3rd ed. (incoherent imaging, the PSF
of defocus approximated here by a Gaussian).
Ray, S. F. (2002). Applied Photographic Optics, 3rd ed., "natural vignetting, cos^4 law".
ISO 18844:2017, Photography - Digital cameras - Image flare measurement.
Kang, S. B., Weiss, R. (2000). Can we calibrate a camera using an image of a flat,
textureless Lambertian surface? ECCV (off-axis illumination falloff models).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from scipy.special import j1

from brightroom.errors import ParameterError

__all__ = ["Optics", "airy_psf", "psf_kernels", "kernel_mtf", "optics_mtf", "vignetting_map",
           "relative_illumination", "shading_gain_map", "apply_lateral_ca", "apply_optics"]


@dataclass(frozen=True)
class Optics:
    """A lens.

    Attributes
    ----------
    f_number
        Working aperture N.
    focal_length_mm
        Real focal length (EXIF FocalLength).
    half_fov_deg
        Half of the diagonal field of view (sets the cos^4 falloff at the corner).
    defocus_sigma_px
        Standard deviation of a Gaussian blur for defocus and residual aberrations, in pixels
        of the output (binned) sensor.
    diffraction
        Include the Airy pattern of a circular aperture.
    vignetting
        Strength of the natural falloff: gain ``cos(theta) ** (4 * vignetting)``; 0 disables.
    lateral_ca
        Relative magnification of R, G, B minus 1 (e.g. ``(4e-4, 0, -4e-4)``).
    transmission
        Lens transmittance T (0..1).
    veiling_glare
        Fraction of the light scattered uniformly over the frame (flare), 0..0.2: each channel
        becomes ``(1 - g) * image + g * mean(image)``, which conserves energy and lifts the
        shadows of high-contrast scenes (ISO 18844 veiling glare index ~ ``g``).
    """

    f_number: float = 1.8
    focal_length_mm: float = 6.9
    half_fov_deg: float = 42.0
    defocus_sigma_px: float = 0.3
    diffraction: bool = True
    vignetting: float = 1.0
    lateral_ca: tuple[float, float, float] = (0.0, 0.0, 0.0)
    transmission: float = 0.9
    veiling_glare: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.veiling_glare <= 0.2:
            raise ParameterError(f"veiling glare {self.veiling_glare} must be in 0..0.2")
        if not 0.7 <= self.f_number <= 64:
            raise ParameterError(f"f-number {self.f_number} must be within 0.7..64")
        if not self.focal_length_mm > 0:
            raise ParameterError(f"focal length {self.focal_length_mm} mm must be > 0")
        if not 0 < self.half_fov_deg < 89:
            raise ParameterError(f"half field of view {self.half_fov_deg} deg must be in (0, 89)")
        if not 0 <= self.defocus_sigma_px <= 50:
            raise ParameterError(f"defocus sigma {self.defocus_sigma_px} px must be in 0..50")
        if not 0 <= self.vignetting <= 4:
            raise ParameterError(f"vignetting strength {self.vignetting} must be in 0..4")
        if not 0 < self.transmission <= 1:
            raise ParameterError(f"lens transmission {self.transmission} must be in (0, 1]")
        ca = tuple(float(v) for v in self.lateral_ca)
        if len(ca) != 3 or any(abs(v) > 0.05 for v in ca):
            raise ParameterError(f"lateral CA needs 3 magnification offsets within +-0.05, got {ca}")
        object.__setattr__(self, "lateral_ca", ca)


def airy_psf(radius_um: np.ndarray, wavelength_nm: float, f_number: float) -> np.ndarray:
    """Airy irradiance ``(2 J1(v) / v)^2``, ``v = pi r / (lambda N)``, peak 1 at ``r = 0``.

    References
    ----------
    Born and Wolf (1999), section 8.5.2.
    """
    v = np.pi * np.asarray(radius_um, dtype=np.float64) / (wavelength_nm * 1e-3 * f_number)
    out = np.ones_like(v)
    nz = v > 1e-9
    out[nz] = (2 * j1(v[nz]) / v[nz]) ** 2
    return out


def optics_mtf(freqs: np.ndarray, wavelength_nm: float, f_number: float, pixel_pitch_um: float,
               defocus_sigma_px: float = 0.0, diffraction: bool = True) -> np.ndarray:
    """MTF of the lens alone at ``freqs`` cycles/pixel: diffraction OTF times Gaussian.

    The diffraction-limited OTF of a circular pupil is
    ``(2 / pi) (acos(v) - v sqrt(1 - v^2))`` with ``v = f / f_c``, ``f_c = p / (lambda N)``
    cycles/pixel (pitch ``p``); the Gaussian blur gives ``exp(-2 pi^2 sigma^2 f^2)``.
    The simulated camera's full MTF (before the CFA) is this times the pixel aperture's
    ``sinc(f)``.

    References
    ----------
    Goodman (2005), section 6.3.2 (OTF of a diffraction-limited circular pupil).
    """
    f = np.abs(np.asarray(freqs, dtype=np.float64))
    out = np.exp(-2 * np.pi**2 * defocus_sigma_px**2 * f * f)
    if diffraction:
        fc = pixel_pitch_um / (wavelength_nm * 1e-3 * f_number)
        v = np.clip(f / fc, 0, 1)
        out = out * (2 / np.pi) * (np.arccos(v) - v * np.sqrt(1 - v * v))
    return out


@lru_cache(maxsize=64)
def psf_kernels(f_number: float, pixel_pitch_um: float, wavelengths_nm: tuple[float, ...],
                defocus_sigma_px: float, diffraction: bool = True,
                grid: int = 64) -> tuple[np.ndarray, ...]:
    """Discrete PSF kernels, one per wavelength, for area-sampled (pixel-integrated) scenes.

    Scenes are rendered as radiance averaged over each pixel, which already contains the
    pixel aperture (``sinc``); the kernel must add the lens alone. It is designed in the
    frequency domain: the Fourier-series coefficients of the lens MTF
    (:func:`optics_mtf`, diffraction OTF times the defocus Gaussian) over the band
    ``|f| <= 0.5`` cycles/pixel, i.e. the band-limited PSF sampled at whole pixels, truncated
    where it has decayed. The kernel's frequency response therefore equals the lens MTF
    below Nyquist up to the truncation of the PSF tails (radius 4-15 px; typically 1-3 % of
    MTF, most near Nyquist, use :func:`kernel_mtf` for the exact value), and a slanted edge
    measured on the simulated image gives ``sinc(f) * MTF_lens(f)``, as a real sensor would.
    Kernels are odd-sized float32 with unit sum; they can have small negative side lobes
    (band limiting).

    References
    ----------
    Goodman (2005), chapter 6; Oppenheim, Schafer, Discrete-Time Signal Processing (window
    design of FIR filters from a frequency response).
    """
    if pixel_pitch_um <= 0:
        raise ParameterError(f"pixel pitch {pixel_pitch_um} um must be > 0")
    f = np.fft.fftfreq(grid)
    rho = np.hypot(f[:, None], f[None, :])
    out = []
    for lam in wavelengths_nm:
        h = optics_mtf(rho, lam, f_number, pixel_pitch_um, defocus_sigma_px, diffraction)
        k = np.fft.fftshift(np.real(np.fft.ifft2(h)))
        c = grid // 2
        airy_zero_px = 1.22 * lam * 1e-3 * f_number / pixel_pitch_um if diffraction else 0.0
        rad = int(np.clip(np.ceil(3 * defocus_sigma_px + 3 * airy_zero_px) + 2, 4, 15))
        k = k[c - rad:c + rad + 1, c - rad:c + rad + 1]
        k = k / k.sum()
        k = k.astype(np.float32)
        k.setflags(write=False)
        out.append(k)
    return tuple(out)


def kernel_mtf(kernel: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    """Horizontal MTF (|DTFT| along x of the column-summed kernel) at ``freqs`` cycles/pixel."""
    line = np.asarray(kernel, dtype=np.float64).sum(axis=0)
    x = np.arange(line.size) - line.size // 2
    f = np.asarray(freqs, dtype=np.float64)
    return np.abs(np.exp(-2j * np.pi * np.multiply.outer(f, x)) @ line)


def _radius_norm(h: int, w: int) -> np.ndarray:
    y = np.arange(h, dtype=np.float32) - np.float32((h - 1) / 2)
    x = np.arange(w, dtype=np.float32) - np.float32((w - 1) / 2)
    half_diag = np.float32(np.hypot((h - 1) / 2, (w - 1) / 2) or 1.0)
    return np.sqrt(y[:, None] ** 2 + x[None, :] ** 2) / half_diag


def vignetting_map(shape: tuple[int, int], optics: Optics) -> np.ndarray:
    """Relative illumination ``cos(theta) ** (4 * strength)`` over an ``H x W`` frame.

    ``tan(theta) = r_norm * tan(half_fov)``, ``r_norm`` the radius over the half diagonal.

    References
    ----------
    Ray (2002), natural vignetting (cos^4 law).
    """
    h, w = shape
    return relative_illumination(_radius_norm(h, w), optics)


def relative_illumination(r_norm: np.ndarray, optics: Optics) -> np.ndarray:
    """``cos(theta) ** (4 * strength)`` at radii ``r_norm`` (over the half diagonal), float32."""
    t = np.asarray(r_norm, dtype=np.float32) * np.float32(np.tan(np.deg2rad(optics.half_fov_deg)))
    cos2 = 1.0 / (1.0 + t * t)
    return (cos2 ** np.float32(2 * optics.vignetting)).astype(np.float32)


def shading_gain_map(shape: tuple[int, int], optics: Optics,
                     points: tuple[int, int] = (13, 17)) -> np.ndarray:
    """The DNG ``GainMap`` that undoes :func:`vignetting_map`: ``h x w x 4`` float32.

    Grid points lie on the first and last pixel rows/columns (``MapOrigin`` 0, spacing
    ``1 / (points - 1)``), as :class:`brightroom.types.RawImage` and the DNG writer expect; the
    4 planes (2 x 2 cell positions) are equal because the model's falloff is achromatic.

    References
    ----------
    Adobe DNG Specification 1.6, opcode GainMap.
    """
    h, w = shape
    gh, gw = (points if w >= h else points[::-1])
    gh, gw = max(2, min(gh, h)), max(2, min(gw, w))
    y = np.linspace(0, h - 1, gh) - (h - 1) / 2
    x = np.linspace(0, w - 1, gw) - (w - 1) / 2
    half_diag = np.hypot((h - 1) / 2, (w - 1) / 2) or 1.0
    r = np.hypot(y[:, None], x[None, :]) / half_diag
    g = 1.0 / relative_illumination(r, optics)
    return np.repeat(g[:, :, None], 4, axis=2).astype(np.float32)


def _magnify(plane: np.ndarray, m: float) -> np.ndarray:
    """Scale one float32 plane about its centre by ``1 + m`` (bicubic, reflected borders)."""
    h, w = plane.shape
    cy, cx = (h - 1) / 2, (w - 1) / 2
    f = 1.0 / (1.0 + m)  # output -> input
    a = np.array([[f, 0.0, cx * (1 - f)], [0.0, f, cy * (1 - f)]])
    return cv2.warpAffine(plane, a, (w, h), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REFLECT)


def apply_lateral_ca(img: np.ndarray, magnification: tuple[float, float, float]) -> np.ndarray:
    """Scale each channel radially about the centre by ``1 + magnification[c]``.

    Bicubic interpolation (OpenCV ``warpAffine``); a channel with 0 is copied unchanged.
    """
    out = np.empty_like(img)
    for c in range(img.shape[2]):
        m = magnification[c]
        plane = np.ascontiguousarray(img[..., c])
        out[..., c] = plane if m == 0 else _magnify(plane, m)
    return out


def apply_optics(img: np.ndarray, optics: Optics, pixel_pitch_um: float,
                 wavelengths_nm: tuple[float, float, float] = (600.0, 535.0, 465.0)
                 ) -> np.ndarray:
    """Blur by the PSF, add veiling glare, apply lateral CA and vignetting (``H x W x 3``).

    Parameters
    ----------
    img
        float32 camera-RGB irradiance (not modified).
    optics
        The lens.
    pixel_pitch_um
        Pixel pitch of ``img`` (sets the PSF size in pixels).
    wavelengths_nm
        Effective wavelength of each channel for the Airy pattern.

    Returns
    -------
    numpy.ndarray
        New float32 ``H x W x 3`` array.
    """
    if img.ndim != 3 or img.shape[2] != 3:
        raise ParameterError(f"optics needs an H x W x 3 image, got shape {img.shape}")
    kernels = psf_kernels(float(optics.f_number), float(pixel_pitch_um),
                          tuple(float(v) for v in wavelengths_nm),
                          float(optics.defocus_sigma_px), bool(optics.diffraction))
    vig = vignetting_map(img.shape[:2], optics) if optics.vignetting > 0 else None
    out = np.empty(img.shape, dtype=np.float32)
    planar = np.moveaxis(np.asarray(img, dtype=np.float32), 2, 0).copy()  # one copy, contiguous
    for c in range(3):
        plane = cv2.filter2D(planar[c], -1, kernels[c], borderType=cv2.BORDER_REFLECT)
        if optics.veiling_glare:
            g = np.float32(optics.veiling_glare)
            plane *= np.float32(1) - g
            plane += g * np.float32(planar[c].mean(dtype=np.float64))
        if optics.lateral_ca[c]:
            plane = _magnify(plane, optics.lateral_ca[c])
        if vig is not None:
            plane *= vig
        out[..., c] = plane
    return out
