"""Typed, versioned stage parameters.

Every stage's parameters are a frozen dataclass deriving from :class:`Params`. Each field is
declared with :func:`param`, which records its range, choices, units and documentation
(the darktable habit of keeping ranges and defaults beside each field). Construction checks
the values, so a bad recipe fails where it is read, with the field named. A field whose
``choices`` are a method registry's (``choices=DENOISE_METHODS.choices()``, a
:class:`~brightroom.methods.MethodChoices`) accepts any key or alias in any case and stores the
canonical key, so ``method = "guided"`` and ``method = "he2013"`` give equal parameters.

A class carries ``VERSION``; a recipe records the version it was written with and
:meth:`Params.upgrade` turns an old dictionary into the current one.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from brightroom.errors import ParameterError, RecipeError
from brightroom.methods import MethodChoices

__all__ = ["Params", "param", "NoParams"]

P = TypeVar("P", bound="Params")


def param(
    default: Any,
    *,
    range: tuple[float | None, float | None] | None = None,  # noqa: A002 - darktable's word
    choices: tuple[Any, ...] | None = None,
    units: str = "",
    doc: str = "",
) -> Any:
    """Declare a parameter field with its default, valid range or choices, units and meaning."""
    meta = {"range": range, "choices": choices, "units": units, "doc": doc}
    if isinstance(default, (list, dict, set)):
        raise TypeError("mutable defaults are not allowed; use a tuple")
    return dataclasses.field(default=default, metadata=meta)


def _type_ok(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, h) for h in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_type_ok(v, args[0]) for v in value)
        return len(args) == len(value) and all(_type_ok(v, a) for v, a in zip(value, args))
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """``typing.get_type_hints(cls)``, once per class (evaluating string annotations costs
    ~0.05 ms a field, and parameters are built on every develop call)."""
    h = _HINTS.get(cls)
    if h is None:
        h = _HINTS[cls] = typing.get_type_hints(cls)
    return h


@dataclasses.dataclass(frozen=True)
class Params:
    """Base class of stage parameters: validated on construction, built from recipes."""

    VERSION: ClassVar[int] = 1

    def __post_init__(self) -> None:
        hints = _hints(type(self))
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            hint = hints.get(f.name, Any)
            if isinstance(value, list):
                value = tuple(value)
                object.__setattr__(self, f.name, value)
            if not _type_ok(value, hint):
                raise ParameterError(
                    f"{type(self).__name__}.{f.name} must be {_hint_name(hint)}, got {value!r}"
                )
            if hint is float or (typing.get_origin(hint) in (typing.Union, types.UnionType)
                                 and isinstance(value, int) and not isinstance(value, bool)
                                 and float in typing.get_args(hint)):
                if isinstance(value, int) and not isinstance(value, bool):
                    object.__setattr__(self, f.name, float(value))
                    value = float(value)
            choices = f.metadata.get("choices")
            if isinstance(choices, MethodChoices):
                try:
                    value = choices.methods.canonical(value)
                except ParameterError as e:
                    raise ParameterError(f"{type(self).__name__}.{f.name}: {e}") from None
                object.__setattr__(self, f.name, value)
            elif choices is not None and value not in choices:
                raise ParameterError(
                    f"{type(self).__name__}.{f.name} must be one of {list(choices)}, got {value!r}"
                )
            rng = f.metadata.get("range")
            if rng is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
                lo, hi = rng
                if (isinstance(value, float) and not math.isfinite(value)) or (
                    lo is not None and value < lo) or (hi is not None and value > hi):
                    raise ParameterError(
                        f"{type(self).__name__}.{f.name} = {value!r} is outside "
                        f"[{lo}, {hi}]{' ' + f.metadata['units'] if f.metadata.get('units') else ''}"
                    )

    @classmethod
    def upgrade(cls, values: dict[str, Any], version: int) -> dict[str, Any]:
        """Turn parameters saved by ``version`` into the current version's. Override per class."""
        if version > cls.VERSION:
            raise RecipeError(
                f"{cls.__name__} parameters are version {version}, newer than this "
                f"Brightroom's {cls.VERSION}"
            )
        return values

    @classmethod
    def from_mapping(cls: type[P], values: Mapping[str, Any], *, version: int | None = None,
                     where: str = "") -> P:
        """Build from a recipe table, rejecting unknown keys."""
        values = dict(values)
        if version is not None:
            values = cls.upgrade(values, version)
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise RecipeError(
                f"{where}unknown parameter(s) {', '.join(unknown)} for {cls.__name__}; "
                f"known: {', '.join(sorted(names)) or '(none)'}"
            )
        try:
            return cls(**values)
        except ParameterError as e:
            raise RecipeError(f"{where}{e}") from e

    def to_mapping(self) -> dict[str, Any]:
        """The parameters as a plain dictionary (tuples become lists), for TOML."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if v is None:
                continue
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        """Field name, type, default, range, choices, units and doc, for help and docs."""
        hints = typing.get_type_hints(cls)
        return [
            {
                "name": f.name,
                "type": _hint_name(hints.get(f.name, Any)),
                "default": f.default,
                **{k: f.metadata.get(k) for k in ("range", "choices", "units", "doc")},
            }
            for f in dataclasses.fields(cls)
        ]


def _hint_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


@dataclasses.dataclass(frozen=True)
class NoParams(Params):
    """For stages that take no parameters."""
