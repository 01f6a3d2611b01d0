"""A streamed CLV summary: :class:`SummaryState`, fed batch by batch, merged exactly.

What :func:`rfmkit.rfm_summary` folds the transactions into, per customer
(first and last period, rows, the exact sums of the first period and of the
others, and the distinct periods), kept between batches so that any split of
the rows, any order of updates and any tree of merges gives ``rfm_summary``
of all the rows, bit for bit.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa

from .._core import RawSummaryState
from .._typing import OutputLike, PeriodEndLike, TableLike
from ..errors import InputError, InputTypeError
from ..io.amounts import amount_column
from ..io.columns import unencodable
from ..io.frames import get_columns
from ..io.ids import Keys, key_column, strings_out
from ..io.output import OutputKind, output_kind, to_output
from ..io.walltime import WallDates, wall_dates, wall_when
from ..state_groups import plain_ids
from ..state_io import binary_array, binary_buffers, ipc_bytes, ipc_table, list_offsets
from ..state_meta import (
    check_saved_batches,
    check_saved_ids,
    check_saved_time,
    dtype_from_meta,
    dtype_meta,
    end_from_meta,
    end_meta,
    joined_like,
    kind_from_meta,
    kind_meta,
    loading,
    zone_key,
)
from .state_checks import check_periods, compared
from .summary import check_scaler, check_unit, like_peers, period_ordinal, period_start, summary_frame

__all__ = ["SummaryState"]

_KEY = b"rfmkit.summary_state"
_LIMBS = 34
_COLUMNS = {
    "first": pa.int64(),
    "last": pa.int64(),
    "rows": pa.uint32(),
    "periods": pa.uint32(),
    "spilled": pa.bool_(),
    **{f"money_{k}": pa.uint64() for k in range(8)},
}


class SummaryState:
    """The per-customer state of :func:`rfmkit.rfm_summary`, fed in batches.

    Parameters
    ----------
    customer_id_col, datetime_col, monetary_value_col, datetime_format
        As for :func:`rfmkit.rfm_summary`.
    observation_period_end, time_unit, time_scaler, include_first_transaction
        As for :func:`rfmkit.rfm_summary`. Without ``observation_period_end``
        the end is the latest period over all batches.

    Notes
    -----
    :meth:`update` checks each batch as ``rfm_summary`` checks its input (an
    error names the batch, counted from 0, and the row within it, and leaves
    the state as it was). Batches must agree on the kind of ids, on the
    dates' unit and on their time zone (naive dates, or one zone), as one
    column would. Text dates without ``datetime_format`` are parsed batch by
    batch, so a batch whose layout pandas would infer differently alone
    (day first, say) can read otherwise than in one frame: give the format
    when streaming text dates. :meth:`merge` needs states of the same options;
    :meth:`to_arrow` / :meth:`from_arrow` and ``pickle`` keep a state
    losslessly (exact money as integer columns).

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(2_000, 300, seed=1)
    >>> a = rfmkit.SummaryState("customer_id", "date", "amount").update(tx.iloc[:800])
    >>> b = rfmkit.SummaryState("customer_id", "date", "amount").update(tx.iloc[800:])
    >>> a.merge(b).finish().equals(rfmkit.rfm_summary(tx, "customer_id", "date", "amount"))
    True
    """

    def __init__(
        self,
        customer_id_col: str,
        datetime_col: str,
        monetary_value_col: str | None = None,
        *,
        observation_period_end: PeriodEndLike | None = None,
        time_unit: str = "D",
        time_scaler: float | None = 1,
        include_first_transaction: bool | None = False,
        datetime_format: str | None = None,
    ) -> None:
        for arg, value in (("customer_id_col", customer_id_col), ("datetime_col", datetime_col)):
            if not isinstance(value, str):
                raise InputTypeError(f"{arg} must be a column name (str), not {type(value).__name__}")
        if monetary_value_col is not None and not isinstance(monetary_value_col, str):
            raise InputTypeError(
                f"monetary_value_col must be a column name (str), not {type(monetary_value_col).__name__}"
            )
        self._unit, self._scaler = check_unit(time_unit), check_scaler(time_scaler)
        self._first = "pymc" if include_first_transaction else ""
        self._cols = (customer_id_col, datetime_col, monetary_value_col)
        self._names = (customer_id_col, datetime_col, monetary_value_col or "monetary_value")
        self._fmt = datetime_format
        self._end = observation_period_end
        self._raw: RawSummaryState | None = None
        self._like: Any = None
        self._keys: Keys | None = None
        self._batches = 0
        self._kind = OutputKind("pandas")
        self._saved_end: int | None = None  # the end period, once the first batch fixes it
        self._zone: str | None = None  # the first batch's time zone, by name ("" for naive dates)

    def _options(self) -> dict[str, Any]:
        return {
            "columns": list(self._cols),
            "observation_period_end": end_meta(self._end),
            "time_unit": self._unit,
            "time_scaler": self._scaler,
            "first": self._first,
            "datetime_format": self._fmt,
        }

    def update(self, batch: TableLike) -> SummaryState:
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
        id_col, date_col, money_col = self._cols
        names = [id_col, date_col] + ([money_col] if money_col is not None else [])
        columns = get_columns(batch, names)
        keys = key_column(plain_ids(columns[id_col]), id_col)
        dates = wall_dates(columns[date_col], date_col, self._fmt)
        if not len(dates.time.ts) and self._raw is not None:
            return  # an empty batch changes nothing (nor is held to the earlier batches' kinds)
        if self._raw is not None and not self._raw.rows:
            # Only empty batches so far: this first row-holding batch fixes the
            # kind of ids, the dates' unit and zone, as if the empty ones were not there.
            self._raw, self._keys, self._zone, self._like = None, None, None, None
        kind = output_kind(batch, None, date_col) if self._raw is None else None
        zone = zone_key(dates.zone) or ""
        if self._zone is not None and zone != self._zone:
            raise InputTypeError(
                f"column {date_col!r} holds dates in {zone or 'no time zone'}, the earlier batches "
                f"in {self._zone or 'no time zone'}: convert the batches alike",
                column=date_col,
            )
        amounts = amount_column(columns[money_col], money_col) if money_col is not None else None
        raw = self._raw if self._raw is not None else self._new_raw(dates)
        time = dates.time
        try:
            raw.update(
                ids=keys.arg, ts=time.ts, ticks_per_day=time.ticks_per_day, amounts=amounts, names=self._names
            )
        except UnicodeEncodeError:
            raise unencodable({id_col: keys.arg[1]}) from None
        like = getattr(columns[id_col], "dtype", None)
        if self._raw is not None:
            self._like = joined_like(self._like, like)
        else:
            self._raw, self._keys = raw, keys
            self._like = like
            self._kind = kind or self._kind
            self._zone = zone

    def _new_raw(self, dates: WallDates) -> RawSummaryState:
        end = None
        if self._end is not None:
            when = wall_when(self._end, "observation_period_end", dates, self._fmt)
            end = period_ordinal(when, self._unit)
        self._saved_end = end
        return RawSummaryState(unit=self._unit, end_period=end)

    def merge(self, other: SummaryState) -> SummaryState:
        """A new state of both states' rows (neither changes)."""
        if not isinstance(other, SummaryState):
            raise InputTypeError(f"merge takes a SummaryState, not {type(other).__name__}")
        if compared(self._options()) != compared(other._options()):
            raise InputError(
                f"merge needs states of the same options: {self._options()} vs {other._options()}"
            )
        out = SummaryState.__new__(SummaryState)
        out.__dict__.update(self.__dict__)
        out._batches = self._batches + other._batches
        mine, theirs = self._raw, other._raw
        if mine is None or theirs is None or not (mine.rows and theirs.rows):
            # One side has no rows: the result is (a copy of) the other.
            src = self if theirs is None or (mine is not None and not theirs.rows) else other
            out._raw = src._raw if src._raw is None else src._raw.merge(RawSummaryState(**src._raw_options()))
            out._like, out._keys, out._kind = src._like, src._keys, src._kind
            out._saved_end, out._zone = src._saved_end, src._zone
            return out
        if self._zone is not None and other._zone is not None and self._zone != other._zone:
            raise InputError(
                f"merge needs states whose dates are in the same time zone: "
                f"{self._zone or 'no time zone'} vs {other._zone or 'no time zone'}"
            )
        out._raw = mine.merge(theirs)
        out._like = joined_like(self._like, other._like)
        return out

    def _raw_options(self) -> dict[str, Any]:
        return {"unit": self._unit, "end_period": self._saved_end}

    def finish(self, *, output: OutputLike | None = None) -> TableLike:
        """The summary of all the rows so far: equal, bit for bit, to
        :func:`rfmkit.rfm_summary` on all the batches concatenated."""
        kind = self._kind if output is None else output_kind(None, output)
        if self._raw is None:
            raise InputError("the state has no rows yet: update it with a batch first")
        raw = self._raw.finish(self._names)
        if len(raw["first"]) == 0 and self._raw.rows:
            raise InputError(
                f"observation_period_end {self._end!r} is before the first transaction: "
                "there is nothing to summarize"
            )
        keys = self._keys or Keys(("i64", np.empty(0, np.int64)), strings_out)
        finisher = Keys(keys.arg, strings_out if raw["customer_id"][0] == "str" else _plain)
        table = summary_frame(
            raw, finisher, self._like, self._scaler, self._cols[2] is not None, first=self._first
        )
        table = like_peers(table, self._like)
        end_period = raw["end_period"]
        table.attrs.update(
            time_unit=self._unit,
            time_scaler=self._scaler,
            observation_period_end=None
            if end_period is None
            else period_start(end_period, self._unit).isoformat(),
        )
        return to_output(table, kind)

    def __len__(self) -> int:
        return 0 if self._raw is None else len(self._raw)

    def __repr__(self) -> str:
        return f"SummaryState({len(self)} customers, {self._batches} batch(es), time_unit={self._unit!r})"

    # -- saving --------------------------------------------------------
    def to_arrow(self) -> pa.Table:
        """The state as a pyarrow Table, one row per customer; :meth:`from_arrow` reads it."""
        meta: dict[str, Any] = {"options": self._options(), "batches": self._batches}
        meta["like"] = dtype_meta(self._like)
        meta["output"] = kind_meta(self._kind)
        meta["zone"] = self._zone
        if self._raw is None:
            return pa.table({"customer_id": pa.array([], pa.int64())}).replace_schema_metadata(
                {_KEY: json.dumps(meta)}
            )
        p = self._raw.export()
        n = len(p["first"])
        ids = p["ids"]
        cols: dict[str, Any] = {
            "customer_id": pa.array([], pa.int64())
            if ids is None
            else binary_array(ids[1], ids[2])
            if ids[0] == "str"
            else pa.array(ids[1])
        }
        for name, typ in _COLUMNS.items():
            cols[name] = pa.array(p[name], typ)
        sizes = np.zeros(n, dtype=np.int64)
        sizes[p["exact_slot"].astype(np.int64)] = 2 * _LIMBS
        cols["exact"] = pa.LargeListArray.from_arrays(
            list_offsets(sizes), pa.array(p["exact_limbs"], pa.uint64())
        )
        counts = np.bincount(p["pair_slot"].astype(np.int64), minlength=n)
        cols["periods_seen"] = pa.LargeListArray.from_arrays(list_offsets(counts), pa.array(p["pair_period"]))
        meta.update(
            ids_kind=None if ids is None else ids[0],
            ticks_per_day=p["ticks_per_day"],
            has_amounts=p["has_amounts"],
            total_rows=int(p["total_rows"]),
            end_period=self._saved_end,
        )
        return pa.table(cols).replace_schema_metadata({_KEY: json.dumps(meta)})

    @classmethod
    def from_arrow(cls, table: pa.Table) -> SummaryState:
        """The state saved by :meth:`to_arrow`."""
        with loading("SummaryState"):
            return cls._from_arrow(table)

    @classmethod
    def _from_arrow(cls, table: pa.Table) -> SummaryState:
        if not isinstance(table, pa.Table) or _KEY not in (table.schema.metadata or {}):
            raise InputError("from_arrow takes the pyarrow Table of SummaryState.to_arrow")
        meta = json.loads(table.schema.metadata[_KEY])
        o = meta["options"]
        state = cls(
            *o["columns"],
            observation_period_end=end_from_meta(o["observation_period_end"]),
            time_unit=o["time_unit"],
            time_scaler=o["time_scaler"],
            include_first_transaction=bool(o["first"]),
            datetime_format=o["datetime_format"],
        )
        state._batches = check_saved_batches(meta, "SummaryState")
        state._like = dtype_from_meta(meta["like"])
        state._kind = kind_from_meta(meta.get("output"))
        state._zone = meta.get("zone")
        if "ids_kind" not in meta:
            return state
        t = table.combine_chunks()
        n = t.num_rows
        check_saved_time("D", meta.get("zone") or None)
        check_saved_ids(t, ["customer_id"], "SummaryState")
        check_periods(t, state._unit)
        col = t.column("customer_id")
        arr = col.chunk(0) if col.num_chunks else pa.array([], col.type)
        if meta["ids_kind"] == "str":
            ids: Any = ("str", *binary_buffers(arr))
        elif meta["ids_kind"] is None:
            ids = None
        else:
            ids = (
                meta["ids_kind"],
                arr.to_numpy(zero_copy_only=False).astype(
                    np.int64 if meta["ids_kind"] == "i64" else np.uint64
                ),
            )
        parts: dict[str, Any] = {"ids": ids}
        for name, typ in _COLUMNS.items():
            parts[name] = t.column(name).to_numpy().astype(typ.to_pandas_dtype())
        exact = t.column("exact").chunk(0) if n else pa.array([], pa.large_list(pa.uint64()))
        parts["exact_slot"] = np.flatnonzero(np.diff(exact.offsets.to_numpy())).astype(np.uint32)
        parts["exact_limbs"] = exact.flatten().to_numpy().astype(np.uint64)
        seen = t.column("periods_seen").chunk(0) if n else pa.array([], pa.large_list(pa.int64()))
        parts["pair_slot"] = np.repeat(np.arange(n, dtype=np.uint32), np.diff(seen.offsets.to_numpy()))
        parts["pair_period"] = seen.flatten().to_numpy().astype(np.int64)
        parts["ticks_per_day"] = meta["ticks_per_day"]
        parts["has_amounts"] = meta["has_amounts"]
        parts["total_rows"] = meta["total_rows"]
        state._saved_end = meta["end_period"]
        state._raw = RawSummaryState.load(parts, unit=state._unit, end_period=meta["end_period"])
        kind = "str" if meta["ids_kind"] == "str" else "i64"
        state._keys = Keys((kind, np.empty(0, np.int64)), strings_out if kind == "str" else _plain)
        return state

    def __getstate__(self) -> dict:
        return {"arrow": ipc_bytes(self.to_arrow())}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(SummaryState.from_arrow(ipc_table(state["arrow"])).__dict__)


def _plain(out: tuple) -> Any:
    return out[1]
