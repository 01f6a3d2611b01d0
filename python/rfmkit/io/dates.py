"""Dates: the time column as int64 ticks (with local days for tz-aware
data), the as-of date and the window, in the zone the data is judged in."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError, InputTypeError
from .columns import Column, as_column, first_true, isna, single

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
    col = as_column(col, name)
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        arr = single(col)
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
        if isinstance(dtype, pd.PeriodDtype):
            raise _periods(col, name)
        if dtype.kind == "M":
            return _naive(col.to_numpy(), name, tz)
        if dtype.kind == "O":
            return _object_dates(col.to_numpy(), name, tz)
        raise _not_dates(col, name)
    values = col
    if values.dtype.kind == "M":
        return _naive(values, name, tz)
    if values.dtype.kind == "O":
        return _object_dates(values, name, tz)
    raise _not_dates(pd.Series(values, dtype=object), name)


def _periods(col: Any, name: str) -> InputTypeError:
    return InputTypeError(
        f"column {name!r} holds pandas Periods ({getattr(col, 'dtype', 'period')}), not timestamps; "
        f"convert them first, for example with df[{name!r}].dt.to_timestamp()"
    )


def _not_dates(col: pd.Series, name: str) -> InputTypeError:
    present = ~np.asarray(isna(col.to_numpy(dtype=object)), dtype=bool)
    example = col.iloc[first_true(present)] if present.any() else None
    if isinstance(example, pd.Period):
        return _periods(col, name)
    if isinstance(example, str):
        return InputTypeError(
            f"column {name!r} holds text such as {example!r}, not dates; parse it first, "
            f"for example with pandas.to_datetime(df[{name!r}], format=...)"
        )
    if example is not None and col.dtype.kind in "iuf":
        shown = example.item() if isinstance(example, np.generic) else example
        return InputTypeError(
            f"column {name!r} has dtype {col.dtype}: it holds numbers such as {shown!r}, not "
            "dates; convert them first, "
            f"for example with pandas.to_datetime(df[{name!r}].astype(str), format='%Y%m%d')"
        )
    return InputTypeError(f"column {name!r} has dtype {col.dtype}; dates must be datetime64")


def _naive(values: np.ndarray, name: str, tz: Any) -> TimeColumn:
    if tz is not None:
        raise InputError(
            f"tz={tz!r} applies to tz-aware dates, but column {name!r} is tz-naive; "
            f"localize it first, e.g. df[{name!r}].dt.tz_localize('UTC')"
        )
    if not values.dtype.isnative:
        # Big-endian data read as native ticks would be nonsense dates.
        values = values.astype(values.dtype.newbyteorder("="))
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
        row = first_true(bad)
        raise InputError(
            f"column {name!r} has an invalid value {col.iloc[row]} at row {row}: "
            "dates must be in years 1 to 9999",
            value=col.iloc[row],
        )
    days = days64.astype(np.int32)
    return TimeColumn(ts=ts, unit=unit, days=days, zone=zone)


_FIRST_DAY = (dt.date(1, 1, 1) - dt.date(1970, 1, 1)).days
_LAST_DAY = (dt.date(9999, 12, 31) - dt.date(1970, 1, 1)).days


def _zone(tz: Any) -> Any:
    if not isinstance(tz, (str, dt.tzinfo)):
        raise InputError(f"invalid tz {tz!r}: give a zone name such as 'Europe/Paris' or a tzinfo")
    try:
        return pd.Timestamp("2000-01-01", tz=tz).tzinfo
    except Exception as exc:
        raise InputError(f"invalid tz {tz!r}: {exc}") from None


def _object_dates(values: np.ndarray, name: str, tz: Any) -> TimeColumn:
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred == "period":
        raise _periods(values, name)
    if inferred not in ("datetime", "datetime64", "date", "empty"):
        raise _not_dates(pd.Series(values, dtype=object), name)
    present = [(i, v) for i, v in enumerate(values) if not isna(v)]
    aware = [getattr(v, "tzinfo", None) is not None for _, v in present]
    if aware and any(aware) and not all(aware):
        row = next(i for (i, v), a in zip(present, aware, strict=True) if a != aware[0])
        raise InputError(
            f"column {name!r} mixes tz-aware and naive timestamps: {values[row]!r} at row {row}",
            value=values[row],
        )
    try:
        with warnings.catch_warnings():
            # pandas 2.2 warns (and pandas 3 raises) when the values carry
            # different zones; both are handled below.
            warnings.simplefilter("ignore", FutureWarning)
            parsed = pd.Series(pd.to_datetime(values))
    except (ValueError, TypeError) as exc:
        if not (aware and aware[0]):
            raise InputError(f"column {name!r} holds values that are not dates: {exc}") from None
        parsed = pd.Series(dtype=object)
    if aware and aware[0] and not isinstance(parsed.dtype, pd.DatetimeTZDtype):
        # Timestamps of several zones: the days of which zone count is the
        # caller's choice, never a silent conversion to UTC.
        if tz is None:
            zones = list(dict.fromkeys(str(v.tzinfo) for _, v in present))
            row = next(i for i, v in present if str(v.tzinfo) != zones[0])
            raise InputError(
                f"column {name!r} mixes time zones ({zones[0]} and {values[row]!r} at row {row}); "
                "pass tz= to choose the zone whose calendar days count",
                value=values[row],
            )
        parsed = pd.Series(pd.to_datetime(values, utc=True))
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return _zoned(parsed, name, tz)
    return _naive(parsed.to_numpy(), name, tz)


# An ISO 8601 date, with a time and an offset or without: never ambiguous.
ISO_DATE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}(?::\d{1,2}(?::\d{1,2}(?:[.,]\d+)?)?)?)?"
    r"\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)


def parse_when(value: Any, arg: str, fmt: str | None = None) -> pd.Timestamp:
    """A date argument (``as_of``, an observation or split end, ``--as-of``)
    as a Timestamp: the one reader of single dates for the API and the CLI.

    Text is read with ``fmt`` when given (``strptime`` codes; an ISO 8601
    date is accepted too), else as ISO 8601 (``"2024-12-01"``,
    ``"2024-12-01 18:00"``), else if it can be read one way only
    (``"13/01/2024"``, ``"1 Dec 2024"``). Text whose day and month could be
    swapped (``"01/12/2024"``) is refused rather than guessed, and so are
    numbers (``20240101`` is not read as nanoseconds since 1970).
    """
    if isinstance(value, (bool, np.bool_, int, float, np.number)) and not isinstance(
        value, (np.datetime64, np.timedelta64)
    ):
        raise InputError(
            f"invalid {arg} {value!r}: give a date (a string such as '2024-12-01', a datetime, "
            "a pandas Timestamp), not a number"
        )
    if isinstance(value, str):
        return _parse_text(value, arg, fmt)
    try:
        ts = value.to_timestamp() if isinstance(value, pd.Period) else pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InputError(f"invalid {arg} {value!r}: not a date ({exc})") from None
    if ts is pd.NaT:
        raise InputError(f"invalid {arg}: NaT")
    return ts


def _parse_text(text: str, arg: str, fmt: str | None) -> pd.Timestamp:
    value = str(text).strip()  # numpy.str_ too (pandas 2 refuses it)
    if fmt and fmt not in ("ISO8601", "mixed"):
        try:
            return _timestamp(_with_format(value, fmt), text, arg)
        except (ValueError, TypeError, OverflowError):
            if not ISO_DATE.fullmatch(value):
                raise InputError(
                    f"invalid {arg} {text!r}: it does not match the format {fmt!r} and "
                    "is not an ISO 8601 date such as 2024-12-31"
                ) from None
    if ISO_DATE.fullmatch(value) or re.fullmatch(r"\d{8}", value):  # 2024-12-31 or 20241231
        try:
            return _timestamp(pd.Timestamp(value), text, arg)
        except (ValueError, TypeError, OverflowError):
            raise InputError(
                f"invalid {arg} {text!r}: written as an ISO 8601 date but not a "
                "date of years 1 to 9999 (year-month-day, such as 2024-12-31)"
            ) from None
    return _timestamp(_one_reading(value, text, arg), text, arg)


def _with_format(value: str, fmt: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(pd.to_datetime(value, format=fmt))
    except pd.errors.OutOfBoundsDatetime:
        # pandas 2 refuses dates beyond the nanosecond range in to_datetime.
        return pd.Timestamp(dt.datetime.strptime(value, fmt))


def _timestamp(value: Any, text: str, arg: str) -> pd.Timestamp:
    if not isinstance(value, pd.Timestamp) or value is pd.NaT:
        raise InputError(f"invalid {arg} {text!r}: not a date")
    if not 1 <= value.year <= 9999:
        raise InputError(f"invalid {arg} {text!r}: not a date of years 1 to 9999")
    return value


def _one_reading(value: str, text: str, arg: str) -> pd.Timestamp:
    """The one date a text that is not ISO 8601 can be: day or month first, year
    first or last, every part written (no day or year filled in from a default)."""
    from dateutil import parser as dateutil

    readings = set()
    # A leading four-digit year is followed by the month (2024/06/01, as in
    # ISO 8601): year-day-month is not a way dates are written.
    year_first = re.match(r"\d{4}\D", value) is not None
    for dayfirst in (False,) if year_first else (False, True):
        for yearfirst in (True,) if year_first else (False, True):
            try:
                got = [
                    dateutil.parse(value, dayfirst=dayfirst, yearfirst=yearfirst, default=default)
                    for default in (dt.datetime(2000, 1, 1), dt.datetime(2001, 2, 2))
                ]
            except (ValueError, OverflowError):
                continue
            if got[0].date() != got[1].date():
                raise InputError(
                    f"invalid {arg} {text!r}: not a whole date (give the year, "
                    "month and day, such as 2024-12-31)"
                )
            readings.add(got[0])
    if not readings:
        raise InputError(
            f"invalid {arg} {text!r}: not a date; write it as ISO 8601, such as "
            "2024-12-31, or give its format"
        )
    if len(readings) > 1:
        shown = " or ".join(sorted({r.strftime("%Y-%m-%d") for r in readings}))
        raise InputError(
            f"ambiguous {arg} {text!r}: it could be {shown}; write it as ISO 8601, "
            "such as 2024-12-31, or give its format (datetime_format= in Python, "
            "--date-format such as %d/%m/%Y on the command line)"
        )
    return pd.Timestamp(readings.pop())


def as_of_day(as_of: Any, time: TimeColumn, fmt: str | None = None) -> int | None:
    """The as-of date as days since 1970-01-01, in the zone the data is judged in."""
    if as_of is None:
        return None
    if isinstance(as_of, pd.Period):
        raise InputError(
            f"invalid as_of {as_of!r}: give a date, for example as_of.end_time.date() for the "
            "period's last day"
        )
    ts = parse_when(as_of, "as_of", fmt)
    if ts.tzinfo is not None:
        if time.zone is None:
            raise InputError(f"as_of {as_of!r} is tz-aware but the dates are tz-naive; pass a naive date")
        ts = ts.tz_convert(time.zone).tz_localize(None)
    # Through NumPy, not Timestamp.date(), which fails past year 9999; the
    # core checks that the day is a date of years 1 to 9999.
    return int(ts.to_datetime64().astype("datetime64[D]").astype(np.int64))
