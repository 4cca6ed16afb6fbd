"""Robust merging of a raw burst in the CFA domain.

:func:`merge` checks the frames (:func:`validate_frames`), picks the reference (the sharpest of
the first three, or ``ref``), aligns every other frame to it (:mod:`.align`), and merges the
CFA planes with one of :data:`MERGE_METHODS` (a :class:`~brightroom.methods.Methods` registry:
case and ``-``/``_``/space ignored):

* ``"hasinoff2016"`` (alias ``"wiener"``, its key in earlier versions; default): HDR+'s
  pairwise frequency-domain Wiener merge per tile and plane (:mod:`.hasinoff2016`), driven by
  the camera's noise profile;
* ``"average"``: a simple baseline (no paper), the per-pixel mean of the aligned frames where
  their locally averaged difference to the reference is within noise, the reference elsewhere.

The result is a :class:`~brightroom.types.RawImage` with the reference's pattern, levels and
camera description; its noise profile is divided by the merge's effective number of frames, so
that the develop pipeline's raw denoiser sees the merged noise level. ``metadata["burst_merge"]``
records the frames used, the reference, the method (its canonical key) and what was rejected.

Bad input never gives a silently wrong merge:

* frames of different sizes, cameras (make/model) or CFA patterns, or of different exposures
  (use :func:`brightroom.burst.merge_hdr`), raise :class:`~brightroom.errors.MergeError` naming
  the frame and the difference;
* a corrupt frame (non-finite values, or a constant mosaic) is dropped with a
  :class:`BurstWarning` when at least two good frames remain, else MergeError;
* a single frame is returned as it is, with a :class:`BurstWarning`.

References
----------
Hasinoff, S. W. et al. (2016). Burst photography for high dynamic range and low-light imaging
on mobile cameras. ACM TOG 35(6), 192.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from brightroom.burst._tiles_numba import finite_range, padded_planes_gray
from brightroom.burst.align import (
    Alignment,
    AlignParams,
    TileGrid,
    _align_padded,
    _fine_blur,
    _pyramid,
    _use_numba,
    cfa_gray,
    choose_reference,
    pad_for_grid,
    tile_grid,
)
from brightroom.burst.hasinoff2016 import merge_wiener
from brightroom.burst.tiles import join_planes, padded_planes, plane_channels, split_planes, warp_planes
from brightroom.errors import MergeError, ParameterError
from brightroom.methods import Methods
from brightroom.types import NoiseProfile, RawImage

__all__ = [
    "MERGE_METHODS",
    "BurstStack",
    "BurstWarning",
    "merge",
    "merge_average",
    "validate_frames",
    "exposure_of",
    "prepare_stack",
]


class BurstWarning(UserWarning):
    """A burst was merged with a documented fallback (a frame dropped, a single frame...)."""


@dataclass(frozen=True, eq=False)
class BurstStack:
    """Aligned burst data handed to a merge method.

    Attributes
    ----------
    grid
        The tiles (plane pixels, padded coordinates).
    ref
        ``(P, Hp, Wp)`` padded reference planes.
    alts
        Padded planes of the other frames, each ``(P, Hp, Wp)``, at the reference exposure.
    alignments
        One :class:`~brightroom.burst.align.Alignment` per alternate frame.
    scale, offset
        ``(P,)`` noise model per plane at the reference exposure: ``var = scale * x + offset``.
    """

    grid: TileGrid
    ref: np.ndarray
    alts: list[np.ndarray]
    alignments: list[Alignment]
    scale: np.ndarray
    offset: np.ndarray


def _name(i: int, names: Sequence[str] | None) -> str:
    if names is not None and i < len(names):
        return f"frame {i} ({names[i]})"
    return f"frame {i}"


def exposure_of(raw: RawImage) -> float | None:
    """Relative exposure ``exposure_time * iso`` of a frame (``None`` when unknown)."""
    t, iso = raw.camera.exposure_time, raw.camera.iso
    if t is None and iso is None:
        return None
    return float(t if t is not None else 1.0) * float(iso if iso is not None else 1.0)


def _corrupt_reason(raw: RawImage) -> str | None:
    a = raw.cfa
    if a.dtype == np.float32 and a.ndim == 2 and a.size and _use_numba("auto"):

        n_bad, lo, hi = finite_range(a)
        if n_bad:
            return f"{n_bad} non-finite values"
        if lo == hi:
            return f"a constant mosaic (every value {float(a.flat[0]):g})"
        return None
    finite = np.isfinite(a)
    if not finite.all():
        return f"{int((~finite).sum())} non-finite values"
    if float(a.max()) == float(a.min()):
        return f"a constant mosaic (every value {float(a.flat[0]):g})"
    return None


def validate_frames(frames: Sequence[RawImage], names: Sequence[str] | None = None,
                    ref: int | None = None) -> tuple[list[int], list[int]]:
    """Check that ``frames`` can be merged; drop corrupt ones.

    Parameters
    ----------
    frames
        The burst.
    names
        Optional file names, used in messages.
    ref
        A requested reference index: it must be a good frame.

    Returns
    -------
    good, dropped : list of int
        Indices of the frames kept and of the corrupt frames dropped (each with a
        :class:`BurstWarning`).

    Raises
    ------
    MergeError
        No frames; an entry that is not a RawImage; sizes, cameras (make/model) or CFA
        patterns that differ from the first good frame; fewer than two good frames left after
        dropping corrupt ones (with more than one frame given); a corrupt reference.
    """
    if len(frames) == 0:
        raise MergeError("a burst needs at least one frame, got none")
    for i, f in enumerate(frames):
        if not isinstance(f, RawImage):
            raise MergeError(f"{_name(i, names)} is a {type(f).__name__}, not a RawImage")
    if ref is not None and not (isinstance(ref, (int, np.integer)) and 0 <= ref < len(frames)):
        raise ParameterError(f"reference frame {ref!r} is not an index of the {len(frames)} frames")
    good, dropped = [], []
    for i, f in enumerate(frames):
        why = _corrupt_reason(f)
        if why is None:
            good.append(i)
            continue
        if ref is not None and i == ref:
            raise MergeError(f"{_name(i, names)}, the requested reference, is corrupt: {why}")
        dropped.append(i)
        warnings.warn(f"{_name(i, names)} is corrupt ({why}); it is left out of the merge",
                      BurstWarning, stacklevel=3)
    if dropped and len(good) < 2 and len(frames) > 1:
        raise MergeError(f"only {len(good)} good frame(s) left after dropping corrupt "
                         f"{', '.join(_name(i, names) for i in dropped)}; a merge needs at least 2")
    if not good:
        raise MergeError("no usable frame in the burst")
    first = frames[good[0]]
    for i in good[1:]:
        f = frames[i]
        if f.shape != first.shape:
            raise MergeError(f"{_name(i, names)} is {f.shape[1]}x{f.shape[0]} pixels, but "
                             f"{_name(good[0], names)} is {first.shape[1]}x{first.shape[0]}")
        if (f.camera.make, f.camera.model) != (first.camera.make, first.camera.model):
            raise MergeError(f"{_name(i, names)} comes from camera "
                             f"{f.camera.make!r} {f.camera.model!r}, but {_name(good[0], names)} "
                             f"from {first.camera.make!r} {first.camera.model!r}")
        if f.pattern != first.pattern:
            raise MergeError(f"{_name(i, names)} has CFA pattern {f.pattern.name}, but "
                             f"{_name(good[0], names)} has {first.pattern.name}")
    return good, dropped


def _noise_model(raw: RawImage) -> tuple[np.ndarray, np.ndarray]:
    prof = raw.camera.noise_profile
    if prof is None:
        return _estimate_noise(raw)
    ch = plane_channels(raw.pattern)
    return (np.asarray(prof.scale, np.float32)[ch], np.asarray(prof.offset, np.float32)[ch])


def _estimate_noise(raw: RawImage) -> tuple[np.ndarray, np.ndarray]:
    """Signal-independent fallback when a frame has no noise profile: MAD of plane detail."""
    p = raw.pattern.period
    planes = split_planes(raw.cfa, p)
    var = []
    for pl in planes:
        d = (pl[1:, 1:] - pl[:-1, 1:] - pl[1:, :-1] + pl[:-1, :-1]) / 2.0
        sd = 1.4826 * float(np.median(np.abs(d - np.median(d))))
        var.append(sd * sd)
    v = np.asarray(var, np.float32)
    return np.zeros_like(v), v


def prepare_stack(frames: Sequence[RawImage], ref: int, *, params: AlignParams | None = None,
                  gains: Sequence[float] | None = None,
                  clip: float | None = None) -> BurstStack:
    """Align ``frames`` to ``frames[ref]`` and cut them into padded CFA planes.

    Parameters
    ----------
    gains
        Per-frame factors bringing each frame to the reference exposure (all 1 by default).
    clip
        When given, grey images are clipped at this level (after the gain) for matching,
        so that differently clipped highlights of a bracket do not mislead the alignment.
    """
    params = AlignParams() if params is None else params
    r = frames[ref]
    p = r.pattern.period
    gains = [1.0] * len(frames) if gains is None else list(gains)
    shape = (r.cfa.shape[0] // p, r.cfa.shape[1] // p)
    grid = tile_grid(shape, params.tile)
    ph, pw = grid.padded_shape
    fast = (_use_numba(params.backend) and all(f.cfa.dtype == np.float32 for f in frames)
            and grid.pad < min(shape) and max(ph - shape[0], pw - shape[1]) - grid.pad < min(shape))

    def planes_gray(i: int) -> tuple[np.ndarray, np.ndarray]:
        """Padded planes (at the reference exposure) and padded grey image of frame i."""
        if fast:
            return padded_planes_gray(frames[i].cfa, p, shape, grid.pad, (ph, pw), gains[i], clip)
        pl = split_planes(frames[i].cfa, p)
        if gains[i] != 1.0:
            pl *= np.float32(gains[i])
        g = cfa_gray(frames[i].cfa, p)
        if gains[i] != 1.0:
            g = g * np.float32(gains[i])
        if clip is not None:
            g = np.minimum(g, np.float32(clip))
        return padded_planes(pl, grid), pad_for_grid(g, grid)

    ref_planes, g_ref = planes_gray(ref)
    ref_pyr = _pyramid(g_ref, params.factors)
    ref_fine = _fine_blur(ref_pyr[0]) if params.subpixel else None
    alts, aligns = [], []
    for i in range(len(frames)):
        if i == ref:
            continue
        pl, g = planes_gray(i)
        aligns.append(_align_padded(ref_pyr, g, grid, params, ref_fine))
        alts.append(pl)
    scale, offset = _noise_model(r)
    return BurstStack(grid, ref_planes, alts, aligns, scale, offset)


def merge_average(stack: BurstStack, *, threshold: float = 3.0) -> tuple[np.ndarray, dict]:
    """Robust average: the mean of aligned frames that agree with the reference within noise.

    A pixel of frame ``z`` is used when the 3 x 3 mean of its difference to the reference is
    within ``threshold`` standard deviations of that mean's noise (``2 sigma^2 / 9``); elsewhere
    the reference stands in for it (motion rejection).

    Returns
    -------
    planes, info
        As :func:`~brightroom.burst.hasinoff2016.merge_wiener`.
    """
    if not threshold > 0:
        raise ParameterError(f"threshold must be > 0, got {threshold}")
    grid = stack.grid
    h, w = grid.shape
    pad = grid.pad
    ref = np.ascontiguousarray(stack.ref[:, pad:pad + h, pad:pad + w])
    nf = 1 + len(stack.alts)
    total = ref.copy()
    count = np.ones_like(ref)
    sm_ref = np.stack([cv2.blur(pl, (3, 3), borderType=cv2.BORDER_REFLECT) for pl in ref])
    var = stack.scale[:, None, None] * np.maximum(sm_ref, 0) + stack.offset[:, None, None]
    limit2 = (threshold * threshold) * 2.0 * var / 9.0
    used = 0.0
    for alt, al in zip(stack.alts, stack.alignments):
        a = warp_planes(alt, al)
        d = np.stack([cv2.blur(x, (3, 3), borderType=cv2.BORDER_REFLECT) for x in a - ref])
        ok = (d * d) <= limit2
        total += np.where(ok, a, ref)
        count += ok
        used += float(ok.mean())
    out = total / np.float32(nf)
    return out.astype(np.float32), {"effective_frames": 1.0 + used,
                                    "rejected_tiles": 1.0 - used / max(nf - 1, 1)}


MergeFn = Callable[..., tuple[np.ndarray, dict[str, Any]]]

MERGE_METHODS: Methods[MergeFn] = Methods("merge")
"""Merge methods by name: ``fn(stack: BurstStack, **options) -> (planes, info)``."""
MERGE_METHODS.register(
    "hasinoff2016", merge_wiener, aliases=("wiener",),
    cite="Hasinoff, S. W., Sharlet, D., Geiss, R., Adams, A., Barron, J. T., Kainz, F., Chen, "
         "J., Levoy, M. (2016). Burst photography for high dynamic range and low-light imaging "
         "on mobile cameras. ACM TOG 35(6), 192 (section 5, merging).")
MERGE_METHODS.register(
    "average", merge_average,
    cite="robust per-pixel mean with motion rejection against the noise profile (a baseline)")
MERGE_METHODS.freeze()


def merge(
    frames: Sequence[RawImage],
    *,
    method: str = "hasinoff2016",
    ref: int | None = None,
    align_params: AlignParams | None = None,
    names: Sequence[str] | None = None,
    **options: Any,
) -> RawImage:
    """Align and merge a burst of raw frames of equal exposure into one raw image.

    Parameters
    ----------
    frames
        Frames of one burst: same size, camera, CFA pattern and exposure.
    method
        A key or alias of :data:`MERGE_METHODS` (case ignored): ``"hasinoff2016"``
        (``"wiener"``) or ``"average"``.
    ref
        Reference frame index; by default the sharpest of the first three.
    align_params
        :class:`~brightroom.burst.align.AlignParams` (tile size, search radii, backend).
    names
        File names of the frames, for messages.
    **options
        Passed to the merge method (``noise_factor``, ``mismatch``, ``subpixel``,
        ``spatial``, ``backend`` for ``"hasinoff2016"``; ``threshold`` for ``"average"``).

    Returns
    -------
    RawImage
        The merged mosaic in the reference's geometry, pattern and levels; noise profile
        divided by ``metadata["burst_merge"]["effective_frames"]``.

    Raises
    ------
    MergeError
        See :func:`validate_frames`; also frames whose exposures differ by more than 2 %.

    References
    ----------
    Hasinoff et al. (2016), sections 4-5.
    """
    method = MERGE_METHODS.canonical(method)
    params = AlignParams() if align_params is None else align_params
    good, dropped = validate_frames(frames, names, ref)
    sub = [frames[i] for i in good]
    sub_names = [names[i] for i in good] if names is not None else None
    if len(sub) == 1:
        if len(frames) == 1:
            warnings.warn("a burst of one frame: nothing to merge, the frame is used as it is",
                          BurstWarning, stacklevel=2)
        one = sub[0]
        return one.replace(metadata={**one.metadata, "burst_merge": {
            "frames": 1, "frames_given": len(frames), "used": good, "dropped": dropped,
            "reference": good[0], "method": "single", "effective_frames": 1.0}})
    exposures = [exposure_of(f) for f in sub]
    if all(e is not None for e in exposures):
        e0 = exposures[0]
        for k, e in enumerate(exposures[1:], 1):
            if abs(e / e0 - 1) > 0.02:
                raise MergeError(
                    f"{_name(good[k], names)} has exposure {e:g} (time x ISO), "
                    f"{_name(good[0], names)} {e0:g}; frames of different exposure need the HDR "
                    "merge (brightroom.burst.merge_hdr, mode='hdr')")
    if ref is None:
        r = choose_reference(sub)
    else:
        r = good.index(int(ref))
    del sub_names
    stack = prepare_stack(sub, r, params=params)
    planes, info = MERGE_METHODS[method](stack, **options)
    rf = sub[r]
    cfa = join_planes(planes, rf.pattern.period, rf.cfa)
    neff = max(1.0, float(info.get("effective_frames", len(sub))))
    cam = rf.camera
    if cam.noise_profile is not None:
        np_ = cam.noise_profile
        cam = cam.replace(noise_profile=NoiseProfile(
            tuple(v / neff for v in np_.scale), tuple(v / neff for v in np_.offset)))
    meta = {**rf.metadata, "burst_merge": {
        "frames": len(sub), "frames_given": len(frames), "used": good, "dropped": dropped,
        "reference": good[r], "method": method, "options": dict(options), **info}}
    return rf.replace(cfa=cfa, camera=cam, metadata=meta)
