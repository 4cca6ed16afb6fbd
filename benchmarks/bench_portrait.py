"""Portrait mode: stereo accuracy, bokeh quality against the exact layered reference,
segmentation IoU, 12 MP speed and 720p video speed.

Tables:

1. **Stereo** on the Middlebury 2014 motorcycle pair shipped with scikit-image (ground-truth
   disparity): bad-2.0 (% of valid pixels off by more than 2 px, unknown counted bad), mean
   absolute error over the pixels with an estimate, coverage and time. Peer: OpenCV StereoBM.
2. **Bokeh quality** on the synthetic portrait scenes of :mod:`brightroom.lab.portrait_scenes`:
   PSNR (sRGB-encoded) against the exact layered reference (:mod:`brightroom.lab.bokeh_reference`;
   metric :mod:`brightroom.lab.metrics.bokeh`) overall, in the 2-pixel band around
   the silhouette and outside it, and the bokeh sub-score. Rows: the layered renderer with the
   exact matte, with the segmentation model's matte, with depth only, and the naive gather (peer).
   Bar: >= 30 dB overall.
3. **Segmentation IoU** of the MediaPipe selfie model on the lab scenes (bar >= 0.95).
4. **12 MP speed**: the iPhone HEIC (4032x3024) with its own depth map: render_portrait (segment +
   align depth + bokeh) and render_bokeh alone. Bar: <= 1.5 s.
4b. **12 MP file to file** (``brightroom.portrait`` HEIC -> JPEG, and the CLI process): wall and
   CPU, split into HEIC decode, depth decode, segmentation, depth alignment, render (grain
   estimate, layers, composite) and JPEG encode. Peers: pillow-heif decode + Pillow JPEG encode
   of the same file (the floor any portrait pays) and a naive OpenCV portrait (Gaussian blur
   composited by a depth threshold). Bar: <= 2 s file to file.
4c. **200 MP**: a 16384x12288 grid HEIC (tests/data) under a 4 GB memory limit: refused before
   decoding (time, peak RSS of the process). Peer: opening the HEIC's header with pillow-heif.
4d. **Real files** (../shared/data): the Google Lens Blur JPEG (background band-pass detail
   before/after at f/1.4, subject PSNR), the spatial photo (leaves vs house detail kept), the
   burst, multi-image and truncated HEICs (what the user gets), no-person photos (refused, and
   how many the selfie model alone would have taken for a person: the peer).
4e. **Grain**: the noise put back in the blurred background against the input's own (flat
   16 px tiles, deviation after the plane) on the iPhone wall and lab portraits at ISO 100 and
   3200; peer: white noise of the Immerkaer (1996) deviation, the previous method, whose
   Laplacian variance is printed beside ours.
5. **720p video**: frames per second of the light and quality presets (segmentation, temporal
   smoothing, bokeh; decode and encode excluded, then included), frames over the 33 ms budget
   ("dropped" by a live pipeline). Bar: >= 30 fps with the light preset.

Wall-clock medians after a warm-up; process CPU time is printed too, because the benchmark
machine is shared (its load average is printed with it).

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_portrait.py [--quick]``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
warnings.filterwarnings("ignore")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from brightroom.lab.bokeh_reference import reference_bokeh  # noqa: E402
from brightroom.lab.metrics.bokeh import bokeh_errors, bokeh_score  # noqa: E402
from brightroom.lab.portrait_scenes import PORTRAIT_SCENES, portrait_scene  # noqa: E402
from brightroom.portrait.bokeh import BokehParams, render_bokeh  # noqa: E402
from brightroom.portrait.segment import segment  # noqa: E402
from brightroom.portrait.stereo import StereoParams, disparity, disparity_errors  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def timed(fn, runs: int = 3):  # noqa: ANN001, ANN201
    fn()  # warm-up (numba compile, model load)
    walls, cpus = [], []
    out = None
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return out, statistics.median(walls), statistics.median(cpus), max(walls) - min(walls)


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return (f"{platform.platform()} | {platform.processor() or platform.machine()} | "
            f"{os.cpu_count()} cores | load {load[0]:.1f} | numpy {np.__version__} | "
            f"OpenCV {cv2.__version__}")


def bench_stereo() -> None:
    from skimage import data

    left, right, truth = data.stereo_motorcycle()
    print("\n## Stereo: Middlebury motorcycle (741x500, scikit-image), ground-truth disparity")
    print(f"{'method':34s} {'bad-2.0 %':>9s} {'MAE px':>7s} {'cover %':>8s} {'time s':>7s}")
    rows = [("ours: SGBM + WLS (default)", lambda: disparity(left, right)),
            ("ours: SGBM only", lambda: disparity(left, right, params=StereoParams(wls=False)))]

    def bm() -> np.ndarray:
        g = [cv2.cvtColor(x, cv2.COLOR_RGB2GRAY) for x in (left, right)]
        m = cv2.StereoBM_create(numDisparities=64, blockSize=15)
        d = m.compute(g[0], g[1]).astype(np.float32) / 16
        d[d <= 0] = np.nan
        return d

    rows.append(("peer: OpenCV StereoBM (64, 15)", bm))
    for name, fn in rows:
        d, wall, _, _ = timed(fn, 3)
        e = disparity_errors(d, truth)
        print(f"{name:34s} {e['bad']:9.1f} {e['mae']:7.2f} {e['coverage']:8.1f} {wall:7.3f}")


def bench_quality(quick: bool) -> None:
    size = 256 if quick else 512
    print(f"\n## Bokeh quality vs the exact layered reference ({size}x{size}, 50 mm FF, focus on "
          "the subject at 1.5 m; PSNR dB on sRGB-encoded values)")
    print(f"{'scene':22s} {'f/':>4s} {'renderer':22s} {'PSNR':>6s} {'band':>6s} {'outside':>7s} "
          f"{'score':>6s}")
    ious = []
    for name, kw in PORTRAIT_SCENES.items():
        sc = portrait_scene(name, size=size, **kw)
        seg = segment(sc.display)
        m1, m2 = seg.alpha >= 0.5, sc.matte >= 0.5
        ious.append((name, float((m1 & m2).sum() / (m1 | m2).sum()), seg.found))
        for fno in ((1.4, 2.8) if not quick else (1.4,)):
            ref = reference_bokeh(sc, f_number=fno)
            p = BokehParams(f_number=fno, noise=False)
            variants = {
                "layered, exact matte": dict(matte=sc.matte),
                "layered, model matte": dict(matte=seg.alpha),
                "layered, depth only": dict(),
                "peer: naive gather": dict(method="naive"),
            }
            for label, kwargs in variants.items():
                out = render_bokeh(sc.display, sc.depth, params=p, focus_distance=1.5, **kwargs)
                e = bokeh_errors(out, ref, sc.matte)
                s = bokeh_score(out, ref, sc.matte)
                print(f"{name:22s} {fno:4.1f} {label:22s} {e['psnr']:6.2f} {e['psnr_band']:6.2f} "
                      f"{e['psnr_outside_band']:7.2f} {s:6.1f}")
    print("\n## Segmentation IoU (MediaPipe selfie, 256x256, via OpenCV DNN; subject: "
          "scikit-image astronaut with the hand-made matte)")
    for name, iou, found in ious:
        print(f"{name:22s} IoU {iou:.3f}  found={found}")


def bench_12mp() -> None:
    from brightroom.io import read_image
    from brightroom.io.depth import read_depth
    from brightroom.portrait.photo import render_portrait

    path = DATA / "iphone-portrait-depth.heic"
    print("\n## 12 MP speed")
    if not path.is_file():
        print(f"(skipped: {path} not found)")
        return
    img = read_image(path)
    dm = read_depth(path)
    p = BokehParams(f_number=1.8)
    r, wall, cpu, spread = timed(lambda: render_portrait(img, depth=dm, params=p), 3)
    print(f"render_portrait 4032x3024 (segment + align + bokeh): wall {wall:.3f} s "
          f"(spread {spread:.3f}), CPU {cpu:.3f} s; focus {r.focus_distance:.2f} m; "
          f"{'; '.join(r.notes)}")
    _, wall, cpu, spread = timed(lambda: render_bokeh(img, r.depth, params=p,
                                                      focus_distance=r.focus_distance), 3)
    print(f"render_bokeh alone:                                  wall {wall:.3f} s "
          f"(spread {spread:.3f}), CPU {cpu:.3f} s")
    _, wall, cpu, _ = timed(lambda: segment(img), 3)
    print(f"segment alone:                                       wall {wall:.3f} s, "
          f"CPU {cpu:.3f} s")


def _stage_timer():  # noqa: ANN202
    """Wrap the portrait path's steps to record wall and CPU seconds per step."""
    import functools

    import brightroom.api as api
    import brightroom.portrait.bokeh as bk
    import brightroom.portrait.photo as ph

    rec: dict[str, list[float]] = {}
    undo = []

    def wrap(mod, name, label):  # noqa: ANN001, ANN202
        f = getattr(mod, name)

        @functools.wraps(f)
        def g(*a, **k):  # noqa: ANN002, ANN003, ANN202
            t, c = time.perf_counter(), time.process_time()
            try:
                return f(*a, **k)
            finally:
                w0, c0 = rec.get(label, [0.0, 0.0])
                rec[label] = [w0 + time.perf_counter() - t, c0 + time.process_time() - c]

        setattr(mod, name, g)
        undo.append((mod, name, f))

    for mod, name, label in ((ph, "read_image", "HEIC decode"), (ph, "read_depth", "depth decode"),
                             (ph, "segment", "segmentation"), (ph, "_working", "depth align"),
                             (ph, "render_bokeh", "render"), (bk, "estimate_grain", " grain est"),
                             (bk, "_render_layered", " layers"), (bk, "composite_full", " composite"),
                             (api, "write", "JPEG encode")):
        wrap(mod, name, label)

    def restore() -> None:
        for mod, name, f in undo:
            setattr(mod, name, f)

    return rec, restore


def bench_file_to_file() -> None:
    import subprocess
    import sys

    import pillow_heif
    from PIL import Image as PILImage

    import brightroom

    path = DATA / "iphone-portrait-depth.heic"
    print("\n## 12 MP file to file: iPhone HEIC 4032x3024 with its depth -> JPEG q92")
    if not path.is_file():
        print(f"(skipped: {path} not found)")
        return
    with tempfile.TemporaryDirectory() as td:
        out = Path(td) / "p.jpg"
        run = lambda: brightroom.portrait(path, out, overwrite=True)  # noqa: E731
        _, wall, cpu, spread = timed(run, 3)
        rec, restore = _stage_timer()
        try:
            run()
        finally:
            restore()

        def peer_floor() -> None:
            h = pillow_heif.open_heif(str(path))
            PILImage.fromarray(np.asarray(h)).save(Path(td) / "f.jpg", quality=92)

        def peer_naive() -> None:
            from brightroom.io.depth import read_depth

            h = pillow_heif.open_heif(str(path))
            a = np.asarray(h)
            d = read_depth(path).depth
            m = cv2.resize((d < np.percentile(d, 30)).astype(np.float32), (a.shape[1], a.shape[0]))
            m = cv2.GaussianBlur(m, (0, 0), 8)[..., None]
            b = cv2.GaussianBlur(a, (0, 0), 25)
            o = (a * m + b * (1 - m)).astype(np.uint8)
            PILImage.fromarray(o).save(Path(td) / "n.jpg", quality=92)

        _, fw, fc, _ = timed(peer_floor, 3)
        _, nw, nc, _ = timed(peer_naive, 3)
        env = dict(os.environ)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "brightroom.cli.main", "portrait", str(path), "-o",
                        str(Path(td) / "cli.jpg"), "--overwrite"], env=env, check=True,
                       capture_output=True)
        cli = time.perf_counter() - t
    load = os.getloadavg()[0]
    print(f"{'':38s} {'wall s':>7s} {'CPU s':>7s}")
    print(f"{'ours: brightroom.portrait (median of 3)':38s} {wall:7.3f} {cpu:7.3f}  "
          f"(spread {spread:.3f})")
    for k, (w, c) in rec.items():
        print(f"  {k:36s} {w:7.3f} {c:7.3f}")
    print(f"{'ours: CLI process (start-up included)':38s} {cli:7.3f}")
    print(f"{'peer: pillow-heif decode + JPEG encode':38s} {fw:7.3f} {fc:7.3f}  "
          f"ratio ours/peer wall {wall / fw:.2f}, CPU {cpu / fc:.2f}")
    print(f"{'peer: naive OpenCV portrait':38s} {nw:7.3f} {nc:7.3f}  "
          f"ratio ours/peer wall {wall / nw:.2f}, CPU {cpu / nc:.2f}")
    print(f"(bar <= 2 s file to file; load average {load:.1f} on {os.cpu_count()} cores: wall "
          "times stretch with the load, CPU times do not)")


def bench_200mp() -> None:
    import subprocess
    import sys

    big = Path(__file__).resolve().parents[1] / "tests" / "data" / "heic-200mp-grid.heic"
    print("\n## 200 MP HEIC (16384x12288 grid) under BRIGHTROOM_MEMORY_LIMIT=4G")
    code = ("import resource, time, sys; import brightroom; brightroom.portrait\n"
            "import brightroom.api\n"
            "rss0=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024\n"
            "t1=time.perf_counter()\n"
            "try:\n brightroom.portrait(sys.argv[1], sys.argv[2])\n"
            "except brightroom.BrightroomError as e: msg=str(e)\n"
            "rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024\n"
            "print(f'{time.perf_counter()-t1:.3f} {rss0:.0f}/{rss:.0f} {msg}')")
    with tempfile.TemporaryDirectory() as td:
        env = dict(os.environ, BRIGHTROOM_MEMORY_LIMIT="4G")
        r = subprocess.run([sys.executable, "-c", code, str(big), str(Path(td) / "b.jpg")],
                           env=env, capture_output=True, text=True)
    secs, rss, msg = (r.stdout.strip().split(" ", 2) + ["", "", ""])[:3]
    import pillow_heif

    t = time.perf_counter()
    h = pillow_heif.open_heif(str(big))
    _ = h.size
    peer = time.perf_counter() - t
    print(f"ours: refused in {secs} s (modules loaded), peak RSS after import / at the end "
          f"{rss} MiB: {msg}")
    print(f"peer: pillow-heif header open {peer:.3f} s (ratio {float(secs or 0) / peer:.1f}); "
          f"load {os.getloadavg()[0]:.1f}")


def _tile_noise(g: np.ndarray, b: int = 16) -> np.ndarray:
    h, w = g.shape
    t = g[:h // b * b, :w // b * b].reshape(h // b, b, w // b, b).transpose(0, 2, 1, 3)
    t = t.reshape(-1, b * b).astype(np.float64)
    yy, xx = np.mgrid[0:b, 0:b]
    a = np.stack([np.ones(b * b), xx.ravel(), yy.ravel()], 1)
    return (t - (t @ np.linalg.pinv(a).T) @ a.T).std(axis=1)


def _band(a: np.ndarray, m: np.ndarray) -> float:
    g = cv2.cvtColor(np.ascontiguousarray(a, np.float32), cv2.COLOR_RGB2GRAY)
    d = cv2.GaussianBlur(g, (0, 0), 2.0) - cv2.GaussianBlur(g, (0, 0), 4.0)
    return float(d[m].var())


def bench_real_files() -> None:
    import brightroom
    from brightroom.io.depth import read_depth, read_xmp_original
    from brightroom.portrait.bokeh import estimate_noise
    from brightroom.portrait.segment import SEGMENT_METHODS, SegmentParams

    print("\n## Real files (../shared/data)")
    g = DATA / "gdepth-flowers.jpg"
    if g.is_file():
        r = brightroom.portrait(g, aperture=1.4)
        orig, prim = read_xmp_original(g), brightroom.read_image(g).data
        out = np.clip(r.image.data, 0, 1)
        d = read_depth(g)
        bg = cv2.erode((d.depth > 2 * d.focus_distance).astype(np.uint8),
                       np.ones((15, 15), np.uint8)) > 0
        h, w = d.shape
        yy, xx = np.mgrid[0:h, 0:w]
        fx, fy = d.focus_point
        subj = (np.abs(d.depth / d.focus_distance - 1) < 0.05) & \
            (np.hypot(xx / w - fx, (yy / h - fy) * h / w) < 0.12)
        subj = cv2.erode(subj.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
        psnr = 10 * np.log10(1 / np.mean((out - orig)[subj] ** 2))
        print(f"gdepth-flowers.jpg f/1.4: focus {r.focus_distance:.2f} m ({r.focus_source}); "
              f"background detail original/ours {_band(orig, bg) / _band(out, bg):.1f}x "
              f"(bar >= 4x; Google's own Lens Blur primary: "
              f"{_band(orig, bg) / _band(prim, bg):.1f}x), subject PSNR {psnr:.1f} dB (bar >= 30)")
    s = DATA / "iphone-spatial-stereo.heic"
    if s.is_file():
        r = brightroom.portrait(s, aperture=2.0)
        left, out = brightroom.read_image(s).data, r.image.data
        h, w = left.shape[:2]
        one = lambda reg: np.ones(out[reg].shape[:2], bool)  # noqa: E731
        leaves = (slice(int(0.27 * h), int(0.55 * h)), slice(int(0.33 * w), int(0.62 * w)))
        house = (slice(0, int(0.25 * h)), slice(int(0.3 * w), int(0.7 * w)))
        kl = _band(out[leaves], one(leaves)) / _band(left[leaves], one(leaves))
        kh = _band(out[house], one(house)) / _band(left[house], one(house))
        print(f"iphone-spatial-stereo.heic: depth from {r.depth_source}, detail kept: leaves "
              f"{kl:.2f}, house {kh:.3f} (ratio {kl / kh:.0f}x)")
    for name in ("heic-burst.heic", "heic-multi-image.heic"):
        p = DATA / name
        if p.is_file():
            try:
                brightroom.portrait(p)
                print(f"{name}: rendered")
            except brightroom.BrightroomError as e:
                print(f"{name}: {type(e).__name__}: {e}")
    from skimage import data

    seg = SEGMENT_METHODS["mediapipe_selfie"]
    refused, fooled = 0, 0
    names = ("coffee", "chelsea", "rocket", "hubble_deep_field", "brick", "grass", "gravel",
             "retina", "coins", "horse")
    for n in names:
        a = getattr(data, n)()
        a = (np.repeat(a[..., None], 3, 2) if a.ndim == 2 else a[..., :3]).astype(np.float32) / 255
        c = seg(a, SegmentParams())
        sel = c > 0.5
        fooled += bool(sel.mean() >= 0.01 and sel.any() and c[sel].mean() >= 0.9)
        try:
            brightroom.portrait(brightroom.Image(a, space="display", transfer="sRGB"))
        except brightroom.NoSubjectError:
            refused += 1
    print(f"no-person photos (scikit-image, {len(names)}): ours refused {refused}/{len(names)} "
          f"(no output written); peer (selfie model's confident mask alone, the old rule) "
          f"would blur {fooled}/{len(names)}")
    # grain
    print("\ngrain: deviation on flat 16 px tiles, ours/input (bar 0.75..1.25); Laplacian "
          "variance (x255^2) input / ours / peer: white noise of the picture's Immerkaer "
          "deviation (the previous renderer's kind of grain)")
    p = DATA / "iphone-portrait-depth.heic"
    if p.is_file():
        img = brightroom.read_image(p).data
        out = brightroom.portrait(p).image.data
        h, w = img.shape[:2]
        wall = (slice(int(0.05 * h), int(0.4 * h)), slice(int(0.3 * w), int(0.9 * w)))
        gi = cv2.cvtColor(img[wall], cv2.COLOR_RGB2GRAY)
        go = cv2.cvtColor(out[wall], cv2.COLOR_RGB2GRAY)
        ti, to = _tile_noise(gi), _tile_noise(go)
        flat = ti <= np.percentile(ti, 50)
        sig = estimate_noise(img)
        rng = np.random.default_rng(0)
        white = cv2.GaussianBlur(gi, (0, 0), 6) + rng.normal(0, sig, gi.shape).astype(np.float32)
        lap = lambda x: cv2.Laplacian(x, cv2.CV_32F).var() * 255 ** 2  # noqa: E731
        print(f"  iPhone wall: {np.median(to[flat]) / np.median(ti[flat]):.2f}; Laplacian "
              f"{lap(gi):.1f} / {lap(go):.1f} / {lap(white):.1f}")
    from brightroom.charts.scene import Scene
    from brightroom.lab.camera import simulate
    from brightroom.portrait.photo import render_portrait

    sc = portrait_scene("astronaut-wall", size=512, hedge=False, seed=1)
    scene = Scene(rgb=np.ascontiguousarray(sc.image, np.float32), name="portrait", depth=sc.depth)
    bgm = cv2.erode(((sc.depth > 7) & (sc.matte < 0.01)).astype(np.uint8),
                    np.ones((41, 41), np.uint8)).astype(np.float32)
    bgt = cv2.resize(bgm, (32, 32), interpolation=cv2.INTER_AREA).ravel() >= 0.999
    for iso, lux in ((100, 300), (3200, 10)):
        noisy, clean = (brightroom.develop(simulate(scene, iso=iso, seed=1, noise=n, lux=lux),
                                           wb="as-shot").data for n in (True, False))
        kw = dict(depth=sc.depth, use_segmentation=False, focus="50%,30%")
        o = render_portrait(noisy, params=BokehParams(f_number=1.4), **kw).image
        q = render_portrait(clean, params=BokehParams(f_number=1.4, noise=False), **kw).image
        flat = (_tile_noise(clean.mean(2)) < 0.4 / 255) & bgt
        si = np.median(_tile_noise(noisy.mean(2))[flat])
        so = np.median(_tile_noise((o - q).mean(2))[flat])
        print(f"  lab ISO {iso}: {so / si:.2f} (input {si * 255:.2f}/255, grain {so * 255:.2f}/255,"
              f" {int(flat.sum())} flat tiles)")
    print(f"(load {os.getloadavg()[0]:.1f})")


def bench_video(quick: bool) -> None:
    import av

    from brightroom.color.spaces import srgb_encode
    from brightroom.portrait.video import VideoParams, read_frames, render_frames, render_video

    n = 30 if quick else 90
    sc = portrait_scene(size=512)
    base = cv2.resize(np.clip(srgb_encode(sc.image), 0, 1), (1280, 720))
    with tempfile.TemporaryDirectory() as td:
        src = Path(td) / "in.mp4"
        out = av.open(str(src), "w")
        st = out.add_stream("libx264", rate=30)
        st.width, st.height, st.pix_fmt = 1280, 720, "yuv420p"
        for i in range(n):
            pix = (np.roll(base, 3 * i, axis=1) * 255).astype(np.uint8)
            for pk in st.encode(av.VideoFrame.from_ndarray(pix, format="rgb24")):
                out.mux(pk)
        for pk in st.encode(None):
            out.mux(pk)
        out.close()
        frames = list(read_frames(src)[0])
        print(f"\n## 720p video ({n} frames of a panning lab portrait, 30 fps source)")
        print(f"{'preset':10s} {'fps wall':>9s} {'fps CPU':>8s} {'dropped':>8s} "
              f"{'end-to-end fps':>15s} {'e2e dropped':>12s}")
        import numba

        nthreads = numba.get_num_threads()
        for name, vp, nt in (("light", VideoParams.light(), nthreads),
                             ("light/1thr", VideoParams.light(), 1),
                             ("quality", VideoParams(), nthreads)):
            numba.set_num_threads(nt)
            list(render_frames(frames[:3], video=vp))
            times = []
            c0, t0 = time.process_time(), time.perf_counter()
            it = render_frames(frames, video=vp)
            while True:
                t = time.perf_counter()
                try:
                    next(it)
                except StopIteration:
                    break
                times.append(time.perf_counter() - t)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            dropped = sum(t > 1 / 30 for t in times)
            stats = render_video(src, Path(td) / f"out-{name}.mp4", video=vp)
            print(f"{name:10s} {n / wall:9.1f} {n / cpu:8.1f} {dropped:5d}/{n:<3d} "
                  f"{stats.fps:15.1f} {stats.dropped:8d}/{stats.frames:<3d}")
        numba.set_num_threads(nthreads)
        print("(light/1thr: the numba composite on one thread; on this shared 2-core machine "
              "a second thread costs more than it gives. end-to-end: render_video file to file, "
              "decode / render / encode pipelined, the render stage's numba on cores - 1 "
              f"threads; load average now {os.getloadavg()[0]:.1f})")


def bench_flicker() -> None:
    """Mask flicker on a still clip with fresh sensor noise in every frame: the mean over pixels
    of the temporal standard deviation of the matte, without and with temporal smoothing."""
    from brightroom.portrait.segment import SEGMENT_METHODS, SegmentParams
    from brightroom.portrait.video import MaskSmoother

    sc = portrait_scene(size=512)
    rng = np.random.default_rng(0)
    sp = SegmentParams(model="landscape")
    seg = SEGMENT_METHODS["mediapipe_selfie"]
    print("\n## Video mask flicker (still 512x512 lab portrait, sigma 0.02 noise per frame, "
          "30 frames; mean temporal std of the coarse matte, edge pixels)")
    frames = [np.clip(sc.display + rng.normal(0, 0.02, sc.display.shape).astype(np.float32),
                      0, 1) for _ in range(30)]
    for ema in (0.0, 0.6, 0.8):
        sm = MaskSmoother(ema=ema)
        masks = []
        for f in frames:
            c = seg(f, sp)
            small = cv2.resize(f, c.shape[::-1], interpolation=cv2.INTER_AREA)
            masks.append(sm.update(c, cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)))
        st = np.std(np.array(masks[5:]), axis=0)
        edge = (np.mean(masks, axis=0) > 0.05) & (np.mean(masks, axis=0) < 0.95)
        print(f"ema {ema:.1f}: temporal std {st[edge].mean():.4f} over {int(edge.sum())} edge "
              f"pixels (max {st.max():.3f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--real", action="store_true",
                    help="only the real-file sections (file to file, 200 MP, real files, grain)")
    args = ap.parse_args()
    print(f"# bench_portrait | {machine()}")
    if not args.real:
        bench_stereo()
        bench_quality(args.quick)
        bench_12mp()
    bench_file_to_file()
    bench_200mp()
    bench_real_files()
    if not args.real:
        bench_flicker()
        bench_video(args.quick)
    print(f"\n(end) load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
