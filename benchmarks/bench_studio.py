"""Brightroom Studio over HTTP on loopback: preview latency, thumbnails, load, export parity.

The studio (``brightroom.studio.create_app``) is served by uvicorn in this process's thread on
a free loopback port; the client is httpx (``httpx2``) over real sockets.

1. **Latency**: a lab-simulated 12 MP DNG; the first 1600-px render (develop + resize), then 20
   slider moves (look strength 0.05 .. 1.0, alternating looks): median and 95th percentile.
   Bar: <= 150 ms median. Peer: one full-resolution ``brightroom.develop`` of the same file
   in process (what a preview would cost without the studio's cache).
2. **Thumbnails**: a folder of 100 JPEGs of 12 MP (scikit-image photos tiled and shifted),
   every thumbnail requested once by 4 concurrent clients, cold cache. Bar: <= 10 s. Peer:
   Pillow's ``draft`` + ``thumbnail`` of the same files in one process.
3. **Load**: 32 concurrent render requests and 200 thumbnail requests at once: every status
   200 or 503, the server's RSS before and after, and a request answered afterwards.
4. **Parity**: an export job (recipe neutral, look film at 0.7) against ``brightroom.develop``
   + ``brightroom.look_apply`` of the same file: PSNR (bar >= 50 dB) and size.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_studio.py [--jpegs 100]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import cv2
import httpx2 as httpx
import numpy as np
import uvicorn
from skimage import data as skdata

import brightroom
from brightroom.charts.dead_leaves import dead_leaves
from brightroom.io.dng import write_dng
from brightroom.lab.camera import simulate
from brightroom.studio import StudioConfig, create_app


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _serve(lib: Path) -> tuple[str, uvicorn.Server, threading.Thread]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(StudioConfig(lib, render_queue=16)),
                                        host="127.0.0.1", port=port, log_level="error"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    while not srv.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", srv, th


def _jpegs(folder: Path, n: int) -> None:
    photos = [skdata.astronaut(), skdata.coffee(), skdata.chelsea(), skdata.rocket()]
    for i in range(n):
        base = photos[i % len(photos)]
        tile = cv2.resize(base, (1000, 750), interpolation=cv2.INTER_CUBIC)
        big = np.tile(tile, (4, 4, 1))
        big = np.roll(big, (i * 37, i * 53), axis=(0, 1))
        cv2.imwrite(str(folder / f"img{i:03d}.jpg"), cv2.cvtColor(big, cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, 90])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jpegs", type=int, default=100)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-studio-"))
    try:
        lib = work / "lib"
        lib.mkdir()
        write_dng(simulate(dead_leaves((3000, 4000), seed=2), lux=300, seed=2), lib / "big.dng")
        print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
        base, srv, th = _serve(lib)
        with httpx.Client(base_url=base, timeout=600) as c:
            pid = {p["name"]: p["id"] for p in c.get("/api/photos").json()["photos"]}["big.dng"]
            t0 = time.perf_counter()
            r = c.post(f"/api/photos/{pid}/render", json={"width": 1600})
            first = time.perf_counter() - t0
            assert r.status_code == 200, r.text
            lat = []
            for i in range(20):
                body = {"width": 1600, "look": ("film", "vibrant")[i % 2],
                        "strength": 0.05 + 0.95 * i / 19}
                t0 = time.perf_counter()
                r = c.post(f"/api/photos/{pid}/render", json=body)
                lat.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text
            t0 = time.perf_counter()
            brightroom.develop(lib / "big.dng")
            full = time.perf_counter() - t0
            med = statistics.median(lat)
            p95 = sorted(lat)[int(0.95 * len(lat)) - 1]
            print(f"\n1. latency, 12 MP DNG -> 1600 px: first render {first:.2f} s; slider moves "
                  f"median {med * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms (bar <= 150 ms median)")
            print(f"   peer: a full develop of the file {full:.2f} s; ratio {full / med:.1f}x")

            # 4. parity
            r = c.post("/api/jobs", json={"kind": "export", "photo": pid, "recipe": "neutral",
                                          "look": "film", "strength": 0.7})
            job = r.json()["id"]
            while (st := c.get(f"/api/jobs/{job}").json())["state"] not in ("done", "failed"):
                time.sleep(0.2)
            got = work / "export.jpg"
            got.write_bytes(c.get(f"/api/exports/{st['output']}").content)
            ref = work / "cli.jpg"
            brightroom.look_apply(brightroom.develop(lib / "big.dng", recipe="neutral"), "film",
                                  ref, strength=0.7)
            a = brightroom.read_image(got).data.astype(np.float64)
            b = brightroom.read_image(ref).data.astype(np.float64)
            mse = float(np.mean((a - b) ** 2))
            psnr = float("inf") if mse == 0 else 10 * np.log10(1 / mse)
            print(f"\n4. parity: export {a.shape[1]}x{a.shape[0]} vs CLI {b.shape[1]}x{b.shape[0]}: "
                  f"PSNR {psnr:.1f} dB (bar >= 50), bytes {got.stat().st_size} / "
                  f"{ref.stat().st_size}")
        srv.should_exit = True
        th.join(timeout=30)

        # 2. thumbnails
        jlib = work / "jpegs"
        jlib.mkdir()
        t0 = time.perf_counter()
        _jpegs(jlib, args.jpegs)
        print(f"\n(made {args.jpegs} 12 MP JPEGs in {time.perf_counter() - t0:.0f} s)")
        from PIL import Image as PILImage

        t0 = time.perf_counter()
        for f in sorted(jlib.glob("*.jpg")):
            with PILImage.open(f) as im:
                im.draft("RGB", (256, 256))
                im.thumbnail((256, 256))
        peer = time.perf_counter() - t0
        base, srv, th = _serve(jlib)

        async def thumbs() -> tuple[float, list[int]]:
            async with httpx.AsyncClient(base_url=base, timeout=600) as ac:
                ids = [p["id"] for p in (await ac.get("/api/photos")).json()["photos"]]
                sem = asyncio.Semaphore(4)

                async def one(i: str) -> int:
                    async with sem:
                        return (await ac.get(f"/api/photos/{i}/thumbnail")).status_code

                t0 = time.perf_counter()
                codes = await asyncio.gather(*(one(i) for i in ids))
                return time.perf_counter() - t0, codes

        dt, codes = asyncio.run(thumbs())
        print(f"\n2. thumbnails: {len(codes)} JPEGs of 12 MP in {dt:.2f} s "
              f"({set(codes)}; bar <= 10 s); peer Pillow draft+thumbnail {peer:.2f} s, "
              f"ratio {dt / peer:.2f}")

        # 3. load
        rss0 = _rss_mib()

        async def load() -> tuple[dict[int, int], float, int]:
            async with httpx.AsyncClient(base_url=base, timeout=600,
                                         limits=httpx.Limits(max_connections=300)) as ac:
                ids = [p["id"] for p in (await ac.get("/api/photos")).json()["photos"]]
                reqs = [ac.post(f"/api/photos/{ids[i % len(ids)]}/render",
                                json={"width": 800, "look": "film"}) for i in range(32)]
                reqs += [ac.get(f"/api/photos/{ids[i % len(ids)]}/thumbnail") for i in range(200)]
                t0 = time.perf_counter()
                res = await asyncio.gather(*reqs, return_exceptions=True)
                dt = time.perf_counter() - t0
                counts: dict[int, int] = {}
                for r in res:
                    k = r.status_code if not isinstance(r, Exception) else -1
                    counts[k] = counts.get(k, 0) + 1
                after = (await ac.get("/api/photos")).status_code
                return counts, dt, after

        counts, dt, after = asyncio.run(load())
        rss1 = _rss_mib()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\n3. load: 32 renders + 200 thumbnails at once in {dt:.1f} s: statuses {counts} "
              f"(-1 = a failed connection); server RSS {rss0:.0f} -> {rss1:.0f} MiB (peak of the "
              f"process {peak:.0f} MiB); answering afterwards: {after}")
        srv.should_exit = True
        th.join(timeout=30)
        print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
