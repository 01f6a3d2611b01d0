"""The train / test split of the CLV summary: pymc-marketing's rfm_train_test_split, and
the split rows that rfmkit.lifetimes reuses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._core import split_summary
from .._typing import FrameLike, OutputLike, PeriodEndLike, TableLike
from ..errors import InputError
from ..io.columns import unencodable
from ..io.ids import Keys
from ..io.output import follows_input
from ..io.walltime import wall_when
from .summary import (
    check_scaler,
    check_unit,
    count_column,
    first_date,
    like_peers,
    mean_column,
    period_ordinal,
    prepare,
    summary_frame,
)


@follows_input("transactions", date="datetime_col")
def rfm_train_test_split(
    transactions: FrameLike,
    customer_id_col: str,
    datetime_col: str,
    train_period_end: PeriodEndLike,
    test_period_end: PeriodEndLike | None = None,
    time_unit: str = "D",
    time_scaler: float | None = 1,
    datetime_format: str | None = None,
    monetary_value_col: str | None = None,
    include_first_transaction: bool | None = False,
    sort_transactions: bool | None = True,
    *,
    output: OutputLike | None = None,
) -> TableLike:
    """The summary of a training period and what each customer did next.

    A drop-in for ``pymc_marketing.clv.utils.rfm_train_test_split``
    (pymc-marketing 1.3.0). Training rows are those at or before
    ``train_period_end`` (raw timestamps), summarized as by
    :func:`rfm_summary` with that end. Test rows are those after
    ``train_period_end`` and at or before ``test_period_end`` (default: the
    latest transaction).

    Parameters
    ----------
    transactions : pandas.DataFrame, polars.DataFrame, pyarrow.Table or mapping
        One row per transaction.
    customer_id_col, datetime_col : str
        Column names, as in :func:`rfm_summary`.
    train_period_end : str, datetime, date, numpy.datetime64 or pandas.Period
        The last instant of the training window (rows at or before it).
    test_period_end : str, datetime, date, numpy.datetime64 or pandas.Period, optional
        The end of the test window; default the latest transaction. Must be
        after ``train_period_end``.
    time_unit, time_scaler, datetime_format, monetary_value_col, include_first_transaction
        As in :func:`rfm_summary`.
    sort_transactions : bool
        Accepted for compatibility; the answer never depends on row order.
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's (polars in, polars out, else pandas).

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        The training summary's columns, then ``test_frequency`` (periods with
        a purchase in the test window), ``test_monetary_value`` (mean of the
        per-period sums in the test window; with ``monetary_value_col``) and
        ``test_T`` (periods from the train end to the test end, divided by
        ``time_scaler``). Customers first seen in the test window are left
        out; customers without test purchases have 0. The dtypes are
        pymc-marketing's: ``test_frequency`` is int64 when every training
        customer bought in the test window and float64 otherwise (the missing
        ones filled with 0); ``test_monetary_value`` is Float64 for pandas'
        nullable amounts, double[pyarrow] for Arrow ones, else float64; the
        rest as :func:`rfm_summary`.

    Raises
    ------
    InputError (ValueError)
        As :func:`rfm_summary`; a ``train_period_end`` that is not before
        ``test_period_end``; no transactions in the training or test window.

    Examples
    --------
    >>> import pandas as pd, rfmkit
    >>> tx = pd.DataFrame({"id": [1, 1, 2, 2], "amount": [5.0, 7.0, 3.0, 4.0],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-01-03",
    ...                                            "2024-01-05"])})
    >>> split = rfmkit.rfm_train_test_split(tx, "id", "date", train_period_end="2024-01-10",
    ...                                     monetary_value_col="amount")
    >>> split[["customer_id", "frequency", "T", "test_frequency", "test_monetary_value", "test_T"]]
       customer_id  frequency    T  test_frequency  test_monetary_value  test_T
    0            1        0.0  9.0             1.0                  7.0    10.0
    1            2        1.0  7.0             0.0                  0.0    10.0
    """
    del sort_transactions
    split = split_rows(
        transactions,
        customer_id_col,
        datetime_col,
        monetary_value_col,
        datetime_format,
        train_period_end,
        test_period_end,
        time_unit,
        time_scaler,
        ("train_period_end", "test_period_end"),
    )
    table = summary_frame(
        split.train,
        split.keys,
        split.like,
        split.scaler,
        monetary_value_col is not None,
        first="pymc" if include_first_transaction else "",
    )
    test, at = split.test, split.at
    known = at >= 0
    n = len(table)
    test_frequency = np.zeros(n, np.int64)
    test_frequency[at[known]] = test["periods"][known]
    # Customers first seen in the test window are not in ``table``: every
    # training customer bought in the test window when the known ones are n.
    filled = int(known.sum()) < n
    table["test_frequency"] = count_column(test_frequency, filled)
    if monetary_value_col is not None:
        test_monetary = np.zeros(n)
        test_monetary[at[known]] = test["total_sum"][known] / test["periods"][known]
        table["test_monetary_value"] = mean_column(test_monetary, split.money_like)
    table["test_T"] = split.steps / split.scaler
    table = like_peers(table, split.like)
    # JSON values only (pandas writes attrs into Parquet and Feather files).
    table.attrs.update(
        time_unit=split.unit,
        time_scaler=split.scaler,
        train_period_end=split.train_end.isoformat(),
        test_period_end=split.test_end.isoformat(),
    )
    return table


@dataclass
class Split:
    """Summaries of a training window and of the test window after it."""

    keys: Keys
    like: Any
    money_like: Any  # the amount column's dtype
    unit: str
    scaler: float
    train_end: pd.Timestamp
    test_end: pd.Timestamp
    train: Mapping[str, Any]  # the core's summary of each window
    test: Mapping[str, Any]  # aligned with train's customers
    at: np.ndarray  # each training customer's row, or -1 without a test row
    steps: int  # periods from the train end to the test end


def split_rows(
    transactions,
    customer_id_col,
    datetime_col,
    monetary_value_col,
    datetime_format,
    train_period_end,
    test_period_end,
    time_unit,
    time_scaler,
    args,
) -> Split:
    train_arg, test_arg = args
    unit = check_unit(time_unit, "time_unit" if train_arg.startswith("train") else "freq")
    scaler = check_scaler(time_scaler, "time_scaler" if train_arg.startswith("train") else "freq_multiplier")
    keys, dates, amounts, like, money_like = prepare(
        transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format
    )
    if len(dates.time.ts) == 0:
        raise InputError("no transactions: the table is empty")
    train_end = wall_when(train_period_end, train_arg, dates, datetime_format)
    if test_period_end is None:
        test_end = dates.timestamp(int(dates.time.ts.max()))
    else:
        test_end = wall_when(test_period_end, test_arg, dates, datetime_format)
    if train_end >= test_end:
        raise InputError(f"{train_arg} {train_end} must be before {test_arg} {test_end}")
    names = (customer_id_col, datetime_col, monetary_value_col or "monetary_value")
    # One pass: each customer's training and test accumulators side by side,
    # the test columns aligned with the training customers.
    try:
        both = split_summary(
            ids=keys.arg,
            ts=dates.time.ts,
            ticks_per_day=dates.time.ticks_per_day,
            amounts=amounts,
            unit=unit,
            train_until=dates.ticks(train_end),
            train_end_period=period_ordinal(train_end, unit),
            test_until=dates.ticks(test_end),
            names=names,
        )
    except UnicodeEncodeError:
        raise unencodable({customer_id_col: keys.arg[1]}) from None
    train, test = both["train"], both["test"]
    if len(train["first"]) == 0:
        raise InputError(
            f"no transactions at or before {train_arg} {train_end}; the first is on {first_date(dates)}"
        )
    if both["test_customers"] == 0:
        raise InputError(
            f"no transactions after {train_arg} {train_end} and at or before "
            f"{test_arg} {test_end}: the test window is empty"
        )
    # Each training customer's own row, or -1 without a test purchase.
    at = np.where(test["rows"] > 0, np.arange(len(test["rows"])), -1)
    steps = (test_end.to_period(unit) - train_end.to_period(unit)).n
    return Split(keys, like, money_like, unit, scaler, train_end, test_end, train, test, at, steps)
