"""The report of a lab campaign: every pipeline against every other, per camera, over seeds.

``campaign.json`` holds the table (one row per pipeline and camera: runs, mean, standard
deviation, minimum and maximum of the overall score, the mean of each attribute) and the
failures; ``campaign.html`` shows the same table and, per camera, a bar chart of the mean overall
score with its spread over seeds (an inline SVG: the report is one self-contained file). Both
files are written as a unit: either both are replaced or neither.
"""

from __future__ import annotations

import html
import json
import math
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from brightroom.files import atomic_write

__all__ = ["campaign_table", "write_campaign_report"]


def campaign_table(runs: Sequence[Any]) -> list[dict[str, Any]]:
    """One row per (pipeline, camera) of the runs (:class:`~brightroom.lab.run.LabResults`),
    best mean overall first within each camera."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for r in runs:
        groups.setdefault((r.pipeline, r.camera), []).append(r)
    rows = []
    for (pipeline, camera), rs in groups.items():
        overall = [float(r.score.overall) for r in rs]
        attrs: dict[str, list[float]] = {}
        for r in rs:
            for k, v in r.score.attributes.items():
                if v is not None:
                    attrs.setdefault(k, []).append(float(v))
        rows.append({
            "pipeline": pipeline, "camera": camera, "runs": len(rs),
            "seeds": sorted(int(r.seed) for r in rs),
            "score_version": rs[0].score.version, "plan": rs[0].plan.name,
            "overall_mean": statistics.fmean(overall),
            "overall_sd": statistics.stdev(overall) if len(overall) > 1 else 0.0,
            "overall_min": min(overall), "overall_max": max(overall),
            "attributes": {k: statistics.fmean(v) for k, v in sorted(attrs.items())},
        })
    rows.sort(key=lambda row: (row["camera"], -row["overall_mean"]))
    return rows


def _bars(rows: Sequence[dict[str, Any]]) -> str:
    """An SVG bar chart of mean overall (with min-max whiskers) for one camera's rows."""
    w, bar, gap, left = 560, 22, 8, 170
    h = len(rows) * (bar + gap) + 30
    scale = (w - left - 20) / 100.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
             'font-family="sans-serif" font-size="12">']
    for x in range(0, 101, 20):
        xx = left + x * scale
        parts.append(f'<line x1="{xx:.1f}" y1="0" x2="{xx:.1f}" y2="{h - 20}" stroke="#ddd"/>'
                     f'<text x="{xx:.1f}" y="{h - 6}" text-anchor="middle">{x}</text>')
    for i, row in enumerate(rows):
        y = 4 + i * (bar + gap)
        m = row["overall_mean"]
        parts.append(f'<text x="{left - 6}" y="{y + bar * 0.7:.1f}" text-anchor="end">'
                     f'{html.escape(row["pipeline"])}</text>'
                     f'<rect x="{left}" y="{y}" width="{m * scale:.1f}" height="{bar}" '
                     'fill="#4a7ab5"/>'
                     f'<line x1="{left + row["overall_min"] * scale:.1f}" y1="{y + bar / 2}" '
                     f'x2="{left + row["overall_max"] * scale:.1f}" y2="{y + bar / 2}" '
                     'stroke="#111" stroke-width="2"/>'
                     f'<text x="{left + m * scale + 4:.1f}" y="{y + bar * 0.7:.1f}" fill="#fff"'
                     f' dx="-40">{m:.1f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _html(table: Sequence[dict[str, Any]], failed: Sequence[tuple[str, str, int, str]]) -> str:
    attrs = sorted({k for row in table for k in row["attributes"]})
    out = ["<!doctype html><meta charset='utf-8'><title>Brightroom lab campaign</title>",
           "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
           "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
           "td:first-child,th:first-child{text-align:left}</style>",
           "<h1>Lab campaign</h1>",
           f"<p>{sum(r['runs'] for r in table)} runs, {len(failed)} failed. Overall score "
           "0-100: mean over seeds, standard deviation, range; attribute means.</p>"]
    for camera in sorted({r["camera"] for r in table}):
        rows = [r for r in table if r["camera"] == camera]
        out.append(f"<h2>{html.escape(camera)}</h2>{_bars(rows)}")
        out.append("<table><tr><th>pipeline</th><th>runs</th><th>overall</th><th>sd</th>"
                   "<th>min</th><th>max</th>" + "".join(f"<th>{html.escape(a)}</th>" for a in attrs)
                   + "</tr>")
        for r in rows:
            cells = "".join(
                f"<td>{r['attributes'][a]:.1f}</td>" if a in r["attributes"] else "<td>-</td>"
                for a in attrs)
            out.append(f"<tr><td>{html.escape(r['pipeline'])}</td><td>{r['runs']}</td>"
                       f"<td>{r['overall_mean']:.2f}</td><td>{r['overall_sd']:.2f}</td>"
                       f"<td>{r['overall_min']:.2f}</td><td>{r['overall_max']:.2f}</td>{cells}</tr>")
        out.append("</table>")
    if failed:
        out.append("<h2>Failed</h2><ul>" + "".join(
            f"<li>{html.escape(p)} / {html.escape(c)} / seed {s}: {html.escape(e)}</li>"
            for p, c, s, e in failed) + "</ul>")
    return "\n".join(out)


def write_campaign_report(table: Sequence[dict[str, Any]], runs: Sequence[Any],
                          failed: Sequence[tuple[str, str, int, str]], out_dir: Path, *,
                          overwrite: bool = False) -> Path:
    """Write ``campaign.json`` and ``campaign.html`` into ``out_dir`` (both or neither);
    returns the HTML's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = {"format": "brightroom-campaign/1", "table": list(table),
           "failed": [{"pipeline": p, "camera": c, "seed": s, "error": e}
                      for p, c, s, e in failed],
           "runs": [{"pipeline": r.pipeline, "camera": r.camera, "seed": r.seed,
                     "overall": r.score.overall} for r in runs]}
    text = json.dumps(doc, indent=1, allow_nan=False, default=_no_nan)
    page = _html(table, failed)
    jpath, hpath = out_dir / "campaign.json", out_dir / "campaign.html"
    with atomic_write(jpath, overwrite=overwrite) as jtmp, \
            atomic_write(hpath, overwrite=overwrite) as htmp:
        jtmp.write_text(text, encoding="utf-8")
        htmp.write_text(page, encoding="utf-8")
    return hpath


def _no_nan(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    raise TypeError(f"not JSON: {type(value).__name__}")
