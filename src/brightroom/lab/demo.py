"""The lab part of ``brightroom demo``: score the default recipe, write its report, and show a
night shot next to its single frame.

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

import warnings
from pathlib import Path

import numpy as np

from brightroom.lab.report import write_report
from brightroom.lab.run import run_lab

__all__ = ["demo_report", "demo_night", "DEMO_PIPELINE", "DEMO_PLAN", "NIGHT_SCENE"]

DEMO_PIPELINE = "brightroom:default"
DEMO_PLAN = "quick"
NIGHT_SCENE = "coffee"
"""The scikit-image photo the night demo photographs."""


def demo_report(out_dir: Path, *, pipeline: str = DEMO_PIPELINE, seed: int = 0) -> Path:
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
    results = run_lab(pipeline, camera="flagship-2022", seed=seed, conditions=DEMO_PLAN)
    note = ("demo: reduced shooting plan (2 of the 5 lighting conditions, smaller charts) for "
            "speed; run 'brightroom lab score --pipeline brightroom:default -o DIR' for the full, "
            "rankable score")
    results = results.replace(notes=(*results.notes, note))
    return write_report(results, Path(out_dir))


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
    from brightroom import api
    from brightroom.burst import BurstWarning, merge
    from brightroom.charts import natural
    from brightroom.lab.camera import simulate_burst

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sc = natural(scene, megapixels=megapixels)
    burst = simulate_burst(sc, n=frames, camera="flagship-2022", lux=lux, cct=4000.0, iso=6400,
                           shake_px=2.0, rotation_deg=0.1, seed=seed)
    single = api.develop(burst[0], recipe=recipe)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BurstWarning)
        merged = api.develop(merge(burst, ref=0), recipe=recipe)
    p_single = api.write(single, out / "night-single.jpg", overwrite=True)
    p_merged = api.write(merged, out / "night-merged.jpg", overwrite=True)
    a, b = np.asarray(single.data, np.float32), np.asarray(merged.data, np.float32)
    gap = np.ones((a.shape[0], max(4, a.shape[1] // 100), 3), np.float32)
    both = np.concatenate([a, gap, b], axis=1)
    api.write(merged.replace(data=both), out / "night-compare.jpg", overwrite=True)
    return Path(p_single), Path(p_merged)
