"""The checks of :class:`~rfmkit.SummaryState`: a saved state's periods,
and options compared by what they mean, not how they are spelled."""

from __future__ import annotations

import contextlib
from typing import Any

import pandas as pd
import pyarrow as pa

from ..errors import InputError
from ..io.dates import parse_when
from ..state_meta import instant


def check_periods(t: pa.Table, unit: str) -> None:
    """A saved state's first and last periods are periods of years 1 to 9999, in order."""
    if not t.num_rows:
        return
    # Customers whose rows all fell after the end hold no periods (and no rows).
    counted = t.column("rows").to_numpy() > 0
    first, last = (t.column(c).to_numpy()[counted] for c in ("first", "last"))
    low = period_ordinal_of("0001-01-01", unit)
    high = period_ordinal_of("9999-12-31", unit)
    if (first < low).any() or (last > high).any() or (first > last).any():
        raise InputError("this table is not a readable saved SummaryState: a period out of range or order")


def period_ordinal_of(text: str, unit: str) -> int:
    ordinal = pd.Period(text, freq=unit).ordinal
    return ordinal - 1 if unit == "W" else ordinal


def compared(options: dict[str, Any]) -> dict[str, Any]:
    """The options as states compare them: the end by the instant it names."""
    end = compared_end(options["observation_period_end"], options["datetime_format"])
    return {**options, "observation_period_end": end}


def compared_end(end: Any, fmt: str | None) -> Any:
    """A saved end date (:func:`end_meta`) by the instant it names, however
    it was spelled ("2024-06-01", a date, a Timestamp); a Period stays as saved."""
    if isinstance(end, str):
        with contextlib.suppress(InputError):
            return instant(parse_when(end, "end", fmt))
    return end
