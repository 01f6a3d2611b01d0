"""Dates: the time column as int64 ticks (with local days for tz-aware
data), the as-of date and the window, in the zone the data is judged in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ._columns import Column, _first_true, _single
from .errors import InputError, InputTypeError

TICKS_PER_DAY = {
    "D": 1,
    "h": 24,
    "m": 24 * 60,
    "s": 86_400,
    "ms": 86_400_000,
    "us": 86_400_000_000,
    "ns": 86_400_000_000_000,
}

@dataclass
class TimeColumn:
    """Timestamps as int64 ticks, with the local day of each row when the
    data is tz-aware."""

    ts: np.ndarray
    unit: str
    days: np.ndarray | None
    zone: Any  # the tzinfo the data is judged in, or None for naive data

    @property
    def ticks_per_day(self) -> int:
        return TICKS_PER_DAY[self.unit]

    def to_datetimes(self, ticks: np.ndarray) -> Any:
        """Ticks back to datetimes of the input's unit and zone."""
        values = ticks.view(f"datetime64[{self.unit}]")
        if self.zone is None:
            return values
        return pd.DatetimeIndex(values).tz_localize("UTC").tz_convert(self.zone)


def time_column(col: Column, name: str, tz: Any) -> TimeColumn:
    """Prepares the date column; ``tz`` is the zone tz-aware data is judged in."""
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        arr = _single(col)
        t = arr.type
        if pa.types.is_timestamp(t) and t.tz is not None:
            return _zoned(arr.to_pandas(), name, tz)
        if pa.types.is_timestamp(t) or pa.types.is_date(t):
            return _naive(arr.to_numpy(zero_copy_only=False), name, tz)
        raise _not_dates(arr.to_pandas(), name)
    if isinstance(col, pd.Series):
        dtype = col.dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            return _zoned(col, name, tz)
        if isinstance(dtype, pd.ArrowDtype):
            return time_column(pa.array(col.array), name, tz)
        if dtype.kind == "M":
            return _naive(col.to_numpy(), name, tz)
        if dtype.kind == "O":
            return _object_dates(col.to_numpy(), name, tz)
        raise _not_dates(col, name)
    values = np.asarray(col)
    if values.dtype.kind == "M":
        return _naive(values, name, tz)
    if values.dtype.kind == "O":
        return _object_dates(values, name, tz)
    raise _not_dates(pd.Series(values), name)


def _not_dates(col: pd.Series, name: str) -> InputTypeError:
    example = col.dropna().iloc[0] if col.notna().any() else None
    if isinstance(example, str):
        return InputTypeError(
            f"column {name!r} holds text such as {example!r}, not dates; parse it first, "
            f"for example with pandas.to_datetime(df[{name!r}], format=...)"
        )
    return InputTypeError(f"column {name!r} has dtype {col.dtype}; dates must be datetime64")


def _naive(values: np.ndarray, name: str, tz: Any) -> TimeColumn:
    if tz is not None:
        raise InputError(
            f"tz={tz!r} applies to tz-aware dates, but column {name!r} is tz-naive; "
            f"localize it first, e.g. df[{name!r}].dt.tz_localize('UTC')"
        )
    unit, count = np.datetime_data(values.dtype)
    if unit in ("Y", "M", "W"):
        values, unit, count = values.astype("datetime64[D]"), "D", 1
    if unit not in TICKS_PER_DAY:
        raise InputTypeError(f"column {name!r} has unsupported datetime unit {values.dtype}")
    if count != 1:
        values = values.astype(f"datetime64[{unit}]")
    ts = np.ascontiguousarray(values).view(np.int64)
    return TimeColumn(ts=ts, unit=unit, days=None, zone=None)


def _zoned(col: pd.Series, name: str, tz: Any) -> TimeColumn:
    unit = col.dt.unit
    zone = col.dt.tz if tz is None else _zone(tz)
    ts = np.ascontiguousarray(col.to_numpy(dtype=f"datetime64[{unit}]")).view(np.int64)
    local = col.dt.tz_convert(zone).dt.tz_localize(None).to_numpy().view(np.int64)
    days64 = np.floor_divide(local, TICKS_PER_DAY[unit])
    # NaT rows are reported by the core; any other day must be a date of
    # years 1 to 9999, which also keeps it inside int32.
    bad = (local != np.iinfo(np.int64).min) & ((days64 < _FIRST_DAY) | (days64 > _LAST_DAY))
    if bad.any():
        row = _first_true(bad)
        raise InputError(f"column {name!r} has an invalid value {col.iloc[row]} at row {row}: "
                         "dates must be in years 1 to 9999")
    days = days64.astype(np.int32)
    return TimeColumn(ts=ts, unit=unit, days=days, zone=zone)


_FIRST_DAY = (dt.date(1, 1, 1) - dt.date(1970, 1, 1)).days
_LAST_DAY = (dt.date(9999, 12, 31) - dt.date(1970, 1, 1)).days


def _zone(tz: Any) -> Any:
    try:
        return pd.Timestamp("2000-01-01", tz=tz).tzinfo
    except Exception as exc:
        raise InputError(f"invalid tz {tz!r}: {exc}") from None


def _object_dates(values: np.ndarray, name: str, tz: Any) -> TimeColumn:
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred not in ("datetime", "datetime64", "date", "empty"):
        raise _not_dates(pd.Series(values, dtype=object), name)
    aware = [getattr(v, "tzinfo", None) is not None for v in values if not pd.isna(v)]
    if aware and any(aware) and not all(aware):
        row = next(
            i for i, v in enumerate(values)
            if not pd.isna(v) and (getattr(v, "tzinfo", None) is not None) != aware[0]
        )
        raise InputError(
            f"column {name!r} mixes tz-aware and naive timestamps: {values[row]!r} at row {row}"
        )
    try:
        parsed = pd.Series(pd.to_datetime(values, utc=bool(aware) and aware[0]))
    except (ValueError, TypeError) as exc:
        raise InputError(f"column {name!r} holds values that are not dates: {exc}") from None
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return _zoned(parsed, name, tz)
    return _naive(parsed.to_numpy(), name, tz)


def as_of_day(as_of: Any, time: TimeColumn) -> int | None:
    """The as-of date as days since 1970-01-01, in the zone the data is judged in."""
    if as_of is None:
        return None
    try:
        ts = pd.Timestamp(as_of)
    except (ValueError, TypeError) as exc:
        raise InputError(f"invalid as_of {as_of!r}: {exc}") from None
    if ts is pd.NaT:
        raise InputError("invalid as_of: NaT")
    if ts.tzinfo is not None:
        if time.zone is None:
            raise InputError(
                f"as_of {as_of!r} is tz-aware but the dates are tz-naive; pass a naive date"
            )
        ts = ts.tz_convert(time.zone).tz_localize(None)
    # Through NumPy, not Timestamp.date(), which fails past year 9999; the
    # core checks that the day is a date of years 1 to 9999.
    return int(ts.to_datetime64().astype("datetime64[D]").astype(np.int64))


_WINDOW_UNITS = {
    **dict.fromkeys(["d", "day", "days"], ("days", 1)),
    **dict.fromkeys(["w", "week", "weeks"], ("days", 7)),
    **dict.fromkeys(["m", "me", "ms", "month", "months"], ("months", 1)),
    **dict.fromkeys(["y", "ye", "ys", "a", "year", "years"], ("months", 12)),
}


def window_arg(window: Any) -> tuple[str, int] | None:
    """A window as ``("days", n)`` or ``("months", n)``."""
    if window is None:
        return None
    if isinstance(window, (bool, np.bool_)):
        raise InputError(f"invalid window {window!r}: give a number of days or a string like '90D'")
    if isinstance(window, (int, np.integer)):
        return ("days", int(window))
    if isinstance(window, str):
        text = window.strip()
        number = text.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ")
        unit = text[len(number) :].strip().lower()
        if number.isdigit() and unit in _WINDOW_UNITS:
            kind, factor = _WINDOW_UNITS[unit]
            return (kind, int(number) * factor)
    try:
        td = pd.Timedelta(window)
    except (ValueError, TypeError):
        raise InputError(
            f"invalid window {window!r}: give days (90), a timedelta, or a string such as "
            "'90D', '12W', '3M' or '1Y'"
        ) from None
    if td is pd.NaT or td % pd.Timedelta(days=1) != pd.Timedelta(0):
        raise InputError(f"invalid window {window!r}: it must be a whole number of days")
    return ("days", int(td.days))
