"""The lab's capability measurements: night (burst merge), HDR (bracket merge), bokeh, zoom.

These complement the chart wall of :mod:`brightroom.lab.run` with four small, seeded
experiments whose summary numbers feed the ``night``, ``hdr``, ``bokeh`` and ``zoom``
sub-scores of :mod:`brightroom.lab.score` (version 1.2.0). Each is measured under a
pseudo-condition (``night-1lux``, ``night-5lux``, ``hdr``, ``portrait``, ``zoom-2x``,
``zoom-3x``) whose metric names are unique to it, so the chart-wall attributes never see them.

night
    A hand-held burst (8 frames, ISO 6400, ~2 px shake, 0.1 deg rotation, a subject moving
    3 px per frame) of a 0.3 MP natural scene at 1 and 5 lux, simulated by
    :func:`brightroom.lab.camera.simulate_burst` (lens off, so the truth is the scene). A
    pipeline that can merge bursts (the Brightroom recipes) merges it with
    :func:`brightroom.burst.merge` (Wiener) and develops the merged raw; the reference frame
    alone goes through the same pipeline. Both are scored against
    :func:`brightroom.charts.scene.scene_truth_rgb` after a least-squares exposure scale
    (:func:`brightroom.color.metrics.exposure_fitted_psnr`, an 8-pixel border left out, as in
    ``benchmarks/bench_burst.py``): ``night_psnr_db`` (the shot the pipeline delivers),
    ``night_gain_db`` (merged minus single) and ``night_subject_db`` (the same difference
    inside the moving subject: negative means ghosting). Pipelines that cannot merge bursts
    (``rawpy``, ``cmd:``) deliver the single frame: gain 0 and subject difference 0.
hdr
    A bracket (EV 0 / -4 / +4, ISO 100, tripod) of the 14-stop step chart
    (:func:`brightroom.charts.dynamic_range_steps`, peak 8). ``hdr_dr_stops`` is the
    dynamic range (SNR 1, :func:`brightroom.lab.metrics.dynamic_range`) of the raw green
    channel of :func:`brightroom.burst.merge_hdr`'s result, or of the EV 0 frame for pipelines
    that cannot merge. ``hdr_halo_pct`` is the larger of overshoot and undershoot
    (:func:`brightroom.lab.metrics.edge_ringing`) at a 100:1 bright/dark slanted edge
    (EV 0 / -4 bracket) after the pipeline's own development (tone mapping included).
bokeh
    :func:`portrait_lab` (Brightroom's layered renderer, the lab's three portrait scenes of
    :mod:`brightroom.lab.portrait_scenes` at 256 px, f/1.8, depth only - the renderer is not
    handed the exact matte): ``bokeh_score`` is the mean of
    :func:`~brightroom.lab.metrics.bokeh.bokeh_score` against
    :func:`~brightroom.lab.bokeh_reference.reference_bokeh`. Pipelines without a portrait mode
    have no bokeh measurement: the attribute is absent and excluded from the overall score.
zoom
    :func:`measure_zoom`: 2x and 3x zoomed renders (192 x 192) of a slanted edge and a grey
    dead-leaves chart from 8-frame hand-held bursts whose scene is 2x (3x) finer than the
    sensor, by multi-frame super-resolution (:func:`brightroom.burst.superres.superres`) for
    pipelines that merge bursts, against the same pipeline's single-frame digital zoom (bicubic
    of the developed reference's centre): ``zoom_texture_acutance`` and
    ``zoom_edge_acutance`` (CPIQ) of the zoomed render and ``zoom_mtf50_gain`` (its MTF50 over
    the digital zoom's). Pipelines that cannot merge are scored on the digital zoom (gain 1).

References
----------
Hasinoff, S. W. et al. (2016). Burst photography for high dynamic range and low-light
imaging on mobile cameras. ACM TOG 35(6), 192.
Debevec, P. E., Malik, J. (1997). Recovering high dynamic range radiance maps from
photographs. SIGGRAPH '97.
ISO 15739:2023 (dynamic range at SNR 1), ISO 12233:2017 (edge profile).
Wronski, B. et al. (2019). Handheld multi-frame super-resolution. ACM TOG 38(4), 28.
"""

from __future__ import annotations

import base64
import io
import math
import time
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from brightroom.burst import BurstWarning, merge, merge_hdr
from brightroom.burst.superres import superres
from brightroom.charts import dead_leaves, dynamic_range_steps, natural, slanted_edge
from brightroom.charts.scene import scene_truth_rgb
from brightroom.color.metrics import exposure_fitted_psnr
from brightroom.color.spaces import decode, srgb_encode
from brightroom.errors import BrightroomError, PipelineError
from brightroom.lab.bokeh_reference import reference_bokeh
from brightroom.lab.camera import simulate, simulate_burst
from brightroom.lab.camera.burst import SubjectMotion
from brightroom.lab.camera.zoom import simulate_zoom_burst
from brightroom.lab.metrics import dynamic_range, edge_ringing
from brightroom.lab.metrics._common import to_gray
from brightroom.lab.metrics.bokeh import bokeh_errors, bokeh_score
from brightroom.lab.metrics.sfr import sfr
from brightroom.lab.metrics.texture import dead_leaves_mtf
from brightroom.lab.pipelines import LabPipeline
from brightroom.lab.portrait_scenes import PORTRAIT_SCENES, portrait_scene
from brightroom.portrait.bokeh import BokehParams, render_bokeh
from brightroom.types import Image, RawImage

__all__ = ["measure_capabilities", "measure_night", "measure_hdr", "measure_bokeh", "portrait_lab",
           "supports_burst", "supports_portrait", "NIGHT_LUX", "CAPABILITY_CONDITIONS",
           "thumbnail_data_uri", "capabilities_spec", "capability_metrics", "measure_zoom",
           "ZOOM_FACTORS"]

NIGHT_LUX = (1.0, 5.0)
"""Illuminances of the night bursts."""
NIGHT_FRAMES = 8
NIGHT_MEGAPIXELS = 0.3
NIGHT_ISO = 6400.0
CCT = 5000.0
BORDER = 8
CAPABILITY_CONDITIONS = ("night-1lux", "night-5lux", "hdr", "portrait", "zoom-2x", "zoom-3x")
"""Pseudo-condition names the capability metrics are scored under."""


ZOOM_FACTORS = (2, 3)
"""Digital zoom factors of the zoom sub-score."""
ZOOM_FRAMES = 8
ZOOM_ISO = 200.0
ZOOM_SIZE = 192
"""Sensor side (pixels) of the zoom bursts; the zoomed render has the same size."""
HDR_BRACKET_EV = (0.0, -4.0, 4.0)
BOKEH_SIZE = 256
BOKEH_F_NUMBER = 1.8


def capabilities_spec() -> dict[str, Any]:
    """The settings of the capability tests (part of the score formula's fingerprint)."""
    return {"night": {"lux": list(NIGHT_LUX), "frames": NIGHT_FRAMES, "iso": NIGHT_ISO,
                      "megapixels": NIGHT_MEGAPIXELS, "scene": "coffee", "cct": CCT,
                      "shake_px": 2.0, "rotation_deg": 0.1, "subject_velocity": [0.5, 3.0]},
            "hdr": {"bracket_ev": list(HDR_BRACKET_EV), "chart_stops": 14, "chart_peak": 8.0,
                    "edge_contrast": 100.0, "lux": 300.0, "iso": 100},
            "bokeh": {"size": BOKEH_SIZE, "f_number": BOKEH_F_NUMBER, "exact_matte": False},
            "zoom": {"factors": list(ZOOM_FACTORS), "frames": ZOOM_FRAMES, "iso": ZOOM_ISO,
                     "size": ZOOM_SIZE, "lux": 300.0, "shake_px": 1.5, "rotation_deg": 0.05,
                     "charts": ["slanted-edge 5 deg 4:1", "dead-leaves grey rmin 1"]}}


def supports_burst(pipe: LabPipeline) -> bool:
    """Whether ``pipe`` merges bursts (the Brightroom recipes do; rawpy and commands do not)."""
    return pipe.name.startswith("brightroom:")


def supports_portrait(pipe: LabPipeline) -> bool:
    """Whether ``pipe`` has a portrait (synthetic bokeh) mode: the Brightroom recipes."""
    return pipe.name.startswith("brightroom:")


def _linear(image: Image) -> np.ndarray:
    data = np.asarray(image.data, dtype=np.float32)
    return data.copy() if image.transfer == "linear" else decode(data, image.transfer)


def _develop(pipe: LabPipeline, raw: RawImage) -> Image:
    try:
        img = pipe(raw)
    except BrightroomError:
        raise
    except Exception as e:  # noqa: BLE001 - a crashing pipeline is a pipeline error
        raise PipelineError(f"pipeline {pipe.name!r} failed: {type(e).__name__}: {e}") from e
    if not isinstance(img, Image):
        raise PipelineError(f"pipeline {pipe.name!r} returned {type(img).__name__}, not an Image")
    return img


def thumbnail_data_uri(display: np.ndarray, width: int = 240) -> str:
    """A small PNG of a display-encoded image as a ``data:`` URI (for the HTML report)."""
    import cv2
    from PIL import Image as PILImage

    a = np.clip(np.asarray(display, np.float32), 0, 1)
    h, w = a.shape[:2]
    if w > width:
        a = cv2.resize(a, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)
    u8 = np.clip(np.rint(a * 255), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    PILImage.fromarray(u8).save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def night_burst(lux: float, *, seed: int = 0, megapixels: float = NIGHT_MEGAPIXELS,
                scene_name: str = "coffee", frames: int = NIGHT_FRAMES, camera: str = "flagship-2022"):
    """The night test's burst: ``(frames, truth, subject_mask)`` (see the module notes)."""

    scene = natural(scene_name, megapixels=megapixels)
    truth = scene_truth_rgb(scene, "sRGB", illuminant=CCT)
    h, w = scene.shape
    box = (h // 3, w // 5, h // 3 + h // 5, w // 5 + w // 6)
    burst = simulate_burst(scene, n=frames, camera=camera, lux=lux, cct=CCT, iso=NIGHT_ISO,
                           shake_px=2.0, rotation_deg=0.1,
                           moving_subject=SubjectMotion(box, velocity=(0.5, 3.0)),
                           seed=int(seed) * 1000 + int(round(lux * 7)), optics=False)
    mask = np.asarray(burst[0].metadata["lab"]["burst"]["subject_mask"], bool)
    return burst, truth, mask


def measure_night(pipe: LabPipeline, *, seed: int = 0, camera: str = "flagship-2022",
                  thumbnails: bool = True, burst: bool | None = None,
                  megapixels: float = NIGHT_MEGAPIXELS
                  ) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """Night-mode measurement at :data:`NIGHT_LUX`.

    Returns
    -------
    metrics, details
        ``{"night-1lux": {...}, "night-5lux": {...}}`` with ``night_psnr_db``,
        ``night_gain_db``, ``night_subject_db``; details per condition (single / merged PSNR,
        whether the pipeline merged, thumbnails of the 1-lux pair as PNG data URIs).

    ``burst`` overrides :func:`supports_burst` (whether the burst is merged before ``pipe``);
    ``megapixels`` other than :data:`NIGHT_MEGAPIXELS` is for tests (not the scored setting).
    """

    merges = supports_burst(pipe) if burst is None else bool(burst)
    metrics: dict[str, dict[str, float]] = {}
    details: dict[str, Any] = {}
    for lux in NIGHT_LUX:
        name = f"night-{lux:g}lux"
        frames, truth, mask = night_burst(lux, seed=seed, camera=camera,
                                          megapixels=megapixels)
        single = _develop(pipe, frames[0])
        p_single, k_single = exposure_fitted_psnr(_linear(single), truth, border=BORDER)
        s_single = exposure_fitted_psnr(_linear(single), truth, k=k_single, mask=mask,
                                        border=BORDER)[0]
        d: dict[str, Any] = {"lux": lux, "frames": len(frames), "iso": NIGHT_ISO,
                             "exposure_time": float(frames[0].camera.exposure_time),
                             "merged": merges, "psnr_single_db": p_single,
                             "subject_psnr_single_db": s_single}
        if merges:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", BurstWarning)
                merged_raw = merge(frames, ref=0)
            out = _develop(pipe, merged_raw)
            p_out, k_out = exposure_fitted_psnr(_linear(out), truth, border=BORDER)
            s_out = exposure_fitted_psnr(_linear(out), truth, k=k_out, mask=mask,
                                         border=BORDER)[0]
            info = merged_raw.metadata.get("burst_merge", {})
            if "effective_frames" in info:
                d["effective_frames"] = float(info["effective_frames"])
        else:
            out, p_out, s_out = single, p_single, s_single
            d["note"] = "pipeline cannot merge bursts: the single reference frame is its night shot"
        d.update(psnr_merged_db=p_out, subject_psnr_merged_db=s_out)
        if thumbnails and lux == NIGHT_LUX[0]:
            d["thumbnail_single"] = thumbnail_data_uri(srgb_encode(np.clip(_linear(single), 0, 1)))
            d["thumbnail_merged"] = thumbnail_data_uri(srgb_encode(np.clip(_linear(out), 0, 1)))
        metrics[name] = {"night_psnr_db": float(p_out), "night_gain_db": float(p_out - p_single),
                         "night_subject_db": float(s_out - s_single)}
        details[name] = d
    return metrics, details


def _bracket(scene, evs, *, seed: int, camera: str, lux: float = 300.0) -> list[RawImage]:

    t0 = simulate(scene, camera, lux=lux, cct=CCT, iso=100, seed=seed, optics=False,
                  noise=False).camera.exposure_time
    return [simulate_burst(scene, n=1, camera=camera, lux=lux, cct=CCT, iso=100,
                           exposure_time=t0 * 2.0 ** ev, seed=seed + 10 * i + 1, optics=False,
                           shake_px=0.0, rotation_deg=0.0)[0] for i, ev in enumerate(evs)]


def _green(raw: RawImage) -> tuple[np.ndarray, int, int]:
    """One green plane of the mosaic and its (row, column) offset."""
    p = raw.pattern.pattern
    oy, ox = next((i // 2, i % 2) for i, c in enumerate(p) if c == "G")
    return np.asarray(raw.cfa)[oy::2, ox::2], oy, ox


def measure_hdr(pipe: LabPipeline, *, seed: int = 0, camera: str = "flagship-2022",
                burst: bool | None = None) -> tuple[dict[str, float | None], dict[str, Any]]:
    """HDR measurement: dynamic range of the (merged) bracket and the halo at a 100:1 edge.

    Returns
    -------
    metrics, details
        ``hdr_dr_stops`` and ``hdr_halo_pct``; details with the single frame's range too.

    ``burst`` overrides :func:`supports_burst` (whether the bracket is merged before ``pipe``).
    """

    merges = supports_burst(pipe) if burst is None else bool(burst)
    steps = dynamic_range_steps(14, peak=8.0, patch_size=40, columns=7, gap=8, background=0.0)
    boxes = np.asarray(steps.ground_truth["boxes"]) // 2
    frames = _bracket(steps, HDR_BRACKET_EV, seed=seed * 100 + 11, camera=camera)

    def dr(raw: RawImage):
        g = _green(raw)[0]
        patches = [g[y0 + 2:y1 - 2, x0 + 2:x1 - 2] for y0, x0, y1, x1 in boxes]
        return dynamic_range(patches, clip_level=float(raw.saturation[1]) * 0.999)

    single = dr(frames[0])
    d: dict[str, Any] = {"merged": merges, "dr_single_stops": float(single.dr_snr1),
                         "bracket_ev": list(HDR_BRACKET_EV)}
    if merges:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BurstWarning)
            hdr = merge_hdr(frames, ref=0)
        got = dr(hdr)
    else:
        got = single
        d["note"] = "pipeline cannot merge brackets: the EV 0 frame is its HDR shot"
    d["dr_stops"] = float(got.dr_snr1)
    d["dr_snr10_stops"] = float(got.dr_snr10)
    edge = slanted_edge(256, contrast=100.0, high=4.0)
    ef = _bracket(edge, (0.0, -4.0), seed=seed * 100 + 57, camera=camera)
    if merges:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BurstWarning)
            er = merge_hdr(ef, ref=0)
    else:
        er = ef[0]
    halo: float | None
    try:
        rr = edge_ringing(_linear(_develop(pipe, er)), smooth_px=0.25)
        halo = float(max(rr.overshoot_pct, rr.undershoot_pct))
        d["edge"] = {"overshoot_pct": rr.overshoot_pct, "undershoot_pct": rr.undershoot_pct,
                     "ringing_pct": rr.ringing_pct}
    except BrightroomError as e:  # a clipped or flat edge: the measurement failed
        halo = None
        d["edge_error"] = f"{type(e).__name__}: {e}"
    dr_val = float(got.dr_snr1) if math.isfinite(got.dr_snr1) else None
    return {"hdr_dr_stops": dr_val, "hdr_halo_pct": halo}, d


def portrait_lab(renderer=None, *, size: int = 256, f_number: float = 1.8,  # noqa: ANN001
                 use_exact_matte: bool = True) -> dict[str, dict[str, float]]:
    """Run a bokeh renderer over the lab's portrait scenes and measure it.

    Each scene of :data:`~brightroom.lab.portrait_scenes.PORTRAIT_SCENES` is rendered by
    ``renderer`` from its sharp photo and depth, and compared with the exact layered reference
    (:func:`~brightroom.lab.bokeh_reference.reference_bokeh`) by
    :func:`~brightroom.lab.metrics.bokeh.bokeh_errors` and
    :func:`~brightroom.lab.metrics.bokeh.bokeh_score`.

    Parameters
    ----------
    renderer
        ``f(display_rgb, depth, matte, focus_distance, f_number) -> display_rgb``; ``None``
        uses Brightroom's layered renderer (noise off, so that the comparison is exact).
    size
        Scene side in pixels.
    f_number
        Simulated aperture (50 mm full-frame equivalent, focus on the subject).
    use_exact_matte
        Give the renderer the scene's matte (else ``None``: depth only).

    Returns
    -------
    dict
        Per scene: ``psnr``, ``psnr_band``, ``psnr_outside_band``, ``band_fraction`` and
        ``score`` (:func:`~brightroom.lab.metrics.bokeh.bokeh_score`).
    """
    if renderer is None:

        def renderer(img, depth, matte, zf, n):  # noqa: ANN001, ANN202
            return render_bokeh(img, depth, matte=matte, focus_distance=zf,
                                params=BokehParams(f_number=n, noise=False))

    out: dict[str, dict[str, float]] = {}
    for name, kw in PORTRAIT_SCENES.items():
        sc = portrait_scene(name, size=size, **kw)
        ref = reference_bokeh(sc, f_number=f_number)
        zf = sc.layers[0].depth
        got = renderer(sc.display, sc.depth, sc.matte if use_exact_matte else None, zf, f_number)
        e = bokeh_errors(np.asarray(got, np.float32), ref, sc.matte)
        e["score"] = bokeh_score(np.asarray(got, np.float32), ref, sc.matte)
        out[name] = e
    return out


def measure_bokeh(pipe: LabPipeline, *, portrait: bool | None = None
                  ) -> tuple[dict[str, float] | None, dict[str, Any]]:
    """Bokeh measurement with :func:`portrait_lab`.

    Returns ``(None, details)`` for pipelines without a portrait mode (absent sub-score);
    ``portrait`` overrides :func:`supports_portrait`.
    """
    if not (supports_portrait(pipe) if portrait is None else portrait):
        return None, {"note": "pipeline has no portrait mode: bokeh not applicable (absent)"}
    res = portrait_lab(None, size=BOKEH_SIZE, f_number=BOKEH_F_NUMBER, use_exact_matte=False)
    score = float(np.mean([r["score"] for r in res.values()]))
    return {"bokeh_score": score}, {"scenes": res, "renderer": "brightroom.portrait.render_bokeh",
                                    "matte": "none (depth only)"}


def _zoom_charts(factor: int) -> dict[str, Any]:
    n = ZOOM_SIZE * factor
    return {"edge": slanted_edge((n, n)),
            "texture": dead_leaves((n, n), seed=7, rmin=1.0, low=0.1, high=0.7)}


def _digital_zoom(img: np.ndarray, factor: int) -> np.ndarray:
    """The single-frame digital zoom: the centre ``1/factor`` enlarged by OpenCV's bicubic."""
    import cv2

    h, w = img.shape[:2]
    ch, cw = int(round(h / factor)), int(round(w / factor))
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    crop = np.ascontiguousarray(img[y0:y0 + ch, x0:x0 + cw])
    return cv2.resize(crop, (cw * factor, ch * factor), interpolation=cv2.INTER_CUBIC)


def _zoom_measures(lin: np.ndarray, chart: str, scene: Any, factor: int) -> dict[str, float]:
    b = 16
    if chart == "edge":
        r = sfr(np.clip(lin[b:-b, b:-b], 0, None))
        return {"mtf50": float(r.mtf50), "edge_acutance": float(r.edge_acutance)}
    h, w = lin.shape[:2]
    n = scene.shape[0]
    y0 = (n - h) // 2
    ref = to_gray(np.asarray(scene.rgb, np.float64)[y0:y0 + h, y0:y0 + w])[b:-b, b:-b]
    g = to_gray(np.clip(lin, 0, None).astype(np.float64))[b:-b, b:-b]
    gain = float(g.mean() / ref.mean()) if ref.mean() > 0 else 1.0
    res = dead_leaves_mtf(g, reference=ref * gain)
    return {"texture_acutance": float(res.texture_acutance)}


def measure_zoom(pipe: LabPipeline, *, seed: int = 0, camera: str = "flagship-2022",
                 burst: bool | None = None, thumbnails: bool = True
                 ) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """The zoom sub-score's measurement: 2x and 3x zoomed renders of the lab's charts.

    For each factor of :data:`ZOOM_FACTORS`, an 8-frame hand-held burst (ISO 200, 1.5 px
    shake) of a slanted edge and of a grey dead-leaves chart is simulated with the scene at
    ``factor`` times the sensor's resolution (:func:`~brightroom.lab.camera.zoom.
    simulate_zoom_burst`). A pipeline that merges bursts renders the centre ``1/factor`` at
    ``factor`` x by multi-frame super-resolution (:func:`brightroom.burst.superres.superres`,
    then the pipeline on its linear raw); every pipeline is also measured on its single-frame
    digital zoom (the reference frame developed, its centre enlarged by bicubic
    interpolation). Pipelines that cannot merge are scored on the digital zoom alone (gain 1).

    Returns
    -------
    metrics, details
        ``{"zoom-2x": {...}, "zoom-3x": {...}}`` with ``zoom_texture_acutance`` and
        ``zoom_edge_acutance`` (CPIQ, of the zoomed render) and ``zoom_mtf50_gain`` (its MTF50
        over the digital zoom's); details with the digital zoom's figures and (``thumbnails``)
        the 2x dead-leaves renders, zoomed and digital, as PNG data URIs.
    """
    merges = supports_burst(pipe) if burst is None else bool(burst)
    metrics: dict[str, dict[str, float]] = {}
    details: dict[str, Any] = {}
    for factor in ZOOM_FACTORS:
        name = f"zoom-{factor}x"
        got: dict[str, dict[str, float]] = {"zoomed": {}, "digital": {}}
        pics: dict[str, str] = {}
        for chart, scene in _zoom_charts(factor).items():
            frames, _ = simulate_zoom_burst(scene, n=ZOOM_FRAMES, camera=camera,
                                            factor=factor, iso=ZOOM_ISO, lux=300.0,
                                            shake_px=1.5, rotation_deg=0.05,
                                            seed=int(seed) * 100 + factor)
            digital = _digital_zoom(_linear(_develop(pipe, frames[0])), factor)
            got["digital"].update(_zoom_measures(digital, chart, scene, factor))
            if merges:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", BurstWarning)
                    lr = superres(frames, zoom=factor, scale=factor, ref=0)
                zoomed = _linear(_develop(pipe, lr))  # type: ignore[arg-type]
                got["zoomed"].update(_zoom_measures(zoomed, chart, scene, factor))
            else:
                zoomed = digital
                got["zoomed"] = got["digital"]
            if thumbnails and chart == "texture" and factor == ZOOM_FACTORS[0]:
                pics = {"thumbnail_digital": thumbnail_data_uri(srgb_encode(np.clip(digital, 0, 1))),
                        "thumbnail_zoomed": thumbnail_data_uri(srgb_encode(np.clip(zoomed, 0, 1)))}
        z, d = got["zoomed"], got["digital"]
        metrics[name] = {"zoom_texture_acutance": z["texture_acutance"],
                         "zoom_edge_acutance": z["edge_acutance"],
                         "zoom_mtf50_gain": z["mtf50"] / d["mtf50"] if d["mtf50"] > 0 else 1.0}
        details[name] = {"factor": factor, "merged": merges, "zoomed": dict(z),
                         "digital_zoom": dict(d), **pics}
    return metrics, details


def measure_capabilities(pipe: LabPipeline, *, seed: int = 0, camera: str = "flagship-2022",
                         thumbnails: bool = True, burst: bool | None = None,
                         portrait: bool | None = None) -> dict[str, Any]:
    """All capability measurements: night, HDR, bokeh and zoom.

    Returns
    -------
    dict
        ``{"metrics": {pseudo-condition: {metric: value}}, "details": {...}, "errors": {...},
        "timings": {...}}``; ``metrics`` is what :func:`brightroom.lab.score.score_conditions`
        reads next to the chart-wall conditions. A capability whose measurement raised a
        :class:`~brightroom.errors.BrightroomError` records its metrics as ``None`` (scored 0)
        and the message under ``errors``. ``burst`` and ``portrait`` override
        :func:`supports_burst` and :func:`supports_portrait`.
    """
    metrics: dict[str, dict[str, float | None]] = {}
    details: dict[str, Any] = {}
    errors: dict[str, str] = {}
    timings: dict[str, float] = {}
    t = time.perf_counter()
    try:
        m, d = measure_night(pipe, seed=seed, camera=camera, thumbnails=thumbnails,
                             burst=burst)
        metrics.update(m)
        details["night"] = d
    except BrightroomError as e:
        errors["night"] = f"{type(e).__name__}: {e}"
        for lux in NIGHT_LUX:
            metrics[f"night-{lux:g}lux"] = dict.fromkeys(
                ("night_psnr_db", "night_gain_db", "night_subject_db"))
    timings["night_s"] = time.perf_counter() - t
    t = time.perf_counter()
    try:
        m, d = measure_hdr(pipe, seed=seed, camera=camera, burst=burst)
        metrics["hdr"] = m
        details["hdr"] = d
    except BrightroomError as e:
        errors["hdr"] = f"{type(e).__name__}: {e}"
        metrics["hdr"] = {"hdr_dr_stops": None, "hdr_halo_pct": None}
    timings["hdr_s"] = time.perf_counter() - t
    t = time.perf_counter()
    try:
        mb, d = measure_bokeh(pipe, portrait=portrait)
        details["bokeh"] = d
        if mb is not None:
            metrics["portrait"] = mb
    except BrightroomError as e:
        errors["bokeh"] = f"{type(e).__name__}: {e}"
        metrics["portrait"] = {"bokeh_score": None}
    timings["bokeh_s"] = time.perf_counter() - t
    t = time.perf_counter()
    try:
        m, d = measure_zoom(pipe, seed=seed, camera=camera, burst=burst, thumbnails=thumbnails)
        metrics.update(m)
        details["zoom"] = d
    except BrightroomError as e:
        errors["zoom"] = f"{type(e).__name__}: {e}"
        for f in ZOOM_FACTORS:
            metrics[f"zoom-{f}x"] = dict.fromkeys(
                ("zoom_texture_acutance", "zoom_edge_acutance", "zoom_mtf50_gain"))
    timings["zoom_s"] = time.perf_counter() - t
    return {"metrics": metrics, "details": details, "errors": errors, "timings": timings}


def capability_metrics(capabilities: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The ``metrics`` part of a :func:`measure_capabilities` result (empty for None)."""
    if not capabilities:
        return {}
    return {k: dict(v) for k, v in dict(capabilities.get("metrics", {})).items()}
