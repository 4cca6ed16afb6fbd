"""Burst photography: align a hand-held raw burst, merge it in the CFA domain, HDR, night mode.

>>> from brightroom.burst import merge, develop_burst
>>> raw = merge(frames)                                      # doctest: +SKIP
>>> photo = develop_burst(["a.dng", "b.dng", "c.dng"])      # doctest: +SKIP

* :func:`align` / :func:`align_gray`: HDR+ coarse-to-fine tile alignment (:mod:`.align`).
* :func:`merge`: robust merge of equal exposures, methods in :data:`MERGE_METHODS`
  (``"hasinoff2016"``, alias ``"wiener"``: HDR+ pairwise Wiener; ``"average"``: robust mean)
  (:mod:`.merge`).
* :func:`merge_hdr`: exposure brackets to a high-dynamic-range raw (:mod:`.hdr`).
* :func:`plan_burst`, :func:`merge_burst`, :func:`develop_burst`: night mode, files in and a
  merged raw or a photo out (:mod:`.night`).
* :func:`superres`: zoom, hand-held multi-frame super-resolution of a raw burst onto a 1x-3x
  grid (Wronski et al. 2019, :mod:`.wronski2019`, driven by :mod:`.superres`); a one-frame
  burst falls back to :func:`upscale` (DCCI, Zhou et al. 2012, :mod:`.upscale`).

References
----------
Hasinoff, S. W. et al. (2016). Burst photography for high dynamic range and low-light imaging
on mobile cameras. ACM TOG 35(6), 192.
Wronski, B. et al. (2019). Handheld multi-frame super-resolution. ACM TOG 38(4), 28.
"""

from brightroom.burst.align import (
    Alignment,
    AlignParams,
    TileGrid,
    align,
    align_gray,
    cfa_gray,
    choose_reference,
    tile_grid,
)
from brightroom.burst.hdr import merge_hdr, to_unit_range
from brightroom.burst.merge import (
    MERGE_METHODS,
    BurstStack,
    BurstWarning,
    merge,
    validate_frames,
)
from brightroom.burst.night import (
    MODES,
    BurstPlan,
    develop_burst,
    merge_burst,
    plan_burst,
    read_burst,
)
from brightroom.burst.superres import SUPERRES_METHODS, superres
from brightroom.burst.upscale import UPSCALE_METHODS, upscale
from brightroom.burst.wronski2019 import WronskiParams

__all__ = [
    "align",
    "align_gray",
    "AlignParams",
    "Alignment",
    "TileGrid",
    "tile_grid",
    "cfa_gray",
    "choose_reference",
    "merge",
    "MERGE_METHODS",
    "BurstStack",
    "BurstWarning",
    "validate_frames",
    "merge_hdr",
    "to_unit_range",
    "merge_burst",
    "develop_burst",
    "plan_burst",
    "read_burst",
    "BurstPlan",
    "MODES",
    "superres",
    "SUPERRES_METHODS",
    "WronskiParams",
    "upscale",
    "UPSCALE_METHODS",
]
