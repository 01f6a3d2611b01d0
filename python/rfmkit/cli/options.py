"""The command line's parser: subcommands, their options, help and examples.

The values of options are checked by the argparse types of :mod:`rfmkit.cli.values`; dates
(``--as-of``, ``--before``, ``--after``) are read by :func:`rfmkit.io.dates.parse_when`, as the
API reads ``as_of``, once ``--date-format`` is known.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from .._core import __version__
from ..segments.builtin import builtin_names
from . import values

MAX_DAYS = values.MAX_DAYS


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, like every other error: ``rfmkit: error: ...``, status 2."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see {self.prog} --help)"
        self.exit(2, f"rfmkit: error: {' '.join(message.split())}{hint}\n")


def _input_options(as_of: bool = True) -> argparse.ArgumentParser:
    p = _Parser(add_help=False)
    p.add_argument(
        "input",
        help="transactions: .csv, .csv.gz, .parquet or .pq; - reads standard "
        "input (CSV, gzipped CSV or Parquet)",
    )
    p.add_argument(
        "--customer-id",
        default="customer_id",
        metavar="COL",
        type=values.text("a column name"),
        help="customer id column (default: customer_id)",
    )
    p.add_argument(
        "--date",
        default="date",
        metavar="COL",
        type=values.text("a column name"),
        help="date column (default: date)",
    )
    p.add_argument(
        "--amount",
        default="amount",
        metavar="COL",
        type=values.text("a column name"),
        help="amount column (default: amount)",
    )
    p.add_argument(
        "--date-format",
        metavar="FMT",
        type=values.text("--date-format"),
        help="strftime format of text dates in the file and in the date options, such as "
        "%%d/%%m/%%Y (default: ISO 8601, or a format that reads every date one way)",
    )
    if as_of:
        p.add_argument(
            "--as-of",
            metavar="DATE",
            help="reference date, read with --date-format or as ISO 8601 such as "
            "2024-12-31; 01/12/2024 without a format is refused as ambiguous "
            "(default: the latest transaction)",
        )
    p.add_argument(
        "--window",
        type=values.window,
        help="look-back of F and M, as window= of the API: 90, 90D, 12W, 3M, 1Q, 1Y (default: all)",
    )
    p.add_argument(
        "--frequency",
        choices=["rows", "orders", "days"],
        default="rows",
        help="F counts purchase rows, distinct orders (needs --order-id) or distinct days (default: rows)",
    )
    p.add_argument(
        "--order-id",
        metavar="COL",
        type=values.text("a column name"),
        help="order column, for --frequency orders (read as text: 01 and 1 differ)",
    )
    p.add_argument(
        "--returns",
        choices=["net", "exclude", "error"],
        default="net",
        help="negative amounts: net them from M, exclude them, or stop with an error (default: net)",
    )
    p.add_argument(
        "--tz",
        metavar="ZONE",
        type=values.zone,
        help="for dates with a UTC offset, the zone whose calendar days count, such as "
        "Asia/Shanghai (default: the dates' own)",
    )
    p.add_argument(
        "--by",
        metavar="COL[,COL...]",
        type=values.columns,
        help="group columns (channel, region): one row per group and customer, scored within each group",
    )
    p.add_argument(
        "--sep",
        type=values.separator,
        default=",",
        help="field separator of a CSV input: ; or | or tab (also '\\t') (default: ,)",
    )
    p.add_argument(
        "--encoding",
        type=values.encoding,
        help="text encoding of a CSV input (default: UTF-8, with or without a byte order "
        "mark); utf-8-sig writes a byte order mark to CSV output too, so that Excel "
        "on Windows opens Chinese text right; gb18030 for files from Chinese Excel",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, notes or warnings")
    return p


def _scoring_options() -> argparse.ArgumentParser:
    p = _Parser(add_help=False)
    p.add_argument(
        "--scheme",
        default="rfm11",
        help=f"{', '.join(builtin_names())}, or a .json / .toml scheme file (default: rfm11)",
    )
    p.add_argument("--lang", default="en", help="segment labels: en or zh (default: en)")
    p.add_argument("--bins", type=values.whole(2, 100), default=5, help="scores 1..BINS (default: 5)")
    p.add_argument(
        "--method",
        choices=["quantile", "ntile", "threshold", "mean", "median"],
        help="how scores are cut (default: quantile; threshold with --thresholds)",
    )
    p.add_argument(
        "--thresholds",
        metavar="R,F,M",
        help="score by one cut point per dimension instead, such as 30,3,1000",
    )
    p.add_argument(
        "--weights",
        metavar="R,F,M",
        type=values.weights,
        help="weights of R, F and M in rfm_total, such as 1,1,2 (default: equal)",
    )
    p.add_argument(
        "--new-customer-days",
        type=values.whole(0, MAX_DAYS),
        metavar="N",
        help="customers first seen at most N days ago go to a 'new' segment",
    )
    return p


def _output_options(what: str, required: bool = False) -> argparse.ArgumentParser:
    p = _Parser(add_help=False)
    default = "" if required else " (default: print it)"
    p.add_argument(
        "-o",
        "--output",
        required=required,
        metavar="PATH",
        help=f"write {what} to .csv, .csv.gz, .parquet, .pq or .json (records); - writes "
        f"standard output{default}",
    )
    p.add_argument(
        "--format",
        choices=["csv", "json"],
        help="format of -o - or of a file name without a known suffix (default: csv)",
    )
    return p


_ROWS = (
    "Errors name a row of the input from 0, the first row after the header (as pandas and "
    "the Python API count); in a CSV file also its line, from 1, the header. Errors end with one "
    "line, 'rfmkit: error: ...', and exit status 2."
)


def _epilog(*examples: str) -> str:
    shown = "\n".join(f"  {e}" for e in examples)
    return f"examples:\n{shown}\n\n{textwrap.fill(_ROWS, 79)}"


def _add(
    sub: Any,
    name: str,
    run: Callable,
    summary: str,
    description: str,
    examples: list[str],
    parents: list[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    p = sub.add_parser(
        name,
        parents=parents,
        help=summary,
        description=textwrap.fill(description, 79),
        epilog=_epilog(*examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(run=run)
    return p


def parser(run: Mapping[str, Callable[[argparse.Namespace], int]]) -> argparse.ArgumentParser:
    """The parser; ``run`` maps each subcommand to the function that carries it out."""
    parser = _Parser(prog="rfmkit", description="RFM customer metrics and segments.")
    parser.add_argument("--version", action="version", version=f"rfmkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    inputs, scoring = _input_options(), _scoring_options()

    _add(
        sub,
        "segment",
        run["segment"],
        "one row per customer with its segment",
        "Transactions in; R, F, M, scores and segment per customer out (rfmkit.rfm_table, "
        "score and segment with the same options).",
        [
            "rfmkit segment tx.csv -o segments.parquet",
            "rfmkit segment tx.csv --frequency orders --order-id order --window 1Y --scheme cn8 "
            "--lang zh -o out.json",
            "cat tx.csv | rfmkit segment - --sep ';' -o - --format json",
        ],
        [inputs, scoring, _output_options("the table", required=True)],
    )

    _add(
        sub,
        "summary",
        run["summary"],
        "print one line per segment",
        "Customers, revenue and mean R, F, M of every segment (rfmkit.segment_summary).",
        [
            "rfmkit summary tx.parquet --as-of 2024-12-31",
            "rfmkit summary tx.csv --scheme rf10 --by channel -o summary.csv",
        ],
        [inputs, scoring, _output_options("the summary")],
    )

    _add(
        sub,
        "actions",
        run["actions"],
        "the next action for every customer, for a CRM",
        "One row per customer: segment, next action, channel, offer and message "
        "(rfmkit.action_list of the segmented table).",
        [
            "rfmkit actions tx.csv -o actions.csv",
            "rfmkit actions tx.csv --scheme cn8 --lang zh --encoding utf-8-sig -o actions.csv",
        ],
        [inputs, scoring, _output_options("the actions")],
    )

    strat = _add(
        sub,
        "strategies",
        run["strategies"],
        "the playbook of a scheme's segments",
        "What every segment of a scheme is and what to do about it: goal, actions, "
        "channels, cadence, offer, message and KPI (rfmkit.strategies).",
        ["rfmkit strategies", "rfmkit strategies cn8 --lang zh", "rfmkit strategies rfm11 -o playbook.json"],
        [_output_options("the playbook")],
    )
    strat.add_argument(
        "scheme",
        nargs="?",
        default="rfm11",
        help=f"{', '.join(builtin_names())}, or a .json / .toml scheme file (default: rfm11)",
    )
    strat.add_argument(
        "--lang", default="en", choices=["en", "zh"], help="language of the playbook (default: en)"
    )

    mig = _add(
        sub,
        "migration",
        run["migration"],
        "segment moves and churn alerts between two dates",
        "Segments the transactions as of two dates, prints how many customers moved from "
        "each segment to each (rfmkit.migration) and the churn alerts: customers who went "
        "from a valuable segment to an at-risk one (rfmkit.churn_alerts).",
        [
            "rfmkit migration tx.csv --before 2024-06-30 --after 2024-12-31",
            "rfmkit migration tx.csv --before 2024-11-30 --after 2024-12-31 -o alerts.csv",
        ],
        [_input_options(as_of=False), scoring, _output_options("the churn alerts")],
    )
    mig.add_argument(
        "--before",
        metavar="DATE",
        required=True,
        help="the earlier as-of date, read as --as-of is (such as 2024-06-30)",
    )
    mig.add_argument(
        "--after", metavar="DATE", required=True, help="the later as-of date (such as 2024-12-31)"
    )

    schemes = sub.add_parser(
        "schemes",
        help="list the built-in segment schemes and their rules",
        description="The built-in segment schemes: their rules and labels.",
        epilog="examples:\n  rfmkit schemes\n  rfmkit schemes cn8 --lang zh",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schemes.add_argument("name", nargs="?", help="show only this scheme")
    schemes.add_argument("--lang", default="en", choices=["en", "zh"], help="label language")
    schemes.set_defaults(run=run["schemes"])

    demo = sub.add_parser(
        "demo",
        help="the RFM table, segments and next actions of generated transactions",
        description="The RFM table of generated transactions, its rfm11 segments and what to do about each.",
        epilog="examples:\n  rfmkit demo --transactions 1000000 --customers 50000\n"
        "  rfmkit demo --lang zh --report report.html",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--lang", default="en", choices=["en", "zh"], help="segment and action language")
    demo.add_argument(
        "--transactions",
        type=values.whole(0, 100_000_000),
        default=100_000,
        help="transactions to generate (default: 100,000)",
    )
    demo.add_argument(
        "--customers",
        type=values.whole(1, 100_000_000),
        default=10_000,
        help="customers to generate (default: 10,000)",
    )
    demo.add_argument("--seed", type=values.whole(0, 2**63 - 1), default=0, help="random seed (default: 0)")
    demo.add_argument(
        "--head", type=values.whole(0, 1_000_000), default=10, help="rows of the table to print (default: 10)"
    )
    demo.add_argument(
        "--report",
        metavar="PATH",
        help="write the HTML report there (default: a new temporary file; its path is printed)",
    )
    demo.set_defaults(run=run["demo"], quiet=False)
    return parser
