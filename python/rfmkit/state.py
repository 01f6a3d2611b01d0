"""A streamed RFM table: :class:`RFMState`, fed batch by batch, merged exactly.

The state keeps, per customer, what :func:`rfmkit.rfm_table` folds the rows
into (first and last purchase, counts, the exact money sum as integers) and
what exact distinct counts need (the customer's days or orders). Any split
of the rows into batches, any order of updates and any tree of merges gives
the same table, bit for bit, as ``rfm_table`` on all the rows at once.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ._core import RawRfmState
from ._typing import DateLike, OutputLike, TableLike, WindowLike, ZoneLike
from .errors import InputError, InputTypeError
from .io import dates as _time
from .io.amounts import amount_column
from .io.columns import unencodable
from .io.frames import get_columns
from .io.ids import key_column
from .io.output import OutputKind, output_kind, to_output
from .io.windows import window_arg
from .state_groups import (
    GroupKey,
    batch_groups,
    check_kinds,
    group_label,
    group_order,
    plain_ids,
    remap_rows,
    take_key_arg,
)
from .state_io import ipc_bytes, ipc_table, state_from_table, state_table
from .table import check_choice, group_names_of, result_frame, warn_without_purchase, window_kwargs

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
        Group columns, as for :func:`rfmkit.rfm_table`: the state keeps one
        core state per group, and :meth:`finish` gives the grouped table.

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
        # One core state per group (the key () without by=), and each group's values.
        self._parts: dict[GroupKey, RawRfmState] = {}
        self._values: dict[GroupKey, dict[str, pd.Series]] = {}
        self._time: _time.TimeColumn | None = None  # the first batch's dates: unit and zone
        self._like: Any = None  # the first batch's id dtype
        self._batches = 0
        self._kind = OutputKind("pandas")  # the first batch's kind: polars in, polars out
        self._kinds: tuple | None = None  # the kinds of the ids and order ids seen

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
        first = self._time is None
        kind = output_kind(batch, None, self._names[1]) if first else None
        columns = get_columns(batch, self._columns + self._by)
        name_id, name_date, name_amount, name_order = self._names
        ids = plain_ids(columns[name_id])
        keys = key_column(ids, name_id)
        time = _time.time_column(columns[name_date], name_date, self._opts["tz"])
        if self._time is not None and (time.unit, time.zone) != (self._time.unit, self._time.zone):
            raise InputTypeError(
                f"column {name_date!r} holds dates in {time.unit} {time.zone or 'naive'}, the earlier "
                f"batches in {self._time.unit} {self._time.zone or 'naive'}: convert the batches alike"
            )
        amounts = amount_column(columns[name_amount], name_amount)
        orders = None
        if self._opts["order_id"] is not None:
            orders = key_column(plain_ids(columns[name_order]), name_order)
        self._kinds = check_kinds(self._kinds, keys, orders, len(time.ts), (name_id, name_order))
        args = (keys.arg, time.ts, time.days, amounts, None if orders is None else orders.arg)
        try:
            if not self._by:
                raw = self._parts[()] if () in self._parts else self._new_raw(time)
                self._feed(raw, args, time.ticks_per_day)
                self._parts[()] = raw
            else:
                self._update_groups(columns, args, time)
        except UnicodeEncodeError:
            raise unencodable({name_id: ids, name_order: columns.get(name_order)}) from None
        if first:
            self._time, self._kind = time, kind or self._kind
            # rfm_table's rule: the id column's own dtype (a categorical's too)
            self._like = getattr(columns[name_id], "dtype", None)

    def _feed(self, raw: RawRfmState, args: tuple, tpd: int) -> None:
        ids, ts, days, amounts, orders = args
        raw.update(
            ids=ids, ts=ts, ticks_per_day=tpd, days=days, amounts=amounts, orders=orders, names=self._names
        )

    def _update_groups(self, columns: dict, args: tuple, time: _time.TimeColumn) -> None:
        """Each group's rows into a fresh core state first, so that an error
        in any group leaves the whole state as it was; then merged in."""
        ids, ts, days, amounts, orders = args
        n = len(ts)
        fresh: list[tuple[GroupKey, RawRfmState, dict]] = []
        for key, rows, values in batch_groups([columns[g] for g in self._by], self._by, n):
            raw = self._new_raw(time)
            try:
                part = (
                    take_key_arg(ids, rows),
                    np.ascontiguousarray(ts[rows]),
                    None if days is None else np.ascontiguousarray(days[rows]),
                    np.ascontiguousarray(amounts[rows]),
                    take_key_arg(orders, rows),
                )
                self._feed(raw, part, time.ticks_per_day)
            except (InputError, InputTypeError) as exc:
                raise remap_rows(exc, rows, group_label(key, self._by)) from None
            fresh.append((key, raw, values))
        for key, raw, values in fresh:
            if key in self._parts:
                self._parts[key].absorb(raw)
            else:
                self._parts[key], self._values[key] = raw, values

    def _new_raw(self, time: _time.TimeColumn) -> RawRfmState:
        return RawRfmState(
            as_of_day=_time.as_of_day(self._opts["as_of"], time),
            **window_kwargs(self._window),
            frequency=self._opts["frequency"],
            returns=self._opts["returns"],
        )

    # -- combining -----------------------------------------------------
    def merge(self, other: RFMState) -> RFMState:
        """A new state of both states' rows (neither changes)."""
        if not isinstance(other, RFMState):
            raise InputTypeError(f"merge takes an RFMState, not {type(other).__name__}")
        if (self._names, _key(self._opts)) != (other._names, _key(other._opts)):
            raise InputError(
                "merge needs states of the same columns and options: "
                f"{self._describe()} vs {other._describe()}"
            )
        mine, theirs = self._time, other._time
        if mine is not None and theirs is not None and (mine.unit, mine.zone) != (theirs.unit, theirs.zone):
            raise InputError("merge needs states whose dates have the same unit and time zone")
        out = RFMState.__new__(RFMState)
        out.__dict__.update(self.__dict__ if self._time is not None else other.__dict__)
        out._batches = self._batches + other._batches
        # Copies: later updates of the result must not reach self or other.
        out._parts = {k: v.copy() for k, v in self._parts.items()}
        out._values = dict(self._values)
        for key, raw in other._parts.items():
            if key in out._parts:
                out._parts[key].absorb(raw)
            else:
                out._parts[key] = raw.copy()
                if key in other._values:
                    out._values[key] = other._values[key]
        return out

    def _describe(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self._opts.items() if v is not None)

    # -- results -------------------------------------------------------
    def finish(self, *, output: OutputLike | None = None) -> TableLike:
        """The table of all the rows so far: equal, bit for bit, to
        :func:`rfmkit.rfm_table` on all the batches concatenated."""
        kind = self._kind if output is None else output_kind(None, output)
        if not self._parts or self._time is None:
            raise InputError("the state has no rows yet: update it with a batch first")
        if not self._by:
            raw = self._parts[()].finish(self._names)
            warn_without_purchase(raw, stacklevel=3)
            return to_output(self._frame(raw, None), kind)
        grouped, group_cols = self._grouped()
        return to_output(self._frame(grouped, group_cols), kind)

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

    def _grouped(self) -> tuple[dict, dict[str, Any]]:
        """The groups' tables as one, in rfm_table(by=)'s order, as of the
        as-of date of all the groups (the latest date over all of them)."""
        spans = [s for s in (p.day_span() for p in self._parts.values()) if s is not None]
        assert self._time is not None
        given = _time.as_of_day(self._opts["as_of"], self._time)
        as_of_day = given if given is not None else max(s[1] for s in spans)
        first_day = min(s[0] for s in spans)
        if as_of_day is not None and first_day > as_of_day:
            first = _day_text(first_day)
            raise InputError(
                f"invalid as_of: {_day_text(as_of_day)} is before the first transaction, on {first}"
            )
        order = group_order(list(self._parts), self._values, self._by)
        parts = [(key, self._parts[key].finish(self._names, as_of_day)) for key in order]
        raw: dict[str, Any] = {"as_of_day": as_of_day}
        for col in ("recency", "frequency", "monetary", "first_purchase", "last_purchase"):
            raw[col] = np.concatenate([p[col] for _, p in parts]) if parts else np.empty(0, np.int64)
        kinds = {p["customer_id"][0] for _, p in parts}
        if kinds == {"str"}:
            raw["customer_id"] = ("arrow", pa.concat_arrays([_strings(p["customer_id"]) for _, p in parts]))
        else:
            raw["customer_id"] = (kinds.pop(), np.concatenate([p["customer_id"][1] for _, p in parts]))
        sizes = [len(p["recency"]) for _, p in parts]
        group_cols = {
            name: pd.concat(
                [
                    self._values[key][name].take(np.zeros(n, dtype=np.int64))
                    for (key, _), n in zip(parts, sizes, strict=True)
                ],
                ignore_index=True,
            )
            for name in self._by
        }
        left_out = [(key, p) for key, p in parts if p["without_purchase"]]
        raw["without_purchase"] = sum(p["without_purchase"] for _, p in left_out)
        raw["first_without_purchase"] = None
        if left_out:
            key, p = left_out[0]
            raw["first_without_purchase"] = (
                f"customer {p['first_without_purchase']} in {group_label(key, self._by)}"
            )
        warn_without_purchase(raw, stacklevel=4)
        return raw, group_cols

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


def _day_text(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def _key(opts: dict) -> dict:
    return {k: (json.dumps(v, default=str) if v is not None else None) for k, v in opts.items()}


def _strings(ids: tuple) -> pa.Array:
    if ids[0] == "arrow":
        return ids[1]
    offsets, data = ids[1], ids[2]
    return pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data))
