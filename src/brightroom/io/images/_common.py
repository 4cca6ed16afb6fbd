"""What every image codec here shares: the formats by extension and by content, display values
to integers and back, and the errors a decoder raises.

* :data:`IMAGE_EXTENSIONS`, :func:`_format_of` (by extension) and :func:`_sniff` (by the first
  bytes): the format dispatch of :func:`brightroom.io.images.read_image` and
  :func:`~brightroom.io.images.write_image`.
* :func:`quantize` (the NumPy reference) and :func:`quantize_fast` (one parallel numba pass,
  bit-identical): display values to 8/16-bit integers for the encoders.
* :func:`_as_rgb_float`: any decoder's pixels to float32 ``H x W x 3`` in [0, 1].
* :func:`_to_display`: the values :func:`~brightroom.io.images.write_image` encodes.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from brightroom._jit import njit, prange
from brightroom.color.spaces import RGB_SPACES, encode
from brightroom.errors import (
    CorruptFileError,
    ParameterError,
    ResourceLimitError,
    UnsupportedFormatError,
)
from brightroom.files import check_input
from brightroom.limits import check_image, current
from brightroom.types import Image

__all__ = ["quantize", "quantize_fast", "IMAGE_EXTENSIONS", "WRITE_EXTENSIONS"]

_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".tif": "TIFF", ".tiff": "TIFF",
            ".heic": "HEIC", ".heif": "HEIC", ".avif": "AVIF"}
IMAGE_EXTENSIONS: tuple[str, ...] = tuple(_FORMATS)
"""Extensions :func:`~brightroom.io.images.read_image` accepts."""
WRITE_EXTENSIONS: tuple[str, ...] = IMAGE_EXTENSIONS
"""Extensions :func:`~brightroom.io.images.write_image` accepts (the format is chosen from the
extension)."""

_BIT_DEPTHS = {"JPEG": (8,), "HEIC": (8, 10, 12), "AVIF": (8, 10), "PNG": (8, 16),
               "TIFF": (8, 16, 32)}
_DEFAULT_DEPTH = {"JPEG": 8, "HEIC": 8, "AVIF": 8, "PNG": 16, "TIFF": 16}

PathLike = str | os.PathLike[str]


def _supported() -> str:
    return ", ".join(IMAGE_EXTENSIONS)


def _format_of(path: Path) -> str:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UnsupportedFormatError(
            f"{path}: unsupported image format {path.suffix or '(no extension)'!r}; "
            f"supported: {_supported()}"
        )
    return fmt


# ----------------------------------------------------------------------------- quantisation
def quantize(data: np.ndarray, bits: int = 8, *, bgr: bool = False) -> np.ndarray:
    """Clip to [0, 1] and round to ``bits``-bit integers (the NumPy reference).

    Parameters
    ----------
    data
        ``H x W x 3`` float32 display values. NaN becomes 0.
    bits
        8 or 16.
    bgr
        Return the channels in B, G, R order (for OpenCV's encoders).

    Returns
    -------
    numpy.ndarray
        uint8 or uint16, rounded half to even: ``rint(clip(x, 0, 1) * (2**bits - 1))`` in float32.
    """
    top = np.float32(2**bits - 1)
    x = np.nan_to_num(np.asarray(data, dtype=np.float32), nan=0.0)
    out = np.rint(np.clip(x, 0, 1) * top).astype(np.uint8 if bits == 8 else np.uint16)
    return np.ascontiguousarray(out[..., ::-1]) if bgr else out


@njit(parallel=True, cache=True, nogil=True)
def _quantize_kernel(src, out, top, bgr):  # pragma: no cover - compiled
    # src, out: (N, 3); clip (NaN -> 0), scale, round half to even, optionally swap R and B
    n = src.shape[0]
    for i in prange(n):
        for c in range(3):
            v = src[i, 2 - c] if bgr else src[i, c]
            v = v if v > 0 else np.float32(0)
            v = v if v < 1 else np.float32(1)
            out[i, c] = np.rint(v * top)


def quantize_fast(data: np.ndarray, bits: int = 8, *, bgr: bool = False) -> np.ndarray:
    """:func:`quantize` as one parallel numba pass (bit-identical)."""
    src = np.ascontiguousarray(data, dtype=np.float32)
    out = np.empty(src.shape, dtype=np.uint8 if bits == 8 else np.uint16)
    _quantize_kernel(src.reshape(-1, 3), out.reshape(-1, 3), np.float32(2**bits - 1), bgr)
    return out


def _to_display(image: Image, path: Path) -> np.ndarray:
    if not isinstance(image, Image):
        raise ParameterError(f"{path}: write_image needs a brightroom Image, got "
                             f"{type(image).__name__}")
    if image.space == "camera_rgb":
        raise ParameterError(f"{path}: cannot write a camera_rgb image; convert it to an output "
                             f"space (linear_rgb or display) first")
    if image.primaries not in RGB_SPACES:
        raise ParameterError(f"{path}: no ICC profile for primaries {image.primaries!r}; "
                             f"known: {', '.join(RGB_SPACES)}")
    if image.space == "linear_rgb":
        return encode(image.data, "sRGB")
    if image.transfer != "sRGB":
        raise ParameterError(f"{path}: display transfer {image.transfer!r} is not supported "
                             f"for writing; use 'sRGB'")
    return image.data


# ----------------------------------------------------------------------------- reading
def _sniff(head: bytes) -> str | None:
    if head[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if head[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"):
        return "TIFF"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        return "HEIC"
    return None


def _check_exists(path: Path) -> None:
    check_input(path, "image file")


def _pil_open(src: object, path: Path, what: str = "picture") -> object:
    """``PIL.Image.open`` under Brightroom's pixel cap instead of Pillow's own (179 MP), its
    errors as one :class:`CorruptFileError` line; the caller checks the size before ``load``."""
    import warnings

    from PIL import Image as PILImage  # lazy: Pillow is needed only for some formats

    cap = current().max_pixels
    PILImage.MAX_IMAGE_PIXELS = cap or None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            return PILImage.open(src)
    except PILImage.DecompressionBombError:
        raise ResourceLimitError(
            f"{path}: the {what} declares more than {2 * cap / 1e6:.0f} MP, above the limit of "
            f"{cap / 1e6:.0f} MP; raise it with --max-pixels or BRIGHTROOM_MAX_PIXELS if the "
            "file is genuine") from None
    except Exception as e:  # noqa: BLE001 - Pillow says why
        raise _corrupt(path, e) from None


def _check_size(path: Path, width: int, height: int, channels: int, bytes_per_sample: int,
                file_bytes: int | None) -> None:
    """The resource policy on a picture's declared size, before it is decoded
    (:func:`brightroom.limits.check_image`; a float32 RGB copy is made after the decode)."""
    check_image(path, width, height, channels=channels, bytes_per_sample=bytes_per_sample,
                file_bytes=file_bytes)


def _corrupt(path: Path, e: Exception | str) -> CorruptFileError:
    detail = e if isinstance(e, str) else f"{type(e).__name__}: {e}"
    return CorruptFileError(f"{path}: file is truncated or corrupt ({detail})")


@njit(parallel=True, cache=True, nogil=True)
def _dequantize_kernel(src, out, scale, bgr):  # pragma: no cover - compiled
    h, w, n = src.shape
    for i in prange(h):
        for j in range(w):
            for c in range(3):
                k = 0 if n < 3 else (2 - c if bgr else c)
                out[i, j, c] = np.float32(src[i, j, k]) * scale


def _as_rgb_float(arr: np.ndarray, path: Path, bgr: bool = False) -> tuple[np.ndarray, int]:
    """Pixels of any decoder to float32 H x W x 3 in [0, 1], plus the bit depth.

    Gray becomes three equal channels, alpha is dropped, ``bgr`` input is reordered. Integers
    are scaled by ``float32(1 / (2**bits - 1))`` (one parallel numba pass).
    """
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise UnsupportedFormatError(f"{path}: image of shape {arr.shape} is not 2-D")
    if arr.dtype in (np.uint8, np.uint16):
        bits = 8 if arr.dtype == np.uint8 else 16
        src = np.ascontiguousarray(arr)
        out = np.empty((*src.shape[:2], 3), dtype=np.float32)
        _dequantize_kernel(src, out, np.float32(1 / (2**bits - 1)), bgr and src.shape[2] >= 3)
        return out, bits
    if arr.dtype.kind == "f":
        if arr.shape[2] < 3:
            arr = np.repeat(arr[:, :, :1], 3, axis=2)
        arr = arr[:, :, :3][:, :, ::-1] if bgr else arr[:, :, :3]
        return np.ascontiguousarray(arr, dtype=np.float32), 32
    raise UnsupportedFormatError(f"{path}: {arr.dtype} samples are not supported "
                                 f"(8/16-bit integers or float)")

