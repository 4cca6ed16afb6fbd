"""Pipelines the lab can score: Brightroom recipes, rawpy/LibRaw, or any external command.

A lab pipeline turns a :class:`~brightroom.types.RawImage` into a display-encoded
:class:`~brightroom.types.Image`. Names:

* ``brightroom:<recipe>`` (or just a shipped recipe name, or a recipe ``.toml`` path);
* ``rawpy`` / ``rawpy:<algorithm>`` (LibRaw's ``postprocess`` with the camera white balance,
  16-bit, sRGB, the reference peer; algorithm ``ahd`` (default), ``dcb``, ``vng``, ``linear``...);
* ``cmd:<template>``: an external command; ``{input}`` is replaced by a DNG path and
  ``{output}`` by the path of a 16-bit TIFF (or any image extension given as
  ``{output.png}``) the command must write.
"""

from __future__ import annotations

import shlex
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brightroom.color.spaces import srgb_encode
from brightroom.develop.recipe import load_recipe
from brightroom.develop.run import develop
from brightroom.errors import InputError, ParameterError
from brightroom.io import read_image, write_dng
from brightroom.types import Image, RawImage

__all__ = ["LabPipeline", "get_pipeline", "RAWPY_ALGORITHMS"]

RAWPY_ALGORITHMS = ("ahd", "aahd", "dcb", "dht", "vng", "ppg", "linear")


@dataclass(frozen=True)
class LabPipeline:
    """A named function from raw to display image."""

    name: str
    run: Callable[[RawImage], Image]
    description: str = ""

    def __call__(self, raw: RawImage) -> Image:
        return self.run(raw)


def _brightroom(recipe: str) -> LabPipeline:

    rec = load_recipe(recipe)  # fail early on an unknown recipe
    return LabPipeline(f"brightroom:{rec.name}", lambda raw: develop(raw, recipe=rec),
                       f"Brightroom recipe {rec.name!r}")


def _bt709_decode(v: np.ndarray) -> np.ndarray:
    return np.where(v < 0.081, v / 4.5, ((v + 0.099) / 1.099) ** (1 / 0.45))


def _rawpy(algorithm: str) -> LabPipeline:
    import rawpy

    if algorithm not in RAWPY_ALGORITHMS:
        raise ParameterError(f"unknown rawpy demosaic {algorithm!r}; known: {', '.join(RAWPY_ALGORITHMS)}")
    algo = getattr(rawpy.DemosaicAlgorithm, algorithm.upper())

    def run(raw: RawImage) -> Image:

        with tempfile.TemporaryDirectory() as tmp:
            dng = write_dng(raw, Path(tmp) / "in.dng")
            with rawpy.imread(str(dng)) as r:
                rgb = r.postprocess(demosaic_algorithm=algo, use_camera_wb=True, output_bps=16,
                                    no_auto_bright=True)
        # LibRaw encodes with BT.709 gamma; re-encode with sRGB so metrics see one curve.
        lin = _bt709_decode(rgb.astype(np.float32) / np.float32(65535))
        return Image(np.clip(srgb_encode(lin), 0, 1).astype(np.float32), space="display",
                     transfer="sRGB", camera=raw.camera)

    return LabPipeline(f"rawpy:{algorithm}", run, f"LibRaw postprocess ({algorithm.upper()})")


def _command(template: str) -> LabPipeline:
    if "{input}" not in template or "{output" not in template:
        raise ParameterError("a command pipeline needs {input} and {output} (or {output.EXT}) "
                             f"in its template: {template!r}")
    ext = ".tif"
    if "{output." in template:
        ext = "." + template.split("{output.", 1)[1].split("}", 1)[0]

    def run(raw: RawImage) -> Image:

        with tempfile.TemporaryDirectory() as tmp:
            dng = write_dng(raw, Path(tmp) / "in.dng")
            out = Path(tmp) / f"out{ext}"
            cmd = template.replace("{input}", shlex.quote(str(dng)))
            cmd = cmd.replace(f"{{output{ext}}}", shlex.quote(str(out)))
            cmd = cmd.replace("{output}", shlex.quote(str(out)))
            res = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=600)
            if res.returncode != 0:
                tail = (res.stderr or res.stdout).strip().splitlines()[-1:] or [""]
                raise InputError(f"pipeline command failed with status {res.returncode}: {tail[0]}")
            if not out.exists():
                raise InputError(f"pipeline command wrote no output file ({out.name})")
            img = read_image(out)
        if img.shape[:2] != raw.shape:
            raise InputError(f"pipeline command output is {img.shape[1]}x{img.shape[0]}, "
                             f"expected {raw.shape[1]}x{raw.shape[0]}")
        return img

    return LabPipeline(f"cmd:{template}", run, "external command")


def get_pipeline(name: str) -> LabPipeline:
    """The lab pipeline called ``name`` (see the module documentation)."""
    if name.startswith("cmd:"):
        return _command(name[4:])
    if name == "rawpy" or name.startswith("rawpy:"):
        return _rawpy(name.split(":", 1)[1] if ":" in name else "ahd")
    if name.startswith("brightroom:"):
        name = name.split(":", 1)[1]
    return _brightroom(name)
