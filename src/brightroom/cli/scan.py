"""``brightroom scan``: phone photos of pages to a searchable PDF (a shell over
:func:`brightroom.scan`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import brightroom

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``scan`` to the sub-commands."""
    p = sub.add_parser(
        "scan", help="document scanning: phone photos of pages to a searchable PDF",
        description="Find the page in each photo, flatten it, clean shadows and uneven light, read "
        "it (English and Chinese) and write a searchable PDF (one page per photo), or for one photo "
        "the flattened page (.png/.jpg) or its text (.txt).")
    p.add_argument("photos", metavar="PHOTO", nargs="+", help="photos of pages (HEIC/JPEG/PNG/TIFF)")
    p.add_argument("-o", "--output", required=True, help="OUT.pdf, or for one photo OUT.png|.jpg|.txt")
    p.add_argument("--mode", default="color", choices=brightroom.SCAN_MODES,
                   help="page rendering [default: color]")
    p.add_argument("--lang", default="auto", choices=brightroom.SCAN_LANGS,
                   help="text language; auto decides per page [default: auto]")
    p.add_argument("--ocr", default="ppocr", choices=brightroom.SCAN_OCR,
                   help="OCR engine: ppocr (PP-OCRv4, in its wheel), tesseract, none [default: ppocr]")
    p.add_argument("--corners", metavar="X1,Y1,...,X4,Y4",
                   help="the page's corners in the photo's pixels, or all in percent of its width and "
                        "height (10%%,5%%,...), for one photo, instead of finding them")
    p.add_argument("--no-dewarp", action="store_true", help="do not straighten curved text lines")
    p.add_argument("--quality", type=int, default=80, help="JPEG quality of the page images [default: 80]")
    p.add_argument("--json", action="store_true", help="print the pages (input, corners, text, lang) as JSON")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    pages = brightroom.scan(args.photos, args.output, mode=args.mode, lang=args.lang, ocr=args.ocr,
                            corners=args.corners, dewarp=not args.no_dewarp, quality=args.quality,
                            overwrite=args.overwrite)
    for src, page in zip(args.photos, pages):
        for note in page.notes:
            print(f"brightroom: note: {src}: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps([{"input": src, "corners": [[round(float(x), 1), round(float(y), 1)]
                                                      for x, y in page.corners],
                           "text": page.text, "lang": page.lang}
                          for src, page in zip(args.photos, pages)], ensure_ascii=False, indent=1))
    else:
        chars = sum(len(p.text) for p in pages)
        print(f"{Path(args.output)}: {len(pages)} page{'s' if len(pages) != 1 else ''}, {args.mode}, "
              f"{chars} characters of text")
    return 0
