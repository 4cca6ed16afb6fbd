"""The exact layered reference rendering of a lab portrait scene's depth of field.

A :class:`~brightroom.lab.portrait_scenes.PortraitScene` is a stack of flat layers whose
colour and alpha are *fully known*, also behind the subject. :func:`reference_bokeh` renders
the exact answer a bokeh renderer is measured against: each layer is blurred with its exact disc
PSF (:func:`disc_psf`: the thin-lens circle of confusion of its depth, the disc's pixel coverage
integrated by 16x16 supersampling) and the blurred layers are composited back to front with
premultiplied alpha (``over``). Space: linear RGB in, linear RGB out.

A renderer only sees the photo and the depth, so the background hidden behind the subject
must be guessed; :mod:`brightroom.lab.metrics.bokeh` reports the error in a band around the
silhouette separately.

References
----------
Porter, T., Duff, T. (1984). Compositing digital images. SIGGRAPH '84.

Potmesil, M., Chakravarty, I. (1981). A lens and aperture camera model for synthetic image
generation. SIGGRAPH '81 (thin-lens circle of confusion).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from brightroom.lab.portrait_scenes import PortraitScene

__all__ = ["disc_psf", "reference_bokeh"]


def disc_psf(radius: float, supersample: int = 16) -> np.ndarray:
    """The exact pixel-integrated disc PSF of ``radius`` pixels, normalised (16x16 samples per
    pixel). ``radius < 0.5`` gives a delta."""
    if radius < 0.5:
        return np.ones((1, 1), np.float32)
    n = int(math.ceil(radius)) + 1
    ss = supersample
    o = (np.arange(ss) + 0.5) / ss - 0.5
    c = np.arange(-n, n + 1)
    yy = (c[:, None] + o[None, :]).reshape(-1)
    inside = (yy[:, None] ** 2 + yy[None, :] ** 2) <= radius * radius
    k = inside.reshape(2 * n + 1, ss, 2 * n + 1, ss).mean(axis=(1, 3))
    return (k / k.sum()).astype(np.float32)


def _coc_radius(z: float, zf: float, f_number: float, focal_mm: float, sensor_mm: float,
                width: int) -> float:
    f = focal_mm * 1e-3
    c = (f / f_number) * f * abs(z - zf) / (z * (zf - f))
    return c / (sensor_mm * 1e-3 / width) / 2


def reference_bokeh(scene: PortraitScene, *, f_number: float = 2.0, focal_length: float = 50.0,
                    sensor_width: float = 36.0, focus_distance: float | None = None
                    ) -> np.ndarray:
    """The exact layered rendering (linear RGB): every layer blurred with its disc PSF, then
    composited back to front with premultiplied ``over``. Focus defaults to the subject."""
    zf = scene.layers[0].depth if focus_distance is None else focus_distance
    h, w = scene.depth.shape
    out = np.zeros((h, w, 3), np.float64)
    for lay in reversed(scene.layers):
        r = _coc_radius(lay.depth, zf, f_number, focal_length, sensor_width, w)
        k = disc_psf(r)
        pre = np.concatenate([lay.rgb * lay.alpha[..., None], lay.alpha[..., None]], axis=2)
        if k.size > 1:
            pre = cv2.filter2D(pre.astype(np.float32), -1, k, borderType=cv2.BORDER_REFLECT)
        out = pre[..., :3] + out * (1 - pre[..., 3:4])
    return out.astype(np.float32)
