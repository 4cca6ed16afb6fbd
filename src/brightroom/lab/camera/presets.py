"""Camera presets: plausible, documented sensor + lens + spectral combinations.

Values are typical of the sensor class, not a specific product's datasheet (which are under
NDA); where numbers are public they come from manufacturers' product pages and from EMVA
1288-style measurements of cameras using the same sensor family:

* ``"flagship-2022"`` - a 1/1.28" 50 MP quad-Bayer main camera (Sony IMX707 class: 1.22 um,
  Xiaomi 12 Pro / 12S, 2022), 24 mm-equivalent f/1.8 lens (6.9 mm), output binned 2x2 to
  12.5 MP at 2.44 um. Native full well ~6000 e-, read noise ~1.5 e- (typical of 2020s BSI
  stacked phone sensors at high conversion gain); 12-bit ADC, black 256. Binning: full well x4,
  read noise 2.0 e- (between charge binning, x1, and voltage averaging, x2).
* ``"budget-phone"`` - a 1/2.8" 16 MP Bayer sensor with 1.12 um pixels (Sony IMX258 /
  OmniVision OV13B10 / Samsung S5K3L6 class), 26 mm-equivalent f/2.2 lens (4.0 mm); full well
  ~4500 e-, read noise ~2.8 e-, 10-bit ADC, black 64, broader colour filters (more crosstalk).
* ``"one-inch"`` - a 1" (13.2 x 8.8 mm) 20 MP Bayer sensor with 2.4 um pixels (Sony IMX183
  class: full well ~15,000 e-, read noise ~2.5 e- at unity gain per EMVA-style measurements of
  IMX183 cameras), 24 mm-equivalent f/2.8 lens (8.8 mm), 14-bit ADC, black 512, measured
  Nikon D5100 sensitivities (NPL) as a large-sensor colour response.

Veiling glare: 0.3 % (flagship, one-inch) and 1 % (budget, plastic lens, no AR coating
quality) of the mean image irradiance, typical of ISO 18844 measurements of phone modules.

The saturation-based ISO speed implied by the physics (ISO 12232:2019, ``S_sat = 78 / H_sat``)
is reported by :func:`saturation_iso` so that the nominal ``base_iso`` can be checked.

References
----------
Sony Semiconductor Solutions, IMX183CLK-J / IMX183CQJ-J product information (1" 20.48 MP,
2.4 um). Sony IMX707 (1/1.28", 50 MP, 1.22 um) as listed in Xiaomi 12 Pro specifications.
EMVA Standard 1288, Release 4.0 (2021).
ISO 12232:2019, Photography - Digital still cameras - Determination of exposure index, ISO
speed ratings, standard output sensitivity, and recommended exposure index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from brightroom.errors import ParameterError
from brightroom.lab.camera.optics import Optics
from brightroom.lab.camera.sensor import Sensor
from brightroom.lab.camera.spectral import (
    Sensitivities,
    gaussian_sensitivities,
    illuminant,
    measured_sensitivities,
    response_spectra,
)

__all__ = ["CameraPreset", "PRESETS", "get_preset", "saturation_iso"]


@dataclass(frozen=True)
class CameraPreset:
    """A virtual camera module.

    Attributes
    ----------
    name, description
        Identity (``name`` becomes the EXIF model).
    sensor
        Native sensor pixels.
    optics
        The lens.
    sensitivities
        ``("measured", name, qe_peaks)`` or ``("gaussian", lobes, qe_peaks)`` (hashable spec).
    cfa_block
        1 for Bayer, 2 for quad-Bayer (native colour blocks).
    binned_read_noise_e
        Read noise of a 2x2-binned pixel (quad-Bayer only).
    sensor_size_mm, native_resolution
        Active area (w, h) and native pixel count (w, h), for documentation and EXIF.
    max_exposure_time
        Longest hand-held shutter auto exposure uses (s).
    """

    name: str
    description: str
    sensor: Sensor
    optics: Optics
    sensitivities: tuple
    cfa_block: int = 1
    binned_read_noise_e: float | None = None
    sensor_size_mm: tuple[float, float] = (0.0, 0.0)
    native_resolution: tuple[int, int] = (0, 0)
    max_exposure_time: float = 0.1
    min_exposure_time: float = 1 / 16000
    references: tuple[str, ...] = field(default=())

    def qe(self) -> Sensitivities:
        """The absolute quantum efficiencies."""
        return _sensitivities(self.sensitivities)

    def effective_sensor(self, block: int) -> Sensor:
        """Sensor parameters for an output CFA with colour blocks of ``block``.

        A quad-Bayer sensor read as Bayer (``block == 1``) is 2x2 binned; read with its native
        blocks it is unbinned. A Bayer sensor is used as is, whatever layout is requested.
        """
        if self.cfa_block == 2 and block == 1:
            return self.sensor.binned(2, self.binned_read_noise_e)
        return self.sensor


@cache
def _sensitivities(spec: tuple) -> Sensitivities:
    kind = spec[0]
    if kind == "measured":
        return measured_sensitivities(spec[1], tuple(spec[2]))
    if kind == "gaussian":
        return gaussian_sensitivities(spec[1], tuple(spec[2]), name=spec[3])
    raise ParameterError(f"unknown sensitivity spec {spec!r}")


_PHONE_LOBES = (
    ((603.0, 27.0, 1.0), (535.0, 40.0, 0.08), (455.0, 25.0, 0.04)),
    ((535.0, 37.0, 1.0), (600.0, 30.0, 0.07), (470.0, 25.0, 0.06)),
    ((458.0, 27.0, 1.0), (530.0, 35.0, 0.07), (610.0, 30.0, 0.02)),
)
_BUDGET_LOBES = (
    ((600.0, 32.0, 1.0), (530.0, 45.0, 0.15), (460.0, 30.0, 0.08)),
    ((532.0, 45.0, 1.0), (600.0, 35.0, 0.12), (465.0, 30.0, 0.12)),
    ((462.0, 32.0, 1.0), (530.0, 40.0, 0.14), (610.0, 35.0, 0.04)),
)

PRESETS: dict[str, CameraPreset] = {
    "flagship-2022": CameraPreset(
        name="flagship-2022",
        description="1/1.28\" 50 MP quad-Bayer (IMX707 class), 1.22 um, binned to 12.5 MP "
                    "at 2.44 um, f/1.8 24 mm-eq.",
        sensor=Sensor(pixel_pitch_um=1.22, full_well_e=6000.0, read_noise_e=1.5,
                      adc_noise_dn=0.3, dark_current_e_s=5.0, prnu=0.006, dsnu_e=0.4,
                      base_iso=50.0, max_iso=6400.0, adc_bits=12, black_level=256,
                      fixed_pattern_seed=2022),
        optics=Optics(f_number=1.8, focal_length_mm=6.9, half_fov_deg=42.0,
                      defocus_sigma_px=0.35, vignetting=1.0,
                      lateral_ca=(3e-4, 0.0, -3e-4), transmission=0.9,
                      veiling_glare=0.003),
        sensitivities=("gaussian", _PHONE_LOBES, (0.50, 0.62, 0.52), "phone 2022 (parametric)"),
        cfa_block=2,
        binned_read_noise_e=2.0,
        sensor_size_mm=(9.8, 7.4),
        native_resolution=(8192, 6144),
        max_exposure_time=0.1,
    ),
    "budget-phone": CameraPreset(
        name="budget-phone",
        description="1/2.8\" 16 MP Bayer, 1.12 um, f/2.2 26 mm-eq.",
        sensor=Sensor(pixel_pitch_um=1.12, full_well_e=4500.0, read_noise_e=2.8,
                      adc_noise_dn=0.4, dark_current_e_s=30.0, prnu=0.01, dsnu_e=1.0,
                      base_iso=50.0, max_iso=3200.0, adc_bits=10, black_level=64,
                      fixed_pattern_seed=2018),
        optics=Optics(f_number=2.2, focal_length_mm=4.0, half_fov_deg=40.0,
                      defocus_sigma_px=0.6, vignetting=1.3,
                      lateral_ca=(6e-4, 0.0, -6e-4), transmission=0.88,
                      veiling_glare=0.01),
        sensitivities=("gaussian", _BUDGET_LOBES, (0.42, 0.52, 0.42), "budget phone (parametric)"),
        cfa_block=1,
        sensor_size_mm=(5.16, 3.87),
        native_resolution=(4608, 3456),
        max_exposure_time=0.1,
    ),
    "one-inch": CameraPreset(
        name="one-inch",
        description="1\" (13.2 x 8.8 mm) 20 MP Bayer (IMX183 class), 2.4 um, f/2.8 24 mm-eq.",
        sensor=Sensor(pixel_pitch_um=2.4, full_well_e=15000.0, read_noise_e=2.5,
                      adc_noise_dn=0.6, dark_current_e_s=3.0, prnu=0.005, dsnu_e=0.8,
                      base_iso=125.0, max_iso=12800.0, adc_bits=14, black_level=512,
                      fixed_pattern_seed=183),
        optics=Optics(f_number=2.8, focal_length_mm=8.8, half_fov_deg=42.0,
                      defocus_sigma_px=0.3, vignetting=0.8,
                      lateral_ca=(2e-4, 0.0, -2e-4), transmission=0.92,
                      veiling_glare=0.003),
        sensitivities=("measured", "Nikon 5100 (NPL)", (0.42, 0.55, 0.45)),
        cfa_block=1,
        sensor_size_mm=(13.2, 8.8),
        native_resolution=(5472, 3648),
        max_exposure_time=1 / 15,
    ),
}


def get_preset(camera: str | CameraPreset) -> CameraPreset:
    """The preset called ``camera`` (or ``camera`` itself)."""
    if isinstance(camera, CameraPreset):
        return camera
    try:
        return PRESETS[camera]
    except KeyError:
        raise ParameterError(f"unknown camera preset {camera!r}; known: "
                             f"{', '.join(PRESETS)}") from None


def saturation_iso(camera: str | CameraPreset, block: int = 1, channel: int = 1) -> float:
    """ISO 12232 saturation-based speed ``78 / H_sat`` implied by the preset's physics.

    ``H_sat`` is the focal-plane exposure (lux s, D55-like daylight: D55) that fills the full
    well of ``channel`` at unity gain.
    """
    p = get_preset(camera)
    s = p.effective_sensor(block)
    ill = illuminant("D55", 1.0)  # 1 lux at the focal plane
    rate = response_spectra(p.qe(), ill, np.ones(ill.spd.size))[channel] * s.pixel_area_m2
    return float(78.0 / (s.full_well_e / rate))
