"""(Re)make the golden images of ``tests/test_golden.py``.

Run only after an *intended* change of rendering, and say so in the commit::

    .venv/bin/python tests/make_goldens.py            # every golden
    .venv/bin/python tests/make_goldens.py --inputs   # also re-simulate the lab input DNG

Goldens are 16-bit PNGs (sRGB-encoded, as developed):

* ``canon-<recipe>-small.png``: the real ColorChecker DNG (``../shared/data``) developed with a
  shipped recipe, area-downsampled by 4; ``canon-<recipe>-crop.png`` a full-resolution crop.
* ``heic-<look>-small.png``: the real iPhone HEIC (``../shared/data``) with a built-in look
  (``brightroom.look_apply``), area-downsampled by 16.
* ``lab-<recipe file>.png``: ``lab-astronaut.dng`` (a lab-simulated 256 x 256 raw with a DNG
  BaselineExposure of +1 EV, kept in the repository so the simulator can change) developed with
  every recipe under ``tests/data/recipes/`` (the shipped recipes as Brightroom embedded them in
  its outputs, one file per shipped version).

The first goldens were made on 2026-12-02 with the code of commit bb5907c, before the pipeline
was restructured (issue 9). Recipes written before the colour stage learned BaselineExposure
(their colour stage has no ``baseline_exposure`` key) were rendered without it, as Brightroom
rendered them when they were written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
GOLDEN = DATA / "golden"
RECIPES = DATA / "recipes"
SHARED = HERE.parents[0].parent / "shared" / "data"
CANON = SHARED / "colorchecker-canon.dng"
HEIC = SHARED / "iphone-portrait-depth.heic"
HEIC_LOOKS = ("vibrant", "mono-hc")  # deterministic looks (no grain)
LAB_DNG = GOLDEN / "lab-astronaut.dng"
CANON_CROP = (slice(420, 612), slice(700, 892))  # rows, columns: chart patches and an edge
SHIPPED = ("default", "neutral")


def to_png16(path: Path, rgb: np.ndarray) -> None:
    """Write float [0, 1] RGB as a 16-bit PNG."""
    q = np.round(np.clip(rgb, 0, 1) * 65535).astype(np.uint16)
    if not cv2.imwrite(str(path), np.ascontiguousarray(q[..., ::-1])):
        raise OSError(f"cannot write {path}")


def read_png16(path: Path) -> np.ndarray:
    """Read a golden back as float RGB in [0, 1]."""
    a = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if a is None:
        raise FileNotFoundError(path)
    return a[..., ::-1].astype(np.float32) / 65535.0


def small(rgb: np.ndarray, factor: int = 4) -> np.ndarray:
    """Area-downsample by ``factor``."""
    h, w = rgb.shape[:2]
    return cv2.resize(rgb, (w // factor, h // factor), interpolation=cv2.INTER_AREA)


def make_lab_input() -> None:
    from brightroom.charts import natural
    from brightroom.io import write_dng
    from brightroom.lab.camera import simulate

    scene = natural("astronaut", megapixels=256 * 256 / 1e6)
    raw = simulate(scene, "flagship-2022", lux=200, cct=4000, iso=800, seed=5)
    raw = raw.replace(metadata={**raw.metadata, "baseline_exposure": 1.0})
    write_dng(raw, LAB_DNG, overwrite=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", action="store_true", help="re-simulate lab-astronaut.dng")
    args = ap.parse_args()
    import brightroom
    from brightroom.develop.recipe import load_recipe

    GOLDEN.mkdir(parents=True, exist_ok=True)
    if args.inputs or not LAB_DNG.exists():
        make_lab_input()
    if CANON.is_file():
        raw = brightroom.read_raw(CANON)
        for name in SHIPPED:
            out = brightroom.develop(raw, recipe=name).data
            to_png16(GOLDEN / f"canon-{name}-small.png", small(out))
            to_png16(GOLDEN / f"canon-{name}-crop.png", out[CANON_CROP])
    else:
        print(f"note: {CANON} absent; canon goldens not remade", file=sys.stderr)
    if HEIC.is_file():
        photo = brightroom.read_image(HEIC)
        for look in HEIC_LOOKS:
            out = brightroom.look_apply(photo, look).data
            to_png16(GOLDEN / f"heic-{look}-small.png", small(out, 16))
    else:
        print(f"note: {HEIC} absent; heic goldens not remade", file=sys.stderr)
    raw = brightroom.read_raw(LAB_DNG)
    for path in sorted(RECIPES.glob("*.toml")):
        text = path.read_text()
        recipe = load_recipe(path)
        if "baseline_exposure" not in text and recipe.has("colour"):
            # rendered as when it was written (the colour stage's upgrade does the same)
            recipe = recipe.with_params("colour", baseline_exposure=False)
        out = brightroom.develop(raw, recipe=recipe).data
        to_png16(GOLDEN / f"lab-{path.stem}.png", out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
