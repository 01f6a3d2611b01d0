"""A :class:`~rfmkit.SplitState` batch's rows: checked whole as the
in-memory split checks them, and each window's rows handed to a state."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError, InputTypeError
from ..io.walltime import WallDates
from .state import SummaryState

_BATCH = re.compile(r"^batch \d+: ")
# The ticks of 10000-01-01 and of 0001-01-01, in days since 1970: the core's date range.
_DAYS = (-719_162, 2_932_897)


def id_kind(kind: str) -> str:
    return "text" if kind in ("str", "obj", "arrow") else "int"


def check_lengths(columns: dict[str, Any], names: list[str]) -> None:
    """The columns of a mapping have one length (as the core says it)."""
    lengths = [(name, len(columns[name])) for name in names]
    first, n = lengths[0]
    for name, length in lengths[1:]:
        if length != n:
            raise InputError(f"columns have different lengths: '{first}' has {n} rows, '{name}' has {length}")


def check_outside(
    dates: WallDates, amounts: np.ndarray | None, rows: np.ndarray, cols: tuple
) -> InputError | None:
    """The error the core gives for the first bad row among ``rows`` (those
    after both windows, which neither state sees), or None."""
    at = np.flatnonzero(rows)
    if not len(at):
        return None
    _, date_col, money_col = cols
    days = np.floor_divide(dates.time.ts[at], dates.time.ticks_per_day)
    bad_day = (days < _DAYS[0]) | (days >= _DAYS[1])
    bad_amount = np.zeros(len(at), bool)
    if amounts is not None and amounts.dtype.kind == "f":
        bad_amount = ~np.isfinite(amounts[at])
    bad = bad_day | bad_amount
    if not bad.any():
        return None
    k = int(np.flatnonzero(bad)[0])
    row = int(at[k])
    if bad_day[k]:
        value = f"day {int(days[k])} since 1970-01-01"
        return InputError(
            f"column '{date_col}' has an invalid value {value} at row {row}: "
            "dates must be in years 1 to 9999",
            column=date_col,
            row=row,
            value=value,
        )
    assert amounts is not None
    x = float(amounts[row])
    value = "NaN" if np.isnan(x) else ("inf" if x > 0 else "-inf")
    reason = "amounts must not be NaN" if np.isnan(x) else "amounts must be finite"
    return InputError(
        f"column '{money_col}' has an invalid value {value} at row {row}: {reason}",
        column=money_col,
        row=row,
        value=value,
    )


def feed(
    state: SummaryState, columns: dict[str, Any], rows: np.ndarray
) -> InputError | InputTypeError | None:
    """Updates ``state`` with the rows ``rows`` of a batch's ``columns``;
    gives its error about the batch's row, or None."""
    at = np.flatnonzero(rows)
    part = {name: _take(col, rows, at) for name, col in columns.items()}
    try:
        state.update(part)
    except (InputError, InputTypeError) as exc:
        text = _BATCH.sub("", str(exc))
        row = exc.row
        if row is None or not 0 <= row < len(at):
            return type(exc)(text, column=exc.column, row=row, value=exc.value)
        return type(exc)(
            text.replace(f"at row {row}", f"at row {int(at[row])}", 1),
            column=exc.column,
            row=int(at[row]),
            value=exc.value,
        )
    return None


def _take(col: Any, rows: np.ndarray, at: np.ndarray) -> Any:
    """The rows ``rows`` (a mask; ``at``: its positions) of one column."""
    if isinstance(col, pd.Series):
        return col.iloc[at].reset_index(drop=True)
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        return col.filter(pa.array(rows))
    if isinstance(col, np.ndarray):
        return col[at]
    return pd.Series(col).iloc[at].reset_index(drop=True)
