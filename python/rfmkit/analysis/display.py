"""A segment summary as people read it: shares as percentages, money with separators."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .._display import count, money, number, percent
from ..errors import InputTypeError

if TYPE_CHECKING:  # pragma: no cover
    from pandas.io.formats.style import Styler

__all__ = ["style_summary"]

# How each column of segment_summary shows; other columns are left as pandas shows them.
_FORMATS = {
    "customers": count,
    "customer_share": percent,
    "revenue": money,
    "revenue_share": percent,
    "avg_order_value": money,
    "recency_mean": number,
    "recency_median": number,
    "frequency_mean": number,
    "frequency_median": number,
    "monetary_mean": money,
    "monetary_median": money,
}


def style_summary(summary: pd.DataFrame) -> Styler:
    """The output of :func:`rfmkit.segment_summary`, formatted for a notebook or an HTML page.

    The summary itself stays a plain DataFrame (its numbers exact, for computing); this
    returns a pandas ``Styler`` that shows it: ``customers`` with thousands separators, the
    shares as percentages with one decimal (``25.7%``, not ``0.25650``), revenue, average
    order value and monetary statistics as money (``12,345.60``), recency and frequency
    statistics with one decimal, and NaN (an empty segment) as ``–``. Call ``.to_html()`` on
    it for a file. The Styler needs jinja2 (``pip install "rfmkit[plot]"`` brings it).

    Parameters
    ----------
    summary : pandas.DataFrame
        A table from :func:`rfmkit.segment_summary` (with or without ``by``); columns it does
        not know are shown as they are.

    Returns
    -------
    pandas.io.formats.style.Styler
        ``summary.style`` with the formats above, without the index.

    Raises
    ------
    InputTypeError
        ``summary`` is not a pandas DataFrame.
    ImportError
        jinja2 is not installed.

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(5_000, 1_000, seed=1)
    >>> summary = rfmkit.segment_summary(rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx)), "rf10"))
    >>> html = rfmkit.analysis.style_summary(summary).to_html()
    >>> share = summary["customer_share"].iloc[0]
    >>> f"{share:.1%}" in html, str(share) in html
    (True, False)
    """
    if not isinstance(summary, pd.DataFrame):
        raise InputTypeError(f"summary must be a pandas DataFrame, not {type(summary).__name__}")
    try:
        import jinja2  # noqa: F401  (pandas' Styler renders with it)
    except ImportError as exc:
        raise ImportError("style_summary needs jinja2: pip install 'rfmkit[plot]' (or jinja2)") from exc
    shown = {c: f for c, f in _FORMATS.items() if c in summary.columns}
    right = [c for c in summary.columns if c in shown]
    return (
        summary.style.format(shown)
        .hide(axis="index")
        .set_properties(subset=right, **{"text-align": "right"})
        .set_table_styles([{"selector": "th", "props": [("text-align", "left")]}])
    )
