"""Animated GIF / WebP / APNG: quality per byte, flicker, size budget, timing and speed against
gifski, ffmpeg (palettegen/paletteuse) and Pillow, in one run.

**Clips** (made from scikit-image's bundled photos, 30 fps):

* ``pan``: camera motion across the astronaut photo (a crop window sliding right and down);
* ``subject``: the coffee photo as a static background with a cat (the chelsea photo, elliptic
  crop) moving across it, with mild temporal sensor noise (sigma 1 level) everywhere;
* ``sky``: a blue sky gradient with temporal noise (sigma 2 levels) and the rocket photo's
  rocket rising through it;

at 480x270 (3 s, 90 frames) and 1280x720 (2 s, 60 frames; ``--quick`` leaves 720p out).

**Peers**: gifski 1.7.1 (the npm package's Debian binary, ``benchmarks/.peers``, installed with
``npm install gifski`` there; AGPL, a peer only) at ``--quality 90``; ffmpeg 5.1 ``palettegen``
(``stats_mode=diff``) + ``paletteuse`` (``dither=bayer:bayer_scale=5:diff_mode=rectangle``);
Pillow's default GIF writer.

**Measures**: every GIF is decoded with Pillow (composited RGB frames, checked against ffmpeg's
decode of ours in the tests); each source frame is compared with the frame the GIF shows at its
time (so merged frames count once per source frame): PSNR over all frames' RGB (one MSE), mean
SSIM (scikit-image, channel_axis). Flicker: mean |frame - previous frame| in 8-bit levels over
the static pixels (the subject clip's background outside the cat's path, the sky clip's sky),
with the source's own value beside it. ``ours@gifski`` is our GIF with ``max_size`` = gifski's
bytes, ``ours@ffmpeg`` with ffmpeg's bytes; ``webp`` our WebP at the lowest quality whose PSNR is
at least that of ``ours@gifski``. Timing: durations and loop count of our GIF / WebP / APNG read
back with Pillow and (GIF, APNG) ffprobe. Speed: ``brightroom.animate`` from an H.264 file of the
clip to a GIF (decode included, numba compiled beforehand), median of 3, gifski's time from PNG
frames beside it.

Run: ``.venv/bin/python benchmarks/bench_animate.py [--quick]``
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import skimage.data as sd
from PIL import Image
from skimage.metrics import structural_similarity

import brightroom

ROOT = Path(__file__).resolve().parent
GIFSKI = ROOT / ".peers" / "node_modules" / "gifski" / "bin" / "debian" / "gifski"
FPS = 30


# ----------------------------------------------------------------------------- clips

def _fit(img: np.ndarray, w: int, h: int) -> np.ndarray:
    s = max(w / img.shape[1], h / img.shape[0])
    r = cv2.resize(img, (int(np.ceil(img.shape[1] * s)), int(np.ceil(img.shape[0] * s))),
                   interpolation=cv2.INTER_CUBIC if s > 1 else cv2.INTER_AREA)
    y, x = (r.shape[0] - h) // 2, (r.shape[1] - w) // 2
    return np.ascontiguousarray(r[y:y + h, x:x + w])


def clip_pan(w: int, h: int, n: int) -> tuple[list[np.ndarray], np.ndarray | None]:
    big = _fit(sd.astronaut(), int(w * 1.5), int(w * 1.5))
    out = []
    for t in range(n):
        x = round(t * (big.shape[1] - w) / (n - 1))
        y = round(t * (big.shape[0] - h) / (n - 1) * 0.4)
        out.append(np.ascontiguousarray(big[y:y + h, x:x + w]))
    return out, None


def _noise(frame: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    return np.clip(frame + rng.normal(0, sigma, frame.shape), 0, 255).astype(np.uint8)


def clip_subject(w: int, h: int, n: int) -> tuple[list[np.ndarray], np.ndarray | None]:
    rng = np.random.default_rng(1)
    bg = _fit(sd.coffee(), w, h).astype(np.float32)
    cat = sd.chelsea()
    ch = int(h * 0.45)
    cw = int(ch * cat.shape[1] / cat.shape[0] * 0.7)
    cat = cv2.resize(cat[20:280, 80:380], (cw, ch), interpolation=cv2.INTER_AREA).astype(np.float32)
    yy, xx = np.mgrid[0:ch, 0:cw]
    alpha = (((yy - ch / 2) / (ch / 2)) ** 2 + ((xx - cw / 2) / (cw / 2)) ** 2 <= 1)
    alpha = cv2.GaussianBlur(alpha.astype(np.float32), (0, 0), 1.5)[..., None]
    static = np.ones((h, w), bool)
    out = []
    y0 = int(h * 0.35)
    for t in range(n):
        f = bg.copy()
        x0 = int(round(t * (w - cw) / (n - 1)))
        y = y0 + int(round(h * 0.08 * np.sin(t / n * 2 * np.pi)))
        f[y:y + ch, x0:x0 + cw] = f[y:y + ch, x0:x0 + cw] * (1 - alpha) + cat * alpha
        static[max(y - 2, 0):y + ch + 2, max(x0 - 2, 0):x0 + cw + 2] = False
        out.append(_noise(f, 1.0, rng))
    return out, static


def clip_sky(w: int, h: int, n: int) -> tuple[list[np.ndarray], np.ndarray | None]:
    rng = np.random.default_rng(2)
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    top = np.array([40, 90, 170], np.float32)
    bottom = np.array([170, 200, 235], np.float32)
    sky = np.broadcast_to(top + (bottom - top) * t, (h, w, 3)).copy()
    rocket = sd.rocket()[40:400, 280:380]
    rh = int(h * 0.5)
    rw = max(1, int(rh * rocket.shape[1] / rocket.shape[0]))
    rocket = cv2.resize(rocket, (rw, rh), interpolation=cv2.INTER_AREA).astype(np.float32)
    static = np.ones((h, w), bool)
    x = (w - rw) // 2
    static[:, max(x - 2, 0):x + rw + 2] = False
    out = []
    for k in range(n):
        f = sky.copy()
        y = int(round(h - k * (h + rh) / (n - 1)))
        a, b = max(y, 0), min(y + rh, h)
        if b > a:
            f[a:b, x:x + rw] = rocket[a - y:b - y]
        out.append(_noise(f, 2.0, rng))
    return out, static


CLIPS = {"pan": clip_pan, "subject": clip_subject, "sky": clip_sky}


# ----------------------------------------------------------------------------- decode, measure

def decode(data: bytes) -> tuple[list[np.ndarray], list[float]]:
    im = Image.open(io.BytesIO(data))
    frames, durs = [], []
    for i in range(getattr(im, "n_frames", 1)):
        im.seek(i)
        im.load()
        frames.append(np.asarray(im.convert("RGB")))
        durs.append(float(im.info.get("duration", 0)))
    return frames, durs


def shown(frames: list[np.ndarray], durs: list[float], n: int) -> list[np.ndarray]:
    """The frame on screen at each source frame's time (its middle)."""
    starts = np.concatenate([[0.0], np.cumsum(durs)])
    out = []
    for i in range(n):
        t = (i + 0.5) * 1000.0 / FPS
        k = int(np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(frames) - 1))
        out.append(frames[k])
    return out


def measure(data: bytes, src: list[np.ndarray], static: np.ndarray | None) -> dict:
    frames, durs = decode(data)
    if frames[0].shape != src[0].shape:
        frames = [cv2.resize(f, (src[0].shape[1], src[0].shape[0]), interpolation=cv2.INTER_AREA)
                  for f in frames]
    out = shown(frames, durs, len(src))
    mse = float(np.mean([np.mean((a.astype(np.float64) - b) ** 2) for a, b in zip(out, src)]))
    step = max(1, len(src) // 15)
    ssim = float(np.mean([structural_similarity(a, b, channel_axis=2, data_range=255)
                          for a, b in list(zip(out, src))[::step]]))
    res = {"bytes": len(data), "psnr": 10 * np.log10(255 ** 2 / max(mse, 1e-12)), "ssim": ssim}
    if static is not None:
        res["flicker"] = float(np.mean([np.abs(a.astype(np.float32) - b)[static].mean()
                                        for a, b in zip(out[1:], out[:-1])]))
    return res


def source_flicker(src: list[np.ndarray], static: np.ndarray) -> float:
    return float(np.mean([np.abs(a.astype(np.float32) - b)[static].mean()
                          for a, b in zip(src[1:], src[:-1])]))


# ----------------------------------------------------------------------------- encoders

def ours(src: list[np.ndarray], fmt: str = "gif", **kw) -> tuple[bytes, float, object]:
    t = time.perf_counter()
    r = brightroom.animate(src, fps=FPS, format=fmt, **kw)
    return r.data, time.perf_counter() - t, r


def gifski(src: list[np.ndarray], tmp: Path, quality: int = 90) -> tuple[bytes, float]:
    d = tmp / "png"
    d.mkdir(exist_ok=True)
    names = []
    for i, f in enumerate(src):
        p = d / f"f{i:04d}.png"
        cv2.imwrite(str(p), cv2.cvtColor(f, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 1])
        names.append(str(p))
    h, w = src[0].shape[:2]
    out = tmp / "gifski.gif"
    t = time.perf_counter()
    subprocess.run([str(GIFSKI), "-q", "-r", str(FPS), "-Q", str(quality), "-W", str(w), "-H",
                    str(h), "-o", str(out), *names], check=True, capture_output=True)
    dt = time.perf_counter() - t
    data = out.read_bytes()
    shutil.rmtree(d)
    return data, dt


def ffmpeg(src: list[np.ndarray], tmp: Path) -> tuple[bytes, float]:
    h, w = src[0].shape[:2]
    out = tmp / "ffmpeg.gif"
    vf = ("split[a][b];[a]palettegen=stats_mode=diff[p];"
          "[b][p]paletteuse=dither=bayer:bayer_scale=5:diff_mode=rectangle")
    t = time.perf_counter()
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s",
                    f"{w}x{h}", "-r", str(FPS), "-i", "-", "-vf", vf, str(out)],
                   input=b"".join(f.tobytes() for f in src), check=True, capture_output=True)
    return out.read_bytes(), time.perf_counter() - t


def pillow(src: list[np.ndarray]) -> tuple[bytes, float]:
    ims = [Image.fromarray(f) for f in src]
    buf = io.BytesIO()
    t = time.perf_counter()
    ims[0].save(buf, format="GIF", save_all=True, append_images=ims[1:],
                duration=round(1000 / FPS), loop=0)
    return buf.getvalue(), time.perf_counter() - t


# ----------------------------------------------------------------------------- timing read-back

def ffprobe_durations(path: Path) -> list[float] | None:
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                        "packet=duration_time", "-of", "json", str(path)],
                       capture_output=True, text=True)
    try:
        pk = json.loads(r.stdout)["packets"]
        return [round(float(p["duration_time"]) * 1000) for p in pk]
    except (KeyError, ValueError, json.JSONDecodeError):
        return None


def timing_check(src: list[np.ndarray], tmp: Path) -> list[dict]:
    rows = []
    for fmt, ext in (("gif", "gif"), ("webp", "webp"), ("apng", "png")):
        for loop in (0, 1, 3):
            r = brightroom.animate(src[:30], tmp / f"t{loop}.{ext}", fps=FPS, loop=loop,
                                   overwrite=True)
            frames, durs = decode(r.data)
            info = Image.open(io.BytesIO(r.data)).info
            pil_loop = info.get("loop")
            # Pillow's GIF 'loop' is the NETSCAPE repetitions (absent = play once)
            if fmt == "gif":
                plays = 1 if pil_loop is None else (0 if pil_loop == 0 else pil_loop + 1)
            else:
                plays = pil_loop
            probe = ffprobe_durations(tmp / f"t{loop}.{ext}")
            rows.append({"format": fmt, "loop": loop, "plays_read": plays,
                         "durations_ok_pillow": [round(d) for d in durs] == list(r.durations_ms),
                         "durations_ok_ffprobe": None if not probe else probe == list(r.durations_ms),
                         "frames": r.frames})
    return rows


# ----------------------------------------------------------------------------- main

def _mp4(src: list[np.ndarray], path: Path) -> None:
    h, w = src[0].shape[:2]
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s",
                    f"{w}x{h}", "-r", str(FPS), "-i", "-", "-c:v", "libx264", "-crf", "14",
                    "-pix_fmt", "yuv420p", str(path)],
                   input=b"".join(f.tobytes() for f in src), check=True, capture_output=True)


def webp_matching(src: list[np.ndarray], psnr: float, static) -> dict:
    lo, hi, best = 1, 100, None
    while lo <= hi:
        mid = (lo + hi) // 2
        data, _, _ = ours(src, "webp", quality=mid)
        m = measure(data, src, static)
        if m["psnr"] >= psnr:
            best, hi = (mid, m), mid - 1
        else:
            lo = mid + 1
    if best is None:
        return {"quality": None}
    return {"quality": best[0], **best[1]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="480x270 only")
    ap.add_argument("--clips", default=",".join(CLIPS))
    args = ap.parse_args()
    sizes = [(480, 270, 90)] + ([] if args.quick else [(1280, 720, 60)])
    load = os.getloadavg()[0]
    print(f"# bench_animate  machine: {os.cpu_count()} cores, shared, load {load:.1f}")
    # compile the numba kernels outside the measurements
    warm, _ = clip_pan(96, 64, 4)
    ours(warm)
    ours(warm, max_size=20000)
    results = {}
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        for w, h, n in sizes:
            for name in args.clips.split(","):
                src, static = CLIPS[name](w, h, n)
                key = f"{name} {w}x{h}"
                row: dict = {}
                g, gt = gifski(src, tmp)
                row["gifski"] = {**measure(g, src, static), "time": gt}
                f, ft = ffmpeg(src, tmp)
                row["ffmpeg"] = {**measure(f, src, static), "time": ft}
                p, pt = pillow(src)
                row["pillow"] = {**measure(p, src, static), "time": pt}
                o, ot, r = ours(src)
                row["ours q90"] = {**measure(o, src, static), "time": ot}
                o, ot, r = ours(src, max_size=len(g))
                row["ours@gifski"] = {**measure(o, src, static), "time": ot,
                                      "limit": len(g), "quality": r.quality}
                o2, ot2, r2 = ours(src, max_size=len(f))
                row["ours@ffmpeg"] = {**measure(o2, src, static), "time": ot2,
                                      "limit": len(f), "quality": r2.quality}
                row["webp"] = webp_matching(src, row["ours@gifski"]["psnr"], static)
                if static is not None:
                    row["source flicker"] = source_flicker(src, static)
                if w == 480:
                    mp4 = tmp / f"{name}.mp4"
                    _mp4(src, mp4)
                    ts = []
                    for _ in range(3):
                        t = time.perf_counter()
                        brightroom.animate(mp4, tmp / "speed.gif", overwrite=True)
                        ts.append(time.perf_counter() - t)
                    row["speed mp4->gif"] = float(np.median(ts))
                results[key] = row
                _print(key, row)
        results["timing"] = timing_check(CLIPS["subject"](240, 136, 30)[0], tmp)
        for t in results["timing"]:
            print("timing", t)
    print(f"# load at end {os.getloadavg()[0]:.1f}")
    out = ROOT / ".bench_animate.json"
    out.write_text(json.dumps(results, indent=1, default=float))


def _print(key: str, row: dict) -> None:
    print(f"\n## {key}")
    print(f"{'encoder':14s} {'bytes':>9s} {'PSNR':>7s} {'SSIM':>6s} {'flicker':>7s} {'time s':>7s}")
    for k, v in row.items():
        if isinstance(v, dict) and "bytes" in v:
            fl = v.get("flicker")
            print(f"{k:14s} {v['bytes']:9d} {v['psnr']:7.2f} {v['ssim']:6.3f} "
                  f"{'' if fl is None else f'{fl:7.3f}':>7s} {v.get('time', float('nan')):7.2f}"
                  + (f"  limit {v['limit']} ({100 * v['bytes'] / v['limit']:.1f} %), q {v['quality']:.1f}"
                     if "limit" in v else "")
                  + (f"  q {v['quality']}" if k == "webp" else ""))
    g, og, f, of = row["gifski"], row["ours@gifski"], row["ffmpeg"], row["ours@ffmpeg"]
    print(f"PSNR ours@gifski - gifski = {og['psnr'] - g['psnr']:+.2f} dB (bar +0.5); "
          f"ours@ffmpeg - ffmpeg = {of['psnr'] - f['psnr']:+.2f} dB (bar > 0)")
    if "flicker" in og:
        print(f"flicker ours {row['ours q90']['flicker']:.3f} / gifski {g['flicker']:.3f} / "
              f"ffmpeg {f['flicker']:.3f} / source {row['source flicker']:.3f}")
    wb = row["webp"]
    if wb.get("bytes"):
        print(f"WebP q{wb['quality']} {wb['bytes']} B at PSNR {wb['psnr']:.2f} = "
              f"{wb['bytes'] / og['bytes']:.2f} x our GIF (bar <= 0.5)")
    if "speed mp4->gif" in row:
        print(f"speed mp4->gif ours {row['speed mp4->gif']:.2f} s, gifski {g['time']:.2f} s "
              f"(ratio {row['speed mp4->gif'] / g['time']:.2f}); bar <= 2 s")


if __name__ == "__main__":
    main()
