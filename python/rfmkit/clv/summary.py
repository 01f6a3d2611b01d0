"""The bridge to customer-lifetime-value models.

:func:`rfm_summary` and :func:`rfm_train_test_split` build the per-customer
table that BG/NBD, Pareto/NBD and Gamma-Gamma models are fitted on, with the
signature, columns, row order and numbers of ``pymc_marketing.clv.utils`` in
pymc-marketing 1.3.0. :mod:`rfmkit.lifetimes` has the same work under the
names and conventions of the ``lifetimes`` package. :func:`discounted_ltv`
turns per-period revenue forecasts into a discounted lifetime value.

The rules (pymc-marketing's):

- Every timestamp is floored to the start of its period: ``time_unit`` "D"
  (days), "W" (weeks, Monday to Sunday), "M" (calendar months) or "h" (hours;
  "H" is accepted as an alias). The observation end is floored the same way,
  and rows in later periods are left out. Purchases in one period count once;
  their amounts are summed.
- ``frequency`` = periods with a purchase - 1; ``recency`` = last period -
  first period; ``T`` = end period - first period; both in periods, divided
  by ``time_scaler``. ``monetary_value`` = mean of the per-period sums after
  the first period (0 for customers with one period). The first period is the
  earliest, whatever the order of the rows.
- With ``include_first_transaction=True``: ``frequency`` counts every period,
  ``recency`` is ``T - recency`` (time since the last purchase), ``T`` is
  dropped and the first period counts in the mean.

Where rfmkit is stricter than pymc-marketing: missing ids, NaT dates and NaN
amounts raise instead of being dropped or treated as 0, and an observation end
before every transaction raises instead of returning an empty table.

Time zones: tz-aware dates are judged by their local wall-clock time, as
pandas' ``to_period`` (and so pymc-marketing) does. A naive
``observation_period_end`` is a wall-clock time in the data's zone; a tz-aware
one is converted to the data's zone first, and is an error with naive data.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .._core import period_summary
from .._typing import FrameLike, OutputLike, PeriodEndLike, TableLike
from ..errors import InputError, InputTypeError
from ..io.amounts import amount_column
from ..io.columns import unencodable
from ..io.frames import get_columns
from ..io.ids import id_series, key_column
from ..io.output import follows_input
from ..io.walltime import WallDates, wall_dates, wall_when

__all__ = [
    "DAYS_PER_MONTH",
    "DAYS_PER_UNIT",
    "check_scaler",
    "check_unit",
    "count_column",
    "first_date",
    "like_peers",
    "mean_column",
    "prepare",
    "rfm_summary",
    "summarize",
    "summary_frame",
    "summary_table",
]

DAYS_PER_MONTH = 30.4375
"""Days in an average month (365.25 / 12), as pymc-marketing converts."""

_UNITS = {"D": "D", "W": "W", "M": "M", "h": "h", "H": "h"}
DAYS_PER_UNIT = {"D": 1.0, "W": 7.0, "M": DAYS_PER_MONTH, "h": 1.0 / 24.0}


# --------------------------------------------------------------------------- inputs


def check_unit(time_unit: Any, arg: str = "time_unit") -> str:
    unit = _UNITS.get(time_unit) if isinstance(time_unit, str) else None
    if unit is None:
        raise InputError(
            f"invalid {arg} {time_unit!r}: expected 'D' (days), 'W' (weeks, Monday to Sunday), "
            "'M' (calendar months) or 'h' (hours)"
        )
    return unit


def check_scaler(time_scaler: Any, arg: str = "time_scaler") -> float:
    if time_scaler is None:
        return 1.0
    if isinstance(time_scaler, (bool, np.bool_)) or not isinstance(time_scaler, numbers.Real):
        raise InputTypeError(f"{arg} must be a number, not {time_scaler!r}")
    try:
        value = float(time_scaler)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{arg} must be a positive number, got {time_scaler!r}")
    return value


def prepare(transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format):
    names = [customer_id_col, datetime_col]
    if monetary_value_col is not None:
        names.append(monetary_value_col)
    columns = get_columns(transactions, names)
    keys = key_column(columns[customer_id_col], customer_id_col)
    dates = wall_dates(columns[datetime_col], datetime_col, datetime_format)
    amounts = (
        amount_column(columns[monetary_value_col], monetary_value_col)
        if monetary_value_col is not None
        else None
    )
    like = getattr(columns[customer_id_col], "dtype", None)
    money_like = getattr(columns[monetary_value_col], "dtype", None) if monetary_value_col else None
    return keys, dates, amounts, like, money_like


def summarize(keys, dates, amounts, unit, names, *, after=None, until=None, end=None) -> Mapping[str, Any]:
    # The core's record of arrays (a TypedDict of _core.pyi, which exists only in the stub).
    try:
        return period_summary(
            ids=keys.arg,
            ts=dates.time.ts,
            ticks_per_day=dates.time.ticks_per_day,
            amounts=amounts,
            unit=unit,
            after=None if after is None else dates.ticks(after),
            until=None if until is None else dates.ticks(until),
            end_period=None if end is None else period_ordinal(end, unit),
            names=tuple(names),
        )
    except UnicodeEncodeError:
        raise unencodable({names[0]: keys.arg[1]}) from None


def period_ordinal(ts: pd.Timestamp, unit: str) -> int:
    """The core's ordinal of the period holding ``ts``: pandas' Period
    ordinal (days, hours, months since 1970), but weeks count from the week
    of 1970-01-01, one less than pandas' "W"."""
    ordinal = ts.to_period(unit).ordinal
    return ordinal - 1 if unit == "W" else ordinal


def first_date(dates: WallDates) -> pd.Timestamp:
    return dates.timestamp(int(dates.time.ts.min()))


# --------------------------------------------------------------------------- summary


@follows_input("transactions", date="datetime_col")
def rfm_summary(
    transactions: FrameLike,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    datetime_format: str | None = None,
    observation_period_end: PeriodEndLike | None = None,
    time_unit: str = "D",
    time_scaler: float | None = 1,
    include_first_transaction: bool | None = False,
    sort_transactions: bool | None = True,
    *,
    output: OutputLike | None = None,
) -> TableLike:
    """Per-customer frequency, recency, T and mean spend for CLV models.

    A drop-in for ``pymc_marketing.clv.utils.rfm_summary`` (pymc-marketing
    1.3.0): same signature, columns, row order and numbers, computed in one
    parallel pass in the Rust core. The rules are in :mod:`rfmkit.clv`.

    Parameters
    ----------
    transactions : pandas.DataFrame, polars.DataFrame, pyarrow.Table or mapping
        One row per transaction.
    customer_id_col, datetime_col : str
        Column names. Dates are datetime64 (any unit, naive or tz-aware) or
        text, parsed with ``datetime_format``. Integer dates (``20240101``)
        are refused unless ``datetime_format`` is given (then their digits
        are read as text): pandas alone would take them for nanoseconds.
    monetary_value_col : str, optional
        The amount column; adds ``monetary_value``.
    datetime_format : str, optional
        ``strftime`` format of text dates (and of a text
        ``observation_period_end``). Without it, text ends must be ISO 8601
        or name the month: ``"01/12/2024"`` is refused as ambiguous.
    observation_period_end : str, datetime, date, numpy.datetime64 or pandas.Period, optional
        End of observation; default the latest transaction. Floored to its
        period, and later periods are left out.
    time_unit : {"D", "W", "M", "h"}
        Period length.
    time_scaler : float
        ``recency`` and ``T`` are divided by it (e.g. 7 with "D" for weeks
        with fractions).
    include_first_transaction : bool
        The segmentation form (see :mod:`rfmkit.clv`).
    sort_transactions : bool
        Accepted for compatibility; the answer never depends on row order.
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's (polars in, polars out, else pandas).

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        ``customer_id``, ``frequency``, ``recency``, ``T`` (not with
        ``include_first_transaction``) and ``monetary_value`` (with
        ``monetary_value_col``), float64, one row per customer sorted by id
        (categorical ids: in the order of their categories). ``customer_id``
        has the dtype pymc-marketing gives it: the id column's.
        ``attrs`` records ``time_unit``, ``time_scaler`` and
        ``observation_period_end`` (the start of the end period).

    Raises
    ------
    InputError (ValueError)
        Missing columns, unparseable dates, NaT, null ids, NaN amounts, an
        unknown ``time_unit``, ``time_scaler <= 0``, an observation end before
        every transaction.

    Examples
    --------
    >>> import pandas as pd, rfmkit
    >>> tx = pd.DataFrame({"id": [1, 1, 2], "date": ["2024-01-01", "2024-01-08", "2024-01-03"],
    ...                    "amount": [5.0, 7.0, 3.0]})
    >>> rfmkit.rfm_summary(tx, "id", "date", "amount", observation_period_end="2024-01-10")
       customer_id  frequency  recency     T  monetary_value
    0            1        1.0      7.0   9.0             7.0
    1            2        0.0      0.0   7.0             0.0
    """
    del sort_transactions  # the first period is the earliest in any order
    unit, scaler = check_unit(time_unit), check_scaler(time_scaler)
    table, raw = summary_table(
        transactions,
        (customer_id_col, datetime_col, monetary_value_col),
        datetime_format,
        observation_period_end,
        unit,
        scaler,
        first="pymc" if include_first_transaction else "",
    )
    end_period = raw["end_period"]
    table.attrs.update(
        time_unit=unit,
        time_scaler=scaler,
        observation_period_end=None if end_period is None else period_start(end_period, unit).isoformat(),
    )
    return table


def summary_table(
    transactions, columns, datetime_format, observation_period_end, unit, scaler, *, first: str
) -> tuple[pd.DataFrame, Mapping[str, Any]]:
    """The summary table of :func:`rfm_summary` and its lifetimes twin, and
    the core's raw result. ``columns``: the id, date and amount (or None)
    column names."""
    customer_id_col, datetime_col, monetary_value_col = columns
    keys, dates, amounts, like, _ = prepare(
        transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format
    )
    end = None
    if observation_period_end is not None:
        end = wall_when(observation_period_end, "observation_period_end", dates, datetime_format)
    names = (customer_id_col, datetime_col, monetary_value_col or "monetary_value")
    raw = summarize(keys, dates, amounts, unit, names, end=end)
    if len(raw["first"]) == 0 and len(dates.time.ts):
        raise InputError(
            f"observation_period_end {observation_period_end!r} is before the first transaction, "
            f"on {first_date(dates)}: there is nothing to summarize"
        )
    table = summary_frame(raw, keys, like, scaler, monetary_value_col is not None, first=first)
    return like_peers(table, like), raw


def summary_frame(raw, keys, like, scaler, monetary, *, first: str = "") -> pd.DataFrame:
    """The summary columns. ``first`` is "" (the CLV form), "pymc" (pymc-marketing's
    ``include_first_transaction``) or "lifetimes" (lifetimes' one)."""
    first_p, last, periods = raw["first"], raw["last"], raw["periods"]
    end = raw["end_period"] if raw["end_period"] is not None else 0
    # The same float operations as pymc-marketing, in the same order.
    recency = (last - first_p) / scaler
    T = (end - first_p) / scaler
    columns: dict[str, Any] = {"customer_id": id_series(keys.finish(raw["customer_id"]), like)}
    if first:
        columns["frequency"] = periods.astype(np.float64)
    else:
        columns["frequency"] = (periods - 1).astype(np.float64)
    if first == "pymc":
        columns["recency"] = T - recency
    else:
        columns["recency"] = recency
        columns["T"] = T
    if monetary:
        if first:
            columns["monetary_value"] = raw["total_sum"] / periods
        else:
            # A single-period customer has no other period: rest_sum is 0, and
            # 0 / 1 gives pymc-marketing's 0 (a masked divide is 10x slower).
            columns["monetary_value"] = raw["rest_sum"] / np.maximum(periods - 1, 1)
    return pd.DataFrame(columns, copy=False)


def period_start(ordinal: int, unit: str) -> pd.Timestamp:
    """The first instant of a period, from the core's ordinal."""
    if unit == "D":
        return pd.Timestamp(np.datetime64(ordinal, "D"))
    if unit == "h":
        return pd.Timestamp(np.datetime64(ordinal, "h"))
    if unit == "M":
        return pd.Timestamp(np.datetime64(ordinal, "M"))
    # Week 0 starts on Monday 1969-12-29.
    return pd.Timestamp(np.datetime64(ordinal * 7 - 3, "D"))


# The peers' dtypes. Their tables come out of pandas groupby and merges, so
# their dtypes are pandas' rules, which a drop-in has to follow (a test that
# compares with ``check_dtype=True`` or merges on the ids sees them):
# - customer_id keeps the input's dtype (int32, Int64, int64[pyarrow],
#   category, ...), an object column of strings becomes what pandas infers
#   for it (``str`` on pandas 3), and categorical ids come in the order of
#   their categories, as groupby sorts them;
# - a count of test periods is int64 when every training customer bought in
#   the test window, float64 when the missing ones were filled with 0; the
#   means of the test window follow the amount column: Float64 for pandas'
#   nullable numbers, double[pyarrow] for Arrow numbers, float64 otherwise.
# Where rfmkit differs: the means are float64 for decimal amounts (Python
# Decimals, Arrow decimals), where the peers give object or decimal columns,
# and for float32 amounts, where pandas' groupby mean is float32 or float64
# depending on the values (and on the pandas version).


def like_peers(table: pd.DataFrame, like: Any) -> pd.DataFrame:
    """``table`` with its customer_id column in the dtype and rows in the
    order pandas' groupby gives them for ids of dtype ``like``."""
    if not isinstance(like, (np.dtype, pd.api.extensions.ExtensionDtype)):
        return table  # polars, Arrow or plain sequences: there is no peer's dtype
    ids = table["customer_id"]
    if isinstance(like, pd.CategoricalDtype):
        ids = ids.astype(like)
        order = np.argsort(ids.cat.codes.to_numpy(), kind="stable")
        table = table.assign(customer_id=ids).take(order).reset_index(drop=True)
    elif isinstance(like, np.dtype) and like.kind == "O":
        # What pandas infers for the groupby keys: str for strings on pandas 3.
        table["customer_id"] = pd.Series(ids.to_numpy(dtype=object), copy=False)
    elif ids.dtype != like:
        table["customer_id"] = ids.astype(like)
    return table


def count_column(counts: np.ndarray, filled: bool) -> np.ndarray:
    """Per-customer counts, as the peers' left merge leaves them: float64 when
    missing customers were ``filled`` with 0, else int64."""
    return counts.astype(np.float64 if filled else np.int64)


def mean_column(means: np.ndarray, money_like: Any) -> Any:
    """Means of the amount column, in the dtype pandas gives a groupby mean of
    amounts of dtype ``money_like``: Float64 for its nullable numbers,
    double[pyarrow] for Arrow numbers, else float64."""
    if isinstance(money_like, pd.ArrowDtype):
        arrow = money_like.pyarrow_dtype
        if pa.types.is_integer(arrow) or pa.types.is_floating(arrow):
            return pd.array(means, dtype=pd.ArrowDtype(pa.float64()))
    elif isinstance(money_like, pd.api.extensions.ExtensionDtype) and (
        money_like.na_value is pd.NA and money_like.kind in "iuf"
    ):
        return pd.array(means, dtype="Float64")
    return means


# --------------------------------------------------------------------------- train / test
