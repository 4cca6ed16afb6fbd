"""The versioned lab score: attribute sub-scores and an overall score, DxOMark-style.

How a score is made
-------------------
1. **Components.** Every measured number ``x`` (a key of a condition's ``metrics``) is mapped to
   0-100 by one straight line between two anchors, clipped::

       s = 100 * clip((x - zero) / (full - zero), 0, 1)

   ``full`` is the value that earns 100 and ``zero`` the value that earns 0 (``zero > full``
   when lower is better). ``absolute`` components use ``|x|``. A measurement that failed
   (recorded as ``None``: the image was unusable for it) scores 0; a metric that was not
   measured under a condition (no key) is left out there.
2. **Attributes per condition.** The weighted mean of the attribute's components present.
3. **Attributes overall.** The weighted mean over conditions of the per-condition attribute
   scores, with the condition weights of the table (renormalised over the conditions where the
   attribute was measured).
4. **Overall.** ``overall = sum(w_a * S_a) / sum(w_a)`` over the attributes *present*.
   Attributes without measurements (the ``video`` slot; ``bokeh`` for pipelines without a
   portrait mode; ``night`` and ``bokeh`` for runs with ``capabilities=False``) are
   excluded - listed in ``LabScore.absent`` - so a score computed with more attributes is a new
   score version, never a silent mix.

The mappings of version 1.2.0 (the table :data:`SCORE_FORMULA` is the authority)::

    attribute  metric               100 at   0 at     mapping                  weight
    exposure   |ev_error| (EV)      0        2        100 - 50 |EV|            1.0
    exposure   dr_stops             14       6        12.5 per stop above 6    0.5 (one condition)
    colour     de00_mean            0        12       100 - 8.33 dE00          0.7
    colour     wb_error_deg         0        10       100 - 10 per degree      0.3
    texture    texture_acutance     1.0      0.2      125 (A - 0.2)            0.6
    texture    edge_acutance        0.92     0.2      ideal area-sampled edge  0.4
    noise      visual_noise         0        10       100 - 10 VN              0.6
    noise      snr_db               40       10       3.33 per dB above 10     0.4
    artefacts  overshoot_pct        3        40       halo above 3 % costs     0.3
    artefacts  ringing_pct          1        15                                0.1
    artefacts  false_colour_chroma  1        20       mean C*ab, zone plate    0.3
    artefacts  moire_index          5        40       aliasing RMS, %          0.3
    exposure   hdr_dr_stops         20       8        8.33 per stop above 8    (hdr condition)
    artefacts  hdr_halo_pct         2        20       halo above 2 % costs     (hdr condition)
    night      night_psnr_db        34       14       5 per dB above 14        0.4
    night      night_gain_db        6        0        16.7 per dB merge gain   0.4
    night      night_subject_db     0        -3       ghosting: 33 per dB      0.2
    bokeh      bokeh_score          100      0        portrait_scenes score    1.0
    zoom       zoom_texture_acutance 1.0     0.2      125 (A - 0.2)            0.3
    zoom       zoom_edge_acutance   0.92     0.2      ideal area-sampled edge  0.3
    zoom       zoom_mtf50_gain      1.5      1.0      200 per unit above 1     0.4

Condition weights: 1 lux 0.10, 5 lux 0.15, 20 lux 0.20, 100 lux 0.25, 1000 lux 0.30 (a condition
not in the table weighs 0.2). The capability measurements of :mod:`brightroom.lab.capabilities`
are scored under pseudo-conditions holding only their own metrics: ``night-1lux`` 0.6 and
``night-5lux`` 0.4 (night), ``hdr`` 0.5 (exposure: the merged bracket's range; artefacts: the
halo of the tone mapping), ``portrait`` 1.0 (bokeh), ``zoom-2x`` 0.6 and ``zoom-3x`` 0.4 (zoom).
So HDR is a third of the exposure score
(0.5 next to the lighting conditions' 1.0) and a third of artefacts. Attribute weights:
exposure, colour, texture, noise, artefacts, bokeh, night, zoom 1.0 each; the video slot 1.0
once it exists.

Version history: 1.0.0 (hash ``95a2747bc12b908b``) scored the chart wall only; 1.1.0 adds the
night and bokeh sub-scores and folds HDR into exposure (range) and artefacts (halo): HDR
capture is the dynamic-range part of exposure in the DXOMARK protocol, and the attribute list
(a column per attribute in the leaderboard) stays as it was. Pipelines that cannot merge
bursts (rawpy, external commands) are measured on their single frame (night gain 0, ghosting 0,
the EV 0 frame's range); pipelines without a portrait mode have no bokeh sub-score (absent, not 0).
1.2.0 adds the zoom sub-score (DXOMARK scores zoom as its own attribute): acutance and MTF50
gain of 2x and 3x renders from simulated hand-held bursts against the same pipeline's
single-frame digital zoom (pipelines that cannot merge bursts score their digital zoom, gain 1).

Versioning: :data:`SCORE_VERSION` is stored with every score; :func:`formula_hash` fingerprints
the whole table (anchors, weights, the full shooting plan, whose lux levels and chart sizes
change what is measured, and the capability tests' settings). The test suite records the
hash of each released version, so changing any number without bumping the version fails the
tests. Leaderboards rank only scores of the
same version.

References
----------
DXOMARK, "Smartphone camera test protocol" (public overview of attribute sub-scores: exposure,
colour, texture, noise, artifacts, bokeh, night, video; scores per lighting condition combined).
IEEE 1858-2016 (CPIQ): acutance and visual noise as the perceptual texture and noise measures.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from brightroom.errors import InputError, ParameterError
from brightroom.lab.capabilities import capabilities_spec
from brightroom.lab.conditions import FULL_PLAN

__all__ = [
    "SCORE_VERSION",
    "SCORE_FORMULA",
    "ScoreFormula",
    "Attribute",
    "Component",
    "LabScore",
    "component_score",
    "score_conditions",
    "formula_hash",
    "ATTRIBUTES",
]

SCORE_VERSION = "1.2.0"
"""Version of the score formula. Bump it whenever anything in :data:`SCORE_FORMULA` changes."""


@dataclass(frozen=True)
class Component:
    """One measured number mapped to 0-100 by a clipped straight line.

    Attributes
    ----------
    metric
        Key in a condition's ``metrics``.
    full, zero
        The values scoring 100 and 0.
    weight
        Weight within its attribute.
    absolute
        Score ``|x|`` (for signed errors).
    doc
        What the number is, with its unit.
    """

    metric: str
    full: float
    zero: float
    weight: float = 1.0
    absolute: bool = False
    doc: str = ""

    def __post_init__(self) -> None:
        if self.full == self.zero:
            raise ParameterError(f"component {self.metric}: full and zero anchors must differ")
        if not self.weight > 0:
            raise ParameterError(f"component {self.metric}: weight must be > 0")


@dataclass(frozen=True)
class Attribute:
    """A sub-score: a name, its weight in the overall score and its components."""

    name: str
    weight: float
    components: tuple[Component, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class ScoreFormula:
    """Everything a score depends on, in one table (see the module documentation)."""

    version: str
    attributes: tuple[Attribute, ...]
    condition_weights: tuple[tuple[str, float], ...]
    default_condition_weight: float
    plan: Mapping[str, Any] = field(default_factory=dict)

    def attribute(self, name: str) -> Attribute:
        """The attribute called ``name``."""
        for a in self.attributes:
            if a.name == name:
                return a
        raise ParameterError(f"unknown score attribute {name!r}; known: "
                             f"{', '.join(a.name for a in self.attributes)}")

    def condition_weight(self, name: str) -> float:
        """Weight of the condition called ``name``."""
        return dict(self.condition_weights).get(name, self.default_condition_weight)

    def to_dict(self) -> dict[str, Any]:
        """The table as JSON-ready data (what :func:`formula_hash` fingerprints)."""
        return json.loads(json.dumps(dataclasses.asdict(self), sort_keys=True))


def _full_plan() -> dict[str, Any]:

    d = FULL_PLAN.to_dict()
    d["capabilities"] = capabilities_spec()  # what the night / hdr / bokeh tests shoot
    return d


SCORE_FORMULA = ScoreFormula(
    version=SCORE_VERSION,
    attributes=(
        Attribute("exposure", 1.0, (
            Component("ev_error", 0.0, 2.0, 1.0, True, "exposure error of an 18 % grey, EV"),
            Component("dr_stops", 14.0, 6.0, 0.5, False,
                      "scene-referred dynamic range at SNR 1, stops (one condition)"),
            Component("hdr_dr_stops", 20.0, 8.0, 1.0, False,
                      "dynamic range at SNR 1 of the (merged) EV 0/-4/+4 bracket of the 14-stop "
                      "step chart, raw green, stops (the 'hdr' capability condition)"),
        ), "right brightness of a mid grey, and the range of light captured"),
        Attribute("colour", 1.0, (
            Component("de00_mean", 0.0, 12.0, 0.7, False,
                      "mean CIEDE2000 over the 24 ColorChecker patches (exposure-normalised)"),
            Component("wb_error_deg", 0.0, 10.0, 0.3, False,
                      "angular error of the neutral patches' RGB, degrees"),
        ), "colour fidelity and white balance"),
        Attribute("texture", 1.0, (
            Component("texture_acutance", 1.0, 0.2, 0.6, False,
                      "CPIQ texture acutance of the dead-leaves chart (noise-compensated)"),
            Component("edge_acutance", 0.92, 0.2, 0.4, False,
                      "CPIQ edge acutance of the slanted edge (0.92: an ideal pixel-area "
                      "sampled edge)"),
        ), "fine detail and sharpness"),
        Attribute("noise", 1.0, (
            Component("visual_noise", 0.0, 10.0, 0.6, False,
                      "ISO 15739 visual noise of an 18 % flat field, monitor at 100 %"),
            Component("snr_db", 40.0, 10.0, 0.4, False,
                      "luminance SNR of an 18 % flat field, dB"),
        ), "visible noise"),
        Attribute("artefacts", 1.0, (
            Component("overshoot_pct", 3.0, 40.0, 0.3, False,
                      "edge overshoot (sharpening halo), % of the edge step"),
            Component("ringing_pct", 1.0, 15.0, 0.1, False, "edge ringing beyond the first lobe, %"),
            Component("false_colour_chroma", 1.0, 20.0, 0.3, False,
                      "mean C*ab on a neutral zone plate (demosaicing false colour)"),
            Component("moire_index", 5.0, 40.0, 0.3, False,
                      "aliasing RMS on a zone plate, % of the true modulation"),
            Component("hdr_halo_pct", 2.0, 20.0, 1.0, False,
                      "max(overshoot, undershoot) at a 100:1 edge after the pipeline's tone "
                      "mapping, % of the step (the 'hdr' capability condition)"),
        ), "halos, false colour and moire"),
        Attribute("bokeh", 1.0, (
            Component("bokeh_score", 100.0, 0.0, 1.0, False,
                      "mean portrait_scenes.bokeh_score over the lab portrait scenes (PSNR "
                      "against the exact layered rendering, overall and at the silhouette)"),
        ), "portrait-mode synthetic depth of field (absent for pipelines without one)"),
        Attribute("night", 1.0, (
            Component("night_psnr_db", 34.0, 14.0, 0.4, False,
                      "PSNR of the night shot (8-frame hand-held burst, merged if the pipeline "
                      "can) against the scene, exposure-fitted, sRGB-encoded, dB"),
            Component("night_gain_db", 6.0, 0.0, 0.4, False,
                      "night shot PSNR minus the reference frame alone, same pipeline, dB"),
            Component("night_subject_db", 0.0, -3.0, 0.2, False,
                      "the same difference inside the moving subject (negative: ghosting), dB"),
        ), "night-mode burst quality at 1 and 5 lux"),
        Attribute("zoom", 1.0, (
            Component("zoom_texture_acutance", 1.0, 0.2, 0.3, False,
                      "CPIQ texture acutance of the zoomed dead-leaves render (2x, 3x of an "
                      "8-frame hand-held burst)"),
            Component("zoom_edge_acutance", 0.92, 0.2, 0.3, False,
                      "CPIQ edge acutance of the zoomed slanted edge"),
            Component("zoom_mtf50_gain", 1.5, 1.0, 0.4, False,
                      "MTF50 of the zoomed edge over the same pipeline's single-frame digital "
                      "zoom (1: no gain, 1.5: the issue's bar)"),
        ), "2x and 3x digital zoom from a hand-held burst (multi-frame super-resolution)"),
        Attribute("video", 1.0, (), "slot: video quality (a later issue)"),
    ),
    condition_weights=(("1lux", 0.10), ("5lux", 0.15), ("20lux", 0.20), ("100lux", 0.25),
                       ("1000lux", 0.30), ("night-1lux", 0.6), ("night-5lux", 0.4),
                       ("hdr", 0.5), ("portrait", 1.0), ("zoom-2x", 0.6), ("zoom-3x", 0.4)),
    default_condition_weight=0.2,
    plan=_full_plan(),
)
"""The score formula of :data:`SCORE_VERSION`."""

ATTRIBUTES: tuple[str, ...] = tuple(a.name for a in SCORE_FORMULA.attributes)


def formula_hash(formula: ScoreFormula = SCORE_FORMULA) -> str:
    """SHA-256 (first 16 hex digits) of the formula table *without* its version string."""
    d = formula.to_dict()
    d.pop("version", None)
    text = json.dumps(d, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def component_score(c: Component, value: float | None) -> float:
    """The 0-100 score of ``value`` (0 for a failed measurement, ``None``/NaN)."""
    if value is None:
        return 0.0
    x = float(value)
    if not math.isfinite(x):
        return 0.0
    if c.absolute:
        x = abs(x)
    t = (x - c.zero) / (c.full - c.zero)
    return 100.0 * min(max(t, 0.0), 1.0)


@dataclass(frozen=True)
class LabScore:
    """A computed score.

    Attributes
    ----------
    version, formula_hash
        :data:`SCORE_VERSION` and :func:`formula_hash` of the formula used.
    overall
        The overall score (0-100).
    attributes
        Attribute -> score, ``None`` for attributes absent from this run.
    per_condition
        Condition -> attribute -> score.
    components
        Condition -> attribute -> metric -> component score.
    absent
        Attributes excluded from the overall score (no measurement).
    failed
        ``"condition/metric"`` of measurements that failed and scored 0.
    formula
        One-line statement of how ``overall`` was combined.
    """

    version: str
    formula_hash: str
    overall: float
    attributes: Mapping[str, float | None]
    per_condition: Mapping[str, Mapping[str, float]]
    components: Mapping[str, Mapping[str, Mapping[str, float]]]
    absent: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    formula: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LabScore:
        """Inverse of :meth:`to_dict`."""
        try:
            return cls(str(d["version"]), str(d["formula_hash"]), float(d["overall"]),
                       dict(d["attributes"]), dict(d["per_condition"]), dict(d["components"]),
                       tuple(d.get("absent", ())), tuple(d.get("failed", ())),
                       str(d.get("formula", "")))
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(f"not a lab score: {type(e).__name__}: {e}") from None


def score_conditions(metrics: Mapping[str, Mapping[str, float | None]],
                     formula: ScoreFormula = SCORE_FORMULA) -> LabScore:
    """Score the per-condition summary metrics of a lab run.

    Parameters
    ----------
    metrics
        Condition name -> metric name -> value (``None`` = measurement failed).
    formula
        The formula table (:data:`SCORE_FORMULA`).

    Returns
    -------
    LabScore

    Raises
    ------
    ParameterError
        No conditions, or no attribute could be scored at all.
    """
    if not metrics:
        raise ParameterError("no conditions to score")
    per_cond: dict[str, dict[str, float]] = {}
    comps: dict[str, dict[str, dict[str, float]]] = {}
    failed: list[str] = []
    for cond, m in metrics.items():
        per_cond[cond], comps[cond] = {}, {}
        for attr in formula.attributes:
            num = den = 0.0
            got: dict[str, float] = {}
            for c in attr.components:
                if c.metric not in m:
                    continue
                if m[c.metric] is None:
                    failed.append(f"{cond}/{c.metric}")
                s = component_score(c, m[c.metric])
                got[c.metric] = s
                num += c.weight * s
                den += c.weight
            if den > 0:
                per_cond[cond][attr.name] = num / den
                comps[cond][attr.name] = got
    attributes: dict[str, float | None] = {}
    for attr in formula.attributes:
        num = den = 0.0
        for cond in metrics:
            if attr.name in per_cond[cond]:
                w = formula.condition_weight(cond)
                num += w * per_cond[cond][attr.name]
                den += w
        attributes[attr.name] = num / den if den > 0 else None
    present = [a for a in formula.attributes if attributes[a.name] is not None]
    if not present:
        raise ParameterError("no score attribute could be computed: the conditions hold none of "
                             "the metrics the formula reads")
    wsum = sum(a.weight for a in present)
    overall = sum(a.weight * attributes[a.name] for a in present) / wsum  # type: ignore[operator]
    absent = tuple(a.name for a in formula.attributes if attributes[a.name] is None)
    text = ("overall = weighted mean of " + ", ".join(f"{a.name} (w={a.weight:g})" for a in present)
            + (f"; excluded as not measured: {', '.join(absent)}" if absent else ""))
    return LabScore(formula.version, formula_hash(formula), float(overall), attributes, per_cond,
                    comps, absent, tuple(failed), text)
