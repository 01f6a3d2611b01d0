"""The subcommands built on segments: ``actions`` (:func:`rfmkit.action_list`),
``strategies`` (:func:`rfmkit.strategies`) and ``migration``
(:func:`rfmkit.migration` and :func:`rfmkit.churn_alerts` of two as-of dates)."""

from __future__ import annotations

import argparse
import sys
from typing import cast

import pandas as pd

from ..analysis import churn_alerts, migration
from ..errors import InputError
from ..io.files import check_output, output_kind
from ..segments import action_list, strategies
from .pipeline import read_input, scheme_of, segmented, segmented_at, when, write

__all__ = ["actions_command", "migration_command", "strategies_command"]

_WIDE = (
    "display.unicode.east_asian_width",
    True,
    "display.width",
    250,
    "display.max_columns",
    None,
    "display.max_colwidth",
    60,
)


def _note(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(f"rfmkit: {text}", file=sys.stderr)


def actions_command(args: argparse.Namespace) -> int:
    """``rfmkit actions``: the action list of the segmented input, written or printed (CSV)."""
    check_output(args.output, args.format)
    table = segmented(args)
    actions = action_list(table)
    if args.output is None:
        args.output = "-"
    write(actions, args)
    _note(
        args,
        f"{len(actions):,} customers as of {table.attrs.get('as_of')} -> "
        f"{'standard output' if args.output == '-' else args.output}",
    )
    return 0


def strategies_command(args: argparse.Namespace) -> int:
    """``rfmkit strategies``: the playbook of a scheme, printed readably or written."""
    check_output(args.output, args.format)
    playbook = strategies(scheme_of(args.scheme), args.lang)
    if args.output is None:
        _print_playbook(playbook)
        return 0
    if output_kind(args.output, args.format) == "csv":  # a list in a CSV field, joined
        playbook = playbook.assign(**{c: playbook[c].map("; ".join) for c in ("actions", "channels")})
    write(playbook, args)
    return 0


def _print_playbook(playbook: pd.DataFrame) -> None:
    fields = [c for c in playbook.columns if c not in ("segment_code", "segment")]
    width = max(len(f) for f in fields)
    for i, row in enumerate(playbook.itertuples(index=False)):
        entry = row._asdict()
        print(("\n" if i else "") + f"{entry['segment']} ({entry['segment_code']})")
        for field in fields:
            value = entry[field]
            shown = "; ".join(value) if isinstance(value, list) else str(value)
            print(f"  {field:<{width}}  {shown}")


def migration_command(args: argparse.Namespace) -> int:
    """``rfmkit migration``: segments as of ``--before`` and ``--after``, the transition counts
    printed, the churn alerts written (``-o``) or printed."""
    check_output(args.output, args.format)
    scheme_of(args.scheme)
    before_at = when(args.before, "--before", args.date_format)
    after_at = when(args.after, "--after", args.date_format)
    if before_at is not None and after_at is not None and not before_at < after_at:
        raise InputError(f"--before {args.before!r} must be earlier than --after {args.after!r}")
    tx = read_input(args)
    before, after = segmented_at(tx, args, before_at), segmented_at(tx, args, after_at)
    moves = migration(before, after)
    alerts = cast(pd.DataFrame, churn_alerts(before, after))
    to_stdout = args.output in (None, "-")
    shown = sys.stderr if args.output == "-" else sys.stdout  # stdout carries the alerts
    with pd.option_context(*_WIDE):
        print(
            f"segments as of {before.attrs.get('as_of')} (rows) -> {after.attrs.get('as_of')} "
            f"(columns), scheme {after.attrs.get('scheme')}: {moves.stayed:,} of "
            f"{len(moves.customers):,} customers stayed\n",
            file=shown,
        )
        print(moves.counts.to_string(), file=shown)
        if to_stdout and args.output is None:
            print(f"\n{len(alerts):,} churn alert(s): valuable before, at risk after", file=shown)
            if len(alerts):
                print(alerts.to_string(index=False), file=shown)
            return 0
    write(alerts, args)
    _note(
        args, f"{len(alerts):,} churn alert(s) -> {'standard output' if args.output == '-' else args.output}"
    )
    return 0
