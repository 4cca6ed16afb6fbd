"""The virtual camera: spectral scenes through a lens and a sensor to a :class:`RawImage`.

>>> from brightroom.charts import slanted_edge
>>> from brightroom.lab.camera import simulate
>>> raw = simulate(slanted_edge(256), "flagship-2022", lux=300, cct=5000, seed=1)
"""

from brightroom.lab.camera.burst import simulate_burst
from brightroom.lab.camera.optics import (
    Optics,
    apply_optics,
    kernel_mtf,
    optics_mtf,
    psf_kernels,
    shading_gain_map,
    vignetting_map,
)
from brightroom.lab.camera.presets import PRESETS, CameraPreset, get_preset, saturation_iso
from brightroom.lab.camera.sensor import Sensor, cfa_sample, expose_sensor, noise_profile
from brightroom.lab.camera.simulate import (
    DEFAULT_TARGET,
    Exposure,
    SecondLight,
    auto_exposure,
    camera_calibration,
    camera_mtf,
    electron_rate_matrix,
    simulate,
)
from brightroom.lab.camera.spectral import (
    DNGCalibration,
    Illuminant,
    Sensitivities,
    dng_calibration,
    dng_normalize_color_matrix,
    gaussian_sensitivities,
    illuminant,
    measured_sensitivities,
    response_matrix,
    response_spectra,
)

__all__ = [
    "simulate",
    "simulate_burst",
    "auto_exposure",
    "camera_mtf",
    "Exposure",
    "SecondLight",
    "DEFAULT_TARGET",
    "camera_calibration",
    "electron_rate_matrix",
    "PRESETS",
    "CameraPreset",
    "get_preset",
    "saturation_iso",
    "Sensor",
    "cfa_sample",
    "expose_sensor",
    "noise_profile",
    "Optics",
    "apply_optics",
    "psf_kernels",
    "kernel_mtf",
    "optics_mtf",
    "vignetting_map",
    "shading_gain_map",
    "Illuminant",
    "illuminant",
    "Sensitivities",
    "measured_sensitivities",
    "gaussian_sensitivities",
    "response_matrix",
    "response_spectra",
    "DNGCalibration",
    "dng_calibration",
    "dng_normalize_color_matrix",
]
