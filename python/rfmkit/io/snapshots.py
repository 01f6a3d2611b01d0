"""Snapshot days: a pandas frequency or a list of dates, bounded by ``start``
and ``end``, as sorted int64 days since 1970-01-01 in the zone the data is
judged in (the as-of days of :func:`rfmkit.rfm_history`)."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .dates import TimeColumn, parse_when

__all__ = ["data_days", "snapshot_column", "snapshot_days", "to_day"]

# Old and new pandas spellings of period ends: pandas 2.2 warns on "M", 3.x refuses it.
_ALIASES = {
    "M": "ME",
    "Q": "QE",
    "Y": "YE",
    "A": "YE",
    "AE": "YE",
    "BM": "BME",
    "BQ": "BQE",
    "BY": "BYE",
    "BA": "BYE",
    "SM": "SME",
}
_UNITS = {"D", "W", "B", "ME", "MS", "QE", "QS", "YE", "YS", "BME", "BMS", "BQE", "BQS", "BYE", "BYS"}
_UNITS |= {"SME", "SMS"}
_FREQ = re.compile(r"\s*(\d*)\s*([A-Za-z]+)(-[A-Za-z]+)?\s*", re.ASCII)
_HELP = (
    "give a pandas frequency of whole days or more ('M' or 'ME' for month ends, 'W', 'Q', "
    "'Y', '7D', ...) or a list of dates"
)
_NAT = np.iinfo(np.int64).min
# datetime64[ns] holds these days; snapshots beyond them are datetime64[s].
_NS_DAYS = (-106_751, 106_750)


def to_day(value: Any, arg: str, time: TimeColumn) -> int:
    """A date argument as days since 1970-01-01, in the zone the data is judged in."""
    ts = parse_when(value, arg)
    if ts.tzinfo is not None:
        if time.zone is None:
            raise InputError(f"{arg} {value!r} is tz-aware but the dates are tz-naive; pass a naive date")
        ts = ts.tz_convert(time.zone).tz_localize(None)
    return int(ts.to_datetime64().astype("datetime64[D]").astype(np.int64))


def data_days(time: TimeColumn) -> tuple[int, int] | None:
    """The first and last calendar day of the data (``None`` without dates;
    missing dates are left to the core, which names their row)."""
    present = time.ts != _NAT
    if not present.any():
        return None
    if time.days is not None:
        days = np.asarray(time.days)[present]
    else:
        days = time.ts[present] // np.int64(time.ticks_per_day)
    return int(days.min()), int(days.max())


def _offset(text: str) -> Any:
    match = _FREQ.fullmatch(text)
    if not match:
        raise InputError(f"invalid snapshots {text!r}: {_HELP}")
    count, base, anchor = match.group(1), match.group(2), (match.group(3) or "").upper()
    upper = base.upper()
    # Day-or-longer units in either case; others (sub-day units, refused below) as written.
    base = _ALIASES.get(upper, upper if upper in _UNITS else base)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # pandas 2.2 on old spellings
            offset = pd.tseries.frequencies.to_offset(f"{count}{base}{anchor}")
    except (ValueError, TypeError):
        raise InputError(f"invalid snapshots {text!r}: {_HELP}") from None
    if offset.n < 1:
        raise InputError(f"invalid snapshots {text!r}: the frequency must be positive")
    if isinstance(offset, pd.offsets.Day):  # not a Tick from pandas 3 on
        return int(offset.n)
    if isinstance(offset, pd.offsets.Tick):
        span = pd.Timedelta(offset)
        if span % pd.Timedelta(days=1) != pd.Timedelta(0):
            raise InputError(f"invalid snapshots {text!r}: snapshots are days; {_HELP}")
        return int(span.days)
    return offset


def _timestamp(day: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(day, "D").astype("datetime64[s]"))


def snapshot_days(snapshots: Any, start: Any, end: Any, time: TimeColumn) -> np.ndarray:
    """The as-of days of a history (see :func:`rfmkit.rfm_history`): sorted, distinct."""
    lo = None if start is None else to_day(start, "start", time)
    hi = None if end is None else to_day(end, "end", time)
    if lo is not None and hi is not None and hi < lo:
        raise InputError(f"end {end!r} is before start {start!r}")
    if isinstance(snapshots, str):
        return _from_frequency(snapshots, lo, hi, time)
    if snapshots is None or isinstance(snapshots, (bytes, int, float)) or not hasattr(snapshots, "__iter__"):
        raise InputError(f"invalid snapshots {snapshots!r}: {_HELP}")
    values = [to_day(v, "snapshots", time) for v in snapshots]
    if not values:
        raise InputError("snapshots is an empty list: give at least one date")
    days = np.unique(np.asarray(values, dtype=np.int64))
    if lo is not None:
        days = days[days >= lo]
    if hi is not None:
        days = days[days <= hi]
    return days


def _from_frequency(text: str, lo: int | None, hi: int | None, time: TimeColumn) -> np.ndarray:
    offset = _offset(text)
    span = data_days(time)
    if span is None and (lo is None or hi is None):
        return np.zeros(0, np.int64)
    first = lo if lo is not None else span[0]  # type: ignore[index]
    last = hi if hi is not None else span[1]  # type: ignore[index]
    if isinstance(offset, int):  # every n days: the ends of n-day periods from the first day
        begin = first if lo is not None else first + offset - 1
        return np.arange(begin, last + 1, offset, dtype=np.int64)
    try:
        dates = pd.date_range(_timestamp(first), _timestamp(last), freq=offset, unit="s")
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
        raise InputError(f"invalid snapshots {text!r}: {exc}") from None
    days = dates.to_numpy().astype("datetime64[D]").astype(np.int64)
    return days[(days >= first) & (days <= last)]


def snapshot_column(days: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The ``snapshot`` column: each day at midnight, repeated ``rows`` times;
    datetime64[ns] (datetime64[s] when a day is beyond nanoseconds' range)."""
    fits = len(days) == 0 or (days.min() >= _NS_DAYS[0] and days.max() <= _NS_DAYS[1])
    values = days.astype("datetime64[D]").astype("datetime64[ns]" if fits else "datetime64[s]")
    return np.repeat(values, rows.astype(np.int64))
