"""Edit distance and CER against textbook values (Levenshtein's kitten/sitting = 3)."""

from __future__ import annotations

import pytest

from brightroom.lab.metrics.text import cer, cjk_spaces, levenshtein, normalise_text


@pytest.mark.parametrize("a,b,d", [("kitten", "sitting", 3), ("flaw", "lawn", 2), ("", "abc", 3),
                                   ("abc", "abc", 0), ("中文扫描", "中文描", 1),
                                   ("intention", "execution", 5)])
def test_levenshtein_textbook_values(a, b, d):
    assert levenshtein(a, b) == d == levenshtein(b, a)


def test_normalisation_and_cer():
    assert normalise_text("Ｈｅｌｌｏ，  world\n中 文 a") == "Hello, world中文a"
    assert cer("hello world", "hello  world\n") == 0
    assert cer("hallo world", "hello world") == pytest.approx(1 / 11)
    assert cjk_spaces("中 文 ok 文本") == 1  # "中 文"; "ok 文" has a Latin side
