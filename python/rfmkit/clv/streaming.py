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

import numpy as np
import pandas as pd
import pyarrow as pa

from .._typing import FrameLike, OutputLike, PeriodEndLike, TableLike
from ..errors import InputError, InputTypeError
from ..io.amounts import amount_column
from ..io.frames import get_columns
from ..io.ids import key_column
from ..io.output import follows_input
from ..io.stream import fold, is_streamable, open_stream
from ..io.walltime import WallDates, wall_dates, wall_when
from ..state_groups import plain_ids
from ..streaming import streamed_doc
from . import split as _split
from . import summary as _summary
from .state import SummaryState
from .summary import check_scaler, check_unit, count_column, mean_column

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
    columns = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col else [])
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
    split = _StreamedSplit(*args, *more)
    stream.check(split.columns)
    if not fold(stream, split.columns, split.update, progress):
        return _split.rfm_train_test_split(stream.empty(split.columns), *args, *more, output="pandas")
    return split.finish()


class _StreamedSplit:
    """The training and test states of a split, fed batch by batch."""

    def __init__(
        self,
        id_col: str,
        date_col: str,
        train_end: PeriodEndLike,
        test_end: PeriodEndLike | None,
        unit: str,
        scaler: float | None,
        fmt: str | None,
        money_col: str | None,
        first: bool | None,
    ) -> None:
        self.unit, self.scaler = check_unit(unit), check_scaler(scaler)
        self.cols = (id_col, date_col, money_col)
        self.columns = [id_col, date_col] + ([money_col] if money_col else [])
        self.fmt, self.ends = fmt, (train_end, test_end)
        common: dict[str, Any] = dict(time_unit=unit, datetime_format=fmt)
        self.train = SummaryState(
            id_col,
            date_col,
            money_col,
            observation_period_end=train_end,
            time_scaler=scaler,
            include_first_transaction=first,
            **common,
        )
        # The test window's distinct periods and per-period sums: the summary's first-period form.
        self.test = SummaryState(id_col, date_col, money_col, include_first_transaction=True, **common)
        self.rows = [0, 0]  # rows fed to each state
        self.dates: WallDates | None = None
        self.span: tuple[int, int] | None = None  # the first and last ticks of all rows
        self.bounds: tuple[pd.Timestamp, pd.Timestamp | None] | None = None

    def update(self, batch: Any, offset: int) -> None:
        id_col, date_col, money_col = self.cols
        columns = get_columns(batch, self.columns)
        # Every row is checked, as in memory, also those outside both windows.
        key_column(plain_ids(columns[id_col]), id_col)
        dates = wall_dates(columns[date_col], date_col, self.fmt)
        if money_col:
            amount_column(columns[money_col], money_col)
        if self.bounds is None:
            self.bounds = self._ends(dates)
        train_end, test_end = self.bounds
        ts = dates.time.ts
        if len(ts):
            low, high = int(ts.min()), int(ts.max())
            self.span = (
                (low, high) if self.span is None else (min(self.span[0], low), max(self.span[1], high))
            )
        train_rows = ts <= dates.ticks(train_end)
        test_rows = ~train_rows
        if test_end is not None:
            test_rows &= ts <= dates.ticks(test_end)
        if self.dates is None:
            self.dates = dates
        for i, (state, rows) in enumerate(((self.train, train_rows), (self.test, test_rows))):
            if rows.any():
                _feed(state, batch, rows)
                self.rows[i] += int(rows.sum())

    def _ends(self, dates: WallDates) -> tuple[pd.Timestamp, pd.Timestamp | None]:
        train_end = wall_when(self.ends[0], "train_period_end", dates, self.fmt)
        if self.ends[1] is None:
            return train_end, None
        test_end = wall_when(self.ends[1], "test_period_end", dates, self.fmt)
        _check_order(train_end, test_end)
        return train_end, test_end

    def finish(self) -> pd.DataFrame:
        assert self.dates is not None and self.bounds is not None and self.span is not None
        train_end, test_end = self.bounds
        if test_end is None:
            test_end = self.dates.timestamp(self.span[1])
            _check_order(train_end, test_end)
        if not self.rows[0]:
            first = self.dates.timestamp(self.span[0])
            raise InputError(
                f"no transactions at or before train_period_end {train_end}; the first is on {first}"
            )
        if not self.rows[1]:
            raise InputError(
                f"no transactions after train_period_end {train_end} and at or before "
                f"test_period_end {test_end}: the test window is empty"
            )
        table: pd.DataFrame = self.train.finish(output="pandas")
        test: pd.DataFrame = self.test.finish(output="pandas")
        at = pd.Index(table["customer_id"]).get_indexer(test["customer_id"])
        known = at >= 0
        n = len(table)
        test_frequency = np.zeros(n, np.int64)
        test_frequency[at[known]] = test["frequency"].to_numpy()[known].astype(np.int64)
        table["test_frequency"] = count_column(test_frequency, int(known.sum()) < n)
        if self.cols[2] is not None:
            test_monetary = np.zeros(n)
            test_monetary[at[known]] = test["monetary_value"].to_numpy()[known]
            table["test_monetary_value"] = mean_column(test_monetary, None)
        steps = (test_end.to_period(self.unit) - train_end.to_period(self.unit)).n
        table["test_T"] = steps / self.scaler
        table.attrs = dict(
            time_unit=self.unit,
            time_scaler=self.scaler,
            train_period_end=train_end.isoformat(),
            test_period_end=test_end.isoformat(),
        )
        return table


def _check_order(train_end: pd.Timestamp, test_end: pd.Timestamp) -> None:
    if train_end >= test_end:
        raise InputError(f"train_period_end {train_end} must be before test_period_end {test_end}")


def _feed(state: SummaryState, batch: Any, rows: np.ndarray) -> None:
    """``state`` updated with the rows ``rows`` of ``batch``; an error names the batch's row."""
    if isinstance(batch, (pa.RecordBatch, pa.Table)):
        part = batch.filter(pa.array(rows))
    else:
        import polars as pl

        part = batch.filter(pl.Series(rows))
    try:
        state.update(part)
    except (InputError, InputTypeError) as exc:
        row = exc.row
        if row is None:
            raise
        raise type(exc)(
            str(exc).replace(f"at row {row}", f"at row {int(np.flatnonzero(rows)[row])}", 1),
            column=exc.column,
            row=int(np.flatnonzero(rows)[row]),
            value=exc.value,
        ) from None


rfm_summary.__doc__ = streamed_doc(
    _summary.rfm_summary.__doc__, "transactions", ":class:`rfmkit.SummaryState`"
)
rfm_train_test_split.__doc__ = streamed_doc(
    _split.rfm_train_test_split.__doc__,
    "transactions",
    ":class:`rfmkit.SummaryState` for the training rows and one for the test rows",
)
