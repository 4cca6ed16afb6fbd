"""The virtual camera: scene -> lens -> sensor -> :class:`~brightroom.types.RawImage`.

Photometry: a Lambertian scene of reflectance ``rho`` lit with illuminance ``E`` (lux) has
luminance ``L = E rho / pi``; the lens of f-number ``N`` and transmittance ``T`` puts an
irradiance ``E_s = L pi T / (4 N^2) = E rho T / (4 N^2)`` on the sensor (on axis, distant
subject); over an exposure ``t`` a pixel of area ``A`` with quantum efficiency ``QE`` collects
``t A T / (4 N^2) * sum(E(lambda) rho(lambda) QE(lambda) lambda / (h c))`` electrons. The
spectral sum is the exact 3 x 3 :func:`~brightroom.lab.camera.spectral.response_matrix` for
basis scenes (plus a per-label table for measured spectra), so a 12 MP scene renders with one
matrix product.

References
----------
ISO 12232:2019 (exposure and ISO speed); ISO 2720:1974 (exposure meter calibration,
``E_s = L pi T / (4 N^2)``, the cos^4 and magnification factors omitted on axis).
EMVA Standard 1288, Release 4.0 (2021) (sensor model).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from brightroom.charts.scene import Scene
from brightroom.errors import ParameterError
from brightroom.lab.camera.optics import (
    Optics,
    apply_optics,
    kernel_mtf,
    psf_kernels,
    shading_gain_map,
)
from brightroom.lab.camera.presets import CameraPreset, get_preset
from brightroom.lab.camera.sensor import Sensor, defect_pixels, expose_sensor, noise_profile
from brightroom.lab.camera.spectral import (
    DNGCalibration,
    Illuminant,
    dng_calibration,
    illuminant,
    response_matrix,
    response_spectra,
)
from brightroom.types import CameraInfo, CFAPattern, GainMap, RawImage, normalize_mosaic

__all__ = ["Exposure", "SecondLight", "auto_exposure", "camera_mtf", "electron_rate_matrix",
           "scene_electrons",
           "camera_calibration", "simulate", "DEFAULT_TARGET"]

DEFAULT_TARGET = 0.18 * 0.5
"""Auto-exposure target: an 18 % grey lands at 0.09 of the white level (one stop of headroom
above a straight 18 %), like a phone protecting highlights."""


@dataclass(frozen=True, eq=False)
class SecondLight:
    """A second light source mixed into the scene (e.g. a warm lamp beside a window).

    Attributes
    ----------
    cct
        Its illuminant (CCT in kelvin or a name, as ``simulate``'s ``cct``).
    weight
        ``H x W`` float in [0, 1]: the share of this light at each pixel (the main light gets
        ``1 - weight``), or one number for a uniform mixture.
    lux
        Its illuminance where ``weight`` is 1 (the main light's ``lux`` by default).
    """

    cct: float | str | Illuminant
    weight: float | np.ndarray
    lux: float | None = None


@dataclass(frozen=True)
class Exposure:
    """Shutter and gain: ``exposure_time`` (s), ``iso``, analog ``gain`` (``iso / base_iso``)."""

    exposure_time: float
    iso: float
    gain: float


def _pattern(pattern: str | CFAPattern) -> CFAPattern:
    if isinstance(pattern, CFAPattern):
        return pattern
    if isinstance(pattern, str):
        return CFAPattern.parse(pattern)
    raise ParameterError(f"pattern must be a CFA name or CFAPattern, got {pattern!r}")


def _illuminant(cct: float | str | Illuminant, lux: float) -> Illuminant:
    return illuminant(cct, lux)


def electron_rate_matrix(preset: CameraPreset, sensor: Sensor, optics: Optics,
                         illum: Illuminant) -> np.ndarray:
    """Electrons per second in one pixel per unit scene rgb (3 x 3, ``e = M @ rgb``)."""
    lens = optics.transmission / (4.0 * optics.f_number**2)
    return response_matrix(preset.qe(), illum) * (sensor.pixel_area_m2 * lens)


def scene_electrons(scene: Scene, rate: np.ndarray, label_rates: np.ndarray | None,
                    exposure_time: float) -> np.ndarray:
    """``H x W x 3`` float32 mean electrons of a scene (before optics)."""
    m = (np.asarray(rate, dtype=np.float64) * exposure_time).T.astype(np.float32)
    e = scene.rgb @ m
    if scene.labels is not None and label_rates is not None:
        sel = scene.labels >= 0
        if np.any(sel):
            e[sel] = (label_rates * exposure_time).astype(np.float32)[scene.labels[sel]]
    return e


def _mix_second_light(e: np.ndarray, scene: Scene, p: CameraPreset, sensor: Sensor,
                      light: SecondLight, lux: float, exposure_time: float) -> np.ndarray:
    """``(1 - w) * e_main + w * e_second`` (light adds linearly)."""
    w = np.asarray(light.weight, dtype=np.float32)
    if w.ndim not in (0, 2) or (w.ndim == 2 and w.shape != scene.shape):
        raise ParameterError(f"second light weight must be a number or a {scene.shape} map, "
                             f"got shape {w.shape}")
    if np.any(w < 0) or np.any(w > 1):
        raise ParameterError("second light weight must lie in [0, 1]")
    ill2 = _illuminant(light.cct, light.lux or lux)
    rate2 = electron_rate_matrix(p, sensor, p.optics, ill2)
    lr2 = None
    if scene.labels is not None:
        lens = p.optics.transmission / (4.0 * p.optics.f_number**2)
        lr2 = response_spectra(p.qe(), ill2, scene.spectra) * (sensor.pixel_area_m2 * lens)
    e2 = scene_electrons(scene, rate2, lr2, exposure_time)
    w3 = w[..., None] if w.ndim == 2 else w
    return (e * (1 - w3) + e2 * w3).astype(np.float32)


def auto_exposure(
    camera: str | CameraPreset = "flagship-2022",
    *,
    lux: float = 100.0,
    cct: float | str | Illuminant = 5000.0,
    pattern: str | CFAPattern = "RGGB",
    target: float = DEFAULT_TARGET,
    max_exposure_time: float | None = None,
    reflectance: float = 0.18,
) -> Exposure:
    """Choose shutter and ISO so that a neutral ``reflectance`` reads ``target`` in green.

    Like a phone: the base ISO with the shutter needed, up to ``max_exposure_time`` (hand-held
    limit, the preset's by default); beyond it the gain rises, up to the maximum ISO (the
    image is then darker than the target). Too much light shortens the shutter down to the
    preset's minimum.

    Returns
    -------
    Exposure
    """
    p = get_preset(camera)
    pat = _pattern(pattern)
    sensor = p.effective_sensor(pat.block)
    if not 0 < target < 1:
        raise ParameterError(f"exposure target {target} must be in (0, 1)")
    illum = _illuminant(cct, lux)
    rate = electron_rate_matrix(p, sensor, p.optics, illum) @ np.full(3, reflectance)
    g_rate = float(rate[1])
    e_target = target * sensor.full_well_e  # electrons at unity gain
    t_max = p.max_exposure_time if max_exposure_time is None else float(max_exposure_time)
    t = e_target / g_rate
    gain = 1.0
    if t > t_max:
        gain = min(t / t_max, sensor.max_iso / sensor.base_iso)
        t = t_max
    t = max(t, p.min_exposure_time)
    return Exposure(exposure_time=float(t), iso=float(sensor.base_iso * gain), gain=float(gain))


@cache
def camera_calibration(camera: str | CameraPreset) -> tuple[DNGCalibration, DNGCalibration]:
    """DNG calibrations of a preset under illuminant A (code 17) and D65 (code 21)."""
    p = get_preset(camera)
    return dng_calibration(p.qe(), "A"), dng_calibration(p.qe(), "D65")


def simulate(
    scene: Scene,
    camera: str | CameraPreset = "flagship-2022",
    *,
    lux: float = 100.0,
    cct: float | str | Illuminant = 5000.0,
    iso: float | None = None,
    exposure_time: float | None = None,
    pattern: str | CFAPattern = "RGGB",
    seed: int = 0,
    optics: bool = True,
    noise: bool = True,
    target: float = DEFAULT_TARGET,
    gain_map: bool = True,
    second_light: SecondLight | None = None,
    electrons: np.ndarray | None = None,
) -> RawImage:
    """Photograph ``scene`` with a virtual camera.

    Parameters
    ----------
    scene
        What is in front of the camera; one scene pixel is one output pixel.
    camera
        A preset name (``"flagship-2022"``, ``"budget-phone"``, ``"one-inch"``) or a
        :class:`CameraPreset`.
    lux
        Illuminance on the scene.
    cct
        Illuminant: CCT in kelvin (Planckian < 4000 K, D-series above) or a name (``"D65"``,
        ``"A"``, ``"FL2"``...).
    iso, exposure_time
        Either or both; missing ones come from :func:`auto_exposure` (with a given
        ``exposure_time`` the ISO brings the target grey to ``target``, clamped to the
        sensor's range; with a given ``iso`` the shutter does).
    pattern
        Output CFA layout: ``"RGGB"``, ``"BGGR"``, ``"GRBG"``, ``"GBRG"``, ``"quad-RGGB"``... or
        a :class:`~brightroom.types.CFAPattern`. A quad-Bayer preset read as Bayer is binned 2x2.
    seed
        Temporal noise seed: the same seed gives the same image.
    optics, noise
        Switch the lens (PSF, CA, vignetting) and the sensor noise off for truth images.
    target
        Auto-exposure target for an 18 % grey (normalised green).
    gain_map
        Attach the DNG ``GainMap`` that undoes the lens's vignetting (as phone DNGs do), when
        ``optics`` is on and the lens vignettes.
    second_light
        Mixed illumination: a :class:`SecondLight` blended per pixel with the main light
        (exposure, ``as_shot_neutral`` and the truth white stay those of the main light;
        ``metadata["lab"]["second_light"]`` records it).
    electrons
        Internal: precomputed ``H x W x 3`` mean electron *rates* (e-/s) replacing the scene
        rendering (used by burst simulation after warping).

    Returns
    -------
    RawImage
        Normalised mosaic, with ``camera`` (DNG matrices for A and D65, ideal ``as_shot_neutral``,
        exposure, :class:`~brightroom.types.NoiseProfile`) and ``metadata["lab"]`` (the truth).
    """
    p = get_preset(camera)
    pat = _pattern(pattern)
    sensor = p.effective_sensor(pat.block)
    illum = _illuminant(cct, lux)
    if seed is None or int(seed) < 0:
        raise ParameterError(f"seed must be an integer >= 0, got {seed!r}")
    exp = _exposure(p, sensor, pat, lux, cct, iso, exposure_time, target)

    rate = electron_rate_matrix(p, sensor, p.optics, illum)
    label_rates = None
    if scene.labels is not None:
        lens = p.optics.transmission / (4.0 * p.optics.f_number**2)
        label_rates = response_spectra(p.qe(), illum, scene.spectra) * (sensor.pixel_area_m2 * lens)
    if electrons is None:
        e = scene_electrons(scene, rate, label_rates, exp.exposure_time)
        if second_light is not None:
            e = _mix_second_light(e, scene, p, sensor, second_light, lux, exp.exposure_time)
    else:
        e = np.asarray(electrons, dtype=np.float32) * np.float32(exp.exposure_time)
    if optics:
        e = apply_optics(e, p.optics, sensor.pixel_pitch_um, p.qe().centroids_nm)
    rng = np.random.default_rng(int(seed))
    counts = expose_sensor(e, sensor, pat, gain=exp.gain, exposure_time=exp.exposure_time,
                           rng=rng, noise=noise)
    cfa = normalize_mosaic(counts, sensor.black_level, sensor.white_level)

    cal_a, cal_d65 = camera_calibration(p)
    neutral = response_spectra(p.qe(), illum, np.ones(illum.spd.size))
    neutral = neutral / neutral[1]
    span = sensor.white_level - sensor.black_level
    to_norm = sensor.base_gain * exp.gain / span  # normalised units per electron
    info = CameraInfo(
        make="Brightroom Lab",
        model=p.name,
        color_matrix1=cal_a.color_matrix,
        color_matrix2=cal_d65.color_matrix,
        illuminant1=17,
        illuminant2=21,
        forward_matrix1=cal_a.forward_matrix,
        forward_matrix2=cal_d65.forward_matrix,
        as_shot_neutral=tuple(float(v) for v in neutral),
        iso=exp.iso,
        exposure_time=exp.exposure_time,
        f_number=p.optics.f_number,
        focal_length=p.optics.focal_length_mm,
        noise_profile=noise_profile(sensor, exp.gain, exp.exposure_time, noise),
    )
    lab: dict[str, Any] = {
        "seed": int(seed),
        "lux": float(lux),
        "illuminant": illum.name,
        "cct": illum.cct,
        "illuminant_white_xyz": tuple(float(v) for v in illum.white_xyz),
        "preset": p.name,
        "scene": scene.name,
        "scene_truth": scene.ground_truth,
        "pattern": pat.name,
        "binned": pat.block == 1 and p.cfa_block == 2,
        "pixel_pitch_um": sensor.pixel_pitch_um,
        "full_well_e": sensor.full_well_e,
        "exposure_time": exp.exposure_time,
        "iso": exp.iso,
        "analog_gain": exp.gain,
        "electrons_per_unit": 1.0 / to_norm,
        "rgb_to_raw": rate * exp.exposure_time * to_norm,
        "target": float(target),
        "optics": bool(optics),
        "noise": bool(noise),
    }
    gm = None
    if gain_map and optics and p.optics.vignetting > 0:
        gm = GainMap(shading_gain_map(cfa.shape, p.optics), source="lab")
    lab["vignetting"] = {"half_fov_deg": p.optics.half_fov_deg,
                         "strength": p.optics.vignetting if optics else 0.0,
                         "tan_half_fov": float(np.tan(np.deg2rad(p.optics.half_fov_deg))),
                         "model": "cos(theta)**(4*strength), tan(theta) = tan_half_fov * r / "
                                  "half_diagonal"}
    lab["lateral_ca"] = p.optics.lateral_ca if optics else (0.0, 0.0, 0.0)
    lab["veiling_glare"] = p.optics.veiling_glare if optics else 0.0
    if second_light is not None:
        ill2 = _illuminant(second_light.cct, second_light.lux or lux)
        n2 = response_spectra(p.qe(), ill2, np.ones(ill2.spd.size))
        lab["second_light"] = {"illuminant": ill2.name, "cct": ill2.cct, "lux": ill2.lux,
                               "weight": second_light.weight,
                               "neutral": tuple(float(v) for v in n2 / n2[1])}
    if noise and (sensor.hot_pixels or sensor.dead_pixels):
        hot, dead = defect_pixels(sensor, cfa.shape)
        lab["defects"] = {"hot": hot, "dead": dead}
    return RawImage(cfa=cfa, pattern=pat, camera=info,
                    black_level=(float(sensor.black_level),) * 4,
                    white_level=float(sensor.white_level), gain_map=gm, metadata={"lab": lab})


def _exposure(p: CameraPreset, sensor: Sensor, pat: CFAPattern, lux: float, cct: Any,
              iso: float | None, exposure_time: float | None, target: float) -> Exposure:
    if iso is not None and not sensor.base_iso <= iso <= sensor.max_iso * (1 + 1e-9):
        raise ParameterError(f"ISO {iso} is outside {p.name}'s range "
                             f"{sensor.base_iso:g}..{sensor.max_iso:g}")
    if exposure_time is not None and not 0 < exposure_time <= 60:
        raise ParameterError(f"exposure time {exposure_time} s must be in (0, 60]")
    if iso is not None and exposure_time is not None:
        return Exposure(float(exposure_time), float(iso), float(iso) / sensor.base_iso)
    auto = auto_exposure(p, lux=lux, cct=cct, pattern=pat, target=target,
                         max_exposure_time=60.0 if iso is not None else None)
    if iso is None and exposure_time is None:
        return auto
    # the exposure-time x gain product the target needs
    eg = auto.exposure_time * auto.gain
    if exposure_time is not None:
        gain = float(np.clip(eg / exposure_time, 1.0, sensor.max_iso / sensor.base_iso))
        return Exposure(float(exposure_time), sensor.base_iso * gain, gain)
    gain = float(iso) / sensor.base_iso
    t = float(np.clip(eg / gain, p.min_exposure_time, 60.0))
    return Exposure(t, float(iso), gain)


def camera_mtf(
    freqs: np.ndarray,
    camera: str | CameraPreset = "flagship-2022",
    *,
    pattern: str | CFAPattern = "RGGB",
    channel: int = 1,
    optics: bool = True,
) -> np.ndarray:
    """The exact horizontal MTF of the simulated capture of ``channel`` before CFA sampling.

    It is the pixel aperture (``sinc(f)``, built into area-rendered charts) times the
    frequency response of the lens kernel the simulator applies (see
    :func:`~brightroom.lab.camera.optics.psf_kernels`); the ground truth for slanted-edge
    measurements of simulated images.

    Parameters
    ----------
    freqs
        Spatial frequencies in cycles/pixel (of the output mosaic).
    camera, pattern
        As in :func:`simulate` (the pattern decides binning, hence the pixel pitch).
    channel
        0, 1, 2 for R, G, B.
    optics
        ``False`` gives the pixel aperture alone (``simulate(..., optics=False)``).
    """
    p = get_preset(camera)
    pat = _pattern(pattern)
    sensor = p.effective_sensor(pat.block)
    f = np.asarray(freqs, dtype=np.float64)
    out = np.abs(np.sinc(f))
    if optics:
        k = psf_kernels(float(p.optics.f_number), float(sensor.pixel_pitch_um),
                        tuple(float(v) for v in p.qe().centroids_nm),
                        float(p.optics.defocus_sigma_px), bool(p.optics.diffraction))[channel]
        out = out * kernel_mtf(k, f)
    return out
