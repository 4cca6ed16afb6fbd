"""Hand-held bursts of a finely detailed scene, with the ground truth at ``factor`` x resolution.

Super-resolution can only be measured on a scene with detail beyond the sensor's Nyquist
frequency and a truth on the finer grid. :func:`simulate_zoom_burst` renders the scene at
``factor`` times the sensor's resolution (one scene pixel is ``1 / factor`` of a sensor pixel):
the electron rates of the scene are warped there by each frame's hand shake (``shake_px`` in
*sensor* pixels, :func:`~brightroom.lab.camera.burst.shake_warps`), the lens PSF is applied at
that finer pitch, and every sensor pixel integrates its ``factor x factor`` scene pixels (its
aperture, a box); the sensor then samples the CFA with its noise. The truth is the noise-free,
shake-free rendering at the fine pitch (lens included, in the mosaic's normalised camera-RGB
units, vignetting removed as the frames' lens-shading correction removes it), so that a 1x
result compares with its area-downsampled truth and a ``factor`` x result with the truth itself.

A moving subject (:class:`~brightroom.lab.camera.burst.SubjectMotion`, region in fine scene
pixels, velocity in sensor pixels per frame) tests robustness; ``metadata["lab"]["zoom"]`` holds
its mask on the sensor grid.

References
----------
Wronski, B. et al. (2019). Handheld multi-frame super-resolution. ACM TOG 38(4), 28 (their
synthetic bursts: random sub-pixel shifts of a high-resolution image, box-integrated).
"""

from __future__ import annotations

import cv2
import numpy as np

from brightroom.charts.scene import Scene
from brightroom.errors import ParameterError
from brightroom.lab.camera.burst import SubjectMotion, _warp, shake_warps
from brightroom.lab.camera.optics import apply_optics, vignetting_map
from brightroom.lab.camera.presets import CameraPreset, get_preset
from brightroom.lab.camera.simulate import (
    DEFAULT_TARGET,
    _exposure,
    _pattern,
    electron_rate_matrix,
    scene_electrons,
    simulate,
)
from brightroom.lab.camera.spectral import illuminant
from brightroom.types import CFAPattern, RawImage

__all__ = ["simulate_zoom_burst", "area_downsample"]


def area_downsample(img: np.ndarray, factor: int) -> np.ndarray:
    """Mean of each ``factor x factor`` block (rows/columns past whole blocks dropped)."""
    h, w = img.shape[:2]
    hh, ww = h // factor, w // factor
    a = img[: hh * factor, : ww * factor]
    a = a.reshape((hh, factor, ww, factor) + img.shape[2:]).mean(axis=(1, 3))
    return a.astype(np.float32)


def simulate_zoom_burst(
    scene: Scene,
    n: int = 8,
    camera: str | CameraPreset = "flagship-2022",
    *,
    factor: int = 2,
    shake_px: float = 1.5,
    rotation_deg: float = 0.05,
    moving_subject: SubjectMotion | None = None,
    lux: float = 300.0,
    cct: float = 5000.0,
    iso: float | None = None,
    pattern: str | CFAPattern = "RGGB",
    seed: int = 0,
    optics: bool = True,
    noise: bool = True,
    target: float = DEFAULT_TARGET,
) -> tuple[list[RawImage], np.ndarray]:
    """A hand-held burst of ``scene`` seen by a sensor ``factor`` times coarser, and its truth.

    Parameters
    ----------
    scene
        The fine scene; the sensor is ``scene.shape // factor``.
    n
        Frames (the first is the unshaken reference).
    camera, lux, cct, iso, pattern, seed, optics, noise, target
        As in :func:`~brightroom.lab.camera.burst.simulate_burst` (the lens's PSF acts at the
        fine pitch; the frames carry no gain map: the truth keeps the lens's vignetting out
        by dividing it from the frames' electrons too).
    factor
        Scene pixels per sensor pixel (2 or 3).
    shake_px, rotation_deg
        Hand shake in sensor pixels and degrees (:func:`shake_warps`).
    moving_subject
        Optional moving subject (region in scene pixels, velocity in sensor pixels/frame).

    Returns
    -------
    frames, truth
        The raw frames (``metadata["lab"]["zoom"]``: ``factor``, ``warp``, ``subject_mask``
        on the sensor grid or ``None``) and the ``H*factor x W*factor x 3`` float32 truth in
        the mosaic's normalised camera-RGB units.
    """
    if int(factor) != factor or not 1 <= factor <= 4:
        raise ParameterError(f"zoom burst factor {factor!r} must be 1, 2, 3 or 4")
    factor = int(factor)
    p = get_preset(camera)
    pat = _pattern(pattern)
    sensor = p.effective_sensor(pat.block)
    exp = _exposure(p, sensor, pat, lux, cct, iso, None, target)
    illum = illuminant(cct, lux)
    rate = electron_rate_matrix(p, sensor, p.optics, illum)
    fine = scene_electrons(scene, rate, None, 1.0) / np.float32(factor * factor)
    shape = fine.shape[:2]
    warps = shake_warps(n, shape, shake_px=shake_px * factor, rotation_deg=rotation_deg,
                        seed=seed, reference=0)
    pitch = sensor.pixel_pitch_um / factor
    centroids = p.qe().centroids_nm
    vig = vignetting_map(shape, p.optics) if optics and p.optics.vignetting > 0 else None

    def lens(img: np.ndarray) -> np.ndarray:
        if not optics:
            return img
        out = apply_optics(img, p.optics, pitch, centroids)
        if vig is not None:
            out = out / vig[:, :, None]  # the lens-shading correction's share
        return out.astype(np.float32)

    subj = None
    bg = None
    if moving_subject is not None:
        subj = moving_subject.mask(shape)
        outside = scene.rgb[~subj] if np.any(~subj) else scene.rgb.reshape(-1, 3)
        bg = (rate @ outside.mean(axis=0).astype(np.float64)).astype(np.float32) / (factor ** 2)
    seeds = np.random.SeedSequence([int(seed), 0x200]).generate_state(n)
    frames = []
    for k in range(n):
        img = fine
        mask_k = None
        if subj is not None:
            vy, vx = moving_subject.velocity
            move = np.array([[1.0, 0.0, -k * vx * factor], [0.0, 1.0, -k * vy * factor]])
            layer = _warp(fine * subj[:, :, None], move, cv2.INTER_LINEAR)
            alpha = _warp(subj.astype(np.float32), move, cv2.INTER_LINEAR)
            img = fine.copy()
            img[subj] = bg
            img = img * (1 - alpha[:, :, None]) + layer
            mask_k = alpha
        img = _warp(img, warps[k]["warp"], cv2.INTER_LANCZOS4)
        np.maximum(img, 0, out=img)
        e = area_downsample(lens(img), factor) * np.float32(factor * factor)
        raw = simulate(scene, p, lux=lux, cct=cct, iso=exp.iso, exposure_time=exp.exposure_time,
                       pattern=pat, seed=int(seeds[k]), optics=False, noise=noise,
                       target=target, electrons=e)
        lab = dict(raw.metadata["lab"])
        m = None
        if mask_k is not None:
            m = area_downsample(_warp(mask_k, warps[k]["warp"], cv2.INTER_LINEAR), factor) >= 0.5
        lab["zoom"] = {"factor": factor, "index": k, "n": n, "warp": warps[k]["warp"],
                       "subject_mask": m}
        frames.append(raw.replace(metadata={"lab": lab}))
    per_unit = float(frames[0].metadata["lab"]["electrons_per_unit"])
    truth = lens(fine) * np.float32(factor * factor * exp.exposure_time / per_unit)
    return frames, truth.astype(np.float32)

