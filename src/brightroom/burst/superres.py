"""Zoom: multi-frame super-resolution of a raw burst, and the single-frame fallback.

:func:`superres` checks the frames (:func:`~brightroom.burst.merge.validate_frames`: sizes,
cameras, patterns; corrupt frames dropped), applies each frame's lens-shading gain map (it is
fixed to the sensor, so it is undone per frame before the frames are moved), crops the centre
for a digital ``zoom`` (with a margin for the alignment), and merges the CFA samples of every
frame onto an output grid ``scale`` times finer with :func:`merge_superres` (Wronski et al.
2019, :mod:`.wronski2019`). The result is a :class:`~brightroom.types.LinearRawImage`: camera
RGB in the mosaic's normalised units, which the develop pipeline takes as it takes a linear
DNG (white balance, colour, tone... run on it; ``demosaic`` hands it on).

A burst of one frame cannot be super-resolved: it is demosaiced (MLRI, Kiku et al. 2014, in
the gamma domain) and enlarged by the single-frame upscaler of :mod:`.upscale` (edge-directed,
Zhou et al. 2012), with a :class:`~brightroom.burst.merge.BurstWarning`.

Quad (nona, hexadeca) Bayer frames are first made Bayer by their ``quad`` choice
(``"remosaic"``: full resolution; ``"bin"``: binned, ``block`` times smaller). X-Trans frames
are refused (the 3 x 3 gather of the accumulation needs the Bayer layout).

References
----------
Wronski, B. et al. (2019). Handheld multi-frame super-resolution. ACM TOG 38(4), 28.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from brightroom.burst.align import (
    AlignParams,
    align_gray,
    cfa_gray,
    choose_reference,
    pad_for_grid,
    reference_pyramid,
    tile_grid,
)
from brightroom.burst.merge import BurstWarning, _estimate_noise, validate_frames
from brightroom.burst.tiles import plane_channels
from brightroom.burst.upscale import upscale
from brightroom.burst.wronski2019 import (
    WronskiParams,
    accumulate,
    cell_rgb,
    flow_field,
    kernel_covariances,
    reference_prior,
    refine_flow,
    robustness,
)
from brightroom.develop.demosaic import demosaic
from brightroom.develop.demosaic.quad import bin_cfa, remosaic
from brightroom.develop.raw_corrections import LensShading, LensShadingParams
from brightroom.errors import ParameterError
from brightroom.limits import check_memory
from brightroom.methods import Methods
from brightroom.types import CFAPattern, LinearRawImage, NoiseProfile, RawImage

__all__ = ["SUPERRES_METHODS", "SCALE_RANGE", "ZOOM_RANGE", "superres", "merge_superres",
           "check_zoom"]

SCALE_RANGE = (1.0, 3.0)
"""Output scales the merge supports (output pixels per sensor pixel of the region)."""
ZOOM_RANGE = (1.0, 10.0)
"""Digital zoom factors (the crop is ``1 / zoom`` of the frame on each side)."""
MARGIN = 64
"""Mosaic pixels around a zoom crop kept for the alignment (hand shake stays well inside)."""

SUPERRES_METHODS: Methods[Any] = Methods("super-resolution")
"""Multi-frame super-resolution methods by name."""


def check_zoom(scale: float | None, zoom: float) -> tuple[float, float]:
    """Validate ``scale`` and ``zoom``; ``scale`` defaults to ``zoom`` (clamped to 1..3)."""
    try:
        z = float(zoom)
    except (TypeError, ValueError):
        raise ParameterError(f"zoom {zoom!r} is not a number") from None
    if not (ZOOM_RANGE[0] <= z <= ZOOM_RANGE[1]):
        raise ParameterError(f"zoom {zoom!r} is out of range: it must be in "
                             f"{ZOOM_RANGE[0]:g}..{ZOOM_RANGE[1]:g}")
    if scale is None:
        s = min(max(z, SCALE_RANGE[0]), SCALE_RANGE[1])
    else:
        try:
            s = float(scale)
        except (TypeError, ValueError):
            raise ParameterError(f"scale {scale!r} is not a number") from None
        if not (SCALE_RANGE[0] <= s <= SCALE_RANGE[1]):
            raise ParameterError(f"scale {scale!r} is out of range: super-resolution supports "
                                 f"{SCALE_RANGE[0]:g}..{SCALE_RANGE[1]:g}")
    return s, z


def _crop_box(shape: tuple[int, int], zoom: float, margin: int) -> tuple[tuple[int, int, int, int],
                                                                        tuple[int, int, int, int]]:
    """The zoom region ``(y0, x0, h, w)`` and the aligned crop around it (even corners)."""
    h, w = shape
    hc = max(int(round(h / zoom)), 2)
    wc = max(int(round(w / zoom)), 2)
    y0 = (h - hc) // 2
    x0 = (w - wc) // 2
    if zoom == 1.0:
        return (0, 0, h, w), (0, 0, h, w)
    cy0 = max((y0 - margin) // 2 * 2, 0)
    cx0 = max((x0 - margin) // 2 * 2, 0)
    cy1 = min(y0 + hc + margin, h)
    cx1 = min(x0 + wc + margin, w)
    cy1 = cy0 + (cy1 - cy0) // 2 * 2
    cx1 = cx0 + (cx1 - cx0) // 2 * 2
    return (y0, x0, hc, wc), (cy0, cx0, cy1 - cy0, cx1 - cx0)


def _to_bayer(frame: RawImage, quad: str) -> RawImage:
    if frame.pattern.is_xtrans:
        raise ParameterError("super-resolution needs a Bayer (or quad-Bayer) mosaic; X-Trans "
                             "frames are not supported")
    if frame.pattern.block == 1:
        return frame
    if quad == "remosaic":
        cfa, pat = remosaic(frame.cfa, frame.pattern)
    elif quad == "bin":
        cfa, pat = bin_cfa(frame.cfa, frame.pattern)
    else:
        raise ParameterError(f"quad {quad!r} is not 'remosaic' or 'bin'")
    return frame.replace(cfa=np.ascontiguousarray(cfa, np.float32), pattern=pat)


def _shaded(frame: RawImage) -> RawImage:
    if frame.gain_map is None:
        return frame
    return LensShading().render(frame, LensShadingParams(), None)


def _channel_noise(ref: RawImage) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel ``(scale, offset)`` of a single CFA sample's variance."""
    prof = ref.camera.noise_profile
    if prof is not None:
        return np.asarray(prof.scale, np.float64), np.asarray(prof.offset, np.float64)
    sc, of = _estimate_noise(ref)
    ch = plane_channels(ref.pattern)
    scale = np.array([sc[ch == c].mean() for c in range(3)], np.float64)
    offset = np.array([of[ch == c].mean() for c in range(3)], np.float64)
    return scale, offset


def merge_superres(
    frames: Sequence[RawImage],
    ref: int,
    *,
    scale: float = 1.0,
    region: tuple[float, float, int, int] | None = None,
    params: WronskiParams | None = None,
    align_params: AlignParams | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Merge Bayer frames of equal size onto an output grid (Wronski et al. 2019).

    Parameters
    ----------
    frames
        Bayer frames of one burst (same size and pattern), already lens-shading corrected.
    ref
        Index of the reference frame.
    scale
        Output pixels per mosaic pixel.
    region
        ``(y0, x0, h, w)`` mosaic region to render (default the whole frame).
    params, align_params
        :class:`~brightroom.burst.wronski2019.WronskiParams`, alignment parameters.

    Returns
    -------
    rgb, info
        ``round(h * scale) x round(w * scale) x 3`` float32 camera RGB, and a record
        (``effective_frames``: the mean robustness summed over frames, plus one).
    """
    params = WronskiParams() if params is None else params
    aparams = AlignParams(backend=params.backend) if align_params is None else align_params
    r = frames[ref]
    pat = r.pattern
    tile = np.ascontiguousarray(pat.tile, np.int64)
    h, w = r.shape
    if region is None:
        region = (0.0, 0.0, h, w)
    y0, x0, rh, rw = region
    ho, wo = max(int(round(rh * scale)), 1), max(int(round(rw * scale)), 1)
    n = len(frames)
    check_memory(int(ho) * int(wo) * 3 * 4 * 3 + n * h * w * 4 * 2, "super-resolution")
    sc, of = _channel_noise(r)
    per_cell = np.array([1.0, 2.0, 1.0])  # samples of each colour in a 2 x 2 cell
    noise_var = np.stack([sc / per_cell, of / per_cell])
    g_ref = cfa_gray(r.cfa, 2)
    level = float(np.median(g_ref))
    grey_var = float((sc * level + of) @ np.array([1.0, 2.0, 1.0]) / 16.0)
    omega = kernel_covariances(g_ref, params, float(np.sqrt(max(grey_var, 0.0))))
    grid = tile_grid(g_ref.shape, aparams.tile)
    ref_pyr = reference_pyramid(g_ref, aparams)
    ref_pad = pad_for_grid(g_ref, grid)
    ref_rgb = cell_rgb(r.cfa, pat.tile)
    hh, ww = g_ref.shape
    num = np.zeros((ho, wo, 3), np.float32)
    den = np.zeros((ho, wo, 3), np.float32)
    zero = np.zeros((grid.ny, grid.nx, 2), np.float32)
    origin = (float(y0), float(x0))
    prior = None
    if params.ref_demosaic != "none":
        prior = reference_prior(r.cfa, pat, params.ref_demosaic, origin, scale, (ho, wo))
    accumulate(r.cfa, tile, zero, grid, None, omega, origin, scale, num, den, prior=prior,
               backend=params.backend)
    vv, uu = np.meshgrid(np.arange(ww, dtype=np.float32), np.arange(hh, dtype=np.float32))
    used = []
    flows = []
    for i, f in enumerate(frames):
        if i == ref:
            continue
        g = cfa_gray(f.cfa, 2)
        al = align_gray(g_ref, g, aparams, ref_pyramid=ref_pyr)
        flow = refine_flow(ref_pad, pad_for_grid(g, grid), grid, al.flow,
                           params.lk_iterations, backend=params.backend)
        ff = flow_field(flow, grid, (hh, ww))
        alt_rgb = cv2.remap(cell_rgb(f.cfa, pat.tile), vv + ff[..., 1], uu + ff[..., 0],
                            cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        rob = robustness(ref_rgb, alt_rgb, noise_var, params)
        accumulate(f.cfa, tile, flow, grid, rob, omega, origin, scale, num, den, prior=prior,
                   backend=params.backend)
        used.append(float(rob.mean()))
        flows.append(flow)
    rgb = num / np.maximum(den, np.float32(1e-30))
    if prior is not None:
        rgb += prior
    info = {"effective_frames": 1.0 + float(sum(used)), "robustness": used,
            "median_flow_px": [float(np.median(np.hypot(fl[..., 0], fl[..., 1])) * 2)
                               for fl in flows]}
    return rgb.astype(np.float32), info


def _single_frame(frame: RawImage, scale: float, region: tuple[int, int, int, int],
                  upscale_method: str) -> np.ndarray:
    rgb = demosaic(frame.cfa, frame.pattern, method="kiku2014", domain="gamma")
    y0, x0, rh, rw = region
    crop = np.ascontiguousarray(rgb[y0:y0 + rh, x0:x0 + rw])
    if scale == 1.0:
        return crop
    return upscale(crop, scale, method=upscale_method)


def superres(
    frames: Sequence[RawImage],
    *,
    scale: float | None = None,
    zoom: float = 1.0,
    ref: int | None = None,
    names: Sequence[str] | None = None,
    quad: str = "remosaic",
    params: WronskiParams | None = None,
    align_params: AlignParams | None = None,
    upscale_method: str = "zhou2012",
) -> LinearRawImage:
    """Super-resolve a hand-held raw burst: ``scale`` x the resolution of the centre ``1/zoom``.

    Parameters
    ----------
    frames
        Raw frames of one burst: same size, camera and CFA pattern.
    scale
        Output pixels per sensor pixel of the region, 1..3 (1: a demosaic replacement). By
        default ``zoom`` clamped to 1..3.
    zoom
        Digital zoom, 1..10: the centre ``1/zoom`` of the frame (each side) is rendered.
    ref
        Reference frame index; by default the sharpest of the first three.
    names
        File names of the frames, for messages.
    quad
        Quad-Bayer frames: ``"remosaic"`` (full resolution) or ``"bin"``.
    params, align_params
        :class:`~brightroom.burst.wronski2019.WronskiParams`,
        :class:`~brightroom.burst.align.AlignParams`.
    upscale_method
        The single-frame upscaler of a one-frame burst (:data:`.upscale.UPSCALE_METHODS`).

    Returns
    -------
    LinearRawImage
        Camera RGB with the reference's camera, levels and state (lens shading applied),
        its noise profile divided by the merge's effective frame count, and
        ``metadata["burst_merge"]`` (method, frames, reference, scale, zoom, region).

    Raises
    ------
    ParameterError
        ``scale`` or ``zoom`` out of range, an X-Trans burst, a bad ``quad``.
    MergeError
        Frames of different sizes, cameras or patterns (:func:`validate_frames`).
    """
    s, z = check_zoom(scale, zoom)
    good, dropped = validate_frames(frames, names, ref)
    sub = [_to_bayer(_shaded(frames[i]), quad) for i in good]
    region, crop = _crop_box(sub[0].shape, z, MARGIN)
    cy0, cx0, ch_, cw_ = crop
    if crop != (0, 0) + sub[0].shape:
        sub = [f.replace(cfa=np.ascontiguousarray(f.cfa[cy0:cy0 + ch_, cx0:cx0 + cw_]))
               for f in sub]
    ry0, rx0, rh, rw = region
    local = (ry0 - cy0, rx0 - cx0, rh, rw)
    base = sub[0]
    record: dict[str, Any] = {"frames": len(sub), "frames_given": len(frames), "used": good,
                              "dropped": dropped, "scale": s, "zoom": z,
                              "region": [ry0, rx0, rh, rw]}
    if len(sub) == 1:
        warnings.warn(f"a burst of one frame: nothing to super-resolve, the frame is enlarged "
                      f"alone (single-frame {upscale_method} upscale)", BurstWarning,
                      stacklevel=2)
        rgb = _single_frame(base, s, local, upscale_method)
        record.update(reference=good[0], method=f"single ({upscale_method})",
                      effective_frames=1.0)
        rf = base
    else:
        r = choose_reference(sub) if ref is None else good.index(int(ref))
        rf = sub[r]
        rgb, info = merge_superres(sub, r, scale=s, region=local, params=params,
                                   align_params=align_params)
        record.update(reference=good[r], method="wronski2019", **info)
    cam = rf.camera
    neff = max(1.0, float(record["effective_frames"]))
    if cam.noise_profile is not None:
        npf = cam.noise_profile
        cam = cam.replace(noise_profile=NoiseProfile(tuple(v / neff for v in npf.scale),
                                                     tuple(v / neff for v in npf.offset)))
    black = _channel_black(rf)
    return LinearRawImage(np.ascontiguousarray(rgb, np.float32), camera=cam,
                          black_level=black, white_level=rf.white_level,
                          saturation=rf.saturation, state=rf.state,
                          metadata={**rf.metadata, "burst_merge": record})


def _channel_black(raw: RawImage) -> tuple[float, float, float]:
    pat: CFAPattern = raw.pattern
    ch = pat.tile.ravel()
    bl = np.asarray(raw.black_level, np.float64)
    if len(ch) != 4:
        return (float(bl.mean()),) * 3  # type: ignore[return-value]
    return tuple(float(bl[ch == c].mean()) for c in range(3))  # type: ignore[return-value]


SUPERRES_METHODS.register(
    "wronski2019", merge_superres, aliases=("superres", "handheld"),
    cite="Wronski, B., Garcia-Dorado, I., Ernst, M., Kelly, D., Krainin, M., Liang, C.-K., "
         "Levoy, M., Milanfar, P. (2019). Handheld multi-frame super-resolution. ACM TOG "
         "38(4), 28.")
SUPERRES_METHODS.freeze()
