"""Burst simulation: hand-held frames with shake, rolling-shutter skew and a moving subject.

Every frame photographs the same scene through a small random rigid warp (translation plus
rotation about the image centre, optionally a rolling-shutter shear), with fresh temporal
noise and the same exposure. The scene is first turned into exact camera-RGB electron rates
(measured spectra included), then warped with Lanczos interpolation, then blurred by the lens
and sampled by the sensor, so the warp acts on the optical image as real hand shake does.

Ground truth per frame (``raw.metadata["lab"]["burst"]``): the 2 x 3 affine ``warp`` mapping
frame pixel coordinates ``(x, y, 1)`` to reference-scene coordinates, its parameters, and
the moving subject's offset and mask in frame coordinates.

References
----------
Hasinoff, S. W. et al. (2016). Burst photography for high dynamic range and low-light
imaging on mobile cameras. ACM TOG 35(6), 192 (hand-held bursts, alignment and merging).
Wronski, B. et al. (2019). Handheld multi-frame super-resolution. ACM TOG 38(4), 28
(natural hand tremor gives sub-pixel shifts of a few pixels).
Liang, C.-K., Chang, L.-W., Chen, H. H. (2008). Analysis and compensation of rolling shutter
effect. IEEE TIP 17(8), 1323-1330.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from brightroom.charts.scene import Scene
from brightroom.errors import ParameterError
from brightroom.lab.camera.presets import CameraPreset, get_preset
from brightroom.lab.camera.simulate import (
    DEFAULT_TARGET,
    _exposure,
    _pattern,
    electron_rate_matrix,
    scene_electrons,
    simulate,
)
from brightroom.lab.camera.spectral import Illuminant, illuminant, response_spectra
from brightroom.types import CFAPattern, RawImage

__all__ = ["SubjectMotion", "shake_warps", "simulate_burst"]


@dataclass(frozen=True, eq=False)
class SubjectMotion:
    """A subject that moves between frames.

    Attributes
    ----------
    region
        ``(y0, x0, y1, x1)`` box (end exclusive) or an ``H x W`` boolean mask, in the scene.
    velocity
        ``(vy, vx)`` pixels per frame (frame ``k`` is shifted by ``k * velocity``).
    background
        Neutral reflectance behind the subject (what it uncovers); by default the mean of the
        scene outside the subject.
    """

    region: tuple[int, int, int, int] | np.ndarray
    velocity: tuple[float, float] = (0.0, 4.0)
    background: float | None = None

    def mask(self, shape: tuple[int, int]) -> np.ndarray:
        """The subject as a boolean ``H x W`` mask."""
        if isinstance(self.region, np.ndarray):
            m = np.asarray(self.region, dtype=bool)
            if m.shape != shape:
                raise ParameterError(f"subject mask {m.shape} does not match the scene {shape}")
            return m
        y0, x0, y1, x1 = (int(v) for v in self.region)
        if not (0 <= y0 < y1 <= shape[0] and 0 <= x0 < x1 <= shape[1]):
            raise ParameterError(f"subject box {self.region} is outside the scene {shape}")
        m = np.zeros(shape, dtype=bool)
        m[y0:y1, x0:x1] = True
        return m


def shake_warps(
    n: int,
    shape: tuple[int, int],
    *,
    shake_px: float = 2.0,
    rotation_deg: float = 0.1,
    rolling_shutter: float = 0.0,
    seed: int = 0,
    reference: int | None = 0,
) -> list[dict[str, Any]]:
    """Random hand-shake warps for ``n`` frames.

    Translations are N(0, ``shake_px``) per axis, rotations N(0, ``rotation_deg``) about the
    image centre, rolling-shutter shear N(0, ``rolling_shutter``) pixels of horizontal shift
    per row. Frame ``reference`` (if not ``None``) is the identity.

    Returns
    -------
    list of dict
        ``warp`` (2 x 3, frame ``(x, y, 1)`` -> scene ``(x, y)``), ``translation`` ``(dx, dy)``,
        ``rotation_deg``, ``shear``.
    """
    if n < 1:
        raise ParameterError(f"a burst needs n >= 1 frames, got {n}")
    if shake_px < 0 or rotation_deg < 0 or rolling_shutter < 0:
        raise ParameterError("shake_px, rotation_deg and rolling_shutter must be >= 0")
    rng = np.random.default_rng([int(seed), 0xB0057])
    h, w = shape
    cx, cy = (w - 1) / 2, (h - 1) / 2
    out = []
    for k in range(n):
        dx, dy = rng.normal(0, shake_px, 2) if shake_px else (0.0, 0.0)
        th = rng.normal(0, rotation_deg) if rotation_deg else 0.0
        sh = rng.normal(0, rolling_shutter) if rolling_shutter else 0.0
        if reference is not None and k == reference:
            dx = dy = th = sh = 0.0
        t = np.deg2rad(th)
        rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        lin = rot @ np.array([[1.0, sh], [0.0, 1.0]])
        c = np.array([cx, cy])
        off = c - lin @ c + np.array([dx, dy])
        warp = np.hstack([lin, off[:, None]])
        out.append({"warp": warp, "translation": (float(dx), float(dy)),
                    "rotation_deg": float(th), "shear": float(sh)})
    return out


def _warp(img: np.ndarray, warp: np.ndarray, interp: int) -> np.ndarray:
    h, w = img.shape[:2]
    if np.allclose(warp, [[1, 0, 0], [0, 1, 0]]):
        return img.copy()
    return cv2.warpAffine(img, warp.astype(np.float64), (w, h),
                          flags=interp | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)


def simulate_burst(
    scene: Scene,
    n: int = 8,
    camera: str | CameraPreset = "flagship-2022",
    *,
    shake_px: float = 2.0,
    rotation_deg: float = 0.1,
    rolling_shutter: float = 0.0,
    moving_subject: SubjectMotion | None = None,
    reference: int | None = 0,
    lux: float = 100.0,
    cct: float | str | Illuminant = 5000.0,
    iso: float | None = None,
    exposure_time: float | None = None,
    pattern: str | CFAPattern = "RGGB",
    seed: int = 0,
    optics: bool = True,
    noise: bool = True,
    target: float = DEFAULT_TARGET,
) -> list[RawImage]:
    """A hand-held burst of ``n`` raw frames of ``scene``.

    Parameters
    ----------
    scene
        The static scene (reference frame coordinates).
    n
        Number of frames.
    camera, lux, cct, iso, exposure_time, pattern, optics, noise, target
        As in :func:`~brightroom.lab.camera.simulate.simulate`; the exposure is chosen once
        and shared by all frames.
    shake_px, rotation_deg, rolling_shutter, reference
        Hand shake, see :func:`shake_warps`.
    moving_subject
        A :class:`SubjectMotion`: the subject moves by ``velocity`` per frame over the
        scene (before the shake).
    seed
        Seeds the warps and, independently, each frame's noise.

    Returns
    -------
    list of RawImage
        ``metadata["lab"]["burst"]``: ``index``, ``n``, ``warp``, ``translation``,
        ``rotation_deg``, ``shear``, ``subject_offset`` ``(dy, dx)`` and ``subject_mask``
        (boolean, frame coordinates, or ``None``).
    """
    p = get_preset(camera)
    pat = _pattern(pattern)
    sensor = p.effective_sensor(pat.block)
    exp = _exposure(p, sensor, pat, lux, cct, iso, exposure_time, target)
    illum = illuminant(cct, lux)
    rate = electron_rate_matrix(p, sensor, p.optics, illum)
    label_rates = None
    if scene.labels is not None:
        lens = p.optics.transmission / (4.0 * p.optics.f_number**2)
        label_rates = response_spectra(p.qe(), illum, scene.spectra) * (sensor.pixel_area_m2 * lens)
    base = scene_electrons(scene, rate, label_rates, 1.0)  # e-/s, exact per pixel
    shape = scene.shape
    warps = shake_warps(n, shape, shake_px=shake_px, rotation_deg=rotation_deg,
                        rolling_shutter=rolling_shutter, seed=seed, reference=reference)
    subj_mask = bg_rate = None
    if moving_subject is not None:
        subj_mask = moving_subject.mask(shape)
        if moving_subject.background is None:
            outside = scene.rgb[~subj_mask] if np.any(~subj_mask) else scene.rgb.reshape(-1, 3)
            bg_rgb = outside.mean(axis=0)
        else:
            bg_rgb = np.full(3, moving_subject.background)
        bg_rate = (rate @ bg_rgb.astype(np.float64)).astype(np.float32)
    seeds = np.random.SeedSequence(int(seed)).generate_state(n)
    frames = []
    for k in range(n):
        img = base
        offset = (0.0, 0.0)
        mask_k = None
        if subj_mask is not None:
            vy, vx = moving_subject.velocity
            offset = (k * vy, k * vx)
            move = np.array([[1.0, 0.0, -offset[1]], [0.0, 1.0, -offset[0]]])  # dst -> src
            layer = _warp(base * subj_mask[:, :, None], move, cv2.INTER_LANCZOS4)
            alpha = _warp(subj_mask.astype(np.float32), move, cv2.INTER_LINEAR)
            img = base.copy()
            img[subj_mask] = bg_rate
            img = img * (1 - alpha[:, :, None]) + layer
            mask_k = alpha
        warp = warps[k]["warp"]
        img = _warp(img, warp, cv2.INTER_LANCZOS4)
        np.maximum(img, 0, out=img)
        if mask_k is not None:
            mask_k = _warp(mask_k, warp, cv2.INTER_LINEAR) >= 0.5
        raw = simulate(scene, p, lux=lux, cct=cct, iso=exp.iso,
                       exposure_time=exp.exposure_time, pattern=pat, seed=int(seeds[k]),
                       optics=optics, noise=noise, target=target, electrons=img)
        lab = dict(raw.metadata["lab"])
        lab["burst"] = dict(warps[k], index=k, n=n, subject_offset=offset,
                            subject_mask=mask_k)
        frames.append(raw.replace(metadata={"lab": lab}))
    return frames
