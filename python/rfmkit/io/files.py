"""Transaction files for the command line: CSV, gzipped CSV and Parquet in,
CSV, Parquet and JSON out, with a progress bar on large reads. Text columns
are parsed here, strictly: ids with leading zeros stay text, a bad amount or
date is named with its row.

Rows are counted as in pandas and the Python API: from 0, the first row after
the header. In a CSV file the line is named as well, counted from 1 (the
header); errors in the file's structure (a row with too many or too few
fields, an unterminated quote, text that is not UTF-8) name only the line.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .dates import ISO_DATE

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
    roles = {"customer id": customer_id, "date": date, "amount": amount}
    used = [c for c in roles.values() if c is not None]
    if len(set(used)) < len(used):
        shown = ", ".join(f"{role} {col!r}" for role, col in roles.items() if col is not None)
        raise InputError(f"the customer id, date and amount must be three different columns, not "
                         f"{shown}")
    columns = list(dict.fromkeys(columns))
    where = _Where(path, kind)
    if kind == "csv":
        data = _read_csv(path, columns, [date] if customer_id is None else [date, customer_id],
                         progress)
    else:
        data = _read_parquet(path, columns, progress)
    if data.empty:
        raise InputError(f"input file {path!r} has no rows"
                         + (", only a header" if kind == "csv" else ""))
    if customer_id is not None:
        _check_ids(data[customer_id], customer_id, where)
        if kind == "csv":
            data[customer_id] = _csv_ids(data[customer_id])
    if amount is not None:
        data[amount] = _amounts(data[amount], amount, where)
    data[date] = _parse_dates(data[date], date, date_format, where)
    _check_dates(data[date], date, where)
    return data


class _Where:
    """Names a row of the file read: ``row 2`` and, in a CSV file, ``(line 4)``."""

    def __init__(self, path: str, kind: str) -> None:
        self.path, self.kind = path, kind

    def __call__(self, row: int) -> str:
        if self.kind != "csv":
            return f"row {row}"
        line = _csv_line(self.path, row)
        return f"row {row}" if line is None else f"row {row} (line {line})"


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
    header = _csv_header(path)
    _check_columns(columns, header, path)
    _check_csv_rows(path, len(header), columns[0])
    try:
        with open(path, "rb") as raw, tqdm.wrapattr(
            raw, "read", total=os.path.getsize(path), unit="B", unit_scale=True, unit_divisor=1024,
            **_bar_options(path, progress),
        ) as stream:
            # Dates stay text here: pandas.to_datetime parses them with the format given. So do
            # ids: pandas would read "0123" and "123" as the same number.
            return pd.read_csv(stream, usecols=columns, dtype=dict.fromkeys(text, str),
                               compression=compression)
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except pd.errors.ParserError as exc:  # _check_csv_rows found none of these: say what pandas says
        raise InputError(f"cannot read {path!r} as CSV: {exc}") from None


def _open_text(path: str) -> io.TextIOBase:
    """The file as text (gunzipped for .gz), a UTF-8 byte order mark dropped, newlines kept
    for the csv module."""
    raw = gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _csv_header(path: str) -> list[str]:
    """The names of the header, as written (pandas renames a repeated name ``a`` to ``a.1``)."""
    try:
        with _open_text(path) as stream:
            reader = csv.reader(stream)
            header = next((r for r in reader if r and any(f.strip() for f in r)), None)
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except csv.Error as exc:
        raise InputError(f"cannot read the header of {path!r} as CSV (line 1): {exc}") from None
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise InputError(f"cannot read {path!r}: {exc}") from None
    if header is None:
        raise InputError(f"input file {path!r} is empty")
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in seen:
            raise InputError(f"column {name!r} appears twice in the header of {path!r} (columns "
                             f"{seen[name] + 1} and {i + 1}); give every column its own name")
        seen[name] = i
    return header


def _check_csv_rows(path: str, width: int, column: str) -> None:
    """Refuses a row with more or fewer fields than the header (pandas pads a short row with
    missing values and, reading some columns only, drops the extra fields of a long one), and a
    quote that is never closed. Arrow's parser runs over the file in C++, fast; the line is found
    afterwards, on the error only."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    bad: list[int] = []

    def invalid(row: Any) -> str:
        if row.text.strip() and not bad:  # pandas skips lines of spaces
            bad.append(row.actual_columns)
        return "skip"

    try:
        reader = pacsv.open_csv(
            path, read_options=pacsv.ReadOptions(use_threads=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(include_columns=[column], check_utf8=False,
                                                 column_types={column: pa.string()}))
        for _ in reader:
            if bad:
                break
    except pa.ArrowInvalid:
        return  # pandas reads the file next and names what is wrong
    if bad:
        try:
            line, fields = _csv_ragged_line(path, width)
        except _QuoteError as exc:
            if "end of data" in exc.args[1]:
                raise InputError(f"{path!r} has a quote that is never closed, opened on line "
                                 f"{exc.args[0]}") from None
            raise InputError(f"line {exc.args[0]} of {path!r} is not valid CSV: {exc.args[1]} (a "
                             'quote inside a quoted field is written twice: "")') from None
        if line is None:
            raise InputError(f"{path!r} has a row of {bad[0]} fields but the header has {width}")
        raise InputError(f"line {line} of {path!r} has {fields} fields but the header has {width}: "
                         "every row must have one field per column (quote a field that holds a "
                         "comma)")


class _QuoteError(Exception):
    """(line, message) of a record Python's csv module cannot read."""


def _csv_records(path: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, fields) of every record of the file after the header, the blank lines
    pandas skips left out; _QuoteError for a record with broken quotes."""
    with _open_text(path) as stream:
        reader = csv.reader(stream, strict=True)
        header_seen, end = False, 0
        while True:
            start = end + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _QuoteError(start, str(exc)) from None
            end = reader.line_num
            if not fields or not any(f.strip() for f in fields) and len(fields) == 1:
                continue
            if header_seen:
                yield start, fields
            header_seen = True


def _csv_ragged_line(path: str, width: int) -> tuple[int | None, int | None]:
    for line, fields in _csv_records(path):
        if len(fields) != width:
            return line, len(fields)
    return None, None


def _csv_line(path: str, row: int) -> int | None:
    """The line of the file (from 1, the header) on which data row ``row`` (from 0) starts."""
    try:
        for i, (line, _) in enumerate(_csv_records(path)):
            if i == row:
                return line
    except (OSError, UnicodeDecodeError, EOFError, _QuoteError):
        pass
    return None


def _not_utf8(path: str) -> InputError:
    """Names the first line that is not UTF-8."""
    try:
        with gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb") as raw:
            for number, line in enumerate(raw, 1):  # no UTF-8 character holds a newline byte
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    byte = line[exc.start : exc.start + 1].hex()
                    return InputError(f"line {number} of {path!r} is not UTF-8 text (byte 0x{byte}): "
                                      "save the file as UTF-8")
    except (OSError, EOFError):
        pass
    return InputError(f"{path!r} is not UTF-8 text: save the file as UTF-8")


def _read_parquet(path: str, columns: list[str], progress: bool | None) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from tqdm import tqdm

    try:
        file = pq.ParquetFile(path)
    except pa.ArrowInvalid as exc:
        raise InputError(f"cannot read {path!r} as Parquet: {exc}") from None
    with file:
        names = file.schema_arrow.names
        for col in columns:
            if names.count(col) > 1:
                raise InputError(f"column {col!r} appears {names.count(col)} times in {path!r}; "
                                 "give every column its own name")
        _check_columns(columns, names, path)
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


def _check_ids(col: pd.Series, name: str, where: Callable[[int], str]) -> None:
    """Refuses a missing id, and an id of text that is empty or only spaces."""
    missing = col.isna().to_numpy()
    if missing.any():
        row = int(missing.argmax())
        raise InputError(f"column {name!r} has a missing id at {where(row)}: every transaction "
                         "needs its customer")
    if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
        # .str gives NaN for a value that is not text (Parquet object columns may mix them)
        blank = col.str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        if blank.any():
            row = int(blank.argmax())
            raise InputError(f"column {name!r} has an empty id {col.iloc[row]!r} at {where(row)}: "
                             "every transaction needs its customer")


def _amounts(col: pd.Series, name: str, where: Callable[[int], str] | None = None) -> pd.Series:
    """The amount column as numbers; an error names the first value that is not one, and the
    first that is missing."""
    at = where or (lambda row: f"row {row}")
    if not (pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype)):
        numbers = pd.to_numeric(col, errors="coerce")
        bad = (numbers.isna() & col.notna()).to_numpy()
        if bad.any():
            row = int(bad.argmax())
            raise InputError(f"column {name!r} has a value that is not a number: {col.iloc[row]!r} "
                             f"at {at(row)}; amounts must be plain numbers such as 1234.5 (no "
                             "thousands separators or currency signs)")
        col = numbers
    missing = col.isna().to_numpy()
    if missing.any():
        row = int(missing.argmax())
        raise InputError(f"column {name!r} has a missing amount at {at(row)}: every transaction "
                         "needs its amount")
    return col


def _check_dates(col: pd.Series, name: str, where: Callable[[int], str]) -> None:
    missing = col.isna().to_numpy()
    if missing.any():
        row = int(missing.argmax())
        raise InputError(f"column {name!r} has a missing date at {where(row)}: every transaction "
                         "needs its date")


def _parse_dates(col: pd.Series, name: str, date_format: str | None,
                 where: Callable[[int], str] | None = None) -> pd.Series:
    if col.dtype.kind == "M" or isinstance(col.dtype, pd.DatetimeTZDtype):
        return col
    if pd.api.types.is_numeric_dtype(col.dtype):
        col = _number_dates(col, name, date_format, where)
    # Without a format pandas infers one from the first value; ISO 8601 dates of mixed precision
    # ("2024-01-01", then "2024-01-02 10:30:00") need a second try.
    if not date_format:
        date_format = _day_or_month_first(col, name, where)
    formats = [date_format] if date_format else [None, "ISO8601"]
    error: Exception | None = None
    for fmt in formats:
        try:
            parsed = _to_datetime(col, fmt)
        except (ValueError, TypeError, OverflowError) as exc:
            error = error or exc
            continue
        if parsed.dtype.kind != "M" and not isinstance(parsed.dtype, pd.DatetimeTZDtype):
            raise _mixed_offsets(col, name, fmt, where)  # pandas 2: an object column of Timestamps
        if fmt == "ISO8601" and isinstance(parsed.dtype, pd.DatetimeTZDtype) and not _all_offsets(col):
            raise _mixed_offsets(col, name, fmt, where)  # pandas 2 gives the others the first offset
        return parsed
    for fmt in formats:  # pandas 3 refuses mixed offsets, which parse in UTC
        try:
            _to_datetime(col, fmt, utc=True)
        except (ValueError, TypeError, OverflowError):
            continue
        raise _mixed_offsets(col, name, fmt, where)
    how = f" with format {date_format!r}" if date_format else ""
    advice = "" if date_format else (
        "; dates are read in the format of the first one or as ISO 8601 (such as 2024-01-31 or "
        "2024-01-31 10:30:00): pass --date-format (such as %d/%m/%Y) if they are written another way")
    row = _first_bad_date(col, formats)
    if row is None:
        raise InputError(f"column {name!r} cannot be read as dates{how}: {error}")
    raise InputError(f"column {name!r} has a value that is not a date{how}: "
                     f"{col.iloc[row]!r} at {where(row) if where else f'row {row}'}{advice}")


def _day_or_month_first(col: pd.Series, name: str, where: Callable[[int], str] | None) -> str | None:
    """Without --date-format pandas reads 01/12/2024 month first, from the first date alone.
    The format that reads every date when only one of day first and month first does; an
    error when both do; None (pandas infers) when the first date has one reading only."""
    from pandas.tseries.api import guess_datetime_format

    text = col.dropna()
    if text.empty or not isinstance(text.iloc[0], str) or ISO_DATE.fullmatch(text.iloc[0].strip()):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        guesses = list(dict.fromkeys(guess_datetime_format(text.iloc[0], dayfirst=first)
                                     for first in (False, True)))
    if len(guesses) < 2 or None in guesses:
        return None
    reads = []
    for fmt in guesses:
        try:
            _to_datetime(col, fmt)
        except (ValueError, TypeError, OverflowError):
            continue
        reads.append(fmt)
    if len(reads) == 1:
        return reads[0]
    if not reads:
        return None  # the error names the first date neither reads
    row = int(col.notna().to_numpy().argmax())
    at = where(row) if where else f"row {row}"
    raise InputError(f"column {name!r} has dates that can be read day first or month first, such as "
                     f"{col.iloc[row]!r} at {at}: pass --date-format ({' or '.join(guesses)})")


def _number_dates(col: pd.Series, name: str, date_format: str | None,
                  where: Callable[[int], str] | None = None) -> pd.Series:
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
                         f"{date_format!r}: {float(values[row])!r} at "
                         f"{where(row) if where else f'row {row}'}; number dates must "
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


def _mixed_offsets(col: pd.Series, name: str, fmt: str | None,
                   where: Callable[[int], str] | None = None) -> InputError:
    """The error for dates with different UTC offsets (or with and without one), naming the
    first two that differ."""
    rows = [i for i, v in enumerate(col.tolist()) if isinstance(v, str)]
    first = _offset(col.iloc[rows[0]], fmt) if rows else None
    other = next((i for i in rows[1:] if _offset(col.iloc[i], fmt) != first), None)
    at = where or (lambda row: f"row {row}")
    shown = "" if other is None else (f": {col.iloc[rows[0]]!r} at {at(rows[0])} and "
                                      f"{col.iloc[other]!r} at {at(other)}")
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


def check_output(path: str | None) -> None:
    """Fails early, before any work, on an output that cannot be written."""
    if path is None:
        return
    _kind(path, _OUTPUTS, "write")
    if Path(path).is_dir():
        raise InputError(f"cannot write {path!r}: it is a directory")
    parent = Path(path).parent
    if not parent.is_dir():
        raise InputError(f"cannot write {path!r}: directory {str(parent)!r} does not exist")
