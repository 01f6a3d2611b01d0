"""Transaction files for the command line: CSV, gzipped CSV and Parquet in,
CSV, Parquet and JSON out, with a progress bar on large reads. Text columns
are parsed here, strictly: ids with leading zeros stay text, a bad amount or
date is named with its row."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError

__all__ = ["read_transactions", "write_table"]

_INPUTS = {".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet", ".pq": "parquet"}
_OUTPUTS = {**_INPUTS, ".json": "json"}


# --------------------------------------------------------------------------- files


def _kind(path: str, kinds: dict[str, str], what: str) -> str:
    name = path.lower()
    for suffix, kind in kinds.items():
        if name.endswith(suffix):
            return kind
    raise InputError(f"cannot {what} {path!r}: the file name must end in {', '.join(kinds)}")


def read_transactions(path: str, columns: list[str], *, date: str, date_format: str | None = None,
                      customer_id: str | None = None, amount: str | None = None,
                      progress: bool | None = None) -> pd.DataFrame:
    """The named columns of a CSV, gzipped CSV or Parquet file, dates parsed.

    ``customer_id``: in CSV files the ids are read as text and become int64
    only when every one is written as a plain integer, so ``0123`` and
    ``123`` stay two customers; Parquet ids keep their type. ``amount``: a
    column of text becomes numbers, or an error names the first value that is
    not one. ``progress``: None (the command line's default) shows a bar on
    stderr when it is a terminal and the read takes over a second; True
    always shows it; False never does.
    """
    kind = _kind(path, _INPUTS, "read")
    if not Path(path).is_file():
        raise InputError(f"input file {path!r} does not exist" if not Path(path).exists()
                         else f"input {path!r} is not a file")
    columns = list(dict.fromkeys(columns))
    if kind == "csv":
        data = _read_csv(path, columns, [date] if customer_id is None else [date, customer_id],
                         progress)
        if customer_id is not None:
            data[customer_id] = _csv_ids(data[customer_id])
    else:
        data = _read_parquet(path, columns, progress)
    if amount is not None:
        data[amount] = _amounts(data[amount], amount)
    data[date] = _parse_dates(data[date], date, date_format)
    return data


def _bar_options(path: str, progress: bool | None) -> dict[str, Any]:
    # disable=None lets tqdm turn the bar off when stderr is not a terminal;
    # delay keeps quick reads quiet.
    return {"desc": f"reading {Path(path).name}", "disable": None if progress is None else not progress,
            "delay": 0 if progress else 1.0, "file": sys.stderr, "leave": False}


def _check_columns(columns: list[str], available: list[str], path: str) -> None:
    for col in columns:
        if col not in available:
            shown = ", ".join(repr(c) for c in available[:20])
            raise InputError(f"missing column {col!r} in {path!r}; the file has columns {shown}")


def _read_csv(path: str, columns: list[str], text: list[str], progress: bool | None) -> pd.DataFrame:
    from tqdm import tqdm

    compression = "gzip" if path.lower().endswith(".gz") else None
    try:
        header = pd.read_csv(path, nrows=0, compression=compression)
    except pd.errors.EmptyDataError:
        raise InputError(f"input file {path!r} is empty") from None
    _check_columns(columns, [str(c) for c in header.columns], path)
    with open(path, "rb") as raw, tqdm.wrapattr(
        raw, "read", total=os.path.getsize(path), unit="B", unit_scale=True, unit_divisor=1024,
        **_bar_options(path, progress),
    ) as stream:
        # Dates stay text here: pandas.to_datetime parses them with the format given. So do
        # ids: pandas would read "0123" and "123" as the same number.
        return pd.read_csv(stream, usecols=columns, dtype=dict.fromkeys(text, str),
                           compression=compression)


def _read_parquet(path: str, columns: list[str], progress: bool | None) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from tqdm import tqdm

    try:
        file = pq.ParquetFile(path)
    except pa.ArrowInvalid as exc:
        raise InputError(f"cannot read {path!r} as Parquet: {exc}") from None
    with file:
        _check_columns(columns, file.schema_arrow.names, path)
        groups = tqdm(range(file.num_row_groups), unit="row group", **_bar_options(path, progress))
        parts = [file.read_row_group(i, columns=columns) for i in groups]
        table = pa.concat_tables(parts) if parts else file.schema_arrow.empty_table().select(columns)
    return table.to_pandas()


# A plain integer: no sign but "-", no leading zero, no "-0".
_INTEGER = r"0|-?[1-9]\d*"


def _csv_ids(col: pd.Series) -> pd.Series:
    """Ids read as text -> int64 when every id is a plain integer that fits; text otherwise."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if col.isna().any():  # rfm_table names the row of the missing id
        return col
    text = col.str.strip()
    if not text.str.fullmatch(_INTEGER).all():
        return col
    try:  # Arrow casts text to int64 quickly and refuses what does not fit
        ints = pc.cast(pa.array(text, type=pa.string()), pa.int64()).to_numpy()
    except pa.ArrowInvalid:
        return col
    return pd.Series(ints, index=col.index, name=col.name)


def _amounts(col: pd.Series, name: str) -> pd.Series:
    """The amount column as numbers; an error names the first value that is not one."""
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        return col
    numbers = pd.to_numeric(col, errors="coerce")
    bad = (numbers.isna() & col.notna()).to_numpy()
    if bad.any():
        row = int(bad.argmax())
        raise InputError(f"column {name!r} has a value that is not a number: {col.iloc[row]!r} at "
                         f"row {row}; amounts must be plain numbers such as 1234.5 (no thousands "
                         "separators or currency signs)")
    return numbers


def _parse_dates(col: pd.Series, name: str, date_format: str | None) -> pd.Series:
    if col.dtype.kind == "M" or isinstance(col.dtype, pd.DatetimeTZDtype):
        return col
    if pd.api.types.is_numeric_dtype(col.dtype):
        col = _number_dates(col, name, date_format)
    # Without a format pandas infers one from the first value; ISO 8601 dates of mixed precision
    # ("2024-01-01", then "2024-01-02 10:30:00") need a second try.
    formats = [date_format] if date_format else [None, "ISO8601"]
    error: Exception | None = None
    for fmt in formats:
        try:
            parsed = _to_datetime(col, fmt)
        except (ValueError, TypeError, OverflowError) as exc:
            error = error or exc
            continue
        if parsed.dtype.kind != "M" and not isinstance(parsed.dtype, pd.DatetimeTZDtype):
            raise _mixed_offsets(col, name, fmt)  # pandas 2: an object column of Timestamps
        if fmt == "ISO8601" and isinstance(parsed.dtype, pd.DatetimeTZDtype) and not _all_offsets(col):
            raise _mixed_offsets(col, name, fmt)  # pandas 2 gives the others the first offset
        return parsed
    for fmt in formats:  # pandas 3 refuses mixed offsets, which parse in UTC
        try:
            _to_datetime(col, fmt, utc=True)
        except (ValueError, TypeError, OverflowError):
            continue
        raise _mixed_offsets(col, name, fmt)
    how = f" with format {date_format!r}" if date_format else ""
    advice = "" if date_format else (
        "; dates are read in the format of the first one or as ISO 8601 (such as 2024-01-31 or "
        "2024-01-31 10:30:00): pass --date-format (such as %d/%m/%Y) if they are written another way")
    row = _first_bad_date(col, formats)
    if row is None:
        raise InputError(f"column {name!r} cannot be read as dates{how}: {error}")
    raise InputError(f"column {name!r} has a value that is not a date{how}: "
                     f"{col.iloc[row]!r} at row {row}{advice}")


def _number_dates(col: pd.Series, name: str, date_format: str | None) -> pd.Series:
    """Numbers such as 20240131 as text, for the format given."""
    if not date_format:  # pandas would read them as nanoseconds since 1970
        example = col.dropna().iloc[0] if col.notna().any() else None
        raise InputError(f"column {name!r} holds numbers such as {example}, not dates; "
                         "pass --date-format (such as %Y%m%d)")
    values = col.to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(values) & ~((values % 1 == 0) & (np.abs(values) < 2.0**63))
    if bad.any():
        row = int(bad.argmax())
        raise InputError(f"column {name!r} has a number that is not a date with format "
                         f"{date_format!r}: {float(values[row])!r} at row {row}; number dates must "
                         "be whole numbers such as 20240131")
    return col.astype("Int64").astype(str).where(col.notna())


def _to_datetime(col: pd.Series, fmt: str | None, utc: bool = False) -> pd.Series:
    with warnings.catch_warnings():
        # pandas 2 warns that mixed offsets will be an error: they are one here either way.
        warnings.filterwarnings("ignore", ".*mixed time zones", FutureWarning)
        return pd.to_datetime(col, format=fmt, utc=utc)


# An offset after the time: Z, +01, +0100 or +01:00.
_OFFSET = r"[T\s:].*(?:[zZ]|[+-]\d\d(?::?\d\d)?)\s*$"


def _all_offsets(col: pd.Series) -> bool:
    return bool(col.dropna().astype(str).str.contains(_OFFSET, regex=True).all())


def _mixed_offsets(col: pd.Series, name: str, fmt: str | None) -> InputError:
    """The error for dates with different UTC offsets (or with and without one), naming the
    first two that differ."""
    rows = [i for i, v in enumerate(col.tolist()) if isinstance(v, str)]
    first = _offset(col.iloc[rows[0]], fmt) if rows else None
    other = next((i for i in rows[1:] if _offset(col.iloc[i], fmt) != first), None)
    shown = "" if other is None else (f": {col.iloc[rows[0]]!r} at row {rows[0]} and "
                                      f"{col.iloc[other]!r} at row {other}")
    return InputError(f"column {name!r} mixes UTC offsets{shown}; rfmkit does not guess one for all: "
                      "normalise the dates to one offset (such as UTC) or drop the offsets")


def _offset(value: str, fmt: str | None) -> Any:
    for how in ([fmt] if fmt not in (None, "ISO8601") else []) + ["ISO8601", None]:
        try:
            return pd.to_datetime(value, format=how).utcoffset()
        except (ValueError, TypeError, OverflowError):
            continue
    return "unreadable"


def _first_bad_date(col: pd.Series, formats: list[str | None]) -> int | None:
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


def write_table(data: pd.DataFrame, path: str) -> None:
    """Writes CSV (``.csv``, ``.csv.gz``), Parquet (``.parquet``, ``.pq``) or
    JSON records (``.json``), by the file name."""
    kind = _kind(path, _OUTPUTS, "write")
    data = data.copy(deep=False)
    data.attrs = {}  # pandas stores attrs in Parquet as JSON; dates in them would not encode
    if kind == "csv":
        data.to_csv(path, index=False)
    elif kind == "parquet":
        data.to_parquet(path, index=False)
    else:
        data.to_json(path, orient="records", date_format="iso", date_unit="us", force_ascii=False,
                     indent=1)


def _check_output(path: str | None) -> None:
    """Fails early, before any work, on an output that cannot be written."""
    if path is None:
        return
    _kind(path, _OUTPUTS, "write")
    parent = Path(path).parent
    if not parent.is_dir():
        raise InputError(f"cannot write {path!r}: directory {str(parent)!r} does not exist")
