"""The migration heatmap: where the customers of each segment went between two dates."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._typing import AxesLike, MigrationLike
from ..errors import InputError
from .axes import annotate_cells, new_axes
from .facets import FacetBy, facet_axes, finish
from .style import dress, sizes
from .style import font as label_font
from .text import TEXT, chart_lang, relabel, tr

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["migration_heatmap"]

NOT_GROUPS = ("customer_id", "segment_before", "segment_after")


def percent(share: float) -> str:
    return f"{share:.0%}" if share >= 0.005 else "<1%"


def migration_heatmap(
    migration: MigrationLike,
    ax: Axes | AxesLike | None = None,
    *,
    normalize: bool = True,
    lang: str | None = None,
    by: FacetBy = None,
    show_empty: bool = False,
) -> Any:
    """Where the customers of each segment went between two dates.

    Parameters
    ----------
    migration : rfmkit.Migration or pandas.DataFrame
        The result of :func:`rfmkit.migration` (its ``counts`` are used), or a
        table of counts with the before segments as rows and the after
        segments as columns.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure (with ``by``: one Axes per group).
    normalize : bool
        Colour and label each cell by its share of the row (of the customers
        who were in that segment before; rows sum to 100%), or by the number
        of customers when False.
    lang : {"en", "zh"}, optional
        The language of the chart: its words, "(new)" / "(gone)" and the
        labels of the built-in schemes. By default Chinese when the labels
        are, else English.
    by : str or list of str, optional
        For a migration of grouped tables (``rfm_table(..., by=...)``), the
        group columns of ``migration.customers``: one heatmap per group.
        Such a migration needs ``by`` (or ``by=()`` to pool the groups).
    show_empty : bool
        Keep a segment that had no customers before nor after, the "(new)"
        row when nobody is new and the "(gone)" column when nobody left.

    Returns
    -------
    matplotlib.axes.Axes
        Before segments (and "(new)" customers) as rows, after segments (and
        "(gone)") as columns. Cells with no customers are left blank. With
        ``by``: a NumPy array of Axes.

    Examples
    --------
    >>> import rfmkit, rfmkit.plot
    >>> tx = rfmkit.datasets.make_transactions(5_000, 800)
    >>> seg = lambda day: rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx, as_of=day)), "rf10")
    >>> moved = rfmkit.migration(seg("2024-11-30"), seg("2024-12-31"))
    >>> ax = rfmkit.plot.migration_heatmap(moved)
    """
    counts = migration if isinstance(migration, pd.DataFrame) else getattr(migration, "counts", None)
    if not isinstance(counts, pd.DataFrame):
        raise InputError(
            "migration_heatmap takes the result of rfmkit.migration or a DataFrame of "
            f"counts, not {type(migration).__name__}"
        )
    labels = [str(c) for c in [*counts.index, *counts.columns]]
    wide = any(unicodedata.east_asian_width(ch) in "WF" for label in labels for ch in label)
    lang = chart_lang(lang) if lang is not None else ("zh" if wide else "en")
    tables, faceted, note = grouped_counts(migration, counts, by, lang)
    total = np.sum([t for _, t in tables], axis=0)
    keep_rows, keep_cols = kept(total, counts, show_empty)
    n_rows, n_cols = len(keep_rows), len(keep_cols)
    # Cells about 0.62 inch wide and 0.42 inch high: room for "100%" at the figure's font size.
    cell = (0.62 * n_cols + 2.8, 0.42 * n_rows + 2.4)
    if faceted:
        axes = facet_axes(len(tables), ax, cell, "migration_heatmap", ncols=2)
    else:
        axes = [new_axes(ax, figsize=cell)]
    before = relabel([counts.index[i] for i in keep_rows], lang)
    after = relabel([counts.columns[j] for j in keep_cols], lang)
    top = max(float(total.max(initial=0)), 1.0)
    for a, (title, n_full) in zip(axes, tables, strict=True):
        n = n_full[np.ix_(keep_rows, keep_cols)]
        if normalize:
            rows = n_full[keep_rows].sum(axis=1, keepdims=True)
            values = np.divide(n, rows, out=np.zeros_like(n), where=rows > 0)
            texts = np.where(n > 0, np.vectorize(percent, otypes=[object])(values), "")
        else:
            values = n
            texts = np.where(n > 0, np.vectorize(lambda v: f"{v:,.0f}", otypes=[object])(n), "")
        image = a.imshow(values, cmap="Blues", aspect="auto", vmin=0, vmax=1 if normalize else top)
        annotate_cells(a, image, values, texts, cell_font(a, n_rows, n_cols, texts))
        a.set_xticks(
            range(n_cols), after, rotation=40, ha="right", rotation_mode="anchor", **label_font(after)
        )
        a.set_yticks(range(n_rows), before, **label_font(before))
        kind = tr(lang, "migration_shares" if normalize else "migration_counts")
        head = title or f"{tr(lang, 'migration_title')} ({kind})"
        if note:
            head = f"{head} ({note})"
        dress(a, head, tr(lang, "after"), tr(lang, "before"))
    return finish(axes, faceted)


def kept(total: np.ndarray, counts: pd.DataFrame, show_empty: bool) -> tuple[list[int], list[int]]:
    """Rows and columns to draw: all with ``show_empty``; else a segment only
    when it had customers before or after, "(new)" / "(gone)" only when not
    empty. The markers are known by their text (rfmkit.migration's)."""
    rows, cols = list(range(total.shape[0])), list(range(total.shape[1]))
    if show_empty:
        return rows, cols
    markers = {TEXT[lang][key] for lang in TEXT for key in ("new", "gone")}
    row_names, col_names = [str(c) for c in counts.index], [str(c) for c in counts.columns]
    used_rows, used_cols = total.sum(axis=1) > 0, total.sum(axis=0) > 0
    used = dict.fromkeys(row_names, False) | dict.fromkeys(col_names, False)
    for name, u in [*zip(row_names, used_rows, strict=True), *zip(col_names, used_cols, strict=True)]:
        used[name] = used[name] or bool(u)
    keep_rows = [i for i in rows if (used_rows[i] if row_names[i] in markers else used[row_names[i]])]
    keep_cols = [j for j in cols if (used_cols[j] if col_names[j] in markers else used[col_names[j]])]
    return keep_rows or rows, keep_cols or cols


def cell_font(ax: Axes, n_rows: int, n_cols: int, texts: np.ndarray) -> float:
    """The figure's small size, or less where a cell is too narrow for its longest label."""
    figure: Any = ax.figure
    size = sizes(figure)["small"]
    box = ax.get_position()
    width_pt = box.width * figure.get_figwidth() * 72 / max(n_cols, 1)
    height_pt = box.height * figure.get_figheight() * 72 / max(n_rows, 1)
    longest = max((len(str(t)) for t in texts.ravel()), default=1)
    return float(min(size, width_pt / (0.62 * max(longest, 1) + 0.8), height_pt / 1.5))


def grouped_counts(
    migration: MigrationLike, counts: pd.DataFrame, by: FacetBy, lang: str
) -> tuple[list[tuple[str | None, np.ndarray]], bool, str | None]:
    """The count matrices to draw: one for the whole migration, or one per
    group of ``migration.customers``."""
    customers = getattr(migration, "customers", None)
    groups = (
        [c for c in customers.columns if c not in NOT_GROUPS] if isinstance(customers, pd.DataFrame) else []
    )
    whole: list[tuple[str | None, np.ndarray]] = [(None, counts.to_numpy(dtype=np.float64))]
    if by is None:
        if groups:
            raise InputError(
                f"migration_heatmap: the migration is of tables grouped by {groups}; pass "
                f"by={groups[0]!r} for one heatmap per group, or by=() to pool all groups"
            )
        return whole, False, None
    cols = [by] if isinstance(by, str) else list(by)
    if not cols:
        return whole, False, (tr(lang, "pooled", names=", ".join(groups)) if groups else None)
    missing = [c for c in cols if c not in groups]
    if missing or not isinstance(customers, pd.DataFrame):
        raise InputError(f"migration_heatmap: by names {missing or cols}, not group columns of the migration")
    shape = counts.shape
    out: list[tuple[str | None, np.ndarray]] = []
    for key, rows in customers.groupby(cols, sort=True, observed=True, dropna=False):
        b = rows["segment_before"].cat.codes.to_numpy(dtype=np.int64)
        a = rows["segment_after"].cat.codes.to_numpy(dtype=np.int64)
        n = np.bincount(b * shape[1] + a, minlength=shape[0] * shape[1]).reshape(shape)
        values = key if isinstance(key, tuple) else (key,)
        title = ", ".join(tr(lang, "facet", name=c, value=v) for c, v in zip(cols, values, strict=True))
        out.append((title, n.astype(np.float64)))
    return out, True, None
