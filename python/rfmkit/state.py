"""A streamed RFM table: :class:`RFMState`, fed batch by batch, merged exactly.

The state keeps, per customer, what :func:`rfmkit.rfm_table` folds the rows
into (first and last purchase, counts, the exact money sum as integers) and
what exact distinct counts need (the customer's days or orders). Any split
of the rows into batches, any order of updates and any tree of merges gives
the same table, bit for bit, as ``rfm_table`` on all the rows at once.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pyarrow as pa

from ._core import RawRfmState
from ._typing import DateLike, OutputLike, TableLike, WindowLike, ZoneLike
from .errors import InputError, InputTypeError
from .io import dates as _time
from .io.amounts import amount_column
from .io.columns import unencodable
from .io.frames import get_columns
from .io.group_args import GroupArg, group_columns, group_texts
from .io.ids import key_column
from .io.output import OutputKind, output_kind, to_output
from .io.windows import window_arg
from .state_groups import batch_group_args, plain_ids, same_group_dtypes
from .state_io import ipc_bytes, ipc_table, state_from_table, state_table
from .state_meta import instant, zone_key
from .table import (
    check_choice,
    group_names_of,
    grouped_describe,
    result_frame,
    warn_without_purchase,
    window_kwargs,
)

__all__ = ["RFMState"]


class RFMState:
    """The per-customer state of :func:`rfmkit.rfm_table`, fed in batches.

    Parameters
    ----------
    customer_id, date, amount : str
        The column names of the batches.
    as_of, window, frequency, order_id, returns, tz
        As for :func:`rfmkit.rfm_table`. A ``window`` needs ``as_of``: a
        state cannot know its end while the batches are still coming. Without
        ``as_of`` the as-of date is the latest date over all batches.
    by : str or list of str, optional
        Group columns, as for :func:`rfmkit.rfm_table`: the core keys each
        customer by (group, id), and :meth:`finish` gives the grouped table.
        The group columns' dtype is the first batch's; a categorical column
        keeps the first batch's categories (later batches are recoded to
        them, and a value outside them is an error).

    Notes
    -----
    :meth:`update` takes anything :func:`rfmkit.rfm_table` takes and
    checks the batch as ``rfm_table`` checks its input; an error names the
    batch (counted from 0) and the row within it, and leaves the state as it
    was. Batches must agree on the kind of ids (integers or text) and on the
    dates' unit and time zone. :meth:`merge` needs states of the same options.
    :meth:`to_arrow` saves a state losslessly (the money sums as integer
    columns) and ``pickle`` uses it, so states travel to process pools and
    cluster workers.

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(2_000, 300, seed=1)
    >>> state = rfmkit.RFMState()
    >>> for start in range(0, len(tx), 500):
    ...     _ = state.update(tx.iloc[start:start + 500])
    >>> state.finish().equals(rfmkit.rfm_table(tx))
    True
    >>> a = rfmkit.RFMState().update(tx.iloc[:900])
    >>> b = rfmkit.RFMState().update(tx.iloc[900:])
    >>> a.merge(b).finish().equals(rfmkit.rfm_table(tx))
    True
    """

    def __init__(
        self,
        customer_id: str = "customer_id",
        date: str = "date",
        amount: str = "amount",
        *,
        as_of: DateLike | None = None,
        window: WindowLike | None = None,
        frequency: str = "rows",
        order_id: str | None = None,
        returns: str = "net",
        tz: ZoneLike | None = None,
        by: str | list[str] | None = None,
    ) -> None:
        for arg, value in (("customer_id", customer_id), ("date", date), ("amount", amount)):
            if not isinstance(value, str):
                raise InputTypeError(f"{arg} must be a column name (str), not {type(value).__name__}")
        if order_id is not None and not isinstance(order_id, str):
            raise InputTypeError(f"order_id must be a column name (str), not {type(order_id).__name__}")
        self._by = group_names_of(by, [customer_id, date, amount, order_id])
        check_choice("frequency", frequency, ("rows", "orders", "days"))
        check_choice("returns", returns, ("net", "exclude", "error"))
        if frequency == "orders" and order_id is None:
            raise InputError("invalid frequency: 'orders' needs an order_id column")
        if frequency != "orders" and order_id is not None:
            raise InputError("invalid order_id: an order_id column is only used with frequency='orders'")
        self._window = window_arg(window)
        if as_of is not None:
            _time.parse_when(as_of, "as_of")  # a bad date is an error now, not at the first batch
        elif self._window is not None:
            raise InputError(
                "a window needs as_of in a streamed state: the latest date, the default as-of, "
                "is not known before the last batch"
            )
        self._names = (customer_id, date, amount, order_id or "order_id")
        self._columns = [customer_id, date, amount] + ([order_id] if order_id else [])
        self._opts: dict[str, Any] = {
            "as_of": as_of,
            # normalised: "90D" and 90 are the same window
            "window": None
            if self._window is None
            else f"{self._window[1]}{'D' if self._window[0] == 'days' else 'M'}",
            "frequency": frequency,
            "order_id": order_id,
            "returns": returns,
            "tz": tz,
            "by": self._by or None,
        }
        # The core state (under the key (): none before the first batch), and
        # the first batch's group columns (their dtypes, for the result).
        self._parts: dict[tuple, RawRfmState] = {}
        self._groups: list[GroupArg] | None = None
        self._time: _time.TimeColumn | None = None  # the first batch's dates: unit and zone
        self._like: Any = None  # the first batch's id dtype
        self._batches = 0
        self._kind = OutputKind("pandas")  # the first batch's kind: polars in, polars out

    # -- feeding -------------------------------------------------------
    def update(self, batch: TableLike) -> RFMState:
        """Folds one batch in and returns the state (for chaining)."""
        try:
            self._update(batch)
        except (InputError, InputTypeError) as exc:
            raise type(exc)(
                f"batch {self._batches}: {exc}", column=exc.column, row=exc.row, value=exc.value
            ) from None
        self._batches += 1
        return self

    def _update(self, batch: Any) -> None:
        columns = get_columns(batch, self._columns + self._by)
        name_id, name_date, name_amount, name_order = self._names
        ids = plain_ids(columns[name_id])
        keys = key_column(ids, name_id)
        time = _time.time_column(columns[name_date], name_date, self._opts["tz"])
        if not len(time.ts) and () in self._parts:
            return  # an empty batch changes nothing (nor is held to the earlier batches' kinds)
        if len(time.ts) and () in self._parts and not self._parts[()].rows:
            # Only empty batches so far: this first row-holding batch fixes the
            # kind of ids, the dates' unit and zone and the group dtypes, as if
            # the empty ones were not there.
            self._parts, self._groups, self._time, self._like = {}, None, None, None
        first = self._time is None
        kind = output_kind(batch, None, self._names[1]) if first else None
        if self._time is not None and (time.unit, zone_key(time.zone)) != (
            self._time.unit,
            zone_key(self._time.zone),
        ):
            raise InputTypeError(
                f"column {name_date!r} holds dates in {time.unit} {time.zone or 'naive'}, the earlier "
                f"batches in {self._time.unit} {self._time.zone or 'naive'}: convert the batches alike"
            )
        amounts = amount_column(columns[name_amount], name_amount)
        orders = None
        if self._opts["order_id"] is not None:
            orders = key_column(plain_ids(columns[name_order]), name_order)
        args = (keys.arg, time.ts, time.days, amounts, None if orders is None else orders.arg)
        groups = batch_group_args(columns, self._by, self._groups) if self._by else None
        try:
            raw = self._parts[()] if () in self._parts else self._new_raw(time)
            self._feed(raw, args, time.ticks_per_day, groups)
            self._parts[()] = raw
        except UnicodeEncodeError:
            texts = {name_id: ids, name_order: columns.get(name_order)}
            texts.update(group_texts(groups or [], self._by))
            raise unencodable(texts) from None
        if self._groups is None and groups:
            self._groups = groups
        if first:
            self._time, self._kind = time, kind or self._kind
            # rfm_table's rule: the id column's own dtype (a categorical's too)
            self._like = getattr(columns[name_id], "dtype", None)

    def _feed(self, raw: RawRfmState, args: tuple, tpd: int, groups: list[GroupArg] | None) -> None:
        ids, ts, days, amounts, orders = args
        raw.update(
            ids=ids,
            ts=ts,
            ticks_per_day=tpd,
            days=days,
            amounts=amounts,
            orders=orders,
            names=self._names,
            groups=None if groups is None else [g.arg for g in groups],
            by=self._by,
        )

    def _new_raw(self, time: _time.TimeColumn) -> RawRfmState:
        return RawRfmState(
            as_of_day=_time.as_of_day(self._opts["as_of"], time),
            **window_kwargs(self._window),
            frequency=self._opts["frequency"],
            returns=self._opts["returns"],
            by=len(self._by),
        )

    # -- combining -----------------------------------------------------
    def merge(self, other: RFMState) -> RFMState:
        """A new state of both states' rows (neither changes)."""
        if not isinstance(other, RFMState):
            raise InputTypeError(f"merge takes an RFMState, not {type(other).__name__}")
        if (self._names, _key(self._opts)) != (other._names, _key(other._opts)):
            raise InputError(
                "merge needs states of the same columns and options: "
                f"{self._describe(other)} vs {other._describe(self)}"
            )
        if not other._rows() and self._time is not None:
            return self._copy(self._batches + other._batches)
        if not self._rows() and other._time is not None:
            return other._copy(self._batches + other._batches)
        mine, theirs = self._time, other._time
        if (
            mine is not None
            and theirs is not None
            and (mine.unit, zone_key(mine.zone)) != (theirs.unit, zone_key(theirs.zone))
        ):
            raise InputError("merge needs states whose dates have the same unit and time zone")
        if self._groups is not None and other._groups is not None:
            same_group_dtypes(self._groups, other._groups, self._by)
        out = RFMState.__new__(RFMState)
        out.__dict__.update(self.__dict__ if self._time is not None else other.__dict__)
        out._batches = self._batches + other._batches
        # Copies: later updates of the result must not reach self or other.
        out._parts = {
            k: v.merge(other._parts[k]) if k in other._parts else v.copy() for k, v in self._parts.items()
        }
        out._groups = self._groups if self._groups is not None else other._groups
        for key, raw in other._parts.items():
            if key not in out._parts:
                out._parts[key] = raw.copy()
        return out

    def _rows(self) -> int:
        return self._parts[()].rows if () in self._parts else 0

    def _copy(self, batches: int) -> RFMState:
        """A copy of this state (its core state copied) counting ``batches``."""
        out = RFMState.__new__(RFMState)
        out.__dict__.update(self.__dict__)
        out._parts = {k: v.copy() for k, v in self._parts.items()}
        out._batches = batches
        return out

    def _describe(self, other: RFMState | None = None) -> str:
        """The options, and the column names where they differ from ``other``'s."""
        names = ("customer_id", "date", "amount", "order_id")
        theirs = self._names if other is None else other._names
        cols = [f"{n}={a!r}" for n, a, b in zip(names, self._names, theirs, strict=True) if a != b]
        return ", ".join(cols + [f"{k}={v!r}" for k, v in self._opts.items() if v is not None])

    # -- results -------------------------------------------------------
    def finish(self, *, output: OutputLike | None = None) -> TableLike:
        """The table of all the rows so far: equal, bit for bit, to
        :func:`rfmkit.rfm_table` on all the batches concatenated."""
        kind = self._kind if output is None else output_kind(None, output)
        if not self._parts or self._time is None:
            raise InputError("the state has no rows yet: update it with a batch first")
        raw = self._parts[()].finish(self._names)
        groups = self._groups or []
        warn_without_purchase(raw, grouped_describe(raw, groups, self._by), stacklevel=3)
        group_cols = group_columns(raw["groups"], groups, self._by) if self._by else None
        return to_output(self._frame(raw, group_cols), kind)

    def _frame(self, raw: Any, groups: dict[str, Any] | None) -> pd.DataFrame:
        assert self._time is not None
        ids = raw["customer_id"]
        values = ids[1] if ids[0] != "str" else _strings(ids)
        if isinstance(self._like, pd.CategoricalDtype) and isinstance(values, pa.Array):
            # as rfm_table gives a categorical's text ids: plain values, dtype inferred
            values = values.to_numpy(zero_copy_only=False)
        return result_frame(
            raw,
            values,
            self._like,
            self._time,
            window=self._opts["window"],
            frequency=self._opts["frequency"],
            returns=self._opts["returns"],
            groups=groups,
        )

    def __len__(self) -> int:
        return sum(len(p) for p in self._parts.values())

    def __repr__(self) -> str:
        return f"RFMState({len(self)} customers, {self._batches} batch(es), {self._describe()})"

    # -- saving --------------------------------------------------------
    def to_arrow(self) -> pa.Table:
        """The state as a pyarrow Table, one row per customer (exact money as
        integer columns); :meth:`from_arrow` reads it back."""
        return state_table(self)

    @classmethod
    def from_arrow(cls, table: pa.Table) -> RFMState:
        """The state saved by :meth:`to_arrow`."""
        return state_from_table(cls, table)

    def __getstate__(self) -> dict:
        return {"arrow": ipc_bytes(self.to_arrow())}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(RFMState.from_arrow(ipc_table(state["arrow"])).__dict__)


def _key(opts: dict) -> dict:
    """The options as states compare them: an as-of date by the instant it
    names, however it is spelled ("2023-06-01", a date, a Timestamp)."""
    key = {k: (json.dumps(v, default=str) if v is not None else None) for k, v in opts.items()}
    if opts.get("as_of") is not None:
        key["as_of"] = instant(_time.parse_when(opts["as_of"], "as_of"))
    return key


def _strings(ids: tuple) -> pa.Array:
    if ids[0] == "arrow":
        return ids[1]
    offsets, data = ids[1], ids[2]
    return pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data))
