"""A :class:`~rfmkit.SplitState` batch's rows: checked whole as the
in-memory split checks them, and each window's rows handed to a state."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError, InputTypeError
from ..io.columns import unencodable
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


def check_rows(dates: WallDates, amounts: np.ndarray | None, cols: tuple) -> None:
    """Raises the error the core gives for a batch's first bad row (a
    missing date, a date outside years 1 to 9999, an amount that is not
    finite), before either side's state sees the batch."""
    _, date_col, money_col = cols
    nat = dates.time.ts == np.iinfo(np.int64).min
    days = np.floor_divide(dates.time.ts, dates.time.ticks_per_day)
    bad_day = nat | (days < _DAYS[0]) | (days >= _DAYS[1])
    bad_amount = np.zeros(len(days), bool)
    if amounts is not None and amounts.dtype.kind == "f":
        bad_amount = ~np.isfinite(amounts)
    bad = bad_day | bad_amount
    if not bad.any():
        return
    row = int(np.flatnonzero(bad)[0])
    if nat[row]:
        raise InputError(
            f"column '{date_col}' has a missing value (NaT) at row {row}",
            column=date_col,
            row=row,
            value="NaT",
        )
    if bad_day[row]:
        value = f"day {int(days[row])} since 1970-01-01"
        raise InputError(
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
    raise InputError(
        f"column '{money_col}' has an invalid value {value} at row {row}: {reason}",
        column=money_col,
        row=row,
        value=value,
    )


def check_text(arg: tuple, name: str) -> None:
    """Text ids held as Python strings are valid Unicode (no lone surrogate)."""
    if arg[0] != "obj":
        return
    try:
        pa.array(arg[1], pa.large_string())
    except (UnicodeError, pa.ArrowException, TypeError, ValueError):
        raise unencodable({name: arg[1]}) from None


def feed(state: SummaryState, columns: dict[str, Any], rows: np.ndarray) -> None:
    """Updates ``state`` with the rows ``rows`` of a batch's ``columns``; an
    error names the batch's row."""
    at = np.flatnonzero(rows)
    part = {name: _take(col, rows, at) for name, col in columns.items()}
    try:
        state.update(part)
    except (InputError, InputTypeError) as exc:
        text = _BATCH.sub("", str(exc))
        row = exc.row
        if row is None or not 0 <= row < len(at):
            raise type(exc)(text, column=exc.column, row=row, value=exc.value) from None
        raise type(exc)(
            text.replace(f"at row {row}", f"at row {int(at[row])}", 1),
            column=exc.column,
            row=int(at[row]),
            value=exc.value,
        ) from None


def _take(col: Any, rows: np.ndarray, at: np.ndarray) -> Any:
    """The rows ``rows`` (a mask; ``at``: its positions) of one column."""
    if isinstance(col, pd.Series):
        return col.iloc[at].reset_index(drop=True)
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        return col.filter(pa.array(rows))
    if isinstance(col, np.ndarray):
        return col[at]
    return pd.Series(col).iloc[at].reset_index(drop=True)
