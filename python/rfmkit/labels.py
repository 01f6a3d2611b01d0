"""Churn labels: what each customer of a history bought after each snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ._core import label_columns
from ._typing import DateLike, FrameLike, OutputLike, TableLike, WindowLike, ZoneLike
from .errors import InputError
from .io import dates as _time
from .io.amounts import amount_column
from .io.columns import unencodable
from .io.frames import as_pandas, get_columns
from .io.ids import id_series, key_column
from .io.output import follows_input
from .io.snapshots import data_days, snapshot_column, snapshot_days
from .io.stream import is_streamable, read_columns
from .io.windows import window_arg
from .table import check_choice

__all__ = ["churn_labels"]


@follows_input("data", date="date")
def churn_labels(
    data: FrameLike,
    snapshots: TableLike | str | Sequence[DateLike],
    horizon: WindowLike = "90D",
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    *,
    tz: ZoneLike | None = None,
    returns: str = "net",
    incomplete: str = "drop",
    output: OutputLike | None = None,
) -> TableLike:
    """Whether each customer bought in the horizon after each snapshot, and how much.

    Computed only from the transactions strictly after the snapshot day, so
    joined to :func:`rfmkit.rfm_history` on ``(snapshot, customer_id)`` it gives
    a training table in which no feature uses data after its cut-off.

    Parameters
    ----------
    data : pandas.DataFrame, polars.DataFrame, pyarrow.Table or mapping
        The transactions, as for :func:`rfmkit.rfm_table`, or a source it
        streams (Parquet files, Arrow streams, ...): the three columns are
        read into memory.
    snapshots : table, str or list of date-like
        A history from :func:`rfmkit.rfm_history` (its ``(snapshot,
        customer_id)`` pairs are labelled, in its order), or what
        ``rfm_history``'s ``snapshots`` takes (then every customer who had bought
        by a snapshot is labelled at it, as ``rfm_history`` would list them).
    horizon : int, str or timedelta
        The span after each snapshot, as ``rfm_table``'s ``window``: ``"90D"``,
        ``"3M"`` (calendar months, clamped to the month's end), ``90``. The
        horizon of snapshot ``s`` is the days ``(s, s + horizon]``.
    customer_id, date, amount, tz
        As in :func:`rfmkit.rfm_table`.
    returns : {"net", "exclude", "error"}
        Returns in the horizon: ``"net"`` subtracts them from
        ``future_monetary``, ``"exclude"`` ignores them, ``"error"`` raises.
        They are never purchases.
    incomplete : {"drop", "flag"}
        Snapshots whose horizon ends after the data's last day (the latest
        transaction's, returns included) cannot be labelled fully: ``"drop"``
        leaves them out; ``"flag"`` keeps them, with a boolean ``complete``
        column (False for them).
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's.

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        Columns ``snapshot`` (as in ``rfm_history``), ``customer_id``,
        ``purchased`` (bool: a purchase in the horizon), ``future_frequency``
        (int64 purchase rows in the horizon), ``future_monetary`` (float64, the
        exact sum of the horizon's amounts), and ``complete`` with
        ``incomplete="flag"``. ``attrs["horizon"]`` records the horizon.

    Examples
    --------
    >>> import pandas as pd, rfmkit
    >>> tx = pd.DataFrame({
    ...     "customer_id": [1, 2, 1, 2],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-10", "2024-04-30"]),
    ...     "amount": [10.0, 7.5, 5.0, 2.5],
    ... })
    >>> rfmkit.churn_labels(tx, "M", horizon="30D")
        snapshot  customer_id  purchased  future_frequency  future_monetary
    0 2024-01-31            1       True                 1              5.0
    1 2024-01-31            2      False                 0              0.0
    2 2024-02-29            1      False                 0              0.0
    3 2024-02-29            2      False                 0              0.0
    4 2024-03-31            1      False                 0              0.0
    5 2024-03-31            2       True                 1              2.5
    """
    check_choice("returns", returns, ("net", "exclude", "error"))
    check_choice("incomplete", incomplete, ("drop", "flag"))
    spec = _horizon(horizon)
    if is_streamable(data):  # Parquet files, datasets, Arrow streams: the columns, read whole
        data = read_columns(data, [customer_id, date, amount])
    columns = get_columns(data, [customer_id, date, amount])
    keys = key_column(columns[customer_id], customer_id)
    time = _time.time_column(columns[date], date, tz)
    amounts = amount_column(columns[amount], amount)
    pairs = _history_pairs(snapshots, customer_id)
    if pairs is None:
        days = snapshot_days(snapshots, None, None, time)
    else:
        days = np.unique(pairs["snapshot"].to_numpy().astype("datetime64[D]").astype(np.int64))
    span = data_days(time)
    complete = _horizon_ends(days, spec) <= (span[1] if span is not None else np.iinfo(np.int64).min)
    if incomplete == "drop":
        days = days[complete]
        complete = complete[complete]
    try:
        raw = label_columns(
            ids=keys.arg,
            ts=time.ts,
            ticks_per_day=time.ticks_per_day,
            days=time.days,
            amounts=amounts,
            snapshot_days=days,
            returns=returns,
            names=(customer_id, date, amount, "order_id"),
            **{f"horizon_{spec[0]}": spec[1]},
        )
    except UnicodeEncodeError:
        raise unencodable({customer_id: columns[customer_id]}) from None
    ids = keys.finish(raw["customer_id"])
    codes = raw["customer"].astype(np.intp)
    ids = ids.take(pa.array(codes)) if isinstance(ids, pa.Array) else np.asarray(ids).take(codes)
    frame = pd.DataFrame(
        {
            "snapshot": snapshot_column(days, raw["snapshot_rows"]),
            "customer_id": id_series(ids, getattr(columns[customer_id], "dtype", None)),
            "purchased": raw["frequency"] > 0,
            "future_frequency": raw["frequency"],
            "future_monetary": raw["monetary"],
        },
        copy=False,
    )
    if incomplete == "flag":
        frame["complete"] = np.repeat(complete, raw["snapshot_rows"].astype(np.int64))
    if pairs is not None:
        frame = _on_pairs(pairs, frame, days)
    frame.attrs.update(horizon=f"{spec[1]}{'D' if spec[0] == 'days' else 'M'}", returns=returns)
    return frame


def _horizon(horizon: Any) -> tuple[str, int]:
    if horizon is None:
        raise InputError("invalid horizon None: give a span such as '90D', '3M' or 90")
    try:
        spec = window_arg(horizon)
    except InputError as exc:
        raise InputError(str(exc).replace("invalid window", "invalid horizon", 1)) from None
    assert spec is not None
    return spec


def _horizon_ends(days: np.ndarray, spec: tuple[str, int]) -> np.ndarray:
    """The last day of each snapshot's horizon, as the core computes it."""
    if spec[0] == "days":
        return days + spec[1]
    dates = pd.DatetimeIndex(days.astype("datetime64[D]").astype("datetime64[s]"))
    ends = dates + pd.DateOffset(months=spec[1])  # clamped to the month's end, as the core
    return ends.to_numpy().astype("datetime64[D]").astype(np.int64)


def _history_pairs(snapshots: Any, customer_id: str) -> pd.DataFrame | None:
    """The (snapshot, customer_id) pairs of a history table, or None for other snapshots."""
    if isinstance(snapshots, (str, list, tuple, np.ndarray, pd.Index, pd.Series)):
        return None
    if not (hasattr(snapshots, "columns") or isinstance(snapshots, pa.Table)):
        return None
    table = as_pandas(snapshots, "snapshots")
    missing = [c for c in ("snapshot", customer_id) if c not in table.columns]
    if missing:
        raise InputError(
            f"snapshots is a table without the column(s) {missing}: give a history from "
            "rfm_history, a frequency or a list of dates"
        )
    return table[["snapshot", customer_id]].rename(columns={customer_id: "customer_id"})


def _on_pairs(pairs: pd.DataFrame, labels: pd.DataFrame, days: np.ndarray) -> pd.DataFrame:
    """The labels of the history's pairs, in its order (customers with no
    purchase by a snapshot in the data have none after it either: zeros)."""
    day = pairs["snapshot"].to_numpy().astype("datetime64[D]")
    pairs = pairs.assign(snapshot=day.astype(labels["snapshot"].dtype))
    kept = np.isin(day.astype(np.int64), days)
    out = pairs[kept].reset_index(drop=True).merge(labels, on=["snapshot", "customer_id"], how="left")
    out["purchased"] = out["purchased"].fillna(False).astype(bool)
    out["future_frequency"] = out["future_frequency"].fillna(0).astype(np.int64)
    out["future_monetary"] = out["future_monetary"].fillna(0.0).astype(np.float64)
    if "complete" in out.columns:
        out["complete"] = out["complete"].fillna(True).astype(bool)
    return out
