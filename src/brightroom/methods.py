"""Method registries: the one lookup (and the one error) behind every ``method=`` dispatcher.

Every family of alternative algorithms (demosaicing, raw denoising, automatic white balance,
tone mapping, burst merging, ...) is a :class:`Methods` registry, the colour-science habit of a
``*_METHODS`` mapping behind one dispatcher (``delta_E(a, b, method="CIE 2000")``)::

    DENOISE_METHODS = Methods("denoise")
    DENOISE_METHODS.register("he2013", _guided, aliases=("guided",),
                             cite="He, Sun, Tang (2013). Guided image filtering. TPAMI 35(6).")
    DENOISE_METHODS.register("buades2005", _nlm, aliases=("nlm",), cite="...")
    DENOISE_METHODS.freeze()

    fn = DENOISE_METHODS.get(method)   # or DENOISE_METHODS[method]

Keys
----
A **canonical key** names the paper in the house style ``author`` + ``year``, lower case, no
spaces (``malvar2004``, ``menon2007``, ``he2013``, ``vandeweijer2007``). A method that is no
single paper's keeps a plain descriptive or standard name (``bilinear``, ``tetrahedral``,
``clip``, ``local``). **Aliases** are the nicknames and the keys of earlier versions
(``guided`` for ``he2013``), so saved recipes and old code keep working; lookups accept them,
while iteration, ``in`` and :meth:`Methods.names` list the canonical keys only.

Normalisation
-------------
A lookup ignores case and the separators ``-``, ``_`` and white space: the name is case-folded
and those characters are removed, so ``"He 2013"``, ``"HE2013"`` and ``"he-2013"`` all find
``he2013``, and ``"Gray World"`` finds a ``gray_world`` alias. Registration refuses a key or
alias whose normalised form is already taken, so a lookup is never ambiguous.

Immutability
------------
A registry is filled by :meth:`Methods.register` in the module that defines it and closed with
:meth:`Methods.freeze` at the end of that module; after that, ``register`` raises
:class:`RuntimeError`. A frozen registry never changes, so it is safe to share and to list in
help and docs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from brightroom.errors import ParameterError

__all__ = ["Methods", "MethodChoices", "MethodInfo", "normalise_method_name"]

T = TypeVar("T")
F = TypeVar("F")

_SEPARATORS = re.compile(r"[-_\s]+")
_CANONICAL = re.compile(r"[a-z0-9]+(?:[_-][a-z0-9]+)*")


def normalise_method_name(name: str) -> str:
    """The form names are compared in: case-folded, without ``-``, ``_`` and white space."""
    return _SEPARATORS.sub("", name).casefold()


@dataclass(frozen=True)
class MethodInfo:
    """One registered method: its canonical key, aliases and citation (for docs and help)."""

    key: str
    aliases: tuple[str, ...]
    cite: str


class MethodChoices(tuple):
    """The spellings a parameter field accepts: the canonical keys, then the aliases.

    A plain tuple for display (``list(choices)``, help, docs) that also carries its registry in
    :attr:`methods`, so :class:`~brightroom.develop.params.Params` resolves a value to its
    canonical key. ``in`` answers as a lookup does (case and separators ignored).
    """

    methods: Methods[Any]

    def __new__(cls, methods: Methods[Any]) -> MethodChoices:
        obj = super().__new__(cls, (*methods.names(), *methods.aliases()))
        obj.methods = methods
        return obj

    def __contains__(self, name: object) -> bool:
        return self.methods.knows(name)

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (tuple(self),))


class Methods(Generic[T]):
    """A registry of named methods (usually functions) with aliases and citations.

    Parameters
    ----------
    what
        What the methods do, as it reads in an error: ``"denoise"`` gives
        ``unknown denoise method 'xyz'; known: ...``.
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[str, tuple[T, MethodInfo]] = {}
        self._aliases: dict[str, str] = {}   # alias as written -> canonical key
        self._lookup: dict[str, str] = {}    # normalised key or alias -> canonical key
        self._frozen = False

    # ------------------------------------------------------------------------ registration

    @overload
    def register(self, key: str, fn: F, *, aliases: Iterable[str] = (), cite: str = "") -> F: ...

    @overload
    def register(self, key: str, fn: None = None, *, aliases: Iterable[str] = (),
                 cite: str = "") -> Callable[[F], F]: ...

    def register(self, key: str, fn: Any = None, *, aliases: Iterable[str] = (),
                 cite: str = "") -> Any:
        """Register ``fn`` under the canonical ``key``, with ``aliases`` and its citation.

        Without ``fn`` it returns a decorator: ``@X_METHODS.register("he2013", cite=...)``.
        Returns ``fn`` unchanged.

        Raises
        ------
        ValueError
            ``key`` is not lower case without spaces, or ``key`` or an alias is taken (after
            normalisation).
        RuntimeError
            The registry is frozen.
        """
        if fn is None:
            def decorator(f: F) -> F:
                return self.register(key, f, aliases=aliases, cite=cite)
            return decorator
        if self._frozen:
            raise RuntimeError(f"the {self.what} methods are frozen; cannot register {key!r}")
        if not isinstance(key, str) or not _CANONICAL.fullmatch(key):
            raise ValueError(f"canonical {self.what} method key {key!r} must be lower case "
                             "letters and digits (joined by '_' or '-'), e.g. 'menon2007'")
        names = (key, *aliases)
        seen: dict[str, str] = {}
        for name in names:
            if not isinstance(name, str) or not normalise_method_name(name):
                raise ValueError(f"{self.what} method alias {name!r} must be a non-empty string")
            norm = normalise_method_name(name)
            taken = self._lookup.get(norm) or seen.get(norm)
            if taken is not None:
                raise ValueError(f"{self.what} method name {name!r} is already registered "
                                 f"(as {taken!r})")
            seen[norm] = key
        info = MethodInfo(key, tuple(aliases), cite)
        self._entries[key] = (fn, info)
        self._lookup.update(seen)
        self._aliases.update({a: key for a in info.aliases})
        return fn

    def freeze(self) -> Methods[T]:
        """Close the registry (no more :meth:`register`); returns it."""
        self._frozen = True
        return self

    @property
    def frozen(self) -> bool:
        """Whether :meth:`freeze` has been called."""
        return self._frozen

    # ----------------------------------------------------------------------------- lookup

    def canonical(self, name: object) -> str:
        """The canonical key of ``name`` (a key or alias, case and separators ignored).

        Raises
        ------
        ParameterError
            ``name`` is not a known key or alias: one line naming it, the known keys and the
            aliases.
        """
        if isinstance(name, str):
            if name in self._entries:
                return name
            key = self._lookup.get(normalise_method_name(name))
            if key is not None:
                return key
        raise ParameterError(self._unknown(name))

    def get(self, name: object) -> T:
        """The method registered as ``name`` (see :meth:`canonical`)."""
        return self._entries[self.canonical(name)][0]

    __getitem__ = get

    def knows(self, name: object) -> bool:
        """Whether :meth:`get` would find ``name`` (a key or an alias, in any spelling)."""
        return isinstance(name, str) and (
            name in self._entries or normalise_method_name(name) in self._lookup)

    def cite(self, name: object) -> str:
        """The citation (paper reference) of method ``name``; ``""`` where none was given."""
        return self._entries[self.canonical(name)][1].cite

    def info(self, name: object) -> MethodInfo:
        """Key, aliases and citation of method ``name``."""
        return self._entries[self.canonical(name)][1]

    # ---------------------------------------------------------------------------- listing

    def names(self) -> tuple[str, ...]:
        """The canonical keys, in registration order."""
        return tuple(self._entries)

    def aliases(self) -> dict[str, str]:
        """Every alias (as registered) with its canonical key, in registration order."""
        return dict(self._aliases)

    def choices(self) -> MethodChoices:
        """Canonical keys then aliases: the ``choices=`` of a parameter field."""
        return MethodChoices(self)

    def describe(self) -> list[MethodInfo]:
        """Every method's key, aliases and citation, in registration order (docs, help)."""
        return [info for _, info in self._entries.values()]

    def keys(self) -> tuple[str, ...]:
        """Same as :meth:`names` (so ``dict(registry)`` works)."""
        return self.names()

    def values(self) -> tuple[T, ...]:
        """The methods, in registration order."""
        return tuple(fn for fn, _ in self._entries.values())

    def items(self) -> tuple[tuple[str, T], ...]:
        """``(canonical key, method)`` pairs, in registration order."""
        return tuple((k, fn) for k, (fn, _) in self._entries.items())

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        """Whether ``name`` is a canonical key, exactly (aliases: :meth:`knows`)."""
        return isinstance(name, str) and name in self._entries

    def __repr__(self) -> str:
        return f"Methods({self.what!r}: {', '.join(self._entries) or 'none'})"

    def _unknown(self, name: object) -> str:
        known = ", ".join(self._entries) or "(none)"
        msg = f"unknown {self.what} method {name!r}; known: {known}"
        if self._aliases:
            msg += " (aliases: " + ", ".join(f"{a} -> {k}" for a, k in self._aliases.items()) + ")"
        return msg
