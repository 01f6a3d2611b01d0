"""Histories: the long tables of :func:`rfmkit.rfm_history` (the RFM table at
every snapshot date), told apart from plain tables, and cut into snapshots.

A history has the layout of a table of ``rfm_table(by=...)`` whose first group
column is ``snapshot`` (datetime64): ``snapshot, [by...], customer_id,
recency, ...``. A table is read as a history when

- ``attrs["snapshots"]`` is recorded (as ``rfm_history`` leaves it) and the
  first group column is ``snapshot``; or, when ``attrs`` are gone (polars, a
  hand-made Arrow table, a file written without them),
- its columns start with that layout (the group columns are recovered from
  it as :func:`rfmkit.io.frames.column_attrs` does) and every row's snapshot
  is its as-of day: the day of ``last_purchase`` plus ``recency``.

The second rule keeps a user's own column named ``snapshot`` from being
misread: a column after the RFM columns is never a group column, and a plain
``rfm_table(tx, by="snapshot")`` has one as-of date for all rows, so its
snapshot values are not the rows' as-of days (unless they all are that one
day, where a one-snapshot history means the same thing).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["SNAPSHOT", "history_groups", "one_snapshot", "row_days", "snapshot_pair", "snapshot_slice"]

SNAPSHOT = "snapshot"

_RFM_COLUMNS = ["customer_id", "recency", "frequency", "monetary", "first_purchase", "last_purchase"]


def _days(col: pd.Series) -> np.ndarray:
    """Calendar days (datetime64[D]) of a datetime column, in its own zone."""
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        col = col.dt.tz_localize(None)
    return col.to_numpy(dtype="datetime64[D]")


def _layout_groups(table: pd.DataFrame) -> list[str] | None:
    """The group columns the layout tells: the columns before ``customer_id``."""
    by = table.attrs.get("by")
    if by:
        return [by] if isinstance(by, str) else [str(b) for b in by]
    names = [str(c) for c in table.columns]
    if "customer_id" not in names:
        return None
    start = names.index("customer_id")
    if start and names[start : start + len(_RFM_COLUMNS)] == _RFM_COLUMNS:
        return names[:start]
    return None


def history_groups(table: pd.DataFrame) -> list[str] | None:
    """The group columns of a history after ``snapshot`` (its ``by``), or
    None when ``table`` is not a history (see the module docs).

    Examples
    --------
    >>> t = pd.DataFrame({"snapshot": pd.to_datetime(["2024-01-31", "2024-02-29"]),
    ...                   "customer_id": [1, 1], "recency": [30, 59], "frequency": [1, 1],
    ...                   "monetary": [5.0, 5.0],
    ...                   "first_purchase": pd.to_datetime(["2024-01-01"] * 2),
    ...                   "last_purchase": pd.to_datetime(["2024-01-01"] * 2)})
    >>> history_groups(t)
    []
    >>> history_groups(t.assign(recency=[30, 30])) is None  # not the rows' as-of days
    True
    """
    groups = _layout_groups(table)
    if not groups or groups[0] != SNAPSHOT or SNAPSHOT not in table.columns:
        return None
    col = table[SNAPSHOT]
    if isinstance(col, pd.DataFrame) or not pd.api.types.is_datetime64_any_dtype(col.dtype):
        return None
    if table.attrs.get("snapshots") is not None:
        return groups[1:]
    if not {"recency", "last_purchase"} <= set(table.columns):
        return None
    last, recency = table["last_purchase"], table["recency"]
    if not pd.api.types.is_datetime64_any_dtype(last.dtype) or not pd.api.types.is_integer_dtype(
        recency.dtype
    ):
        return None
    if col.isna().any() or last.isna().any() or recency.isna().any():
        return None
    as_of = _days(last) + recency.to_numpy(dtype=np.int64)
    return groups[1:] if bool((as_of == _days(col)).all()) else None


def row_days(history: pd.DataFrame) -> np.ndarray:
    """The calendar day (datetime64[D]) of every row's snapshot."""
    return _days(history[SNAPSHOT])


def _day(value: Any, what: str) -> np.datetime64:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"invalid {what} {value!r}: {exc}", value=value) from None
    if ts is pd.NaT:
        raise InputError(f"invalid {what} {value!r}: a date is needed", value=value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return np.datetime64(ts.date(), "D")


def snapshot_slice(history: pd.DataFrame, by: list[str], when: Any, what: str = "snapshot") -> pd.DataFrame:
    """The rows of one snapshot as a plain table (of ``rfm_table(by=by)``):
    without the ``snapshot`` column, ``attrs["as_of"]`` its day and
    ``attrs["by"]`` the other group columns (or no ``by``).

    Raises
    ------
    InputError
        A date that is not one of the history's snapshots (the snapshots are named).
    """
    day = _day(when, what)
    days = row_days(history)
    rows = days == day
    if not rows.any():
        have = [str(d) for d in np.unique(days)]
        shown = ", ".join(have[:6]) + (", ..." if len(have) > 6 else "")
        raise InputError(f"{what} {str(day)!r} is not a snapshot of the history; it has {shown}", value=when)
    out = history.loc[rows].drop(columns=SNAPSHOT).reset_index(drop=True)
    attrs = {k: v for k, v in history.attrs.items() if k not in ("snapshots", "by", "as_of")}
    attrs["as_of"] = str(day)
    if by:
        attrs["by"] = list(by)
    out.attrs = attrs
    return out


def one_snapshot(table: pd.DataFrame, what: str) -> pd.DataFrame:
    """A history of one snapshot (a slice of a history) as the plain table of
    that snapshot; a plain table as it is.

    Raises
    ------
    InputError
        A history of several snapshots (they cannot be compared customer by
        customer with another table).
    """
    by = history_groups(table)
    if by is None:
        return table
    days = np.unique(row_days(table))
    if len(days) > 1:
        raise InputError(
            f"{what} is a history of {len(days)} snapshots ({days[0]} to {days[-1]}); pick one "
            "with rfmkit.snapshot_table(history, date), compare two with "
            "rfmkit.churn_alerts(history, snapshots=(date1, date2)), or all with "
            "rfmkit.migration_over_time(history)"
        )
    if len(days) == 0:
        out = table.drop(columns=SNAPSHOT)
        out.attrs = {k: v for k, v in table.attrs.items() if k not in ("snapshots", "by")}
        if by:
            out.attrs["by"] = list(by)
        return out
    return snapshot_slice(table, by, days[0], what)


def snapshot_pair(history: pd.DataFrame, snapshots: Any, what: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two snapshots of a history as plain tables: ``snapshots`` (two dates,
    earlier first), by default the last two.

    Raises
    ------
    InputError
        Not a history, fewer than two snapshots, dates that are not two of its
        snapshots or not in order.
    """
    by = history_groups(history)
    if by is None:
        raise InputError(
            f"{what} is not a history (the layout of rfmkit.rfm_history); give two tables, before and after"
        )
    days = np.unique(row_days(history))
    if snapshots is None:
        if len(days) < 2:
            raise InputError(f"{what} has {len(days)} snapshot(s); two are needed to compare")
        first, second = days[-2], days[-1]
    else:
        if isinstance(snapshots, (str, bytes)) or not hasattr(snapshots, "__len__") or len(snapshots) != 2:
            raise InputError(
                f"snapshots must be two dates (before, after), got {snapshots!r}", value=snapshots
            )
        first, second = _day(snapshots[0], "snapshots[0]"), _day(snapshots[1], "snapshots[1]")
        if not first < second:
            raise InputError(
                f"snapshots must be in order (before, after), got {str(first)!r} then {str(second)!r}",
                value=snapshots,
            )
    return snapshot_slice(history, by, first, "snapshots[0]"), snapshot_slice(
        history, by, second, "snapshots[1]"
    )
