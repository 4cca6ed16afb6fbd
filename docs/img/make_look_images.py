"""Regenerate the before/after images of docs/looks.md from scikit-image's sample photos.

Run: ``.venv/bin/python docs/img/make_look_images.py``
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image as PILImage

from brightroom.looks import apply_look, list_looks
from brightroom.types import Image

HERE = Path(__file__).resolve().parent
PHOTOS = {"natural": "coffee", "authentic": "astronaut", "vibrant": "coffee", "mono": "astronaut",
          "mono-hc": "chelsea", "film": "chelsea"}
WIDTH = 192


def photo(name: str) -> Image:
    a = getattr(skimage.data, name)()
    h = round(a.shape[0] * WIDTH / a.shape[1])
    a = np.asarray(PILImage.fromarray(a).resize((WIDTH, h), PILImage.LANCZOS))
    return Image(a.astype(np.float32) / 255, space="display", transfer="sRGB")


def main() -> None:
    for look in list_looks():
        img = photo(PHOTOS.get(look, "astronaut"))
        out = apply_look(img, look)
        pair = np.concatenate([img.data, np.ones((img.shape[0], 4, 3), np.float32), out.data], 1)
        path = HERE / f"look-{look}.png"
        PILImage.fromarray((np.clip(pair, 0, 1) * 255 + 0.5).astype(np.uint8)).save(
            path, optimize=True)
        print(path, path.stat().st_size // 1024, "KB")


if __name__ == "__main__":
    main()
