"""High-dynamic-range merge of an exposure bracket in the CFA domain.

Frames of different exposure (``exposure_time * iso``) are aligned to a reference (on grey
images scaled to the reference exposure and clipped below the brightest common level), scaled
to the reference exposure, and averaged per CFA sample with inverse-variance weights from each
frame's noise profile; samples at or near clipping (a 3 x 3 neighbourhood within 3 % of the
frame's ``saturation``) get no weight, and an alternate frame's sample that disagrees with the
reference by more than ``deghost`` standard deviations of the local mean (where the reference is
not clipped) is dropped as motion.

The weights use a smoothed estimate of the signal rather than each noisy sample, so the merge
is unbiased (weighting each sample by its own value favours samples that came out low).

Units of the result
-------------------
The merged mosaic is in the *reference frame's* normalised units: 0 is black and 1 the
reference's white (clipping) level, so ``black_level`` / ``white_level`` keep the reference's
meaning for everything below 1. Values above 1 are highlights recovered from shorter exposures;
``saturation`` is raised to the level at which the shortest frame clips (``gain * 1``). Writing
such a raw to DNG (:func:`brightroom.io.dng.write_dng`) clips at 1: develop it first, or divide
by ``max(saturation)`` (:func:`to_unit_range`) to keep everything.

A burst of frames of *equal* exposure (HDR+'s underexposed burst) is merged by
:func:`brightroom.burst.merge`; the dynamic range then comes from the lower noise, and the
develop pipeline's local tone mapping brings the shadows up.

References
----------
Debevec, P. E., Malik, J. (1997). Recovering high dynamic range radiance maps from photographs.
SIGGRAPH 97, 369-378 (weighted merge of scaled exposures).
Granados, M., Ajdin, B., Wand, M., Theobalt, C., Seidel, H.-P., Lensch, H. P. A. (2010).
Optimal HDR reconstruction with linear digital cameras. CVPR 2010, 215-222 (inverse-variance
weights from the camera noise model, clipped samples excluded).
Hasinoff, S. W. et al. (2016). Burst photography for high dynamic range and low-light imaging
on mobile cameras. ACM TOG 35(6), 192 (alignment).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import cv2
import numpy as np

from brightroom.burst.align import AlignParams
from brightroom.burst.merge import (
    BurstWarning,
    _name,
    exposure_of,
    merge,
    prepare_stack,
    validate_frames,
)
from brightroom.burst.tiles import join_planes, plane_channels, warp_planes
from brightroom.errors import MergeError, ParameterError
from brightroom.types import NoiseProfile, RawImage

__all__ = ["merge_hdr", "to_unit_range", "CLIP_MARGIN"]

CLIP_MARGIN = 0.97
"""A sample within 3 % of its frame's saturation (3 x 3 neighbourhood) counts as clipped."""


def _blur(a: np.ndarray) -> np.ndarray:
    return np.stack([cv2.blur(x, (3, 3), borderType=cv2.BORDER_REFLECT) for x in a])


def _maxfilter(a: np.ndarray) -> np.ndarray:
    k = np.ones((3, 3), np.uint8)
    return np.stack([cv2.dilate(x, k, borderType=cv2.BORDER_REFLECT) for x in a])


def merge_hdr(
    frames: Sequence[RawImage],
    *,
    ref: int | None = None,
    align_params: AlignParams | None = None,
    deghost: float = 4.0,
    names: Sequence[str] | None = None,
) -> RawImage:
    """Merge an exposure bracket (or a burst) into one high-dynamic-range raw image.

    Parameters
    ----------
    frames
        Frames of one scene: same size, camera and CFA pattern; exposures may differ. With
        equal exposures this is :func:`brightroom.burst.merge` (Wiener).
    ref
        Reference frame (geometry and units); by default the frame of median exposure.
    align_params
        Alignment parameters.
    deghost
        Motion rejection threshold in standard deviations of a 3 x 3 mean; ``inf`` disables it.
    names
        File names, for messages.

    Returns
    -------
    RawImage
        In the reference's units (see the module notes); ``saturation`` raised to the shortest
        frame's clipping level; noise profile fitted to the merged noise; ``metadata
        ["burst_merge"]`` with ``exposures``, ``gains``, ``reference``, ``method="hdr"``.

    Raises
    ------
    MergeError
        Incompatible frames (see :func:`~brightroom.burst.merge.validate_frames`), or a frame
        without exposure time / ISO.

    References
    ----------
    Debevec & Malik (1997); Granados et al. (2010).
    """
    if not deghost > 0:
        raise ParameterError(f"deghost must be > 0, got {deghost}")
    params = AlignParams() if align_params is None else align_params
    good, dropped = validate_frames(frames, names, ref)
    sub = [frames[i] for i in good]
    exps = [exposure_of(f) for f in sub]
    for k, e in enumerate(exps):
        if e is None or not e > 0:
            raise MergeError(f"{_name(good[k], names)} has no exposure time or ISO; an HDR merge "
                             "needs both to scale the frames")
    if len(sub) == 1 or max(exps) / min(exps) <= 1.02:
        out = merge(frames, ref=ref, align_params=params, names=names)
        meta = dict(out.metadata)
        meta["burst_merge"] = {**meta["burst_merge"], "mode": "hdr"}
        return out.replace(metadata=meta)
    if ref is None:
        order = np.argsort(exps, kind="stable")
        r = int(order[(len(sub) - 1) // 2])
    else:
        r = good.index(int(ref))
    rf = sub[r]
    gains = [exps[r] / e for e in exps]
    ch = plane_channels(rf.pattern)
    clip_levels = [g * min(f.saturation) * CLIP_MARGIN for g, f in zip(gains, sub)]
    stack = prepare_stack(sub, r, params=params, gains=gains, clip=min(clip_levels))
    grid = stack.grid
    h, w = grid.shape
    pad = grid.pad
    ref_planes = np.ascontiguousarray(stack.ref[:, pad:pad + h, pad:pad + w])
    ys, idx = [], []
    ai = 0
    for k in range(len(sub)):
        if k == r:
            ys.append(ref_planes)
        else:
            ys.append(warp_planes(stack.alts[ai], stack.alignments[ai]))
            ai += 1
        idx.append(k)
    # per-frame, per-plane noise model and clipping (in the frame's own units)
    models = []
    for f in sub:
        prof = f.camera.noise_profile
        if prof is None:
            raise MergeError(f"{_name(good[sub.index(f)], names)} has no noise profile; "
                             "the HDR weights need one")
        models.append((np.asarray(prof.scale, np.float32)[ch][:, None, None],
                       np.asarray(prof.offset, np.float32)[ch][:, None, None]))
    clipped = []
    for k, f in enumerate(sub):
        sat = np.asarray(f.saturation, np.float32)[ch][:, None, None] * np.float32(gains[k])
        clipped.append(_maxfilter(ys[k]) >= CLIP_MARGIN * sat)
    # smoothed signal estimate: the longest unclipped exposure at each sample
    est = np.full(ref_planes.shape, np.nan, np.float32)
    for k in np.argsort(gains):  # smallest gain = longest exposure first
        fill = np.isnan(est) & ~clipped[k]
        est[fill] = ys[k][fill]
    shortest = int(np.argmax(gains))
    all_clipped = np.isnan(est)
    est[all_clipped] = ys[shortest][all_clipped]
    s = np.maximum(_blur(est), 0)
    num = np.zeros(ref_planes.shape, np.float64)
    den = np.zeros(ref_planes.shape, np.float64)
    var_ref = None
    g = [np.float32(v) for v in gains]
    variances = []
    for k in range(len(sub)):
        sc, of = models[k]
        variances.append(g[k] * sc * s + g[k] * g[k] * of)
    var_ref = variances[r]
    ghost_frac = []
    for k in range(len(sub)):
        wk = np.where(clipped[k], 0.0, 1.0 / np.maximum(variances[k], 1e-20)).astype(np.float32)
        if k != r and np.isfinite(deghost):
            d = _blur(ys[k] - ref_planes)
            lim = (deghost * deghost) * (variances[k] + var_ref) / 9.0
            ghost = (d * d > lim) & ~clipped[r] & ~clipped[k]
            ghost_frac.append(float(ghost.mean()))
            wk[ghost] = 0.0
        num += wk * ys[k]
        den += wk
    out = np.where(den > 0, num / np.where(den > 0, den, 1.0), ys[shortest]).astype(np.float32)
    cfa = join_planes(out, rf.pattern.period, rf.cfa * np.float32(1.0))
    gmax = max(gains)
    sat = tuple(float(v) * gmax for v in sub[shortest].saturation)
    # merged noise, 1 / sum(1 / var_k), fitted with a line over the output range
    level = np.linspace(0.0, max(sat), 64)
    cam = rf.camera
    if rf.camera.noise_profile is not None:
        sc_out, of_out = [], []
        for c in range(3):
            inv = np.zeros_like(level)
            for k, f in enumerate(sub):
                pr = f.camera.noise_profile
                ok = level < gains[k] * f.saturation[c] * CLIP_MARGIN
                v = gains[k] * pr.scale[c] * level + gains[k] ** 2 * pr.offset[c]
                inv += np.where(ok, 1.0 / np.maximum(v, 1e-20), 0.0)
            ok = inv > 0
            var = 1.0 / inv[ok]
            # least squares on relative error, so the dark end (read noise) is kept
            a, b = np.polyfit(level[ok], var, 1, w=1.0 / var)
            sc_out.append(max(float(a), 0.0))
            of_out.append(max(float(b), 1e-12))
        cam = cam.replace(noise_profile=NoiseProfile(tuple(sc_out), tuple(of_out)))
    if dropped:
        warnings.warn(f"HDR merge used {len(sub)} of {len(frames)} frames", BurstWarning,
                      stacklevel=2)
    meta = {**rf.metadata, "burst_merge": {
        "frames": len(sub), "frames_given": len(frames), "used": good, "dropped": dropped,
        "reference": good[r], "method": "hdr", "mode": "hdr", "exposures": exps,
        "gains": gains, "ghost_fraction": ghost_frac,
        "clipped_fraction": float(all_clipped.mean())}}
    return rf.replace(cfa=cfa, camera=cam, saturation=sat, metadata=meta)


def to_unit_range(raw: RawImage) -> RawImage:
    """Rescale an HDR raw so that its saturation is 1 (for writing to DNG without clipping).

    The mosaic, ``saturation`` and noise profile are divided by ``max(saturation)`` (noise
    variance: scale by ``1/k``, offset by ``1/k^2``); the black/white levels are kept, so the
    written integers span the full range.
    """
    k = float(max(raw.saturation))
    if k <= 1.0:
        return raw
    cam = raw.camera
    if cam.noise_profile is not None:
        p = cam.noise_profile
        cam = cam.replace(noise_profile=NoiseProfile(tuple(v / k for v in p.scale),
                                                     tuple(v / (k * k) for v in p.offset)))
    return raw.replace(cfa=(raw.cfa / np.float32(k)).astype(np.float32), camera=cam,
                       saturation=tuple(v / k for v in raw.saturation),
                       metadata={**raw.metadata, "hdr_scale": k})
