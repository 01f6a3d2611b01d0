"""Charts of RFM tables, scores, segments and migrations (matplotlib).

matplotlib is optional: ``pip install 'rfmkit[plot]'``. It is imported when a
function is called, never by ``import rfmkit``.

Every function draws into the Axes it is given, or into a new figure made
with ``matplotlib.pyplot.subplots`` when ``ax`` is None (so notebooks show it
and ``plt.savefig`` finds it), and returns the Axes. Nothing calls
``plt.show()`` or changes ``rcParams``.

What every chart shares (keyword-only arguments):

- ``lang`` ("en" or "zh"): the language of all its text (title, axes,
  legend, "(new)" / "(gone)", and the segment labels of the built-in
  schemes); by default the language of a segmented table
  (``attrs["lang"]``), else English.
- ``by``: one Axes per group (small multiples on shared scales) of a table
  from ``rfm_table(..., by=...)``; the chart then returns the array of
  Axes. A grouped table without ``by`` is an InputError (nothing is pooled
  silently); ``by=()`` pools the groups and says so in the title.
- ``show_empty`` (False): segments with no customers are left out.
- Segment colours come from one palette per scheme, from the most valuable
  segment (blue) to the least (red), the fallback grey
  (:func:`rfmkit.plot.style.segment_palette`), the same in every chart.
- Font sizes grow with the figure's width.

Chinese segment labels (``rfmkit.segment(..., lang="zh")``) need a font with
CJK glyphs, such as Noto Sans CJK (``apt install fonts-noto-cjk``) or
WenQuanYi (``apt install fonts-wqy-microhei``) on Linux; Windows and macOS
have one. When labels contain CJK characters, the labels rfmkit draws use the
first installed font among the common CJK families (Noto Sans CJK, Source Han
Sans, WenQuanYi, Microsoft YaHei, SimHei, PingFang, ...), unless your
configured font has the glyphs. To choose the font, draw inside
``matplotlib.pyplot.rc_context({"font.family": ["Your Font", "sans-serif"]})``
(a font file can be registered first with
``matplotlib.font_manager.fontManager.addfont(path)``).
Without any CJK font, matplotlib warns "Glyph ... missing from font(s)" and
draws boxes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._typing import AxesLike
from ..errors import InputError
from .axes import BAR_COLOR, annotate_cells, need, new_axes, pyplot
from .facets import FacetBy, facet_axes, facet_groups, finish, with_note
from .migration import migration_heatmap
from .segment_charts import segment_bars, segment_treemap
from .style import dress, headline, sizes
from .style import font as label_font
from .text import chart_lang, tr

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "migration_heatmap",
    "monetary_by_rf",
    "rf_heatmap",
    "rfm_histograms",
    "segment_bars",
    "segment_treemap",
]


# --------------------------------------------------------------------------- scores


def rf_heatmap(
    scored: pd.DataFrame,
    ax: Axes | AxesLike | None = None,
    *,
    colorbar: bool = True,
    lang: str | None = None,
    by: FacetBy = None,
) -> Any:
    """Mean monetary value of the customers in every cell of the R x F score grid.

    Parameters
    ----------
    scored : pandas.DataFrame
        The output of :func:`rfmkit.score` (``r_score``, ``f_score``, ``monetary``).
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure (with ``by``: one Axes per group).
    colorbar : bool
        Add a colour bar for the mean monetary value.
    lang : {"en", "zh"}, optional
        The language of the chart; by default the table's.
    by : str or list of str, optional
        Group columns: one heatmap per group, on one colour scale (see
        :mod:`rfmkit.plot.charts`).

    Returns
    -------
    matplotlib.axes.Axes
        R score on the x axis (right = more recent), F score on the y axis (up =
        more frequent); each cell is coloured by its mean monetary value and
        shows it with the number of customers. Empty cells are blank. With
        ``by``: a NumPy array of Axes, one per group.

    Examples
    --------
    >>> import rfmkit, rfmkit.plot
    >>> scored = rfmkit.score(rfmkit.rfm_table(rfmkit.datasets.make_transactions(5_000, 800)))
    >>> ax = rfmkit.plot.rf_heatmap(scored)
    >>> ax.figure.savefig("rf.png")  # doctest: +SKIP
    """
    need(scored, ("r_score", "f_score", "monetary"), "rf_heatmap", "rfmkit.score")
    lang = chart_lang(lang, scored)
    groups, faceted, note = facet_groups(scored, by, "rf_heatmap", lang)
    r_all = scored["r_score"].to_numpy(dtype=np.int64)
    f_all = scored["f_score"].to_numpy(dtype=np.int64)
    if len(r_all) and (r_all.min() < 1 or f_all.min() < 1):
        raise InputError("scores must be 1 or more; rf_heatmap takes the output of rfmkit.score")
    edges = scored.attrs.get("score_edges") or {}
    n_r = max(int(edges.get("recency", {}).get("levels", 0)), int(r_all.max(initial=1)))
    n_f = max(int(edges.get("frequency", {}).get("levels", 0)), int(f_all.max(initial=1)))
    grids = [rf_cells(rows, n_r, n_f) for _, rows in groups]
    top = max((float(np.nanmax(m, initial=0)) for m, _ in grids), default=1.0)
    axes = (
        facet_axes(len(groups), ax, (4.6, 4.0), "rf_heatmap")
        if faceted
        else [new_axes(ax, figsize=(6.4, 5.2))]
    )
    image = None
    for a, (title, _), (mean, count) in zip(axes, groups, grids, strict=True):
        image = a.imshow(
            np.ma.masked_invalid(mean), origin="lower", cmap="YlGnBu", aspect="auto", vmin=0, vmax=top or 1
        )
        texts = np.where(
            count > 0,
            [
                [f"{m:,.0f}\n({c:,})" for m, c in zip(mrow, crow, strict=True)]
                for mrow, crow in zip(mean, count, strict=True)
            ],
            "",
        )
        size = sizes(a.figure)["small"] * (1.0 if max(n_r, n_f) <= 5 else 0.75)
        annotate_cells(a, image, np.nan_to_num(mean), texts, size * (0.85 if faceted else 1.0))
        a.set_xticks(range(n_r), [str(i) for i in range(1, n_r + 1)])
        a.set_yticks(range(n_f), [str(i) for i in range(1, n_f + 1)])
        dress(a, title or with_note(tr(lang, "rf_title"), note), tr(lang, "r_score"), tr(lang, "f_score"))
    if colorbar and image is not None:
        bar = axes[0].figure.colorbar(image, ax=axes)
        label = tr(lang, "mean_monetary")
        bar.set_label(label, fontsize=sizes(axes[0].figure)["label"], **label_font([label]))
    if faceted:
        headline(axes[0].figure, tr(lang, "rf_title"))
    return finish(axes, faceted)


def rf_cells(scored: pd.DataFrame, n_r: int, n_f: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean monetary (NaN where empty) and customers of every (F, R) cell."""
    r = scored["r_score"].to_numpy(dtype=np.int64)
    f = scored["f_score"].to_numpy(dtype=np.int64)
    cell = (f - 1) * n_r + (r - 1)
    count = np.bincount(cell, minlength=n_f * n_r).reshape(n_f, n_r)
    total = np.bincount(
        cell, weights=scored["monetary"].to_numpy(dtype=np.float64), minlength=n_f * n_r
    ).reshape(n_f, n_r)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return mean, count


def frequency_edges(values: np.ndarray, bins: int) -> np.ndarray:
    """Bin edges on whole purchases: the smallest count (1: "bought once", the
    spike of most tables) always has a bar of its own; at most 60 values get
    one bar each, more are binned in equal steps of whole purchases."""
    low, high = float(values.min()), float(values.max())
    if high - low <= 60:
        return np.arange(low - 0.5, high + 1.5)
    step = max(1.0, float(np.ceil((high - low) / max(bins - 1, 1))))
    rest = np.arange(low + 0.5, high + step + 0.5, step)
    return np.concatenate([[low - 0.5], rest])


def rfm_histograms(
    table: pd.DataFrame,
    axes: AxesLike | None = None,
    *,
    bins: int = 30,
    upper: float | None = 0.99,
    lang: str | None = None,
    by: FacetBy = None,
) -> np.ndarray:
    """Histograms of recency, frequency and monetary, one Axes each.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`rfmkit.rfm_table` (or anything with ``recency``,
        ``frequency`` and ``monetary``).
    axes : three matplotlib Axes, optional
        Where to draw (any array or list of three; with ``by``, three per
        group); by default a new figure with one row of three (per group).
    bins : int
        Number of bins; frequencies spanning at most 60 values get one bin per
        value instead. The smallest frequency (customers who bought once)
        always has a bar of its own.
    upper : float or None
        F and M are heavy-tailed: values above this quantile are counted in
        the last bin (the x label says from where), so the bulk stays
        readable. None shows the whole range.
    lang : {"en", "zh"}, optional
        The language of the chart; by default the table's.
    by : str or list of str, optional
        Group columns: one row of three histograms per group, shared scales.

    Returns
    -------
    numpy.ndarray
        The three Axes: recency, frequency, monetary (with ``by``: shape
        (groups, 3)).

    Examples
    --------
    >>> import matplotlib.pyplot as plt, rfmkit, rfmkit.plot
    >>> table = rfmkit.rfm_table(rfmkit.datasets.make_transactions(5_000, 800))
    >>> fig, axes = plt.subplots(3, 1, figsize=(5, 9), layout="constrained")
    >>> axes = rfmkit.plot.rfm_histograms(table, axes=axes, upper=None)
    """
    need(table, ("recency", "frequency", "monetary"), "rfm_histograms", "rfmkit.rfm_table")
    if upper is not None and not 0 < upper <= 1:
        raise InputError(f"invalid upper {upper!r}: a quantile in (0, 1], or None")
    lang = chart_lang(lang, table)
    groups, faceted, note = facet_groups(table, by, "rfm_histograms", lang)
    if axes is None:
        _, grid = pyplot().subplots(
            len(groups),
            3,
            figsize=(12, 3.6 * len(groups)),
            layout="constrained",
            squeeze=False,
            sharex="col",
            sharey="col",
        )
        axes = grid
    flat = np.asarray(axes, dtype=object).ravel()
    if len(flat) != 3 * len(groups):
        raise InputError(
            f"axes must hold three Axes (recency, frequency, monetary) per group, got {len(flat)}"
        )
    caps: dict[str, float] = {}
    for col in ("frequency", "monetary"):
        values = table[col].to_numpy(dtype=np.float64)
        if len(values) and upper is not None and upper < 1:
            cap = float(np.quantile(values, upper))
            if (values > cap).any():
                caps[col] = cap
    edges_of: dict[str, Any] = {"recency": bins, "monetary": bins}
    freq = np.minimum(table["frequency"].to_numpy(dtype=np.float64), caps.get("frequency", np.inf))
    if len(freq):
        edges_of["frequency"] = frequency_edges(freq, bins)
    for col in ("recency", "monetary"):
        values = np.minimum(table[col].to_numpy(dtype=np.float64), caps.get(col, np.inf))
        if len(values):
            edges_of[col] = np.histogram_bin_edges(values, bins=bins)
    for g, (title, rows) in enumerate(groups):
        for k, col in enumerate(("recency", "frequency", "monetary")):
            ax = flat[3 * g + k]
            values = np.minimum(rows[col].to_numpy(dtype=np.float64), caps.get(col, np.inf))
            xlabel = tr(lang, f"{col}_unit")
            if col in caps:
                xlabel += f"\n({tr(lang, 'last_bar', cap=f'{caps[col]:,.0f}')})"
            ax.hist(values, bins=edges_of[col], color=BAR_COLOR, edgecolor="white", linewidth=0.5)
            head = tr(lang, col)
            head = head if title is None else f"{head}: {title}"
            dress(ax, with_note(head, note), xlabel, tr(lang, "customers"))
    return flat.reshape(len(groups), 3) if faceted else flat


def monetary_by_rf(
    scored: pd.DataFrame,
    axes: AxesLike | None = None,
    *,
    lang: str | None = None,
    by: FacetBy = None,
) -> np.ndarray:
    """Mean monetary by R score, one panel per F score (small multiples on one scale).

    Parameters
    ----------
    scored : pandas.DataFrame
        The output of :func:`rfmkit.score` (``r_score``, ``f_score``, ``monetary``).
    axes : matplotlib Axes, optional
        Where to draw: one per F score (per group with ``by``); by default a new figure.
    lang : {"en", "zh"}, optional
        The language of the chart; by default the table's.
    by : str or list of str, optional
        Group columns: one row of panels per group.

    Returns
    -------
    numpy.ndarray
        One Axes per F score (shape (groups, F levels) with ``by``): bars of
        the mean monetary of the customers of each R score, the same y scale
        in every panel (:func:`rf_heatmap` shows the same numbers as one grid).

    Examples
    --------
    >>> import rfmkit, rfmkit.plot
    >>> scored = rfmkit.score(rfmkit.rfm_table(rfmkit.datasets.make_transactions(5_000, 800)))
    >>> axes = rfmkit.plot.monetary_by_rf(scored)
    >>> len(axes)
    5
    """
    need(scored, ("r_score", "f_score", "monetary"), "monetary_by_rf", "rfmkit.score")
    lang = chart_lang(lang, scored)
    groups, faceted, note = facet_groups(scored, by, "monetary_by_rf", lang)
    r = scored["r_score"].to_numpy(dtype=np.int64)
    f = scored["f_score"].to_numpy(dtype=np.int64)
    if len(r) and (r.min() < 1 or f.min() < 1):
        raise InputError("scores must be 1 or more; monetary_by_rf takes the output of rfmkit.score")
    edges = scored.attrs.get("score_edges") or {}
    n_r = max(int(edges.get("recency", {}).get("levels", 0)), int(r.max(initial=1)))
    n_f = max(int(edges.get("frequency", {}).get("levels", 0)), int(f.max(initial=1)))
    if axes is None:
        _, grid = pyplot().subplots(
            len(groups),
            n_f,
            figsize=(2.6 * n_f + 1, 3.2 * len(groups) + 0.6),
            layout="constrained",
            squeeze=False,
            sharey=True,
        )
        axes = grid
    flat = np.asarray(axes, dtype=object).ravel()
    if len(flat) != n_f * len(groups):
        raise InputError(f"axes must hold one Axes per F score ({n_f}) per group, got {len(flat)}")
    for g, (head, rows) in enumerate(groups):
        means = rows.groupby([rows["f_score"].astype(np.int64), rows["r_score"].astype(np.int64)])[
            "monetary"
        ].mean()
        for k in range(n_f):
            ax = flat[n_f * g + k]
            heights = [float(means.get((k + 1, j), 0.0)) for j in range(1, n_r + 1)]
            ax.bar(np.arange(1, n_r + 1), heights, color=BAR_COLOR, width=0.8)
            ax.set_xticks(np.arange(1, n_r + 1), [str(j) for j in range(1, n_r + 1)])
            panel = tr(lang, "f_panel", f=k + 1)
            dress(
                ax,
                panel if head is None else f"{head}\n{panel}",
                tr(lang, "r_score_short"),
                tr(lang, "mean_monetary") if k == 0 else None,
            )
    figure = flat[0].figure
    headline(figure, with_note(tr(lang, "mrf_title"), note))
    return flat.reshape(len(groups), n_f) if faceted else flat
