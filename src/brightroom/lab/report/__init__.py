"""The lab report: a self-contained HTML page with inline SVG plots, plus ``results.json``."""

from brightroom.lab.report.html import lab_d50_to_display, render_html, write_report
from brightroom.lab.report.svg import bar_chart, line_chart, swatch_pairs

__all__ = ["write_report", "render_html", "lab_d50_to_display", "line_chart", "bar_chart",
           "swatch_pairs"]
