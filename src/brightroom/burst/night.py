"""Night mode: plan a burst from the noise level, and develop a burst of raw files.

:func:`plan_burst` chooses the per-frame shutter, ISO and frame count for a target SNR on an
18 % grey, from a preview frame's measured signal level and its camera noise profile: the
shutter is as long as the hand-held limit allows (less if the grey would clip), the gain brings
the grey to the exposure target (up to the maximum ISO), and frames are added until
``sqrt(N) * SNR_1`` reaches the target, capped at ``max_frames`` (15, as in HDR+'s night
bursts) and at a total capture time.

:func:`merge_burst` reads the files, checks them and merges them (HDR if the exposures differ,
else the Wiener night merge); :func:`develop_burst` develops the merged raw with a recipe (the
path of ``brightroom develop --burst`` and :func:`brightroom.night` / :func:`brightroom.hdr`).

References
----------
Hasinoff, S. W. et al. (2016). Burst photography for high dynamic range and low-light imaging
on mobile cameras. ACM TOG 35(6), 192 (section 3: constant underexposed bursts, up to 8-15
frames).
Liba, O., Murthy, K., Tsai, Y.-T., Brooks, T., Xue, T., Karnad, N., He, Q., Barron, J. T.,
Sharlet, D., Geiss, R., Hasinoff, S. W., Pritch, Y., Levoy, M. (2019). Handheld mobile
photography in very low light. ACM TOG 38(6), 164 (motion-metered exposure, up to 15 frames,
per-frame exposure limited by hand shake).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from brightroom.burst.hdr import merge_hdr
from brightroom.burst.merge import BurstWarning, exposure_of, merge, validate_frames
from brightroom.burst.superres import superres
from brightroom.develop.run import develop
from brightroom.errors import CorruptFileError, InputError, MergeError, ParameterError, UnsupportedRawError
from brightroom.io.raw import read_raw
from brightroom.types import Image, LinearRawImage, RawImage

__all__ = ["BurstPlan", "plan_burst", "merge_burst", "develop_burst", "read_burst", "MODES"]

MODES = ("auto", "night", "hdr", "superres")


@dataclass(frozen=True)
class BurstPlan:
    """A capture plan: ``frames`` exposures of ``exposure_time`` seconds at ``iso``.

    ``snr_frame`` and ``snr_merged`` are the predicted SNRs of an 18 % grey in one frame and
    after an ideal merge of all frames.
    """

    frames: int
    exposure_time: float
    iso: float
    snr_frame: float
    snr_merged: float


def plan_burst(
    preview: RawImage,
    *,
    grey_level: float | None = None,
    target_snr: float = 30.0,
    target_level: float = 0.09,
    max_frames: int = 15,
    max_exposure_time: float = 1 / 8,
    max_total_time: float = 6.0,
    max_iso: float = 6400.0,
    base_iso: float | None = None,
) -> BurstPlan:
    """Choose frame count, shutter and ISO for a night burst from a preview frame.

    Parameters
    ----------
    preview
        A metered frame with ``camera.exposure_time``, ``camera.iso`` and a noise profile.
    grey_level
        Normalised green signal of an 18 % grey in the preview; by default the median green
        of the preview (an average scene meters as 18 % grey, ISO 2720).
    target_snr
        SNR wanted on the grey after merging.
    target_level
        Normalised level the grey should reach in each frame (0.09: one stop of headroom).
    max_frames, max_exposure_time, max_total_time
        Caps: frame count, hand-held shutter per frame (s), whole capture (s).
    max_iso, base_iso
        Gain range (``base_iso`` defaults to the preview's ISO if lower than 100, else 100).

    Returns
    -------
    BurstPlan

    Notes
    -----
    Noise scaling: at the preview's gain ``G0`` the variance of a normalised level ``x`` is
    ``a x + b``. At gain ``G`` the shot-noise term scales as ``a G / G0`` and the read-noise
    term as ``b (G / G0)^2`` (read noise referred to the input), exposure time scales the
    signal. The per-frame SNR is then ``x / sqrt(a' x + b')``; ``N`` frames multiply it by
    ``sqrt(N)``.

    References
    ----------
    Liba et al. (2019), section 3; Hasinoff et al. (2016), section 3.
    """
    cam = preview.camera
    if cam.exposure_time is None or cam.iso is None or cam.noise_profile is None:
        raise ParameterError("plan_burst needs a preview with exposure_time, iso and a noise "
                             "profile")
    if not 1 <= max_frames <= 64:
        raise ParameterError(f"max_frames {max_frames} must be in 1..64")
    if not 0 < target_level < 1:
        raise ParameterError(f"target_level {target_level} must be in (0, 1)")
    t0, iso0 = float(cam.exposure_time), float(cam.iso)
    a, b = cam.noise_profile.scale[1], cam.noise_profile.offset[1]
    if grey_level is None:
        green = preview.cfa[preview.pattern.masks(*preview.shape)[1]]
        grey_level = float(np.median(green))  # an average scene meters as 18 % grey
    x0 = max(float(grey_level), 1e-6)
    base = base_iso if base_iso is not None else min(iso0, 100.0)
    # longest shutter that keeps the grey at or below the target at base ISO
    rate = x0 / (t0 * iso0)  # normalised level per (second x ISO)
    t = min(max_exposure_time, target_level / (rate * base))
    iso = float(np.clip(target_level / (rate * t), base, max_iso))
    x = rate * t * iso
    g = iso / iso0
    var = a * g * x + b * g * g
    snr1 = x / math.sqrt(max(var, 1e-30))
    need = math.ceil((target_snr / snr1) ** 2) if snr1 < target_snr else 1
    n = int(min(max(need, 1), max_frames, max(1, math.floor(max_total_time / t))))
    return BurstPlan(n, float(t), iso, float(snr1), float(snr1 * math.sqrt(n)))


def read_burst(paths: Sequence[str | PathLike[str]]) -> tuple[list[RawImage], list[str]]:
    """Read the raw files of a burst; undecodable files are dropped with a warning.

    A missing path is an error (:class:`~brightroom.errors.InputError`). A file LibRaw cannot
    decode or that is truncated is dropped with a :class:`BurstWarning` when at least two
    frames remain, else :class:`~brightroom.errors.MergeError`.
    """

    if len(paths) == 0:
        raise MergeError("a burst needs at least one raw file, got none")
    frames, names, bad = [], [], []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise InputError(f"{path}: no such file")
        try:
            frames.append(read_raw(path))
            names.append(str(path))
        except (CorruptFileError, UnsupportedRawError) as e:
            bad.append((str(path), " ".join(str(e).split())))
    if bad and (len(frames) < 2 and len(paths) > 1):
        raise MergeError(f"only {len(frames)} readable frame(s) of {len(paths)}; unreadable: "
                         + "; ".join(f"{n}: {why}" for n, why in bad))
    for n, why in bad:
        warnings.warn(f"{n} cannot be read and is left out of the burst ({why})", BurstWarning,
                      stacklevel=3)
    return frames, names


def merge_burst(
    frames: Sequence[str | PathLike[str]] | Sequence[RawImage],
    *,
    mode: str = "auto",
    ref: int | None = None,
    **options: Any,
) -> RawImage | LinearRawImage:
    """Read, check and merge a burst of raw files (or frames) into one raw image.

    Parameters
    ----------
    frames
        Raw files of one burst, or :class:`~brightroom.types.RawImage` frames.
    mode
        ``"auto"``: HDR merge when the exposures differ by more than 2 %, else the night
        (Wiener) merge; ``"night"``: :func:`~brightroom.burst.merge.merge` (exposures must
        match); ``"hdr"``: :func:`~brightroom.burst.hdr.merge_hdr` (which falls back to the
        Wiener merge for equal exposures, relying on the recipe's local tone mapping);
        ``"superres"``: :func:`~brightroom.burst.superres.superres` (hand-held multi-frame
        super-resolution, Wronski et al. 2019; its ``scale`` and ``zoom`` among ``options``),
        whose result is a :class:`~brightroom.types.LinearRawImage` (camera RGB).
    ref
        Reference frame index (0-based, into ``frames``); by default the sharpest of the first
        three (night) or the median exposure (HDR).
    **options
        Passed to the merge (:func:`~brightroom.burst.merge.merge`: ``method``,
        ``align_params``, the method's options; :func:`~brightroom.burst.hdr.merge_hdr`:
        ``align_params``, ``deghost``).

    Returns
    -------
    RawImage
        The merged mosaic, with ``metadata["burst_merge"]`` describing the merge (frame indices
        into ``frames``, file names); a burst of one frame is that frame.

    Notes
    -----
    Fallbacks, each with a :class:`~brightroom.burst.merge.BurstWarning`: a single frame is
    returned alone; an unreadable or corrupt frame is left out when two good frames remain
    (otherwise :class:`~brightroom.errors.MergeError`). Frames of different sizes, cameras or
    CFA patterns raise MergeError naming the frame.
    """

    if mode not in MODES:
        raise ParameterError(f"burst mode {mode!r} is not one of {', '.join(MODES)}")
    paths = frames
    if len(paths) > 0 and all(isinstance(p, RawImage) for p in paths):
        frames, names = list(paths), [f"#{i}" for i in range(len(paths))]
        index_map = list(range(len(paths)))
    else:
        frames, names = read_burst(paths)  # type: ignore[arg-type]
        all_names = [str(Path(p)) for p in paths]  # type: ignore[arg-type]
        index_map = [all_names.index(n) for n in names]
    r = None
    if ref is not None:
        if not (isinstance(ref, (int, np.integer)) and 0 <= ref < len(paths)):
            raise ParameterError(f"--ref {ref!r} is not an index of the {len(paths)} frames")
        if ref not in index_map:
            raise MergeError(f"the requested reference frame {ref} ({paths[ref]}) cannot be read")
        r = index_map.index(ref)
    if mode == "superres":
        out = superres(frames, ref=r, names=names, **options)
        bm = dict(out.metadata["burst_merge"])
        bm["used"] = [index_map[i] for i in bm.get("used", [])]
        bm["reference"] = index_map[bm["reference"]]
        bm["files"] = names
        return out.replace(metadata={**out.metadata, "burst_merge": bm})
    if len(frames) == 1:
        warnings.warn(f"a burst of one frame ({names[0]}): nothing to merge, it is used alone",
                      BurstWarning, stacklevel=2)
        return frames[0]
    good, _ = validate_frames(frames, names, r)  # warns about, and drops, corrupt frames
    frames = [frames[i] for i in good]
    names = [names[i] for i in good]
    index_map = [index_map[i] for i in good]
    r = None if r is None else good.index(r)
    exps = [exposure_of(f) for f in frames]
    differ = all(e is not None for e in exps) and max(exps) / min(exps) > 1.02
    if mode == "hdr" or (mode == "auto" and differ):
        merged = merge_hdr(frames, ref=r, names=names, **options)
    else:
        merged = merge(frames, ref=r, names=names, **options)
    bm = dict(merged.metadata["burst_merge"])
    bm["used"] = [index_map[i] for i in bm.get("used", [])]
    bm["reference"] = index_map[bm["reference"]]
    bm["files"] = names
    return merged.replace(metadata={**merged.metadata, "burst_merge": bm})


def develop_burst(
    paths: Sequence[str | PathLike[str]] | Sequence[RawImage],
    *,
    recipe: Any = "default",
    mode: str = "auto",
    ref: int | None = None,
    wb: str | float | None = None,
    schedule: str = "fused",
    **options: Any,
) -> Image:
    """Read, check, merge and develop a burst of raw files into one photo.

    Parameters
    ----------
    paths
        Raw files of one burst (or :class:`~brightroom.types.RawImage` frames).
    recipe
        Recipe name, file or :class:`~brightroom.develop.recipe.Recipe` (as for
        :func:`brightroom.develop`).
    mode, ref
        As for :func:`merge_burst`.
    wb
        White-balance override, as for :func:`brightroom.develop`.
    schedule
        The pipeline schedule, as for :func:`brightroom.develop`.
    **options
        Passed to :func:`merge_burst` (``scale`` and ``zoom`` of the ``"superres"`` mode).

    Returns
    -------
    Image
        The display-encoded photo (what :func:`brightroom.develop` returns), with
        ``metadata["burst_merge"]`` describing the merge.

    Notes
    -----
    The fallbacks of :func:`merge_burst` apply (a single frame is developed alone).
    """
    # develop.run resolves the recipe and the white-balance override in one place.

    merged = merge_burst(paths, mode=mode, ref=ref, **options)
    out = develop(merged, recipe=recipe, wb=wb, schedule=schedule)
    info = dict(merged.metadata.get("burst_merge", {"frames": 1, "method": "single"}))
    return out.replace(metadata={**out.metadata, "burst_merge": info})
