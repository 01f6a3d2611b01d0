"""How a scheme covers its score cells: :class:`Coverage`, from
:meth:`rfmkit.Scheme.coverage`."""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from .._display import count, html_table, percent, plural

__all__ = ["Coverage"]


@dataclass(frozen=True, repr=False)
class Coverage:
    """What a scheme does with every cell of its score cube.

    The result of :meth:`Scheme.coverage`: which rule wins each combination
    of R, F and M scores, the rules that never win, and the cells left to
    the fallback.

    Examples
    --------
    >>> import rfmkit
    >>> cov = rfmkit.Scheme.builtin("rfm11").coverage()
    >>> len(cov.cells), cov.total, cov.shadowed
    (125, True, [])
    >>> list(cov.cells.columns)
    ['r', 'f', 'm', 'rule', 'segment_code']
    """

    cells: pd.DataFrame
    """One row per cell: ``r``, ``f``, ``m`` (on the scheme's scale), the
    winning ``rule`` (its position; -1 for the fallback) and ``segment_code``."""
    shadowed: list[int]
    """Rules that never win a cell: earlier rules cover everything they match."""
    fallback: pd.DataFrame
    """The cells no rule matches (they go to the fallback)."""

    @property
    def total(self) -> bool:
        """Whether every cell is matched by a rule."""
        return self.fallback.empty

    def _headline(self) -> str:
        shadowed = (
            f"{plural(len(self.shadowed), 'shadowed rule')} {self.shadowed}"
            if self.shadowed
            else "no shadowed rule"
        )
        n = len(self.fallback)
        fallback = (
            "every cell matched by a rule"
            if self.total
            else f"{plural(n, 'cell')} {'falls' if n == 1 else 'fall'} to the fallback "
            f"({percent(n / len(self.cells))})"
        )
        return f"Coverage of {plural(len(self.cells), 'cell')}: {fallback}, {shadowed}"

    def _per_segment(self) -> pd.DataFrame:
        """Cells per segment, in rule order (the fallback last)."""
        rule = self.cells["rule"].where(self.cells["rule"] >= 0, len(self.cells))
        per = (
            self.cells.assign(rule=rule)
            .groupby("segment_code", sort=False, observed=True)
            .agg(cells=("rule", "size"), first_rule=("rule", "min"))
        )
        return per.sort_values("first_rule", kind="stable")[["cells"]].reset_index()

    def __repr__(self) -> str:
        return f"{self._headline()}\n{self._per_segment().to_string(index=False)}"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        per = self._per_segment()
        rows = [[c, n, n / len(self.cells)] for c, n in zip(per["segment_code"], per["cells"], strict=True)]
        table = html_table(
            ["segment_code", "cells", "share"],
            rows,
            numeric=[False, True, True],
            formats=[None, count, percent],
        )
        return f"<p>{html.escape(self._headline())}</p>" + table
