"""Document scanning: corners, text (CER of the PDF's text layer), speed, real photos.

Cases: :mod:`brightroom.lab.scan_pages` (pages rendered from known text in English, Chinese and
mixed; body text, tables, a receipt; 12 MP photos over scikit-image's textures with 5-40 degrees
of tilt, in-plane turns including 90/180/270, curl, shadows, uneven light, a finger or another
sheet in view, blur, noise, JPEG). The photos are cached as JPEG under ``out/scan-cases``.

Tables:

1. **Corners**: mean corner error / truth page diagonal (the quad's corners matched as a cycle,
   so the reading orientation is scored separately). Bar: <= 1 % on >= 95 % of pages.
2. **Text**: ``brightroom.scan`` photo -> PDF with each engine, then ``pdftotext``; CER against
   the truth (:func:`brightroom.lab.metrics.text.cer`), and spaces between two CJK characters in
   the extracted text. Peer (baseline): Tesseract on the unprocessed photo. Bars: CER <= 2 %
   English, <= 3 % Chinese.
3. **Speed**: one 12 MP JPEG to a one-page searchable PDF (ppocr; engine loaded), and detection
   + flattening alone. Bars: <= 3 s and <= 0.3 s.
4. **Real photos**: the paper photos in ../shared/data, if any.

Run: ``.venv/bin/python benchmarks/bench_scan.py [--cases a,b] [--engines ppocr,tesseract]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

import brightroom
from brightroom.lab.metrics.text import cer, cjk_spaces
from brightroom.lab.scan_pages import SCAN_CASES, scan_case
from brightroom.scan.find import find_page
from brightroom.scan.flatten import rectify
from brightroom.scan.ocr import ppocr_engine, tesseract

CACHE = Path("out/scan-cases")

# scikit-image's `page` (skimage.data.page(): a real photo of a printed book page, 384 x 191,
# uneven light, slight curl), transcribed by eye; the cut-off URL at the bottom edge is left out
REAL_PAGE_TEXT = """Region-based segmentation
Let us first determine markers of the coins and the
background. These markers are pixels that we can label
unambiguously as either object or background. Here,
the markers are found at the two extreme parts of the
histogram of grey values:
>>> markers = np.zeros_like(coins)"""


def load_case(name: str) -> tuple[Path, dict]:
    CACHE.mkdir(parents=True, exist_ok=True)
    jpg, js = CACHE / f"{name}.jpg", CACHE / f"{name}.json"
    if not (jpg.exists() and js.exists()):
        c = scan_case(name)
        jpg.write_bytes(c.jpeg)
        js.write_text(json.dumps({"lang": c.lang, "kind": c.kind, "corners": c.corners.tolist(),
                                  "text": c.text, "tilt": c.tilt, "rotation": c.rotation,
                                  "curl": c.curl}, ensure_ascii=False))
    return jpg, json.loads(js.read_text())


def corner_error(found: np.ndarray, truth: np.ndarray) -> float:
    diag = 0.5 * (np.hypot(*(truth[2] - truth[0])) + np.hypot(*(truth[3] - truth[1])))
    errs = [np.mean(np.hypot(*(np.roll(found, k, axis=0) - truth).T)) for k in range(4)]
    return float(min(errs) / diag)


def pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          check=True).stdout.decode("utf-8")


def read_rgb(path: Path) -> np.ndarray:
    img = brightroom.read_image(path)
    return (np.clip(img.data, 0, 1) * 255 + 0.5).astype(np.uint8)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default=",".join(SCAN_CASES))
    ap.add_argument("--engines", default="ppocr,tesseract")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--speed", action="store_true",
                    help="only the speed table: repeated timings (median of --repeat) with CPU time")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--real", action="store_true", help="only the real-photo table")
    ap.add_argument("--rows-out", help="also write the per-page rows here (JSON lines)")
    ap.add_argument("--summarise", nargs="+", metavar="ROWS",
                    help="print the tables from rows files of earlier runs (cases split over processes)")
    args = ap.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    if args.summarise:
        by_name = {}  # a later file's row for a case replaces an earlier one (a rerun)
        for f in args.summarise:
            for ln in Path(f).read_text().splitlines():
                if ln:
                    r = json.loads(ln)
                    by_name[r["name"]] = {**by_name.get(r["name"], {}), **r}
        rows = list(by_name.values())
        summarise(rows, engines, not args.no_baseline)
        return
    names = [n for n in args.cases.split(",") if n]
    if args.speed:
        speed(names, engines, args.repeat)
        return
    if args.real:
        real(engines)
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-scan-"))
    ppocr_engine()  # model load out of the timings
    for name in names:
        jpg, truth = load_case(name)
        photo = read_rgb(jpg)
        tq = np.array(truth["corners"])
        t0 = time.perf_counter()
        try:
            q, _ = find_page(photo)
            t_find = time.perf_counter() - t0
            rectify(photo, q)
            t_flat = time.perf_counter() - t0
            err = corner_error(q, tq)
        except brightroom.PageNotFoundError:
            t_find = t_flat = float("nan")
            err = float("inf")
        row = {"name": name, "lang": truth["lang"], "kind": truth["kind"], "tilt": truth["tilt"],
               "rotation": truth["rotation"], "curl": truth["curl"], "corner_err": err,
               "t_find": t_find, "t_find_flatten": t_flat}
        for eng in engines:
            out = tmp / f"{name}-{eng}.pdf"
            t0, c0 = time.perf_counter(), _cpu()
            try:
                pages = brightroom.scan(jpg, out, ocr=eng, overwrite=True)
                row[f"t_{eng}"] = time.perf_counter() - t0
                row[f"cpu_{eng}"] = _cpu() - c0  # all threads, and tesseract's process
                text = pdftotext(out)
                row[f"cer_{eng}"] = cer(text, truth["text"])
                # spaces between two CJK characters beyond those of the truth (table cells)
                row[f"cjk_spaces_{eng}"] = max(0, cjk_spaces(text) - cjk_spaces(truth["text"]))
                # the corners in reading order match the truth's only if the orientation is right
                diag = 0.5 * (np.hypot(*(tq[2] - tq[0])) + np.hypot(*(tq[3] - tq[1])))
                row[f"rot_ok_{eng}"] = int(np.mean(np.hypot(*(pages[0].corners - tq).T)) / diag < 0.02)
                row["pdf_kb"] = out.stat().st_size / 1024
            except brightroom.BrightroomError as e:
                row[f"cer_{eng}"] = float("nan")
                row[f"error_{eng}"] = str(e)
        if not args.no_baseline:
            t0 = time.perf_counter()
            lines = tesseract(photo, lang="eng" if truth["lang"] == "eng" else "eng+chi_sim")
            row["t_baseline"] = time.perf_counter() - t0
            row["cer_baseline"] = cer("\n".join(ln.text for ln in lines), truth["text"])
        rows.append(row)
        line = json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()},
                          ensure_ascii=False)
        print(line, flush=True)
        if args.rows_out:
            with open(args.rows_out, "a", encoding="utf-8") as f:
                f.write(line + "\n")
    summarise(rows, engines, not args.no_baseline)


def _cpu() -> float:
    """CPU seconds of this process (all threads) and of its finished children (tesseract)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def real(engines: list[str]) -> None:
    """Section 4: the real photo of a printed page (skimage.data.page), which fills the frame
    (no page edge: detection must say so), scanned with the frame as corners."""
    from skimage import data

    g = data.page()
    photo = np.dstack([g] * 3)
    h, w = g.shape
    try:
        brightroom.scan(photo, ocr="none")
        print("real page: a page was found (the photo has no page edge)")
    except brightroom.PageNotFoundError as e:
        print(f"real page (skimage.data.page, {w} x {h}): detection says: {e}")
    frame = f"0,0,{w},0,{w},{h},0,{h}"
    base = cer("\n".join(ln.text for ln in tesseract(photo, lang="eng")), REAL_PAGE_TEXT)
    print(f"   peer, Tesseract on the unprocessed photo: CER {100 * base:.1f} %")
    for eng in engines:
        for mode in ("gray", "bw"):
            pages = brightroom.scan(photo, ocr=eng, lang="eng", mode=mode, corners=frame)
            print(f"   {eng:9s} {mode:4s}: CER {100 * cer(pages[0].text, REAL_PAGE_TEXT):.1f} %")


def _timed(fn, repeat: int) -> tuple[float, float]:
    """Median wall and median process CPU seconds of ``fn()`` over ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), _cpu()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(_cpu() - c0)
    return statistics.median(walls), statistics.median(cpus)


def speed(names: list[str], engines: list[str], repeat: int) -> None:
    """Section 3 alone: detection + flattening on every case, photo -> PDF on the first."""
    ppocr_engine()
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    res = []
    for name in names:
        jpg, _ = load_case(name)
        photo = read_rgb(jpg)
        find_page(photo)  # warm
        res.append(_timed(lambda photo=photo: rectify(photo, find_page(photo)[0]), repeat))
    w = statistics.median(r[0] for r in res)
    c = statistics.median(r[1] for r in res)
    print(f"detection + flattening, 12 MP, {len(names)} cases: median wall {w:.3f} s, CPU {c:.3f} s "
          f"(bar 0.3 s); worst wall {max(r[0] for r in res):.3f} s")
    jpg, _ = load_case(names[0])
    tmp = Path(tempfile.mkdtemp(prefix="bench-scan-"))
    dec = _timed(lambda: read_rgb(jpg), repeat)
    print(f"peer floor, decode the 12 MP JPEG alone: wall {dec[0]:.3f} s, CPU {dec[1]:.3f} s")
    for eng in engines:
        brightroom.scan(jpg, tmp / "w.pdf", ocr=eng, overwrite=True)
        wall, cpu = _timed(lambda eng=eng: brightroom.scan(jpg, tmp / "o.pdf", ocr=eng, overwrite=True),
                           max(1, repeat // 2))
        print(f"{names[0]} photo -> one-page PDF with {eng}: median wall {wall:.2f} s, CPU {cpu:.2f} s "
              f"(bar 3 s)")
    print(f"load now {os.getloadavg()[0]:.1f}")


def summarise(rows: list[dict], engines: list[str], baseline: bool) -> None:
    """Print the tables of the module docstring from the per-page rows."""

    print("\n1. Corners (mean corner error / page diagonal)")
    errs = [r["corner_err"] for r in rows]
    ok = sum(e <= 0.01 for e in errs)
    print(f"   pages within 1 %: {ok}/{len(errs)} = {100 * ok / len(errs):.0f} % (bar >= 95 %); "
          f"median {100 * statistics.median(errs):.2f} %, worst {100 * max(errs):.2f} % "
          f"({rows[int(np.argmax(errs))]['name']})")
    print("\n2. Text: CER of the PDF text layer (pdftotext), by language; baseline = Tesseract on "
          "the unprocessed photo")
    for lang, bar in (("eng", 0.02), ("chi_sim", 0.03), ("eng+chi_sim", 0.03)):
        sel = [r for r in rows if r["lang"] == lang]
        if not sel:
            continue
        cols = []
        for eng in [*engines, *(["baseline"] if baseline else [])]:
            v = [r.get(f"cer_{eng}", float("nan")) for r in sel]
            cols.append(f"{eng} mean {100 * np.nanmean(v):.2f} % worst {100 * np.nanmax(v):.2f} %")
        print(f"   {lang:12s} ({len(sel)} pages, bar {100 * bar:.0f} %): " + "; ".join(cols))
        flat = [r for r in sel if r["curl"] == 0]
        if len(flat) != len(sel):
            for eng in engines:
                v = [r.get(f"cer_{eng}", float("nan")) for r in flat]
                print(f"      without the curled page(s): {eng} mean {100 * np.nanmean(v):.2f} %")
    for eng in engines:
        sp = sum(r.get(f"cjk_spaces_{eng}", 0) for r in rows)
        ro = sum(r.get(f"rot_ok_{eng}", 0) for r in rows)
        print(f"   {eng}: spaces between CJK characters in pdftotext output: {sp}; orientation right "
              f"on {ro}/{len(rows)} pages")
    print("\n3. Speed (this machine, shared; see load above)")
    tf = [r["t_find_flatten"] for r in rows if np.isfinite(r["t_find_flatten"] or np.nan)]
    print(f"   detection + flattening: median {statistics.median(tf):.2f} s (bar 0.3 s)")
    for eng in engines:
        t = [r[f"t_{eng}"] for r in rows if f"t_{eng}" in r]
        if t:
            print(f"   photo -> PDF with {eng}: median {statistics.median(t):.2f} s (bar 3 s)")
    for eng in engines:
        c = [r[f"cpu_{eng}"] for r in rows if f"cpu_{eng}" in r]
        if c:
            print(f"   CPU time of photo -> PDF with {eng}: median {statistics.median(c):.2f} s "
                  f"(on 2 idle cores the wall time is about half, at best)")
    if baseline:
        tb = statistics.median([r["t_baseline"] for r in rows])
        print(f"   peer, tesseract on the photo: median {tb:.2f} s")
    print(f"   os.getloadavg now: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
