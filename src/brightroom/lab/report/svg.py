"""Hand-written SVG plots for the lab report: no plotting library, no external resources.

Each function returns one ``<svg>`` element as a string, to be inlined in HTML. Text is
escaped; numbers are written with a fixed precision so that the same data gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

__all__ = ["PALETTE", "line_chart", "bar_chart", "swatch_pairs", "rgb_hex"]

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf")
"""Series colours (distinguishable, colour-blind tolerable order)."""

_FONT = "font-family:sans-serif;font-size:11px"


def _f(v: float) -> str:
    return f"{v:.2f}"


def rgb_hex(rgb: Sequence[float]) -> str:
    """``#rrggbb`` of display-encoded RGB in [0, 1] (clipped)."""
    return "#" + "".join(f"{int(round(min(max(float(c), 0.0), 1.0) * 255)):02x}" for c in rgb)


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if not hi > lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    start = math.ceil(lo / step - 1e-9) * step
    out, v = [], start
    while v <= hi + 1e-9 * step:
        out.append(round(v, 10))
        v += step
    return out


def _fmt_tick(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1000 or abs(v) < 0.01:
        return f"{v:g}"
    return f"{v:.3g}"


def line_chart(
    series: Sequence[tuple[str, Sequence[float], Sequence[float]]],
    *,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    log_x: bool = False,
    width: int = 520,
    height: int = 300,
    markers: bool = False,
) -> str:
    """A line chart of ``(label, xs, ys)`` series (None / non-finite points are skipped)."""
    pts_all = [(x, y) for _, xs, ys in series for x, y in zip(xs, ys)
               if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)
               and (not log_x or x > 0)]
    if x_range is None:
        xs = [p[0] for p in pts_all] or [0.0, 1.0]
        x_range = (min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1)
    if y_range is None:
        ys = [p[1] for p in pts_all] or [0.0, 1.0]
        lo, hi = min(ys), max(ys)
        pad = 0.05 * (hi - lo) if hi > lo else 1.0
        y_range = (min(0.0, lo - pad) if lo >= 0 else lo - pad, hi + pad)
    ml, mr, mt, mb = 56, 120, 28 if title else 12, 40
    pw, ph = width - ml - mr, height - mt - mb
    x0, x1 = x_range
    y0, y1 = y_range
    tx = (lambda v: math.log10(v)) if log_x else (lambda v: v)
    ax0, ax1 = tx(x0), tx(x1)

    def px(x: float) -> float:
        return ml + (tx(x) - ax0) / (ax1 - ax0) * pw

    def py(y: float) -> float:
        return mt + (1 - (y - y0) / (y1 - y0)) * ph

    out = [f'<svg width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>']
    if title:
        out.append(f'<text x="{ml}" y="16" style="{_FONT};font-weight:bold">{escape(title)}</text>')
    # grid and ticks
    xt = ([10 ** k for k in range(math.floor(ax0), math.ceil(ax1) + 1) if x0 <= 10 ** k <= x1]
          if log_x else _ticks(x0, x1))
    for v in xt:
        X = px(v)
        out.append(f'<line x1="{_f(X)}" y1="{mt}" x2="{_f(X)}" y2="{mt + ph}" stroke="#ddd"/>')
        out.append(f'<text x="{_f(X)}" y="{mt + ph + 14}" text-anchor="middle" '
                   f'style="{_FONT}">{_fmt_tick(v)}</text>')
    for v in _ticks(y0, y1):
        Y = py(v)
        out.append(f'<line x1="{ml}" y1="{_f(Y)}" x2="{ml + pw}" y2="{_f(Y)}" stroke="#ddd"/>')
        out.append(f'<text x="{ml - 4}" y="{_f(Y + 4)}" text-anchor="end" '
                   f'style="{_FONT}">{_fmt_tick(v)}</text>')
    out.append(f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{ml + pw / 2:.1f}" y="{height - 6}" text-anchor="middle" '
               f'style="{_FONT}">{escape(x_label)}</text>')
    out.append(f'<text x="12" y="{mt + ph / 2:.1f}" text-anchor="middle" style="{_FONT}" '
               f'transform="rotate(-90 12 {mt + ph / 2:.1f})">{escape(y_label)}</text>')
    for i, (label, xs, ys) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        pts = [(px(x), py(min(max(y, y0), y1))) for x, y in zip(xs, ys)
               if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)
               and x0 <= x <= x1 and (not log_x or x > 0)]
        if pts:
            d = " ".join(f"{_f(a)},{_f(b)}" for a, b in pts)
            out.append(f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="1.6"/>')
            if markers:
                out += [f'<circle cx="{_f(a)}" cy="{_f(b)}" r="3" fill="{colour}"/>' for a, b in pts]
        ly = mt + 14 * i + 8
        out.append(f'<line x1="{ml + pw + 8}" y1="{ly}" x2="{ml + pw + 24}" y2="{ly}" '
                   f'stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{ml + pw + 28}" y="{ly + 4}" style="{_FONT}">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def bar_chart(
    values: Sequence[float | None],
    labels: Sequence[str],
    *,
    colours: Sequence[str] | None = None,
    title: str = "",
    y_label: str = "",
    y_max: float | None = None,
    width: int = 720,
    height: int = 240,
    reference_line: float | None = None,
) -> str:
    """Vertical bars, one per value (None is drawn as a missing bar), labels rotated below."""
    vals = [v if v is not None and math.isfinite(v) else None for v in values]
    top = y_max if y_max is not None else max([v for v in vals if v is not None] or [1.0]) * 1.1
    top = top if top > 0 else 1.0
    ml, mr, mt, mb = 48, 10, 28 if title else 10, 90
    pw, ph = width - ml - mr, height - mt - mb
    n = max(len(vals), 1)
    bw = pw / n
    out = [f'<svg width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>']
    if title:
        out.append(f'<text x="{ml}" y="16" style="{_FONT};font-weight:bold">{escape(title)}</text>')
    for v in _ticks(0.0, top):
        Y = mt + (1 - v / top) * ph
        out.append(f'<line x1="{ml}" y1="{_f(Y)}" x2="{ml + pw}" y2="{_f(Y)}" stroke="#ddd"/>')
        out.append(f'<text x="{ml - 4}" y="{_f(Y + 4)}" text-anchor="end" style="{_FONT}">'
                   f'{_fmt_tick(v)}</text>')
    for i, v in enumerate(vals):
        x = ml + i * bw
        colour = colours[i] if colours else PALETTE[0]
        if v is not None:
            hgt = min(max(v, 0.0), top) / top * ph
            out.append(f'<rect x="{_f(x + 0.15 * bw)}" y="{_f(mt + ph - hgt)}" width="{_f(0.7 * bw)}" '
                       f'height="{_f(hgt)}" fill="{colour}" stroke="#333" stroke-width="0.5">'
                       f'<title>{escape(labels[i])}: {v:.2f}</title></rect>')
        cx, cy = x + bw / 2, mt + ph + 6
        out.append(f'<text x="{_f(cx)}" y="{_f(cy)}" text-anchor="end" style="{_FONT}" '
                   f'transform="rotate(-60 {_f(cx)} {_f(cy)})">{escape(labels[i])}</text>')
    if reference_line is not None and 0 < reference_line < top:
        Y = mt + (1 - reference_line / top) * ph
        out.append(f'<line x1="{ml}" y1="{_f(Y)}" x2="{ml + pw}" y2="{_f(Y)}" stroke="#d62728" '
                   f'stroke-dasharray="4 3"/>')
    out.append(f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    out.append(f'<text x="12" y="{mt + ph / 2:.1f}" text-anchor="middle" style="{_FONT}" '
               f'transform="rotate(-90 12 {mt + ph / 2:.1f})">{escape(y_label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def swatch_pairs(reference: Sequence[Sequence[float]], measured: Sequence[Sequence[float]],
                 labels: Sequence[str], *, columns: int = 6, size: int = 56) -> str:
    """ColorChecker-style grid: each patch split, reference (left) and measured (right).

    Colours are display-encoded sRGB in [0, 1].
    """
    rows = -(-len(labels) // columns)
    gap = 8
    w = columns * (size + gap) + gap
    h = rows * (size + gap + 14) + gap
    out = [f'<svg width="{w}" height="{h}" '
           f'viewBox="0 0 {w} {h}" role="img" aria-label="reference and measured patches">',
           f'<rect x="0" y="0" width="{w}" height="{h}" fill="#333"/>']
    for k, label in enumerate(labels):
        r, c = divmod(k, columns)
        x, y = gap + c * (size + gap), gap + r * (size + gap + 14)
        out.append(f'<rect x="{x}" y="{y}" width="{size // 2}" height="{size}" '
                   f'fill="{rgb_hex(reference[k])}"><title>{escape(label)} (reference)</title></rect>')
        out.append(f'<rect x="{x + size // 2}" y="{y}" width="{size - size // 2}" height="{size}" '
                   f'fill="{rgb_hex(measured[k])}"><title>{escape(label)} (measured)</title></rect>')
        out.append(f'<text x="{x + size / 2:.1f}" y="{y + size + 11}" text-anchor="middle" '
                   f'style="{_FONT};fill:#eee;font-size:9px">{escape(label[:14])}</text>')
    out.append("</svg>")
    return "\n".join(out)
