"""Text metrics for OCR: edit distance and character error rate.

The character error rate is the Levenshtein distance (insertions, deletions and substitutions,
each of cost 1) between the recognised text and the truth, divided by the truth's length, after
both are normalised the same way (:func:`normalise_text`): Unicode NFKC (full-width forms to
their ASCII equivalents), whitespace collapsed to one space, and no whitespace next to a CJK
character (Chinese is written without spaces, so a space there is not text).

References
----------
Levenshtein, V. I. (1966). Binary codes capable of correcting deletions, insertions, and
reversals. Soviet Physics Doklady 10(8), 707-710.
Wagner, R. A., Fischer, M. J. (1974). The string-to-string correction problem. JACM 21(1),
168-173 (the dynamic programme).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

__all__ = ["levenshtein", "normalise_text", "cer", "cjk_spaces"]

_CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_NEAR_CJK = re.compile(f"\\s+(?=[{_CJK}])|(?<=[{_CJK}])\\s+")
_CJK_SPACE_CJK = re.compile(f"[{_CJK}][ \t]+[{_CJK}]")


def levenshtein(a: str, b: str) -> int:
    """Edit distance between ``a`` and ``b`` (Wagner-Fischer, one NumPy row at a time: the
    insertion chain within a row is a running minimum of ``row[k] - k``)."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    bb = np.frombuffer(b.encode("utf-32-le"), np.uint32)
    j = np.arange(len(b) + 1)
    prev = j.copy()
    for i, ch in enumerate(a, start=1):
        sub = prev[:-1] + (bb != ord(ch))
        tmp = np.empty_like(prev)
        tmp[0] = i
        tmp[1:] = np.minimum(sub, prev[1:] + 1)
        prev = np.minimum.accumulate(tmp - j) + j
    return int(prev[-1])


def normalise_text(text: str) -> str:
    """NFKC, whitespace collapsed to single spaces, none next to a CJK character."""
    t = unicodedata.normalize("NFKC", text)
    t = " ".join(t.split())
    return _SPACE_NEAR_CJK.sub("", t)


def cer(hypothesis: str, truth: str) -> float:
    """Character error rate of ``hypothesis`` against ``truth`` (both :func:`normalise_text`)."""
    h, t = normalise_text(hypothesis), normalise_text(truth)
    return levenshtein(h, t) / max(1, len(t))


def cjk_spaces(text: str) -> int:
    """How many spaces sit between two CJK characters (spurious in Chinese text)."""
    return len(_CJK_SPACE_CJK.findall(text))
