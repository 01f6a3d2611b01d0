"""The report's charts: rfmkit.plot's public charts drawn on figures of their own (matplotlib's
Agg renderer, no pyplot state touched) and embedded as base64 PNG ``<img>`` tags."""

from __future__ import annotations

import base64
import html
import inspect
import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Chart", "chart_html", "draw", "monthly_chart"]

DPI = 110


class Chart:
    """A rendered chart: its caption (already in the report's language) and its PNG."""

    def __init__(self, caption: str, png: bytes, wide: bool = False):
        self.caption = caption
        self.png = png
        self.wide = wide  # across the page, not one of two side by side


def _figure(size: tuple[float, float]) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            "rfmkit.report draws its charts with matplotlib: pip install 'rfmkit[plot]'"
        ) from exc
    return Figure(figsize=size, layout="constrained")


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    # Agg through the figure's own canvas; no "Software" entry, so the bytes depend on the data.
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _figure_of(drawn: Any) -> Any:
    first = np.asarray(drawn, dtype=object).ravel()[0] if not hasattr(drawn, "figure") else drawn
    return first.figure


def draw(
    func: Callable[..., Any], data: Any, caption: str, lang: str, *, wide: bool = False, **kwargs: Any
) -> Chart:
    """``func(data, ax=..., **kwargs)`` on a new figure, with ``lang`` when ``func`` accepts it.

    A chart that takes ``axes`` (``rfm_histograms``) gets one row of three; one that takes
    neither draws its own figure, which is closed once rendered.
    """
    params = inspect.signature(func).parameters
    if "lang" in params:
        kwargs["lang"] = lang
    own = None
    if "ax" in params:
        own = _figure((11, 5.5) if wide else (6.6, 4.8))
        kwargs["ax"] = own.subplots()
    elif "axes" in params and func.__name__ == "rfm_histograms":
        own, wide = _figure((11, 3.6)), True
        kwargs["axes"] = own.subplots(1, 3)
    drawn = func(data, **kwargs)
    fig = own if own is not None else _figure_of(drawn)
    try:
        return Chart(caption, _png(fig), wide)
    finally:
        if own is None:
            from matplotlib import pyplot as plt

            plt.close(fig)


def monthly_chart(transactions: pd.DataFrame, caption: str, labels: dict[str, str]) -> Chart:
    """Revenue (bars) and number of purchases (line) per calendar month of ``transactions``."""
    dates = pd.to_datetime(transactions["date"])
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)
    month = dates.dt.to_period("M")
    per = pd.DataFrame({"month": month, "amount": transactions["amount"].to_numpy(dtype=np.float64)})
    grouped = per.groupby("month", sort=True, observed=True)["amount"].agg(["sum", "size"])
    months = pd.period_range(grouped.index.min(), grouped.index.max(), freq="M")
    grouped = grouped.reindex(months, fill_value=0)
    fig = _figure((11, 3.8))
    ax = fig.subplots()
    x = np.arange(len(grouped))
    ax.bar(x, grouped["sum"], color="#3b75af", label=labels["revenue"])
    ax.set_ylabel(labels["revenue"])
    ax.set_xlabel(labels["month"])
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], [str(m) for m in grouped.index[::step]], rotation=40, ha="right")
    ax.yaxis.set_major_formatter("{x:,.0f}")
    other = ax.twinx()
    other.plot(x, grouped["size"], color="#d1495b", marker="o", markersize=3, label=labels["purchases"])
    other.set_ylabel(labels["purchases"])
    other.set_ylim(bottom=0)
    from ..plot.style import font

    props = font([*labels.values()])
    handles = ax.get_legend_handles_labels()[0] + other.get_legend_handles_labels()[0]
    legend = {"family": props["fontfamily"]} if props else {}
    ax.legend(handles, [labels["revenue"], labels["purchases"]], loc="upper left", prop={**legend, "size": 8})
    for text in [ax.xaxis.label, ax.yaxis.label, other.yaxis.label]:
        text.set(**props)
    return Chart(caption, _png(fig), wide=True)


def chart_html(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    caption = html.escape(chart.caption)
    wide = ' class="wide"' if chart.wide else ""
    return (
        f'<figure{wide}><img src="data:image/png;base64,{data}" alt="{caption}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )
