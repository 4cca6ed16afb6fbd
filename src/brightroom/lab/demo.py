"""``brightroom demo`` (:func:`brightroom.demo`): develop a simulated raw, show a night shot next to
its single frame, score the default recipe and write its report.

:func:`demo` is the whole demo. Its input is a raw frame synthesised by the lab's virtual camera
from a photo that ships inside scikit-image, so it needs no download.

The demo uses the reduced :data:`~brightroom.lab.conditions.QUICK_PLAN` (two conditions, 5 and
1000 lux, smaller charts) so that it takes a few seconds; the report says so, and its score is
not comparable with (nor ranked beside) full-plan scores from ``brightroom lab score``.

:func:`demo_night` simulates a hand-held 8-frame burst of a photo bundled with scikit-image at
1 lux and writes the reference frame developed alone next to the burst merged by
:func:`brightroom.burst.merge` (Hasinoff et al. 2016), both through the ``default`` recipe.

References
----------
Hasinoff, S. W. et al. (2016). Burst photography for high dynamic range and low-light
imaging on mobile cameras. ACM TOG 35(6), 192.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brightroom.burst import BurstWarning, merge
from brightroom.charts import natural
from brightroom.develop.run import develop
from brightroom.errors import InputError, OutputExistsError, ParameterError
from brightroom.io import read_raw, write
from brightroom.lab.camera import simulate, simulate_burst
from brightroom.lab.report import write_report
from brightroom.lab.report.html import REPORT_FILES
from brightroom.lab.run import run_lab

__all__ = ["demo", "DemoResult", "demo_report", "demo_night", "DEMO_PIPELINE", "DEMO_PLAN",
           "DEMO_CAMERA", "NIGHT_SCENE"]

DEMO_FILES = ("demo.dng", "demo.jpg", "demo-neutral.jpg", "night-single.jpg",
              "night-merged.jpg", "night-compare.jpg")
"""What :func:`demo` writes (and, with ``lab``, :data:`~brightroom.lab.report.html.REPORT_FILES`)."""

DEMO_PIPELINE = "brightroom:default"
DEMO_PLAN = "quick"
DEMO_CAMERA = "flagship-2022"
NIGHT_SCENE = "coffee"
"""The scikit-image photo the night demo photographs."""


def demo_report(out_dir: Path, *, pipeline: str = DEMO_PIPELINE, seed: int = 0,
                overwrite: bool = True) -> Path:
    """Score ``pipeline`` (the default recipe) on the quick plan; write the report.

    Parameters
    ----------
    out_dir
        Directory that receives ``report.html`` and ``results.json`` (created if needed).

    Returns
    -------
    pathlib.Path
        The path of ``report.html``.
    """
    results = run_lab(pipeline, camera=DEMO_CAMERA, seed=seed, conditions=DEMO_PLAN)
    note = ("demo: reduced shooting plan (2 of the 5 lighting conditions, smaller charts) for "
            "speed; run 'brightroom lab score --pipeline brightroom:default -o DIR' for the full, "
            "rankable score")
    results = results.replace(notes=(*results.notes, note))
    return write_report(results, Path(out_dir), overwrite=overwrite)


def demo_night(out_dir: Path, *, scene: str = NIGHT_SCENE, megapixels: float = 1.0,
               frames: int = 8, lux: float = 1.0, recipe: str = "default",
               seed: int = 1) -> tuple[Path, Path]:
    """A 1-lux hand-held night shot next to its single frame.

    Simulates ``frames`` hand-held frames (ISO 6400, ~2 px shake, 0.1 deg rotation) of the
    bundled photo ``scene`` at ``lux``, develops the reference frame alone and the merged burst
    with ``recipe``, and writes ``night-single.jpg``, ``night-merged.jpg`` and the side-by-side
    ``night-compare.jpg`` (single left, merged right) into ``out_dir`` (created if needed,
    files replaced).

    Returns
    -------
    (single, merged)
        Paths of ``night-single.jpg`` and ``night-merged.jpg``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sc = natural(scene, megapixels=megapixels)
    burst = simulate_burst(sc, n=frames, camera=DEMO_CAMERA, lux=lux, cct=4000.0, iso=6400,
                           shake_px=2.0, rotation_deg=0.1, seed=seed)
    single = develop(burst[0], recipe=recipe)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BurstWarning)
        merged = develop(merge(burst, ref=0), recipe=recipe)
    p_single = write(single, out / "night-single.jpg", overwrite=True)
    p_merged = write(merged, out / "night-merged.jpg", overwrite=True)
    a, b = np.asarray(single.data, np.float32), np.asarray(merged.data, np.float32)
    gap = np.ones((a.shape[0], max(4, a.shape[1] // 100), 3), np.float32)
    both = np.concatenate([a, gap, b], axis=1)
    write(merged.replace(data=both), out / "night-compare.jpg", overwrite=True)
    return Path(p_single), Path(p_merged)


@dataclass(frozen=True)
class DemoResult:
    """What :func:`demo` wrote, and how long each part took.

    Attributes
    ----------
    output
        The output directory.
    raw
        The simulated raw, ``demo.dng``.
    width, height, iso
        Its size in pixels and the ISO the virtual camera chose.
    lux, cct
        The simulated scene illuminance (lux) and illuminant CCT (K).
    developed
        ``(recipe, path, seconds)`` for ``demo.jpg`` (``default``) and ``demo-neutral.jpg``
        (``neutral``); seconds from the DNG file to the JPEG file.
    night_single, night_merged, night_compare
        The 1-lux night pair (:func:`demo_night`) and their side-by-side picture.
    night_seconds
        Time the night part took.
    report
        The lab's ``report.html`` (:func:`demo_report`), or ``None`` without ``lab``.
    """

    output: Path
    raw: Path
    width: int
    height: int
    iso: float
    lux: float
    cct: float
    developed: tuple[tuple[str, Path, float], ...]
    night_single: Path
    night_merged: Path
    night_compare: Path
    night_seconds: float
    report: Path | None


def demo(
    output: str | os.PathLike[str] = "out/demo",
    *,
    scene: str = "astronaut",
    megapixels: float = 4.0,
    lux: float = 150.0,
    cct: float = 4200.0,
    lab: bool = True,
    overwrite: bool = False,
) -> DemoResult:
    """The Brightroom demo on an embedded sample: no download needed.

    Writes, under ``output`` (created if needed; demo files already there are replaced only
    with ``overwrite``, checked before any work):

    * ``demo.dng``: a raw frame simulated by the lab's virtual camera (``flagship-2022``) from
      the scikit-image photo ``scene`` (readable by any raw tool);
    * ``demo.jpg``: developed with the ``default`` recipe;
    * ``demo-neutral.jpg``: developed with the colorimetric ``neutral`` recipe;
    * ``night-single.jpg``, ``night-merged.jpg`` and ``night-compare.jpg``: a simulated 1-lux
      hand-held burst, its reference frame alone next to the merged night shot
      (:func:`demo_night`);
    * with ``lab``, the lab's report of the default recipe on the quick plan (``report.html``
      and ``results.json``, :func:`demo_report`).

    Parameters
    ----------
    output
        The output directory.
    scene
        The scikit-image photo to simulate (:data:`~brightroom.charts.natural.NATURAL_SCENES`).
    megapixels
        Simulated sensor size.
    lux
        Scene illuminance.
    cct
        Illuminant correlated colour temperature (K).
    lab
        Also score the default recipe and write the lab report (a few seconds).
    overwrite
        Replace the demo's files in ``output`` if they exist.

    Returns
    -------
    DemoResult
    """
    out = Path(output)
    for name, v, lo, hi in (("megapixels", megapixels, 0.01, 50.0), ("lux", lux, 1e-3, 1e6),
                            ("cct", cct, 1000.0, 25000.0)):
        if not isinstance(v, int | float) or not lo <= v <= hi:  # NaN fails too
            raise ParameterError(f"demo: {name} {v!r} is outside [{lo:g}, {hi:g}]")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a directory; demo writes into a directory")
    names = [*DEMO_FILES, *(REPORT_FILES if lab else ())]
    existing = [n for n in names if (out / n).exists() or (out / n).is_symlink()]
    if existing and not overwrite:
        raise OutputExistsError(f"{out}: holds {', '.join(existing)} from an earlier demo; pass "
                                "overwrite=True (--overwrite) to replace them")
    out.mkdir(parents=True, exist_ok=True)
    sc = natural(scene, megapixels=megapixels)
    raw = simulate(sc, DEMO_CAMERA, lux=lux, cct=cct, seed=1)
    dng = write(raw, out / "demo.dng", overwrite=True)
    developed = []
    for recipe, name in (("default", "demo.jpg"), ("neutral", "demo-neutral.jpg")):
        t = time.perf_counter()
        path = write(develop(read_raw(dng), recipe=recipe), out / name, overwrite=True)
        developed.append((recipe, path, time.perf_counter() - t))
    t = time.perf_counter()
    single, merged = demo_night(out)
    night_s = time.perf_counter() - t
    report = demo_report(out) if lab else None
    return DemoResult(out, dng, int(raw.shape[1]), int(raw.shape[0]), float(raw.camera.iso),
                      float(lux), float(cct), tuple(developed), single, merged,
                      out / "night-compare.jpg", night_s, report)
