"""The lab part of ``brightroom demo``: score the default recipe and write its report.

The demo uses the reduced :data:`~brightroom.lab.conditions.QUICK_PLAN` (two conditions, 5 and
1000 lux, smaller charts) so that it takes a few seconds; the report says so, and its score is
not comparable with (nor ranked beside) full-plan scores from ``brightroom lab score``.
"""

from __future__ import annotations

from pathlib import Path

from brightroom.lab.report import write_report
from brightroom.lab.run import run_lab

__all__ = ["demo_report", "DEMO_PIPELINE", "DEMO_PLAN"]

DEMO_PIPELINE = "brightroom:default"
DEMO_PLAN = "quick"


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
