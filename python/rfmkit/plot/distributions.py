"""Charts of how customers spread over R, F and M: the order-count distribution,
R / F / M scatter plots, the median R, F, M of each segment, and mean monetary
by R and F score (the charts users of the R package rfm know)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._typing import AxesLike
from ..errors import InputError, InputTypeError
from .axes import BAR_COLOR, need, new_axes, pyplot, segment_info
from .facets import FacetBy, facet_axes, facet_groups, finish, with_note
from .segment_charts import legend_font
from .style import dress, headline, sizes
from .style import font as label_font
from .text import chart_lang, tr

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["order_distribution", "rfm_scatter", "segment_medians"]


def order_distribution(
    table: pd.DataFrame,
    ax: Axes | AxesLike | None = None,
    *,
    cap: int = 15,
    lang: str | None = None,
    by: FacetBy = None,
) -> Any:
    """Customers by number of purchases: one bar per count, up to a cap.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`rfmkit.rfm_table` (``frequency``).
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure (with ``by``: one Axes per group).
    cap : int
        Counts below ``cap`` get a bar each; the last bar, ``"{cap}+"``,
        holds every customer with ``cap`` purchases or more.
    lang : {"en", "zh"}, optional
        The language of the chart; by default the table's.
    by : str or list of str, optional
        Group columns: one chart per group, shared axes.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per purchase count, labelled with its number of customers.
        With ``by``: a NumPy array of Axes.

    Examples
    --------
    >>> import rfmkit, rfmkit.plot
    >>> table = rfmkit.rfm_table(rfmkit.datasets.make_transactions(5_000, 800))
    >>> ax = rfmkit.plot.order_distribution(table, cap=10)
    >>> [t.get_text() for t in ax.get_xticklabels()][-1]
    '10+'
    """
    need(table, ("frequency",), "order_distribution", "rfmkit.rfm_table")
    if isinstance(cap, bool) or not isinstance(cap, (int, np.integer)):
        raise InputTypeError(f"cap must be an int, not {type(cap).__name__}")
    if cap < 2:
        raise InputError(f"invalid cap {cap!r}: 2 or more")
    lang = chart_lang(lang, table)
    groups, faceted, note = facet_groups(table, by, "order_distribution", lang)
    freq = table["frequency"].to_numpy(dtype=np.int64)
    low = int(freq.min(initial=1)) if len(freq) else 1
    high = min(int(freq.max(initial=1)), int(cap))
    positions = np.arange(low, high + 1)
    ticks = [str(p) for p in positions]
    if len(freq) and freq.max() >= cap:
        ticks[-1] = f"{cap}+"
    if faceted:
        axes = facet_axes(len(groups), ax, (5.0, 3.6), "order_distribution", ncols=2)
    else:
        axes = [new_axes(ax, figsize=(7.5, 4.2))]
    for a, (title, rows) in zip(axes, groups, strict=True):
        f = np.minimum(rows["frequency"].to_numpy(dtype=np.int64), high) - low
        counts = np.bincount(f, minlength=len(positions))
        bars = a.bar(positions, counts, color=BAR_COLOR, width=0.8)
        a.bar_label(
            bars, labels=[f"{c:,}" for c in counts], padding=2, fontsize=sizes(a.figure)["small"] * 0.85
        )
        a.set_xticks(positions, ticks)
        a.margins(y=0.12)
        head = title or with_note(tr(lang, "orders_title"), note)
        dress(a, head, tr(lang, "orders_xlabel"), tr(lang, "customers"))
    return finish(axes, faceted)


def money_axis(ax: Axes, values: np.ndarray, lang: str, axis: str = "y") -> str:
    """A log scale for money (symmetric log when some amounts are zero or less,
    so that no customer drops out), with plain numbers as tick labels."""
    from matplotlib import ticker

    positive = bool(len(values)) and bool((values > 0).all())
    setter = ax.set_yscale if axis == "y" else ax.set_xscale
    if positive:
        setter("log")
    else:
        setter("symlog", linthresh=1.0)
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 1 else f"{v:g}"))
    target.set_minor_formatter(ticker.NullFormatter())
    return tr(lang, "monetary_axis" if positive else "monetary_symlog")


def frequency_axis(ax: Axes, values: np.ndarray, lang: str, x: str) -> str:
    """Frequency on a log scale when every customer has one purchase or more
    (its tail is as long as money's), else linear."""
    from matplotlib import ticker

    if not (len(values) and values.min() >= 1):
        return tr(lang, "frequency_axis")
    axis = ax.xaxis if x == "frequency" else ax.yaxis
    (ax.set_xscale if x == "frequency" else ax.set_yscale)("log")
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    axis.set_minor_formatter(ticker.NullFormatter())
    return tr(lang, "frequency_log")


def rfm_scatter(
    table: pd.DataFrame,
    axes: AxesLike | None = None,
    *,
    sample: int = 50_000,
    seed: int = 0,
    lang: str | None = None,
    by: FacetBy = None,
    show_empty: bool = False,
) -> np.ndarray:
    """Recency vs monetary, frequency vs monetary and recency vs frequency, one
    point per customer, coloured by segment when the table is segmented.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`rfmkit.rfm_table`, :func:`rfmkit.score` or
        :func:`rfmkit.segment`.
    axes : three matplotlib Axes, optional
        Where to draw (three per group with ``by``); by default a new figure.
        The segment legend goes below them (a figure legend).
    sample : int
        Above this many customers, a random sample of this size is drawn
        (with ``seed``, so the chart is the same every time), and the title
        says so.
    seed : int
        The seed of the sample.
    lang : {"en", "zh"}, optional
        The language of the chart; by default the table's.
    by : str or list of str, optional
        Group columns: one row of three per group, shared scales.
    show_empty : bool
        List segments with no customers in the legend too.

    Returns
    -------
    numpy.ndarray
        The three Axes (shape (groups, 3) with ``by``). Money is on a log
        scale (symmetric log when some customer's total is zero or less), and
        so is frequency when every customer bought at least once.

    Examples
    --------
    >>> import rfmkit, rfmkit.plot
    >>> scored = rfmkit.score(rfmkit.rfm_table(rfmkit.datasets.make_transactions(5_000, 800)))
    >>> axes = rfmkit.plot.rfm_scatter(rfmkit.segment(scored, "rfm11"))
    >>> axes[0].get_yscale(), axes[2].get_yscale()  # returns leave some totals at 0 or less
    ('symlog', 'log')
    """
    need(table, ("recency", "frequency", "monetary"), "rfm_scatter", "rfmkit.rfm_table")
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or sample < 1:
        raise InputError(f"invalid sample {sample!r}: a number of customers, 1 or more")
    lang = chart_lang(lang, table)
    groups, faceted, note = facet_groups(table, by, "rfm_scatter", lang)
    title = with_note(tr(lang, "scatter_title"), note)
    if len(table) > sample:
        pick = np.sort(np.random.default_rng(seed).choice(len(table), size=sample, replace=False))
        title += "\n" + tr(lang, "sampled", n=f"{sample:,}", total=f"{len(table):,}", seed=seed)
    else:
        pick = np.arange(len(table))
    segmented = "segment" in table.columns
    info = segment_info(table, lang, show_empty) if segmented else None
    if axes is None:
        _, grid = pyplot().subplots(
            len(groups),
            3,
            figsize=(13, 4.2 * len(groups) + 0.6),
            layout="constrained",
            squeeze=False,
            sharex="col",
            sharey="col",
        )
        axes = grid
    flat = np.asarray(axes, dtype=object).ravel()
    if len(flat) != 3 * len(groups):
        raise InputError(f"axes must hold three Axes per group, got {len(flat)}")
    position = pd.Series(np.arange(len(table)), index=table.index)
    chosen = np.zeros(len(table), dtype=bool)
    chosen[pick] = True
    pairs = (("recency", "monetary"), ("frequency", "monetary"), ("recency", "frequency"))
    for g, (head, rows) in enumerate(groups):
        rows = rows[chosen[position.loc[rows.index].to_numpy()]]
        for k, (x, y) in enumerate(pairs):
            ax = flat[3 * g + k]
            scatter(ax, rows, x, y, info)
            labels = {"recency": tr(lang, "recency_axis")}
            if y == "monetary":
                labels["monetary"] = money_axis(ax, table["monetary"].to_numpy(np.float64), lang, "y")
            if "frequency" in (x, y):
                labels["frequency"] = frequency_axis(ax, table["frequency"].to_numpy(np.float64), lang, x)
            dress(ax, head, labels[x], labels[y])
    figure = flat[0].figure
    headline(figure, title)
    if info is not None:
        keep = np.flatnonzero(info.shown)
        names = [info.names[k] for k in keep]
        from matplotlib.lines import Line2D

        handles = [
            Line2D([], [], marker="o", linestyle="", color=info.colors[k], label=info.names[k]) for k in keep
        ]
        figure.legend(
            handles=handles,
            loc="outside lower center",
            ncols=min(len(handles), 6),
            title=tr(lang, "segment"),
            **legend_font(lang, sizes(figure)["small"], names),
        )
    return flat.reshape(len(groups), 3) if faceted else flat


def scatter(ax: Axes, rows: pd.DataFrame, x: str, y: str, info: Any) -> None:
    size = 6 if len(rows) > 5_000 else 12
    if info is None:
        ax.scatter(rows[x], rows[y], s=size, alpha=0.4, color=BAR_COLOR, linewidths=0)
        return
    codes = rows["segment"].cat.codes.to_numpy()
    for k in np.flatnonzero(info.shown)[::-1]:  # the best segments drawn last, on top
        mask = codes == k
        if mask.any():
            ax.scatter(
                rows[x].to_numpy()[mask],
                rows[y].to_numpy()[mask],
                s=size,
                alpha=0.5,
                color=info.colors[k],
                linewidths=0,
            )


def segment_medians(
    segmented: pd.DataFrame,
    axes: AxesLike | None = None,
    *,
    lang: str | None = None,
    by: FacetBy = None,
    show_empty: bool = False,
) -> np.ndarray:
    """Median recency, frequency and monetary of every segment, side by side.

    Parameters
    ----------
    segmented : pandas.DataFrame
        The output of :func:`rfmkit.segment`.
    axes : three matplotlib Axes, optional
        Where to draw (three per group with ``by``); by default a new figure.
    lang : {"en", "zh"}, optional
        The language of the chart; by default the table's.
    by : str or list of str, optional
        Group columns: one row of three per group, shared scales.
    show_empty : bool
        Keep the segments with no customers (as empty rows).

    Returns
    -------
    numpy.ndarray
        Three Axes of horizontal bars, one bar per segment in the scheme's
        order, in the segment's colour, labelled with the median (shape
        (groups, 3) with ``by``).

    Examples
    --------
    >>> import rfmkit, rfmkit.plot
    >>> scored = rfmkit.score(rfmkit.rfm_table(rfmkit.datasets.make_transactions(5_000, 800)))
    >>> axes = rfmkit.plot.segment_medians(rfmkit.segment(scored, "rfm11"))
    """
    need(segmented, ("segment", "recency", "frequency", "monetary"), "segment_medians", "rfmkit.segment")
    lang = chart_lang(lang, segmented)
    groups, faceted, note = facet_groups(segmented, by, "segment_medians", lang)
    info = segment_info(segmented, lang, show_empty)
    keep = np.flatnonzero(info.shown)
    if axes is None:
        height = 0.38 * len(keep) + 1.6
        _, grid = pyplot().subplots(
            len(groups),
            3,
            figsize=(13, height * len(groups)),
            layout="constrained",
            squeeze=False,
            sharey=True,
            sharex="col",
        )
        axes = grid
    flat = np.asarray(axes, dtype=object).ravel()
    if len(flat) != 3 * len(groups):
        raise InputError(f"axes must hold three Axes per group, got {len(flat)}")
    names = [info.names[k] for k in keep]
    colors = [info.colors[k] for k in keep]
    for g, (head, rows) in enumerate(groups):
        codes = rows["segment"].cat.codes
        for k, col in enumerate(("recency", "frequency", "monetary")):
            ax = flat[3 * g + k]
            med = rows[col].astype(np.float64).groupby(codes.to_numpy()).median()
            values = np.array([med.get(c, np.nan) for c in keep], dtype=np.float64)
            bars = ax.barh(
                np.arange(len(keep)), np.nan_to_num(values), color=colors, edgecolor="0.25", linewidth=0.4
            )
            labels = [
                "" if np.isnan(v) else f"{v:,.0f}" if v.is_integer() or abs(v) >= 100 else f"{v:,.1f}"
                for v in values
            ]
            ax.bar_label(bars, labels=labels, padding=2, fontsize=sizes(ax.figure)["small"] * 0.85)
            ax.set_yticks(np.arange(len(keep)), names, **label_font(names))
            if not ax.yaxis_inverted():
                ax.invert_yaxis()
            ax.margins(x=0.18)
            dress(ax, head, tr(lang, f"median_{col}"), tr(lang, "segment") if k == 0 else None)
    figure = flat[0].figure
    headline(figure, with_note(tr(lang, "medians_title"), note))
    return flat.reshape(len(groups), 3) if faceted else flat
