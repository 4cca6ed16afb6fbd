"""Low-light video denoising against ffmpeg's hqdn3d and nlmeans, each tuned for the clip.

Clips: 1280x720, 30 fps hand-held shots of the real-photo canvas of
:mod:`brightroom.lab.video_scenes` (shake 3 px, roll 0.3 degrees) with two moving discs, and the
lab's sensor noise (:func:`~brightroom.lab.video_scenes.add_sensor_noise`: Poisson-Gaussian in
linear light, :func:`brightroom.lab.camera.sensor.noise_profile` of the default sensor) at ISO
3200, 6400 and 12800. The noisy clip is stored losslessly (FFV1, RGB) and every method writes
FFV1 too, so that only the denoiser is measured.

PSNR (8-bit sRGB against the clean frames, mean over frames) of the whole frame and of the
moving discs (the ghost check: not below the noisy input's there). Peers, tuned per clip on
its first frames by PSNR over a small grid (the best setting is then run on the whole clip):
``hqdn3d=luma_spatial:chroma_spatial:luma_tmp:chroma_tmp`` and ``nlmeans=s=S:p=7:r=15``.
Speed: frames per second file to file (decode, align, merge, encode), wall and CPU seconds per
frame (all threads; ffmpeg's as a child process): the machine is shared, and ``2 / CPU`` is
what two free cores would give at best.

Run: ``.venv/bin/python benchmarks/bench_video_denoise.py [--quick]``
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from brightroom.io.video import read_frames_uint8, write_video
from brightroom.lab.video_scenes import add_sensor_noise, shaky_clip
from brightroom.video.denoise import denoise_video

HQDN3D = ["4:3:6:4.5", "8:6:12:9", "12:9:18:13", "16:12:24:18", "24:18:36:27", "32:24:48:36"]
# the first grid (s 4-10) peaked at its edge, s=10, at ISO 6400 and 12800: extended past it
NLMEANS = ["s=7:p=7:r=15", "s=10:p=7:r=15", "s=13:p=7:r=15", "s=16:p=7:r=15", "s=20:p=7:r=15"]


def psnrs(path: Path, clean: np.ndarray, moving: np.ndarray, n: int) -> tuple[float, float]:
    got = np.array(list(read_frames_uint8(path)[0])[:n]).astype(np.float32)
    ref = clean[:n].astype(np.float32)
    mse = ((got - ref) ** 2).mean(axis=(1, 2, 3))
    full = float(np.mean(10 * np.log10(255.0 ** 2 / np.maximum(mse, 1e-9))))
    mm = [((got[i] - ref[i])[moving[i]] ** 2).mean() for i in range(n) if moving[i].any()]
    mov = float(np.mean(10 * np.log10(255.0 ** 2 / np.maximum(np.asarray(mm), 1e-9))))
    return full, mov


def _child_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def ffmpeg(src: Path, out: Path, vf: str, frames: int | None = None) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), _child_cpu()
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src), "-vf", vf]
    if frames:
        cmd += ["-frames:v", str(frames)]
    subprocess.run(cmd + ["-c:v", "ffv1", "-pix_fmt", "bgr0", str(out)], check=True)
    return time.perf_counter() - t0, _child_cpu() - c0


def speed(n: int) -> None:
    """Wall and CPU time of ours and of tuned hqdn3d / nlmeans (ISO 6400 settings) on one clip,
    after a warm-up run."""
    clip = shaky_clip("walk", n, amp_px=3.0, roll_deg=0.3, objects=2, seed=11)
    noisy = add_sensor_noise(clip.frames, 6400, seed=6400)
    del clip
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        src = write_video(noisy, d / "n.mkv", fps=30, codec="ffv1", crf=None, preset=None,
                          pix_fmt="bgr0")
        print(f"# speed, {n} frames 1280x720, load {os.getloadavg()[0]:.1f}")
        print("| method | wall s | fps | CPU s | fps on 2 free cores (n / (CPU / 2)) |")
        print("|---|---|---|---|---|")
        for i in range(2):  # the first run warms caches (numba, files)
            c0, t0 = time.process_time(), time.perf_counter()
            denoise_video(src, d / f"o{i}.mkv", codec="ffv1", crf=None, preset=None)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"| brightroom | {wall:.1f} | {n / wall:.1f} | {cpu:.1f} | {2 * n / cpu:.1f} |")
        for name, vf in (("hqdn3d 16:12:24:18", "hqdn3d=16:12:24:18"),
                         ("nlmeans s=10:p=7:r=15", "nlmeans=s=10:p=7:r=15")):
            wall, cpu = ffmpeg(src, d / "p.mkv", vf)
            print(f"| {name} | {wall:.1f} | {n / wall:.1f} | {cpu:.1f} | {2 * n / cpu:.1f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--speed", action="store_true", help="speed only: wall and CPU time")
    ap.add_argument("--quick", action="store_true", help="one ISO, 16 frames")
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--tune-frames", type=int, default=6)
    args = ap.parse_args()
    if args.speed:
        speed(args.frames)
        return
    isos = [6400] if args.quick else [3200, 6400, 12800]
    n = 16 if args.quick else args.frames
    tune_n = args.tune_frames
    print(f"# bench_video_denoise: {platform.node()}, {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f}, {n} frames 1280x720 per clip")
    print("| ISO | method | PSNR dB | gain dB | moving-region PSNR dB | fps wall | CPU s/frame |")
    print("|---|---|---|---|---|---|---|")
    clip = shaky_clip("walk", n, amp_px=3.0, roll_deg=0.3, objects=2, seed=11)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for iso in isos:
            noisy = add_sensor_noise(clip.frames, iso, seed=iso)
            src = write_video(noisy, d / f"n{iso}.mkv", fps=30, codec="ffv1", crf=None,
                              preset=None, pix_fmt="bgr0")
            p_in, m_in = psnrs(src, clip.frames, clip.moving, n)
            print(f"| {iso} | noisy input | {p_in:.2f} | 0 | {m_in:.2f} | | |")
            for label, sp, dc in (("brightroom", 0.7, True),
                                  ("brightroom, no declip (version 2 default)", 0.7, False),
                                  ("brightroom, no spatial stage", 0.0, True)):
                t0, c0 = time.perf_counter(), time.process_time()
                res = denoise_video(src, d / f"ours{iso}.mkv", codec="ffv1", crf=None,
                                    preset=None, spatial=sp, declip=dc, overwrite=True)
                secs, cpu = time.perf_counter() - t0, time.process_time() - c0
                p, m = psnrs(res.output, clip.frames, clip.moving, n)
                print(f"| {iso} | {label} | {p:.2f} | {p - p_in:+.2f} | {m:.2f} | "
                      f"{n / secs:.1f} | {cpu / n:.3f} |")
            for name, grid, fmt in (("hqdn3d", HQDN3D, "hqdn3d={}"),
                                    ("nlmeans", NLMEANS, "nlmeans={}")):
                best = None
                for g in grid:
                    out = d / f"t{iso}.mkv"
                    ffmpeg(src, out, fmt.format(g), tune_n)
                    q = psnrs(out, clip.frames, clip.moving, tune_n)[0]
                    if best is None or q > best[0]:
                        best = (q, g)
                out = d / f"{name}{iso}.mkv"
                secs, cpu = ffmpeg(src, out, fmt.format(best[1]))
                p2, m2 = psnrs(out, clip.frames, clip.moving, n)
                print(f"| {iso} | {name} {best[1]} (tuned) | {p2:.2f} | {p2 - p_in:+.2f} | "
                      f"{m2:.2f} | {n / secs:.1f} | {cpu / n:.3f} |")
    print(f"# load at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
