"""Working with the segments: who is where, who moved, who is slipping away,
and how each segment answered a campaign.

All functions take the output of :func:`rfmkit.segment` and keep the
scheme's order of segments (the order of the ``segment`` categorical), with
every segment present, empty ones included, so reports of different months
line up row by row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from ._frames import as_pandas, numeric_column
from ._groups import Groups, _python
from .errors import InputError, InputTypeError

__all__ = ["Migration", "campaign_report", "churn_alerts", "migration", "segment_summary"]

NEW, GONE, ALL = "(new)", "(gone)", "All"

# Which moves are churn alerts, per built-in scheme (segment codes): customers who were in a
# "valuable" segment (recent and buying often or spending much) and are now in an "at risk"
# one (lapsed recency). The sets are disjoint, so a move between two at-risk segments is not
# a new alert. The fallback "other" and the "new" segment are in neither.
#   cn8     valuable: recent (R high) with high F or high M; at risk: every R-low segment
#   tiers4  VIP -> dormant (R low, M middle or high)
#   crm4    high value -> churn risk or needs wake-up (recency fell to 3 or below)
#   rfm11   champions, loyal, potential loyalists -> about to sleep, at risk, can't lose them,
#           hibernating, lost ("need attention" is a middle ground, in neither set)
#   rf10    champions, loyal, potential loyalists -> about to sleep, at risk, can't lose them,
#           hibernating
CHURN_SEGMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "cn8": (("important_value", "important_develop", "general_value"),
            ("important_keep", "important_retain", "general_keep", "general_retain")),
    "tiers4": (("vip",), ("dormant",)),
    "crm4": (("high_value",), ("churn_risk", "needs_wake_up")),
    "rfm11": (("champions", "loyal", "potential_loyalist"),
              ("about_to_sleep", "at_risk", "cant_lose", "hibernating", "lost")),
    "rf10": (("champions", "loyal", "potential_loyalist"),
             ("about_to_sleep", "at_risk", "cant_lose", "hibernating")),
}

_STATS = ("recency", "frequency", "monetary")


# --------------------------------------------------------------------------- checks


def _require(table: Any, columns: Iterable[str], what: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise InputTypeError(f"{what} must be a pandas DataFrame, not {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"{what} misses column(s) {missing}; it should be the output of rfmkit.segment")


def _segment_input(table: Any, what: str) -> pd.DataFrame:
    """A segmented table as pandas. A polars or Arrow table has no ``attrs``, and
    polars keeps neither the order nor the unused categories of a categorical:
    when the labels (and codes) seen belong to exactly one built-in scheme in
    one language, the scheme's name is put back in ``attrs`` and, where it was
    lost, its order of segments; otherwise the table is left as it is."""
    table = as_pandas(table, what)
    if "segment" not in table.columns:
        return table
    col = table["segment"]
    ordered = isinstance(col.dtype, pd.CategoricalDtype) and col.dtype.ordered
    if ordered and table.attrs.get("scheme") is not None:
        return table  # as rfmkit.segment left it
    from .segments import _builtin_match

    match = _builtin_match(table)
    if match is None:
        return table
    name, lang, order, by_code = match
    out = table.copy()
    out.attrs = {**table.attrs, "scheme": table.attrs.get("scheme", name)}
    if not ordered:
        out["segment"] = pd.Categorical(col.astype(object), ordered=True,
                                        categories=list(dict.fromkeys(by_code[c] for c in order)))
        if "segment_code" in table.columns:
            out["segment_code"] = pd.Categorical(table["segment_code"].astype(object),
                                                 categories=order, ordered=True)
    return out


def _segments(table: pd.DataFrame, what: str) -> pd.Categorical:
    """The ``segment`` column as a categorical without missing values."""
    col = table["segment"]
    if not isinstance(col.dtype, pd.CategoricalDtype):
        raise InputTypeError(f"column 'segment' of {what} must be the categorical of rfmkit.segment, "
                             f"not {col.dtype}")
    codes = np.asarray(col.cat.codes)
    if (codes < 0).any():
        row = int(np.flatnonzero(codes < 0)[0])
        raise InputError(f"column 'segment' of {what} has a missing value at row {row}")
    return col.array


def _names(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    names = [by] if isinstance(by, str) else list(by)
    if not names or not all(isinstance(n, str) for n in names):
        raise InputError(f"by must be a column name or a non-empty list of names, got {by!r}")
    return names


def _unique_keys(table: pd.DataFrame, keys: list[str], what: str) -> None:
    dup = table.duplicated(subset=keys, keep=False).to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        value = [_python(v) for v in table[keys].iloc[row].tolist()]
        shown = repr(value[-1]) if len(keys) == 1 else f"{dict(zip(keys, value, strict=True))}"
        raise InputError(f"{what} has customer {shown} more than once (row {row}); "
                         "each customer must appear once")
    for key in keys:
        missing = table[key].isna().to_numpy()
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise InputError(f"column {key!r} of {what} has a missing value at row {row}")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


# --------------------------------------------------------------------------- summary


def segment_summary(segmented: Any, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Size, revenue and typical R, F and M of every segment.

    Parameters
    ----------
    segmented : pandas.DataFrame
        The output of :func:`rfmkit.segment` (one row per customer, or per
        group and customer).
    by : str or list of str, optional
        Columns of ``segmented`` to summarise within, for example the group
        column of ``rfm_table(tx, by="channel")``: one block of segments per
        group present, the group columns first, shares computed within each
        group. Grouped tables are not summarised per group unless you say
        so: ``segment_summary(seg, by=seg.attrs["by"])``.

    Returns
    -------
    pandas.DataFrame
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
    segmented = _segment_input(segmented, "segmented")
    names = _names(by)
    _require(segmented, ["segment", *_STATS, *names], "segmented")
    seg = _segments(segmented, "segmented")
    k = len(seg.categories)
    if names:
        groups = Groups.build([segmented[n] for n in names], names)
        group_codes, n_groups = groups.codes, groups.n
    else:
        group_codes, n_groups = np.zeros(len(segmented), dtype=np.int64), 1
    cell = group_codes * k + np.asarray(seg.codes, dtype=np.int64)
    n_cells = n_groups * k
    values = {d: numeric_column(segmented[d], d, "segment statistics") for d in _STATS}
    order = np.argsort(cell, kind="stable")
    bounds = np.searchsorted(cell[order], np.arange(n_cells + 1))
    customers = np.diff(bounds).astype(np.int64)
    stats = {f"{d}_{s}": np.full(n_cells, np.nan) for d in _STATS for s in ("mean", "median")}
    revenue = np.zeros(n_cells)
    orders = np.zeros(n_cells)
    def where(c: int) -> str:
        segment = f"segment {str(seg.categories[c % k])!r}"
        return segment if not names else f"{segment} of group {groups.label(c // k)}"

    for c in np.flatnonzero(customers):
        rows = order[bounds[c] : bounds[c + 1]]
        for d in _STATS:
            v = values[d][rows]
            total, mean = _sum_and_mean(v)
            stats[f"{d}_mean"][c] = mean
            stats[f"{d}_median"][c] = _median(v)
            if d in ("monetary", "frequency") and not math.isfinite(total):
                what = "revenue (the sum of monetary)" if d == "monetary" else "total frequency"
                raise InputError(f"the {what} of {where(c)} is beyond the range of float64 "
                                 f"(about {_magnitude(_exact_sum(v))}); values that large cannot be "
                                 "summed")
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
            raise InputError(f"the total revenue{of} is beyond the range of float64; values that "
                             "large cannot be summed")
    out: dict[str, Any] = {}
    if names:
        out.update(groups.values(per_group))
    out["segment"] = pd.Categorical.from_codes(np.tile(np.arange(k), n_groups), dtype=seg.dtype)
    out.update(
        customers=customers,
        customer_share=_ratio(customers, group_customers),
        revenue=revenue,
        revenue_share=_ratio(revenue, group_revenue[per_group]),
        avg_order_value=_ratio(revenue, orders),
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


# --------------------------------------------------------------------------- migration


@dataclass(frozen=True, eq=False)
class Migration:
    """Where the customers of one segmentation went in the next.

    Rows are the segments before (scheme order) and ``"(new)"`` for
    customers only in the later table; columns are the segments after and
    ``"(gone)"`` for customers only in the earlier one.
    """

    counts: pd.DataFrame
    """Customers per (before, after) pair, int64."""
    shares: pd.DataFrame
    """Row shares of ``counts``: where the customers of each segment went.
    A segment that had no customers has a row of NaN (there is nobody to
    share out), so a row sums to 1 or is all NaN."""
    customers: pd.DataFrame
    """One row per customer: the key columns (``customer_id``, after the group
    columns of grouped tables), ``segment_before`` and ``segment_after``
    (categoricals with ``"(new)"`` / ``"(gone)"`` for customers in one table only)."""

    @property
    def stayed(self) -> int:
        """Customers in the same segment in both tables."""
        k = len(self.counts) - 1
        return int(np.trace(self.counts.to_numpy()[:k, :k]))

    def __repr__(self) -> str:
        n = len(self.customers)
        return (f"Migration of {n} customer(s), {self.stayed} in the same segment "
                f"(rows: before, columns: after)\n{self.counts.to_string()}")

    __str__ = __repr__

    def _repr_html_(self) -> str:
        n = len(self.customers)
        return (f"<p>Migration of {n} customer(s), {self.stayed} in the same segment "
                "(rows: before, columns: after)</p>" + self.counts.to_html())


def _keys(before: pd.DataFrame, after: pd.DataFrame) -> list[str]:
    by_before, by_after = before.attrs.get("by") or [], after.attrs.get("by") or []
    if list(by_before) != list(by_after):
        raise InputError(f"before is grouped by {list(by_before)} but after by {list(by_after)}; "
                         "compare tables grouped the same way")
    return [*by_before, "customer_id"]


def _same_scheme(before: pd.DataFrame, after: pd.DataFrame) -> pd.Index:
    b, a = before["segment"].cat.categories, after["segment"].cat.categories
    if not b.equals(a):
        diff = sorted(set(map(str, b)) ^ set(map(str, a))) or list(map(str, a))
        raise InputError(f"before and after have different segments (another scheme, language or "
                         f"new_customer_days?), e.g. {diff[0]!r}; segment both with the same scheme")
    sb, sa = before.attrs.get("scheme"), after.attrs.get("scheme")
    if sb is not None and sa is not None and sb != sa:
        raise InputError(f"before was segmented with scheme {sb!r} but after with {sa!r}")
    return b


def _paired(before: pd.DataFrame, after: pd.DataFrame, extra: Sequence[str] = ()) -> tuple:
    """Both tables checked and joined on the customer key (outer join)."""
    keys = _keys(before, after)
    _require(before, [*keys, "segment", *extra], "before")
    _require(after, [*keys, "segment", *extra], "after")
    _segments(before, "before")
    _segments(after, "after")
    labels = _same_scheme(before, after)
    _unique_keys(before, keys, "before")
    _unique_keys(after, keys, "after")
    cols = [*keys, "segment", *extra]
    left = before[cols].assign(_b=before["segment"].cat.codes.astype(np.int64))
    right = after[cols].assign(_a=after["segment"].cat.codes.astype(np.int64))
    try:
        joined = left.merge(right, on=keys, how="outer", suffixes=("_before", "_after"), sort=True)
    except (ValueError, TypeError) as exc:
        raise InputTypeError(f"the customer ids of before and after cannot be matched: {exc}") from None
    return keys, labels, joined


def migration(before: pd.DataFrame, after: pd.DataFrame) -> Migration:
    """Counts of customers moving between segments from one table to the next.

    Parameters
    ----------
    before, after : pandas.DataFrame
        Two outputs of :func:`rfmkit.segment` with the same scheme, for
        example of the same transactions with ``as_of`` a month apart.
        Customers are matched on ``customer_id`` (and on the group columns
        when both tables come from ``rfm_table(by=...)``).

    Returns
    -------
    Migration
        ``counts`` (int64; rows: segments before + ``"(new)"``, columns:
        segments after + ``"(gone)"``), ``shares`` (row shares; NaN rows for
        segments that were empty before) and ``customers`` (one row per
        customer, sorted by id). Shows as a table in notebooks.

    Raises
    ------
    InputError
        Different schemes, a customer twice in one table, missing columns.

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(5_000, 1_000, seed=1)
    >>> seg = lambda as_of: rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx, as_of=as_of)), "rf10")
    >>> moves = rfmkit.migration(seg("2024-11-30"), seg("2024-12-31"))
    >>> list(moves.counts.columns[-2:]), moves.counts.index[-1]
    (['Other', '(gone)'], '(new)')
    """
    before, after = _segment_input(before, "before"), _segment_input(after, "after")
    keys, labels, joined = _paired(before, after)
    k = len(labels)
    b = joined["_b"].fillna(k).to_numpy(dtype=np.int64)
    a = joined["_a"].fillna(k).to_numpy(dtype=np.int64)
    counts = np.bincount(b * (k + 1) + a, minlength=(k + 1) ** 2).reshape(k + 1, k + 1).astype(np.int64)
    rows = pd.Index([*map(str, labels), NEW], name="before")
    cols = pd.Index([*map(str, labels), GONE], name="after")
    counts_df = pd.DataFrame(counts, index=rows, columns=cols)
    shares = pd.DataFrame(_ratio(counts, counts.sum(axis=1, keepdims=True)), index=rows, columns=cols)
    customers = joined[keys].reset_index(drop=True)
    customers["segment_before"] = pd.Categorical.from_codes(b, categories=list(rows), ordered=True)
    customers["segment_after"] = pd.Categorical.from_codes(a, categories=list(cols), ordered=True)
    return Migration(counts=counts_df, shares=shares, customers=customers)


# --------------------------------------------------------------------------- churn


def _segment_set(value: Any, known: dict[str, str], what: str) -> set[str]:
    """Segment codes from names given as codes or labels."""
    names = [value] if isinstance(value, str) else list(value)
    codes = set()
    for name in names:
        if name not in known:
            raise InputError(f"{what} names unknown segment {name!r}; the segments are "
                             f"{sorted(set(known.values()))}")
        codes.add(known[name])
    return codes


def _known_segments(table: pd.DataFrame, scheme: Any, use_codes: bool) -> tuple[dict[str, str], pd.Series]:
    """Name (code or label) -> code, and the code of every row.

    Without the ``segment_code`` column (``use_codes`` false), the labels of a
    built-in scheme are mapped back to its codes; other labels stand for
    themselves.
    """
    label = table["segment"]
    if not use_codes:
        labels = [str(c) for c in label.cat.categories]
        codes = _builtin_codes(scheme, labels)
        if codes is None:
            return {c: c for c in labels}, label.astype(str)
        return {**codes, **{c: c for c in codes.values()}}, label.astype(str).map(codes)
    code = table["segment_code"]
    codes, labels = code.cat.categories, label.cat.categories
    if len(codes) == len(labels):  # one label per code, in the same order (rfmkit.segment)
        known = dict(zip(map(str, labels), map(str, codes), strict=True))
    else:  # two codes share a label: map the labels seen
        pairs = pd.DataFrame({"c": code.astype(str), "l": label.astype(str)}).drop_duplicates("l")
        known = dict(zip(pairs["l"], pairs["c"], strict=True))
    known.update({str(c): str(c) for c in codes})
    return known, code.astype(str)


def _builtin_codes(scheme: Any, labels: list[str]) -> dict[str, str] | None:
    """Label -> code when ``scheme`` names a built-in scheme and every label is
    one of its labels in one language; None otherwise."""
    from ._schemes import BUILTIN
    from .segments import _NEW, Scheme

    if not isinstance(scheme, str) or scheme not in BUILTIN:
        return None
    s = Scheme.builtin(scheme)
    for lang in ("en", "zh"):
        by_label = {label: code for code, label in
                    {_NEW["code"]: _NEW["labels"][lang], **s.labels(lang)}.items()}
        if all(label in by_label for label in labels):
            return {label: by_label[label] for label in labels}
    return None


def _has_codes(table: pd.DataFrame) -> bool:
    return isinstance(getattr(table.get("segment_code"), "dtype", None), pd.CategoricalDtype)


def churn_alerts(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    valuable: Iterable[str] | None = None,
    at_risk: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Customers who moved from a valuable segment to an at-risk or lapsed one.

    Parameters
    ----------
    before, after : pandas.DataFrame
        Two outputs of :func:`rfmkit.segment` with the same scheme.
    valuable, at_risk : list of str, optional
        Segments (codes such as ``"champions"`` or labels) to watch and to
        fear. Built-in schemes have defaults (``rfmkit.analysis.CHURN_SEGMENTS``:
        for ``rfm11`` champions, loyal and potential loyalists moving to about
        to sleep, at risk, can't lose them, hibernating or lost); custom
        schemes must pass both. The sets must not overlap. Without a
        ``segment_code`` column the labels of a built-in scheme stand for its
        codes.

    Returns
    -------
    pandas.DataFrame
        One row per alert, the biggest spenders first (``monetary_before``
        descending, ties by id): the key columns, ``segment_before``,
        ``segment_after``, recency, frequency and monetary before and after
        (``recency_before``, ...), and ``monetary_change`` (after - before).
        Customers missing from ``after`` are not alerts here: see
        :func:`migration` for them (``"(gone)"``).

    Raises
    ------
    InputError
        Unknown segment names, a custom scheme without both sets, different
        schemes, duplicate customers.

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(5_000, 1_000, seed=1)
    >>> seg = lambda as_of: rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx, as_of=as_of)), "rfm11")
    >>> alerts = rfmkit.churn_alerts(seg("2024-06-30"), seg("2024-12-31"))
    >>> bool(alerts["monetary_before"].is_monotonic_decreasing)
    True
    """
    before, after = _segment_input(before, "before"), _segment_input(after, "after")
    keys, labels, joined = _paired(before, after, _STATS)
    scheme = before.attrs.get("scheme", after.attrs.get("scheme"))
    # Codes only when both tables have them, so that both sides name segments alike.
    use_codes = _has_codes(before) and _has_codes(after)
    known, code_before = _known_segments(before, scheme, use_codes)
    _, code_after = _known_segments(after, scheme, use_codes)
    default = CHURN_SEGMENTS.get(scheme) if isinstance(scheme, str) else None
    if default is not None and not set(default[0]) | set(default[1]) <= set(known):
        if valuable is None or at_risk is None:
            if not use_codes:
                which = "before" if not _has_codes(before) else "after"
                raise InputError(
                    f"cannot apply the default churn segments of scheme {scheme!r}: {which} has no "
                    "column 'segment_code' and its labels are not the scheme's; keep segment_code "
                    "(as rfmkit.segment adds it) or pass both valuable=[...] and at_risk=[...]")
            raise InputError(f"scheme {scheme!r} is not the built-in one of that name (its segment "
                             "codes differ): pass both valuable=[...] and at_risk=[...]")
        default = None  # a custom scheme with a built-in name
    if default is None and (valuable is None or at_risk is None):
        raise InputError(f"scheme {scheme!r} has no default churn segments: pass both valuable=[...] "
                         "and at_risk=[...] (segment codes or labels)")
    good = _segment_set(default[0] if valuable is None else valuable, known, "valuable")
    bad = _segment_set(default[1] if at_risk is None else at_risk, known, "at_risk")
    if good & bad:
        raise InputError(f"segment {sorted(good & bad)[0]!r} is both valuable and at_risk")
    key_b = before[keys].assign(_cb=code_before.to_numpy())
    key_a = after[keys].assign(_ca=code_after.to_numpy())
    joined = joined.merge(key_b, on=keys, how="left").merge(key_a, on=keys, how="left")
    hit = joined["_cb"].isin(good) & joined["_ca"].isin(bad)
    rows = joined[hit.to_numpy()]
    out = rows[keys].reset_index(drop=True)
    # The ordered categoricals of the inputs, also when there is no alert.
    out["segment_before"] = pd.Categorical(rows["segment_before"], dtype=before["segment"].dtype)
    out["segment_after"] = pd.Categorical(rows["segment_after"], dtype=after["segment"].dtype)
    for d in _STATS:
        out[f"{d}_before"] = rows[f"{d}_before"].to_numpy()
        out[f"{d}_after"] = rows[f"{d}_after"].to_numpy()
    for d in ("recency", "frequency"):
        for when in ("before", "after"):
            out[f"{d}_{when}"] = out[f"{d}_{when}"].astype(np.int64)
    out["monetary_change"] = out["monetary_after"] - out["monetary_before"]
    out = out.sort_values(["monetary_before", *keys], ascending=[False] + [True] * len(keys),
                          kind="stable")
    return out.reset_index(drop=True)


# Campaign results per segment live in :mod:`rfmkit.campaign`.
from .campaign import campaign_report as campaign_report  # noqa: E402
from .campaign import two_proportion_p_value as two_proportion_p_value  # noqa: E402
