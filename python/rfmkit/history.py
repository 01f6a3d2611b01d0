"""RFM at many as-of dates in one pass: the long table of :func:`rfm_history`."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ._core import history_columns
from ._typing import DateLike, FrameLike, OutputLike, TableLike, WindowLike, ZoneLike
from .errors import InputError, RFMWarning
from .io import dates as _time
from .io.amounts import amount_column
from .io.columns import unencodable
from .io.frames import get_columns
from .io.groups import GroupKeys
from .io.ids import id_series, key_column
from .io.output import follows_input
from .io.snapshots import snapshot_column, snapshot_days
from .io.stream import is_streamable, read_columns
from .io.windows import window_arg
from .table import check_choice, group_names_of, window_kwargs

__all__ = ["rfm_history"]

_EPOCH = dt.date(1970, 1, 1)


@follows_input("data", date="date")
def rfm_history(
    data: FrameLike,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    *,
    snapshots: str | Sequence[DateLike] = "M",
    start: DateLike | None = None,
    end: DateLike | None = None,
    window: WindowLike | None = None,
    frequency: str = "rows",
    order_id: str | None = None,
    returns: str = "net",
    tz: ZoneLike | None = None,
    by: str | Sequence[str] | None = None,
    output: OutputLike | None = None,
) -> TableLike:
    """The RFM table at every snapshot date, in long form, in one pass over the rows.

    Each snapshot is, bit for bit, ``rfm_table(data, as_of=snapshot, window=window,
    frequency=..., order_id=..., returns=..., tz=..., by=...)``: every transaction on or
    before the snapshot day counts, nothing after it.

    Parameters
    ----------
    data, customer_id, date, amount, window, frequency, order_id, returns, tz, by
        As in :func:`rfmkit.rfm_table`. ``data`` may also be anything
        ``rfm_table`` streams (Parquet files, globs and directories, datasets,
        Arrow streams, LazyFrames, DuckDB relations): only the needed columns
        are read, and held in memory, since the result is about as large.
    snapshots : str or list of date-like
        A pandas frequency: the snapshots are the period ends (``"M"`` or ``"ME"``
        month ends, ``"W"`` Sundays, ``"W-WED"``, ``"Q"``/``"QE"`` quarter ends,
        ``"Y"``/``"YE"`` year ends, ``"MS"`` month starts; old and new pandas
        spellings both work) that fall in ``[start, end]``; ``"7D"`` (any whole
        number of days) is every 7th day from ``start``. Or a list of as-of dates
        (strings, dates, Timestamps): sorted, duplicates dropped, bounded by
        ``start`` and ``end`` when given.
    start, end : date-like, optional
        The first and last day snapshots may fall on (both included). Defaults:
        ``start`` is the first transaction's day (so the first snapshot is the end
        of the period holding the first transaction; for ``"7D"``, the 7th day
        from the first transaction's), ``end`` is the latest transaction's day: a
        snapshot falls on it only when it is a period end, so by default the last
        snapshot is the last complete period.
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's.

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        Columns ``snapshot``, the ``by`` columns, ``customer_id``, ``recency``,
        ``frequency``, ``monetary``, ``first_purchase``, ``last_purchase``: one row
        per snapshot and customer who had bought by then, sorted by snapshot, then
        as ``rfm_table`` sorts. ``snapshot`` is datetime64[ns], naive: midnight of
        the as-of day (a calendar date in the data's zone for tz-aware data;
        datetime64[s] for days beyond the nanosecond range). ``attrs`` are
        ``rfm_table``'s, with ``attrs["by"] = ["snapshot", *by]`` (so
        :func:`rfmkit.score` scores within each snapshot), ``attrs["as_of"] =
        None`` and ``attrs["snapshots"]``, the ISO dates. Customers with only
        returns by a snapshot are left out of it, with one
        :class:`~rfmkit.errors.RFMWarning` for all snapshots.

    Raises
    ------
    InputError (ValueError)
        As :func:`rfmkit.rfm_table` does; also an unknown frequency, ``end``
        before ``start``, a snapshot before the first transaction, an empty list.
    InputTypeError (TypeError)
        As :func:`rfmkit.rfm_table` does.

    Examples
    --------
    >>> import pandas as pd, rfmkit
    >>> tx = pd.DataFrame({
    ...     "customer_id": [1, 1, 2, 2],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-02-20", "2024-03-31"]),
    ...     "amount": [10.0, 5.0, 7.5, 2.5],
    ... })
    >>> h = rfmkit.rfm_history(tx, snapshots="M")
    >>> h[["snapshot", "customer_id", "recency", "frequency", "monetary"]]
        snapshot  customer_id  recency  frequency  monetary
    0 2024-01-31            1       26          1      10.0
    1 2024-02-29            1       19          2      15.0
    2 2024-02-29            2        9          1       7.5
    3 2024-03-31            1       50          2      15.0
    4 2024-03-31            2        0          2      10.0
    >>> h.attrs["snapshots"], h.attrs["by"]
    (['2024-01-31', '2024-02-29', '2024-03-31'], ['snapshot'])
    """
    group_names = group_names_of(by, [customer_id, date, amount, order_id])
    if "snapshot" in group_names:
        raise InputError("by column 'snapshot' clashes with the output column 'snapshot'; rename it")
    names = [customer_id, date, amount] + ([order_id] if order_id is not None else [])
    if is_streamable(data):  # Parquet files, datasets, Arrow streams: the columns, read whole
        data = read_columns(data, names + group_names)
    columns = get_columns(data, names + group_names)
    groups = None
    if group_names:
        groups = GroupKeys.build(
            [columns[g] for g in group_names],
            group_names,
            key_column(columns[customer_id], customer_id),
            customer_id,
        )
    keys = key_column(columns[customer_id], customer_id) if groups is None else groups.keys
    time = _time.time_column(columns[date], date, tz)
    amounts = amount_column(columns[amount], amount)
    orders = key_column(columns[order_id], order_id) if order_id is not None else None
    check_choice("frequency", frequency, ("rows", "orders", "days"))
    check_choice("returns", returns, ("net", "exclude", "error"))
    spec = window_arg(window)
    days = snapshot_days(snapshots, start, end, time)
    try:
        raw = history_columns(
            ids=keys.arg,
            ts=time.ts,
            ticks_per_day=time.ticks_per_day,
            days=time.days,
            amounts=amounts,
            orders=orders.arg if orders is not None else None,
            snapshot_days=days,
            frequency=frequency,
            returns=returns,
            names=(customer_id, date, amount, order_id or "order_id"),
            **window_kwargs(spec),
        )
    except UnicodeEncodeError:
        shown = {customer_id: columns[customer_id]}
        if order_id is not None:
            shown[order_id] = columns[order_id]
        raise unencodable(shown) from None
    _warn_without_purchase(raw, None if groups is None else groups.describe)
    codes = raw["customer"].astype(np.intp)
    group_cols: dict[str, Any] = {}
    if groups is None:
        ids = _take(keys.finish(raw["customer_id"]), codes)
    else:
        group_cols, ids = groups.split(raw["customer_id"][1])
        group_cols = {k: v.take(codes).reset_index(drop=True) for k, v in group_cols.items()}
        ids = _take(ids, codes)
    like = getattr(columns[customer_id], "dtype", None)
    table = pd.DataFrame(
        {
            "snapshot": snapshot_column(days, raw["snapshot_rows"]),
            **group_cols,
            "customer_id": id_series(ids, like),
            "recency": raw["recency"],
            "frequency": raw["frequency"],
            "monetary": raw["monetary"],
            "first_purchase": time.to_datetimes(raw["first_purchase"]),
            "last_purchase": time.to_datetimes(raw["last_purchase"]),
        },
        copy=False,
    )
    table.attrs.update(
        as_of=None,
        window=None if spec is None else f"{spec[1]}{'D' if spec[0] == 'days' else 'M'}",
        frequency=frequency,
        returns=returns,
        by=["snapshot", *group_names],
        snapshots=[_iso(d) for d in days],
    )
    return table


def _take(values: Any, codes: np.ndarray) -> Any:
    if isinstance(values, pa.Array):
        return values.take(pa.array(codes))
    if isinstance(values, pd.Series):
        return values.take(codes).reset_index(drop=True)
    return np.asarray(values).take(codes)


def _iso(day: Any) -> str:
    return str(np.datetime64(int(day), "D"))


def _warn_without_purchase(raw: Mapping[str, Any], describe: Any) -> None:
    if raw["without_purchase"]:
        day, first = raw["first_without_purchase"]
        if describe is not None:
            first = describe(first)
        warnings.warn(
            f"{raw['without_purchase']} (snapshot, customer) pair(s) with returns but no purchase "
            f"by the snapshot were left out (the first is {first} at {_iso(day)})",
            RFMWarning,
            stacklevel=4,
        )
