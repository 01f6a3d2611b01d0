"""Date columns of transaction files: text read with a format, or as ISO 8601, or day first or
month first when only one of them reads every date."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .dates import ISO_DATE


def check_dates(col: pd.Series, name: str, where: Callable[[int], str]) -> None:
    missing = col.isna().to_numpy()
    if missing.any():
        row = int(missing.argmax())
        raise InputError(
            f"column {name!r} has a missing date at {where(row)}: every transaction needs its date"
        )


def parse_dates(
    col: pd.Series, name: str, date_format: str | None, where: Callable[[int], str] | None = None
) -> pd.Series:
    if col.dtype.kind == "M" or isinstance(col.dtype, pd.DatetimeTZDtype):
        return col
    if pd.api.types.is_numeric_dtype(col.dtype):
        col = number_dates(col, name, date_format, where)
    # Without a format pandas infers one from the first value; ISO 8601 dates of mixed precision
    # ("2024-01-01", then "2024-01-02 10:30:00") need a second try.
    if not date_format:
        date_format = day_or_month_first(col, name, where)
    formats = [date_format] if date_format else [None, "ISO8601"]
    error: Exception | None = None
    for fmt in formats:
        try:
            parsed = to_datetime(col, fmt)
        except (ValueError, TypeError, OverflowError) as exc:
            error = error or exc
            continue
        if parsed.dtype.kind != "M" and not isinstance(parsed.dtype, pd.DatetimeTZDtype):
            raise mixed_offsets(col, name, fmt, where)  # pandas 2: an object column of Timestamps
        if fmt == "ISO8601" and isinstance(parsed.dtype, pd.DatetimeTZDtype) and not all_offsets(col):
            raise mixed_offsets(col, name, fmt, where)  # pandas 2 gives the others the first offset
        return parsed
    for fmt in formats:  # pandas 3 refuses mixed offsets, which parse in UTC
        try:
            to_datetime(col, fmt, utc=True)
        except (ValueError, TypeError, OverflowError):
            continue
        raise mixed_offsets(col, name, fmt, where)
    how = f" with format {date_format!r}" if date_format else ""
    advice = (
        ""
        if date_format
        else (
            "; dates are read in the format of the first one or as ISO 8601 (such as 2024-01-31 or "
            "2024-01-31 10:30:00): pass --date-format (such as %d/%m/%Y) if they are written another way"
        )
    )
    row = first_bad_date(col, formats)
    if row is None:
        raise InputError(f"column {name!r} cannot be read as dates{how}: {error}")
    raise InputError(
        f"column {name!r} has a value that is not a date{how}: "
        f"{col.iloc[row]!r} at {where(row) if where else f'row {row}'}{advice}"
    )


def day_or_month_first(col: pd.Series, name: str, where: Callable[[int], str] | None) -> str | None:
    """Without --date-format pandas reads 01/12/2024 month first, from the first date alone.
    The format that reads every date when only one of day first and month first does; an
    error when both do; None (pandas infers) when the first date has one reading only."""
    from pandas.tseries.api import guess_datetime_format

    text = col.dropna()
    if text.empty or not isinstance(text.iloc[0], str) or ISO_DATE.fullmatch(text.iloc[0].strip()):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        guesses = list(
            dict.fromkeys(guess_datetime_format(text.iloc[0], dayfirst=first) for first in (False, True))
        )
    if len(guesses) < 2 or None in guesses:
        return None
    reads = []
    for fmt in guesses:
        try:
            to_datetime(col, fmt)
        except (ValueError, TypeError, OverflowError):
            continue
        reads.append(fmt)
    if len(reads) == 1:
        return reads[0]
    if not reads:
        return None  # the error names the first date neither reads
    row = int(col.notna().to_numpy().argmax())
    at = where(row) if where else f"row {row}"
    raise InputError(
        f"column {name!r} has dates that can be read day first or month first, such as "
        f"{col.iloc[row]!r} at {at}: give the date format ({' or '.join(guesses)}; "
        "datetime_format= in Python, --date-format on the command line)"
    )


def number_dates(
    col: pd.Series, name: str, date_format: str | None, where: Callable[[int], str] | None = None
) -> pd.Series:
    """Numbers such as 20240131 as text, for the format given."""
    if not date_format:  # pandas would read them as nanoseconds since 1970
        example = col.dropna().iloc[0] if col.notna().any() else None
        raise InputError(
            f"column {name!r} holds numbers such as {example}, not dates; pass --date-format (such as %Y%m%d)"
        )
    values = col.to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(values) & ~((values % 1 == 0) & (np.abs(values) < 2.0**63))
    if bad.any():
        row = int(bad.argmax())
        raise InputError(
            f"column {name!r} has a number that is not a date with format "
            f"{date_format!r}: {float(values[row])!r} at "
            f"{where(row) if where else f'row {row}'}; number dates must "
            "be whole numbers such as 20240131"
        )
    return col.astype("Int64").astype(str).where(col.notna())


def to_datetime(col: pd.Series, fmt: str | None, utc: bool = False) -> pd.Series:
    with warnings.catch_warnings():
        # pandas 2 warns that mixed offsets will be an error: they are one here either way.
        warnings.filterwarnings("ignore", ".*mixed time zones", FutureWarning)
        return pd.to_datetime(col, format=fmt, utc=utc)


# An offset after the time: Z, +01, +0100 or +01:00.
OFFSET = r"[T\s:].*(?:[zZ]|[+-]\d\d(?::?\d\d)?)\s*$"


def all_offsets(col: pd.Series) -> bool:
    return bool(col.dropna().astype(str).str.contains(OFFSET, regex=True).all())


def mixed_offsets(
    col: pd.Series, name: str, fmt: str | None, where: Callable[[int], str] | None = None
) -> InputError:
    """The error for dates with different UTC offsets (or with and without one), naming the
    first two that differ."""
    rows = [i for i, v in enumerate(col.tolist()) if isinstance(v, str)]
    first = offset(col.iloc[rows[0]], fmt) if rows else None
    other = next((i for i in rows[1:] if offset(col.iloc[i], fmt) != first), None)
    at = where or (lambda row: f"row {row}")
    shown = (
        ""
        if other is None
        else (f": {col.iloc[rows[0]]!r} at {at(rows[0])} and {col.iloc[other]!r} at {at(other)}")
    )
    return InputError(
        f"column {name!r} mixes UTC offsets{shown}; rfmkit does not guess one for all: "
        "normalise the dates to one offset (such as UTC) or drop the offsets"
    )


def offset(value: str, fmt: str | None) -> Any:
    for how in ([fmt] if fmt not in (None, "ISO8601") else []) + ["ISO8601", None]:
        try:
            return pd.to_datetime(value, format=how).utcoffset()
        except (ValueError, TypeError, OverflowError):
            continue
    return "unreadable"


def first_bad_date(col: pd.Series, formats: Sequence[str | None]) -> int | None:
    """The first row that no format reads (in UTC, so that offsets do not matter); with
    none such, the first row the first format cannot read."""
    unread = []
    for fmt in formats:
        try:
            parsed = pd.to_datetime(col, format=fmt, errors="coerce", utc=True)
        except (ValueError, TypeError, OverflowError):
            return None
        unread.append((parsed.isna() & col.notna()).to_numpy())
    for bad in (np.logical_and.reduce(unread), unread[0]):
        if bad.any():
            return int(bad.argmax())
    return None
