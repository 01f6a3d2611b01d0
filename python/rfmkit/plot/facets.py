"""Small multiples: one Axes per group of a table grouped with ``rfm_table(..., by=...)``.

A grouped table (``attrs["by"]`` names its group columns) is never pooled
silently: a chart of one raises :class:`~rfmkit.InputError` unless ``by``
says what to do. ``by="channel"`` (or a list of columns) draws one Axes per
group, on shared scales; ``by=()`` pools every group into one chart, and the
title says so ("channel: all groups pooled").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputError, InputTypeError
from .axes import pyplot
from .text import tr

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["FacetBy", "facet_axes", "facet_groups", "finish", "with_note"]

FacetBy = str | Sequence[str] | None


def facet_groups(
    table: pd.DataFrame, by: FacetBy, func: str, lang: str
) -> tuple[list[tuple[str | None, pd.DataFrame]], bool, str | None]:
    """The groups to draw: ``(facet title, rows)`` each, whether they are
    facets (``by`` named columns), and the pooled note for the title."""
    grouped = [str(c) for c in (table.attrs.get("by") or [])]
    if by is None:
        if grouped:
            raise InputError(
                f"{func}: the table is grouped by {grouped} (rfm_table(..., by=...)); pass "
                f"by={grouped[0]!r} for one chart per group, or by=() to pool all groups in one chart"
            )
        return [(None, table)], False, None
    cols = [by] if isinstance(by, str) else list(by)
    if not all(isinstance(c, str) for c in cols):
        raise InputTypeError(f"{func}: by must be a column name or a list of them, not {by!r}")
    if not cols:
        note = tr(lang, "pooled", names=", ".join(grouped)) if grouped else None
        return [(None, table)], False, note
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise InputError(f"{func}: by names column(s) {missing} the table does not have")
    out: list[tuple[str | None, pd.DataFrame]] = []
    for key, rows in table.groupby(cols, sort=True, observed=True, dropna=False):
        values = key if isinstance(key, tuple) else (key,)
        title = ", ".join(
            tr(lang, "facet", name=name, value=value) for name, value in zip(cols, values, strict=True)
        )
        out.append((title, rows))
    if not out:
        raise InputError(f"{func}: the table has no rows to draw")
    return out, True, None


def facet_axes(
    n: int,
    axes: Any,
    cell: tuple[float, float],
    func: str,
    *,
    ncols: int = 3,
    sharex: bool = True,
    sharey: bool = True,
) -> list[Axes]:
    """``n`` Axes: the ones given (any array of ``n``), or a new grid of at
    most ``ncols`` columns, each cell ``cell`` inches, sharing scales."""
    if axes is not None:
        given = list(np.asarray(axes, dtype=object).ravel())
        if len(given) != n:
            raise InputError(f"{func}: ax must hold one Axes per group ({n}), got {len(given)}")
        return given
    cols = max(1, min(n, ncols))
    rows = math.ceil(n / cols)
    _, grid = pyplot().subplots(
        rows,
        cols,
        figsize=(cell[0] * cols, cell[1] * rows),
        squeeze=False,
        layout="constrained",
        sharex=sharex,
        sharey=sharey,
    )
    flat = list(grid.ravel())
    for extra in flat[n:]:
        extra.remove()
    return flat[:n]


def finish(axes: list[Axes], faceted: bool) -> Any:
    """What a chart returns: its Axes, or with facets the array of them."""
    return np.array(axes, dtype=object) if faceted else axes[0]


def with_note(title: str, note: str | None) -> str:
    """A title with the pooled note, if any."""
    return title if note is None else f"{title} ({note})"
