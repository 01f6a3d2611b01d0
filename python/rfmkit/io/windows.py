"""Windows: the look-back of frequency and monetary, from the many ways
users write a span (90, "90D", "3M", timedelta64, pandas offsets) to
``("days", n)`` or ``("months", n)`` for the core."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError

_WINDOW_UNITS = {
    **dict.fromkeys(["", "d", "day", "days"], ("days", 1)),
    **dict.fromkeys(["w", "week", "weeks"], ("days", 7)),
    **dict.fromkeys(["m", "me", "ms", "month", "months"], ("months", 1)),
    **dict.fromkeys(["q", "qe", "qs", "quarter", "quarters"], ("months", 3)),
    **dict.fromkeys(["y", "ye", "ys", "a", "year", "years"], ("months", 12)),
}
_WINDOW_TEXT = re.compile(r"\s*(\d+)\s*([A-Za-z]*)\s*", re.ASCII)
# Longer than the whole calendar of years 1 to 9999: anything beyond is a typo.
_MAX_WINDOW = {"days": 3_652_425, "months": 120_000}
_WINDOW_HELP = (
    "give a number of days (90), a string such as '90D', '12W', '3M', '1Q' or '1Y', a timedelta, "
    "a numpy timedelta64 or a pandas offset"
)


def window_arg(window: Any) -> tuple[str, int] | None:
    """A window as ``("days", n)`` or ``("months", n)``.

    Accepted: an int (days), text (``"90"``, ``"90D"``, ``"12W"``, ``"3M"``,
    ``"1Q"``, ``"1Y"``, or anything ``pandas.Timedelta`` reads, such as
    ``"90 days"``), ``datetime.timedelta`` / ``pandas.Timedelta``, numpy
    ``timedelta64`` (``"M"`` and ``"Y"`` units are calendar months and years)
    and pandas offsets (``DateOffset(months=3)``, ``MonthEnd(3)``,
    ``Week(2)``, ``Day(90)``, ...). Day counts must be whole days.
    """
    if window is None:
        return None
    kind, n = _window(window)
    if n < 1:
        raise InputError(f"invalid window {window!r}: it must be at least 1 day, got {n} {kind}")
    if n > _MAX_WINDOW[kind]:
        raise InputError(f"invalid window {window!r}: {n} {kind} is longer than 10,000 years")
    return (kind, n)


def _window(window: Any) -> tuple[str, int]:
    if isinstance(window, (bool, np.bool_)):
        raise InputError(f"invalid window {window!r}: {_WINDOW_HELP}")
    if isinstance(window, np.timedelta64):
        # Before the integer test: numpy counts timedelta64 as an integer.
        if np.isnat(window):
            raise InputError(f"invalid window {window!r}: NaT")
        unit, count = np.datetime_data(window.dtype)
        if unit in ("M", "Y"):
            return ("months", int(window.astype(np.int64)) * count * (12 if unit == "Y" else 1))
        try:
            td = pd.Timedelta(window)
        except (ValueError, TypeError, OverflowError):
            raise InputError(f"invalid window {window!r}: too long, or not a span of days") from None
        return _whole_days(td, window)
    if isinstance(window, (int, np.integer)):
        return ("days", int(window))
    if isinstance(window, str):
        match = _WINDOW_TEXT.fullmatch(window)
        if match and match.group(2).lower() in _WINDOW_UNITS:
            kind, factor = _WINDOW_UNITS[match.group(2).lower()]
            return (kind, int(match.group(1)) * factor)
    if isinstance(window, pd.offsets.BaseOffset):
        return _offset_window(window)
    if isinstance(window, (str, dt.timedelta, pd.Timedelta)):
        try:
            td = pd.Timedelta(window)
        except (ValueError, TypeError, OverflowError):
            raise InputError(f"invalid window {window!r}: {_WINDOW_HELP}") from None
        return _whole_days(td, window)
    raise InputError(f"invalid window {window!r} ({type(window).__name__}): {_WINDOW_HELP}")


def _whole_days(td: Any, window: Any) -> tuple[str, int]:
    if td is pd.NaT:
        raise InputError(f"invalid window {window!r}: NaT")
    if td % pd.Timedelta(days=1) != pd.Timedelta(0):
        raise InputError(f"invalid window {window!r}: it must be a whole number of days")
    return ("days", int(td.days))


def _offset_window(offset: Any) -> tuple[str, int]:
    n = int(offset.n)
    offsets = pd.offsets
    if isinstance(offset, (offsets.MonthEnd, offsets.MonthBegin)):
        return ("months", n)
    if isinstance(offset, (offsets.QuarterEnd, offsets.QuarterBegin)):
        return ("months", 3 * n)
    if isinstance(offset, (offsets.YearEnd, offsets.YearBegin)):
        return ("months", 12 * n)
    if isinstance(offset, offsets.Week) and offset.weekday is None:
        return ("days", 7 * n)
    if isinstance(offset, offsets.Day):
        return ("days", n)
    if type(offset) is offsets.DateOffset:
        kwds = dict(offset.kwds)
        months = kwds.pop("months", 0) + 12 * kwds.pop("years", 0)
        days = kwds.pop("days", 0) + 7 * kwds.pop("weeks", 0)
        if not kwds and (months == 0) != (days == 0):
            return ("months", n * months) if months else ("days", n * days)
    if isinstance(offset, offsets.Tick):
        return _whole_days(pd.Timedelta(offset), offset)
    raise InputError(
        f"invalid window {offset!r}: only offsets of whole days, weeks, months, quarters or years "
        "can be windows"
    )
