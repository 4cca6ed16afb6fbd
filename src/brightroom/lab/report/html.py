"""The lab's self-contained HTML report.

Everything is inline: CSS in a ``<style>`` element, plots as hand-written SVG
(:mod:`brightroom.lab.report.svg`), the night thumbnails as ``data:image/png`` URIs; no
scripts, fonts, image files or links to load, so the file opens offline and can be attached to
an issue as is.
"""

from __future__ import annotations

import json
import math
import re
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from brightroom.charts.colorchecker import COLORCHECKER_NAMES
from brightroom.color.spaces import D50_XYZ, bradford_adaptation, get_space, srgb_encode
from brightroom.files import atomic_write_many
from brightroom.lab.metrics.colour import lab_to_xyz
from brightroom.lab.report.svg import bar_chart, line_chart, rgb_hex, swatch_pairs
from brightroom.lab.run import LabResults
from brightroom.lab.score import SCORE_FORMULA

__all__ = ["render_html", "write_report", "lab_d50_to_display"]

_CSS = """
body{font-family:sans-serif;margin:24px auto;max-width:1100px;color:#222;line-height:1.4}
h1{margin-bottom:0}h2{border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}.big{font-size:48px;font-weight:bold}
.meta{color:#555;font-size:13px}.note{background:#fff6d8;border:1px solid #e8d58c;padding:6px 10px}
.absent{color:#999}.plots{display:flex;flex-wrap:wrap;gap:12px}
"""


def lab_d50_to_display(lab: Any) -> np.ndarray:
    """CIELAB (D50) to display-encoded sRGB in [0, 1] (Bradford D50 -> D65), for swatches."""
    xyz = lab_to_xyz(np.asarray(lab, dtype=np.float64))
    sp = get_space("sRGB")
    m = np.linalg.inv(sp.to_xyz) @ bradford_adaptation(D50_XYZ, sp.white)
    rgb = np.clip(xyz @ m.T, 0.0, 1.0).astype(np.float32)
    return np.clip(srgb_encode(rgb), 0.0, 1.0)


def _num(v: Any, fmt: str = ".1f") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "&ndash;"
    return format(float(v), fmt)


def _score_table(r: LabResults) -> str:
    conds = [c.condition.name for c in r.conditions]
    # the capability tests' pseudo-conditions (night-1lux, hdr, portrait...) after the plan's
    conds += [c for c in r.score.per_condition if c not in conds]
    head = "".join(f"<th>{escape(c)}</th>" for c in conds)
    rows = []
    for a in SCORE_FORMULA.attributes:
        overall = r.score.attributes.get(a.name)
        if overall is None:
            rows.append(f'<tr class="absent"><td class="l">{escape(a.name)}</td>'
                        f'<td colspan="{len(conds) + 1}" class="l">not measured: excluded from '
                        f'the overall score ({escape(a.doc)})</td></tr>')
            continue
        cells = "".join(f"<td>{_num(r.score.per_condition.get(c, {}).get(a.name))}</td>"
                        for c in conds)
        rows.append(f'<tr><td class="l">{escape(a.name)}</td>{cells}<td><b>{_num(overall)}</b></td></tr>')
    return (f'<table><tr><th class="l">attribute</th>{head}<th>all conditions</th></tr>'
            + "".join(rows)
            + f'<tr><th class="l">overall</th><td colspan="{len(conds)}"></td>'
              f'<th>{_num(r.score.overall)}</th></tr></table>')


_METRIC_ROWS = (
    ("ISO", "iso", ".0f"), ("exposure time (s)", "exposure_time", ".4f"),
    ("exposure error (EV)", "ev_error", "+.2f"), ("dynamic range (stops, SNR 1)", "dr_stops", ".1f"),
    ("mean dE00", "de00_mean", ".2f"), ("max dE00", "de00_max", ".2f"),
    ("WB error (deg)", "wb_error_deg", ".2f"), ("MTF50 (cy/px)", "mtf50", ".3f"),
    ("MTF50P (cy/px)", "mtf50p", ".3f"), ("edge acutance", "edge_acutance", ".3f"),
    ("texture acutance", "texture_acutance", ".3f"), ("overshoot (%)", "overshoot_pct", ".1f"),
    ("ringing (%)", "ringing_pct", ".1f"), ("SNR (dB)", "snr_db", ".1f"),
    ("visual noise", "visual_noise", ".2f"), ("false colour (mean C*ab)", "false_colour_chroma", ".2f"),
    ("moire index (%)", "moire_index", ".1f"),
)


def _metrics_table(r: LabResults) -> str:
    head = "".join(f"<th>{escape(c.condition.name)}<br><small>{c.condition.lux:g} lux, "
                   f"{c.condition.cct:.0f} K</small></th>" for c in r.conditions)
    rows = []
    for label, key, fmt in _METRIC_ROWS:
        vals = []
        for c in r.conditions:
            v = getattr(c, key) if key in ("iso", "exposure_time") else c.metrics.get(key, "n/a")
            vals.append("<td>n/a</td>" if v == "n/a" else f"<td>{_num(v, fmt)}</td>")
        rows.append(f'<tr><td class="l">{escape(label)}</td>{"".join(vals)}</tr>')
    return f'<table><tr><th class="l">measurement</th>{head}</tr>{"".join(rows)}</table>'


def _mtf_plots(r: LabResults) -> str:
    edge, tex = [], []
    for c in r.conditions:
        e = c.details.get("slanted-edge")
        if e:
            edge.append((c.condition.name, e["freqs"], e["mtf"]))
        t = c.details.get("dead-leaves")
        if t:
            tex.append((c.condition.name, t["freqs"], [v if v is not None else math.nan
                                                       for v in t["mtf"]]))
    out = []
    if edge:
        top = max(1.2, max((max(v for v in m if v is not None) for _, _, m in edge), default=1.2))
        out.append(line_chart(edge, title="Edge MTF (ISO 12233 e-SFR)", x_label="cycles/pixel",
                              y_label="MTF", x_range=(0.0, 0.5), y_range=(0.0, min(top, 3.0))))
    if tex:
        out.append(line_chart(tex, title="Texture MTF (dead leaves, noise-compensated)",
                              x_label="cycles/pixel", y_label="MTF", x_range=(0.0, 0.5),
                              y_range=(0.0, 1.6)))
    return '<div class="plots">' + "".join(out) + "</div>"


def _noise_plots(r: LabResults) -> str:
    lux = [c.condition.lux for c in r.conditions]
    snr_db = [c.metrics.get("snr_db") for c in r.conditions]
    vn = [c.metrics.get("visual_noise") for c in r.conditions]
    if len(lux) < 1:
        return ""
    lo, hi = min(lux) / 2, max(lux) * 2
    a = line_chart([("SNR (Y)", lux, snr_db)], title="SNR of an 18 % grey against light",
                   x_label="illuminance (lux)", y_label="SNR (dB)", log_x=True, x_range=(lo, hi),
                   markers=True)
    b = line_chart([("visual noise", lux, vn)], title="Visual noise (ISO 15739) against light",
                   x_label="illuminance (lux)", y_label="visual noise", log_x=True,
                   x_range=(lo, hi), markers=True)
    return f'<div class="plots">{a}{b}</div>'


def _colour_section(r: LabResults) -> str:
    parts = []
    for i, c in enumerate(r.conditions):
        cc = c.details.get("colorchecker")
        if not cc:
            continue
        de = cc["colorchecker"]["delta_e"]
        ref = lab_d50_to_display(cc["reference_lab"])
        colours = [rgb_hex(rgb) for rgb in ref]
        parts.append(bar_chart(de, list(COLORCHECKER_NAMES), colours=colours,
                               title=f"dE00 per ColorChecker patch, {c.condition.name} "
                                     f"(mean {cc['colorchecker']['mean']:.2f})",
                               y_label="dE00", y_max=max(10.0, max((v or 0) for v in de) * 1.1),
                               reference_line=cc["colorchecker"]["mean"]))
        if i == len(r.conditions) - 1 or c.condition.lux == max(x.condition.lux for x in r.conditions):
            meas = lab_d50_to_display(cc["colorchecker"]["measured_lab"])
            parts.append(f"<p>Reference (left half) and measured (right half, exposure-normalised) "
                         f"patches at {escape(c.condition.name)}:</p>"
                         + swatch_pairs(ref.tolist(), meas.tolist(), list(COLORCHECKER_NAMES)))
    return "".join(parts)


def _data_uri(v: Any) -> str | None:
    """``v`` if it is an inline PNG data URI (nothing else may enter the report)."""
    if isinstance(v, str) and re.fullmatch(r"data:image/png;base64,[A-Za-z0-9+/=]+", v):
        return v
    return None


def _capabilities_section(r: LabResults) -> str:
    """Night, HDR, bokeh and zoom: what was measured, and the single / burst pairs."""
    cap = r.capabilities
    if not cap:
        return ('<p class="absent">The capability tests (night, HDR, bokeh, zoom) were not run: '
                'their sub-scores are absent from this score.</p>')
    m = cap.get("metrics", {})
    det = cap.get("details", {})
    rows = []
    night = det.get("night", {})
    for cond, d in night.items():
        mm = m.get(cond, {})
        how = "merged burst" if d.get("merged") else "single frame (no burst merge)"
        rows.append(
            f'<tr><td class="l">night, {_num(d.get("lux"), "g")} lux</td>'
            f'<td class="l">{escape(how)}</td>'
            f'<td>{_num(d.get("psnr_single_db"), ".2f")}</td><td>{_num(mm.get("night_psnr_db"), ".2f")}</td>'
            f'<td>{_num(mm.get("night_gain_db"), "+.2f")}</td>'
            f'<td>{_num(mm.get("night_subject_db"), "+.2f")}</td></tr>')
    night_table = ""
    if rows:
        night_table = ('<table><tr><th class="l">test</th><th class="l">night shot</th>'
                       '<th>single frame PSNR (dB)</th><th>night shot PSNR (dB)</th>'
                       '<th>gain (dB)</th><th>moving subject vs single (dB)</th></tr>'
                       + "".join(rows) + "</table>")
    hdr = det.get("hdr", {})
    hm = m.get("hdr", {})
    hdr_table = ""
    if hdr or hm:
        how = "bracket merge" if hdr.get("merged") else "EV 0 frame only (no bracket merge)"
        hdr_table = ('<table><tr><th class="l">HDR</th><th class="l">shot</th>'
                     '<th>single frame DR (stops)</th><th>HDR DR (stops)</th>'
                     '<th>halo at a 100:1 edge (%)</th></tr>'
                     f'<tr><td class="l">step chart, EV 0/-4/+4</td><td class="l">{escape(how)}</td>'
                     f'<td>{_num(hdr.get("dr_single_stops"))}</td>'
                     f'<td>{_num(hm.get("hdr_dr_stops"))}</td>'
                     f'<td>{_num(hm.get("hdr_halo_pct"))}</td></tr></table>')
    bokeh = det.get("bokeh", {})
    scenes = bokeh.get("scenes") or {}
    if scenes:
        brow = "".join(
            f'<tr><td class="l">{escape(str(n))}</td><td>{_num(e.get("psnr"), ".2f")}</td>'
            f'<td>{_num(e.get("psnr_band"), ".2f")}</td><td>{_num(e.get("score"))}</td></tr>'
            for n, e in scenes.items())
        bokeh_table = ('<table><tr><th class="l">portrait scene</th><th>PSNR (dB)</th>'
                       '<th>silhouette band PSNR (dB)</th><th>bokeh score</th></tr>'
                       + brow + "</table>")
    else:
        bokeh_table = (f'<p class="absent">bokeh: {escape(str(bokeh.get("note", "not measured")))}'
                       '</p>')
    pics = ""
    for d in night.values():
        a, b = _data_uri(d.get("thumbnail_single")), _data_uri(d.get("thumbnail_merged"))
        if a and b:
            pics = (f'<div class="plots"><figure><img alt="single frame, {_num(d.get("lux"), "g")} '
                    f'lux" src="{a}"><figcaption>single frame</figcaption></figure>'
                    f'<figure><img alt="night shot" src="{b}"><figcaption>night shot '
                    f'({"merged burst" if d.get("merged") else "single frame"})</figcaption>'
                    '</figure></div>')
            break
    errs = "".join(f"<li>{escape(k)}: {escape(str(v))}</li>"
                   for k, v in dict(cap.get("errors", {})).items())
    return (night_table + pics + hdr_table + bokeh_table + _zoom_table(m, det.get("zoom", {}))
            + (f"<ul>{errs}</ul>" if errs else ""))


def _zoom_table(m: dict, zoom: dict) -> str:
    """The zoom sub-score's measurements and the 2x dead-leaves pair (zoomed, digital zoom)."""
    if not zoom:
        return ""
    rows = []
    pics = ""
    for cond, d in zoom.items():
        mm = m.get(cond, {})
        z, dz = d.get("zoomed", {}), d.get("digital_zoom", {})
        how = "multi-frame super-resolution" if d.get("merged") else "digital zoom (no burst)"
        rows.append(
            f'<tr><td class="l">zoom {_num(d.get("factor"), "g")}x</td><td class="l">'
            f'{escape(how)}</td><td>{_num(z.get("mtf50"), ".3f")}</td>'
            f'<td>{_num(dz.get("mtf50"), ".3f")}</td><td>{_num(mm.get("zoom_mtf50_gain"), ".2f")}</td>'
            f'<td>{_num(mm.get("zoom_edge_acutance"), ".3f")}</td>'
            f'<td>{_num(mm.get("zoom_texture_acutance"), ".3f")}</td>'
            f'<td>{_num(dz.get("texture_acutance"), ".3f")}</td></tr>')
        a, b = _data_uri(d.get("thumbnail_digital")), _data_uri(d.get("thumbnail_zoomed"))
        if a and b and not pics:
            pics = (f'<div class="plots"><figure><img alt="digital zoom {_num(d.get("factor"), "g")}x" '
                    f'src="{a}"><figcaption>single-frame digital zoom</figcaption></figure>'
                    f'<figure><img alt="zoomed" src="{b}"><figcaption>{escape(how)}'
                    '</figcaption></figure></div>')
    return ('<table><tr><th class="l">zoom</th><th class="l">render</th>'
            '<th>MTF50 (cy/px)</th><th>digital zoom MTF50</th><th>MTF50 gain</th>'
            '<th>edge acutance</th><th>texture acutance</th><th>digital zoom texture acutance'
            '</th></tr>' + "".join(rows) + "</table>" + pics)


def _formula_section(r: LabResults) -> str:
    rows = []
    for a in SCORE_FORMULA.attributes:
        for comp in a.components:
            rows.append(f'<tr><td class="l">{escape(a.name)}</td><td class="l">{escape(comp.metric)}'
                        f'{" (abs)" if comp.absolute else ""}</td><td>{comp.full:g}</td>'
                        f'<td>{comp.zero:g}</td><td>{comp.weight:g}</td>'
                        f'<td class="l">{escape(comp.doc)}</td></tr>')
    cw = ", ".join(f"{n} {w:g}" for n, w in SCORE_FORMULA.condition_weights)
    return ('<table><tr><th class="l">attribute</th><th class="l">metric</th><th>100 at</th>'
            '<th>0 at</th><th>weight</th><th class="l">what</th></tr>' + "".join(rows) + "</table>"
            f"<p>Each metric maps to 0-100 on a clipped straight line between its anchors; an "
            f"attribute is the weighted mean of its metrics per condition, then the weighted mean "
            f"over conditions (weights: {escape(cw)}). {escape(r.score.formula)}.</p>")


def render_html(results: LabResults) -> str:
    """The report as one self-contained HTML document."""
    r = results
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in r.notes)
    failed = ""
    if r.score.failed:
        failed = ('<p class="note">Measurements that failed (image unusable) and scored 0: '
                  + escape(", ".join(r.score.failed)) + "</p>")
    errors = "".join(f"<li>{escape(c.condition.name)} / {escape(k)}: {escape(v)}</li>"
                     for c in r.conditions for k, v in c.errors.items())
    if errors:
        errors = f"<ul>{errors}</ul>"
    title = f"Brightroom lab: {r.pipeline} on {r.camera}"
    conds = ", ".join(f"{c.condition.name} ({c.condition.lux:g} lux, {c.condition.cct:.0f} K)"
                      for c in r.conditions)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{_CSS}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="meta">pipeline <b>{escape(r.pipeline)}</b> ({escape(r.pipeline_description)}) &middot;
camera <b>{escape(r.camera)}</b> &middot; score version <b>{escape(r.score.version)}</b>
(formula {escape(r.score.formula_hash)}) &middot; plan <b>{escape(r.plan.name)}</b> &middot;
seed {r.seed} &middot; {escape(r.created)} &middot; Brightroom {escape(r.brightroom_version)}
&middot; {escape(r.machine)} &middot; {r.elapsed_s:.1f} s</p>
{notes}
<p><span class="big">{r.score.overall:.1f}</span> overall</p>
<h2>Score breakdown</h2>
{_score_table(r)}
{failed}{errors}
<h2>Night, HDR, bokeh and zoom</h2>
{_capabilities_section(r)}
<h2>Sharpness and texture</h2>
{_mtf_plots(r)}
<h2>Colour</h2>
{_colour_section(r)}
<h2>Noise</h2>
{_noise_plots(r)}
<h2>Measurements</h2>
<p>Conditions: {escape(conds)}. Camera auto exposure, hand-held limits: less light means higher
ISO.</p>
{_metrics_table(r)}
<h2>How the score is computed</h2>
{_formula_section(r)}
</body></html>
"""


REPORT_FILES = ("report.html", "results.json")
"""What :func:`write_report` writes into its folder."""


def write_report(results: LabResults, out_dir: str | Path, *, overwrite: bool = True) -> Path:
    """Write ``report.html`` and ``results.json`` into ``out_dir`` as a unit (both or neither,
    atomically); existing ones are replaced only with ``overwrite``.

    Returns
    -------
    pathlib.Path
        The path of ``report.html``.
    """
    out = Path(out_dir)
    text = json.dumps(results.to_dict(), allow_nan=False, indent=1)
    html = render_html(results)
    path = out / "report.html"
    with atomic_write_many([path, out / "results.json"], overwrite=overwrite) as (t_html, t_json):
        t_json.write_text(text, encoding="utf-8")
        t_html.write_text(html, encoding="utf-8")
    return path



