"""Charts of RFM tables, scores, segments and migrations (matplotlib).

matplotlib is optional: ``pip install 'rfmkit[plot]'``. It is imported when a
function is called, never by ``import rfmkit``.

Every function draws into the Axes it is given, or into a new figure made
with ``matplotlib.pyplot.subplots`` when ``ax`` is None (so notebooks show it
and ``plt.savefig`` finds it), and returns the Axes. Nothing calls
``plt.show()`` or changes ``rcParams``.

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

from .._typing import AxesLike, MigrationLike
from ..errors import InputError
from .axes import annotate_cells, need, new_axes, pyplot, segments_of
from .layout import squarify
from .style import font as label_font
from .style import text_color

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["migration_heatmap", "rf_heatmap", "rfm_histograms", "segment_bars", "segment_treemap"]


# --------------------------------------------------------------------------- scores


def rf_heatmap(scored: pd.DataFrame, ax: Axes | None = None, *, colorbar: bool = True) -> Axes:
    """Mean monetary value of the customers in every cell of the R x F score grid.

    Parameters
    ----------
    scored : pandas.DataFrame
        The output of :func:`rfmkit.score` (``r_score``, ``f_score``, ``monetary``).
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure.
    colorbar : bool
        Add a colour bar for the mean monetary value.

    Returns
    -------
    matplotlib.axes.Axes
        R score on the x axis (right = more recent), F score on the y axis (up =
        more frequent); each cell is coloured by its mean monetary value and
        shows it with the number of customers. Empty cells are blank.

    Examples
    --------
    >>> import rfmkit, rfmkit.plot
    >>> scored = rfmkit.score(rfmkit.rfm_table(rfmkit.datasets.make_transactions(5_000, 800)))
    >>> ax = rfmkit.plot.rf_heatmap(scored)
    >>> ax.figure.savefig("rf.png")  # doctest: +SKIP
    """
    need(scored, ("r_score", "f_score", "monetary"), "rf_heatmap", "rfmkit.score")
    r = scored["r_score"].to_numpy(dtype=np.int64)
    f = scored["f_score"].to_numpy(dtype=np.int64)
    edges = scored.attrs.get("score_edges") or {}
    n_r = max(int(edges.get("recency", {}).get("levels", 0)), int(r.max(initial=1)))
    n_f = max(int(edges.get("frequency", {}).get("levels", 0)), int(f.max(initial=1)))
    if len(r) and (r.min() < 1 or f.min() < 1):
        raise InputError("scores must be 1 or more; rf_heatmap takes the output of rfmkit.score")
    ax = new_axes(ax, figsize=(6.4, 5.2))
    cell = (f - 1) * n_r + (r - 1)
    count = np.bincount(cell, minlength=n_f * n_r).reshape(n_f, n_r)
    total = np.bincount(
        cell, weights=scored["monetary"].to_numpy(dtype=np.float64), minlength=n_f * n_r
    ).reshape(n_f, n_r)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    image = ax.imshow(np.ma.masked_invalid(mean), origin="lower", cmap="YlGnBu", aspect="auto")
    texts = np.where(
        count > 0,
        [
            [f"{m:,.0f}\n({c:,})" for m, c in zip(mrow, crow, strict=True)]
            for mrow, crow in zip(mean, count, strict=True)
        ],
        "",
    )
    annotate_cells(ax, image, np.nan_to_num(mean), texts, 8 if max(n_r, n_f) <= 5 else 6)
    ax.set_xticks(range(n_r), [str(i) for i in range(1, n_r + 1)])
    ax.set_yticks(range(n_f), [str(i) for i in range(1, n_f + 1)])
    ax.set_xlabel("R score (higher = more recent)")
    ax.set_ylabel("F score (higher = more frequent)")
    ax.set_title("Mean monetary value by R and F score (customers)")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="mean monetary")
    return ax


def rfm_histograms(
    table: pd.DataFrame, axes: AxesLike | None = None, *, bins: int = 30, upper: float | None = 0.99
) -> np.ndarray:
    """Histograms of recency, frequency and monetary, one Axes each.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`rfmkit.rfm_table` (or anything with ``recency``,
        ``frequency`` and ``monetary``).
    axes : three matplotlib Axes, optional
        Where to draw (any array or list of three); by default a new figure
        with one row of three.
    bins : int
        Number of bins; frequencies spanning at most 60 values get one bin per
        value instead.
    upper : float or None
        F and M are heavy-tailed: values above this quantile are counted in
        the last bin (the x label says from where), so the bulk stays
        readable. None shows the whole range.

    Returns
    -------
    numpy.ndarray
        The three Axes: recency, frequency, monetary.

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
    if axes is None:
        _, axes = pyplot().subplots(1, 3, figsize=(12, 3.6), layout="constrained")
    axes = np.asarray(axes, dtype=object).ravel()
    if len(axes) != 3:
        raise InputError(f"axes must hold three Axes (recency, frequency, monetary), got {len(axes)}")
    described = (
        ("recency", "Recency", "days since the last purchase"),
        ("frequency", "Frequency", "purchases"),
        ("monetary", "Monetary", "amount spent"),
    )
    for ax, (col, title, xlabel) in zip(axes, described, strict=True):
        values = table[col].to_numpy(dtype=np.float64)
        if col != "recency" and len(values) and upper is not None and upper < 1:
            cap = float(np.quantile(values, upper))
            if (values > cap).any():
                values = np.minimum(values, cap)
                xlabel += f" (last bar: {cap:,.0f} or more)"
        edges: Any = bins
        if col == "frequency" and len(values) and values.max() - values.min() <= 60:
            edges = np.arange(values.min() - 0.5, values.max() + 1.5)
        ax.hist(values, bins=edges, color="#3b75af", edgecolor="white", linewidth=0.5)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("customers")
    return axes


# --------------------------------------------------------------------------- segments


def segment_bars(segmented: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Share of customers and share of revenue of every segment, side by side.

    Parameters
    ----------
    segmented : pandas.DataFrame
        The output of :func:`rfmkit.segment` (``segment`` and ``monetary``).
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        Two horizontal bars per segment, in the scheme's order from the top
        (empty segments included): the percentage of customers and the
        percentage of revenue (the sum of ``monetary``). Segments whose
        revenue share exceeds their customer share are worth more than their
        headcount. The numbers are in ``rfmkit.segment_summary``.

    Examples
    --------
    >>> import rfmkit, rfmkit.plot
    >>> scored = rfmkit.score(rfmkit.rfm_table(rfmkit.datasets.make_transactions(5_000, 800)))
    >>> ax = rfmkit.plot.segment_bars(rfmkit.segment(scored, "rf10"))
    """
    need(segmented, ("segment", "monetary"), "segment_bars", "rfmkit.segment")
    labels, customers, revenue = segments_of(segmented)
    ax = new_axes(ax, figsize=(7.5, 0.45 * len(labels) + 1.6))
    shares = {"customers": _share(customers), "revenue": _share(revenue)}
    y = np.arange(len(labels))
    height = 0.4
    for offset, (name, share), color in zip(
        (-height / 2, height / 2), shares.items(), ("#3b75af", "#ef8636"), strict=True
    ):
        bars = ax.barh(y + offset, share, height=height, label=name, color=color)
        ax.bar_label(bars, fmt="{:.1f}%", padding=2, fontsize=7)
    ax.set_yticks(y, labels, **label_font(labels))
    ax.invert_yaxis()
    ax.set_xlabel("share of total (%)")
    ax.set_ylabel("segment")
    ax.set_title("Customers and revenue by segment")
    ax.legend(loc="lower right")
    ax.margins(x=0.12)
    return ax


def _share(values: np.ndarray) -> np.ndarray:
    total = values.sum()
    return values * (100.0 / total) if total else np.zeros(len(values))


def segment_treemap(segmented: pd.DataFrame, ax: Axes | None = None, *, by: str = "customers") -> Axes:
    """Segments as the tiles of a squarified treemap, sized by customers or revenue.

    Parameters
    ----------
    segmented : pandas.DataFrame
        The output of :func:`rfmkit.segment`.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure.
    by : {"customers", "revenue"}
        What the areas measure. Segments with nothing to show (no customers,
        or revenue of zero or less) get no tile.

    Returns
    -------
    matplotlib.axes.Axes
        The unit square tiled by one rectangle per segment, its area the
        segment's share, laid out by the squarified algorithm of Bruls,
        Huizing and van Wijk (2000) so that tiles stay close to squares.
        Colours follow the scheme's order; each tile is labelled with the
        segment and its share when it is large enough.

    Examples
    --------
    >>> import rfmkit, rfmkit.plot
    >>> scored = rfmkit.score(rfmkit.rfm_table(rfmkit.datasets.make_transactions(5_000, 800)))
    >>> ax = rfmkit.plot.segment_treemap(rfmkit.segment(scored, "rfm11"), by="revenue")
    """
    if by not in ("customers", "revenue"):
        raise InputError(f"invalid by {by!r}: 'customers' or 'revenue'")
    need(segmented, ("segment", "monetary"), "segment_treemap", "rfmkit.segment")
    labels, customers, revenue = segments_of(segmented)
    values = (customers if by == "customers" else revenue).astype(np.float64)
    ax = new_axes(ax, figsize=(8, 5))
    from matplotlib import colormaps
    from matplotlib.patches import Rectangle

    cmap = colormaps["tab20"]
    shown = np.flatnonzero(values > 0)
    order = shown[np.argsort(-values[shown], kind="stable")]
    total = values[order].sum()
    fonts = label_font(labels)
    for k, (x, y, w, h) in zip(order, squarify(values[order] / total if total else []), strict=True):
        color = cmap((2 * k) % 20 + (2 * k // 20) % 2)  # the ten strong colours first
        ax.add_patch(Rectangle((x, y), w, h, facecolor=color, edgecolor="white", linewidth=1.5))
        if w * h >= 0.012:
            ax.text(
                x + w / 2,
                y + h / 2,
                f"{labels[k]}\n{values[k] / total:.1%}",
                ha="center",
                va="center",
                fontsize=8 if min(w, h) > 0.12 else 6,
                color=text_color(color),
                clip_on=True,
                **fonts,
            )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xticks([])
    ax.set_yticks([])
    what = "customers" if by == "customers" else "revenue"
    ax.set_xlabel(f"area = share of {what}")
    ax.set_ylabel("segments")
    ax.set_title(f"Segments by {what}")
    return ax


# --------------------------------------------------------------------------- migration


def _percent(share: float) -> str:
    return f"{share:.0%}" if share >= 0.005 else "<1%"


def migration_heatmap(migration: MigrationLike, ax: Axes | None = None, *, normalize: bool = True) -> Axes:
    """Where the customers of each segment went between two dates.

    Parameters
    ----------
    migration : rfmkit.Migration or pandas.DataFrame
        The result of :func:`rfmkit.migration` (its ``counts`` are used), or a
        table of counts with the before segments as rows and the after
        segments as columns.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure.
    normalize : bool
        Colour and label each cell by its share of the row (of the customers
        who were in that segment before; rows sum to 100%), or by the number
        of customers when False.

    Returns
    -------
    matplotlib.axes.Axes
        Before segments (and "(new)" customers) as rows, after segments (and
        "(gone)") as columns. Cells with no customers are left blank.

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
    n = counts.to_numpy(dtype=np.float64)
    if normalize:
        rows = n.sum(axis=1, keepdims=True)
        values = np.divide(n, rows, out=np.zeros_like(n), where=rows > 0)
        texts = np.where(n > 0, np.vectorize(_percent, otypes=[object])(values), "")
    else:
        values = n
        texts = np.where(n > 0, np.vectorize(lambda v: f"{v:,.0f}", otypes=[object])(n), "")
    before = [str(c) for c in counts.index]
    after = [str(c) for c in counts.columns]
    ax = new_axes(ax, figsize=(0.6 * len(after) + 3.5, 0.45 * len(before) + 2.5))
    image = ax.imshow(
        values,
        cmap="Blues",
        aspect="auto",
        vmin=0,
        vmax=1 if normalize else max(float(n.max(initial=0)), 1.0),
    )
    annotate_cells(ax, image, values, texts, 7 if max(n.shape, default=0) <= 8 else 6)
    ax.set_xticks(
        range(len(after)), after, rotation=40, ha="right", rotation_mode="anchor", **label_font(after)
    )
    ax.set_yticks(range(len(before)), before, **label_font(before))
    ax.set_xlabel("segment after")
    ax.set_ylabel("segment before")
    ax.set_title("Segment migration" + (" (share of each row)" if normalize else " (customers)"))
    return ax
