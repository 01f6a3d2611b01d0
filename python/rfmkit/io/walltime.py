"""Wall-clock dates of the CLV functions: a date column (datetime64, Python
dates, or text read with a format) as naive ticks in the data's own zone,
and the end dates (observation end, split ends) in the same clock.

pymc-marketing and lifetimes floor timestamps to periods of their wall-clock
time (pandas' ``to_period``), so tz-aware data is judged by its local time.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError, InputTypeError
from . import dates as _time
from .columns import as_column, first_true, isna, single
from .file_dates import day_or_month_first

__all__ = ["WallDates", "wall_dates", "wall_when"]


@dataclass
class WallDates:
    """A date column as naive wall-clock ticks, and the zone it came from."""

    time: _time.TimeColumn
    zone: Any

    def ticks(self, value: pd.Timestamp) -> int:
        """A naive timestamp in the column's unit, floored, exactly (in
        Python integers) and clamped to what int64 ticks can hold: a bound
        beyond the unit's range (year 2300 for nanoseconds) is beyond every
        row."""
        stamp = value.to_datetime64()
        own = np.datetime_data(stamp.dtype)[0]
        exact = int(stamp.astype(np.int64)) * _time.TICKS_PER_DAY[self.time.unit]
        ticks = exact // _time.TICKS_PER_DAY[own]
        return max(-(2**63) + 1, min(2**63 - 1, ticks))

    def timestamp(self, ticks: int) -> pd.Timestamp:
        return pd.Timestamp(np.int64(ticks).astype(f"datetime64[{self.time.unit}]"))


def wall_dates(col: Any, name: str, datetime_format: str | None) -> WallDates:
    """Parses the date column (text with ``datetime_format``) into naive
    wall-clock ticks."""
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        col = single(col).to_pandas()
    if isinstance(col, np.ndarray) and col.dtype.kind == "M":
        return WallDates(_time.time_column(col, name, None), None)
    if not isinstance(col, pd.Series):
        col = as_column(col, name)
        text = getattr(getattr(col, "dtype", None), "kind", None) in ("O", "U")
        col = pd.Series(col, dtype=object if text else None)
    series = col
    if isinstance(series.dtype, pd.ArrowDtype):
        series = pa.array(series.array).to_pandas()
    series = _numeric_dates(series, name, datetime_format)
    is_dates = isinstance(series.dtype, pd.DatetimeTZDtype) or series.dtype.kind == "M"
    if not is_dates and pd.api.types.infer_dtype(series, skipna=True) not in (
        "datetime",
        "datetime64",
        "date",
    ):
        series = _parse(series, name, datetime_format)
    zone = None
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        zone = series.dt.tz
        series = series.dt.tz_localize(None)
    elif series.dtype.kind != "M":
        # Python datetimes or dates in an object column.
        series = _parse(series, name, None)
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            zone = series.dt.tz
            series = series.dt.tz_localize(None)
    return WallDates(_time.time_column(series.to_numpy(), name, None), zone)


def _numeric_dates(series: pd.Series, name: str, fmt: str | None) -> pd.Series:
    """Numbers are never read as dates by themselves (pandas would take
    20240101 for nanoseconds since 1970); with ``datetime_format`` they are
    read as the text they print as (``20240101`` with ``"%Y%m%d"``)."""
    numeric = series.dtype.kind in "iufb" or (
        series.dtype.kind == "O"
        and pd.api.types.infer_dtype(series, skipna=True)
        in ("integer", "floating", "mixed-integer-float", "decimal", "boolean")
    )
    if not numeric:
        return series
    if fmt is None:
        present = series[~np.asarray(isna(series.to_numpy(dtype=object)), dtype=bool)]
        first = present.iloc[0] if len(present) else None
        first = first.item() if isinstance(first, np.generic) else first
        example = f" such as {first!r}" if len(present) else ""
        raise InputTypeError(
            f"column {name!r} holds numbers{example}, not dates; give datetime_format (for "
            "example '%Y%m%d') to read them as text dates, or convert them first"
        )
    if series.dtype.kind == "f" or series.dtype.kind == "b":
        raise InputTypeError(f"column {name!r} holds {series.dtype} numbers, not dates; convert them first")
    missing = np.asarray(isna(series.to_numpy(dtype=object)), dtype=bool)
    return series.astype(object).where(missing, series.astype(str))


def _parse(series: pd.Series, name: str, fmt: str | None) -> pd.Series:
    if fmt is None:
        # Text such as 01/12/2024 is never read month first by a guess: the
        # format is the one of day first and month first that reads every
        # date, and an error when both do (the same rule as the CLI's files).
        fmt = day_or_month_first(series, name, None)
    how = f" in the format {fmt!r}" if fmt else ""
    text = series
    if fmt and series.dtype.kind in "iu":
        # Integers such as 19970101 with a format ("%Y%m%d", pymc-marketing's CDNOW
        # test): their digits are the text. pandas 3 deprecates parsing the
        # numbers themselves with a format (they are to become epochs).
        text = series.astype(str)
    try:
        with warnings.catch_warnings():
            # Without a format pandas parses element by element and says so;
            # values it cannot read are reported below, with their row.
            warnings.filterwarnings("ignore", "Could not infer format", UserWarning)
            parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    except (ValueError, TypeError, OverflowError) as exc:
        raise InputError(f"column {name!r} holds values that are not dates{how}: {exc}") from None
    bad = (parsed.isna() & series.notna()).to_numpy()
    if bad.any():
        row = first_true(bad)
        raise InputError(
            f"column {name!r} has a value that is not a date{how}: {series.iloc[row]!r} at row {row}",
            value=series.iloc[row],
        )
    return parsed


def wall_when(value: Any, arg: str, dates: WallDates, fmt: str | None) -> pd.Timestamp:
    """A date argument as a naive wall-clock Timestamp in the data's zone."""
    ts = _time.parse_when(value, arg, fmt)
    if ts.tzinfo is not None:
        if dates.zone is None:
            raise InputError(f"{arg} {value!r} is tz-aware but the dates are tz-naive; pass a naive date")
        ts = ts.tz_convert(dates.zone).tz_localize(None)
    return ts
