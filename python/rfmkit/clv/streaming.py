"""CLV summaries bigger than memory: :func:`rfm_summary` and :func:`rfm_train_test_split`
on Parquet files and Arrow streams.

A table in memory goes to the in-memory functions as it is. A source to stream
is folded batch by batch into :class:`rfmkit.SummaryState` objects: one for the
summary; for the split, one for the training rows (at or before the train end,
with that end) and one for the test rows, whose distinct periods and exact
per-period sums give ``test_frequency`` and ``test_monetary_value``. The
results equal the in-memory ones bit for bit.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._typing import FrameLike, OutputLike, PeriodEndLike, TableLike
from ..errors import InputError
from ..io.frames import get_columns
from ..io.output import follows_input
from ..io.stream import fold, is_streamable, open_stream
from ..io.walltime import wall_dates
from ..streaming import streamed_doc
from . import split as _split
from . import summary as _summary
from .split_state import SplitState
from .state import SummaryState

__all__ = ["rfm_summary", "rfm_train_test_split"]


@follows_input("transactions", date="datetime_col")
def rfm_summary(
    transactions: FrameLike,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    datetime_format: str | None = None,
    observation_period_end: PeriodEndLike | None = None,
    time_unit: str = "D",
    time_scaler: float | None = 1,
    include_first_transaction: bool | None = False,
    sort_transactions: bool | None = True,
    *,
    progress: bool | None = None,
    output: OutputLike | None = None,
) -> TableLike:
    args = (customer_id_col, datetime_col, monetary_value_col, datetime_format)
    options: dict[str, Any] = dict(
        observation_period_end=observation_period_end,
        time_unit=time_unit,
        time_scaler=time_scaler,
        include_first_transaction=include_first_transaction,
    )
    if not is_streamable(transactions):
        return _summary.rfm_summary(transactions, *args, **options, output="pandas")
    stream = open_stream(transactions)
    state = SummaryState(
        customer_id_col, datetime_col, monetary_value_col, datetime_format=datetime_format, **options
    )
    columns = [customer_id_col, datetime_col]
    if monetary_value_col is not None:
        columns.append(monetary_value_col)
    stream.check(columns)
    # The first date, for the message of an end before it: found now in a stream read once.
    firsts: list[pd.Timestamp] = []

    def update(batch: Any, _: int) -> None:
        state.update(batch)
        if observation_period_end is not None and not stream.replayable:
            firsts.append(_first_date(batch, datetime_col, datetime_format))

    if not fold(stream, columns, update, progress):
        return _summary.rfm_summary(stream.empty(columns), *args, **options, output="pandas")
    try:
        return state.finish(output="pandas")
    except InputError as exc:
        if observation_period_end is None or "before the first transaction" not in str(exc):
            raise
        if stream.replayable:  # as in memory
            fold(
                stream,
                [datetime_col],
                lambda b, _: firsts.append(_first_date(b, datetime_col, datetime_format)),
                progress,
            )
        first = min(firsts)
        raise InputError(
            f"observation_period_end {observation_period_end!r} is before the first transaction, "
            f"on {first}: there is nothing to summarize"
        ) from exc


def _first_date(batch: Any, date_col: str, fmt: str | None) -> pd.Timestamp:
    """The earliest wall-clock date of a batch."""
    dates = wall_dates(get_columns(batch, [date_col])[date_col], date_col, fmt)
    return dates.timestamp(int(dates.time.ts.min()))


@follows_input("transactions", date="datetime_col")
def rfm_train_test_split(
    transactions: FrameLike,
    customer_id_col: str,
    datetime_col: str,
    train_period_end: PeriodEndLike,
    test_period_end: PeriodEndLike | None = None,
    time_unit: str = "D",
    time_scaler: float | None = 1,
    datetime_format: str | None = None,
    monetary_value_col: str | None = None,
    include_first_transaction: bool | None = False,
    sort_transactions: bool | None = True,
    *,
    progress: bool | None = None,
    output: OutputLike | None = None,
) -> TableLike:
    args = (customer_id_col, datetime_col, train_period_end, test_period_end, time_unit, time_scaler)
    more = (datetime_format, monetary_value_col, include_first_transaction)
    if not is_streamable(transactions):
        return _split.rfm_train_test_split(transactions, *args, *more, output="pandas")
    stream = open_stream(transactions)
    split = SplitState(
        customer_id_col,
        datetime_col,
        train_period_end,
        test_period_end,
        monetary_value_col=monetary_value_col,
        time_unit=time_unit,
        time_scaler=time_scaler,
        include_first_transaction=include_first_transaction,
        datetime_format=datetime_format,
    )
    stream.check(split.columns)
    if not fold(stream, split.columns, lambda batch, _: split.update(batch), progress):
        return _split.rfm_train_test_split(stream.empty(split.columns), *args, *more, output="pandas")
    return split.finish(output="pandas")


rfm_summary.__doc__ = streamed_doc(
    _summary.rfm_summary.__doc__, "transactions", ":class:`rfmkit.SummaryState`"
)
rfm_train_test_split.__doc__ = streamed_doc(
    _split.rfm_train_test_split.__doc__,
    "transactions",
    ":class:`rfmkit.SplitState` (a :class:`rfmkit.SummaryState` for the training rows and one "
    "for the test rows)",
)
