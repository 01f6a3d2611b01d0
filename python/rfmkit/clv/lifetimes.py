"""The CLV summary under the names and conventions of the ``lifetimes`` package.

Lifetimes users change one import::

    from rfmkit.lifetimes import calibration_and_holdout_data, summary_data_from_transaction_data

The numbers are those of lifetimes 0.11.3, with the rules of
:mod:`rfmkit.clv` and these lifetimes conventions:

- the result is indexed by customer id (the index is named after the id
  column) instead of having a ``customer_id`` column;
- ``freq`` and ``freq_multiplier`` are lifetimes' names for ``time_unit``
  and ``time_scaler`` ("D", "W", "M", "h");
- ``include_first_transaction=True`` only adds 1 to ``frequency`` and counts
  the first period in ``monetary_value``; ``recency`` and ``T`` stay as they are;
- ``calibration_and_holdout_data`` names its columns ``*_cal`` and
  ``*_holdout`` and its ``monetary_value_holdout`` is the mean amount of the
  holdout transactions (rows), not of the per-period sums;
- dtypes as lifetimes gives them: the index has the id column's dtype,
  ``frequency_holdout`` is int64 when every calibration customer bought in
  the holdout window and float64 otherwise, but Int64 (int64[pyarrow]) with
  pandas' nullable (Arrow) amounts, whose ``monetary_value_holdout`` is then
  Float64 (double[pyarrow]).

Where rfmkit differs: months ("M") are counted in calendar months (lifetimes
divides by ``numpy.timedelta64(1, "M")``, which fails or is approximate), the
default end is the latest date (lifetimes takes the maximum of the raw column,
which for text dates is the greatest string), and missing ids, NaT dates and
NaN amounts raise instead of being dropped or treated as 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._typing import FrameLike, OutputLike, PeriodEndLike, TableLike
from ..io.output import follows_input
from .split import split_rows
from .summary import (
    check_scaler,
    check_unit,
    count_column,
    like_peers,
    mean_column,
    summary_frame,
    summary_table,
)

__all__ = ["calibration_and_holdout_data", "summary_data_from_transaction_data"]


@follows_input("transactions", date="datetime_col")
def summary_data_from_transaction_data(
    transactions: FrameLike,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    datetime_format: str | None = None,
    observation_period_end: PeriodEndLike | None = None,
    freq: str = "D",
    freq_multiplier: float = 1,
    include_first_transaction: bool = False,
    *,
    output: OutputLike | None = None,
) -> TableLike:
    """``frequency``, ``recency``, ``T`` (and ``monetary_value``) per customer,
    as ``lifetimes.utils.summary_data_from_transaction_data`` gives them.

    Parameters
    ----------
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's (polars in, polars out,
        else pandas). polars and Arrow have no index: the customer id is then
        the first column, named after ``customer_id_col``. The other
        parameters are lifetimes' (see :mod:`rfmkit.lifetimes`).

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        Indexed by customer id (sorted), float64 columns ``frequency``,
        ``recency``, ``T`` and, with ``monetary_value_col``, ``monetary_value``.

    Examples
    --------
    >>> import pandas as pd
    >>> from rfmkit.lifetimes import summary_data_from_transaction_data
    >>> tx = pd.DataFrame({"id": [1, 1, 2], "date": ["2024-01-01", "2024-01-08", "2024-01-03"]})
    >>> summary_data_from_transaction_data(tx, "id", "date", observation_period_end="2024-01-10")
        frequency  recency    T
    id
    1         1.0      7.0  9.0
    2         0.0      0.0  7.0
    """
    table, _ = summary_table(
        transactions,
        (customer_id_col, datetime_col, monetary_value_col),
        datetime_format,
        observation_period_end,
        check_unit(freq, "freq"),
        check_scaler(freq_multiplier, "freq_multiplier"),
        first="lifetimes" if include_first_transaction else "",
    )
    return _indexed(table, customer_id_col)


@follows_input("transactions", date="datetime_col")
def calibration_and_holdout_data(
    transactions: FrameLike,
    customer_id_col: str,
    datetime_col: str,
    calibration_period_end: PeriodEndLike,
    observation_period_end: PeriodEndLike | None = None,
    freq: str = "D",
    freq_multiplier: float = 1,
    datetime_format: str | None = None,
    monetary_value_col: str | None = None,
    include_first_transaction: bool = False,
    *,
    output: OutputLike | None = None,
) -> TableLike:
    """The calibration summary and the holdout behaviour, as
    ``lifetimes.utils.calibration_and_holdout_data`` gives them.

    Parameters
    ----------
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's (polars in, polars out,
        else pandas). polars and Arrow have no index: the customer id is then
        the first column, named after ``customer_id_col``. The other
        parameters are lifetimes' (see :mod:`rfmkit.lifetimes`).

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        Indexed by customer id, columns ``frequency_cal``, ``recency_cal``,
        ``T_cal``, [``monetary_value_cal``], ``frequency_holdout``,
        [``monetary_value_holdout``], ``duration_holdout``. Customers first
        seen in the holdout window are left out. The dtypes are lifetimes'
        (see :mod:`rfmkit.lifetimes`).
    """
    split = split_rows(
        transactions,
        customer_id_col,
        datetime_col,
        monetary_value_col,
        datetime_format,
        calibration_period_end,
        observation_period_end,
        freq,
        freq_multiplier,
        ("calibration_period_end", "observation_period_end"),
    )
    table = summary_frame(
        split.train,
        split.keys,
        split.like,
        split.scaler,
        monetary_value_col is not None,
        first="lifetimes" if include_first_transaction else "",
    )
    table.columns = ["customer_id"] + [f"{c}_cal" for c in table.columns[1:]]
    test, at = split.test, split.at
    known = at >= 0
    n = len(table)
    frequency = np.zeros(n, np.int64)
    frequency[at[known]] = test["periods"][known]
    table["frequency_holdout"] = _holdout_counts(frequency, int(known.sum()) < n, split.money_like)
    if monetary_value_col is not None:
        monetary = np.zeros(n)
        monetary[at[known]] = test["total_sum"][known] / test["rows"][known]
        table["monetary_value_holdout"] = mean_column(monetary, split.money_like)
    table["duration_holdout"] = split.steps / split.scaler
    return _indexed(like_peers(table, split.like), customer_id_col)


def _holdout_counts(counts: np.ndarray, filled: bool, money_like: Any) -> Any:
    """``frequency_holdout`` in lifetimes' dtype: lifetimes counts the
    periods of every column, the amounts included, so nullable (Arrow)
    amounts give Int64 (int64[pyarrow]) counts, which its fillna keeps."""
    mean = mean_column(counts.astype(np.float64), money_like)
    if isinstance(mean, np.ndarray):
        return count_column(counts, filled)
    if isinstance(mean.dtype, pd.ArrowDtype):
        return pd.array(counts, dtype="int64[pyarrow]")
    return pd.array(counts, dtype="Int64")


def _indexed(table: pd.DataFrame, name: str) -> pd.DataFrame:
    # Not set_index: on pandas 3 it widens int32 ids to an int64 index.
    out = table.drop(columns="customer_id")
    out.index = pd.Index(table["customer_id"].array, name=name)
    return out
