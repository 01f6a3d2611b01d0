"""Segment summaries: customers, revenue and the mean and median R, F and M of each segment."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from .._typing import OutputLike, TableLike
from ..errors import InputError
from ..io.frames import numeric_column
from ..io.groups import Groups
from ..io.histories import SNAPSHOT, history_groups
from ..io.output import follows_input
from .common import (
    STATS,
    names_of,
    ratio,
    require,
    segment_input,
    segments_of,
)

__all__ = ["segment_summary"]


# --------------------------------------------------------------------------- summary


@follows_input("segmented")
def segment_summary(
    segmented: TableLike, by: str | Sequence[str] | None = None, *, output: OutputLike | None = None
) -> TableLike:
    """Size, revenue and typical R, F and M of every segment.

    Parameters
    ----------
    segmented : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        The output of :func:`rfmkit.segment` (one row per customer, or per
        group and customer).
    by : str or list of str, optional
        Columns of ``segmented`` to summarise within, for example the group
        column of ``rfm_table(tx, by="channel")``: one block of segments per
        group present, the group columns first, shares computed within each
        group. Grouped tables are not summarised per group unless you say
        so: ``segment_summary(seg, by=seg.attrs["by"])``. A history of
        :func:`rfmkit.rfm_history` is always summarised per ``snapshot``
        (the first group column, before those of ``by``): pooling the
        snapshots would count each customer once per month.
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's (polars in, polars out, else pandas).

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        One row per segment of the scheme in the scheme's order (per group
        with ``by``), every segment present: ``segment`` (categorical),
        ``customers`` (int64), ``customer_share``, ``revenue`` (the exact sum
        of ``monetary``), ``revenue_share``, ``avg_order_value`` (revenue /
        total frequency), and the mean and median of recency, frequency and
        monetary. Empty segments have 0 customers, revenue 0.0 and NaN
        statistics; a share or an average whose total is 0 is NaN.

    Raises
    ------
    InputError
        Missing columns (named), missing segment or group values, a missing
        or infinite recency, frequency or monetary (column and row named), a
        revenue beyond the range of float64 (the segment named).
    InputTypeError
        Text or booleans where numbers belong.

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(5_000, 1_000, seed=1)
    >>> segmented = rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx)), "rf10")
    >>> summary = rfmkit.segment_summary(segmented)
    >>> int(summary["customers"].sum()) == len(segmented), round(float(summary["revenue_share"].sum()), 9)
    (True, 1.0)
    """
    segmented = segment_input(segmented, "segmented")
    names = names_of(by)
    if history_groups(segmented) is not None:
        names = [SNAPSHOT, *(n for n in names if n != SNAPSHOT)]
    require(segmented, ["segment", *STATS, *names], "segmented")
    seg = segments_of(segmented, "segmented")
    k = len(seg.categories)
    if names:
        groups = Groups.build([segmented[n] for n in names], names)
        group_codes, n_groups = groups.codes, groups.n
    else:
        group_codes, n_groups = np.zeros(len(segmented), dtype=np.int64), 1
    cell = group_codes * k + np.asarray(seg.codes, dtype=np.int64)
    n_cells = n_groups * k
    values = {d: numeric_column(segmented[d], d, "segment statistics") for d in STATS}
    order = np.argsort(cell, kind="stable")
    bounds = np.searchsorted(cell[order], np.arange(n_cells + 1))
    customers = np.diff(bounds).astype(np.int64)
    stats = {f"{d}_{s}": np.full(n_cells, np.nan) for d in STATS for s in ("mean", "median")}
    revenue = np.zeros(n_cells)
    orders = np.zeros(n_cells)

    def where(c: int) -> str:
        segment = f"segment {str(seg.categories[c % k])!r}"
        return segment if not names else f"{segment} of group {groups.label(c // k)}"

    for c in np.flatnonzero(customers):
        rows = order[bounds[c] : bounds[c + 1]]
        for d in STATS:
            v = values[d][rows]
            total, mean = _sum_and_mean(v)
            stats[f"{d}_mean"][c] = mean
            stats[f"{d}_median"][c] = _median(v)
            if d in ("monetary", "frequency") and not math.isfinite(total):
                what = "revenue (the sum of monetary)" if d == "monetary" else "total frequency"
                raise InputError(
                    f"the {what} of {where(int(c))} is beyond the range of float64 "
                    f"(about {_magnitude(_exact_sum(v))}); values that large cannot be "
                    "summed"
                )
            if d == "monetary":
                revenue[c] = total
            elif d == "frequency":
                orders[c] = total
    per_group = np.repeat(np.arange(n_groups), k)
    group_customers = np.bincount(per_group, weights=customers, minlength=n_groups)[per_group]
    group_revenue = np.empty(n_groups)
    for g in range(n_groups):
        group_revenue[g], _ = _sum_and_mean(revenue[g * k : (g + 1) * k])
        if not math.isfinite(group_revenue[g]):
            of = "" if not names else f" of group {groups.label(g)}"
            raise InputError(
                f"the total revenue{of} is beyond the range of float64; values that large cannot be summed"
            )
    out: dict[str, Any] = {}
    if names:
        out.update(groups.values(per_group))
    out["segment"] = pd.Categorical.from_codes(np.tile(np.arange(k), n_groups), dtype=seg.dtype)
    out.update(
        customers=customers,
        customer_share=ratio(customers, group_customers),
        revenue=revenue,
        revenue_share=ratio(revenue, group_revenue[per_group]),
        avg_order_value=ratio(revenue, orders),
        **stats,
    )
    return pd.DataFrame(out)


def _exact_sum(v: np.ndarray) -> Fraction:
    return sum(map(Fraction, v.tolist()), Fraction(0))


def _magnitude(x: Fraction) -> str:
    """A number too large for float64, as text (1.8e+308)."""
    return f"{Decimal(x.numerator) / Decimal(x.denominator):.2e}"


def _sum_and_mean(v: np.ndarray) -> tuple[float, float]:
    """The correctly rounded sum (inf when it is beyond float64) and mean of finite values."""
    try:
        total = math.fsum(v.tolist())
        return total, total / len(v) if len(v) else math.nan
    except OverflowError:  # an intermediate or final sum beyond float64: exact fractions
        exact = _exact_sum(v)
        mean = float(exact / len(v))  # never beyond the largest value
        try:
            return float(exact), mean
        except OverflowError:
            return math.inf if exact > 0 else -math.inf, mean


def _median(v: np.ndarray) -> float:
    """numpy.median of finite values, without overflow between two huge middle values."""
    n = len(v)
    part = np.partition(v, [(n - 1) // 2, n // 2])
    lo, hi = float(part[(n - 1) // 2]), float(part[n // 2])
    middle = lo + hi
    return middle / 2 if math.isfinite(middle) else lo / 2 + hi / 2
