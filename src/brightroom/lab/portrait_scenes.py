"""Synthetic portrait scenes: flat layers at known depths, each fully known.

A :class:`PortraitScene` is a stack of flat layers at known depths, each an RGB picture (linear
sRGB) with its own exact alpha:

* the **subject**: scikit-image's astronaut photo (a real person, so a person segmentation model
  recognises her) cut out with a hand-made matte (a hand-drawn outline polygon refined by GrabCut
  (Rother et al. 2004) inside a 10-pixel band), plus synthetic hair strands (thin curved lines,
  1-2 px wide, partial alpha) around her head;
* an optional **mid layer** (a hedge of leaves on the lower left);
* a **background** plane: a textured wall (dead-leaves discs, stripes) with optional small bright
  highlights above 1.0 that become bokeh discs.

The sharp photo is the ``over`` composite of the layers (Porter & Duff 1984); the depth map is
the depth of the front layer with alpha >= 0.5. Because every layer is known, also behind the
subject, :func:`brightroom.lab.bokeh_reference.reference_bokeh` can render the exact depth of
field; :mod:`brightroom.lab.metrics.bokeh` scores a renderer against it, and
:func:`brightroom.lab.capabilities.portrait_lab` runs a renderer over :data:`PORTRAIT_SCENES`.

References
----------
Rother, C., Kolmogorov, V., Blake, A. (2004). "GrabCut": interactive foreground extraction using
iterated graph cuts. ACM TOG 23(3), 309-314.

Porter, T., Duff, T. (1984). Compositing digital images. SIGGRAPH '84.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import cv2
import numpy as np

from brightroom.color.spaces import srgb_decode, srgb_encode
from brightroom.errors import ParameterError

__all__ = ["Layer", "PortraitScene", "astronaut_matte", "portrait_scene", "PORTRAIT_SCENES"]

# Hand-drawn outline of the astronaut (x, y) in the 512x512 picture: hair, collar ring,
# shoulders and the helmet she holds.
_OUTLINE = ((15, 512), (18, 420), (22, 340), (35, 290), (65, 258), (112, 222), (115, 190),
            (128, 160), (160, 125), (152, 90), (158, 55), (185, 28), (224, 15), (265, 22),
            (290, 42), (300, 72), (296, 105), (282, 140), (298, 175), (304, 215), (300, 238),
            (338, 262), (355, 300), (362, 348), (385, 345), (430, 345), (470, 365), (495, 395),
            (507, 440), (511, 511))


@dataclass(frozen=True, eq=False)
class Layer:
    """A flat layer: linear RGB ``H x W x 3``, alpha ``H x W`` and its depth in metres."""

    rgb: np.ndarray
    alpha: np.ndarray
    depth: float
    name: str = ""


@dataclass(frozen=True, eq=False)
class PortraitScene:
    """Layers front to back, the sharp composite (linear), depth and the subject's matte."""

    layers: tuple[Layer, ...]
    image: np.ndarray
    depth: np.ndarray
    matte: np.ndarray
    name: str = ""
    info: dict = field(default_factory=dict)

    @property
    def display(self) -> np.ndarray:
        """The sharp photo, sRGB-encoded and clipped to [0, 1] (what a camera file holds)."""
        return np.clip(srgb_encode(self.image), 0, 1).astype(np.float32)


@cache
def _astronaut_matte_512() -> np.ndarray:
    from skimage import data

    rgb = data.astronaut()
    bgr = np.ascontiguousarray(rgb[..., ::-1])
    poly = np.zeros((512, 512), np.uint8)
    cv2.fillPoly(poly, [np.array(_OUTLINE, np.int32)], 1)
    k = np.ones((21, 21), np.uint8)
    mask = np.full((512, 512), cv2.GC_PR_BGD, np.uint8)
    mask[cv2.dilate(poly, k) == 0] = cv2.GC_BGD
    mask[poly == 1] = cv2.GC_PR_FGD
    mask[cv2.erode(poly, k) == 1] = cv2.GC_FGD
    cv2.setRNGSeed(1)
    bg, fg = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.grabCut(bgr, mask, None, bg, fg, 6, cv2.GC_INIT_WITH_MASK)
    m = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    # keep the largest component, fill holes
    n, lab, stats, _ = cv2.connectedComponentsWithStats(m, 8)
    if n > 1:
        m = (lab == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)
    inv = (1 - m).astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(inv, 4)
    for i in range(1, n):
        x, y, w, h, a = stats[i]
        if x > 0 and y > 0 and x + w < 512 and y + h < 512 and a < 2000:
            m[lab == i] = 1
    return m.astype(np.float32)


def astronaut_matte(size: int = 512) -> np.ndarray:
    """The hand-made binary matte of scikit-image's astronaut, ``size x size`` float32."""
    m = _astronaut_matte_512()
    if size != 512:
        m = cv2.resize(m, (size, size), interpolation=cv2.INTER_AREA)
    return m.copy()


def _hair(size: int, rng: np.random.Generator, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Strand alpha and colour around the head (top of the astronaut's hair)."""
    s = size / 512
    acc = np.zeros((size * 4, size * 4), np.float32)  # 4x supersampled strands
    cx, cy, rx, ry = 226 * s, 78 * s, 72 * s, 64 * s
    for _ in range(n):
        th = rng.uniform(math.pi * 0.95, math.pi * 2.05)  # upper half of the head
        x0, y0 = cx + rx * 0.92 * math.cos(th), cy + ry * 0.92 * math.sin(th)
        length = rng.uniform(14, 34) * s
        bend = rng.uniform(-0.5, 0.5)
        pts = []
        for t in np.linspace(0, 1, 12):
            ang = th + bend * t
            pts.append((x0 + length * t * math.cos(ang), y0 + length * t * math.sin(ang)))
        p = (np.array(pts) * 4).astype(np.int32)
        cv2.polylines(acc, [p], False, float(rng.uniform(0.5, 0.9)),
                      thickness=int(rng.integers(3, 7)), lineType=cv2.LINE_AA)
    a = cv2.resize(acc, (size, size), interpolation=cv2.INTER_AREA)
    colour = np.array([0.32, 0.19, 0.08], np.float32)  # dark blonde, linear
    return np.clip(a, 0, 1), colour


def _wall(size: int, rng: np.random.Generator, highlights: bool) -> np.ndarray:
    """Textured background: dead-leaves discs over soft stripes (linear)."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    base = 0.25 + 0.1 * np.sin(2 * np.pi * 7 * x)[..., None] * np.array([1, 0.8, 0.6], np.float32)
    img = np.broadcast_to(base, (size, size, 3)).astype(np.float32).copy()
    for _ in range(int(300 * (size / 512) ** 2) + 50):
        r = int(rng.uniform(3, 30) * size / 512)
        c = (int(rng.integers(0, size)), int(rng.integers(0, size)))
        col = rng.uniform(0.03, 0.6, 3).astype(np.float32)
        cv2.circle(img, c, r, col.tolist(), -1, lineType=cv2.LINE_AA)
    if highlights:
        for _ in range(12):
            c = (int(rng.integers(0, size)), int(rng.integers(0, size // 2)))
            cv2.circle(img, c, max(1, size // 256), (4.0, 3.6, 2.8), -1, lineType=cv2.LINE_AA)
    return img


def _hedge(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    rgb = np.zeros((size, size, 3), np.float32)
    a = np.zeros((size, size), np.float32)
    for _ in range(int(220 * (size / 512) ** 2) + 30):
        r = int(rng.uniform(4, 14) * size / 512)
        cx = int(rng.uniform(0, 0.35) * size)
        cy = int(rng.uniform(0.55, 1.0) * size)
        g = rng.uniform(0.05, 0.3)
        cv2.ellipse(rgb, (cx, cy), (r, max(1, r // 2)), float(rng.uniform(0, 180)), 0, 360,
                    (g * 0.4, g, g * 0.3), -1, lineType=cv2.LINE_AA)
        cv2.ellipse(a, (cx, cy), (r, max(1, r // 2)), float(rng.uniform(0, 180)), 0, 360, 1.0, -1,
                    lineType=cv2.LINE_AA)
    return rgb, np.clip(a, 0, 1)


def portrait_scene(name: str = "astronaut", *, size: int = 512, seed: int = 0,
                   subject_distance: float = 1.5, mid_distance: float = 3.0,
                   background_distance: float = 8.0, hedge: bool = True,
                   highlights: bool = False, hair: bool = True) -> PortraitScene:
    """A synthetic portrait scene (see the module notes).

    Parameters
    ----------
    name
        Label; the subject is always the astronaut.
    size
        Side in pixels (square).
    seed
        Seed of the textures and strands.
    subject_distance, mid_distance, background_distance
        Layer depths in metres (subject < mid < background).
    hedge, highlights, hair
        Include the mid layer, bright background highlights (> 1.0) and hair strands.
    """
    from skimage import data

    if not 0 < subject_distance < mid_distance < background_distance:
        raise ParameterError("need 0 < subject_distance < mid_distance < background_distance")
    if size < 64:
        raise ParameterError(f"size must be >= 64, got {size}")
    rng = np.random.default_rng(seed)
    person = srgb_decode(data.astronaut().astype(np.float32) / np.float32(255))
    if size != 512:
        person = cv2.resize(person, (size, size), interpolation=cv2.INTER_AREA)
    m = astronaut_matte(size)
    # a half-pixel anti-aliased edge, as a lens would give the sharp subject
    m = cv2.GaussianBlur(m, (0, 0), 0.5)
    fg = person.copy()
    if hair:
        ha, hc = _hair(size, rng)
        fg = fg * (m * (1 - ha))[..., None] / np.maximum(m + ha * (1 - m), 1e-6)[..., None] \
            + hc * ha[..., None] / np.maximum(m + ha * (1 - m), 1e-6)[..., None]
        # colour stays premultiplication-consistent: F = (m (1 - ha) P + ha H) / alpha
        alpha = m + ha * (1 - m)
    else:
        alpha = m
    layers = [Layer(fg.astype(np.float32), alpha.astype(np.float32), subject_distance, "subject")]
    if hedge:
        hr, haa = _hedge(size, rng)
        layers.append(Layer(hr, haa, mid_distance, "hedge"))
    wall = _wall(size, rng, highlights)
    layers.append(Layer(wall, np.ones((size, size), np.float32), background_distance, "wall"))
    img = np.zeros((size, size, 3), np.float32)
    depth = np.full((size, size), background_distance, np.float32)
    for lay in reversed(layers):
        img = lay.rgb * lay.alpha[..., None] + img * (1 - lay.alpha[..., None])
        depth = np.where(lay.alpha >= 0.5, np.float32(lay.depth), depth)
    return PortraitScene(tuple(layers), img.astype(np.float32), depth, alpha.astype(np.float32),
                         name, {"seed": seed, "highlights": highlights, "hair": hair})


PORTRAIT_SCENES = {
    "astronaut-hedge": dict(hedge=True, highlights=False),
    "astronaut-wall": dict(hedge=False, highlights=False),
    "astronaut-highlights": dict(hedge=True, highlights=True),
}
"""The lab's portrait scenes: name -> :func:`portrait_scene` options."""
