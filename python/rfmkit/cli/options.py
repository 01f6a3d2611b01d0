"""The command line's parser: subcommands, their options and help, and the checks of
option values (argparse types)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Mapping
from typing import NoReturn

from .._core import __version__
from ..segments.builtin import builtin_names

# Days from 0001-01-01 to 9999-12-31: no span of dates is longer.
MAX_DAYS = 3_652_058


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, like every other error: ``rfmkit: error: ...``, status 2."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see {self.prog} --help)"
        self.exit(2, f"rfmkit: error: {' '.join(message.split())}{hint}\n")


def _whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def whole(text: str) -> int:
        value = text.strip()
        if not re.fullmatch(r"[+-]?\d+", value, flags=re.ASCII):
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
        number = int(value)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, got {text!r}")
        return number

    return whole


_WINDOW_UNITS = {
    **dict.fromkeys(["", "d", "day", "days"], ("days", 1)),
    **dict.fromkeys(["w", "week", "weeks"], ("days", 7)),
    **dict.fromkeys(["m", "month", "months"], ("months", 1)),
    **dict.fromkeys(["y", "year", "years"], ("months", 12)),
}


def _window(text: str) -> int | str:
    """An argparse type: ``--window`` as a number of days (an int) or of months (``"3M"``)."""
    found = re.fullmatch(r"\s*([+-]?\d+)\s*([a-zA-Z]*)\s*", text, flags=re.ASCII)
    unit = _WINDOW_UNITS.get(found.group(2).lower()) if found else None
    if found is None or unit is None:
        raise argparse.ArgumentTypeError(f"invalid window {text!r}: give a number of days, weeks, "
                                         "months or years such as 90, 90D, 12W, 3M or 1Y")
    kind, factor = unit
    length = int(found.group(1)) * factor
    most = MAX_DAYS if kind == "days" else 12 * 9998
    if not 1 <= length <= most:
        raise argparse.ArgumentTypeError(f"invalid window {text!r}: it must be from 1 to {most:,} "
                                         f"{kind} (years 1 to 9999)")
    return length if kind == "days" else f"{length}M"


def _text(what: str) -> Callable[[str], str]:
    """An argparse type: text that is not empty."""

    def text(value: str) -> str:
        if not value.strip():
            raise argparse.ArgumentTypeError(f"{what} must not be empty")
        return value

    return text


def _input_options() -> _Parser:
    p = _Parser(add_help=False)
    p.add_argument("input", help="transactions: .csv, .csv.gz, .parquet or .pq")
    p.add_argument("--customer-id", default="customer_id", metavar="COL", type=_text("a column name"),
                   help="customer id column (default: customer_id)")
    p.add_argument("--date", default="date", metavar="COL", type=_text("a column name"),
                   help="date column (default: date)")
    p.add_argument("--amount", default="amount", metavar="COL", type=_text("a column name"),
                   help="amount column (default: amount)")
    p.add_argument("--date-format", metavar="FMT", type=_text("--date-format"),
                   help="strftime format of text dates in the file and in --as-of, such as "
                        "%%d/%%m/%%Y (default: ISO 8601, or a format that reads every date one way)")
    p.add_argument("--as-of", metavar="DATE",
                   help="reference date, read with --date-format or as ISO 8601 such as 2024-12-31; "
                        "01/12/2024 without a format is refused as ambiguous "
                        "(default: the latest transaction)")
    p.add_argument("--window", type=_window,
                   help="look-back of F and M: 90, 90D, 12W, 3M, 1Y (default: all)")
    p.add_argument("--scheme", default="rfm11",
                   help=f"{', '.join(builtin_names())}, or a .json / .toml scheme file (default: rfm11)")
    p.add_argument("--lang", default="en", help="segment labels: en or zh (default: en)")
    p.add_argument("--bins", type=_whole(2, 100), default=5, help="quantile scores 1..BINS (default: 5)")
    p.add_argument("--thresholds", metavar="R,F,M",
                   help="score by one cut point per dimension instead, such as 30,3,1000")
    p.add_argument("--new-customer-days", type=_whole(0, MAX_DAYS), metavar="N",
                   help="customers first seen at most N days ago go to a 'new' segment")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, notes or warnings")
    return p


_ROWS = ("Errors name a row of the input from 0, the first row after the header (as pandas and "
         "the Python API count); in a CSV file also its line, from 1, the header. Errors end with one "
         "line, 'rfmkit: error: ...', and exit status 2.")


def parser(run: Mapping[str, Callable[[argparse.Namespace], int]]) -> argparse.ArgumentParser:
    """The parser; ``run`` maps each subcommand to the function that carries it out."""
    parser = _Parser(prog="rfmkit", description="RFM customer metrics and segments.")
    parser.add_argument("--version", action="version", version=f"rfmkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    options = _input_options()

    seg = sub.add_parser("segment", parents=[options], help="one row per customer with its segment",
                         description="Transactions in; R, F, M, scores and segment per customer out.",
                         epilog=_ROWS)
    seg.add_argument("-o", "--output", required=True,
                     help="output file: .csv, .csv.gz, .parquet, .pq or .json (records)")
    seg.set_defaults(run=run["segment"])

    summ = sub.add_parser("summary", parents=[options], help="print one line per segment",
                          description="Customers, revenue and mean R, F, M of every segment.",
                          epilog=_ROWS)
    summ.add_argument("-o", "--output", help="write the summary to a file instead of printing it")
    summ.set_defaults(run=run["summary"])

    schemes = sub.add_parser("schemes", help="list the built-in segment schemes and their rules")
    schemes.add_argument("name", nargs="?", help="show only this scheme")
    schemes.add_argument("--lang", default="en", choices=["en", "zh"], help="label language")
    schemes.set_defaults(run=run["schemes"])

    demo = sub.add_parser("demo", help="compute the RFM table of generated transactions")
    demo.add_argument("--transactions", type=_whole(0, 100_000_000), default=100_000,
                      help="transactions to generate (default: 100,000)")
    demo.add_argument("--customers", type=_whole(1, 100_000_000), default=10_000,
                      help="customers to generate (default: 10,000)")
    demo.add_argument("--seed", type=_whole(0, 2**63 - 1), default=0, help="random seed (default: 0)")
    demo.add_argument("--head", type=_whole(0, 1_000_000), default=10,
                      help="rows of the table to print (default: 10)")
    demo.set_defaults(run=run["demo"], quiet=False)
    return parser
