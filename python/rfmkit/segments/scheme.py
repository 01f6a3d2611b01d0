"""Segment schemes: ordered rules on the scores, validated by the core, with
labels in English and Chinese and an optional strategy table."""

from __future__ import annotations

import functools
import html
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from .._core import CompiledScheme
from .._display import plural
from ..errors import InputError, InputTypeError
from .builtin import builtin_names, builtin_source, load_builtin
from .codes import codes_spec
from .coverage import Coverage
from .explain import Explanation, explain_cell, fallback_row
from .levels import given_levels
from .source import source_text
from .validate import validate_strategies

__all__ = ["NEW_SEGMENT", "Coverage", "Scheme", "SegmentSpec", "as_scheme", "builtin_match"]


class SegmentSpec(TypedDict):
    """A segment of a scheme: its code and its label in each language."""

    code: str
    labels: dict[str, str]


NEW_SEGMENT: SegmentSpec = {"code": "new", "labels": {"en": "New", "zh": "新客户"}}
"""The segment of ``new_customer_days``: first purchase at most N days ago."""


class Scheme:
    """An ordered set of segment rules, parsed and validated by the core.

    Build one with :meth:`builtin`, :meth:`from_dict`, :meth:`from_json` or
    :meth:`from_toml`. A rule has a ``code`` (ASCII), ``labels`` (``en`` and
    ``zh`` at least) and inclusive ranges for the dimensions it constrains,
    among ``r``, ``f``, ``m`` and ``fm``; the scheme has a ``name``, a
    ``scale`` (2 to 10), a ``fallback`` (code and labels) and optionally
    ``strategies`` (see :func:`rfmkit.strategies`). Unknown keys, ranges
    outside the scale, empty ranges and missing labels are errors.

    Examples
    --------
    >>> import rfmkit
    >>> s = rfmkit.Scheme.from_dict({
    ...     "name": "mine", "scale": 2,
    ...     "rules": [{"code": "best", "labels": {"en": "Best", "zh": "最佳"}, "r": [2, 2], "m": [2, 2]}],
    ...     "fallback": {"code": "rest", "labels": {"en": "Rest", "zh": "其他"}}})
    >>> s.coverage().fallback.shape[0]   # the 6 cells that are not (R high, M high)
    6
    """

    _from_codes = False  # built by from_codes: explain() names the cell's code list

    def __init__(self, spec: Mapping[str, Any]):
        if not isinstance(spec, Mapping):
            raise InputTypeError(f"scheme must be a mapping, not {type(spec).__name__}")
        spec = dict(spec)
        table = spec.pop("strategies", None)  # checked here, not by the core
        try:
            text = json.dumps(spec, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError, RecursionError) as exc:
            raise InputTypeError(f"scheme must be JSON-like data: {exc}") from None
        # Parsed and validated by the core once; segment() and explain() use
        # the compiled scheme (and its precomputed cube) from then on.
        self._compiled: CompiledScheme = CompiledScheme.from_json(text)
        self.spec: dict = json.loads(self._compiled.to_json())
        self.strategy_table: dict = {} if table is None else validate_strategies(table, self.codes)

    @classmethod
    def builtin(cls, name: str) -> Scheme:
        """One of the built-in schemes: cn8, tiers4, crm4, rfm11, rf10, pymc5."""
        return _builtin_scheme(name)

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> Scheme:
        return cls(spec)

    @classmethod
    def from_codes(
        cls,
        codes: Mapping[str, Sequence[str]],
        fallback: str = "Other",
        levels: int = 4,
        *,
        name: str | None = None,
        labels: Mapping[str, Mapping[str, str]] | None = None,
    ) -> Scheme:
        """From lists of score codes per segment (pymc-marketing's ``segment_config``).

        Parameters
        ----------
        codes : mapping of str to list of str
            Segment name -> its "RFM" score codes, each digit 1..``levels``.
        fallback : str
            The name of the segment of every unlisted code.
        levels : int
            The scale of the scores (2 to 9).
        name : str, optional
            The scheme's name (default ``"codes"``).
        labels : mapping, optional
            Segment name -> ``{"en": ..., "zh": ...}``; default: the name.

        Returns
        -------
        Scheme
            Segment codes derived from the names ("Top Spender" ->
            ``top_spender``); each listed code in its segment, the rest in
            the fallback (see :mod:`rfmkit.segments.codes`).

        Raises
        ------
        InputError
            A malformed or out-of-range code, a code in two segments, an empty
            list, a fallback named like a segment.

        Examples
        --------
        >>> import rfmkit
        >>> s = rfmkit.Scheme.from_codes({"Premium": ["444", "443"], "Lapsed": ["111"]})
        >>> s.codes
        ['premium', 'lapsed', 'other']
        >>> s.coverage().cells.query("r == 4 and f == 4")["segment_code"].tolist()
        ['other', 'other', 'premium', 'premium']
        """
        scheme = cls(codes_spec(codes, fallback, levels, name=name, labels=labels))
        scheme._from_codes = True
        return scheme

    @classmethod
    def from_json(cls, source: str | Path) -> Scheme:
        """From a JSON file, or a JSON text."""
        return cls._load(source, "JSON", json.loads, json.JSONDecodeError)

    @classmethod
    def from_toml(cls, source: str | Path) -> Scheme:
        """From a TOML file, or a TOML text (``[[rules]]`` tables, ``[fallback]``)."""
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover
            import tomli as tomllib
        return cls._load(source, "TOML", tomllib.loads, tomllib.TOMLDecodeError)

    @classmethod
    def _load(cls, source: str | Path, kind: str, parse: Any, error: type[Exception]) -> Scheme:
        text = source_text(source, "." + kind.lower())
        try:
            return cls(parse(text))
        except error as exc:
            raise InputError(f"invalid scheme {kind}: {exc}") from None

    @property
    def name(self) -> str:
        return self.spec["name"]

    @property
    def scale(self) -> int:
        return self.spec["scale"]

    @property
    def codes(self) -> list[str]:
        """The segment codes in the scheme's order, the fallback last."""
        codes = list(dict.fromkeys(r["code"] for r in self.spec["rules"]))
        return codes + [self.spec["fallback"]["code"]]

    def labels(self, lang: str = "en") -> dict[str, str]:
        """Segment code -> label in ``lang`` (codes without one use English)."""
        out: dict[str, str] = {}
        for item in [*self.spec["rules"], self.spec["fallback"]]:
            out.setdefault(item["code"], item["labels"].get(lang, item["labels"]["en"]))
        return out

    @property
    def rules(self) -> pd.DataFrame:
        """The rule table: one row per rule, ranges as "lo-hi" (blank: any)."""
        rows = []
        for i, rule in enumerate(self.spec["rules"]):
            row = {
                "rule": i,
                "segment_code": rule["code"],
                "en": rule["labels"]["en"],
                "zh": rule["labels"]["zh"],
            }
            for dim in ("r", "f", "m", "fm"):
                lo_hi = rule.get(dim)
                row[dim] = "" if lo_hi is None else f"{lo_hi[0]}-{lo_hi[1]}"
            rows.append(row)
        return pd.DataFrame(rows)

    def coverage(self) -> Coverage:
        """Which rule wins every cell of the score cube, which rules never win
        (shadowed), and which cells fall to the fallback."""
        s = self.scale
        winners = np.array(self._compiled.cube())
        grid = np.indices((s, s, s)).reshape(3, -1) + 1
        n_rules = len(self.spec["rules"])
        codes = np.array([r["code"] for r in self.spec["rules"]] + [self.spec["fallback"]["code"]])
        cells = pd.DataFrame(
            {
                "r": grid[0],
                "f": grid[1],
                "m": grid[2],
                "rule": np.where(winners == n_rules, -1, winners),
                "segment_code": codes[winners],
            }
        )
        shadowed = sorted(set(range(n_rules)) - set(winners.tolist()))
        return Coverage(
            cells=cells, shadowed=shadowed, fallback=cells[cells["rule"] == -1].reset_index(drop=True)
        )

    def explain(self, r: int, f: int, m: int, levels: int | Sequence[int] | None = None) -> Explanation:
        """Which rule wins the cell (r, f, m), and its ranges.

        Parameters
        ----------
        r, f, m : int
            Scores, whole numbers from 1 to their levels (else an InputError).
        levels : int or triple, optional
            The levels of the scores (default: the scheme's scale); the scores
            are then rescaled as :func:`rfmkit.segment` rescales them.

        Returns
        -------
        Explanation
            The cell on the scheme's scale, the winning rule (position; -1:
            the fallback), its segment code, labels and ranges, and the texts
            of ``segment(..., explain=True)`` (:mod:`rfmkit.segments.explain`).

        Examples
        --------
        >>> import rfmkit
        >>> e = rfmkit.Scheme.builtin("rfm11").explain(5, 4, 5)
        >>> e.segment_code, e.segment_rule, e.segment_ranges
        ('champions', 'rule 0: champions', 'r 5, fm 4-5')
        >>> rfmkit.Scheme.builtin("rfm11").explain(9, 7, 10, levels=10).cell
        (5, 4, 5)
        """
        k = [self.scale] * 3 if levels is None else given_levels(levels)
        return explain_cell(self.spec, self._compiled.cube(), (r, f, m), k, self._from_codes)

    def _repr_html_(self) -> str:
        rows = [self.rules, pd.DataFrame([fallback_row(self.spec)])]  # the fallback last
        table = pd.concat(rows, ignore_index=True).fillna("")
        return f"<p>{html.escape(repr(self))}</p>" + table.to_html(index=False)

    def __repr__(self) -> str:
        source = builtin_source(self.name) if self.name in builtin_names() else None
        return (
            f"Scheme({self.name!r}, scale={self.scale}, {plural(len(self.spec['rules']), 'rule')}, "
            f"{plural(len(self.codes), 'segment')}" + (f"; {source})" if source else ")")
        )


def builtin_match(table: pd.DataFrame) -> tuple[str, str, list[str], dict[str, str]] | None:
    """(scheme, lang, codes in order, label per code) of the one built-in scheme
    whose labels (and codes) hold every value of the table, or None."""
    labels = set(table["segment"].dropna().astype(str).unique())
    codes = (
        set(table["segment_code"].dropna().astype(str).unique()) if "segment_code" in table.columns else set()
    )
    found = []
    for name in builtin_names():
        scheme = Scheme.builtin(name)
        for lang in ("en", "zh"):
            by_code, order = scheme.labels(lang), scheme.codes
            for extra in (False, True):  # with new_customer_days: "new" first
                if extra:
                    order = ["new", *order]
                    by_code = {**by_code, "new": NEW_SEGMENT["labels"][lang]}
                if labels <= set(by_code.values()) and codes <= set(by_code):
                    found.append((extra, name, lang, order, by_code))
                    break
    # A scheme that fits without an extra "new" segment beats one that needs it.
    found = [f for f in found if not f[0]] or found
    if len(found) != 1:
        return None
    return found[0][1:]


def as_scheme(scheme: Any) -> Scheme:
    if isinstance(scheme, Scheme):
        return scheme
    if isinstance(scheme, str):
        return Scheme.builtin(scheme)
    if isinstance(scheme, Mapping):
        return Scheme(scheme)
    raise InputTypeError(f"scheme must be a name, a Scheme or a dict, not {type(scheme).__name__}")


@functools.cache
def _builtin_scheme(name: str) -> Scheme:
    # Loaded and validated once per process: schemes are never changed after loading.
    if not isinstance(name, str) or name not in builtin_names():
        raise InputError(f"unknown scheme {name!r}; built-in schemes: {', '.join(builtin_names())}")
    return Scheme(load_builtin(name))
