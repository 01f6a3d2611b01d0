"""What the analysis functions share: the checks of a segmented table and
the constants of the reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, InputTypeError
from ..io.frames import as_pandas
from ..io.groups import python_value

__all__ = [
    "ALL",
    "CHURN_SEGMENTS",
    "GONE",
    "NEW",
    "STATS",
    "names_of",
    "ratio",
    "require",
    "segment_input",
    "segments_of",
    "unique_keys",
]

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
#   pymc5   premium, repeat customers and top spenders -> at risk or inactive customers
CHURN_SEGMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "cn8": (
        ("important_value", "important_develop", "general_value"),
        ("important_keep", "important_retain", "general_keep", "general_retain"),
    ),
    "tiers4": (("vip",), ("dormant",)),
    "crm4": (("high_value",), ("churn_risk", "needs_wake_up")),
    "rfm11": (
        ("champions", "loyal", "potential_loyalist"),
        ("about_to_sleep", "at_risk", "cant_lose", "hibernating", "lost"),
    ),
    "rf10": (
        ("champions", "loyal", "potential_loyalist"),
        ("about_to_sleep", "at_risk", "cant_lose", "hibernating"),
    ),
    "pymc5": (
        ("premium_customer", "repeat_customer", "top_spender"),
        ("at_risk_customer", "inactive_customer"),
    ),
}

STATS = ("recency", "frequency", "monetary")


# --------------------------------------------------------------------------- checks


def require(table: Any, columns: Iterable[str], what: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise InputTypeError(f"{what} must be a pandas DataFrame, not {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"{what} misses column(s) {missing}; it should be the output of rfmkit.segment")


def segment_input(table: Any, what: str) -> pd.DataFrame:
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
    from ..segments.scheme import builtin_match

    match = builtin_match(table)
    if match is None:
        return table
    name, lang, order, by_code = match
    out = table.copy()
    out.attrs = {**table.attrs, "scheme": table.attrs.get("scheme", name)}
    if not ordered:
        out["segment"] = pd.Categorical(
            col.astype(object), ordered=True, categories=list(dict.fromkeys(by_code[c] for c in order))
        )
        if "segment_code" in table.columns:
            out["segment_code"] = pd.Categorical(
                table["segment_code"].astype(object), categories=order, ordered=True
            )
    return out


def segments_of(table: pd.DataFrame, what: str) -> pd.Categorical:
    """The ``segment`` column as a categorical without missing values."""
    col = table["segment"]
    if not isinstance(col.dtype, pd.CategoricalDtype):
        raise InputTypeError(
            f"column 'segment' of {what} must be the categorical of rfmkit.segment, not {col.dtype}"
        )
    codes = np.asarray(col.cat.codes)
    if (codes < 0).any():
        row = int(np.flatnonzero(codes < 0)[0])
        raise InputError(f"column 'segment' of {what} has a missing value at row {row}")
    return col.array


def names_of(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    names = [by] if isinstance(by, str) else list(by)
    if not names or not all(isinstance(n, str) for n in names):
        raise InputError(f"by must be a column name or a non-empty list of names, got {by!r}")
    return names


def unique_keys(table: pd.DataFrame, keys: list[str], what: str) -> None:
    dup = table.duplicated(subset=keys, keep=False).to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        value = [python_value(v) for v in table[keys].iloc[row].tolist()]
        shown = repr(value[-1]) if len(keys) == 1 else f"{dict(zip(keys, value, strict=True))}"
        raise InputError(
            f"{what} has customer {shown} more than once (row {row}); each customer must appear once"
        )
    for key in keys:
        missing = table[key].isna().to_numpy()
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise InputError(f"column {key!r} of {what} has a missing value at row {row}")


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out
