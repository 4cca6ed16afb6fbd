"""Small animated clips from scikit-image's photos for the animate tests."""

from __future__ import annotations

import io

import cv2
import numpy as np
import skimage.data as sd
from PIL import Image


def pan_clip(w: int = 96, h: int = 64, n: int = 12) -> list[np.ndarray]:
    """Camera motion across the astronaut photo."""
    big = cv2.resize(sd.astronaut(), (w * 2, w * 2), interpolation=cv2.INTER_AREA)
    return [np.ascontiguousarray(big[t * 2:t * 2 + h, t * 3:t * 3 + w]) for t in range(n)]


def subject_clip(w: int = 96, h: int = 64, n: int = 12, noise: float = 0.0,
                 seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """A square moving over the static coffee photo: (frames, static-pixel mask)."""
    rng = np.random.default_rng(seed)
    bg = cv2.resize(sd.coffee(), (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    static = np.ones((h, w), bool)
    out = []
    for t in range(n):
        f = bg.copy()
        x = 4 + t * 4
        f[20:36, x:x + 16] = (230, 40, 40)
        static[20:36, x:x + 16] = False
        f = f + rng.normal(0, noise, f.shape) if noise else f
        out.append(np.clip(f + 0.5, 0, 255).astype(np.uint8))
    return out, static


def decode(data: bytes) -> tuple[list[np.ndarray], list[float], object]:
    """Composited RGB frames, durations (ms) and loop info as Pillow reads them."""
    im = Image.open(io.BytesIO(data))
    frames, durs = [], []
    for i in range(im.n_frames):
        im.seek(i)
        im.load()
        frames.append(np.asarray(im.convert("RGB")))
        durs.append(im.info.get("duration"))
    return frames, durs, Image.open(io.BytesIO(data)).info.get("loop")


def psnr(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    mse = np.mean([np.mean((x.astype(np.float64) - y) ** 2) for x, y in zip(a, b)])
    return float(10 * np.log10(255 ** 2 / max(mse, 1e-12)))
