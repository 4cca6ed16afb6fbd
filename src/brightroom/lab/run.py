"""The lab's scoring run: photograph the chart wall under every condition, develop, measure, score.

For each :class:`~brightroom.lab.conditions.Condition` of a shooting plan:

1. build the chart wall (:func:`~brightroom.lab.conditions.chart_wall`) and photograph it with
   the virtual camera (:func:`brightroom.lab.camera.simulate`, auto exposure, seeded);
2. run the pipeline under test (raw -> display-encoded :class:`~brightroom.types.Image`);
3. undo the output transfer curve (metrics work on linear light), crop each chart by its
   known position (the ground truth of the wall) and measure it with :mod:`brightroom.lab.metrics`;
4. with ``capabilities=True``, run the night / HDR / bokeh tests of
   :mod:`brightroom.lab.capabilities` (scored under their own pseudo-conditions);
5. score the summary numbers with :mod:`brightroom.lab.score`.

The same ``seed`` gives the same image noise, so the same scores (to float rounding).

Sharpness (slanted edge) and texture (dead leaves) are measured on *scene-linear* luminance:
the output is mapped back through the pipeline's tone curve (its OECF, ISO 14524) measured on
the ColorChecker's neutral row of the same photograph, as ISO 12233 asks, so a global tone
curve changes neither MTF nor texture acutance. Each neutral patch is read relative to the 18 %
grey board next to it, so lens falloff is not mistaken for a tone curve.

Dynamic range is measured scene-referred: the step chart's patches are mapped back to scene
luminance through the pipeline's measured tone curve (its opto-electronic conversion function
from the same chart, ISO 14524), so noise is divided by the local gain of the curve (the
incremental-gain method of ISO 15739) and a tone curve that lifts shadows neither gains nor
loses dynamic range by itself.

References
----------
ISO 12233:2017 (e-SFR), ISO 15739:2023 (noise, dynamic range, incremental gain),
ISO 14524:2009 (OECF), IEEE 1858-2016 (CPIQ texture acutance and visual noise),
CIE 142-2001 (CIEDE2000).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import platform
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from brightroom._version import __version__
from brightroom.charts.colorchecker import COLORCHECKER_NEUTRALS, COLORCHECKER_WB_NEUTRALS
from brightroom.charts.scene import WAVELENGTHS, spectra_xyz
from brightroom.color.spaces import decode
from brightroom.errors import BrightroomError, InputError, ParameterError, PipelineError
from brightroom.lab import capabilities as lab_capabilities
from brightroom.lab.camera import simulate
from brightroom.lab.conditions import (
    ChartWall,
    Condition,
    ShootingPlan,
    chart_wall,
    check_camera,
    condition_seed,
    get_plan,
)
from brightroom.lab.metrics import (
    colorchecker_accuracy,
    dead_leaves_mtf,
    edge_ringing,
    exposure_error,
    false_colour,
    moire,
    sfr,
    snr,
    visual_noise,
    wb_angular_error,
    xyz_to_lab,
)
from brightroom.lab.metrics._common import _jsonable, to_gray
from brightroom.lab.pipelines import LabPipeline, get_pipeline
from brightroom.lab.score import LabScore, score_conditions
from brightroom.types import Image, RawImage

__all__ = ["ConditionResult", "LabResults", "run_lab", "measure_wall", "RESULTS_FORMAT"]

RESULTS_FORMAT = 1
"""Version of the ``results.json`` layout (not of the score: see ``score.SCORE_VERSION``)."""

EDGE_HALF_WIDTH = 24
"""Half width (px) of the window across the slanted edge."""
BOARD_REACH = 12
"""How far from a chart (px) its surrounding grey board is read."""
SNR_CAP = 1e5
"""SNR reported for a noise-free patch (100 dB)."""


@dataclass(frozen=True, eq=False)
class ConditionResult:
    """What was measured under one condition.

    Attributes
    ----------
    condition
        The lighting condition.
    seed
        Noise seed the photograph used.
    iso, exposure_time
        What auto exposure chose.
    metrics
        Summary numbers the score reads (name -> float, or None when the measurement failed).
    details
        Chart -> full metric results (``to_dict()`` of each, curves included).
    errors
        Chart -> message of a measurement that failed (the image was unusable for it).
    timings
        Seconds spent simulating, in the pipeline and measuring (not part of the score).
    """

    condition: Condition
    seed: int
    iso: float
    exposure_time: float
    metrics: Mapping[str, float | None]
    details: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    timings: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"condition": self.condition.to_dict(), "seed": self.seed, "iso": self.iso,
                "exposure_time": self.exposure_time, "metrics": _jsonable(dict(self.metrics)),
                "details": _jsonable(dict(self.details)), "errors": dict(self.errors),
                "timings": dict(self.timings)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ConditionResult:
        """Inverse of :meth:`to_dict`."""
        return cls(Condition.from_dict(d["condition"]), int(d["seed"]), float(d["iso"]),
                   float(d["exposure_time"]), dict(d["metrics"]), dict(d.get("details", {})),
                   dict(d.get("errors", {})), dict(d.get("timings", {})))


@dataclass(frozen=True, eq=False)
class LabResults:
    """A full lab run: what was run, what was measured and the versioned score.

    Attributes
    ----------
    pipeline, pipeline_description
        The pipeline's name (as given to :func:`~brightroom.lab.pipelines.get_pipeline`).
    camera
        Camera preset name.
    seed
        The run's seed.
    plan
        The shooting plan used (scores of different plans are not comparable).
    conditions
        One :class:`ConditionResult` per condition, in plan order.
    score
        The :class:`~brightroom.lab.score.LabScore` (carries ``SCORE_VERSION``).
    created
        UTC time of the run, ISO 8601.
    brightroom_version, machine
        Provenance.
    elapsed_s
        Wall time of the run.
    notes
        Free remarks (e.g. "reduced plan").
    capabilities
        The result of :func:`brightroom.lab.capabilities.measure_capabilities` (``metrics``
        per pseudo-condition, ``details``, ``errors``, ``timings``), or ``None`` when the run
        skipped them.
    """

    pipeline: str
    camera: str
    seed: int
    plan: ShootingPlan
    conditions: tuple[ConditionResult, ...]
    score: LabScore
    pipeline_description: str = ""
    created: str = ""
    brightroom_version: str = ""
    machine: str = ""
    elapsed_s: float = 0.0
    notes: tuple[str, ...] = ()
    capabilities: Mapping[str, Any] | None = None

    @property
    def score_version(self) -> str:
        """The score formula version the score was computed with."""
        return self.score.version

    @property
    def overall(self) -> float:
        """The overall score."""
        return self.score.overall

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``json.dumps(..., allow_nan=False)`` works)."""
        return {
            "format": RESULTS_FORMAT,
            "pipeline": self.pipeline,
            "pipeline_description": self.pipeline_description,
            "camera": self.camera,
            "seed": self.seed,
            "plan": self.plan.to_dict(),
            "score_version": self.score.version,
            "score": self.score.to_dict(),
            "conditions": [c.to_dict() for c in self.conditions],
            "created": self.created,
            "brightroom_version": self.brightroom_version,
            "machine": self.machine,
            "elapsed_s": self.elapsed_s,
            "notes": list(self.notes),
            "capabilities": _jsonable(dict(self.capabilities)) if self.capabilities else None,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LabResults:
        """Inverse of :meth:`to_dict` (reads a ``results.json``)."""
        try:
            if int(d.get("format", 0)) != RESULTS_FORMAT:
                raise InputError(f"results format {d.get('format')!r} is not {RESULTS_FORMAT}")
            return cls(
                pipeline=str(d["pipeline"]),
                camera=str(d["camera"]),
                seed=int(d["seed"]),
                plan=ShootingPlan.from_dict(d["plan"]),
                conditions=tuple(ConditionResult.from_dict(c) for c in d["conditions"]),
                score=LabScore.from_dict(d["score"]),
                pipeline_description=str(d.get("pipeline_description", "")),
                created=str(d.get("created", "")),
                brightroom_version=str(d.get("brightroom_version", "")),
                machine=str(d.get("machine", "")),
                elapsed_s=float(d.get("elapsed_s", 0.0)),
                notes=tuple(d.get("notes", ())),
                capabilities=d.get("capabilities") or None,
            )
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(f"not a Brightroom lab results document: {type(e).__name__}: {e}") from None

    def replace(self, **changes: Any) -> LabResults:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)


def machine_description() -> str:
    """``"Linux x86_64, 2 CPUs, Python 3.11.9"``-style one-liner."""
    import os

    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
            f"{platform.processor() or 'unknown CPU'}, Python {platform.python_version()}")


# --------------------------------------------------------------------------- measurement

def _inset(box: tuple[int, int, int, int], m: int) -> tuple[int, int, int, int]:
    y0, x0, y1, x1 = box
    return y0 + m, x0 + m, y1 - m, x1 - m


def _crop(a: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    y0, x0, y1, x1 = box
    return a[y0:y1, x0:x1]


def _linear(image: Image) -> np.ndarray:
    """The image as linear light (float32 ``H x W x 3``)."""
    data = np.asarray(image.data, dtype=np.float32)
    if image.transfer == "linear":
        return data.copy()
    return decode(data, image.transfer)


def _guard(errors: dict[str, str], chart: str, fn, *args, **kwargs):
    """Run one measurement; a BrightroomError (unusable image) is recorded, not raised."""
    try:
        return fn(*args, **kwargs)
    except BrightroomError as e:
        errors[chart] = f"{type(e).__name__}: {e}"
        return None


def _spectral_reference_lab(chart) -> np.ndarray:
    """CIELAB (D50) of the simulated chart's own patch spectra.

    The virtual chart *is* its spectra, so its exact colorimetry is the reference (X-Rite's
    printed values for physical charts differ from these measured spectra by about 1.2 dE00
    on average): a perfect camera then scores 0 dE00 in daylight.
    """
    white = spectra_xyz(np.ones((1, WAVELENGTHS.size)), "D50")[0]
    return xyz_to_lab(spectra_xyz(chart.spectra, "D50"), white)


def _measure_colorchecker(lin: np.ndarray, space: str, box, chart) -> tuple[dict, dict]:
    gt = chart.ground_truth
    y0, x0 = box[:2]
    means = np.empty((24, 3))
    for k, (py0, px0, py1, px1) in enumerate(np.asarray(gt["boxes"])):
        m = max(1, (py1 - py0) // 4)
        patch = lin[y0 + py0 + m:y0 + py1 - m, x0 + px0 + m:x0 + px1 - m]
        means[k] = patch.reshape(-1, 3).mean(axis=0)
    reference = _spectral_reference_lab(chart)
    cc = colorchecker_accuracy(means, reference, space)
    neutral = means[list(COLORCHECKER_WB_NEUTRALS)].mean(axis=0)
    wb = wb_angular_error(neutral)
    metrics = {"de00_mean": cc.mean, "de00_max": cc.max, "dc00_mean": cc.mean_c,
               "wb_error_deg": float(wb)}
    details = {"colorchecker": cc.to_dict(), "patch_rgb_linear": means.tolist(),
               "reference_lab": reference.tolist(),
               "reference": "CIELAB (D50) of the chart's own spectra (Ohta), CIE 015:2018",
               "wb_neutral_rgb": neutral.tolist(), "wb_error_deg": float(wb)}
    return metrics, details


def _board_level(y: np.ndarray, board: np.ndarray, rows: tuple[int, int],
                 cols: tuple[int, int]) -> float | None:
    """Median output luminance of the grey board inside ``rows x cols`` (None if too few)."""
    r0, r1 = max(rows[0], 0), min(rows[1], y.shape[0])
    c0, c1 = max(cols[0], 0), min(cols[1], y.shape[1])
    if r0 >= r1 or c0 >= c1:
        return None
    vals = y[r0:r1, c0:c1][board[r0:r1, c0:c1]]
    return float(np.median(vals)) if vals.size >= 16 else None


def _board_around(y: np.ndarray, board: np.ndarray, box, reach: int = BOARD_REACH) -> float | None:
    """The board's level in a ring around a chart."""
    y0, x0, y1, x1 = box
    return _board_level(y, board, (y0 - reach, y1 + reach), (x0 - reach, x1 + reach))


def _oecf_from_colorchecker(y: np.ndarray, board: np.ndarray, box, chart
                            ) -> tuple[np.ndarray, np.ndarray] | None:
    """The pipeline's tone curve from the ColorChecker's neutral row (ISO 14524 OECF).

    Each neutral patch is read *relative to the 18 % board just below it*, so lens falloff
    (different at each patch) does not masquerade as a tone curve; for a tone curve ``T`` and
    falloff ``v`` the ratio ``T(v s) / T(v 0.18)`` depends on ``v`` only through the curve's
    local shape (not at all for a power law).

    Returns
    -------
    (relative output, scene)
        Increasing output / board ratios and the scene luminances (Y, white = 1) they show,
        or None when fewer than 3 neutral patches are usable (clipped or not increasing).
    """
    gt = chart.ground_truth
    y0, x0, cy1 = box[0], box[1], box[2]
    scene_y = np.asarray(gt["xyz_d65"], dtype=np.float64)[:, 1]
    ring = _board_around(y, board, box)
    pts = []
    for k in COLORCHECKER_NEUTRALS:  # white 9.5 ... black 2, bright to dark
        py0, px0, py1, px1 = np.asarray(gt["boxes"])[k]
        m = max(1, (py1 - py0) // 4)
        out = float(y[y0 + py0 + m:y0 + py1 - m, x0 + px0 + m:x0 + px1 - m].mean())
        below = _board_level(y, board, (cy1, cy1 + BOARD_REACH), (x0 + px0, x0 + px1))
        ref = below if below is not None else ring
        if ref is None or not ref > 0:
            return None
        pts.append((scene_y[k], out, out / ref))
    sc, out, rel = (np.array(v) for v in zip(*pts))
    run = _monotonic_run(sc, rel, (out < 0.99) & (out > 0))  # not clipped at display white
    if len(run) < 3:
        return None
    run = run[::-1]  # dark to bright
    return rel[run], sc[run]


def _to_scene(lin: np.ndarray, oecf: tuple[np.ndarray, np.ndarray] | None,
              board: float | None) -> np.ndarray:
    """Luminance of ``lin`` mapped back to scene luminance through the inverse OECF.

    ``board`` is the board's output level around the chart: the OECF is relative to it.
    Without an OECF (or a board level) the luminance is returned as it is.
    """
    g = to_gray(np.asarray(lin, dtype=np.float64))
    if oecf is None or board is None or not board > 0:
        return g
    return _extrapolating_interp(g / board, oecf[0], oecf[1])


def _measure_edge(lin: np.ndarray, box, oecf=None, board=None) -> tuple[dict, dict]:
    # A narrow window across the edge (+-EDGE_HALF_WIDTH px): the plateaus stay flat even
    # where lens falloff tilts the chart's illumination. Linearised through the inverse OECF
    # first (ISO 12233:2017, clause 6.3).
    y0, x0, y1, x1 = _inset(box, 4)
    cx = (box[1] + box[3]) // 2
    roi = _crop(lin, (y0, max(x0, cx - EDGE_HALF_WIDTH), y1, min(x1, cx + EDGE_HALF_WIDTH)))
    res = sfr(_to_scene(roi, oecf, board))
    ring = edge_ringing(res.edge, smooth_px=0.25)
    nyq = res.freqs <= 0.5 + 1e-9
    metrics = {"mtf50": res.mtf50, "mtf50p": res.mtf50p, "mtf_nyquist": res.mtf_nyquist,
               "edge_acutance": res.edge_acutance, "overshoot_pct": ring.overshoot_pct,
               "undershoot_pct": ring.undershoot_pct, "ringing_pct": ring.ringing_pct,
               "rise_10_90_px": ring.rise_10_90_px}
    details = {"freqs": res.freqs[nyq].tolist(), "mtf": res.mtf[nyq].tolist(),
               "mtf50": res.mtf50, "mtf50p": res.mtf50p, "edge_acutance": res.edge_acutance,
               "angle_deg": res.angle_deg, "ringing": ring.to_dict(),
               "esf_positions": res.edge.positions.tolist(), "esf": res.edge.esf.tolist()}
    return metrics, details


def _measure_texture(lin: np.ndarray, box, chart, noise_box, oecf=None, board=None
                     ) -> tuple[dict, dict]:
    # linearised through the inverse OECF, then compared with the chart itself (same scale)
    g_img = _to_scene(_crop(lin, _inset(box, 4)), oecf, board)
    truth = _crop(chart.rgb, _inset((0, 0, *chart.shape), 4)).astype(np.float64)
    g_ref = to_gray(truth)
    gain = float(g_img.mean() / g_ref.mean()) if g_ref.mean() > 0 else 1.0
    noise = (_to_scene(_crop(lin, _inset(noise_box, 4)), oecf, board)
             if noise_box is not None else None)
    res = dead_leaves_mtf(g_img, reference=g_ref * gain, noise_patch=noise)
    metrics = {"texture_acutance": res.texture_acutance, "texture_mtf50": res.mtf50}
    details = {"freqs": res.freqs.tolist(), "mtf": res.mtf.tolist(),
               "mtf_uncorrected": res.mtf_uncorrected.tolist(),
               "texture_acutance": res.texture_acutance, "mtf50": res.mtf50, "gain": gain}
    return metrics, details


def _measure_flat(lin: np.ndarray, space: str, box) -> tuple[dict, dict]:
    crop = _crop(lin, _inset(box, 6))
    s = snr(crop, detrend=True)
    ev = exposure_error(crop, target=0.18)
    y = s.channels.index("Y")
    # a noise-free patch has infinite SNR: cap it (JSON has no infinity, and the score must
    # read it as excellent, not as a failed measurement)
    q = min(float(s.snr[y]), SNR_CAP)
    metrics = {"ev_error": ev.ev_error, "snr_db": 20.0 * math.log10(q) if q > 0 else -math.inf,
               "snr": q}
    details = {"snr": s.to_dict(), "exposure": ev.to_dict()}
    return metrics, details


def _measure_visual_noise(lin: np.ndarray, space: str, box) -> tuple[dict, dict]:
    crop = _crop(lin, _inset(box, 6))
    vn = visual_noise(crop, space=space)
    return {"visual_noise": vn.visual_noise}, {"visual_noise": vn.to_dict()}


def _measure_zone_plate(lin: np.ndarray, space: str, box, chart) -> tuple[dict, dict]:
    m = 2
    crop = _crop(lin, _inset(box, m))
    h, w = crop.shape[:2]
    gt = chart.ground_truth
    cx, cy = gt["center"][0] - m, gt["center"][1] - m
    yy, xx = np.mgrid[0:h, 0:w]
    inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= (gt["r_max"] - m) ** 2
    fc = false_colour(crop, mask=inside, space=space)
    truth = to_gray(_crop(chart.rgb, _inset((0, 0, *chart.shape), m)).astype(np.float64))
    mo = moire(crop, truth)
    metrics = {"false_colour_chroma": fc.mean_chroma, "false_colour_fraction": fc.false_colour_fraction,
               "moire_index": mo.moire_index}
    details = {"false_colour": fc.to_dict(), "moire": {"moire_index": mo.moire_index}}
    return metrics, details


def _extrapolating_interp(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """``np.interp`` with straight-line continuation of the end segments."""
    y = np.interp(x, xp, fp)
    lo, hi = x < xp[0], x > xp[-1]
    if np.any(lo):
        s = (fp[1] - fp[0]) / (xp[1] - xp[0])
        y[lo] = fp[0] + s * (x[lo] - xp[0])
    if np.any(hi):
        s = (fp[-1] - fp[-2]) / (xp[-1] - xp[-2])
        y[hi] = fp[-1] + s * (x[hi] - xp[-1])
    return y


def _monotonic_run(scene: np.ndarray, out: np.ndarray, ok: np.ndarray) -> list[int]:
    """Indices of the longest run of steps (adjacent in scene order) whose output rises with
    the scene, all ``ok``; brightest first.

    A tone curve can fold over at the top (local tone mapping compressing the brightest steps
    below the next ones) or flatten into the floor at the bottom: only the part where it
    separates the steps can be inverted.
    """
    order = [int(k) for k in np.argsort(scene)]  # dark to bright
    best: list[int] = []
    run: list[int] = []
    for k in order:
        if ok[k] and (not run or out[k] > out[run[-1]]):
            run.append(k)
        else:
            run = [k] if ok[k] else []
        if len(run) > len(best):
            best = list(run)
    return best[::-1]


def _measure_dynamic_range(lin: np.ndarray, box, chart) -> tuple[dict, dict]:
    """Scene-referred dynamic range (ISO 15739 incremental gain through the measured OECF)."""
    gt = chart.ground_truth
    y0, x0 = box[:2]
    scene = np.asarray(gt["reflectances"], dtype=np.float64)
    planes = []
    for py0, px0, py1, px1 in np.asarray(gt["boxes"]):
        m = max(1, (py1 - py0) // 5)
        planes.append(to_gray(lin[y0 + py0 + m:y0 + py1 - m, x0 + px0 + m:x0 + px1 - m]
                              .astype(np.float64)))
    means = np.array([p.mean() for p in planes])
    high = np.array([np.mean(p >= 0.999) > 0.01 for p in planes])  # display white clip
    low = np.array([np.mean(p <= 1e-6) > 0.01 for p in planes])     # display black clip
    ok = ~high & ~low & (means > 0)
    usable = _monotonic_run(scene, means, ok)  # brightest first
    if len(usable) < 3:
        raise InputError(f"dynamic range: only {len(usable)} usable steps on the chart")
    idx = np.array(usable[::-1])  # dark to bright
    oecf_out, oecf_in = means[idx], scene[idx]
    lin_patches = [_extrapolating_interp(planes[k], oecf_out, oecf_in) for k in usable]
    stats = [snr(p, detrend=True) for p in lin_patches]
    ratio = np.array([float(st.snr[0]) for st in stats])  # brightest first
    lev = scene[usable]
    dr: dict[float, float] = {}
    limited = False
    for k in (1.0, 10.0):
        ok = np.nonzero(ratio >= k)[0]
        if ok.size == 0:
            dr[k] = 0.0
            continue
        # top: the brightest step with SNR >= k (a strongly compressed shoulder can fall short);
        # bottom: where the SNR, walking up from the darkest step, first reaches k
        top, j = lev[ok[0]], int(ok[-1])
        if j == len(usable) - 1:
            bottom = lev[j]  # the darkest usable step still has SNR >= k: a lower bound
            limited = limited or k == 1.0
        else:
            lq0, lq1 = math.log(ratio[j]), math.log(max(ratio[j + 1], 1e-12))
            t = (math.log(k) - lq0) / (lq1 - lq0) if lq1 != lq0 else 0.0
            bottom = math.exp(math.log(lev[j]) + t * (math.log(lev[j + 1]) - math.log(lev[j])))
        dr[k] = float(math.log2(top / bottom))
    metrics = {"dr_stops": dr[1.0], "dr_snr10_stops": dr[10.0]}
    details = {"dr_stops": dr[1.0], "dr_snr10_stops": dr[10.0], "limited_by_chart": limited,
               "steps_used": len(usable), "scene": lev.tolist(), "snr": ratio.tolist(),
               "oecf_scene": oecf_in.tolist(), "oecf_output": oecf_out.tolist()}
    return metrics, details


def measure_wall(image: Image, wall: ChartWall) -> tuple[dict, dict, dict]:
    """Measure every chart of ``wall`` in the developed ``image``.

    Returns
    -------
    metrics, details, errors
        Summary numbers (None where a measurement failed), full results per chart, and the
        failure messages per chart.
    """
    lin = _linear(image)
    if lin.shape[:2] != wall.scene.shape:
        raise PipelineError(f"the pipeline returned a {lin.shape[1]}x{lin.shape[0]} image for a "
                            f"{wall.scene.shape[1]}x{wall.scene.shape[0]} raw; the lab needs the "
                            "full frame, uncropped")
    space = image.primaries if image.primaries != "camera" else "sRGB"
    metrics: dict[str, float | None] = {}
    details: dict[str, Any] = {}
    errors: dict[str, str] = {}
    b, c = wall.boxes, wall.charts
    # the grey board (away from chart borders) as a local reference level
    y = to_gray(lin.astype(np.float64))
    board = np.ones(y.shape, dtype=bool)
    for y0, x0, y1, x1 in b.values():
        board[max(y0 - 3, 0):y1 + 3, max(x0 - 3, 0):x1 + 3] = False
    oecf = None
    if "colorchecker" in b:
        oecf = _oecf_from_colorchecker(y, board, b["colorchecker"], c["colorchecker"])
        details["oecf"] = None if oecf is None else {"output_relative_to_board": oecf[0].tolist(),
                                                     "scene": oecf[1].tolist()}
    near = {name: _board_around(y, board, box) for name, box in b.items()}
    jobs = {
        "colorchecker": (("de00_mean", "de00_max", "dc00_mean", "wb_error_deg"),
                         lambda: _measure_colorchecker(lin, space, b["colorchecker"], c["colorchecker"])),
        "slanted-edge": (("mtf50", "mtf50p", "mtf_nyquist", "edge_acutance", "overshoot_pct",
                          "undershoot_pct", "ringing_pct", "rise_10_90_px"),
                         lambda: _measure_edge(lin, b["slanted-edge"], oecf, near["slanted-edge"])),
        "dead-leaves": (("texture_acutance", "texture_mtf50"),
                        lambda: _measure_texture(lin, b["dead-leaves"], c["dead-leaves"],
                                                 b.get("flat-texture"), oecf,
                                                 near["dead-leaves"])),
        "flat": (("ev_error", "snr_db", "snr"), lambda: _measure_flat(lin, space, b["flat"])),
        "visual-noise": (("visual_noise",), lambda: _measure_visual_noise(lin, space, b["flat"])),
        "zone-plate": (("false_colour_chroma", "false_colour_fraction", "moire_index"),
                       lambda: _measure_zone_plate(lin, space, b["zone-plate"], c["zone-plate"])),
        "dynamic-range": (("dr_stops", "dr_snr10_stops"),
                          lambda: _measure_dynamic_range(lin, b["dynamic-range"], c["dynamic-range"])),
    }
    for name, (keys, job) in jobs.items():
        chart = "flat" if name == "visual-noise" else name
        if chart not in b:
            continue
        out = _guard(errors, name, job)
        if out is None:
            metrics.update(dict.fromkeys(keys))
            continue
        m, d = out
        metrics.update({k: (float(v) if v is not None and math.isfinite(v) else None)
                        for k, v in m.items()})
        details[name] = d
    return metrics, details, errors


# --------------------------------------------------------------------------- the run

def _resolve_pipeline(pipeline: str | LabPipeline) -> LabPipeline:
    if isinstance(pipeline, LabPipeline):
        return pipeline
    if not isinstance(pipeline, str) or not pipeline.strip():
        raise ParameterError(f"pipeline must be a name such as 'brightroom:default' or 'rawpy', "
                             f"got {pipeline!r}")
    try:
        return get_pipeline(pipeline)
    except BrightroomError:
        raise
    except (ImportError, OSError) as e:
        raise PipelineError(f"pipeline {pipeline!r} is not available: {e}") from e


def _develop(pipe: LabPipeline, raw: RawImage) -> Image:
    try:
        img = pipe(raw)
    except BrightroomError:
        raise
    except Exception as e:  # a pipeline that crashes must not become a zero score
        raise PipelineError(f"pipeline {pipe.name!r} failed: {type(e).__name__}: {e}") from e
    if not isinstance(img, Image):
        raise PipelineError(f"pipeline {pipe.name!r} returned {type(img).__name__}, not an Image")
    return img


def run_lab(
    pipeline: str | LabPipeline,
    *,
    camera: str = "flagship-2022",
    seed: int = 0,
    conditions: str | ShootingPlan | Sequence[Condition] | None = None,
    capabilities: bool | None = None,
) -> LabResults:
    """Score ``pipeline`` in the virtual lab.

    Parameters
    ----------
    pipeline
        A name for :func:`~brightroom.lab.pipelines.get_pipeline` (``"brightroom:default"``,
        ``"rawpy"``, ``"cmd:..."``) or a :class:`~brightroom.lab.pipelines.LabPipeline`.
    camera
        Camera preset (``"flagship-2022"``, ``"budget-phone"``, ``"one-inch"``).
    seed
        Noise seed (>= 0); the same seed gives the same scores.
    conditions
        The shooting plan: ``None`` or ``"full"`` (:data:`~brightroom.lab.conditions.FULL_PLAN`,
        the one ranked scores use), ``"quick"``, ``"tiny"``, a
        :class:`~brightroom.lab.conditions.ShootingPlan` or a list of conditions (then shot
        with the full plan's chart sizes, as a plan called ``"custom"``).
    capabilities
        Also run the night / HDR / bokeh tests (:mod:`brightroom.lab.capabilities`, ~10-20 s).
        ``None`` (default): on for the full plan, off for the others (the quick and tiny plans
        the tests and the demo use). A run that departs from its plan's default is recorded
        under a plan named ``"<plan>+capabilities"`` or ``"<plan>-capabilities"`` so that the
        leaderboard (which ranks per plan) never mixes the two.

    Returns
    -------
    LabResults

    Raises
    ------
    ParameterError
        Unknown camera, plan or pipeline name, bad seed.
    PipelineError
        The pipeline failed or returned an unusable image.
    """
    check_camera(camera)
    if conditions is None or isinstance(conditions, (str, ShootingPlan)):
        plan = get_plan(conditions)
    else:
        conds = tuple(conditions)
        if not all(isinstance(c, Condition) for c in conds):
            raise ParameterError("conditions must be a plan name, a ShootingPlan or Condition objects")
        plan = ShootingPlan("custom", conds, get_plan("full").sizes, "custom list of conditions")
    condition_seed(seed, 0)  # validates the seed
    default_caps = plan.name == "full"
    caps = default_caps if capabilities is None else bool(capabilities)
    if caps != default_caps:
        plan = dataclasses.replace(plan, name=f"{plan.name}{'+' if caps else '-'}capabilities")
    pipe = _resolve_pipeline(pipeline)
    t_run = time.perf_counter()
    results = []
    for i, cond in enumerate(plan.conditions):
        wall = chart_wall(cond, plan.sizes)
        s = condition_seed(seed, i)
        t0 = time.perf_counter()
        raw = simulate(wall.scene, camera, lux=cond.lux, cct=cond.cct, seed=s)
        t1 = time.perf_counter()
        img = _develop(pipe, raw)
        t2 = time.perf_counter()
        metrics, details, errors = measure_wall(img, wall)
        t3 = time.perf_counter()
        results.append(ConditionResult(
            cond, s, float(raw.camera.iso), float(raw.camera.exposure_time), metrics, details,
            errors, {"simulate_s": t1 - t0, "pipeline_s": t2 - t1, "measure_s": t3 - t2}))
    cap_results = None
    scored: dict[str, Mapping[str, float | None]] = {r.condition.name: r.metrics for r in results}
    if caps:
        cap_results = lab_capabilities.measure_capabilities(pipe, seed=int(seed), camera=camera)
        clash = set(cap_results["metrics"]) & set(scored)
        if clash:
            raise ParameterError(f"condition names {sorted(clash)} are reserved for the "
                                 "capability tests")
        scored.update(cap_results["metrics"])
    score = score_conditions(scored)
    notes = []
    if not caps:
        notes.append("capability tests (night, HDR, bokeh) not run: those sub-scores are absent")
    if plan.name != "full":
        notes.append(f"shooting plan {plan.name!r} ({plan.description}): its scores are not "
                     "comparable with full-plan scores and are ranked separately")
    return LabResults(
        pipeline=pipe.name, camera=camera, seed=int(seed), plan=plan, conditions=tuple(results),
        score=score, pipeline_description=pipe.description,
        created=_dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        brightroom_version=__version__, machine=machine_description(),
        elapsed_s=time.perf_counter() - t_run, notes=tuple(notes), capabilities=cap_results)

