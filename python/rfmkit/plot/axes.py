"""What the charts share: pyplot on demand, a fresh Axes when none is given,
checks of the input columns, the segments of a table, and cell labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .style import text_color

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


def pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("rfmkit.plot needs matplotlib: pip install 'rfmkit[plot]'") from exc
    return plt


def new_axes(ax: Axes | None, **subplots: Any) -> Axes:
    if ax is not None:
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
