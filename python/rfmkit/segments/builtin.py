"""The built-in segment schemes, read from the TOML files in ``data/``.

Each built-in scheme is one file, ``data/<name>.toml``: its ``name``,
``scale``, ``[[rules]]`` (first match wins), ``[fallback]`` and, under
``[strategies.<code>.<en|zh>]``, what to do about each segment. The files are
in the format :meth:`rfmkit.Scheme.from_toml` reads, so a built-in scheme is
checked by the same loader as your own: this module only reads them, and
:class:`rfmkit.Scheme` validates what it returns. Each file opens with a
comment saying where the scheme comes from (a ``# Source:`` line) and how
its rules map every cell.

To add a scheme, add a file: it is found by its name.

Examples
--------
>>> from rfmkit.segments.builtin import builtin_names, load_builtin
>>> builtin_names()
['cn8', 'tiers4', 'crm4', 'rfm11', 'rf10', 'pymc5']
>>> spec = load_builtin("cn8")
>>> spec["scale"], spec["rules"][0]["labels"]["zh"]
(2, '重要价值客户')
>>> spec["strategies"]["important_value"]["en"]["channels"]
['phone', 'email', 'in_app']
"""

from __future__ import annotations

import copy
import functools
import sys
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..errors import InputError, InputTypeError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:  # pragma: no cover
        from importlib.abc import Traversable

__all__ = ["builtin_names", "builtin_source", "load_builtin"]

# The order the documentation and the CLI list the schemes in; files not
# named here follow, alphabetically.
_ORDER = ("cn8", "tiers4", "crm4", "rfm11", "rf10", "pymc5")
_SOURCE = "# Source:"


def _data() -> Traversable:
    return resources.files(__package__).joinpath("data")


@functools.cache
def _files() -> dict[str, Traversable]:
    found = {
        f.name[: -len(".toml")]: f for f in _data().iterdir() if f.is_file() and f.name.endswith(".toml")
    }
    rank = {name: i for i, name in enumerate(_ORDER)}
    return {name: found[name] for name in sorted(found, key=lambda n: (rank.get(n, len(rank)), n))}


def builtin_names() -> list[str]:
    """The names of the built-in schemes.

    Returns
    -------
    list of str
        One name per file in ``data/``, in the order the documentation lists
        them (cn8, tiers4, crm4, rfm11, rf10, pymc5), any other after them.

    Examples
    --------
    >>> from rfmkit.segments.builtin import builtin_names
    >>> "rfm11" in builtin_names()
    True
    """
    return list(_files())


def _known(name: Any) -> str:
    """``name``, checked to be a built-in scheme (before it reaches a cache)."""
    if not isinstance(name, str):
        raise InputTypeError(f"a scheme name must be a string, not {type(name).__name__} {name!r}")
    if name not in _files():
        raise InputError(f"unknown scheme {name!r}; built-in schemes: {', '.join(_files())}")
    return name


@functools.cache
def _text(name: str) -> str:
    return _files()[name].read_text(encoding="utf-8")


@functools.cache
def _parsed(name: str) -> dict:
    return tomllib.loads(_text(name))


def load_builtin(name: str) -> dict:
    """A built-in scheme as a dict, as read from its TOML file.

    Parameters
    ----------
    name : str
        One of :func:`builtin_names`.

    Returns
    -------
    dict
        ``name``, ``scale``, ``rules`` (a list of dicts with ``code``,
        ``labels`` and the ``[low, high]`` ranges of the dimensions they
        constrain), ``fallback`` and ``strategies`` (segment code ->
        ``"en"`` / ``"zh"`` -> fields): what :meth:`rfmkit.Scheme.from_dict`
        takes and validates. A fresh copy on every call, yours to change.

    Raises
    ------
    InputError
        When ``name`` is not a built-in scheme (the message lists them).
    InputTypeError
        When ``name`` is not a string.

    Examples
    --------
    >>> from rfmkit.segments.builtin import load_builtin
    >>> rule = load_builtin("rfm11")["rules"][0]
    >>> rule["code"], rule["r"], rule["fm"]
    ('champions', [5, 5], [4, 5])
    """
    return copy.deepcopy(_parsed(_known(name)))


def builtin_source(name: str) -> str:
    """Where a built-in scheme comes from: the ``# Source:`` line of its file.

    Parameters
    ----------
    name : str
        One of :func:`builtin_names`.

    Returns
    -------
    str
        The note, or ``""`` when the file has none.

    Examples
    --------
    >>> from rfmkit.segments.builtin import builtin_source
    >>> builtin_source("rf10")
    'the 10-segment grid on R and F'
    """
    for line in _text(_known(name)).splitlines():
        if line.startswith(_SOURCE):
            return line[len(_SOURCE) :].strip()
    return ""
