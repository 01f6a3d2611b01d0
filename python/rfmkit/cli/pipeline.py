"""From the options of a subcommand to a segmented table: the file read, then
:func:`rfmkit.rfm_table`, :func:`rfmkit.score` and :func:`rfmkit.segment` with
the options as the API takes them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..io.dates import parse_when
from ..io.files import read_transactions, write_table
from ..scores import score
from ..segments import Scheme, segment
from ..table import rfm_table

__all__ = ["read_input", "scheme_of", "segmented", "segmented_at", "when", "write"]


def scheme_of(name: str) -> Scheme:
    """``--scheme``: a built-in name, or a .json / .toml file."""
    lower = name.lower()
    try:
        if lower.endswith(".json"):
            return Scheme.from_json(Path(name))
        if lower.endswith(".toml"):
            return Scheme.from_toml(Path(name))
    except UnicodeDecodeError:
        raise InputError(f"scheme file {name!r} is not UTF-8 text: save it as UTF-8") from None
    except (KeyError, TypeError, AttributeError, IndexError) as exc:  # until Scheme names them
        raise InputError(f"invalid scheme file {name!r}: {type(exc).__name__} {exc}") from None
    return Scheme.builtin(name)


def when(text: str | None, option: str, date_format: str | None) -> pd.Timestamp | None:
    """A date option as a Timestamp, read as the API reads ``as_of`` (with
    ``--date-format`` when given; ``01/12/2024`` without one is refused)."""
    return None if text is None else parse_when(text, option, date_format)


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


def read_input(args: argparse.Namespace) -> pd.DataFrame:
    """The transactions of ``args.input`` (``-``: standard input), the columns the options name."""
    if args.order_id is not None and args.frequency != "orders":
        raise InputError(f"--order-id {args.order_id!r} is only used with --frequency orders")
    extra = [*([args.order_id] if args.order_id else []), *(args.by or [])]
    named = [args.customer_id, args.date, args.amount]
    for col in extra:
        if col in named:
            raise InputError(f"column {col!r} is already the customer id, date or amount column")
    return read_transactions(
        args.input,
        [*named, *extra],
        date=args.date,
        date_format=args.date_format,
        customer_id=args.customer_id,
        amount=args.amount,
        progress=False if args.quiet else None,
        text=extra,
        sep=args.sep,
        encoding=args.encoding,
    )


def segmented_at(tx: pd.DataFrame, args: argparse.Namespace, as_of: Any) -> pd.DataFrame:
    """The segmented table of ``tx`` as of ``as_of``, with the options of ``args``."""
    scheme = scheme_of(args.scheme)
    thresholds = _thresholds(args.thresholds)
    table = rfm_table(
        tx,
        args.customer_id,
        args.date,
        args.amount,
        as_of=as_of,
        window=args.window,
        frequency=args.frequency,
        order_id=args.order_id,
        returns=args.returns,
        tz=args.tz,
        by=args.by,
    )
    how: dict[str, Any] = {"method": args.method, "weights": args.weights}
    how.update({"thresholds": thresholds} if thresholds else {"bins": args.bins})
    scored = score(table, **how)
    return segment(scored, scheme, lang=args.lang, new_customer_days=args.new_customer_days)


def segmented(args: argparse.Namespace) -> pd.DataFrame:
    """The segmented table of the input, as of ``--as-of``."""
    scheme_of(args.scheme)  # a bad scheme fails before the file is read
    tx = read_input(args)
    return segmented_at(tx, args, when(args.as_of, "--as-of", args.date_format))


def write(data: pd.DataFrame, args: argparse.Namespace) -> None:
    """Writes ``data`` to ``-o`` in ``--format``; CSV files in ``--encoding`` when given."""
    write_table(data, args.output, getattr(args, "format", None), encoding=getattr(args, "encoding", None))
