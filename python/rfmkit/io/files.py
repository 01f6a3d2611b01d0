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

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from .csv_checks import check_csv_rows, csv_header, csv_line, not_utf8
from .file_dates import check_dates, parse_dates

__all__ = ["check_output", "read_transactions", "write_table"]

_INPUTS = {".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet", ".pq": "parquet"}
_OUTPUTS = {**_INPUTS, ".json": "json"}


# --------------------------------------------------------------------------- files


def _kind(path: str, kinds: dict[str, str], what: str) -> str:
    name = path.lower()
    for suffix, kind in kinds.items():
        if name.endswith(suffix):
            return kind
    raise InputError(f"cannot {what} {path!r}: the file name must end in {', '.join(kinds)}")


def read_transactions(
    path: str,
    columns: list[str],
    *,
    date: str,
    date_format: str | None = None,
    customer_id: str | None = None,
    amount: str | None = None,
    progress: bool | None = None,
    text: Sequence[str] = (),
    sep: str = ",",
    encoding: str | None = None,
) -> pd.DataFrame:
    """The named columns of a CSV, gzipped CSV or Parquet file, dates parsed.

    ``customer_id``: in CSV files the ids are read as text and become int64
    only when every one is written as a plain integer, so ``0123`` and
    ``123`` stay two customers; Parquet ids keep their type. ``amount``: a
    column of text becomes numbers, or an error names the first value that is
    not one. ``progress``: None (the command line's default) shows a bar on
    stderr when it is a terminal and the read takes over a second; True
    always shows it; False never does. ``text``: more columns a CSV file
    keeps as text (order ids, group columns: ``01`` and ``1`` stay apart).
    ``sep`` and ``encoding``: of a CSV file (default: comma, UTF-8 with or
    without a byte order mark).

    ``path`` ``"-"`` reads standard input: CSV, or gzipped CSV or Parquet
    (told apart by their first bytes); errors name it ``'<stdin>'``.
    """
    if path == "-":
        return _read_stdin(
            columns,
            date=date,
            date_format=date_format,
            customer_id=customer_id,
            amount=amount,
            text=text,
            sep=sep,
            encoding=encoding,
        )
    kind = _kind(path, _INPUTS, "read")
    if not Path(path).is_file():
        raise InputError(
            f"input file {path!r} does not exist"
            if not Path(path).exists()
            else f"input {path!r} is not a file"
        )
    roles = {"customer id": customer_id, "date": date, "amount": amount}
    used = [c for c in roles.values() if c is not None]
    if len(set(used)) < len(used):
        shown = ", ".join(f"{role} {col!r}" for role, col in roles.items() if col is not None)
        raise InputError(f"the customer id, date and amount must be three different columns, not {shown}")
    columns = list(dict.fromkeys(columns))
    where = _Where(path, kind, sep, encoding)
    if kind == "csv":
        keep = [date, *([] if customer_id is None else [customer_id]), *text]
        data = _read_csv(path, columns, list(dict.fromkeys(keep)), progress, sep, encoding)
    else:
        data = _read_parquet(path, columns, progress)
    if data.empty:
        raise InputError(f"input file {path!r} has no rows" + (", only a header" if kind == "csv" else ""))
    if customer_id is not None:
        _check_ids(data[customer_id], customer_id, where)
        if kind == "csv":
            data[customer_id] = _csv_ids(data[customer_id])
    if amount is not None:
        data[amount] = _amounts(data[amount], amount, where)
    data[date] = parse_dates(data[date], date, date_format, where)
    check_dates(data[date], date, where)
    return data


class _Where:
    """Names a row of the file read: ``row 2`` and, in a CSV file, ``(line 4)``."""

    def __init__(self, path: str, kind: str, sep: str = ",", encoding: str | None = None) -> None:
        self.path, self.kind, self.sep, self.encoding = path, kind, sep, encoding

    def __call__(self, row: int) -> str:
        if self.kind != "csv":
            return f"row {row}"
        line = csv_line(self.path, row, self.sep, self.encoding)
        return f"row {row}" if line is None else f"row {row} (line {line})"


def _bar_options(path: str, progress: bool | None) -> dict[str, Any]:
    # disable=None lets tqdm turn the bar off when stderr is not a terminal;
    # delay keeps quick reads quiet.
    return {
        "desc": f"reading {Path(path).name}",
        "disable": None if progress is None else not progress,
        "delay": 0 if progress else 1.0,
        "file": sys.stderr,
        "leave": False,
    }


def _check_columns(columns: list[str], available: list[str], path: str) -> None:
    for col in columns:
        if col not in available:
            shown = ", ".join(repr(c) for c in available[:20])
            raise InputError(f"missing column {col!r} in {path!r}; the file has columns {shown}")


def _read_csv(
    path: str,
    columns: list[str],
    text: list[str],
    progress: bool | None,
    sep: str = ",",
    encoding: str | None = None,
) -> pd.DataFrame:
    from tqdm import tqdm

    compression = "gzip" if path.lower().endswith(".gz") else None
    header = csv_header(path, sep, encoding)
    _check_columns(columns, header, path)
    check_csv_rows(path, len(header), columns[0], sep, encoding)
    try:
        with (
            open(path, "rb") as raw,
            tqdm.wrapattr(
                raw,
                "read",
                total=os.path.getsize(path),
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                **_bar_options(path, progress),
            ) as stream,
        ):
            # Dates stay text here: pandas.to_datetime parses them with the format given. So do
            # ids: pandas would read "0123" and "123" as the same number.
            return pd.read_csv(
                stream,
                usecols=columns,
                dtype=dict.fromkeys(text, str),
                compression=compression,
                sep=sep,
                encoding=encoding or "utf-8",
            )
    except UnicodeDecodeError:
        raise not_utf8(path, encoding) from None
    except pd.errors.ParserError as exc:  # check_csv_rows found none of these: say what pandas says
        raise InputError(f"cannot read {path!r} as CSV: {exc}") from None


# Standard input is spooled to a file: the checks read a CSV file twice (its structure, then the
# line of a bad row), and pandas and Arrow read files fastest.
_STDIN = "<stdin>"


def _read_stdin(columns: list[str], **options: Any) -> pd.DataFrame:
    import shutil
    import tempfile

    head = sys.stdin.buffer.peek(4)[:4] if hasattr(sys.stdin.buffer, "peek") else b""
    suffix = ".parquet" if head == b"PAR1" else ".csv.gz" if head[:2] == b"\x1f\x8b" else ".csv"
    with tempfile.TemporaryDirectory(prefix="rfmkit-") as tmp:
        path = os.path.join(tmp, "stdin" + suffix)
        with open(path, "wb") as spool:
            shutil.copyfileobj(sys.stdin.buffer, spool, 1 << 20)
        try:
            return read_transactions(path, columns, progress=False, **options)
        except InputError as exc:
            raise InputError(str(exc).replace(repr(path), repr(_STDIN))) from None


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
                raise InputError(
                    f"column {col!r} appears {names.count(col)} times in {path!r}; "
                    "give every column its own name"
                )
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
        raise InputError(
            f"column {name!r} has a missing id at {where(row)}: every transaction needs its customer"
        )
    if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
        # .str gives NaN for a value that is not text (Parquet object columns may mix them)
        blank = col.str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        if blank.any():
            row = int(blank.argmax())
            raise InputError(
                f"column {name!r} has an empty id {col.iloc[row]!r} at {where(row)}: "
                "every transaction needs its customer"
            )


def _amounts(col: pd.Series, name: str, where: Callable[[int], str] | None = None) -> pd.Series:
    """The amount column as numbers; an error names the first value that is not one, and the
    first that is missing."""
    at = where or (lambda row: f"row {row}")
    if not (pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype)):
        numbers = pd.to_numeric(col, errors="coerce")
        bad = (numbers.isna() & col.notna()).to_numpy()
        if bad.any():
            row = int(bad.argmax())
            raise InputError(
                f"column {name!r} has a value that is not a number: {col.iloc[row]!r} "
                f"at {at(row)}; amounts must be plain numbers such as 1234.5 (no "
                "thousands separators or currency signs)"
            )
        col = numbers
    missing = col.isna().to_numpy()
    if missing.any():
        row = int(missing.argmax())
        raise InputError(
            f"column {name!r} has a missing amount at {at(row)}: every transaction needs its amount"
        )
    return col


def write_table(data: pd.DataFrame, path: str, fmt: str | None = None, encoding: str | None = None) -> None:
    """Writes CSV (``.csv``, ``.csv.gz``), Parquet (``.parquet``, ``.pq``) or
    JSON records (``.json``), by the file name; ``path`` ``"-"`` (or a name without
    one of these suffixes) in ``fmt``, ``"csv"`` or ``"json"`` (default: CSV for ``"-"``),
    ``"-"`` to standard output. ``encoding``: of a CSV file (default UTF-8;
    ``utf-8-sig`` starts it with the byte order mark Excel needs)."""
    kind = output_kind(path, fmt)
    data = data.copy(deep=False)
    data.attrs = {}  # pandas stores attrs in Parquet as JSON; dates in them would not encode
    target: Any = sys.stdout if path == "-" else path
    if kind == "csv":
        if path == "-":
            data.to_csv(target, index=False, lineterminator="\n")
        else:
            data.to_csv(target, index=False, encoding=encoding or "utf-8")
    elif kind == "parquet":
        data.to_parquet(path, index=False)
    else:
        text = data.to_json(
            None, orient="records", date_format="iso", date_unit="us", force_ascii=False, indent=1
        )
        if path == "-":
            sys.stdout.write(text + "\n")
        else:
            Path(path).write_text(text, encoding="utf-8")
    if path == "-":
        sys.stdout.flush()


def output_kind(path: str, fmt: str | None = None) -> str:
    """``"csv"``, ``"parquet"`` or ``"json"``: by the file name, else by ``fmt``; ``"-"`` is
    standard output, CSV by default."""
    if fmt is not None and fmt not in ("csv", "json"):
        raise InputError(f"invalid --format {fmt!r}: give csv or json")
    name = path.lower()
    by_name = next((kind for suffix, kind in _OUTPUTS.items() if name.endswith(suffix)), None)
    if path == "-" or by_name is None and fmt is not None:
        return fmt or "csv"
    if by_name is None:
        return _kind(path, _OUTPUTS, "write")  # the error
    if fmt is not None and fmt != by_name:
        raise InputError(f"--format {fmt} does not match the output file {path!r}: drop one")
    return by_name


def check_output(path: str | None, fmt: str | None = None) -> None:
    """Fails early, before any work, on an output that cannot be written."""
    if path is None:
        return
    output_kind(path, fmt)
    if path == "-":
        return
    if Path(path).is_dir():
        raise InputError(f"cannot write {path!r}: it is a directory")
    parent = Path(path).parent
    if not parent.is_dir():
        raise InputError(f"cannot write {path!r}: directory {str(parent)!r} does not exist")
