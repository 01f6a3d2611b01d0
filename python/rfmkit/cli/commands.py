"""The ``rfmkit`` command line.

- ``rfmkit segment INPUT -o OUTPUT``: transactions (CSV, gzipped CSV or Parquet)
  to one row per customer with R, F, M, scores and segment (CSV, Parquet or
  JSON records). ``-`` as INPUT reads standard input, ``-o -`` writes standard output.
- ``rfmkit summary INPUT``: one line per segment (customers, revenue, means).
- ``rfmkit actions INPUT``: the next action of every customer, for a CRM.
- ``rfmkit strategies [SCHEME]``: the playbook of a scheme's segments.
- ``rfmkit migration INPUT --before DATE --after DATE``: segment moves and churn alerts.
- ``rfmkit schemes``: the built-in segment schemes and their rules.
- ``rfmkit demo``: the RFM table of generated transactions, its segments with what to do,
  and the HTML report (:func:`rfmkit.report`) in a temporary file or ``--report PATH``.

Errors end with one line, ``rfmkit: error: ...``, and exit status 2: a bad
option value, a file that cannot be read or written, a malformed CSV file (a row
with more or fewer fields than the header, a quote never closed, a header
naming a column twice, text that is not UTF-8), a value that is not an id, a
date or an amount. Rows are counted as in pandas and the Python API, from 0
(the first row after the header); for a CSV file the line is named too, from
1 (the header).

Text dates, in the file and in ``--as-of``, are read with ``--date-format``
when it is given; without it an ISO 8601 date (2024-12-01, 2024-12-01 10:30)
is read as such and any other text only when it can be read one way alone:
01/12/2024 could be 1 December or 12 January and is refused.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import warnings
from typing import cast

import pandas as pd

from ..analysis import segment_summary
from ..datasets import make_transactions
from ..errors import InputError, InputTypeError, RFMWarning
from ..io.files import check_output
from ..scores import score
from ..segments import Scheme, segment, strategies
from ..segments.builtin import builtin_names, builtin_source
from ..table import rfm_table
from .options import parser
from .pipeline import segmented, write
from .reports import actions_command, migration_command, strategies_command

# --------------------------------------------------------------------------- commands


def _segment(args: argparse.Namespace) -> int:
    check_output(args.output, args.format)
    table = segmented(args)
    write(table, args)
    if not args.quiet:
        shown = "standard output" if args.output == "-" else args.output
        print(
            f"rfmkit: {len(table):,} customers as of {table.attrs.get('as_of')} -> {shown}", file=sys.stderr
        )
    return 0


# How the summary prints: short headers and a format per column.
_SHOWN = {
    "customers": ("customers", "{:,.0f}"),
    "customer_share": ("cust %", "{:.1%}"),
    "revenue": ("revenue", "{:,.2f}"),
    "revenue_share": ("rev %", "{:.1%}"),
    "avg_order_value": ("avg order", "{:,.2f}"),
    "recency_mean": ("R mean", "{:,.1f}"),
    "recency_median": ("R median", "{:,.1f}"),
    "frequency_mean": ("F mean", "{:,.1f}"),
    "frequency_median": ("F median", "{:,.1f}"),
    "monetary_mean": ("M mean", "{:,.2f}"),
    "monetary_median": ("M median", "{:,.2f}"),
}


def _summary(args: argparse.Namespace) -> int:
    check_output(args.output, args.format)
    table = segmented(args)
    summary = cast(pd.DataFrame, segment_summary(table, by=args.by))
    if args.output:
        write(summary, args)
        return 0
    shown = summary.set_index([*(args.by or []), "segment"])
    if not args.by:
        shown.index = shown.index.astype(str).rename(None)
    for col in shown.columns:
        header, fmt = _SHOWN.get(col, (col, "{}"))
        values = shown.pop(col)
        shown[header] = [("-" if pd.isna(v) else fmt.format(v)) for v in values]
    print(f"{len(table):,} customers as of {table.attrs.get('as_of')}, scheme {table.attrs.get('scheme')}\n")
    with pd.option_context(
        "display.unicode.east_asian_width", True, "display.width", 250, "display.max_columns", None
    ):
        print(shown.to_string())
    return 0


def _schemes(args: argparse.Namespace) -> int:
    names = [args.name] if args.name else builtin_names()
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
        print(
            ("\n" if i else "") + f"{name}: scale {s.scale}, {len(s.codes) - 1} segments and a "
            f"fallback; {builtin_source(name)}"
        )
        with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200):
            print(rules.to_string(index=False))
        print(
            f"first matching rule wins; ranges are inclusive, on 1..{s.scale}; "
            f"no match: {s.spec['fallback']['code']} ({fallback})"
        )
    return 0


def _range(text: str) -> str:
    if not text:
        return "any"
    lo, hi = text.split("-")
    return lo if lo == hi else text


def _demo(args: argparse.Namespace) -> int:
    tx = make_transactions(args.transactions, args.customers, seed=args.seed)
    table = cast(pd.DataFrame, rfm_table(tx))
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
    print(
        f"\ncustomers: {len(table):,}   bought once: {once:.0%}   "
        f"revenue (net of returns): {table['monetary'].sum():,.2f}"
    )
    segmented = _demo_segments(table, args.lang)
    _demo_report(tx, segmented, args)
    return 0


def _demo_report(tx: pd.DataFrame, segmented: pd.DataFrame, args: argparse.Namespace) -> None:
    """The HTML report of the demo (with the migration since a month before) to ``--report``
    or a new temporary file; without matplotlib and without ``--report``, a note instead."""
    from ..htmlreport import report

    if args.report is None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("\nreport: not written (the HTML report needs matplotlib: pip install 'rfmkit[plot]')")
            return
        handle, path = tempfile.mkstemp(prefix="rfmkit-report-", suffix=".html")
        os.close(handle)
    else:
        path = args.report
    as_of = pd.Timestamp(segmented.attrs["as_of"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        earlier = tx[tx["date"] < as_of - pd.DateOffset(months=1) + pd.Timedelta(days=1)]
        before = None
        if len(earlier):
            before_at = (as_of - pd.DateOffset(months=1)).date()
            before = segment(score(rfm_table(earlier, as_of=before_at)), "rfm11", lang=args.lang)
        written = report(segmented, path, lang=args.lang, transactions=tx, before=before)
    shown = "HTML report" if args.lang == "en" else "HTML 报告"
    print(f"\n{shown}: {written.resolve()}")


def _demo_segments(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """What the table is for: the rfm11 segments, their share of customers and
    revenue, and the next action and channel of each."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)  # empty segments are fine in a demo
        segmented = cast(pd.DataFrame, segment(score(table), "rfm11", lang=lang))
    summary = cast(pd.DataFrame, segment_summary(segmented))
    plays = strategies("rfm11", lang).set_index("segment_code")
    counts = summary[summary["customers"] > 0]
    title = "segments (rfm11) and what to do" if lang == "en" else "客户分群 (rfm11) 与行动建议"
    revenue = "revenue" if lang == "en" else "收入"
    print(f"\n{title}")
    width = max(len(str(name)) for name in counts["segment"])
    for _, row in counts.iterrows():
        name = row["segment"]
        code = segmented.loc[segmented["segment"] == name, "segment_code"].iloc[0]
        play = plays.loc[code]
        print(
            f"  {str(name):<{width}}  {row['customers']:>6,} ({row['customer_share']:>4.0%})  "
            f"{revenue} {row['revenue_share']:>4.0%}  -> {play['actions'][0]} [{', '.join(play['channels'])}]"
        )
    print("\nnext: rfmkit segment FILE -o out.csv, rfmkit actions FILE, rfmkit strategies rfm11")
    return segmented


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        text = f"{exc.strerror}: {exc.filename!r}"
    else:
        text = str(exc) or type(exc).__name__
    # One line; spaces inside a line stay, as in the repr of a value such as '  '.
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


def _errors() -> tuple[type[BaseException], ...]:
    import pyarrow as pa

    # UnicodeDecodeError is a ValueError; OverflowError comes from values too large for the
    # core (it is a bug that the option's check let it through, but not one worth a traceback);
    # EOFError from a truncated gzip file.
    return (
        InputError,
        InputTypeError,
        ValueError,
        OSError,
        ImportError,
        pd.errors.ParserError,
        pa.ArrowException,
        OverflowError,
        EOFError,
    )


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status (0, 2 on errors, 130 on Ctrl-C)."""
    run = {
        "segment": _segment,
        "summary": _summary,
        "actions": actions_command,
        "strategies": strategies_command,
        "migration": migration_command,
        "schemes": _schemes,
        "demo": _demo,
    }
    args = parser(run).parse_args(argv)
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
    except MemoryError:
        print("rfmkit: error: out of memory", file=sys.stderr)
        return 2
    except _errors() as exc:
        print(f"rfmkit: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    if not getattr(args, "quiet", False):
        for message in dict.fromkeys(str(w.message) for w in caught):
            print(f"rfmkit: warning: {' '.join(message.split())}", file=sys.stderr)
    return status
