"""Customer lifetime value: discounted sums of forecast revenue, and the
simple historical projection of a CLV summary."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import pandas as pd

from .._typing import ForecastsLike, TableLike
from ..errors import InputError, InputTypeError
from ..io.columns import first_true
from ..io.frames import as_pandas, check_present
from .summary import DAYS_PER_UNIT, check_scaler, check_unit

__all__ = ["discounted_ltv", "projected_revenue"]


def projected_revenue(
    summary: TableLike,
    periods: int,
    *,
    period: str = "M",
    time_unit: str | None = None,
    time_scaler: float | None = None,
) -> pd.DataFrame:
    """Revenue per future period, projected from each customer's history.

    The model, deliberately simple: a customer keeps spending at their
    historical repeat-revenue rate, ``frequency * monetary_value / T`` per
    unit of ``T`` (repeat purchases times mean repeat spend, over the time
    since the first purchase), for every future period, with no churn. A
    customer with ``T == 0`` or no repeat purchase projects 0. It is an upper
    bound for customers who may have lapsed; for forecasts with churn, use a
    fitted BG/NBD and Gamma-Gamma model and pass its per-period forecasts to
    :func:`discounted_ltv`.

    Parameters
    ----------
    summary : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        The output of :func:`rfm_summary` (``include_first_transaction=False``,
        with ``monetary_value``), or any table with ``frequency``, ``T`` and
        ``monetary_value``.
    periods : int
        Future periods to project.
    period : {"M", "W", "D", "h"}
        Length of a future period. Months are 30.4375 days, as in
        pymc-marketing.
    time_unit, time_scaler
        The units of ``T`` in ``summary``: default ``summary.attrs`` (set by
        :func:`rfm_summary`), else days. A polars summary has no attrs: then
        ``time_unit`` is required (an InputError otherwise).

    Returns
    -------
    pandas.DataFrame
        One row per customer (the summary's index, ``customer_id`` as the
        index when the summary has that column), columns 1..periods.

    Examples
    --------
    >>> import pandas as pd, rfmkit
    >>> tx = pd.DataFrame({"id": [1, 1, 1, 2], "amount": [5.0, 10.0, 20.0, 8.0],
    ...                    "date": ["2024-01-01", "2024-01-11", "2024-01-21", "2024-01-05"]})
    >>> summary = rfmkit.rfm_summary(tx, "id", "date", "amount", observation_period_end="2024-01-31")
    >>> summary
       customer_id  frequency  recency     T  monetary_value
    0            1        2.0     20.0  30.0            15.0
    1            2        0.0      0.0  26.0             0.0
    >>> rfmkit.projected_revenue(summary, 3, period="D")  # 2 repeats of 15.0 in 30 days: 1.0 a day
    period         1    2    3
    customer_id
    1            1.0  1.0  1.0
    2            0.0  0.0  0.0
    """
    given = summary
    summary = as_pandas(summary, "summary")
    if time_unit is None and "time_unit" not in summary.attrs and not isinstance(given, pd.DataFrame):
        raise InputError(
            f"summary is a {type(given).__module__.split('.')[0]} {type(given).__name__} without "
            "attrs: the time unit of its T is unknown; pass time_unit= (and time_scaler=) as "
            "given to rfm_summary"
        )
    check_present(["frequency", "T", "monetary_value"], list(summary.columns))
    n = _periods(periods)
    step = DAYS_PER_UNIT[check_unit(period, "period")]
    unit = check_unit(time_unit if time_unit is not None else summary.attrs.get("time_unit", "D"))
    scaler = check_scaler(time_scaler if time_scaler is not None else summary.attrs.get("time_scaler", 1))
    frequency = _finite(summary["frequency"], "frequency")
    T = _finite(summary["T"], "T")
    spend = _finite(summary["monetary_value"], "monetary_value")
    # One future period in the units of T.
    length = step / (DAYS_PER_UNIT[unit] * scaler)
    rate = np.divide(frequency * spend, T, out=np.zeros(len(T)), where=T > 0)
    index = pd.Index(summary["customer_id"]) if "customer_id" in summary.columns else summary.index
    values = np.repeat((rate * length)[:, None], n, axis=1)
    return pd.DataFrame(values, index=index, columns=pd.RangeIndex(1, n + 1, name="period"))


def discounted_ltv(
    forecasts: ForecastsLike | None = None,
    *,
    discount_rate: float,
    summary: pd.DataFrame | None = None,
    periods: int | None = None,
    period: str = "M",
    time_unit: str | None = None,
    time_scaler: float | None = None,
) -> pd.Series | np.ndarray:
    """Discounted lifetime value: LTV = sum over t = 1..T of R_t / (1 + r)^t.

    Give either ``forecasts``, the revenue R_t of each customer in each of
    the next T periods, or ``summary`` and ``periods`` to project R_t with
    :func:`projected_revenue`.

    Parameters
    ----------
    forecasts : 2-D array-like or pandas.DataFrame
        One row per customer, one column per future period (t = 1, 2, ...).
    discount_rate : float
        r, the discount rate per period (0.01 is 1% a period); above -1.
    summary, periods, period, time_unit, time_scaler
        See :func:`projected_revenue`.

    Returns
    -------
    pandas.Series or numpy.ndarray
        LTV per customer: a Series named ``ltv`` with the DataFrame's index,
        or an array for array input.

    Examples
    --------
    >>> import numpy as np, rfmkit
    >>> rfmkit.discounted_ltv(np.array([[100.0, 100.0], [0.0, 50.0]]), discount_rate=0.1).round(2)
    array([173.55,  41.32])
    """
    r = _rate(discount_rate)
    if (forecasts is None) == (summary is None):
        raise InputError("give either forecasts or summary (with periods), not both or neither")
    if summary is not None:
        if periods is None:
            raise InputError("periods is required with summary: how many future periods to count")
        forecasts = projected_revenue(
            summary, periods, period=period, time_unit=time_unit, time_scaler=time_scaler
        )
    elif periods is not None:
        raise InputError("periods only applies with summary; forecasts already have their periods")
    frame = forecasts if isinstance(forecasts, pd.DataFrame) else None
    values = _forecast_values(forecasts)
    ltv = _discounted(values, r)
    if frame is not None:
        return pd.Series(ltv, index=frame.index, name="ltv")
    return ltv


def _discounted(values: np.ndarray, r: float) -> np.ndarray:
    """sum_t values[:, t - 1] / (1 + r)^t, with no overflow warning: a discount
    factor beyond float64 (r near -1, many periods) multiplies only zeros (it
    adds nothing), and an LTV beyond float64 is an InputError naming the row."""
    t = np.arange(1, values.shape[1] + 1, dtype=np.float64)
    with np.errstate(all="ignore"):
        factors = (1.0 + r) ** -t  # inf where it overflows
        huge = ~np.isfinite(factors)
        ltv = values @ np.where(huge, 0.0, factors)
    beyond = ~np.isfinite(ltv) | (values[:, huge] != 0).any(axis=1)
    if beyond.any():
        row = int(np.flatnonzero(beyond)[0])
        raise InputError(
            f"the discounted LTV of row {row} is beyond the range of float64: "
            f"discount_rate {r!r} is too close to -1 for {values.shape[1]} periods"
        )
    return ltv


def _forecast_values(forecasts: Any) -> np.ndarray:
    if isinstance(forecasts, pd.DataFrame):
        bad = [c for c in forecasts.columns if not pd.api.types.is_numeric_dtype(forecasts[c])]
        if bad:
            raise InputTypeError(
                f"forecast column {bad[0]!r} must hold numbers, not {forecasts[bad[0]].dtype}"
            )
        values = forecasts.to_numpy(dtype=np.float64, na_value=np.nan)
        labels = list(forecasts.columns)
    else:
        try:
            values = np.asarray(forecasts, dtype=np.float64)
        except (ValueError, TypeError) as exc:
            raise InputTypeError(f"forecasts must be numbers: {exc}") from None
        if values.ndim == 1:
            values = values[:, None]
        labels = list(range(values.shape[1]) if values.ndim == 2 else [])
    if values.ndim != 2:
        raise InputError(f"forecasts must be 2-D (customers x periods), got {values.ndim} dimensions")
    bad_cells = ~np.isfinite(values)
    if bad_cells.any():
        row, col = map(int, np.argwhere(bad_cells)[0])
        raise InputError(
            f"forecast column {labels[col]!r} has an invalid value {values[row, col]} at row {row}: "
            "forecasts must be finite numbers"
        )
    return values


def _rate(discount_rate: Any) -> float:
    if isinstance(discount_rate, (bool, np.bool_)) or not isinstance(discount_rate, numbers.Real):
        raise InputTypeError(f"discount_rate must be a number, not {discount_rate!r}")
    r = float(discount_rate)
    if not math.isfinite(r) or r <= -1:
        raise InputError(f"discount_rate must be a finite number above -1, got {discount_rate!r}")
    return r


def _periods(periods: Any) -> int:
    if isinstance(periods, (bool, np.bool_)) or not isinstance(periods, numbers.Integral):
        raise InputTypeError(f"periods must be an integer, not {periods!r}")
    if periods < 1:
        raise InputError(f"periods must be at least 1, got {periods}")
    return int(periods)


def _finite(col: pd.Series, name: str) -> np.ndarray:
    try:
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
    except (ValueError, TypeError):
        raise InputTypeError(f"column {name!r} must hold numbers, not {col.dtype}") from None
    bad = ~np.isfinite(values)
    if bad.any():
        row = first_true(bad)
        raise InputError(f"column {name!r} has an invalid value {values[row]} at row {row}")
    return values
