"""Migration between two segmented tables, and churn alerts: who moved from
a valuable segment to an at-risk one."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from .._display import html_table, percent, plural
from .._typing import DateLike, OutputLike, TableLike
from ..errors import InputError, InputTypeError
from ..io.histories import one_snapshot, snapshot_pair
from ..io.output import follows_input, output_kind, to_output
from .common import (
    CHURN_SEGMENTS,
    GONE,
    NEW,
    STATS,
    ratio,
    require,
    segment_input,
    segments_of,
    unique_keys,
)

__all__ = ["Migration", "churn_alerts", "migration"]


# --------------------------------------------------------------------------- migration


@dataclass(frozen=True, eq=False)
class Migration:
    """Where the customers of one segmentation went in the next.

    Rows are the segments before (scheme order) and ``"(new)"`` for
    customers only in the later table; columns are the segments after and
    ``"(gone)"`` for customers only in the earlier one.

    The result of :func:`rfmkit.migration`.

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(2_000, 300, seed=1)
    >>> seg = lambda as_of: rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx, as_of=as_of)), "rf10")
    >>> moves = rfmkit.migration(seg("2024-06-30"), seg("2024-12-31"))
    >>> int(moves.counts.to_numpy().sum()) == len(moves.customers)
    True
    >>> moves.counts.index[-1], moves.counts.columns[-1]
    ('(new)', '(gone)')
    >>> round(float(moves.shares.loc["Champions"].sum()), 9)
    1.0
    """

    counts: pd.DataFrame
    """Customers per (before, after) pair, int64."""
    shares: pd.DataFrame
    """Row shares of ``counts``: where the customers of each segment went.
    A segment that had no customers has a row of NaN (there is nobody to
    share out), so a row sums to 1 or is all NaN."""
    customers: TableLike
    """One row per customer: the key columns (``customer_id``, after the group
    columns of grouped tables), ``segment_before`` and ``segment_after``
    (categoricals with ``"(new)"`` / ``"(gone)"`` for customers in one table only).
    The kind of the inputs (a polars DataFrame for polars tables) or of ``output=``;
    ``counts`` and ``shares`` are always pandas (matrices labelled by segment)."""

    @property
    def stayed(self) -> int:
        """Customers in the same segment in both tables."""
        k = len(self.counts) - 1
        return int(np.trace(self.counts.to_numpy()[:k, :k]))

    def _headline(self) -> str:
        return (
            f"Migration of {plural(len(self.customers), 'customer')}, {self.stayed:,} in the same "
            "segment (rows: before, columns: after)"
        )

    def __repr__(self) -> str:
        return f"{self._headline()}\n{self.counts.to_string()}"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        # Each cell: the customers and, below, their share of the row (where that segment went).
        n, shares = self.counts.to_numpy(), self.shares.to_numpy()
        rows = [
            [
                str(label),
                *(f"{c:,} ({percent(s)})" if c else "0" for c, s in zip(n[i], shares[i], strict=True)),
            ]
            for i, label in enumerate(self.counts.index)
        ]
        header = ["before \\ after", *map(str, self.counts.columns)]
        table = html_table(header, rows, numeric=[False] + [True] * n.shape[1], row_header=True)
        note = "each cell: customers (share of the row)"
        return f"<p>{html.escape(self._headline())}; {note}</p>{table}"


def _keys(before: pd.DataFrame, after: pd.DataFrame) -> list[str]:
    by_before, by_after = before.attrs.get("by") or [], after.attrs.get("by") or []
    if list(by_before) != list(by_after):
        raise InputError(
            f"before is grouped by {list(by_before)} but after by {list(by_after)}; "
            "compare tables grouped the same way"
        )
    return [*by_before, "customer_id"]


def _same_scheme(before: pd.DataFrame, after: pd.DataFrame) -> pd.Index:
    b, a = before["segment"].cat.categories, after["segment"].cat.categories
    if not b.equals(a):
        diff = sorted(set(map(str, b)) ^ set(map(str, a))) or list(map(str, a))
        raise InputError(
            f"before and after have different segments (another scheme, language or "
            f"new_customer_days?), e.g. {diff[0]!r}; segment both with the same scheme"
        )
    sb, sa = before.attrs.get("scheme"), after.attrs.get("scheme")
    if sb is not None and sa is not None and sb != sa:
        raise InputError(f"before was segmented with scheme {sb!r} but after with {sa!r}")
    return b


def _paired(before: pd.DataFrame, after: pd.DataFrame, extra: Sequence[str] = ()) -> tuple:
    """Both tables checked and joined on the customer key (outer join)."""
    keys = _keys(before, after)
    require(before, [*keys, "segment", *extra], "before")
    require(after, [*keys, "segment", *extra], "after")
    segments_of(before, "before")
    segments_of(after, "after")
    labels = _same_scheme(before, after)
    unique_keys(before, keys, "before")
    unique_keys(after, keys, "after")
    cols = [*keys, "segment", *extra]
    left = before[cols].assign(_b=before["segment"].cat.codes.astype(np.int64))
    right = after[cols].assign(_a=after["segment"].cat.codes.astype(np.int64))
    try:
        joined = left.merge(right, on=keys, how="outer", suffixes=("_before", "_after"), sort=True)
    except (ValueError, TypeError) as exc:
        raise InputTypeError(f"the customer ids of before and after cannot be matched: {exc}") from None
    return keys, labels, joined


def migration(before: TableLike, after: TableLike, *, output: OutputLike | None = None) -> Migration:
    """Counts of customers moving between segments from one table to the next.

    Parameters
    ----------
    before, after : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        Two outputs of :func:`rfmkit.segment` with the same scheme, for
        example of the same transactions with ``as_of`` a month apart.
        Customers are matched on ``customer_id`` (and on the group columns
        when both tables come from ``rfm_table(by=...)``). Slices of one
        snapshot of a history (:func:`rfmkit.rfm_history`) are matched
        without their ``snapshot`` column; see :func:`migration_over_time`
        for every pair of snapshots.
    output : {None, "pandas", "polars", "arrow"}
        The kind of ``customers``; by default the input's (polars in, polars
        out, else pandas). ``counts`` and ``shares`` are pandas whatever it is.

    Returns
    -------
    Migration
        ``counts`` (int64; rows: segments before + ``"(new)"``, columns:
        segments after + ``"(gone)"``), ``shares`` (row shares; NaN rows for
        segments that were empty before), both pandas DataFrames labelled by
        segment, and ``customers`` (one row per customer, sorted by id, of
        the kind of ``output``). Shows as a table in notebooks.

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
    kind = output_kind((before, after), output)
    before, after = segment_input(before, "before"), segment_input(after, "after")
    before, after = one_snapshot(before, "before"), one_snapshot(after, "after")
    keys, labels, joined = _paired(before, after)
    k = len(labels)
    b = joined["_b"].fillna(k).to_numpy(dtype=np.int64)
    a = joined["_a"].fillna(k).to_numpy(dtype=np.int64)
    counts = np.bincount(b * (k + 1) + a, minlength=(k + 1) ** 2).reshape(k + 1, k + 1).astype(np.int64)
    rows = pd.Index([*map(str, labels), NEW], name="before")
    cols = pd.Index([*map(str, labels), GONE], name="after")
    counts_df = pd.DataFrame(counts, index=rows, columns=cols)
    shares = pd.DataFrame(ratio(counts, counts.sum(axis=1, keepdims=True)), index=rows, columns=cols)
    customers = joined[keys].reset_index(drop=True)
    customers["segment_before"] = pd.Categorical.from_codes(b, categories=list(rows), ordered=True)
    customers["segment_after"] = pd.Categorical.from_codes(a, categories=list(cols), ordered=True)
    return Migration(counts=counts_df, shares=shares, customers=to_output(customers, kind))


# --------------------------------------------------------------------------- churn


def _segment_set(value: Any, known: dict[str, str], what: str) -> set[str]:
    """Segment codes from names given as codes or labels."""
    names = [value] if isinstance(value, str) else list(value)
    codes = set()
    for name in names:
        if name not in known:
            raise InputError(
                f"{what} names unknown segment {name!r}; the segments are {sorted(set(known.values()))}"
            )
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
    from ..segments.builtin import builtin_names
    from ..segments.scheme import NEW_SEGMENT, Scheme

    if not isinstance(scheme, str) or scheme not in builtin_names():
        return None
    s = Scheme.builtin(scheme)
    for lang in ("en", "zh"):
        by_label = {
            label: code
            for code, label in {NEW_SEGMENT["code"]: NEW_SEGMENT["labels"][lang], **s.labels(lang)}.items()
        }
        if all(label in by_label for label in labels):
            return {label: by_label[label] for label in labels}
    return None


def _has_codes(table: pd.DataFrame) -> bool:
    return isinstance(getattr(table.get("segment_code"), "dtype", None), pd.CategoricalDtype)


@follows_input("before", "after")
def churn_alerts(
    before: TableLike,
    after: TableLike | None = None,
    *,
    snapshots: Sequence[DateLike] | None = None,
    valuable: Iterable[str] | None = None,
    at_risk: Iterable[str] | None = None,
    output: OutputLike | None = None,
) -> TableLike:
    """Customers who moved from a valuable segment to an at-risk or lapsed one.

    Parameters
    ----------
    before, after : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        Two outputs of :func:`rfmkit.segment` with the same scheme. Slices of
        one snapshot of a segmented history (:func:`rfmkit.rfm_history`, or
        :func:`rfmkit.snapshot_table`) are matched on ``customer_id`` and
        the history's group columns, not on their different ``snapshot``.
        Without ``after``, ``before`` is a whole segmented history and the
        alerts are between two of its snapshots.
    snapshots : pair of date-like, optional
        With a history and no ``after``: the two snapshots to compare
        (earlier first); by default its last two. The result is that of
        ``churn_alerts(snapshot_table(h, a), snapshot_table(h, b))``.
    valuable, at_risk : list of str, optional
        Segments (codes such as ``"champions"`` or labels) to watch and to
        fear. Built-in schemes have defaults (``rfmkit.analysis.CHURN_SEGMENTS``:
        for ``rfm11`` champions, loyal and potential loyalists moving to about
        to sleep, at risk, can't lose them, hibernating or lost); custom
        schemes must pass both. The sets must not overlap. Without a
        ``segment_code`` column the labels of a built-in scheme stand for its
        codes.
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's (polars in, polars out, else pandas).

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
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
    >>> history = rfmkit.rfm_history(tx, snapshots=["2024-06-30", "2024-12-31"])
    >>> rfmkit.churn_alerts(rfmkit.segment(rfmkit.score(history), "rfm11")).equals(alerts)
    True
    """
    before = segment_input(before, "before")
    if after is None:
        before, after = snapshot_pair(before, snapshots, "before")
    elif snapshots is not None:
        raise InputError("snapshots= picks two snapshots of one history: give it without after")
    else:
        after = one_snapshot(segment_input(after, "after"), "after")
        before = one_snapshot(before, "before")
    keys, labels, joined = _paired(before, after, STATS)
    early, late = cast(pd.DataFrame, before), cast(pd.DataFrame, after)  # pandas by now
    scheme = early.attrs.get("scheme", late.attrs.get("scheme"))
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
                    "(as rfmkit.segment adds it) or pass both valuable=[...] and at_risk=[...]"
                )
            raise InputError(
                f"scheme {scheme!r} is not the built-in one of that name (its segment "
                "codes differ): pass both valuable=[...] and at_risk=[...]"
            )
        default = None  # a custom scheme with a built-in name
    if valuable is None or at_risk is None:
        if default is None:
            raise InputError(
                f"scheme {scheme!r} has no default churn segments: pass both "
                "valuable=[...] and at_risk=[...] (segment codes or labels)"
            )
        valuable = default[0] if valuable is None else valuable
        at_risk = default[1] if at_risk is None else at_risk
    good = _segment_set(valuable, known, "valuable")
    bad = _segment_set(at_risk, known, "at_risk")
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
    for d in STATS:
        out[f"{d}_before"] = rows[f"{d}_before"].to_numpy()
        out[f"{d}_after"] = rows[f"{d}_after"].to_numpy()
    for d in ("recency", "frequency"):
        for when in ("before", "after"):
            out[f"{d}_{when}"] = out[f"{d}_{when}"].astype(np.int64)
    out["monetary_change"] = out["monetary_after"] - out["monetary_before"]
    out = out.sort_values(["monetary_before", *keys], ascending=[False] + [True] * len(keys), kind="stable")
    return out.reset_index(drop=True)
