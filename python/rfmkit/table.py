"""Transactions in, one row per customer out: recency, frequency and monetary."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from ._core import rfm_columns
from ._typing import ColumnLike, DateLike, FrameLike, OutputLike, TableLike, WindowLike, ZoneLike
from .errors import InputError, RFMWarning
from .io import dates as _time
from .io.amounts import amount_column
from .io.columns import unencodable
from .io.frames import get_columns
from .io.group_args import GroupArg, group_arg, group_columns, group_label, group_texts
from .io.ids import id_series, key_column
from .io.output import follows_input
from .io.windows import window_arg

__all__ = ["RFMArrays", "rfm_arrays", "rfm_table"]

_EPOCH = dt.date(1970, 1, 1)


class RFMArrays(NamedTuple):
    """The result of :func:`rfm_arrays`: one entry per customer, sorted by id.

    A named tuple: read its fields by name, or unpack it.

    Examples
    --------
    >>> import numpy as np, rfmkit
    >>> r = rfmkit.rfm_arrays(np.array([7, 7, 3]),
    ...                       np.array(["2024-01-01", "2024-01-05", "2024-01-02"], "M8[D]"),
    ...                       np.array([10.0, 5.5, 3.0]))
    >>> r.frequency.tolist(), r.as_of
    ([1, 2], datetime.date(2024, 1, 5))
    >>> ids, recency, *_ = r
    >>> ids.tolist(), recency.tolist()
    ([3, 7], [3, 0])
    """

    customer_id: np.ndarray
    """Ids: int64, uint64, or an object array of ``str``."""
    recency: np.ndarray
    """int64 calendar days between the as-of date and the last purchase."""
    frequency: np.ndarray
    """int64 purchases in the window (rows, orders or days)."""
    monetary: np.ndarray
    """float64 sum of amounts in the window, exact to the last bit."""
    first_purchase: np.ndarray | pd.DatetimeIndex
    """datetime64 array (or tz-aware DatetimeIndex) of the first purchase."""
    last_purchase: np.ndarray | pd.DatetimeIndex
    """datetime64 array (or tz-aware DatetimeIndex) of the last purchase."""
    as_of: dt.date | None
    """The as-of date used (``None`` only for empty input without ``as_of``)."""


def rfm_arrays(
    customer_id: ColumnLike,
    date: ColumnLike,
    amount: ColumnLike,
    *,
    as_of: DateLike | None = None,
    window: WindowLike | None = None,
    frequency: str = "rows",
    order_id: ColumnLike | None = None,
    returns: str = "net",
    tz: ZoneLike | None = None,
) -> RFMArrays:
    """Recency, frequency and monetary per customer, from plain arrays.

    The NumPy-level form of :func:`rfm_table`, with the same options and
    rules. Arrays are read in place, never modified.

    Parameters
    ----------
    customer_id : array-like
        int64 / uint64 (other integer widths are widened), ``str`` (NumPy
        ``<U``, object arrays of ``str``, Arrow strings) or categorical.
    date : array-like
        datetime64 of any unit (s, ms, us, ns, D, ...), or tz-aware pandas or
        Arrow timestamps.
    amount : array-like
        float or integer amounts; negative amounts are returns.
    as_of, window, frequency, order_id, returns, tz
        As in :func:`rfm_table`; ``order_id`` is an array here.

    Returns
    -------
    RFMArrays

    Examples
    --------
    >>> import numpy as np, rfmkit
    >>> r = rfmkit.rfm_arrays(np.array([7, 7, 3]),
    ...                       np.array(["2024-01-01", "2024-01-05", "2024-01-02"], "M8[D]"),
    ...                       np.array([10.0, 5.5, 3.0]))
    >>> r.customer_id.tolist(), r.recency.tolist(), r.monetary.tolist()
    ([3, 7], [3, 0], [3.0, 15.5])
    """
    names = ("customer_id", "date", "amount", "order_id")
    raw, keys, time = _compute(
        customer_id, date, amount, order_id, names, as_of, window, frequency, returns, tz
    )
    ids = keys.finish(raw["customer_id"])
    if isinstance(ids, pa.Array):
        ids = ids.to_numpy(zero_copy_only=False)
    return RFMArrays(
        customer_id=ids,
        recency=raw["recency"],
        frequency=raw["frequency"],
        monetary=raw["monetary"],
        first_purchase=time.to_datetimes(raw["first_purchase"]),
        last_purchase=time.to_datetimes(raw["last_purchase"]),
        as_of=_as_of_date(raw),
    )


@follows_input("data", date="date")
def rfm_table(
    data: FrameLike,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    *,
    as_of: DateLike | None = None,
    window: WindowLike | None = None,
    frequency: str = "rows",
    order_id: str | None = None,
    returns: str = "net",
    tz: ZoneLike | None = None,
    by: str | Sequence[str] | None = None,
    output: OutputLike | None = None,
) -> TableLike:
    """One row per customer (or per group and customer) with recency, frequency and monetary value.

    Parameters
    ----------
    data : pandas.DataFrame, polars.DataFrame, pyarrow.Table or mapping
        The transactions, one row per purchase (or order line, or return).
    customer_id, date, amount : str
        Column names. Ids are integers or strings (categorical columns too);
        dates are datetime64 of any unit, naive or tz-aware; amounts are
        numbers, negative for returns.
    as_of : date-like, optional
        The reference date. Defaults to the date of the latest transaction in
        ``data`` (any row, returns included), so results never drift with the
        wall clock. Only its calendar date counts: every transaction on the
        as-of day is included, and transactions after it are left out.
    window : int, str or timedelta, optional
        Look-back for frequency and monetary: transactions in
        ``(as_of - window, as_of]``. Days as an int (``90``), a timedelta, or
        a string: ``"90D"``, ``"12W"``, ``"3M"`` (calendar months), ``"1Y"``.
        Customers with no purchase inside keep their row with frequency 0,
        monetary 0 and their true recency.
    frequency : {"rows", "orders", "days"}
        Count purchase rows, distinct ``order_id`` values, or distinct
        calendar days with a purchase.
    order_id : str, optional
        The order column; required by (and only used with) ``frequency="orders"``.
    returns : {"net", "exclude", "error"}
        Negative amounts: ``"net"`` subtracts them from monetary but never
        counts them as purchases; ``"exclude"`` drops them; ``"error"`` raises
        naming how many there are and the first. Zero amounts are purchases.
    tz : str or tzinfo, optional
        For tz-aware dates, the zone whose calendar days count (default: the
        column's own zone). Naive dates are wall-clock times; ``tz`` with
        naive dates is an error.
    by : str or list of str, optional
        Group columns (a channel, a region, a cohort): R, F and M are
        computed per (group, customer) pair, so a customer who bought in two
        channels has a row in each. The group columns come first and rows are
        sorted by group, then customer id. ``as_of`` defaults to the latest
        date over *all* rows, the same for every group, so recencies of
        different groups are comparable. Null group values are errors.
        :func:`rfmkit.score` then scores within each group.
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's (polars in, polars out, else pandas).

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        Sorted by customer id (by group, then id, with ``by``), with columns
        ``customer_id``, ``recency`` (int64 calendar days since the last
        purchase; 0 means on the as-of day), ``frequency`` (int64),
        ``monetary`` (float64, the exact sum correctly rounded),
        ``first_purchase`` and ``last_purchase`` (same unit and zone as the
        input); with ``by``, the group columns first. ``df.attrs`` records
        ``as_of`` and the options (``attrs["by"]``: the group columns, a
        list). Customers whose only rows up to the as-of date are returns
        have no purchase to measure: they are left out with an
        :class:`~rfmkit.errors.RFMWarning`.

    Raises
    ------
    InputError (ValueError)
        Missing columns, null ids, null group values, NaT dates, NaN or infinite amounts,
        columns of different lengths, an as-of date before all data, returns
        with ``returns="error"``, unknown options.
    InputTypeError (TypeError)
        Float ids, ids of mixed types, non-numeric amounts, text dates.

    Examples
    --------
    >>> import pandas as pd, rfmkit
    >>> tx = pd.DataFrame({
    ...     "customer_id": [1, 1, 2],
    ...     "date": pd.to_datetime(["2024-03-01 09:00", "2024-03-20 18:30", "2024-02-11 12:00"]),
    ...     "amount": [20.0, 35.5, 12.0],
    ... })
    >>> rfmkit.rfm_table(tx)[["customer_id", "recency", "frequency", "monetary"]]
       customer_id  recency  frequency  monetary
    0            1        0          2      55.5
    1            2       38          1      12.0

    Per channel (a customer may appear in several):

    >>> tx = rfmkit.datasets.make_transactions(2_000, 300, seed=1, channels=True)
    >>> rfmkit.rfm_table(tx, by="channel").columns[:3].tolist()
    ['channel', 'customer_id', 'recency']
    """
    group_names = group_names_of(by, [customer_id, date, amount, order_id])
    names = [customer_id, date, amount] + ([order_id] if order_id is not None else [])
    columns = get_columns(data, names + group_names)
    order_col = columns[order_id] if order_id is not None else None
    name_args = (customer_id, date, amount, order_id or "order_id")
    groups = [group_arg(columns[g], g) for g in group_names]
    raw, keys, time = _compute(
        columns[customer_id],
        columns[date],
        columns[amount],
        order_col,
        name_args,
        as_of,
        window,
        frequency,
        returns,
        tz,
        (groups, group_names),
    )
    like = getattr(columns[customer_id], "dtype", None)
    group_cols = group_columns(raw["groups"], groups, group_names) if groups else {}
    return result_frame(
        raw,
        keys.finish(raw["customer_id"]),
        like,
        time,
        window=window,
        frequency=frequency,
        returns=returns,
        groups=group_cols,
    )


def result_frame(
    raw: Mapping[str, Any],
    ids: Any,
    like: Any,
    time: _time.TimeColumn,
    *,
    window: Any,
    frequency: str,
    returns: str,
    groups: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """The table of ``rfm_table`` from the core's columns (``ids`` already in
    the input's values, ``like`` the input id column's dtype), with its attrs."""
    table = pd.DataFrame(
        {
            **(groups or {}),
            "customer_id": id_series(ids, like),
            "recency": raw["recency"],
            "frequency": raw["frequency"],
            "monetary": raw["monetary"],
            "first_purchase": time.to_datetimes(raw["first_purchase"]),
            "last_purchase": time.to_datetimes(raw["last_purchase"]),
        },
        copy=False,
    )
    # attrs hold JSON values only: pandas writes them into Parquet and Feather files.
    as_of_date = _as_of_date(raw)
    spec = window_arg(window)
    table.attrs.update(
        as_of=None if as_of_date is None else as_of_date.isoformat(),
        window=None if spec is None else f"{spec[1]}{'D' if spec[0] == 'days' else 'M'}",
        frequency=frequency,
        returns=returns,
    )
    if groups:
        table.attrs["by"] = list(groups)
    return table


_OUTPUT = ("customer_id", "recency", "frequency", "monetary", "first_purchase", "last_purchase")


def group_names_of(by: Any, inputs: list[str | None]) -> list[str]:
    """The group columns of ``by``, checked against the other columns."""
    if by is None:
        return []
    if isinstance(by, str):
        names = [by]
    elif isinstance(by, (list, tuple)):
        names = list(by)
    else:
        raise InputError(f"by must be a column name or a non-empty list of names, got {by!r}")
    if not names or not all(isinstance(n, str) for n in names):
        raise InputError(f"by must be a column name or a non-empty list of names, got {by!r}")
    for name in names:
        if name in inputs or name in _OUTPUT:
            raise InputError(
                f"by column {name!r} clashes with the id, date, amount or order column "
                "or with an output column; rename it"
            )
    if len(set(names)) != len(names):
        raise InputError(f"by names a column twice: {names}")
    return names


def _compute(ids, date, amount, order_id, names, as_of, window, frequency, returns, tz, groups=None):
    group_list, group_names = groups if groups is not None else ([], [])
    keys = key_column(ids, names[0])
    time = _time.time_column(date, names[1], tz)
    amounts = amount_column(amount, names[2])
    orders = key_column(order_id, names[3]) if order_id is not None else None
    check_choice("frequency", frequency, ("rows", "orders", "days"))
    check_choice("returns", returns, ("net", "exclude", "error"))
    as_of_day, window_spec = _time.as_of_day(as_of, time), window_arg(window)
    try:
        raw = rfm_columns(
            ids=keys.arg,
            ts=time.ts,
            ticks_per_day=time.ticks_per_day,
            days=time.days,
            amounts=amounts,
            orders=orders.arg if orders is not None else None,
            as_of_day=as_of_day,
            frequency=frequency,
            returns=returns,
            names=tuple(names),
            groups=[g.arg for g in group_list] if group_list else None,
            by=list(group_names),
            **window_kwargs(window_spec),
        )
    except UnicodeEncodeError:
        texts = {names[0]: ids, names[3]: order_id, **group_texts(group_list, group_names)}
        raise unencodable(texts) from None
    warn_without_purchase(raw, grouped_describe(raw, group_list, group_names), stacklevel=4)
    return raw, keys, time


def grouped_describe(raw: Mapping[str, Any], groups: list[GroupArg], names: list[str]) -> Any:
    """How the returns-only warning names the first customer of a grouped
    table: with its group (``None`` without groups)."""
    out = raw.get("groups")
    if not groups or out is None or out[2] is None:
        return None
    label = group_label(out, groups, names, int(out[2]))
    return lambda first: f"customer {first} in {label}"


def warn_without_purchase(raw: Mapping[str, Any], describe: Any = None, stacklevel: int = 3) -> None:
    """The warning for customers left out because they only returned goods."""
    if raw["without_purchase"]:
        first = raw["first_without_purchase"]
        if describe is not None:
            first = describe(first)
        warnings.warn(
            f"{raw['without_purchase']} customer(s) with returns but no purchase up to the "
            f"as-of date were left out (the first is {first})",
            RFMWarning,
            stacklevel=stacklevel,
        )


def window_kwargs(spec: tuple[str, int] | None) -> dict[str, int]:
    """A window (from ``window_arg``) as the core's keyword: ``window_days`` or ``window_months``."""
    return {} if spec is None else {f"window_{spec[0]}": spec[1]}


def check_choice(arg: str, value: Any, choices: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise InputError(f"invalid {arg} {value!r}: choose one of {shown}")


def _as_of_date(raw: Mapping[str, Any]) -> dt.date | None:
    day = raw["as_of_day"]
    return None if day is None else _EPOCH + dt.timedelta(days=day)
