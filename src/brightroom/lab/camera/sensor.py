"""Image sensor model: CFA sampling, photon and read noise, fixed-pattern noise, gain, ADC.

The model follows the linear camera model of EMVA 1288:

* mean electrons ``mu_e`` per pixel (from the lens, exposure time and quantum efficiency);
* photo-response non-uniformity: ``mu_e * (1 + PRNU * n1)``, ``n1`` a fixed N(0, 1) pattern;
* dark current ``D`` e-/s: the charge ``Poisson(mu_e + D t) - D t`` (the mean dark signal is
  removed by the optical-black clamp, its shot noise stays);
* full-well clipping, then read noise N(0, sigma_r) e- and DSNU (a fixed per-pixel offset);
* conversion gain ``g = g0 * ISO / ISO_base`` DN/e-, with ``g0 = (white - black) / full_well``
  (full well fills the ADC range at base ISO), post-gain read noise ``sigma_adc`` DN;
* black level, rounding to integers and clipping to ``[0, 2^bits - 1]``.

In normalised units ``x = (DN - black) / (white - black)`` the temporal noise variance is
``scale * x + offset`` (the DNG NoiseProfile) with ``scale = g / (white - black)`` and
``offset = scale^2 (sigma_r^2 + D t) + (sigma_adc^2 + 1/12) / (white - black)^2``.

Fixed patterns (PRNU, DSNU) are drawn from ``fixed_pattern_seed`` and the mosaic size, so they
are the same in every frame of a burst; temporal noise is drawn from the frame's seed.

References
----------
EMVA Standard 1288, Release 4.0 (2021), Standard for characterization of image sensors and
cameras, sections 2 (linear model) and 8 (non-uniformity).
Foi, A., Trimeche, M., Katkovnik, V., Egiazarian, K. (2008). Practical Poissonian-Gaussian
noise modeling and fitting for single-image raw-data. IEEE TIP 17(10), 1737-1754.
Adobe DNG Specification 1.6, tag NoiseProfile (51041).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from brightroom.errors import ParameterError
from brightroom.types import CFAPattern, NoiseProfile

__all__ = ["Sensor", "cfa_sample", "defect_pixels", "expose_sensor", "noise_profile"]


@dataclass(frozen=True)
class Sensor:
    """Sensor parameters (per output pixel).

    Attributes
    ----------
    pixel_pitch_um
        Pixel pitch (um).
    full_well_e
        Full-well capacity (electrons).
    read_noise_e
        Input-referred read noise before the gain (electrons rms).
    adc_noise_dn
        Read noise after the gain (DN rms at the ADC), the part that dominates at low ISO.
    dark_current_e_s
        Dark current (electrons per second).
    prnu
        Photo-response non-uniformity (relative rms, 0.01 = 1 %).
    dsnu_e
        Dark-signal non-uniformity (electrons rms, fixed offset per pixel).
    base_iso, max_iso
        ISO at unity analog gain and the largest ISO.
    adc_bits
        ADC resolution; the white level is ``2 ** adc_bits - 1``.
    black_level
        Black level (DN).
    fixed_pattern_seed
        Seed of the PRNU/DSNU patterns and defect positions (one per physical sensor).
    hot_pixels, dead_pixels
        Fractions of defective pixels (fixed positions): hot pixels collect an extra
        ``hot_dark_current_e_s`` of dark charge that the black clamp does not remove; dead ones
        do not respond to light. Only with ``noise=True`` (``noise=False`` is an ideal sensor).
    hot_dark_current_e_s
        Dark current of a hot pixel (e-/s).
    """

    pixel_pitch_um: float = 2.44
    full_well_e: float = 24000.0
    read_noise_e: float = 2.0
    adc_noise_dn: float = 0.3
    dark_current_e_s: float = 10.0
    prnu: float = 0.006
    dsnu_e: float = 0.5
    base_iso: float = 50.0
    max_iso: float = 6400.0
    adc_bits: int = 12
    black_level: int = 256
    fixed_pattern_seed: int = 1288
    hot_pixels: float = 0.0
    dead_pixels: float = 0.0
    hot_dark_current_e_s: float = 20000.0

    def __post_init__(self) -> None:
        if self.pixel_pitch_um <= 0 or self.full_well_e <= 0:
            raise ParameterError(f"pixel pitch {self.pixel_pitch_um} um and full well "
                                 f"{self.full_well_e} e- must be > 0")
        if not (0 <= self.hot_pixels < 0.1 and 0 <= self.dead_pixels < 0.1):
            raise ParameterError(f"defect fractions hot {self.hot_pixels}, dead "
                                 f"{self.dead_pixels} must be in [0, 0.1)")
        for name in ("read_noise_e", "adc_noise_dn", "dark_current_e_s", "prnu", "dsnu_e",
                     "hot_dark_current_e_s"):
            if getattr(self, name) < 0:
                raise ParameterError(f"sensor {name} must be >= 0, got {getattr(self, name)}")
        if not 8 <= self.adc_bits <= 16:
            raise ParameterError(f"ADC bits {self.adc_bits} must be within 8..16")
        if not 0 <= self.black_level < self.white_level // 2:
            raise ParameterError(f"black level {self.black_level} must be in 0..{self.white_level // 2}")
        if not 0 < self.base_iso <= self.max_iso:
            raise ParameterError(f"need 0 < base ISO {self.base_iso} <= max ISO {self.max_iso}")

    @property
    def white_level(self) -> int:
        """``2 ** adc_bits - 1``."""
        return 2**self.adc_bits - 1

    @property
    def base_gain(self) -> float:
        """Conversion gain at base ISO, DN per electron."""
        return (self.white_level - self.black_level) / self.full_well_e

    @property
    def pixel_area_m2(self) -> float:
        """Pixel area (m^2)."""
        return (self.pixel_pitch_um * 1e-6) ** 2

    def binned(self, factor: int, read_noise_e: float | None = None) -> Sensor:
        """The sensor seen through ``factor x factor`` charge binning (pitch, full well, dark
        current and DSNU scaled; read noise ``read_noise_e`` or ``factor`` times the native)."""
        f2 = factor * factor
        return replace(self, pixel_pitch_um=self.pixel_pitch_um * factor,
                       full_well_e=self.full_well_e * f2,
                       read_noise_e=self.read_noise_e * factor if read_noise_e is None
                       else read_noise_e,
                       dark_current_e_s=self.dark_current_e_s * f2,
                       dsnu_e=self.dsnu_e * factor)


def cfa_sample(img: np.ndarray, pattern: CFAPattern) -> np.ndarray:
    """Pick each pixel's channel from an ``H x W x 3`` image through ``pattern`` (float32)."""
    if img.ndim != 3 or img.shape[2] != 3:
        raise ParameterError(f"CFA sampling needs an H x W x 3 image, got shape {img.shape}")
    h, w = img.shape[:2]
    idx = pattern.channel_index(h, w).astype(np.intp)
    return np.take_along_axis(img, idx[:, :, None], axis=2)[:, :, 0].astype(np.float32, copy=False)


def noise_profile(sensor: Sensor, gain: float, exposure_time: float,
                  noise: bool = True) -> NoiseProfile:
    """The temporal noise profile (normalised units) of ``sensor`` at analog ``gain``.

    With ``noise=False`` only the ADC quantisation variance remains.
    """
    span = sensor.white_level - sensor.black_level
    q = 1.0 / 12.0 / span**2
    if not noise:
        return NoiseProfile((0.0,) * 3, (q,) * 3)
    s = sensor.base_gain * gain / span
    off = s * s * (sensor.read_noise_e**2 + sensor.dark_current_e_s * exposure_time) \
        + (sensor.adc_noise_dn**2) / span**2 + q
    return NoiseProfile((s,) * 3, (off,) * 3)


@lru_cache(maxsize=2)
def _fixed_patterns(seed: int, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """PRNU and DSNU unit patterns of one physical sensor (cached: bursts reuse them)."""
    rng = np.random.default_rng([seed, shape[0], shape[1]])
    prnu = rng.standard_normal(shape, dtype=np.float32)
    dsnu = rng.standard_normal(shape, dtype=np.float32)
    prnu.setflags(write=False)
    dsnu.setflags(write=False)
    return prnu, dsnu


def defect_pixels(sensor: Sensor, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Fixed ``(row, col)`` positions of the hot and dead pixels of ``sensor`` (``(N, 2)``)."""
    n = shape[0] * shape[1]
    n_hot = int(round(sensor.hot_pixels * n))
    n_dead = int(round(sensor.dead_pixels * n))
    if n_hot + n_dead == 0:
        empty = np.zeros((0, 2), dtype=np.int64)
        return empty, empty
    rng = np.random.default_rng([sensor.fixed_pattern_seed, shape[0], shape[1], 0xDEFEC7])
    flat = rng.choice(n, n_hot + n_dead, replace=False)
    pos = np.stack(np.unravel_index(flat, shape), axis=1).astype(np.int64)
    return pos[:n_hot], pos[n_hot:]


def expose_sensor(
    electrons: np.ndarray,
    sensor: Sensor,
    pattern: CFAPattern,
    *,
    gain: float = 1.0,
    exposure_time: float = 0.01,
    rng: np.random.Generator | None = None,
    noise: bool = True,
) -> np.ndarray:
    """Turn mean electrons into raw sensor counts.

    Parameters
    ----------
    electrons
        ``H x W x 3`` float32 mean photo-electrons per pixel if that pixel had each filter
        (lens, exposure time and QE applied), or an ``H x W`` mosaic already sampled.
    sensor
        Sensor parameters.
    pattern
        CFA layout of the mosaic.
    gain
        Analog gain relative to base ISO (``ISO / base_iso``), >= 1.
    exposure_time
        Seconds (for dark current).
    rng
        Temporal noise source (``numpy.random.default_rng(seed)``).
    noise
        ``False``: no shot, read, dark or fixed-pattern noise (only rounding).

    Returns
    -------
    numpy.ndarray
        ``H x W`` uint16 counts in ``[0, 2 ** adc_bits - 1]``.

    References
    ----------
    EMVA 1288 Release 4.0, section 2.
    """
    if gain < 1 - 1e-9:
        raise ParameterError(f"analog gain {gain} must be >= 1 (ISO below base)")
    mos = electrons if electrons.ndim == 2 else cfa_sample(electrons, pattern)
    mos = np.maximum(mos.astype(np.float32, copy=True), np.float32(0))
    dark = sensor.dark_current_e_s * exposure_time
    if noise:
        if rng is None:
            rng = np.random.default_rng(0)
        prnu, dsnu = _fixed_patterns(sensor.fixed_pattern_seed, mos.shape)
        if sensor.prnu:
            mos *= np.float32(1) + np.float32(sensor.prnu) * prnu
            np.maximum(mos, 0, out=mos)
        hot, dead = defect_pixels(sensor, mos.shape)
        if dead.size:
            mos[dead[:, 0], dead[:, 1]] = 0
        lam = mos + np.float32(dark)
        if hot.size:
            lam[hot[:, 0], hot[:, 1]] += np.float32(sensor.hot_dark_current_e_s * exposure_time)
        sig = rng.poisson(lam).astype(np.float32)
        sig -= np.float32(dark)
        np.minimum(sig, np.float32(sensor.full_well_e - dark), out=sig)
        sig += rng.standard_normal(mos.shape, dtype=np.float32) * np.float32(sensor.read_noise_e)
        if sensor.dsnu_e:
            sig += np.float32(sensor.dsnu_e) * dsnu
    else:
        sig = np.minimum(mos, np.float32(sensor.full_well_e))
    dn = sig * np.float32(sensor.base_gain * gain)
    if noise and sensor.adc_noise_dn:
        dn += rng.standard_normal(mos.shape, dtype=np.float32) * np.float32(sensor.adc_noise_dn)
    dn += np.float32(sensor.black_level)
    np.rint(dn, out=dn)
    np.clip(dn, 0, sensor.white_level, out=dn)
    return dn.astype(np.uint16)
