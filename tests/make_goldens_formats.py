"""(Re)make the inputs and goldens of ``tests/test_golden_formats.py`` (raws beyond Bayer).

Run only after an *intended* change of rendering, and say so in the commit::

    .venv/bin/python tests/make_goldens_formats.py            # every golden
    .venv/bin/python tests/make_goldens_formats.py --inputs   # also re-make the input DNGs

Inputs (``tests/data/raw``, made by this project with its lab and DNG writer, kept so that
simulator changes do not move the goldens):

* ``lab-xtrans.dng``: an X-Trans mosaic (phase shifted by (1, 2)) simulated by the lab
  (astronaut, flagship-2022 optics and noise, ISO 400, 5000 K), with its lens-shading map.
* ``pidng-nomatrix.dng``: a GBRG 12-bit mosaic as PiDNG writes one for a Raspberry Pi camera
  without a camera profile: no ColorMatrix, ForwardMatrix or calibration illuminant, an
  AsShotNeutral from the camera's white balance.
* ``lab-mono.dng``: a monochrome LinearRaw DNG (one sample per pixel, 12 bits): the lab's
  coffee scene seen by a sensor without colour filters, with shot and read noise.
* ``lab-linear-opcodes.dng``: a LinearRaw (RGB) DNG with the opcodes phones write: a
  FixVignetteRadial in OpcodeList2 undoing the vignetting put into the data, and a
  WarpRectilinear (barrel distortion) in OpcodeList3.

Goldens (16-bit PNG, sRGB-encoded): ``<input>-<recipe>.png`` for the shipped recipes, and for
the real Adobe lossy linear DNG of ``../shared/data`` (AGPL: read from there, never copied)
``canon6d-linear-<recipe>-small.png`` (area-downsampled by 4) and ``-crop.png``.
"""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path

import numpy as np

from make_goldens import SHARED, SHIPPED, small, to_png16

HERE = Path(__file__).resolve().parent
RAW = HERE / "data" / "raw"
GOLDEN = HERE / "data" / "golden"
CANON6D = SHARED / "linear-dng-canon6d.dng"
CANON6D_CROP = (slice(300, 492), slice(500, 756))
INPUTS = ("lab-xtrans", "pidng-nomatrix", "lab-mono", "lab-linear-opcodes")


def _truth(name: str, mp: float, seed: int):
    from brightroom.charts import natural
    from brightroom.lab.camera import simulate
    from brightroom.lab.camera.simulate import scene_electrons
    from brightroom.types import CFAPattern

    scene = natural(name, megapixels=mp)
    raw = simulate(scene, "flagship-2022", pattern=CFAPattern("RGGB"), lux=300, cct=5000,
                   iso=400, seed=seed, optics=False, noise=False, gain_map=False)
    truth = scene_electrons(scene, np.asarray(raw.metadata["lab"]["rgb_to_raw"]), None, 1.0)
    return raw, truth


def _vignette_opcode(k: tuple[float, ...]) -> bytes:
    body = struct.pack(">7d", *k, 0.5, 0.5)
    return struct.pack(">I", 1) + struct.pack(">4I", 3, 0x01030000, 0, len(body)) + body


def make_inputs() -> None:
    from brightroom.charts import natural
    from brightroom.io import dng, write_dng
    from brightroom.io.raw import vignette_radial_gain
    from brightroom.lab.camera import simulate
    from brightroom.types import CameraInfo, CFAPattern, LinearRawImage, NoiseProfile, WarpRectilinear

    RAW.mkdir(parents=True, exist_ok=True)
    scene = natural("astronaut", megapixels=0.05)
    xt = simulate(scene, "flagship-2022", pattern=CFAPattern.xtrans(1, 2), lux=300, cct=5000,
                  iso=400, seed=7)
    write_dng(xt, RAW / "lab-xtrans.dng", overwrite=True)

    pi = simulate(natural("chelsea", megapixels=0.05), "budget-phone", pattern="GBRG", lux=150,
                  cct=4200, iso=200, seed=8, gain_map=False)
    cam = CameraInfo(make="Raspberry Pi", model="RP_imx477", as_shot_neutral=pi.camera.as_shot_neutral,
                     noise_profile=None, iso=pi.camera.iso, exposure_time=pi.camera.exposure_time)
    pi = pi.replace(camera=cam, metadata={})
    write_dng(pi, RAW / "pidng-nomatrix.dng", overwrite=True, matrices=False)

    _, truth = _truth("coffee", 0.05, 9)
    rng = np.random.default_rng(9)
    y = truth.mean(axis=2) * np.float32(0.8)
    y = y + rng.normal(0, 1, y.shape).astype(np.float32) * np.sqrt(2e-5 * np.maximum(y, 0) + 4e-7)
    mono = LinearRawImage(y[..., None].astype(np.float32),
                          camera=CameraInfo(make="Brightroom Lab", model="mono", monochrome=True,
                                            noise_profile=NoiseProfile((2e-5,) * 3, (4e-7,) * 3)),
                          black_level=(256.0,), white_level=4095.0)
    write_dng(mono, RAW / "lab-mono.dng", overwrite=True)

    raw, truth = _truth("rocket", 0.05, 10)
    h, w = truth.shape[:2]
    k = (0.35, 0.1, 0.0, 0.0, 0.0)
    g = vignette_radial_gain(k, (0.5, 0.5), (h, w), np.arange(h), np.arange(w))
    data = (truth / g[..., None]).astype(np.float32)
    data = data + rng.normal(0, 0.002, data.shape).astype(np.float32)
    warp = WarpRectilinear(((1.0, -0.04, 0.01, 0.0, 0.0, 0.0),), (0.5, 0.5))
    lin = LinearRawImage(data, camera=raw.camera, black_level=(0.0,) * 3, white_level=65535.0,
                         warp=warp)
    path = RAW / "lab-linear-opcodes.dng"
    real = dng._linear_entries

    def with_vignette(r, black, white):  # the FixVignetteRadial in OpcodeList2
        return real(r, black, white) + [(51009, dng.UNDEFINED, _vignette_opcode(k))]

    dng._linear_entries = with_vignette
    try:
        write_dng(lin, path, overwrite=True)
    finally:
        dng._linear_entries = real


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", action="store_true", help="re-make the input DNGs")
    args = ap.parse_args()
    import warnings

    import brightroom

    if args.inputs or not all((RAW / f"{n}.dng").exists() for n in INPUTS):
        make_inputs()
    for name in INPUTS:
        for recipe in SHIPPED:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = brightroom.develop(RAW / f"{name}.dng", recipe=recipe).data
            to_png16(GOLDEN / f"{name}-{recipe}.png", out)
    if CANON6D.is_file():
        for recipe in SHIPPED:
            out = brightroom.develop(CANON6D, recipe=recipe).data
            to_png16(GOLDEN / f"canon6d-linear-{recipe}-small.png", small(out))
            to_png16(GOLDEN / f"canon6d-linear-{recipe}-crop.png", out[CANON6D_CROP])
    else:
        print(f"note: {CANON6D} absent; its goldens not remade", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
