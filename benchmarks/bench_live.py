"""Live studio (issue 17): throughput, matte quality, no halo, true colour, beauty.

Sections:

1. **Throughput**: a 1280x720 30 fps clip held in memory (so that decoding is not measured) and
   played in real time (:func:`brightroom.live.engine.array_source`, a live source: frames the
   engine cannot take are dropped) through the engine with blur + beauty 0.6 + the ``vibrant``
   look, encoded to MP4 (libx264 ultrafast, its own thread) for ``--seconds``: fps handed to the
   encoder, dropped frames, p50 / p95 latency from arrival to the encoder, process CPU (ms a
   frame and % of one core). Rows: segmentation on every frame, the adaptive rate (1 to 4), a
   fixed rate of 2. Peer: a naive single-thread OpenCV loop on the same source (the model on
   every frame, a Gaussian blur of the whole frame composited with the model's mask, no beauty,
   no look, no encoder), as background-removal plugins do. Bar: >= 30 fps over 60 s, <= 1 %
   dropped, p95 <= 80 ms.
1b. **CPU per stage** of one 720p frame in one thread (median of 15, process time), the sum,
   and the rate it allows on one and two free cores.
2. **Matte quality** on a lab portrait clip: scikit-image's astronaut cut out with the lab's
   hand-made matte plus synthetic hair strands (:func:`brightroom.lab.portrait_scenes.
   portrait_scene`, 720 px high), over the scene's own textured wall (mirrored to 1280), still
   for 30 frames, moving 8 px a frame for 30, still again; fresh noise (sigma 0.01) in every
   frame. IoU of alpha >= 0.5 against the known matte; flicker: mean |alpha_t - alpha_t-1| on
   the still frames, smoothed (the engine's MaskSmoother) against the model alone (ema 0); lag:
   how many frames the matte's centroid trails the true one while moving. Rows: segmentation
   every 1, 2, 4 frames (the matte propagated between). Bars: IoU >= 0.95, flicker -50 %, lag
   <= 1 frame.
3. **No halo**: a saturated red, green and blue disc on a textured background, 1280x720, blur
   sigma 12 at the engine's 1/4 scale: mean CIEDE2000 of the background in a 3..15 px ring
   outside the silhouette against the background blurred without the subject. Peer: the naive
   blur (whole frame blurred, subject composited over it). Stated bar: < 2 dE00.
4. **True colour**: webcam-like frames of a ColorChecker (:mod:`brightroom.lab.webcam_scenes`:
   spectral render, partial grey-world AWB, daylight matrix, saturation, S-curve, noise) under
   D65, A and 4000 K. Calibrated from one frame (chart found by the lab's detector); scored on
   three fresh frames (other noise, position, size) through the engine's colour table: mean
   dE00 before (the webcam as is) and after, matrix and root-polynomial. Peer: white balance and
   exposure on the chart's neutral patches only (von Kries). Bar: mean dE00 <= 3 after.
5. **Beauty**: the astronaut at 1280x720 with synthetic skin texture (sigma 0.012) and 12 dark
   blemishes (radius 3 px, -20 %) on her face; blemish contrast (ring mean minus spot mean)
   before/after, and gradient energy outside the skin mask kept. Peer: a bilateral filter of the
   whole frame at the same settings. Bars: blemish contrast -50 %, edge energy outside skin
   >= 95 %.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_live.py [--seconds 60]
[--only stages,throughput,matte,halo,colour,beauty]``
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import tempfile
import threading
import time
import warnings
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
warnings.filterwarnings("ignore")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from brightroom.color.difference import delta_e_2000, rgb_to_lab_d50  # noqa: E402
from brightroom.color.spaces import srgb_decode, srgb_encode  # noqa: E402
from brightroom.lab.portrait_scenes import portrait_scene  # noqa: E402
from brightroom.lab.webcam_scenes import WEBCAM_LIGHTS, webcam_chart_frame  # noqa: E402
from brightroom.live.effects import (  # noqa: E402
    ColourTable,
    beauty,
    masked_blur,
    naive_blur,
    skin_mask,
)
from brightroom.live.engine import (  # noqa: E402
    AlphaSmoother,
    LiveParams,
    LiveSession,
    array_source,
    model_matte,
    refine_matte,
    stream_to_file,
)
from brightroom.live.truecolour import calibrate_patches, chart_patches  # noqa: E402
from brightroom.portrait.segment import SEGMENT_METHODS, SegmentParams  # noqa: E402
from brightroom.portrait.video import MaskSmoother  # noqa: E402

W, H = 1280, 720
MOTION = LiveParams().motion_threshold


def machine() -> str:
    load = os.getloadavg()
    return (f"{platform.platform()} | {os.cpu_count()} cores | load {load[0]:.1f} "
            f"{load[1]:.1f} {load[2]:.1f} | numpy {np.__version__} | OpenCV {cv2.__version__}")


def _model():
    sp = SegmentParams(model="landscape", refine=False)
    seg = SEGMENT_METHODS["mediapipe_selfie"]
    return lambda rgb: seg(rgb, sp)


# ----------------------------------------------------------------------------- the clip

def portrait_clip(n_still: int = 30, n_move: int = 30, step: int = 8, seed: int = 0,
                  noise: float = 0.01) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """uint8 frames, true mattes and the x offset of each frame (still, moving, still)."""
    sc = portrait_scene("astronaut", size=H, hedge=False, hair=True, seed=seed)
    sub, wall0 = sc.layers[0], sc.layers[-1].rgb
    wall = np.ascontiguousarray(np.concatenate([wall0, wall0[:, ::-1]], 1)[:, :W])
    xs = np.concatenate([np.zeros(n_still), np.arange(1, n_move + 1) * step,
                         np.full(n_still, n_move * step)]).astype(int) + 120
    rng = np.random.default_rng(seed)
    frames, mattes = [], []
    for x in xs:
        a = np.zeros((H, W), np.float32)
        fg = np.zeros((H, W, 3), np.float32)
        a[:, x:x + H] = sub.alpha
        fg[:, x:x + H] = sub.rgb
        lin = fg * a[..., None] + wall * (1 - a[..., None])
        disp = srgb_encode(np.clip(lin, 0, 1)) + rng.normal(0, noise, (H, W, 3)).astype(np.float32)
        frames.append((np.clip(disp, 0, 1) * 255 + 0.5).astype(np.uint8))
        mattes.append(a)
    return frames, mattes, xs


# ----------------------------------------------------------------------------- 1. throughput

def _cpu_monitor(stop: threading.Event, out: list[float]) -> None:
    """System-wide CPU busy fraction (from /proc/stat) over the run."""
    def read():
        v = [float(x) for x in open("/proc/stat").readline().split()[1:]]
        return sum(v), v[3] + v[4]
    t0, i0 = read()
    stop.wait()
    t1, i1 = read()
    out.append(1 - (i1 - i0) / max(t1 - t0, 1))


def bench_throughput(seconds: float) -> None:
    frames, _, _ = portrait_clip(20, 40, 8)
    reps = max(1, round(seconds * 30 / len(frames)))
    n = reps * len(frames)
    print(f"\n## 1. Throughput: 1280x720 @ 30 fps in real time, {n} frames ({n / 30:.0f} s), "
          "blur + beauty 0.6 + look 'vibrant', MP4 (x264 ultrafast)")
    print(f"{'engine':30s} {'fps':>6s} {'dropped':>8s} {'p50 ms':>7s} {'p95 ms':>7s} "
          f"{'CPU ms/fr':>9s} {'2-core fps':>8s} {'CPU %core':>9s} {'sys busy':>8s} "
          f"{'seg every':>9s} {'load':>5s}")
    rows = [("segment every frame", dict(segment_every=1, adaptive=False)),
            ("adaptive rate (1..4)", dict(segment_every=1, adaptive=True, max_segment_every=4)),
            ("segment every 2nd", dict(segment_every=2, adaptive=False))]
    # warm-up: model load, numba, look table
    LiveSession(array_source(frames[:3], 30), LiveParams(beauty=0.6, look="vibrant"))
    list(LiveSession(array_source(frames[:3], 30), LiveParams(beauty=0.6, look="vibrant")))
    with tempfile.TemporaryDirectory() as tmp:
        for name, kw in rows:
            sess = LiveSession(array_source(frames, 30, realtime=True, repeat=reps),
                               LiveParams(beauty=0.6, look="vibrant", **kw))
            stop, busy = threading.Event(), []
            mon = threading.Thread(target=_cpu_monitor, args=(stop, busy))
            mon.start()
            st = stream_to_file(sess, Path(tmp) / f"{name[:7]}.mp4", overwrite=True)
            stop.set()
            mon.join()
            cpu_ms = st.cpu_seconds / max(st.frames_out, 1) * 1000
            print(f"{name:30s} {st.fps:6.1f} {st.dropped:4d} {100 * st.dropped / st.frames_in:3.0f}%"
                  f" {st.latency_ms_p50:7.0f} {st.latency_ms_p95:7.0f} {cpu_ms:9.1f} "
                  f"{2000 / max(cpu_ms, 1e-3):8.0f} "
                  f"{100 * st.cpu_seconds / st.seconds:9.0f} {100 * busy[0]:7.0f}% "
                  f"{st.segment_every:9d} {os.getloadavg()[0]:5.1f}")
    # peer: naive single-thread loop, paced at 30 fps, dropping what it cannot take
    seg = _model()
    t0, c0 = time.perf_counter(), time.process_time()
    done = dropped = 0
    i = 0
    while i < n:
        due = t0 + i / 30
        now = time.perf_counter()
        if now < due:
            time.sleep(due - now)
        late = int((time.perf_counter() - t0) * 30) - i
        if late > 0:  # frames that arrived while we were busy are gone
            dropped += min(late, n - i)
            i += late
            if i >= n:
                break
        img = frames[i % len(frames)]
        m, _ = model_matte(img, seg)
        a = cv2.resize(m, (W, H))[..., None]
        f = img.astype(np.float32) / 255
        b = cv2.GaussianBlur(f, (0, 0), 12)
        _ = ((a * f + (1 - a) * b) * 255).astype(np.uint8)
        done += 1
        i += 1
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{'peer: naive OpenCV loop':30s} {done / wall:6.1f} {dropped:4d} "
          f"{100 * dropped / n:3.0f}% {'':>7s} {'':>7s} {cpu / max(done, 1) * 1000:9.1f} "
          f"{2000 / max(cpu / max(done, 1) * 1000, 1e-3):8.0f} "
          f"{100 * cpu / wall:9.0f} {'':>8s} {1:9d} {os.getloadavg()[0]:5.1f}")
    print("(CPU ms/fr: process CPU time, all threads, per frame handed on: decode excluded, "
          "x264 included (not in the peer); 2-core fps: 2000 / CPU ms, what two free cores "
          "would sustain; sys busy: the whole machine's CPU over the run)")


def bench_stages() -> None:
    """CPU per stage of one 720p frame, one thread, median of 15 (process time): what the
    engine spends, measured apart from the shared machine's scheduling."""
    import statistics

    from brightroom.io.video import VideoWriter
    from brightroom.live.effects import LookTable, blurred_background, composite

    frames, _, _ = portrait_clip(2, 14, 8)
    seg = _model()
    look = LookTable("vibrant")
    asm = AlphaSmoother(0.6)
    sm = MaskSmoother(0.6, MOTION)
    st: dict[str, list[float]] = {}

    @contextlib.contextmanager
    def t(name):
        c = time.process_time()
        yield
        st.setdefault(name, []).append((time.process_time() - c) * 1000)

    with tempfile.TemporaryDirectory() as tmp, VideoWriter(Path(tmp) / "s.mp4", fps=30,
                                                           preset="ultrafast") as wr:
        wr.open_stream(W, H)
        for k, img in enumerate(frames + frames[:1]):
            with t("segment: model at 256x144 (+ resize)"):
                coarse, grey_s = model_matte(img, seg)
            with t("segment: MaskSmoother"):
                mask = sm.update(coarse, grey_s)
            with t("render: to float + grey"):
                f = img.astype(np.float32) * np.float32(1 / 255)
                g = cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)
            with t("render: guided refine + AlphaSmoother"):
                a = asm.update(refine_matte(f, mask, g), g)
            with t("render: skin mask"):
                sk = skin_mask(img, a)
            with t("render: beauty 0.6"):
                f2 = beauty(f, 0.6, sk)
            with t("render: blurred background"):
                b = blurred_background(f2, a, 12.0)
            with t("render: composite + look (numba)"):
                out = composite(f2, a, b, look)
            with t("encode: I420 + x264 ultrafast"):
                wr.write_yuv420p(cv2.cvtColor(out, cv2.COLOR_RGB2YUV_I420))
            if k == 0:
                st.clear()  # the first frame warms up
    print("\n## 1b. CPU per stage, one 1280x720 frame, one thread (median of 15, ms); load "
          f"{os.getloadavg()[0]:.1f}")
    total = 0.0
    for name, v in st.items():
        m = statistics.median(v)
        total += m
        print(f"{name:42s} {m:7.2f}")
    print(f"{'total':42s} {total:7.2f}   -> {1000 / total:.0f} fps on one free core, "
          f"{2000 / total:.0f} on two (if the threads overlapped perfectly)")


# ----------------------------------------------------------------------------- 2. matte

def _mattes(frames, every: int, ema: float):
    """The engine's matte: model (every ``every`` frames) + MaskSmoother, guided refinement,
    AlphaSmoother (``ema`` 0: the model alone, refined)."""
    seg = _model()
    sm, asm = MaskSmoother(ema=ema, motion_threshold=MOTION), AlphaSmoother(ema)
    mask = None
    out = []
    for i, img in enumerate(frames):
        if mask is None or i % every == 0:
            coarse, grey = model_matte(img, seg)
            mask = sm.update(coarse, grey)
        f = img.astype(np.float32) / 255
        g = cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)
        out.append(asm.update(refine_matte(f, mask, g), g))
    return out


def bench_matte() -> None:
    frames, truth, xs = portrait_clip(30, 30, 8)
    # still frames, leaving out the first three after the stop (the EMA settles there)
    still = [i for i in range(1, len(xs)) if xs[i] == xs[i - 1] and not 60 <= i < 63]
    moving = [i for i in range(len(xs)) if 30 <= i < 60]
    print("\n## 2. Matte quality: lab portrait clip (astronaut + hair strands, known matte), "
          "1280x720, 30 still / 30 moving 8 px a frame / 30 still, noise 0.01")
    print(f"{'matte':34s} {'IoU mean':>8s} {'IoU min':>7s} {'IoU move':>8s} {'flicker':>8s} "
          f"{'lag fr':>6s}")
    raw_flicker = None
    for name, every, ema in (("model alone (ema 0), every frame", 1, 0.0),
                             ("smoothed (ema 0.6), every frame", 1, 0.6),
                             ("smoothed, every 2nd frame", 2, 0.6),
                             ("smoothed, every 4th frame", 4, 0.6)):
        al = _mattes(frames, every, ema)
        ious = np.array([((a >= 0.5) & (t >= 0.5)).sum() / ((a >= 0.5) | (t >= 0.5)).sum()
                         for a, t in zip(al, truth)])
        flick = float(np.mean([np.abs(al[i] - al[i - 1]).mean() for i in still]))
        if raw_flicker is None:
            raw_flicker = flick
        cx = np.array([(a * np.arange(W)).sum() / a.sum() for a in al])
        tx = np.array([(t * np.arange(W)).sum() / t.sum() for t in truth])
        lag = float(np.mean((tx[moving] - cx[moving]) / 8) - np.mean((tx[:30] - cx[:30]) / 8))
        print(f"{name:34s} {ious.mean():8.3f} {ious.min():7.3f} {ious[moving].mean():8.3f} "
              f"{flick:8.5f} {lag:6.2f}   flicker {100 * (flick / raw_flicker - 1):+.0f}%")
    print("(lag: centroid behind the truth while moving, in frames at 8 px a frame, less the "
          "still frames' offset)")


# ----------------------------------------------------------------------------- 3. halo

def bench_halo() -> None:
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    r = 180
    d2 = (xx - W / 2) ** 2 + (yy - H / 2) ** 2
    alpha = cv2.GaussianBlur((d2 <= r * r).astype(np.float32), (0, 0), 1.0)
    rng = np.random.default_rng(0)
    bg = np.stack([0.45 + 0.1 * np.sin(xx / 23), 0.5 + 0.05 * np.cos(yy / 17),
                   0.5 + 0.1 * np.cos((xx + yy) / 29)], -1).astype(np.float32)
    bg = np.clip(bg + rng.normal(0, 0.01, bg.shape).astype(np.float32), 0, 1)
    ring = (d2 > (r + 3) ** 2) & (d2 <= (r + 15) ** 2)
    truth = cv2.GaussianBlur(bg, (0, 0), 12)
    print("\n## 3. No halo: saturated disc (r 180 px) on a textured background, 1280x720, "
          "blur sigma 12 at 1/4 scale; mean dE00 of the background 3..15 px outside")
    print(f"{'subject':8s} {'ours':>6s} {'naive (peer)':>12s} {'ours max':>8s}")
    for name, col in (("red", (0.95, 0.05, 0.05)), ("green", (0.05, 0.9, 0.1)),
                      ("blue", (0.05, 0.1, 0.95))):
        frame = (alpha[..., None] * np.float32(col) + (1 - alpha[..., None]) * bg)
        frame = frame.astype(np.float32)
        lab_t = rgb_to_lab_d50(srgb_decode(truth).astype(float))
        res = []
        for fn in (masked_blur, naive_blur):
            out = fn(frame, alpha, 12.0, scale=4)
            de = delta_e_2000(rgb_to_lab_d50(srgb_decode(np.clip(out, 0, 1)).astype(float)),
                              lab_t)[ring]
            res.append((float(de.mean()), float(de.max())))
        print(f"{name:8s} {res[0][0]:6.2f} {res[1][0]:12.2f} {res[0][1]:8.2f}")


# ----------------------------------------------------------------------------- 4. colour

def _patch_means(img, boxes):
    return np.array([img[y0:y1, x0:x1].reshape(-1, 3).mean(0) / 255 for y0, x0, y1, x1 in boxes])


def _de(display, ref):
    return delta_e_2000(rgb_to_lab_d50(srgb_decode(np.asarray(display, np.float32)).astype(float)),
                        ref)


def _von_kries(cal_means, ref):
    """Peer: white balance and exposure from the neutral patches only (what a webcam's
    'white balance from a grey card' does)."""
    from brightroom.color.difference import lab_to_xyz
    lin = srgb_decode(cal_means.astype(np.float32)).astype(float)
    y = lab_to_xyz(ref)[:, 1]
    n = [19, 20, 21, 22]
    g = np.array([(y[n] * lin[n, c]).sum() / (lin[n, c] ** 2).sum() for c in range(3)])
    return lambda disp: srgb_encode(np.clip(srgb_decode(np.asarray(disp, np.float32)) * g, 0,
                                            1).astype(np.float32))


def bench_colour() -> None:
    print("\n## 4. True colour: webcam-like ColorChecker frames (budget-phone sensitivities), "
          "calibrated from one frame, scored on 3 fresh frames through the 64^3 table; mean "
          "(max) dE00")
    print(f"{'light':14s} {'before':>13s} {'peer: WB only':>14s} {'matrix':>13s} "
          f"{'root-poly':>13s} {'found':>5s}")
    for name, light in WEBCAM_LIGHTS.items():
        cal = webcam_chart_frame(light, seed=1)
        means = chart_patches(cal.image)
        tables = {m: ColourTable(calibrate_patches(means, method=m))
                  for m in ("matrix", "finlayson2015")}
        vk = ColourTable(_von_kries(means, cal.reference_lab))
        res: dict[str, list[np.ndarray]] = {k: [] for k in ("before", "vk", "matrix",
                                                             "finlayson2015")}
        for seed, pos, wd in ((11, (0.4, 0.45), 0.4), (12, (0.6, 0.55), 0.5),
                              (13, (0.5, 0.5), 0.3)):
            fr = webcam_chart_frame(light, seed=seed, position=pos, width=wd)
            res["before"].append(_de(_patch_means(fr.image, fr.boxes), fr.reference_lab))
            res["vk"].append(_de(_patch_means(vk(fr.image), fr.boxes), fr.reference_lab))
            for m, t in tables.items():
                res[m].append(_de(_patch_means(t(fr.image), fr.boxes), fr.reference_lab))
        cells = [f"{np.mean(v):5.2f} ({np.max(v):5.2f})" for v in res.values()]
        print(f"{name:14s} {cells[0]:>13s} {cells[1]:>14s} {cells[2]:>13s} {cells[3]:>13s} "
              f"{'yes':>5s}")


# ----------------------------------------------------------------------------- 5. beauty

def bench_beauty() -> None:
    sc = portrait_scene("astronaut", size=720, hedge=False, hair=False)
    img = np.zeros((H, W, 3), np.float32)
    img[:] = sc.display[:, :1][:, :, :] * 0 + np.float32([0.3, 0.35, 0.4])
    img[:, 280:1000] = sc.display
    rng = np.random.default_rng(3)
    skin0 = skin_mask(img, scale=1) > 0.9
    skin0 = cv2.erode(skin0.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
    tex = img + (rng.normal(0, 0.012, (H, W, 1)) * skin0[..., None]).astype(np.float32)
    ys, xs = np.nonzero(skin0)
    pick = rng.choice(ys.size, 12, replace=False)
    yy, xx = np.mgrid[0:H, 0:W]
    blem = np.zeros((H, W), bool)
    ring = np.zeros((H, W), bool)
    for k in pick:
        d2 = (yy - ys[k]) ** 2 + (xx - xs[k]) ** 2
        blem |= d2 <= 9
        ring |= (d2 > 36) & (d2 <= 100)
    ring &= ~blem
    tex[blem] *= np.float32(0.8)
    tex = np.clip(tex, 0, 1)
    u8 = (tex * 255 + 0.5).astype(np.uint8)
    alpha = cv2.resize(sc.matte, (720, 720))
    a_full = np.zeros((H, W), np.float32)
    a_full[:, 280:1000] = alpha
    sk = skin_mask(u8, a_full)
    print("\n## 5. Beauty: astronaut at 1280x720, skin texture 0.012 and 12 blemishes "
          f"(r 3 px, -20 %); skin mask covers {100 * (sk > 0.5).mean():.1f} % of the frame")
    print(f"{'method':34s} {'blemish contrast kept':>21s} {'edge energy outside skin':>24s} "
          f"{'ms':>6s}")
    outside = sk < 0.01

    def score(out):
        g0, g1 = tex.mean(-1), out.mean(-1)
        c0 = g0[ring].mean() - g0[blem].mean()
        c1 = g1[ring].mean() - g1[blem].mean()
        e = []
        for g in (g0, g1):
            gy, gx = np.gradient(g)
            e.append((gx * gx + gy * gy)[outside].sum())
        return c1 / c0, e[1] / e[0]

    rows = [("ours, strength 1.0", lambda: beauty(tex, 1.0, sk)),
            ("ours, strength 0.6", lambda: beauty(tex, 0.6, sk)),
            ("ours, strength 1.0, scale 2", lambda: beauty(tex, 1.0, sk, scale=2)),
            ("peer: bilateral, whole frame", lambda: cv2.bilateralFilter(tex, 25, 0.2, 6))]
    for name, fn in rows:
        fn()
        t = time.process_time()
        out = fn()
        ms = (time.process_time() - t) * 1000
        c, e = score(out)
        print(f"{name:34s} {100 * c:20.0f}% {100 * e:23.1f}% {ms:6.1f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--only", default="stages,throughput,matte,halo,colour,beauty")
    args = ap.parse_args()
    cv2.setNumThreads(2)
    parts = args.only.split(",")
    print(f"# bench_live | {machine()}")
    for name, fn in (("halo", bench_halo), ("colour", bench_colour), ("beauty", bench_beauty),
                     ("matte", bench_matte)):
        if name in parts:
            fn()
    if "stages" in parts:
        bench_stages()
    if "throughput" in parts:
        bench_throughput(args.seconds)
    print(f"\n(end) {machine()}")


if __name__ == "__main__":
    main()
