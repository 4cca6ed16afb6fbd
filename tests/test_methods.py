"""Tests of the method registry (brightroom.methods) and of every registry built with it."""

from __future__ import annotations

import pickle

import pytest

from brightroom.burst.merge import MERGE_METHODS
from brightroom.charts.natural import _INTERP
from brightroom.color.lut import LUT_METHODS
from brightroom.develop.demosaic import DEMOSAIC_METHODS
from brightroom.develop.denoise import DENOISE_METHODS
from brightroom.develop.highlights import HIGHLIGHT_METHODS
from brightroom.develop.tone import TONE_METHODS
from brightroom.develop.white_balance import AWB_METHODS
from brightroom.errors import ParameterError
from brightroom.looks.calibrate import CALIBRATION_METHODS
from brightroom.looks.transfer import TRANSFER_METHODS
from brightroom.methods import MethodChoices, Methods, normalise_method_name
from brightroom.portrait.bokeh import BOKEH_METHODS
from brightroom.portrait.segment import SEGMENT_METHODS


def f_a():
    return "a"


def f_b():
    return "b"


def f_c():
    return "c"


@pytest.fixture
def reg() -> Methods:
    m = Methods("test")
    m.register("he2013", f_a, aliases=("guided",), cite="He, Sun, Tang (2013)")
    m.register("buades2005", f_b, aliases=("nlm", "Non-Local Means"))

    @m.register("gray_world", cite="Buchsbaum (1980)")
    def f_gw():
        return "gw"

    return m.freeze()


def test_lookup_by_key_and_alias(reg: Methods) -> None:
    assert reg.get("he2013") is f_a and reg["he2013"] is f_a
    assert reg.get("guided") is f_a and reg["nlm"] is f_b
    assert reg.canonical("guided") == "he2013" and reg.canonical("he2013") == "he2013"
    assert reg.canonical("non-local means") == "buades2005"


@pytest.mark.parametrize("name", ["HE2013", "He 2013", "he-2013", "he_2013", "Guided", "GUIDED"])
def test_case_and_separators_are_ignored(reg: Methods, name: str) -> None:
    assert reg.get(name) is f_a


def test_normalisation() -> None:
    assert normalise_method_name("Gray World") == normalise_method_name("gray_world") == "grayworld"
    assert normalise_method_name(" Van de Weijer-2007 ") == "vandeweijer2007"


def test_unknown_name_is_one_line_listing_known_names_and_aliases(reg: Methods) -> None:
    with pytest.raises(ParameterError) as e:
        reg.get("bm3d")
    msg = str(e.value)
    assert "\n" not in msg
    assert msg == ("unknown test method 'bm3d'; known: he2013, buades2005, gray_world "
                   "(aliases: guided -> he2013, nlm -> buades2005, Non-Local Means -> buades2005)")
    for bad in (None, 3, "", "  "):
        with pytest.raises(ParameterError, match="unknown test method"):
            reg.canonical(bad)


def test_no_aliases_no_parenthesis() -> None:
    m = Methods("plain")
    m.register("one", f_a)
    with pytest.raises(ParameterError) as e:
        m.get("two")
    assert str(e.value) == "unknown plain method 'two'; known: one"


def test_iteration_and_in_are_canonical_in_registration_order(reg: Methods) -> None:
    assert list(reg) == ["he2013", "buades2005", "gray_world"] == list(reg.names())
    assert tuple(reg) == reg.keys() and len(reg) == 3
    assert [k for k, _ in reg.items()] == list(reg) and reg.values()[:2] == (f_a, f_b)
    assert dict(reg)["buades2005"] is f_b
    assert "he2013" in reg and "guided" not in reg and "HE2013" not in reg
    assert reg.knows("guided") and reg.knows("HE 2013") and not reg.knows("bm3d")
    assert not reg.knows(None)


def test_choices(reg: Methods) -> None:
    c = reg.choices()
    assert isinstance(c, MethodChoices) and isinstance(c, tuple)
    assert tuple(c) == ("he2013", "buades2005", "gray_world", "guided", "nlm", "Non-Local Means")
    assert c.methods is reg
    assert "Guided" in c and "bm3d" not in c
    assert pickle.loads(pickle.dumps(c)) == tuple(c)


def test_aliases_and_citations(reg: Methods) -> None:
    assert reg.aliases() == {"guided": "he2013", "nlm": "buades2005",
                             "Non-Local Means": "buades2005"}
    assert reg.cite("guided") == "He, Sun, Tang (2013)" and reg.cite("nlm") == ""
    assert reg.cite("gray world") == "Buchsbaum (1980)"
    info = reg.info("NLM")
    assert info.key == "buades2005" and info.aliases == ("nlm", "Non-Local Means")
    assert [i.key for i in reg.describe()] == list(reg)
    assert "he2013" in repr(reg)


def test_decorator_returns_the_function(reg: Methods) -> None:
    assert reg["gray_world"]() == "gw" and reg["Gray World"]() == "gw"


def test_duplicate_registration_is_refused() -> None:
    m = Methods("dup")
    m.register("he2013", f_a, aliases=("guided",))
    with pytest.raises(ValueError, match="already registered"):
        m.register("he2013", f_b)
    with pytest.raises(ValueError, match="already registered"):
        m.register("he_2013", f_b)                    # same key after normalisation
    with pytest.raises(ValueError, match="already registered"):
        m.register("other2020", f_b, aliases=("Guided",))   # alias taken
    with pytest.raises(ValueError, match="already registered"):
        m.register("new2021", f_b, aliases=("new-2021",))   # alias repeats its own key
    with pytest.raises(ValueError, match="already registered"):
        m.register("new2022", f_b, aliases=("x", "X"))
    assert list(m) == ["he2013"] and m.aliases() == {"guided": "he2013"}  # nothing half-added


def test_bad_keys_are_refused() -> None:
    m = Methods("bad")
    for key in ("Menon2007", "menon 2007", "", "_x", 7):
        with pytest.raises(ValueError, match="lower case"):
            m.register(key, f_a)
    with pytest.raises(ValueError, match="non-empty"):
        m.register("ok2000", f_a, aliases=(" ",))


def test_frozen_registry_refuses_registration(reg: Methods) -> None:
    assert reg.frozen
    with pytest.raises(RuntimeError, match="frozen"):
        reg.register("new2024", f_c)
    with pytest.raises(RuntimeError, match="frozen"):
        reg.register("new2024")(f_c)
    assert "new2024" not in reg


# ------------------------------------------------------------------ every registry in the library

REGISTRIES = {
    "demosaic": DEMOSAIC_METHODS, "denoise": DENOISE_METHODS, "awb": AWB_METHODS,
    "tone": TONE_METHODS, "highlights": HIGHLIGHT_METHODS, "merge": MERGE_METHODS,
    "segment": SEGMENT_METHODS, "bokeh": BOKEH_METHODS, "calibration": CALIBRATION_METHODS,
    "transfer": TRANSFER_METHODS, "lut": LUT_METHODS, "resampling": _INTERP,
}


@pytest.mark.parametrize("name", list(REGISTRIES))
def test_library_registries_are_frozen_cited_and_case_insensitive(name: str) -> None:
    reg = REGISTRIES[name]
    assert isinstance(reg, Methods) and reg.frozen and len(reg) >= 1
    for key in reg:
        assert reg.cite(key), f"{name}: {key} has no citation"
        assert reg.get(key.upper()) is reg[key]
    for alias, key in reg.aliases().items():
        assert reg.get(alias) is reg[key] and reg.get(alias.upper()) is reg[key]


def test_library_canonical_keys() -> None:
    assert tuple(DEMOSAIC_METHODS) == ("bilinear", "malvar2004", "menon2007", "kiku2014")
    assert tuple(DENOISE_METHODS) == ("he2013", "buades2005")
    assert tuple(AWB_METHODS) == ("buchsbaum1980", "land1977", "finlayson2004",
                                  "vandeweijer2007", "yang2015", "locus_white_patch",
                                  "barron2017")
    assert tuple(TONE_METHODS) == ("none", "hable2010", "local")
    assert tuple(MERGE_METHODS) == ("hasinoff2016", "average")
    assert tuple(CALIBRATION_METHODS) == ("matrix", "finlayson2015")


@pytest.mark.parametrize("reg, old, new", [
    (DENOISE_METHODS, "guided", "he2013"), (DENOISE_METHODS, "nlm", "buades2005"),
    (AWB_METHODS, "gray_world", "buchsbaum1980"), (AWB_METHODS, "white_patch", "land1977"),
    (AWB_METHODS, "shades_of_gray", "finlayson2004"),
    (AWB_METHODS, "gray_edge", "vandeweijer2007"), (AWB_METHODS, "gray_pixels", "yang2015"),
    (TONE_METHODS, "filmic", "hable2010"), (MERGE_METHODS, "wiener", "hasinoff2016"),
    (CALIBRATION_METHODS, "root-polynomial", "finlayson2015"),
])
def test_old_keys_are_aliases(reg: Methods, old: str, new: str) -> None:
    assert reg.canonical(old) == new and old in reg.choices()
