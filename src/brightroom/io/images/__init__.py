"""Read and write finished images: JPEG, PNG, TIFF, HEIC and AVIF, with EXIF and ICC.

Reading gives a float32 :class:`~brightroom.types.Image` in ``space="display"`` (values in
[0, 1], sRGB transfer curve) whose primaries come from the embedded ICC profile (recognised with
:func:`brightroom.io.icc.identify_icc`; untagged or unrecognised files are taken as sRGB). The
EXIF orientation is recorded, never applied to the pixels (HEIC is the exception: its rotation
is part of the container and libheif always applies it; see :func:`read_image`).

Writing encodes display values (``linear_rgb`` images are encoded with the sRGB curve first),
clips to [0, 1], rounds to 8 or 16 bits, embeds the ICC profile of ``image.primaries`` and an
EXIF block (camera, exposure, orientation, software, and the development recipe), and goes
through :func:`brightroom.files.atomic_write`.

:func:`read_image`, :func:`write_image` and :func:`read_metadata` choose the codec here, by the
file's extension and first bytes; each codec family has its module:

* :mod:`~brightroom.io.images.jpeg`: OpenCV's libjpeg-turbo, bands encoded in parallel and
  joined with restart markers (:func:`encode_jpeg_parallel`), EXIF/ICC segments spliced in.
* :mod:`~brightroom.io.images.png`: OpenCV's libpng, 8/16-bit, ``iCCP``/``eXIf``/``iTXt``
  chunks spliced in.
* :mod:`~brightroom.io.images.tiff`: tifffile, 8/16-bit and float32.
* :mod:`~brightroom.io.images.heif`: HEIC through pillow-heif, AVIF through Pillow.
* :mod:`~brightroom.io.images.exif`: the EXIF block all of them carry (:func:`exif_bytes`,
  :func:`parse_exif`).
* :mod:`~brightroom.io.images._common`: the formats, :func:`quantize` / :func:`quantize_fast`
  and the conversion of any decoder's pixels to float32.

References
----------
ITU-T T.81 | ISO/IEC 10918-1 (JPEG), Annex B (markers and segments).
ISO/IEC 15948:2004 (PNG) and PNG Extensions 1.5.0 (``eXIf``).
ICC.1:2010, Annex B.4 (embedding ICC profiles in JPEG APP2 segments).
JEITA CP-3451C (Exif 2.3).
Adobe Systems (1992). TIFF Revision 6.0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from brightroom.errors import InputError, ParameterError, file_errors
from brightroom.files import atomic_write, check_output
from brightroom.io.icc import icc_description, icc_profile, identify_icc
from brightroom.io.images._common import (
    _BIT_DEPTHS,
    _DEFAULT_DEPTH,
    IMAGE_EXTENSIONS,
    WRITE_EXTENSIONS,
    PathLike,
    _check_exists,
    _format_of,
    _sniff,
    _supported,
    _to_display,
    quantize,
    quantize_fast,
)
from brightroom.io.images.exif import (
    _T_SOFTWARE,
    _exif_fields,
    _pil_metadata,
    _strip_exif_header,
    exif_bytes,
    merged_exif_bytes,
    parse_exif,
)
from brightroom.io.images.heif import (
    _decode_heif,
    _heic_metadata,
    _write_avif,
    _write_heic,
    carried_auxiliary,
)
from brightroom.io.images.jpeg import _decode_jpeg, _encode_jpeg, encode_jpeg, encode_jpeg_parallel
from brightroom.io.images.png import RECIPE_KEY, _decode_png, _encode_png, _png_file_metadata
from brightroom.io.images.tiff import _decode_tiff, _tiff_file_metadata, _write_tiff
from brightroom.io.raw import _dng_camera, _open_tags, is_raw_path, read_raw
from brightroom.types import CameraInfo, Image

__all__ = [
    "read_image",
    "write_image",
    "read_metadata",
    "sniff_image",
    "quantize",
    "quantize_fast",
    "encode_jpeg",
    "encode_jpeg_parallel",
    "exif_bytes",
    "merged_exif_bytes",
    "parse_exif",
    "IMAGE_EXTENSIONS",
    "WRITE_EXTENSIONS",
    "RECIPE_KEY",
]


def write_image(
    image: Image,
    path: PathLike,
    *,
    quality: int = 92,
    bit_depth: int | None = None,
    overwrite: bool = False,
    inputs: tuple[PathLike, ...] | list[PathLike] = (),
) -> Path:
    """Write ``image`` as JPEG, PNG, TIFF, HEIC or AVIF (chosen by the extension), atomically.

    Parameters
    ----------
    image
        A ``display`` image (sRGB transfer curve), or a ``linear_rgb`` one (encoded with the sRGB
        curve here). Values are clipped to [0, 1] and rounded.
    path
        Output file: ``.jpg``/``.jpeg``, ``.png``, ``.tif``/``.tiff``, ``.heic``, ``.avif``.
    quality
        JPEG/HEIC/AVIF quality, 1-100; 100 makes a HEIC lossless (4:4:4, identity matrix).
    bit_depth
        PNG/TIFF: 8 or 16 (default 16); TIFF also 32 (float32, unclipped display values).
        HEIC: 8 (default), 10 or 12; AVIF: 8 (default) or 10 (SVT-AV1 encodes AV1's Main
        profile only); JPEG is 8-bit.
    overwrite
        Replace an existing file.
    inputs
        Files the image was made from; writing over one needs ``overwrite``.

    Returns
    -------
    pathlib.Path
        The written file.

    Notes
    -----
    Embedded: the ICC profile of ``image.primaries`` (:func:`brightroom.io.icc.icc_profile`), and
    EXIF Make, Model, ISO, ExposureTime, FNumber, FocalLength, DateTimeOriginal (from
    ``image.camera``), Orientation (``metadata["orientation"]`` if given, else
    ``camera.orientation``, else 1), Software ``"Brightroom <version>"`` and the recipe
    (``metadata["recipe"]``, TOML) as ImageDescription; PNG also carries the recipe in an
    ``iTXt`` chunk ``"brightroom:recipe"``. The other tags of the source photo's EXIF
    (``metadata["exif"]``: GPS, lens, offset times, a self-contained maker note, ...) are
    carried into JPEG, PNG, HEIC and AVIF (:func:`~brightroom.io.images.exif.merged_exif_bytes`).
    HEIC and AVIF also carry ``metadata["xmp"]`` (the
    source's XMP packet) and, when the image still has the source's size and the output the
    source's codec, the source's auxiliary images (depth, Apple's HDR gain map) copied without
    re-encoding (``metadata["heif_auxiliary"]``, see
    :class:`~brightroom.io.images.heif.HeifAuxiliary`; a HEIC's HEVC-coded depth is not put
    into an AVIF, nor into JPEG, PNG or TIFF), and an ISO 21496-1 HDR gain map
    (``metadata["hdr_gain_map"]``, an :class:`~brightroom.io.images.gainmap.HDRGainMap`: an
    HDR merge's, or one read from a file) as a ``tmap`` derived image.

    Raises
    ------
    UnsupportedFormatError
        Unknown extension.
    ParameterError
        Bad quality or bit depth, a ``camera_rgb`` image, unknown primaries.
    OutputExistsError
        ``path`` exists (or is an input) and ``overwrite`` is false.
    """
    path = Path(path)
    fmt = _format_of(path)
    bits = _DEFAULT_DEPTH[fmt] if bit_depth is None else bit_depth
    if bits not in _BIT_DEPTHS[fmt]:
        raise ParameterError(f"{path}: bit depth {bit_depth} is not available for {fmt}; "
                             f"use one of {_BIT_DEPTHS[fmt]}")
    if not isinstance(quality, int | np.integer) or not 1 <= quality <= 100:
        raise ParameterError(f"{path}: quality must be an integer in 1..100, got {quality!r}")
    check_output(path, overwrite=overwrite, inputs=inputs)  # fail before encoding
    pix = _to_display(image, path)
    fields = _exif_fields(image)
    icc = icc_profile(image.primaries)
    exif = merged_exif_bytes((image.metadata or {}).get("exif"), fields)
    if fmt == "JPEG":
        blob: bytes | None = _encode_jpeg(pix, quality, exif, icc)
    elif fmt == "PNG":
        blob = _encode_png(pix, bits, exif, icc, fields.get("recipe"))
    else:
        blob = None
    with atomic_write(path, overwrite=overwrite, inputs=inputs) as tmp:
        if blob is not None:
            with open(tmp, "wb") as f:
                f.write(blob)
        elif fmt == "TIFF":
            _write_tiff(tmp, pix, bits, fields, icc)
        else:  # HEIC, AVIF: with the source's XMP, depth and gain map where they still fit
            meta = image.metadata or {}
            writer = _write_heic if fmt == "HEIC" else _write_avif
            carry = carried_auxiliary(meta, (pix.shape[1], pix.shape[0]),
                                      b"hvc1" if fmt == "HEIC" else b"av01")
            writer(tmp, pix, quality, exif, icc, bits=bits, primaries=image.primaries,
                   xmp=meta.get("xmp"), carry=carry, gain_map=meta.get("hdr_gain_map"))
    return path


def read_image(path: PathLike) -> Image:
    """Read a JPEG, PNG (8/16-bit), TIFF (8/16-bit, float), HEIC or AVIF file.

    Parameters
    ----------
    path
        The image file. Its extension must be one of :data:`IMAGE_EXTENSIONS`; the contents
        decide the decoder.

    Returns
    -------
    Image
        float32 ``H x W x 3`` in [0, 1] (float TIFFs as stored), ``space="display"``,
        ``transfer="sRGB"``, ``primaries`` from the ICC profile (``"sRGB"`` when untagged or
        unrecognised). ``camera`` holds Make/Model/exposure/orientation from the EXIF.
        ``metadata``: ``path``, ``format``, ``bit_depth``, ``exif`` (TIFF-structured bytes or
        None), ``orientation`` (EXIF 1..8; the pixels are *not* rotated), ``icc`` (bytes or
        None), ``icc_space``, ``icc_description`` and ``recipe`` when the file has one. For HEIC
        the container's rotation is always applied by libheif; ``orientation`` is then 1 and
        ``orientation_applied`` says what was applied.

    Raises
    ------
    InputError
        Missing file, or a file that is no image at all.
    UnsupportedFormatError
        Unknown extension.
    CorruptFileError
        Truncated or undecodable file.
    """
    path = Path(path)
    ext_fmt = _format_of(path)
    return _read_image(path, ext_fmt)


def sniff_image(path: PathLike) -> str | None:
    """The image format of a file from its first bytes (``"JPEG"``, ``"PNG"``, ...) or None."""
    with open(path, "rb") as f:
        return _sniff(f.read(16))


@file_errors(0)
def _read_image(path: Path, ext_fmt: str | None) -> Image:
    _check_exists(path)
    data = path.read_bytes()
    fmt = _sniff(data[:16])
    if fmt is None:
        raise InputError(f"{path}: not a {ext_fmt or 'supported image'} file (it starts with "
                         f"{data[:8]!r}); supported: {_supported()}")
    if fmt == "JPEG":
        pix, bits, info = _decode_jpeg(data, path)
    elif fmt == "PNG":
        pix, bits, info = _decode_png(data, path)
    elif fmt == "TIFF":
        pix, bits, info = _decode_tiff(path)
    else:
        pix, bits, info = _decode_heif(data, path, fmt)
    exif = _strip_exif_header(info.get("exif"))
    fields = info.get("fields") or parse_exif(exif)
    icc = info.get("icc")
    space = identify_icc(icc)
    recipe = info.get("recipe") or fields.get("recipe")
    orientation = int(fields.get("orientation", 1))
    meta: dict[str, Any] = {
        "path": str(path), "format": fmt, "bit_depth": bits, "exif": exif,
        "orientation": orientation, "icc": icc, "icc_space": space,
        "icc_description": icc_description(icc) if icc else None,
    }
    if info.get("orientation_applied"):
        meta["orientation_applied"] = int(info["orientation_applied"])
    for key in ("xmp", "heif_auxiliary", "hdr_gain_map"):  # HEIC / AVIF: carried on
        if info.get(key):
            meta[key] = info[key]
    if recipe:
        meta["recipe"] = recipe
    exif_dict = {k: fields[k] for k in ("make", "model", "iso", "exposure_time", "f_number",
                                        "focal_length", "datetime") if k in fields}
    camera = CameraInfo(make=fields.get("make", ""), model=fields.get("model", ""),
                        iso=fields.get("iso"), exposure_time=fields.get("exposure_time"),
                        f_number=fields.get("f_number"), focal_length=fields.get("focal_length"),
                        orientation=orientation, exif=exif_dict)
    return Image(pix, space="display", primaries=space or "sRGB", transfer="sRGB",
                 camera=camera, metadata=meta)


@file_errors(0)
def read_metadata(path: PathLike) -> dict[str, Any]:
    """What an image (or DNG) file says about itself, without decoding the pixels.

    Returns
    -------
    dict
        ``format``, ``width``, ``height``, ``orientation`` (as written in the file's EXIF; for
        HEIC the rotation stored in the container), ``make``, ``model``, ``iso``,
        ``exposure_time``, ``f_number``, ``focal_length``, ``datetime``, ``software``,
        ``recipe`` (or None), ``icc`` (bytes or None), ``icc_space`` (``"sRGB"``,
        ``"Display P3"``, ... or None) and ``exif`` (bytes or None).
    """
    path = Path(path)
    _check_exists(path)
    if is_raw_path(path):
        return _raw_metadata(path)
    fmt_ext = _format_of(path)
    with open(path, "rb") as f:
        head = f.read(16)
    fmt = _sniff(head)
    if fmt is None:
        raise InputError(f"{path}: not a {fmt_ext} file (it starts with {head[:8]!r})")
    if fmt == "PNG":
        width, height, icc, exif, fields = _png_file_metadata(path)
    elif fmt == "TIFF":
        width, height, icc, exif, fields = _tiff_file_metadata(path)
    elif fmt == "HEIC":
        width, height, icc, exif, fields = _heic_metadata(path)
    else:  # JPEG, AVIF
        width, height, icc, exif, fields = _pil_metadata(path)
    out: dict[str, Any] = {"format": fmt, "width": width, "height": height, "icc": icc or None}
    out["icc_space"] = identify_icc(out["icc"])
    out["exif"] = _strip_exif_header(exif)
    for key in ("orientation", "make", "model", "iso", "exposure_time", "f_number",
                "focal_length", "datetime", "software", "recipe"):
        out[key] = fields.get(key)
    out["orientation"] = out["orientation"] or 1
    return out


def _raw_metadata(path: Path) -> dict[str, Any]:
    tags = _open_tags(path)
    if tags is not None and tags.is_dng:  # tags only, no pixels
        cam = _dng_camera(tags, path)
        h, w = tags.shape
        software = tags.ifd0.get(_T_SOFTWARE)
        fmt = "DNG"
    else:
        raw = read_raw(path)
        cam, (h, w), software = raw.camera, raw.shape, None
        fmt = str(raw.metadata.get("format", "raw"))
    return {"format": fmt, "width": w, "height": h, "orientation": cam.orientation,
            "make": cam.make or None, "model": cam.model or None, "iso": cam.iso,
            "exposure_time": cam.exposure_time, "f_number": cam.f_number,
            "focal_length": cam.focal_length, "datetime": cam.exif.get("datetime"),
            "software": str(software) if software else None, "recipe": None, "icc": None,
            "icc_space": None, "exif": None}

