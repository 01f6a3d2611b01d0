"""Checks of a CSV file's structure (ragged rows, quotes, encoding), with the line of each fault."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from collections.abc import Iterator
from typing import Any

from ..errors import InputError


def open_text(path: str, encoding: str | None = None) -> io.TextIOBase:
    """The file as text (gunzipped for .gz) in ``encoding`` (default: UTF-8, a byte order
    mark dropped), newlines kept for the csv module."""
    raw = gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding=encoding or "utf-8-sig", newline="")


def csv_header(path: str, sep: str = ",", encoding: str | None = None) -> list[str]:
    """The names of the header, as written (pandas renames a repeated name ``a`` to ``a.1``)."""
    try:
        with open_text(path, encoding) as stream:
            reader = csv.reader(stream, delimiter=sep)
            header = next((r for r in reader if r and any(f.strip() for f in r)), None)
    except UnicodeDecodeError:
        raise not_utf8(path, encoding) from None
    except csv.Error as exc:
        raise InputError(f"cannot read the header of {path!r} as CSV (line 1): {exc}") from None
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise InputError(f"cannot read {path!r}: {exc}") from None
    if header is None:
        raise InputError(f"input file {path!r} is empty")
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in seen:
            raise InputError(
                f"column {name!r} appears twice in the header of {path!r} (columns "
                f"{seen[name] + 1} and {i + 1}); give every column its own name"
            )
        seen[name] = i
    return header


def check_csv_rows(path: str, width: int, column: str, sep: str = ",", encoding: str | None = None) -> None:
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
            path,
            read_options=pacsv.ReadOptions(use_threads=True, encoding=encoding or "utf8"),
            parse_options=pacsv.ParseOptions(
                delimiter=sep, newlines_in_values=True, invalid_row_handler=invalid
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=[column], check_utf8=False, column_types={column: pa.string()}
            ),
        )
        for _ in reader:
            if bad:
                break
    except pa.ArrowInvalid:
        return  # pandas reads the file next and names what is wrong
    if bad:
        try:
            line, fields = csv_ragged_line(path, width, sep, encoding)
        except QuoteError as exc:
            if "end of data" in exc.args[1]:
                raise InputError(
                    f"{path!r} has a quote that is never closed, opened on line {exc.args[0]}"
                ) from None
            raise InputError(
                f"line {exc.args[0]} of {path!r} is not valid CSV: {exc.args[1]} (a "
                'quote inside a quoted field is written twice: "")'
            ) from None
        if line is None:
            raise InputError(f"{path!r} has a row of {bad[0]} fields but the header has {width}")
        raise InputError(
            f"line {line} of {path!r} has {fields} fields but the header has {width}: "
            "every row must have one field per column (quote a field that holds a "
            "comma)"
        )


class QuoteError(Exception):
    """(line, message) of a record Python's csv module cannot read."""


def csv_records(path: str, sep: str = ",", encoding: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """(first line, fields) of every record of the file after the header, the blank lines
    pandas skips left out; QuoteError for a record with broken quotes."""
    with open_text(path, encoding) as stream:
        reader = csv.reader(stream, strict=True, delimiter=sep)
        header_seen, end = False, 0
        while True:
            start = end + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise QuoteError(start, str(exc)) from None
            end = reader.line_num
            if not fields or not any(f.strip() for f in fields) and len(fields) == 1:
                continue
            if header_seen:
                yield start, fields
            header_seen = True


def csv_ragged_line(
    path: str, width: int, sep: str = ",", encoding: str | None = None
) -> tuple[int | None, int | None]:
    for line, fields in csv_records(path, sep, encoding):
        if len(fields) != width:
            return line, len(fields)
    return None, None


def csv_line(path: str, row: int, sep: str = ",", encoding: str | None = None) -> int | None:
    """The line of the file (from 1, the header) on which data row ``row`` (from 0) starts."""
    try:
        for i, (line, _) in enumerate(csv_records(path, sep, encoding)):
            if i == row:
                return line
    except (OSError, UnicodeDecodeError, EOFError, QuoteError):
        pass
    return None


def not_utf8(path: str, encoding: str | None = None) -> InputError:
    """Names the first line that is not UTF-8 (or not in ``encoding``)."""
    name = "UTF-8" if encoding is None else encoding
    if encoding is not None and codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
        return InputError(f"{path!r} is not {name} text: check --encoding")
    try:
        with gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb") as raw:
            for number, line in enumerate(raw, 1):  # no UTF-8 character holds a newline byte
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    byte = line[exc.start : exc.start + 1].hex()
                    return InputError(
                        f"line {number} of {path!r} is not {name} text (byte "
                        f"0x{byte}): save the file as UTF-8, or give its --encoding"
                    )
    except (OSError, EOFError):
        pass
    return InputError(f"{path!r} is not {name} text: save the file as UTF-8, or give its --encoding")
