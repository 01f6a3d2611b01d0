"""A streamed train/test split: :class:`SplitState`, fed batch by batch, merged exactly.

:func:`rfmkit.rfm_train_test_split` of transactions that arrive in batches,
or are spread over workers: each batch's rows up to the training end go to a
:class:`~rfmkit.SummaryState` of the training window, the rows after it (up
to the test end) to one of the test window, and :meth:`SplitState.finish`
joins the two as the in-memory function does. Any split of the rows into
batches, any order of updates and any tree of merges gives the in-memory
result bit for bit.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .._typing import OutputLike, PeriodEndLike, TableLike
from ..errors import InputError, InputTypeError
from ..io import dates as _time
from ..io.amounts import amount_column
from ..io.frames import get_columns
from ..io.ids import key_column
from ..io.output import OutputKind, output_kind, to_output
from ..io.walltime import WallDates, wall_dates, wall_when
from ..state_groups import plain_ids
from ..state_io import ipc_bytes, ipc_table
from ..state_meta import (
    check_saved_batches,
    check_saved_time,
    dtype_from_meta,
    dtype_meta,
    end_from_meta,
    end_meta,
    kind_from_meta,
    kind_meta,
    loading,
    zone_key,
)
from .split_rows import check_lengths, check_rows, check_text, feed, id_kind
from .state import SummaryState
from .state_checks import compared_end
from .summary import check_scaler, check_unit, count_column, mean_column

__all__ = ["SplitState"]

_KEY = b"rfmkit.split_state"
_BATCH = re.compile(r"^batch \d+: ")


class SplitState:
    """The per-customer state of :func:`rfmkit.rfm_train_test_split`, fed in batches.

    Parameters
    ----------
    customer_id_col, datetime_col, train_period_end, test_period_end
        As for :func:`rfmkit.rfm_train_test_split`. Without
        ``test_period_end`` the test window ends at the latest date over all
        batches.
    monetary_value_col, time_unit, time_scaler, include_first_transaction, datetime_format
        As for :func:`rfmkit.rfm_train_test_split` (keyword-only here).

    Notes
    -----
    Two :class:`~rfmkit.SummaryState` s inside: one of the training rows
    (ending at ``train_period_end``) and one of the test rows. :meth:`update`
    checks every row of a batch as the in-memory function does (an error
    names the batch, counted from 0, and the row within it, and leaves the
    state as it was); batches must agree on the kind of ids, the dates' unit
    and their time zone. :meth:`merge` needs states of the same options;
    :meth:`to_arrow` / :meth:`from_arrow` (one row: the two states' saved
    tables as Arrow IPC bytes) and ``pickle`` keep a state losslessly.

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(2_000, 300, seed=1)
    >>> args = ("customer_id", "date", "2024-06-30")
    >>> a = rfmkit.SplitState(*args, monetary_value_col="amount").update(tx.iloc[:900])
    >>> b = rfmkit.SplitState(*args, monetary_value_col="amount").update(tx.iloc[900:])
    >>> want = rfmkit.rfm_train_test_split(tx, *args, monetary_value_col="amount")
    >>> a.merge(b).finish().equals(want)
    True
    """

    def __init__(
        self,
        customer_id_col: str,
        datetime_col: str,
        train_period_end: PeriodEndLike,
        test_period_end: PeriodEndLike | None = None,
        *,
        monetary_value_col: str | None = None,
        time_unit: str = "D",
        time_scaler: float | None = 1,
        include_first_transaction: bool | None = False,
        datetime_format: str | None = None,
    ) -> None:
        if train_period_end is None:
            raise InputError("train_period_end is required: the last date of the training window")
        for arg, end in (("train_period_end", train_period_end), ("test_period_end", test_period_end)):
            if end is not None:
                _time.parse_when(end, arg, datetime_format)  # a bad date is an error now
        self.unit, self.scaler = check_unit(time_unit), check_scaler(time_scaler)
        self.cols = (customer_id_col, datetime_col, monetary_value_col)
        self.columns = [customer_id_col, datetime_col]
        if monetary_value_col is not None:
            self.columns.append(monetary_value_col)
        self.fmt, self.ends = datetime_format, (train_period_end, test_period_end)
        self.first = bool(include_first_transaction)
        common: dict[str, Any] = dict(time_unit=time_unit, datetime_format=datetime_format)
        self.made = (
            dict(
                observation_period_end=train_period_end,
                time_scaler=time_scaler,
                include_first_transaction=include_first_transaction,
                **common,
            ),
            # The test window's distinct periods and per-period sums: the summary's first-period form.
            dict(include_first_transaction=True, **common),
        )
        self.train, self.test = (SummaryState(*self.cols, **made) for made in self.made)
        self.money_like: Any = None  # the first batch's amount dtype
        self.rows = [0, 0]  # rows fed to each state
        self.dates: WallDates | None = None  # the first batch's: unit and zone
        self.ids: str | None = None  # the first batch's kind of ids: "int" or "text"
        self.span: tuple[int, int] | None = None  # the first and last ticks of all rows
        self.bounds: tuple[pd.Timestamp, pd.Timestamp | None] | None = None
        self.batches = 0
        self.kind = OutputKind("pandas")

    def _options(self) -> dict[str, Any]:
        return {
            "columns": list(self.cols),
            "train_period_end": end_meta(self.ends[0]),
            "test_period_end": end_meta(self.ends[1]),
            "time_unit": self.unit,
            "time_scaler": self.scaler,
            "first": self.first,
            "datetime_format": self.fmt,
        }

    # -- feeding -------------------------------------------------------
    def update(self, batch: TableLike) -> SplitState:
        """Folds one batch in and returns the state (for chaining)."""
        try:
            self._update(batch)
        except (InputError, InputTypeError) as exc:
            text = _BATCH.sub("", str(exc))
            raise type(exc)(
                f"batch {self.batches}: {text}", column=exc.column, row=exc.row, value=exc.value
            ) from None
        self.batches += 1
        return self

    def _update(self, batch: Any) -> None:
        id_col, date_col, money_col = self.cols
        kind = output_kind(batch, None, date_col) if self.dates is None else None
        columns = get_columns(batch, self.columns)
        check_lengths(columns, self.columns)
        # Every row is checked first, as in memory, also those outside both
        # windows: a refused batch changes neither side.
        keys = key_column(plain_ids(columns[id_col]), id_col)
        ids = id_kind(keys.arg[0])
        dates = wall_dates(columns[date_col], date_col, self.fmt)
        amounts = amount_column(columns[money_col], money_col) if money_col is not None else None
        ts = dates.time.ts
        if not len(ts):
            return
        self._check_like(ids, dates)
        check_rows(dates, amounts, self.cols)
        check_text(keys.arg, id_col)
        bounds = self.bounds if self.bounds is not None else self._ends(dates)
        train_end, test_end = bounds
        train_rows = ts <= dates.ticks(train_end)
        test_rows = ~train_rows
        if test_end is not None:
            test_rows &= ts <= dates.ticks(test_end)
        for i, (state, rows) in enumerate(((self.train, train_rows), (self.test, test_rows))):
            if rows.any():
                feed(state, columns, rows)
                self.rows[i] += int(rows.sum())
        low, high = int(ts.min()), int(ts.max())
        self.span = (low, high) if self.span is None else (min(self.span[0], low), max(self.span[1], high))
        if self.dates is None:
            self.dates, self.ids, self.bounds = dates, ids, bounds
            self.kind = kind or self.kind
            self.money_like = getattr(columns[money_col], "dtype", None) if money_col is not None else None

    def _check_like(self, ids: str, dates: WallDates) -> None:
        """Batches agree on what one column would hold (checked before either
        state changes, so that a refused batch changes neither)."""
        if self.dates is None:
            return
        id_col, date_col, _ = self.cols
        if ids != self.ids:
            raise InputTypeError(
                f"column {id_col!r} holds {ids} ids, the earlier batches {self.ids} ids: "
                "convert the batches alike",
                column=id_col,
            )
        mine = (self.dates.time.unit, zone_key(self.dates.zone))
        theirs = (dates.time.unit, zone_key(dates.zone))
        if mine != theirs:
            raise InputTypeError(
                f"column {date_col!r} holds dates in {theirs[0]} {theirs[1] or 'naive'}, the earlier "
                f"batches in {mine[0]} {mine[1] or 'naive'}: convert the batches alike",
                column=date_col,
            )

    def _ends(self, dates: WallDates) -> tuple[pd.Timestamp, pd.Timestamp | None]:
        train_end = wall_when(self.ends[0], "train_period_end", dates, self.fmt)
        if self.ends[1] is None:
            return train_end, None
        test_end = wall_when(self.ends[1], "test_period_end", dates, self.fmt)
        _check_order(train_end, test_end)
        return train_end, test_end

    # -- combining -----------------------------------------------------
    def merge(self, other: SplitState) -> SplitState:
        """A new state of both states' rows (neither changes)."""
        if not isinstance(other, SplitState):
            raise InputTypeError(f"merge takes a SplitState, not {type(other).__name__}")
        if _compared(self._options()) != _compared(other._options()):
            raise InputError(
                f"merge needs states of the same options: {self._options()} vs {other._options()}"
            )
        if self.dates is not None and other.dates is not None:
            try:
                self._check_like(other.ids or "", other.dates)
            except InputTypeError as exc:
                raise InputError(f"merge needs states of the same kind of ids and dates: {exc}") from None
        out = SplitState.__new__(SplitState)
        out.__dict__.update(self.__dict__ if self.dates is not None else other.__dict__)
        out.train, out.test = self.train.merge(other.train), self.test.merge(other.test)
        out.rows = [a + b for a, b in zip(self.rows, other.rows, strict=True)]
        spans = [s for s in (self.span, other.span) if s is not None]
        out.span = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
        out.batches = self.batches + other.batches
        return out

    # -- results -------------------------------------------------------
    def finish(self, *, output: OutputLike | None = None) -> TableLike:
        """The split of all the rows so far: equal, bit for bit, to
        :func:`rfmkit.rfm_train_test_split` on all the batches concatenated."""
        kind = self.kind if output is None else output_kind(None, output)
        if self.dates is None or self.bounds is None or self.span is None:
            raise InputError("no transactions: the state has no rows yet")
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
            table["test_monetary_value"] = mean_column(test_monetary, self.money_like)
        steps = (test_end.to_period(self.unit) - train_end.to_period(self.unit)).n
        table["test_T"] = steps / self.scaler
        table.attrs = dict(
            time_unit=self.unit,
            time_scaler=self.scaler,
            train_period_end=train_end.isoformat(),
            test_period_end=test_end.isoformat(),
        )
        return to_output(table, kind)

    def __len__(self) -> int:
        return len(self.train)

    def __repr__(self) -> str:
        return (
            f"SplitState({len(self.train)} training customers, {self.rows[0]} training and "
            f"{self.rows[1]} test rows, {self.batches} batch(es))"
        )

    # -- saving --------------------------------------------------------
    def to_arrow(self) -> pa.Table:
        """The state as a one-row pyarrow Table (the training and test states'
        tables as Arrow IPC bytes); :meth:`from_arrow` reads it."""
        meta: dict[str, Any] = {
            "options": self._options(),
            "batches": self.batches,
            "rows": self.rows,
            "span": self.span,
            "ids": self.ids,
            "unit": None if self.dates is None else self.dates.time.unit,
            "zone": None if self.dates is None else zone_key(self.dates.zone),
            "bounds": None
            if self.bounds is None
            else [None if b is None else b.isoformat() for b in self.bounds],
            "output": kind_meta(self.kind),
            "money_like": dtype_meta(self.money_like),
        }
        table = pa.table(
            {
                "train": pa.array([ipc_bytes(self.train.to_arrow())], pa.large_binary()),
                "test": pa.array([ipc_bytes(self.test.to_arrow())], pa.large_binary()),
            }
        )
        return table.replace_schema_metadata({_KEY: json.dumps(meta)})

    @classmethod
    def from_arrow(cls, table: pa.Table) -> SplitState:
        """The state saved by :meth:`to_arrow`."""
        with loading("SplitState"):
            return cls._from_arrow(table)

    @classmethod
    def _from_arrow(cls, table: pa.Table) -> SplitState:
        if not isinstance(table, pa.Table) or _KEY not in (table.schema.metadata or {}):
            raise InputError("from_arrow takes the pyarrow Table of SplitState.to_arrow")
        meta = json.loads(table.schema.metadata[_KEY])
        o = meta["options"]
        id_col, date_col, money_col = o["columns"]
        state = cls(
            id_col,
            date_col,
            end_from_meta(o["train_period_end"]),
            end_from_meta(o["test_period_end"]),
            monetary_value_col=money_col,
            time_unit=o["time_unit"],
            time_scaler=o["time_scaler"],
            include_first_transaction=o["first"],
            datetime_format=o["datetime_format"],
        )
        if table.num_rows != 1 or any(
            not pa.types.is_large_binary(table.schema.field(c).type) for c in ("train", "test")
        ):
            raise InputError("this table is not a readable saved SplitState: no train and test states")
        state.train = SummaryState.from_arrow(ipc_table(table.column("train")[0].as_py()))
        state.test = SummaryState.from_arrow(ipc_table(table.column("test")[0].as_py()))
        state.batches, state.ids = check_saved_batches(meta, "SplitState"), meta["ids"]
        rows, span = meta["rows"], meta["span"]
        if len(rows) != 2 or not all(isinstance(r, int) and r >= 0 for r in rows):
            raise InputError(f"this table is not a readable saved SplitState: rows {rows!r}")
        if (span is None) != (meta["unit"] is None) or meta["ids"] not in (None, "int", "text"):
            raise InputError("this table is not a readable saved SplitState: its span, unit and ids disagree")
        state.rows = [int(r) for r in rows]
        state.span = None if span is None else (int(span[0]), int(span[1]))
        state.kind = kind_from_meta(meta.get("output"))
        state.money_like = dtype_from_meta(meta.get("money_like"))
        if meta["unit"] is not None:
            zone = meta["zone"]
            check_saved_time(meta["unit"], zone)
            time = _time.TimeColumn(ts=np.empty(0, np.int64), unit=meta["unit"], days=None, zone=zone)
            state.dates = WallDates(time, zone)
            train_end, test_end = meta["bounds"]
            state.bounds = (pd.Timestamp(train_end), None if test_end is None else pd.Timestamp(test_end))
        return state

    def __getstate__(self) -> dict:
        return {"arrow": ipc_bytes(self.to_arrow())}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(SplitState.from_arrow(ipc_table(state["arrow"])).__dict__)


def _compared(options: dict[str, Any]) -> dict[str, Any]:
    """The options as states compare them: end dates by the instant they name."""
    fmt = options["datetime_format"]
    return {
        **options,
        "train_period_end": compared_end(options["train_period_end"], fmt),
        "test_period_end": compared_end(options["test_period_end"], fmt),
    }


def _check_order(train_end: pd.Timestamp, test_end: pd.Timestamp) -> None:
    if train_end >= test_end:
        raise InputError(f"train_period_end {train_end} must be before test_period_end {test_end}")
