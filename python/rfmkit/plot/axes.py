"""What the charts share: pyplot on demand, a fresh Axes when none is given,
checks of the input columns, the segments of a table (their names in the
chart's language, colours, which to show), and cell labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .style import segment_palette, text_color
from .text import segment_names

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

BAR_COLOR = "#3b75af"  # bars that are not of a segment


def pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("rfmkit.plot needs matplotlib: pip install 'rfmkit[plot]'") from exc
    return plt


def new_axes(ax: Any, **subplots: Any) -> Axes:
    """The Axes given (or the one Axes of an array), or a new figure's."""
    if ax is not None:
        if isinstance(ax, (np.ndarray, list, tuple)):
            flat = list(np.asarray(ax, dtype=object).ravel())
            if len(flat) != 1:
                raise InputError(f"ax must be one Axes without by=, got {len(flat)}")
            return flat[0]
        return ax
    _, ax = pyplot().subplots(layout="constrained", **subplots)
    return ax


def need(data: pd.DataFrame, columns: Sequence[str], func: str, source: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{func} takes a pandas DataFrame ({source}), not {type(data).__name__}")
    for col in columns:
        if col not in data.columns:
            raise InputError(f"missing column {col!r}; {func} takes the output of {source}")


def segments_of(segmented: pd.DataFrame) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Segment labels in the scheme's order (empty ones too), customers and revenue of each."""
    seg = segmented["segment"]
    if isinstance(seg.dtype, pd.CategoricalDtype):
        labels = [str(c) for c in seg.cat.categories]
        codes = seg.cat.codes.to_numpy()
        if (codes < 0).any():
            raise InputError("column 'segment' has a missing value; it takes rfmkit.segment's output")
    else:
        labels = [str(c) for c in pd.unique(seg)]
        codes = pd.Categorical(seg, categories=pd.unique(seg)).codes
    money = segmented["monetary"].to_numpy(dtype=np.float64)
    customers = np.bincount(codes, minlength=len(labels))
    revenue = np.bincount(codes, weights=money, minlength=len(labels))
    return labels, customers, revenue


def annotate_cells(ax: Axes, image: Any, values: np.ndarray, texts: np.ndarray, size: float) -> None:
    for (i, j), text in np.ndenumerate(texts):
        if text:
            color = text_color(image.to_rgba(values[i, j]))
            ax.text(j, i, text, ha="center", va="center", fontsize=size, color=color)


@dataclass(frozen=True)
class SegmentInfo:
    """The segments of a table in the scheme's order: the table's labels, the
    names to draw (in the chart's language), their colours, and which to show."""

    labels: list[str]
    names: list[str]
    colors: list[tuple[float, float, float, float]]
    shown: np.ndarray


def segment_info(table: pd.DataFrame, lang: str, show_empty: bool) -> SegmentInfo:
    """The segments of a whole table (all its groups): empty ones hidden
    unless ``show_empty``."""
    labels, customers, _ = segments_of(table)
    names = segment_names(table, lang)
    palette = segment_palette(table)
    shown = np.ones(len(labels), dtype=bool) if show_empty else customers > 0
    return SegmentInfo(
        labels=labels,
        names=[names.get(label, label) for label in labels],
        colors=[palette[label] for label in labels],
        shown=shown,
    )
