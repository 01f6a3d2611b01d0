"""The ``rfmkit`` command line.

- ``rfmkit segment INPUT -o OUTPUT``: transactions (CSV, gzipped CSV or Parquet)
  to one row per customer with R, F, M, scores and segment (CSV, Parquet or
  JSON records).
- ``rfmkit summary INPUT``: one line per segment (customers, revenue, means).
- ``rfmkit schemes``: the built-in segment schemes and their rules.
- ``rfmkit demo``: the RFM table of generated transactions.

Errors end with one line, ``rfmkit: error: ...``, and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from . import __version__
from ._schemes import BUILTIN, SOURCES
from .analysis import segment_summary
from .datasets import make_transactions
from .errors import InputError, InputTypeError
from .scoring import score
from .segments import Scheme, segment
from .table import rfm_table

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


# --------------------------------------------------------------------------- commands


def _scheme(name: str) -> Scheme:
    lower = name.lower()
    if lower.endswith(".json"):
        return Scheme.from_json(Path(name))
    if lower.endswith(".toml"):
        return Scheme.from_toml(Path(name))
    return Scheme.builtin(name)


def _thresholds(text: str | None) -> dict[str, list[float]] | None:
    if text is None:
        return None
    parts = text.split(",")
    try:
        cuts = [float(p) for p in parts]
    except ValueError:
        cuts = []
    if len(cuts) != 3:
        raise InputError(f"invalid --thresholds {text!r}: give three numbers R,F,M such as 30,3,1000")
    return {"recency": [cuts[0]], "frequency": [cuts[1]], "monetary": [cuts[2]]}


def _segmented(args: argparse.Namespace) -> pd.DataFrame:
    scheme = _scheme(args.scheme)
    thresholds = _thresholds(args.thresholds)
    tx = read_transactions(args.input, [args.customer_id, args.date, args.amount], date=args.date,
                           date_format=args.date_format, customer_id=args.customer_id,
                           amount=args.amount, progress=False if args.quiet else None)
    table = rfm_table(tx, args.customer_id, args.date, args.amount, as_of=args.as_of,
                      window=args.window)
    scored = score(table, thresholds=thresholds) if thresholds else score(table, bins=args.bins)
    return segment(scored, scheme, lang=args.lang, new_customer_days=args.new_customer_days)


def _segment(args: argparse.Namespace) -> int:
    _check_output(args.output)
    segmented = _segmented(args)
    write_table(segmented, args.output)
    if not args.quiet:
        print(f"rfmkit: {len(segmented):,} customers as of {segmented.attrs.get('as_of')} "
              f"-> {args.output}", file=sys.stderr)
    return 0


# How the summary prints: short headers and a format per column.
_SHOWN = {
    "customers": ("customers", "{:,.0f}"), "customer_share": ("cust %", "{:.1%}"),
    "revenue": ("revenue", "{:,.2f}"), "revenue_share": ("rev %", "{:.1%}"),
    "avg_order_value": ("avg order", "{:,.2f}"),
    "recency_mean": ("R mean", "{:,.1f}"), "recency_median": ("R median", "{:,.1f}"),
    "frequency_mean": ("F mean", "{:,.1f}"), "frequency_median": ("F median", "{:,.1f}"),
    "monetary_mean": ("M mean", "{:,.2f}"), "monetary_median": ("M median", "{:,.2f}"),
}


def _summary(args: argparse.Namespace) -> int:
    _check_output(args.output)
    segmented = _segmented(args)
    summary = segment_summary(segmented)
    if args.output:
        write_table(summary, args.output)
        return 0
    shown = summary.set_index("segment")
    shown.index = shown.index.astype(str).rename(None)
    for col in shown.columns:
        header, fmt = _SHOWN.get(col, (col, "{}"))
        values = shown.pop(col)
        shown[header] = [("-" if pd.isna(v) else fmt.format(v)) for v in values]
    print(f"{len(segmented):,} customers as of {segmented.attrs.get('as_of')}, "
          f"scheme {segmented.attrs.get('scheme')}\n")
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 250,
                           "display.max_columns", None):
        print(shown.to_string())
    return 0


def _schemes(args: argparse.Namespace) -> int:
    names = [args.name] if args.name else list(BUILTIN)
    for i, name in enumerate(names):
        s = Scheme.builtin(name)
        rules = s.rules
        rules.insert(2, "segment", rules[args.lang])
        rules = rules.drop(columns=["en", "zh"])
        dims = [c for c in ("r", "f", "m", "fm") if (rules[c] != "").any()]
        rules = rules.drop(columns=[c for c in ("r", "f", "m", "fm") if c not in dims])
        for dim in dims:  # "2-2" reads better as "2", and a blank as "any"
            rules[dim] = [_range(v) for v in rules[dim]]
        fallback = s.labels(args.lang)[s.spec["fallback"]["code"]]
        print(("\n" if i else "") + f"{name}: scale {s.scale}, {len(s.codes) - 1} segments and a "
              f"fallback; {SOURCES[name]}")
        with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200):
            print(rules.to_string(index=False))
        print(f"first matching rule wins; ranges are inclusive, on 1..{s.scale}; "
              f"no match: {s.spec['fallback']['code']} ({fallback})")
    return 0


def _range(text: str) -> str:
    if not text:
        return "any"
    lo, hi = text.split("-")
    return lo if lo == hi else text


def _demo(args: argparse.Namespace) -> int:
    tx = make_transactions(args.transactions, args.customers, seed=args.seed)
    table = rfm_table(tx)
    with pd.option_context("display.width", 120, "display.max_columns", 10):
        print(f"{len(tx):,} generated transactions of {tx['customer_id'].nunique():,} customers")
        print(f"as of {table.attrs['as_of']} (the date of the latest transaction)\n")
        print(table.head(args.head).to_string(index=False))
        print("\nsummary")
        summary = pd.DataFrame(
            {
                "median": table[["recency", "frequency", "monetary"]].median(),
                "mean": table[["recency", "frequency", "monetary"]].mean(),
                "max": table[["recency", "frequency", "monetary"]].max(),
            }
        )
        print(summary.round(2).to_string())
    once = (table["frequency"] == 1).mean()
    print(f"\ncustomers: {len(table):,}   bought once: {once:.0%}   "
          f"revenue (net of returns): {table['monetary'].sum():,.2f}")
    return 0


# --------------------------------------------------------------------------- parser


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, like every other error: ``rfmkit: error: ...``, status 2."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see {self.prog} --help)"
        self.exit(2, f"rfmkit: error: {' '.join(message.split())}{hint}\n")


def _input_options() -> argparse.ArgumentParser:
    p = _Parser(add_help=False)
    p.add_argument("input", help="transactions: .csv, .csv.gz, .parquet or .pq")
    p.add_argument("--customer-id", default="customer_id", metavar="COL",
                   help="customer id column (default: customer_id)")
    p.add_argument("--date", default="date", metavar="COL", help="date column (default: date)")
    p.add_argument("--amount", default="amount", metavar="COL", help="amount column (default: amount)")
    p.add_argument("--date-format", metavar="FMT",
                   help="strftime format of text dates, such as %%Y-%%m-%%d (default: inferred)")
    p.add_argument("--as-of", metavar="DATE", help="reference date (default: the latest transaction)")
    p.add_argument("--window", help="look-back of F and M: 90, 90D, 12W, 3M, 1Y (default: all)")
    p.add_argument("--scheme", default="rfm11",
                   help=f"{', '.join(BUILTIN)}, or a .json / .toml scheme file (default: rfm11)")
    p.add_argument("--lang", default="en", help="segment labels: en or zh (default: en)")
    p.add_argument("--bins", type=int, default=5, help="quantile scores 1..BINS (default: 5)")
    p.add_argument("--thresholds", metavar="R,F,M",
                   help="score by one cut point per dimension instead, such as 30,3,1000")
    p.add_argument("--new-customer-days", type=int, metavar="N",
                   help="customers first seen at most N days ago go to a 'new' segment")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, notes or warnings")
    return p


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rfmkit", description="RFM customer metrics and segments.")
    parser.add_argument("--version", action="version", version=f"rfmkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    options = _input_options()

    seg = sub.add_parser("segment", parents=[options], help="one row per customer with its segment",
                         description="Transactions in; R, F, M, scores and segment per customer out.")
    seg.add_argument("-o", "--output", required=True,
                     help="output file: .csv, .csv.gz, .parquet, .pq or .json (records)")
    seg.set_defaults(run=_segment)

    summ = sub.add_parser("summary", parents=[options], help="print one line per segment",
                          description="Customers, revenue and mean R, F, M of every segment.")
    summ.add_argument("-o", "--output", help="write the summary to a file instead of printing it")
    summ.set_defaults(run=_summary)

    schemes = sub.add_parser("schemes", help="list the built-in segment schemes and their rules")
    schemes.add_argument("name", nargs="?", help="show only this scheme")
    schemes.add_argument("--lang", default="en", choices=["en", "zh"], help="label language")
    schemes.set_defaults(run=_schemes)

    demo = sub.add_parser("demo", help="compute the RFM table of generated transactions")
    demo.add_argument("--transactions", type=int, default=100_000)
    demo.add_argument("--customers", type=int, default=10_000)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--head", type=int, default=10, help="rows of the table to print")
    demo.set_defaults(run=_demo, quiet=False)
    return parser


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        text = f"{exc.strerror}: {exc.filename!r}"
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def _errors() -> tuple[type[BaseException], ...]:
    import pyarrow as pa

    return (InputError, InputTypeError, ValueError, OSError, ImportError, pd.errors.ParserError,
            pa.ArrowException)


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status (0, 2 on errors, 130 on Ctrl-C)."""
    args = _parser().parse_args(argv)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            status = args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`rfmkit schemes | head`): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except _errors() as exc:
        print(f"rfmkit: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    if not getattr(args, "quiet", False):
        for message in dict.fromkeys(str(w.message) for w in caught):
            print(f"rfmkit: warning: {' '.join(message.split())}", file=sys.stderr)
    return status
