from dataclasses import dataclass

import pytest

from brightroom.develop.params import Params, param
from brightroom.errors import ParameterError, RecipeError
from brightroom.methods import Methods


@dataclass(frozen=True)
class Demo(Params):
    VERSION = 2
    amount: float = param(0.5, range=(0.0, 2.0), units="x")
    radius: int = param(2, range=(1, 10))
    method: str = param("a", choices=("a", "b"))
    neutral: tuple[float, float, float] | None = param(None)

    @classmethod
    def upgrade(cls, values, version):
        values = dict(super().upgrade(values, version))
        if version < 2 and "strength" in values:
            values["amount"] = values.pop("strength") * 2
        return values


def test_defaults_and_types():
    d = Demo()
    assert d.amount == 0.5 and d.radius == 2
    assert Demo(amount=1).amount == 1.0 and isinstance(Demo(amount=1).amount, float)
    with pytest.raises(ParameterError, match="outside"):
        Demo(amount=3.0)
    with pytest.raises(ParameterError, match="one of"):
        Demo(method="c")
    with pytest.raises(ParameterError, match="must be int"):
        Demo(radius=1.5)
    with pytest.raises(ParameterError, match="outside"):
        Demo(amount=float("nan"))
    assert Demo(neutral=[0.5, 1, 0.7]).neutral == (0.5, 1, 0.7)
    with pytest.raises(ParameterError):
        Demo(neutral=(1, 2))


def test_from_mapping_rejects_unknown_and_upgrades():
    with pytest.raises(RecipeError, match="unknown parameter"):
        Demo.from_mapping({"amout": 1.0})
    assert Demo.from_mapping({"strength": 0.25}, version=1).amount == 0.5
    with pytest.raises(RecipeError, match="newer"):
        Demo.from_mapping({}, version=3)
    assert Demo.from_mapping(Demo(amount=1.5).to_mapping()) == Demo(amount=1.5)


def test_describe():
    rows = {r["name"]: r for r in Demo.describe()}
    assert rows["amount"]["range"] == (0.0, 2.0) and rows["amount"]["units"] == "x"


SMOOTH = Methods("smoothing")
SMOOTH.register("he2013", len, aliases=("guided",), cite="He, Sun, Tang (2013)")
SMOOTH.register("box", abs)
SMOOTH.freeze()


@dataclass(frozen=True)
class WithMethod(Params):
    method: str = param("he2013", choices=SMOOTH.choices())


def test_method_choices_accept_aliases_and_store_the_canonical_key():
    assert WithMethod(method="guided").method == "he2013"
    assert WithMethod(method="He 2013") == WithMethod() == WithMethod(method="GUIDED")
    assert WithMethod(method="Box").method == "box"
    with pytest.raises(ParameterError) as e:
        WithMethod(method="median")
    assert str(e.value) == ("WithMethod.method: unknown smoothing method 'median'; known: he2013, "
                            "box (aliases: guided -> he2013)")
    with pytest.raises(ParameterError, match="must be str"):
        WithMethod(method=3)
    with pytest.raises(RecipeError, match="unknown smoothing method"):
        WithMethod.from_mapping({"method": "median"})
    p = WithMethod.from_mapping({"method": "guided"})
    assert p.to_mapping() == {"method": "he2013"}
    assert WithMethod.from_mapping(p.to_mapping()) == p
    row = {r["name"]: r for r in WithMethod.describe()}["method"]
    assert list(row["choices"]) == ["he2013", "box", "guided"]
