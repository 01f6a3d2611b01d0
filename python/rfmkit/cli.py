"""The ``rfmkit`` command line."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from . import __version__
from .datasets import make_transactions
from .table import rfm_table


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rfmkit", description="RFM customer metrics.")
    parser.add_argument("--version", action="version", version=f"rfmkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="compute the RFM table of generated transactions")
    demo.add_argument("--transactions", type=int, default=100_000)
    demo.add_argument("--customers", type=int, default=10_000)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--head", type=int, default=10, help="rows of the table to print")
    demo.set_defaults(run=_demo)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError) as exc:
        print(f"rfmkit: error: {exc}", file=sys.stderr)
        return 2
