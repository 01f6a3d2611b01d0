"""Charts of the segments of a table: shares of customers and revenue as bars,
and as the tiles of a treemap (every tile named, inside it or in a legend)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._typing import AxesLike
from ..errors import InputError
from .axes import SegmentInfo, need, new_axes, segment_info, segments_of
from .facets import FacetBy, facet_axes, facet_groups, finish, with_note
from .layout import squarify
from .style import dress, headline, sizes, text_color
from .style import font as label_font
from .text import chart_lang, tr

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["segment_bars", "segment_treemap"]


def share(values: np.ndarray) -> np.ndarray:
    total = values.sum()
    return values * (100.0 / total) if total else np.zeros(len(values))


def segment_bars(
    segmented: pd.DataFrame,
    ax: Axes | AxesLike | None = None,
    *,
    lang: str | None = None,
    by: FacetBy = None,
    show_empty: bool = False,
) -> Any:
    """Share of customers and share of revenue of every segment, side by side.

    Parameters
    ----------
    segmented : pandas.DataFrame
        The output of :func:`rfmkit.segment` (``segment`` and ``monetary``).
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure (with ``by``: one Axes per group).
    lang : {"en", "zh"}, optional
        The language of the chart; by default the table's.
    by : str or list of str, optional
        Group columns: one chart per group, on shared axes (see
        :mod:`rfmkit.plot.charts`).
    show_empty : bool
        Keep the segments with no customers (the fallback, often).

    Returns
    -------
    matplotlib.axes.Axes
        Two horizontal bars per segment, in the scheme's order from the top:
        the percentage of customers (solid, in the segment's colour) and the
        percentage of revenue (the sum of ``monetary``; hatched). Segments
        whose revenue share exceeds their customer share are worth more than
        their headcount. The numbers are in ``rfmkit.segment_summary``. With
        ``by``: a NumPy array of Axes, one per group.

    Examples
    --------
    >>> import rfmkit, rfmkit.plot
    >>> scored = rfmkit.score(rfmkit.rfm_table(rfmkit.datasets.make_transactions(5_000, 800)))
    >>> ax = rfmkit.plot.segment_bars(rfmkit.segment(scored, "rf10"))
    """
    need(segmented, ("segment", "monetary"), "segment_bars", "rfmkit.segment")
    lang = chart_lang(lang, segmented)
    groups, faceted, note = facet_groups(segmented, by, "segment_bars", lang)
    info = segment_info(segmented, lang, show_empty)
    keep = np.flatnonzero(info.shown)
    height = 0.45 * len(keep) + 1.8
    if faceted:
        axes = facet_axes(len(groups), ax, (5.2, height), "segment_bars", ncols=2)
    else:
        axes = [new_axes(ax, figsize=(7.5, height))]
    for a, (title, rows) in zip(axes, groups, strict=True):
        _, customers, revenue = segments_of(rows)
        draw_bars(a, info, keep, share(customers)[keep], share(revenue)[keep], lang)
        dress(
            a,
            title or with_note(tr(lang, "bars_title"), note),
            tr(lang, "share_pct"),
            tr(lang, "segment"),
        )
    if faceted:
        headline(axes[0].figure, tr(lang, "bars_title"))
    return finish(axes, faceted)


def draw_bars(
    ax: Axes, info: SegmentInfo, keep: np.ndarray, customers: np.ndarray, revenue: np.ndarray, lang: str
) -> None:
    from matplotlib.patches import Patch

    size = sizes(ax.figure)
    names = [info.names[k] for k in keep]
    colors = [info.colors[k] for k in keep]
    y = np.arange(len(keep))
    height = 0.4
    bars = ax.barh(y - height / 2, customers, height=height, color=colors, edgecolor="0.25", linewidth=0.4)
    ax.bar_label(bars, fmt="{:.1f}%", padding=2, fontsize=size["small"] * 0.85)
    light = [(*c[:3], 0.35) for c in colors]
    bars = ax.barh(y + height / 2, revenue, height=height, color=light, edgecolor=colors, hatch="///")
    ax.bar_label(bars, fmt="{:.1f}%", padding=2, fontsize=size["small"] * 0.85)
    ax.set_yticks(y, names, **label_font(names))
    if not ax.yaxis_inverted():  # facets share the y axis: invert it once
        ax.invert_yaxis()
    handles = [
        Patch(facecolor="0.45", edgecolor="0.25", label=tr(lang, "customers")),
        Patch(facecolor=(0.45, 0.45, 0.45, 0.35), edgecolor="0.45", hatch="///", label=tr(lang, "revenue")),
    ]
    ax.legend(handles=handles, loc="best", **legend_font(lang, size["small"]))
    ax.margins(x=0.14)


def legend_font(lang: str, size: float, names: Any = ()) -> dict[str, Any]:
    """Legend text properties: its size, and a CJK font for Chinese."""
    family = label_font(["客" if lang == "zh" else "", *names]).get("fontfamily")
    if family is None:
        return {"fontsize": size, "title_fontsize": size}
    return {
        "prop": {"family": family, "size": size},
        "title_fontproperties": {"family": family, "size": size},
    }


def segment_treemap(
    segmented: pd.DataFrame,
    ax: Axes | AxesLike | None = None,
    *,
    by: FacetBy = "customers",
    size: str | None = None,
    lang: str | None = None,
) -> Any:
    """Segments as the tiles of a squarified treemap, sized by customers or revenue.

    Parameters
    ----------
    segmented : pandas.DataFrame
        The output of :func:`rfmkit.segment`.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure (with group facets: one Axes per group).
    by : "customers", "revenue", or group column(s)
        What the areas measure, as before (``size`` is the clearer name);
        any other value names group columns, one treemap per group (see
        :mod:`rfmkit.plot.charts`).
    size : {"customers", "revenue"}, optional
        What the areas measure; by default customers (or ``by``'s measure).
        Segments with nothing to show (no customers, or revenue of zero or
        less) get no tile.
    lang : {"en", "zh"}, optional
        The language of the chart; by default the table's.

    Returns
    -------
    matplotlib.axes.Axes
        The unit square tiled by one rectangle per segment, its area the
        segment's share, laid out by the squarified algorithm of Bruls,
        Huizing and van Wijk (2000) so that tiles stay close to squares.
        Colours follow the scheme's palette (best segment blue, worst red,
        fallback grey). A tile whose name and share fit inside it carries
        them (measured on the rendered text); the others are named in a
        legend beside the square. With group facets: an array of Axes.

    Examples
    --------
    >>> import rfmkit, rfmkit.plot
    >>> scored = rfmkit.score(rfmkit.rfm_table(rfmkit.datasets.make_transactions(5_000, 800)))
    >>> ax = rfmkit.plot.segment_treemap(rfmkit.segment(scored, "rfm11"), size="revenue")
    """
    need(segmented, ("segment", "monetary"), "segment_treemap", "rfmkit.segment")
    measure, facet = treemap_args(by, size, segmented)
    lang = chart_lang(lang, segmented)
    groups, faceted, note = facet_groups(segmented, facet, "segment_treemap", lang)
    info = segment_info(segmented, lang, show_empty=False)
    if faceted:
        axes = facet_axes(len(groups), ax, (5.0, 4.0), "segment_treemap", ncols=2)
    else:
        axes = [new_axes(ax, figsize=(8, 5))]
    what = tr(lang, measure)
    for a, (title, rows) in zip(axes, groups, strict=True):
        _, customers, revenue = segments_of(rows)
        values = (customers if measure == "customers" else revenue).astype(np.float64)
        tiles(a, info, values)
        a.set_xlim(0, 1)
        a.set_ylim(0, 1)
        a.set_xticks([])
        a.set_yticks([])
        head = title or with_note(tr(lang, "treemap_title", what=what), note)
        dress(a, head, tr(lang, "treemap_xlabel", what=what), tr(lang, "segments"))
    if faceted:
        headline(axes[0].figure, tr(lang, "treemap_title", what=what))
    fit_labels(axes, lang)
    return finish(axes, faceted)


def treemap_args(by: FacetBy, size: str | None, table: pd.DataFrame) -> tuple[str, FacetBy]:
    """The measure and the facet columns of segment_treemap's ``by`` and ``size``."""
    measures = ("customers", "revenue")
    if size is not None and size not in measures:
        raise InputError(f"invalid size {size!r}: 'customers' or 'revenue'")
    if isinstance(by, str) and by in measures:
        return size or by, None
    cols = [] if by is None else [by] if isinstance(by, str) else list(by)
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise InputError(
            f"invalid by {by!r}: 'customers' or 'revenue' (what the areas measure), "
            f"or group column(s) of the table; it has no column {missing[0]!r}"
        )
    return size or "customers", by


def tiles(ax: Axes, info: SegmentInfo, values: np.ndarray) -> None:
    from matplotlib.patches import Rectangle

    fonts = label_font(info.names)
    shown = np.flatnonzero(values > 0)
    order = shown[np.argsort(-values[shown], kind="stable")]
    total = values[order].sum()
    small = sizes(ax.figure)["small"]
    for k, (x, y, w, h) in zip(order, squarify(values[order] / total if total else []), strict=True):
        color = info.colors[k]
        name = f"{info.names[k]}\n{values[k] / total:.1%}"
        rect = Rectangle((x, y), w, h, facecolor=color, edgecolor="white", linewidth=1.5, label=name)
        rect.set_gid(f"tile-{k}")
        ax.add_patch(rect)
        text = ax.text(
            x + w / 2,
            y + h / 2,
            name,
            ha="center",
            va="center",
            fontsize=small,
            color=text_color(color),
            **fonts,
        )
        text.set_gid(f"tile-{k}")


def fit_labels(axes: list[Axes], lang: str) -> None:
    """Keeps each tile's label only where it fits inside its tile (trying a
    smaller size first); the tiles left unnamed go into a legend beside the
    square. Measured on the rendered figure, again after the legend moved it."""
    figure: Any = axes[0].figure
    renderer = getattr(figure.canvas, "get_renderer", None)
    for _ in range(4):
        figure.draw_without_rendering()
        moved = False
        for ax in axes:
            rects = {r.get_gid(): r for r in tiles_of(ax)}
            for text in [t for t in ax.texts if t.get_gid() in rects]:
                rect = rects[text.get_gid()]
                if not fits(text, rect, renderer):
                    text.set_fontsize(max(6.5, float(text.get_fontsize()) * 0.8))
                    if not fits(text, rect, renderer):
                        text.remove()
                        moved = True
            named = {t.get_gid() for t in ax.texts}
            unnamed = [r for gid, r in rects.items() if gid not in named]
            legend = ax.get_legend()
            if len(unnamed) != (0 if legend is None else len(legend.get_texts())):
                if legend is not None:
                    legend.remove()
                names = [r.get_label().replace("\n", " ") for r in unnamed]
                ax.legend(
                    handles=unnamed,
                    labels=names,
                    loc="upper left",
                    bbox_to_anchor=(1.01, 1.0),
                    borderaxespad=0.0,
                    frameon=False,
                    **legend_font(lang, sizes(figure)["small"], names),
                )
                moved = True
        if not moved:
            return


def tiles_of(ax: Axes) -> list[Any]:
    from matplotlib.patches import Rectangle

    return [p for p in ax.patches if isinstance(p, Rectangle)]


def fits(text: Any, rect: Any, renderer: Any) -> bool:
    """Whether a label's rendered box lies inside its tile, with a margin."""
    if renderer is None:  # a backend without one: a rough estimate by area
        return bool(rect.get_width() * rect.get_height() >= 0.02)
    box = text.get_window_extent(renderer())
    tile = rect.get_window_extent(renderer())
    pad = 3.0
    return bool(
        box.x0 >= tile.x0 + pad
        and box.x1 <= tile.x1 - pad
        and box.y0 >= tile.y0 + pad
        and box.y1 <= tile.y1 - pad
    )
