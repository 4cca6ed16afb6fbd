"""Core data types: the raw mosaic, the developed image and what travels with them.

Every higher floor of Brightroom speaks in these types.

* :class:`CFAPattern` names a colour filter array: one of the four Bayer phases, optionally
  with each colour as an ``n x n`` block (quad-Bayer ``block=2``, nona ``3``, hexadeca ``4``),
  or a phase of Fujifilm's 6 x 6 X-Trans layout.
* :class:`RawImage` is the mosaic, normalised **once** at input so that 0 is the black level
  and 1 the white (clipping) level, plus the camera's colour and noise description.
* :class:`LinearRawImage` is a raw the camera (or a converter) already demosaiced: a linear
  DNG (``PhotometricInterpretation`` LinearRaw) or a monochrome sensor, ``H x W x 3`` (or
  ``x 1``) camera RGB normalised the same way. It flows through the ``cfa`` stages of a
  recipe in their RGB form; demosaicing is skipped.
* :class:`Image` is a float32 ``H x W x 3`` picture in a declared space.

Arrays are float32 and never written in place: every stage returns a new object, built with
:meth:`RawImage.replace` / :meth:`Image.replace`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np

from brightroom.errors import ParameterError

__all__ = [
    "Space",
    "SPACES",
    "CHANNELS",
    "BAYER_PATTERNS",
    "XTRANS_LAYOUT",
    "CFAPattern",
    "NoiseProfile",
    "CameraInfo",
    "GainMap",
    "LightMap",
    "WhiteBalance",
    "FrameState",
    "STATE_FIELDS",
    "RawImage",
    "LinearRawImage",
    "WarpRectilinear",
    "Image",
    "normalize_mosaic",
]

Space = Literal["cfa", "camera_rgb", "linear_rgb", "display"]
"""Pipeline spaces: the mosaic, demosaiced camera RGB, linear output RGB, encoded display RGB."""

SPACES: tuple[str, ...] = ("cfa", "camera_rgb", "linear_rgb", "display")

CHANNELS = "RGB"
BAYER_PATTERNS: tuple[str, ...] = ("RGGB", "BGGR", "GRBG", "GBRG")

XTRANS_LAYOUT = "GGRGGB/GGBGGR/BRGRBG/GGBGGR/GGRGGB/RBGBRG"
"""Fujifilm's X-Trans 6 x 6 colour filter layout, rows top to bottom (one phase of it; a
sensor's crop may start anywhere in the tile, see :meth:`CFAPattern.xtrans`). 20 of its 36
sites are green; every row and column holds red, green and blue.

References
----------
Fujifilm (2012), X-Trans CMOS sensor (X-Pro1); the layout as LibRaw reports it
(``imgdata.idata.xtrans``).
"""


def _xtrans_phases() -> dict[str, tuple[int, int]]:
    rows = XTRANS_LAYOUT.split("/")
    grid = np.array([list(r) for r in rows])
    out = {}
    for dy in range(6):
        for dx in range(6):
            g = np.roll(np.roll(grid, -dy, 0), -dx, 1)
            out.setdefault("/".join("".join(r) for r in g), (dy, dx))
    return out


_XTRANS_PHASES = _xtrans_phases()


@dataclass(frozen=True)
class CFAPattern:
    """A colour filter array layout.

    Parameters
    ----------
    pattern
        The Bayer phase read left to right, top to bottom over the 2 x 2 colour cell:
        ``"RGGB"``, ``"BGGR"``, ``"GRBG"`` or ``"GBRG"``; or a 6 x 6 X-Trans layout, its rows
        top to bottom separated by ``/`` (a cyclic shift of :data:`XTRANS_LAYOUT`; build it
        with :meth:`xtrans`).
    block
        Side of the square block that shares one colour: 1 for Bayer, 2 for quad-Bayer
        (Tetracell / Quad Bayer, 48-64 MP sensors), 3 for nona (108 MP), 4 for hexadeca (200 MP).
        Always 1 for X-Trans.
    """

    pattern: str = "RGGB"
    block: int = 1

    def __post_init__(self) -> None:
        p = self.pattern.upper() if isinstance(self.pattern, str) else self.pattern
        if isinstance(p, str) and "/" in p:
            if p not in _XTRANS_PHASES:
                raise ParameterError(
                    f"CFA layout {self.pattern!r} is not a phase of the X-Trans layout "
                    f"{XTRANS_LAYOUT}")
            if self.block != 1:
                raise ParameterError(f"an X-Trans layout has block 1, got {self.block!r}")
            object.__setattr__(self, "pattern", p)
            return
        if p not in BAYER_PATTERNS:
            raise ParameterError(
                f"CFA pattern {self.pattern!r} is not one of {', '.join(BAYER_PATTERNS)} "
                f"(or an X-Trans layout)"
            )
        object.__setattr__(self, "pattern", p)
        if not isinstance(self.block, int) or not 1 <= self.block <= 4:
            raise ParameterError(f"CFA block size {self.block!r} must be an integer in 1..4")

    @classmethod
    def xtrans(cls, dy: int = 0, dx: int = 0) -> CFAPattern:
        """The X-Trans layout cropped by ``dy`` rows and ``dx`` columns from
        :data:`XTRANS_LAYOUT`'s phase."""
        return cls(XTRANS_LAYOUT).shifted(dy, dx)

    @property
    def is_xtrans(self) -> bool:
        """Whether this is a 6 x 6 X-Trans layout (else a Bayer or quad/nona/hexadeca one)."""
        return "/" in self.pattern

    @property
    def is_bayer(self) -> bool:
        """Whether this is a (2 x 2) Bayer layout with one pixel per colour (``block == 1``)."""
        return not self.is_xtrans and self.block == 1

    @property
    def name(self) -> str:
        """``"RGGB"`` for Bayer, ``"quad-RGGB"``, ``"nona-RGGB"``, ``"hexadeca-RGGB"``, or
        ``"xtrans-<rows>"`` (``"xtrans-GGRGGB/GGBGGR/..."``)."""
        if self.is_xtrans:
            return "xtrans-" + self.pattern
        prefix = {1: "", 2: "quad-", 3: "nona-", 4: "hexadeca-"}[self.block]
        return prefix + self.pattern

    @classmethod
    def parse(cls, name: str) -> CFAPattern:
        """Inverse of :attr:`name`: ``"quad-GRBG"`` -> ``CFAPattern("GRBG", 2)``;
        ``"xtrans"`` is :data:`XTRANS_LAYOUT`'s phase."""
        if isinstance(name, str) and name.lower().startswith("xtrans"):
            rest = name[6:].lstrip("-")
            return cls(rest or XTRANS_LAYOUT)
        blocks = {"": 1, "quad": 2, "nona": 3, "hexadeca": 4}
        prefix, _, pat = name.rpartition("-")
        if prefix not in blocks:
            raise ParameterError(f"unknown CFA name {name!r}; expected e.g. 'RGGB', "
                                 f"'quad-RGGB' or 'xtrans'")
        return cls(pat, blocks[prefix])

    @property
    def period(self) -> int:
        """Side of the repeating tile in pixels (``2 * block``; 6 for X-Trans)."""
        return 6 if self.is_xtrans else 2 * self.block

    def _need_bayer_cell(self, what: str) -> None:
        if self.is_xtrans:
            raise ParameterError(f"{what} is defined for Bayer layouts only; {self.name} is "
                                 f"an X-Trans layout (use tile / channel_index)")

    @cached_property
    def cell(self) -> np.ndarray:
        """The 2 x 2 Bayer cell as channel indices (0 = R, 1 = G, 2 = B); Bayer layouts only."""
        self._need_bayer_cell("the 2 x 2 cell")
        return np.array([CHANNELS.index(c) for c in self.pattern], dtype=np.int8).reshape(2, 2)

    @cached_property
    def tile(self) -> np.ndarray:
        """The ``period x period`` repeating tile as channel indices."""
        if self.is_xtrans:
            return np.array([[CHANNELS.index(c) for c in row] for row in self.pattern.split("/")],
                            dtype=np.int8)
        return np.kron(self.cell, np.ones((self.block, self.block), dtype=np.int8))

    def channel_index(self, height: int, width: int) -> np.ndarray:
        """Channel index (0/1/2) of every pixel of a ``height x width`` mosaic."""
        p = self.period
        reps = (-(-height // p), -(-width // p))
        return np.tile(self.tile, reps)[:height, :width]

    def masks(self, height: int, width: int) -> np.ndarray:
        """Boolean ``(3, height, width)`` masks, one per colour channel."""
        idx = self.channel_index(height, width)
        return np.stack([idx == c for c in range(3)])

    def offset(self, channel: str) -> tuple[int, int]:
        """Row and column of the first pixel of ``channel`` ('R' or 'B') in the 2 x 2 cell."""
        self._need_bayer_cell("a 2 x 2 cell offset")
        i = self.pattern.index(channel)
        return divmod(i, 2)

    def shifted(self, dy: int, dx: int) -> CFAPattern:
        """The pattern of the mosaic after cropping ``dy`` rows and ``dx`` columns from the top-left."""
        if self.is_xtrans:
            t = np.roll(np.roll(self.tile, -dy, axis=0), -dx, axis=1)
            return CFAPattern("/".join("".join(CHANNELS[c] for c in row) for row in t))
        if self.block != 1 and (dy % self.block or dx % self.block):
            raise ParameterError(
                f"cropping {self.name} by ({dy}, {dx}) would split its {self.block}x{self.block} blocks"
            )
        cy, cx = (dy // self.block) % 2, (dx // self.block) % 2
        cell = np.roll(np.roll(self.cell, -cy, axis=0), -cx, axis=1)
        return CFAPattern("".join(CHANNELS[c] for c in cell.ravel()), self.block)

    def binned(self) -> CFAPattern:
        """The Bayer pattern obtained by averaging each ``block x block`` group."""
        self._need_bayer_cell("binning to Bayer")
        return CFAPattern(self.pattern, 1)


@dataclass(frozen=True)
class NoiseProfile:
    """Signal-dependent sensor noise, per channel, in normalised units.

    The variance of a pixel whose noise-free normalised value is ``x`` is
    ``scale[c] * x + offset[c]`` (the DNG ``NoiseProfile`` tag, Adobe DNG spec 1.4, 51041):
    ``scale`` is shot noise (Poisson, 1 / electrons at white), ``offset`` read noise.
    """

    scale: tuple[float, float, float]
    offset: tuple[float, float, float]

    def __post_init__(self) -> None:
        for name in ("scale", "offset"):
            v = tuple(float(x) for x in getattr(self, name))
            if len(v) == 1:
                v = v * 3
            if len(v) != 3 or any(x < 0 or not np.isfinite(x) for x in v):
                raise ParameterError(f"noise profile {name} must be 3 finite values >= 0, got {v}")
            object.__setattr__(self, name, v)

    def variance(self, x: np.ndarray | float, channel: int = 1) -> np.ndarray | float:
        """Noise variance at normalised signal level ``x`` for ``channel``."""
        return self.scale[channel] * np.maximum(x, 0) + self.offset[channel]

    def sigma(self, x: np.ndarray | float, channel: int = 1) -> np.ndarray | float:
        """Noise standard deviation at normalised signal level ``x`` for ``channel``."""
        return np.sqrt(self.variance(x, channel))


def _as_matrix(m: Any, name: str) -> np.ndarray | None:
    if m is None:
        return None
    a = np.asarray(m, dtype=np.float64)
    if a.shape != (3, 3) or not np.all(np.isfinite(a)):
        raise ParameterError(f"{name} must be a finite 3x3 matrix, got shape {a.shape}")
    a = a.copy()
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class CameraInfo:
    """What the camera said about a capture: colour calibration, exposure, noise, EXIF.

    Matrices follow the DNG specification (1.6, chapter 6): ``color_matrix*`` map CIE XYZ to
    camera RGB, ``forward_matrix*`` map white-balanced camera RGB to XYZ (D50). Illuminants are
    EXIF LightSource codes (17 = Standard light A, 21 = D65, ...). ``monochrome`` marks a
    sensor without a colour filter array (one channel): it develops to a grey image.
    """

    make: str = ""
    model: str = ""
    color_matrix1: np.ndarray | None = None
    color_matrix2: np.ndarray | None = None
    illuminant1: int = 21
    illuminant2: int | None = None
    forward_matrix1: np.ndarray | None = None
    forward_matrix2: np.ndarray | None = None
    as_shot_neutral: tuple[float, float, float] | None = None
    iso: float | None = None
    exposure_time: float | None = None
    f_number: float | None = None
    focal_length: float | None = None
    noise_profile: NoiseProfile | None = None
    orientation: int = 1
    baseline_exposure: float = 0.0
    exif: Mapping[str, Any] = field(default_factory=dict)
    monochrome: bool = False

    def __post_init__(self) -> None:
        for name in ("color_matrix1", "color_matrix2", "forward_matrix1", "forward_matrix2"):
            object.__setattr__(self, name, _as_matrix(getattr(self, name), name))
        be = float(self.baseline_exposure)
        if not np.isfinite(be) or abs(be) > 16:
            raise ParameterError(f"baseline exposure must be a finite EV in [-16, 16], got {be}")
        object.__setattr__(self, "baseline_exposure", be)
        if self.as_shot_neutral is not None:
            n = tuple(float(x) for x in self.as_shot_neutral)
            if len(n) != 3 or any(not np.isfinite(x) or x <= 0 for x in n):
                raise ParameterError(f"as_shot_neutral must be 3 positive values, got {n}")
            object.__setattr__(self, "as_shot_neutral", n)
        if self.orientation not in range(1, 9):
            raise ParameterError(f"EXIF orientation must be 1..8, got {self.orientation}")

    def replace(self, **changes: Any) -> CameraInfo:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, eq=False)
class GainMap:
    """Lens-shading gains over the mosaic (the DNG ``GainMap`` opcode).

    Parameters
    ----------
    gains
        ``h x w x 4`` float32, one plane per 2 x 2 cell position in raster order (a mosaic), or
        ``h x w x 3``, one plane per channel (an RGB :class:`LinearRawImage`), all > 0.
    area
        ``(top, left, bottom, right)`` of the mosaic the map covers (DNG ``Top``... tags), or
        ``None`` for the whole mosaic.
    origin, spacing
        The map's ``MapOriginV/H`` and ``MapSpacingV/H`` in units of the area (relative
        coordinates). With ``area`` ``None`` the grid is corner-aligned: its first and last
        points lie on the first and last pixel.
    source
        Where it came from (``"OpcodeList2"``, ``"OpcodeList3"``, ``"lab"``...).

    References
    ----------
    Adobe (2023), Digital Negative (DNG) Specification 1.7, chapter 7, opcode ``GainMap``.
    """

    gains: np.ndarray
    area: tuple[float, float, float, float] | None = None
    origin: tuple[float, float] = (0.0, 0.0)
    spacing: tuple[float, float] = (1.0, 1.0)
    source: str = ""

    def __post_init__(self) -> None:
        g = np.asarray(self.gains, dtype=np.float32)
        if g.ndim != 3 or g.shape[2] not in (3, 4) or g.shape[0] < 1 or g.shape[1] < 1:
            raise ParameterError(f"a gain map must be h x w x 4 (one plane per 2x2 cell "
                                 f"position) or h x w x 3 (one per channel), got shape "
                                 f"{g.shape}")
        if not np.all(np.isfinite(g)) or np.any(g <= 0):
            raise ParameterError("gain-map values must be finite and > 0")
        g = g.copy() if g is self.gains and g.flags.writeable else g
        g.setflags(write=False)
        object.__setattr__(self, "gains", g)
        if self.area is not None:
            a = tuple(float(x) for x in self.area)
            if len(a) != 4 or not (a[2] > a[0] and a[3] > a[1]):
                raise ParameterError(f"gain-map area must be (top, left, bottom, right), got {a}")
            object.__setattr__(self, "area", a)
        for name in ("origin", "spacing"):
            v = tuple(float(x) for x in getattr(self, name))
            if len(v) != 2 or not all(np.isfinite(v)):
                raise ParameterError(f"gain-map {name} must be two finite values, got {v}")
            object.__setattr__(self, name, v)
        if min(self.spacing) <= 0:
            raise ParameterError(f"gain-map spacing must be > 0, got {self.spacing}")


@dataclass(frozen=True, eq=False)
class LightMap:
    """Two scene lights and where each one lights the frame (spatially varying white balance).

    Parameters
    ----------
    light1, light2
        Camera neutrals (green = 1) of the two lights.
    weight
        ``h x w`` float32 in [0, 1], the share of ``light1`` at each pixel, on a grid that
        covers the whole frame (the AWB preview's); resampled to the mosaic when applied.
    """

    light1: tuple[float, float, float]
    light2: tuple[float, float, float]
    weight: np.ndarray

    def __post_init__(self) -> None:
        for name in ("light1", "light2"):
            n = tuple(float(x) for x in getattr(self, name))
            if len(n) != 3 or any(not np.isfinite(x) or x <= 0 for x in n):
                raise ParameterError(f"LightMap.{name} must be 3 positive values, got {n}")
            object.__setattr__(self, name, n)
        w = np.asarray(self.weight, dtype=np.float32)
        if w.ndim != 2 or w.size == 0 or not np.all((w >= 0) & (w <= 1)):
            raise ParameterError(f"LightMap.weight must be a 2-D map in [0, 1], got shape "
                                 f"{w.shape}")
        w = w.copy()
        w.setflags(write=False)
        object.__setattr__(self, "weight", w)


@dataclass(frozen=True)
class WarpRectilinear:
    """Lens distortion to undo after demosaicing (the DNG ``WarpRectilinear`` opcode).

    For an output pixel at ``(x, y)``, with ``(dx, dy)`` its offset from the optical centre
    divided by ``m`` (the distance in pixels from the centre to the farthest image corner) and
    ``r^2 = dx^2 + dy^2``, the source position is the centre plus ``m`` times

        ``dx * f + kt0 * 2 dx dy + kt1 * (r^2 + 2 dx^2)``,
        ``dy * f + kt1 * 2 dx dy + kt0 * (r^2 + 2 dy^2)``,

    with ``f = kr0 + kr1 r^2 + kr2 r^4 + kr3 r^6`` (radial and tangential terms).

    Parameters
    ----------
    coefficients
        One ``(kr0, kr1, kr2, kr3, kt0, kt1)`` per plane: 1 (all planes alike) or 3 (R, G, B:
        lateral chromatic aberration as well).
    centre
        Optical centre ``(x, y)`` relative to the image, ``(0.5, 0.5)`` being its middle.
    source
        Where it came from (``"OpcodeList3"``, ``"lab"``...).

    References
    ----------
    Adobe (2023), Digital Negative (DNG) Specification 1.7, chapter 7, opcode
    ``WarpRectilinear`` (1).
    """

    coefficients: tuple[tuple[float, float, float, float, float, float], ...]
    centre: tuple[float, float] = (0.5, 0.5)
    source: str = ""

    def __post_init__(self) -> None:
        co = tuple(tuple(float(v) for v in plane) for plane in self.coefficients)
        if len(co) not in (1, 3) or any(len(p) != 6 for p in co) or \
                not all(np.isfinite(v) for p in co for v in p):
            raise ParameterError(f"WarpRectilinear needs 1 or 3 planes of 6 finite "
                                 f"coefficients, got {self.coefficients!r}")
        object.__setattr__(self, "coefficients", co)
        c = tuple(float(v) for v in self.centre)
        if len(c) != 2 or not all(np.isfinite(c)):
            raise ParameterError(f"WarpRectilinear centre must be two finite values, got {c}")
        object.__setattr__(self, "centre", c)

    @property
    def is_identity(self) -> bool:
        """Whether the warp moves nothing (``kr0 = 1``, every other coefficient 0)."""
        return all(p == (1.0, 0.0, 0.0, 0.0, 0.0, 0.0) for p in self.coefficients)


@dataclass(frozen=True)
class WhiteBalance:
    """The white-balance decision, made once (by the ``white_balance`` stage) for later stages.

    Parameters
    ----------
    neutral
        Camera RGB of a white surface under the scene light, green = 1.
    mode
        How it was chosen: ``"as-shot"``, ``"auto"``, ``"preset"``, ``"kelvin"`` or
        ``"custom"`` (the mode actually used: ``"auto"`` when as-shot fell back).
    cct
        Its correlated colour temperature in kelvin (``None`` without colour matrices).
    applied
        Whether the gains ``neutral_G / neutral`` have been multiplied into the pixels.
    note
        Why a fallback was taken, when one was (empty otherwise).
    tint
        Its tint (``Duv / 0.05``, + greener light; ``None`` without colour matrices).
    lights
        Spatially varying white balance (``WhiteBalanceParams(mixed=True)``): the two lights and
        their blend map, which the gains follow pixel by pixel; ``None`` for one light.
    """

    neutral: tuple[float, float, float]
    mode: str = "as-shot"
    cct: float | None = None
    applied: bool = True
    note: str = ""
    tint: float | None = None
    lights: LightMap | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        n = tuple(float(x) for x in self.neutral)
        if len(n) != 3 or any(not np.isfinite(x) or x <= 0 for x in n):
            raise ParameterError(f"a white-balance neutral must be 3 positive values, got {n}")
        object.__setattr__(self, "neutral", n)

    @property
    def gains(self) -> tuple[float, float, float]:
        """Per-channel gains ``neutral_G / neutral_c`` (green = 1)."""
        g = self.neutral[1]
        return (g / self.neutral[0], 1.0, g / self.neutral[2])


@dataclass(frozen=True)
class FrameState:
    """What earlier pipeline stages tell later ones, typed (never a loose dictionary).

    A stage declares the fields it ``needs`` and ``provides``
    (:class:`brightroom.develop.pipeline.StageKind`); the pipeline refuses, when it is built, a
    recipe in which a needed field has no provider before it.

    Parameters
    ----------
    white_balance
        The white-balance decision (``white_balance`` stage).
    lens_shading
        Whether the lens-shading gains (and any vignetting correction) are applied
        (``lens_shading`` stage).
    denoised
        Whether raw-domain noise reduction ran (``denoise_raw`` stage).
    colour_matrix
        The 3 x 3 matrix from white-balanced camera RGB to the output primaries, exposure of
        ``exposure_ev`` included (``colour`` stage).
    exposure_ev
        Exposure applied since the raw, in EV (DNG BaselineExposure, tone exposure).
    """

    white_balance: WhiteBalance | None = None
    lens_shading: bool = False
    denoised: bool = False
    colour_matrix: tuple[tuple[float, float, float], ...] | None = None
    exposure_ev: float = 0.0

    def provided(self) -> frozenset[str]:
        """The names of the fields that are set."""
        return frozenset(f for f in STATE_FIELDS if getattr(self, f) not in (None, False))

    def replace(self, **changes: Any) -> FrameState:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)


STATE_FIELDS: tuple[str, ...] = ("white_balance", "lens_shading", "denoised", "colour_matrix")
"""The :class:`FrameState` fields a stage can need or provide."""


def _check_levels(levels: Any, n: int, name: str) -> tuple[float, ...]:
    t = tuple(float(x) for x in np.atleast_1d(levels))
    if len(t) == 1:
        t = t * n
    if len(t) != n:
        raise ParameterError(f"{name} needs 1 or {n} values, got {len(t)}")
    return t


@dataclass(frozen=True, eq=False)
class RawImage:
    """A CFA mosaic normalised to [0, 1] and what is needed to develop it.

    Parameters
    ----------
    cfa
        ``H x W`` float32. 0 is the black level, 1 the white level. Values are not clipped:
        noise makes some slightly negative, which keeps averages unbiased.
    pattern
        The colour filter layout of ``cfa[0, 0]`` onwards.
    camera
        Colour matrices, neutral, exposure, noise and EXIF.
    black_level, white_level
        The sensor counts the mosaic was normalised from (black per 2 x 2 cell position, in
        raster order). Kept so that the mosaic can be written back as the same integers.
    saturation
        Per-channel value at which the sensor clipped, in the current units (1.0 until gains
        are applied); highlight recovery reads it.
    gain_map
        Optional lens-shading gains (DNG ``GainMap`` opcode), a :class:`GainMap` (an
        ``h x w x 4`` array is taken as a corner-aligned one).
    state
        What earlier stages decided (:class:`FrameState`): white balance, lens shading...
    metadata
        Free-form information that travels to the output (path, format, DNG hints, lab truth,
        burst record). No stage reads another stage's decisions from it.
    warp
        Lens distortion still to undo (DNG ``WarpRectilinear`` of ``OpcodeList3``), which the
        ``demosaic`` stage applies after interpolating, where the DNG specification puts it.
    """

    cfa: np.ndarray
    pattern: CFAPattern
    camera: CameraInfo = field(default_factory=CameraInfo)
    black_level: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    white_level: float = 1.0
    saturation: tuple[float, float, float] = (1.0, 1.0, 1.0)
    gain_map: GainMap | None = None
    state: FrameState = field(default_factory=FrameState)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    warp: WarpRectilinear | None = None

    def __post_init__(self) -> None:
        a = self.cfa
        if not isinstance(a, np.ndarray) or a.ndim != 2:
            raise ParameterError(f"RawImage.cfa must be a 2-D array, got {type(a).__name__} "
                                 f"with shape {getattr(a, 'shape', None)}")
        if a.dtype != np.float32:
            raise ParameterError(f"RawImage.cfa must be float32 (normalise once with "
                                 f"normalize_mosaic), got {a.dtype}")
        if not isinstance(self.pattern, CFAPattern):
            raise ParameterError(f"RawImage.pattern must be a CFAPattern, got {self.pattern!r}")
        p = self.pattern.period
        if a.shape[0] < p or a.shape[1] < p:
            raise ParameterError(f"mosaic {a.shape} is smaller than one {self.pattern.name} tile")
        object.__setattr__(self, "black_level", _check_levels(self.black_level, 4, "black_level"))
        object.__setattr__(self, "saturation", _check_levels(self.saturation, 3, "saturation"))
        if self.gain_map is not None and not isinstance(self.gain_map, GainMap):
            object.__setattr__(self, "gain_map", GainMap(self.gain_map))
        if self.gain_map is not None and self.gain_map.gains.shape[2] != 4:
            raise ParameterError("a mosaic's gain map needs one plane per 2x2 cell position "
                                 f"(h x w x 4), got {self.gain_map.gains.shape}")
        if self.warp is not None and not isinstance(self.warp, WarpRectilinear):
            raise ParameterError(f"RawImage.warp must be a WarpRectilinear, got {self.warp!r}")
        if not isinstance(self.state, FrameState):
            raise ParameterError(f"RawImage.state must be a FrameState, got {self.state!r}")
        if not self.white_level > max(self.black_level):
            raise ParameterError(
                f"white level {self.white_level} must exceed black level {max(self.black_level)}"
            )

    @property
    def wb(self) -> tuple[float, float, float] | None:
        """Per-channel gains already in the mosaic (``None`` while not white balanced)."""
        w = self.state.white_balance
        return w.gains if w is not None and w.applied else None

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)`` of the mosaic."""
        return self.cfa.shape  # type: ignore[return-value]

    @property
    def megapixels(self) -> float:
        """Pixel count in millions."""
        return self.cfa.size / 1e6

    def replace(self, **changes: Any) -> RawImage:
        """A copy with ``changes`` applied (arrays are shared, never written)."""
        return dataclasses.replace(self, **changes)

    def to_counts(self) -> np.ndarray:
        """The mosaic as sensor integers again (uint16), inverting :func:`normalize_mosaic`.

        Values are rounded and clipped to ``[0, white_level]``.
        """
        h, w = self.shape
        black = _cell_plane(self.black_level, h, w)
        counts = self.cfa.astype(np.float64) * (self.white_level - black) + black
        return np.clip(np.rint(counts), 0, self.white_level).astype(np.uint16)


@dataclass(frozen=True, eq=False)
class LinearRawImage:
    """A raw whose colours were already interpolated: a linear DNG or a monochrome sensor.

    It is the ``cfa``-space frame of a sensor-referred image that needs no demosaicing: Adobe
    DNG Converter's (lossy) linear DNGs, phone apps' LinearRaw DNGs and monochrome sensors. A
    recipe's ``cfa`` stages that make sense on it (lens shading, white balance, raw denoise)
    run in their RGB form, ``demosaic`` only hands it on as camera RGB (after the DNG's
    ``WarpRectilinear``), and stages that only make sense on a mosaic (``bad_pixels``) pass
    it through (see ``docs/architecture.md``).

    Parameters
    ----------
    data
        ``H x W x 3`` camera RGB, or ``H x W x 1`` for a monochrome sensor; float32, 0 the
        black level and 1 the white level, not clipped.
    camera
        Colour matrices, neutral, exposure, noise and EXIF (``camera.monochrome`` for one
        channel).
    black_level, white_level
        The counts the data were normalised from (black per channel).
    saturation, gain_map, state, metadata, warp
        As in :class:`RawImage`; a gain map has one plane per channel (``h x w x 3``).
    """

    data: np.ndarray
    camera: CameraInfo = field(default_factory=CameraInfo)
    black_level: tuple[float, ...] = (0.0,)
    white_level: float = 1.0
    saturation: tuple[float, float, float] = (1.0, 1.0, 1.0)
    gain_map: GainMap | None = None
    state: FrameState = field(default_factory=FrameState)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    warp: WarpRectilinear | None = None

    def __post_init__(self) -> None:
        a = self.data
        if not isinstance(a, np.ndarray) or a.ndim != 3 or a.shape[2] not in (1, 3):
            raise ParameterError(f"LinearRawImage.data must be H x W x 3 (or x 1, monochrome), "
                                 f"got shape {getattr(a, 'shape', None)}")
        if a.dtype != np.float32:
            raise ParameterError(f"LinearRawImage.data must be float32, got {a.dtype}")
        if a.shape[0] < 1 or a.shape[1] < 1:
            raise ParameterError(f"LinearRawImage.data is empty ({a.shape})")
        n = a.shape[2]
        object.__setattr__(self, "black_level", _check_levels(self.black_level, n, "black_level"))
        object.__setattr__(self, "saturation", _check_levels(self.saturation, 3, "saturation"))
        if not isinstance(self.camera, CameraInfo):
            raise ParameterError(f"LinearRawImage.camera must be a CameraInfo, got "
                                 f"{self.camera!r}")
        if self.gain_map is not None and not isinstance(self.gain_map, GainMap):
            object.__setattr__(self, "gain_map", GainMap(self.gain_map))
        if self.gain_map is not None and self.gain_map.gains.shape[2] != 3:
            raise ParameterError("a linear raw's gain map needs one plane per channel "
                                 f"(h x w x 3), got {self.gain_map.gains.shape}")
        if self.warp is not None and not isinstance(self.warp, WarpRectilinear):
            raise ParameterError(f"LinearRawImage.warp must be a WarpRectilinear, got "
                                 f"{self.warp!r}")
        if not isinstance(self.state, FrameState):
            raise ParameterError(f"LinearRawImage.state must be a FrameState, got {self.state!r}")
        if not self.white_level > max(self.black_level):
            raise ParameterError(
                f"white level {self.white_level} must exceed black level {max(self.black_level)}"
            )

    @property
    def monochrome(self) -> bool:
        """Whether the data has one channel (a sensor without colour filters)."""
        return self.data.shape[2] == 1

    @property
    def wb(self) -> tuple[float, float, float] | None:
        """Per-channel gains already in the data (``None`` while not white balanced)."""
        w = self.state.white_balance
        return w.gains if w is not None and w.applied else None

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)``."""
        return self.data.shape[:2]  # type: ignore[return-value]

    @property
    def megapixels(self) -> float:
        """Pixel count in millions."""
        return self.data.shape[0] * self.data.shape[1] / 1e6

    def rgb(self) -> np.ndarray:
        """The data as ``H x W x 3`` (a monochrome channel repeated; else the data itself)."""
        if self.monochrome:
            return np.ascontiguousarray(np.repeat(self.data, 3, axis=2))
        return self.data

    def to_image(self) -> Image:
        """The frame as a camera-RGB :class:`Image` (what ``demosaic`` gives for it)."""
        return Image(self.rgb(), space="camera_rgb", primaries="camera", transfer="linear",
                     camera=self.camera, saturation=self.saturation, state=self.state,
                     metadata=self.metadata)

    def replace(self, **changes: Any) -> LinearRawImage:
        """A copy with ``changes`` applied (arrays are shared, never written)."""
        return dataclasses.replace(self, **changes)


def _cell_plane(per_cell: tuple[float, ...], h: int, w: int) -> np.ndarray:
    """Tile a 2 x 2 per-position value over ``h x w``."""
    cell = np.asarray(per_cell, dtype=np.float64).reshape(2, 2)
    return np.tile(cell, (-(-h // 2), -(-w // 2)))[:h, :w]


def normalize_mosaic(
    counts: np.ndarray,
    black_level: Any,
    white_level: float,
) -> np.ndarray:
    """Normalise sensor counts once: ``(counts - black) / (white - black)`` as float32.

    Parameters
    ----------
    counts
        ``H x W`` integer or float mosaic straight from the sensor.
    black_level
        One value or four (per 2 x 2 cell position, raster order), or a full ``H x W`` plane.
    white_level
        The clipping level in counts.

    Returns
    -------
    numpy.ndarray
        float32 mosaic with black at 0 and white at 1, not clipped.
    """
    counts = np.asarray(counts)
    if counts.ndim != 2:
        raise ParameterError(f"a mosaic must be 2-D, got shape {counts.shape}")
    bl = np.asarray(black_level, dtype=np.float64)
    if bl.shape == counts.shape:
        black = bl
    else:
        levels = _check_levels(bl, 4, "black_level")
        if len(set(levels)) == 1:
            scale = 1.0 / (white_level - levels[0])
            out = counts.astype(np.float32)
            out -= np.float32(levels[0])
            out *= np.float32(scale)
            return out
        black = _cell_plane(levels, *counts.shape)
    span = white_level - black
    if np.any(span <= 0):
        raise ParameterError(f"white level {white_level} must exceed the black level")
    return ((counts - black) / span).astype(np.float32)


@dataclass(frozen=True, eq=False)
class Image:
    """A float32 ``H x W x 3`` picture with its space.

    Parameters
    ----------
    data
        float32, channels last.
    space
        ``"camera_rgb"`` (demosaiced, camera primaries), ``"linear_rgb"`` (linear, output
        primaries) or ``"display"`` (encoded with ``transfer``, values in [0, 1]).
    primaries
        ``"camera"`` in camera RGB, else an RGB colour space name known to
        :mod:`brightroom.color` (``"sRGB"``, ``"Display P3"``, ...).
    transfer
        ``"linear"`` or the name of the encoding curve (``"sRGB"``).
    camera
        The capture's :class:`CameraInfo`, carried for colour and metadata stages.
    saturation, state
        As in :class:`RawImage`.
    metadata
        Free-form data that travels to the output (recipe used, EXIF overrides, ...).
    """

    data: np.ndarray
    space: Space = "linear_rgb"
    primaries: str = "sRGB"
    transfer: str = "linear"
    camera: CameraInfo | None = None
    saturation: tuple[float, float, float] = (1.0, 1.0, 1.0)
    state: FrameState = field(default_factory=FrameState)
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        a = self.data
        if not isinstance(a, np.ndarray) or a.ndim != 3 or a.shape[2] != 3:
            raise ParameterError(f"Image.data must be H x W x 3, got shape "
                                 f"{getattr(a, 'shape', None)}")
        if a.dtype != np.float32:
            raise ParameterError(f"Image.data must be float32, got {a.dtype}")
        if self.space not in ("camera_rgb", "linear_rgb", "display"):
            raise ParameterError(f"Image.space must be camera_rgb, linear_rgb or display, "
                                 f"got {self.space!r}")
        if (self.space == "camera_rgb") != (self.primaries == "camera"):
            raise ParameterError(f"space {self.space!r} does not fit primaries {self.primaries!r}")
        if (self.space == "display") == (self.transfer == "linear"):
            raise ParameterError(f"space {self.space!r} does not fit transfer {self.transfer!r}")
        object.__setattr__(self, "saturation", _check_levels(self.saturation, 3, "saturation"))
        if not isinstance(self.state, FrameState):
            raise ParameterError(f"Image.state must be a FrameState, got {self.state!r}")

    @property
    def wb(self) -> tuple[float, float, float] | None:
        """White-balance gains in the data (``None`` when not white balanced)."""
        w = self.state.white_balance
        return w.gains if w is not None and w.applied else None

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(height, width, 3)``."""
        return self.data.shape  # type: ignore[return-value]

    def replace(self, **changes: Any) -> Image:
        """A copy with ``changes`` applied (arrays are shared, never written)."""
        return dataclasses.replace(self, **changes)
