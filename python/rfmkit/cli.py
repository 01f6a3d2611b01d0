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
from typing import NoReturn

import pandas as pd

from . import __version__
from ._files import _check_output, read_transactions, write_table  # noqa: F401 (public here)
from ._schemes import BUILTIN, SOURCES
from .analysis import segment_summary
from .datasets import make_transactions
from .errors import InputError, InputTypeError
from .scoring import score
from .segments import Scheme, segment
from .table import rfm_table

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
