"""Document scanning: a phone photo of a page to a searchable PDF (English and Chinese).

The public entry point is :func:`brightroom.scan` (photos in, a PDF, an image or text out). The
modules, in the order a photo goes through them:

* :mod:`~brightroom.scan.find`: the page's four corners (edges, paper regions, quad scoring,
  sub-pixel line refinement);
* :mod:`~brightroom.scan.flatten`: perspective correction to the true aspect ratio;
* :mod:`~brightroom.scan.orient`: 0 / 90 / 180 / 270 degrees;
* :mod:`~brightroom.scan.clean`: illumination and shadows divided out, ``color`` / ``gray`` /
  ``bw`` (Sauvola 2000);
* :mod:`~brightroom.scan.ocr`: :data:`~brightroom.scan.ocr.OCR_METHODS` (PP-OCRv4 from its
  wheel, Tesseract 5);
* :mod:`~brightroom.scan.pdf`: the searchable PDF (image + invisible text layer);
* :mod:`~brightroom.scan.page`: :func:`~brightroom.scan.page.scan_page`, the whole path for one
  photo in memory.

This package imports nothing itself: ``brightroom.scan`` is also the name of the API function,
which the package root binds when it is imported (see :mod:`brightroom`).
"""
