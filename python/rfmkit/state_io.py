"""Saving an :class:`rfmkit.RFMState` as an Arrow table and reading it back.

One row per customer: ``customer_id``; the accumulator (``first_ts``,
``last_ts``, ``last_pos``, ``count``, ``seen``, ``spilled``); the exact
fixed-point money sum as four unsigned 64-bit words (``money_0`` ..
``money_3``: the integer part's high and low words, then the fraction's);
``exact``, the 34 limbs of the wide exact sum of a customer whose amounts
the fixed point cannot hold (empty otherwise); and ``pairs``, the
customer's distinct days or orders (order ids as bytes when they are text).
A grouped state (``by=``) adds each customer's group columns under their own
names, in the first batch's dtypes. The options, column names, date unit and zone, and the counters are JSON
in the schema metadata under ``b"rfmkit.state"``.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._core import RawRfmState
from .errors import InputError
from .io import dates as _time
from .io.group_args import empty_values, group_arg, unfixed
from .state_meta import (
    check_saved_batches,
    check_saved_ids,
    check_saved_time,
    dtype_from_meta,
    dtype_meta,
    kind_from_meta,
    kind_meta,
    loading,
    pandas_dtype,
)
from .table import window_kwargs

__all__ = [
    "binary_array",
    "binary_buffers",
    "ipc_bytes",
    "ipc_table",
    "list_offsets",
    "pandas_dtype",
    "state_from_table",
    "state_table",
]

_KEY = b"rfmkit.state"
_FORMAT = 2
# Format 1 differs only for grouped states (one block of rows per group).
_READS = (1, 2)
_LIMBS = 34
_ACC = {
    "first_ts": pa.int64(),
    "last_ts": pa.int64(),
    "last_pos": pa.int64(),
    "count": pa.uint32(),
    "seen": pa.bool_(),
    "spilled": pa.bool_(),
    "money_0": pa.uint64(),
    "money_1": pa.uint64(),
    "money_2": pa.uint64(),
    "money_3": pa.uint64(),
}


def state_table(state: Any) -> pa.Table:
    """The Arrow table of a state (see the module docs)."""
    meta: dict[str, Any] = {
        "format": _FORMAT,
        "names": list(state._names),
        "options": {k: (None if v is None else str(v)) for k, v in state._opts.items() if k != "by"},
        "by": list(state._by),
        "batches": state._batches,
        "unit": None if state._time is None else state._time.unit,
        "zone": None if state._time is None or state._time.zone is None else str(state._time.zone),
        "like": dtype_meta(state._like),
        "output": kind_meta(state._kind),
    }
    if not state._parts:
        meta["empty"] = True
        return pa.table({"customer_id": pa.array([], pa.int64())}).replace_schema_metadata(
            {_KEY: json.dumps(meta)}
        )
    parts = state._parts[()].export()
    table, part_meta = _raw_table(parts)
    if state._by:
        args = state._groups or []
        # A state fed only empty batches has no group values in the core.
        values = parts["groups"][1] or [empty_values(a.arg) for a in args]
        meta["group_dtypes"] = [_UNFIXED if unfixed(a.dtype) else str(a.dtype) for a in args]
        for name, arg, v in zip(state._by, args, values, strict=True):
            table = table.append_column(name, pa.Array.from_pandas(arg.restore(v)))
    meta["groups"] = [part_meta]
    return table.replace_schema_metadata({_KEY: json.dumps(meta)})


# The saved dtype of a text group column without a fixed list of categories.
_UNFIXED = "category (by value)"


def _raw_table(parts: dict[str, Any]) -> tuple[pa.Table, dict[str, Any]]:
    """A core state's columns (as ``RawRfmState.export`` gives them), and its scalars."""
    n = len(parts["first_ts"])
    ids = parts["ids"]
    if ids is None:
        id_col = pa.array([], pa.int64())
    elif ids[0] == "str":
        id_col = binary_array(ids[1], ids[2])
    else:
        id_col = pa.array(ids[1])
    columns: dict[str, Any] = {"customer_id": id_col}
    for name, typ in _ACC.items():
        columns[name] = pa.array(parts[name], typ)
    slots = parts["exact_slot"].astype(np.int64)
    sizes = np.zeros(n, dtype=np.int64)
    sizes[slots] = _LIMBS
    limbs = np.zeros(n * _LIMBS, dtype=np.uint64).reshape(n, _LIMBS)
    limbs[slots] = parts["exact_limbs"].reshape(-1, _LIMBS)
    mask = sizes > 0
    values = limbs[mask].ravel()
    columns["exact"] = pa.LargeListArray.from_arrays(list_offsets(sizes), pa.array(values, pa.uint64()))
    pair_slot = parts["pair_slot"].astype(np.int64)
    keys = parts["pair_key"]
    if parts["orders_kind"] == "str":
        offsets, data = parts["orders"]
        dictionary = binary_array(offsets, data)
        pair_values: pa.Array = dictionary.take(pa.array(keys.astype(np.int64)))
    else:
        pair_values = pa.array(keys, pa.uint64())
    counts = np.bincount(pair_slot, minlength=n) if len(pair_slot) else np.zeros(n, dtype=np.int64)
    columns["pairs"] = pa.LargeListArray.from_arrays(list_offsets(counts), pair_values)
    part_meta = dict(
        time=parts["time"],
        min_pos=int(parts["min_pos"]),
        max_pos=int(parts["max_pos"]),
        rows=int(parts["rows"]),
        ids_kind=None if ids is None else ids[0],
        orders_kind=parts["orders_kind"],
    )
    return pa.table(columns), part_meta


def ipc_bytes(table: pa.Table) -> bytes:
    """A table as Arrow IPC stream bytes (how the states pickle)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        if table.num_rows:
            writer.write_table(table)
        else:
            # One batch even without rows: the stream's dictionaries (the
            # categories of a group column) travel with its first batch.
            columns = [c.chunk(0) if c.num_chunks else pa.array([], c.type) for c in table.columns]
            writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=table.schema))
    return sink.getvalue().to_pybytes()


def ipc_table(data: bytes) -> pa.Table:
    """The table of :func:`ipc_bytes` (bytes only: never a path to open)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InputError(f"a saved state's Arrow bytes must be bytes, not {type(data).__name__}")
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


def binary_array(offsets: np.ndarray, data: np.ndarray) -> pa.Array:
    """A large_binary array of Arrow-layout offsets and bytes."""
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.large_binary(), len(offsets) - 1, buffers)


def binary_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (int64, from 0) and bytes of a binary or text array."""
    arr = arr.cast(pa.large_binary())
    buffers = arr.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    start, end = (int(offsets[0]), int(offsets[-1])) if len(offsets) else (0, 0)
    return (offsets - start).astype(np.int64), data[start:end].copy()


def list_offsets(sizes: np.ndarray) -> pa.Array:
    return pa.array(np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64))


def state_from_table(cls: Any, table: pa.Table) -> Any:
    """The state of a table from :func:`state_table`."""
    with loading("RFMState"):
        return _state_from_table(cls, table)


def _state_from_table(cls: Any, table: pa.Table) -> Any:
    if not isinstance(table, pa.Table):
        raise InputError(
            f"from_arrow takes the pyarrow Table of RFMState.to_arrow, not {type(table).__name__}"
        )
    raw_meta = (table.schema.metadata or {}).get(_KEY)
    if raw_meta is None:
        raise InputError("this table is not a saved RFMState (no b'rfmkit.state' metadata)")
    meta = json.loads(raw_meta)
    if meta.get("format") not in _READS or (meta.get("format") != _FORMAT and meta.get("by")):
        raise InputError(f"unknown RFMState format {meta.get('format')!r}")
    opts = meta["options"]
    names = meta["names"]
    state = cls(
        names[0],
        names[1],
        names[2],
        as_of=opts["as_of"],
        window=opts["window"],
        frequency=opts["frequency"],
        order_id=opts["order_id"],
        returns=opts["returns"],
        tz=opts["tz"],
        by=meta.get("by") or None,
    )
    state._batches = check_saved_batches(meta, "RFMState")
    state._like = dtype_from_meta(meta["like"])
    state._kind = kind_from_meta(meta.get("output"))
    if meta.get("empty"):
        return state
    zone = meta["zone"]
    check_saved_time(meta["unit"], zone)
    check_saved_ids(table, [*state._by, "customer_id"], "RFMState")
    state._time = _time.TimeColumn(ts=np.empty(0, np.int64), unit=meta["unit"], days=None, zone=zone)
    t = table.combine_chunks()
    groups = None
    if state._by:
        dtypes = meta.get("group_dtypes") or [None] * len(state._by)
        state._groups = [
            group_arg(t.column(name), name)
            if text == _UNFIXED
            else group_arg(_as_dtype(t.column(name).to_pandas(), text), name)
            for name, text in zip(state._by, dtypes, strict=True)
        ]
        groups = (len(state._by), [g.arg for g in state._groups])
    state._parts[()] = _load_raw(t, meta["groups"][0], state, groups)
    return state


def _as_dtype(s: pd.Series, text: str | None) -> pd.Series:
    """A saved group column in the dtype it was saved from, where pandas
    can name it (Arrow gives categories, dates and numbers back as they were)."""
    dtype = None if text is None else pandas_dtype(text)
    if dtype is None or isinstance(dtype, pd.CategoricalDtype) or s.dtype == dtype:
        return s
    try:
        return s.astype(dtype)
    except (TypeError, ValueError):
        return s


def _load_raw(t: pa.Table, meta: dict[str, Any], state: Any, groups: tuple | None) -> RawRfmState:
    """The core state from its columns, scalars and group columns."""
    n = t.num_rows
    ids_col = t.column("customer_id").chunk(0) if t.column("customer_id").num_chunks else pa.array([])
    if meta["ids_kind"] == "str":
        ids: Any = ("str", *binary_buffers(ids_col))
    elif meta["ids_kind"] in ("i64", "u64"):
        dtype = np.int64 if meta["ids_kind"] == "i64" else np.uint64
        ids = (meta["ids_kind"], ids_col.to_numpy(zero_copy_only=False).astype(dtype))
    else:
        ids = None
    parts: dict[str, Any] = {"ids": ids, "groups": groups}
    for name, typ in _ACC.items():
        parts[name] = t.column(name).to_numpy().astype(typ.to_pandas_dtype())
    exact = t.column("exact").chunk(0) if n else pa.array([], pa.large_list(pa.uint64()))
    sizes = np.diff(exact.offsets.to_numpy())
    parts["exact_slot"] = np.flatnonzero(sizes).astype(np.uint32)
    parts["exact_limbs"] = exact.flatten().to_numpy().astype(np.uint64)
    pairs = t.column("pairs").chunk(0) if n else pa.array([], pa.large_list(pa.uint64()))
    counts = np.diff(pairs.offsets.to_numpy())
    parts["pair_slot"] = np.repeat(np.arange(n, dtype=np.uint32), counts)
    values = pairs.flatten()
    if meta["orders_kind"] == "str":
        encoded = pc.dictionary_encode(values)
        parts["pair_key"] = encoded.indices.to_numpy().astype(np.uint64)
        parts["orders"] = binary_buffers(encoded.dictionary)
    else:
        parts["pair_key"] = values.to_numpy().astype(np.uint64)
        parts["orders"] = (np.zeros(1, np.int64), np.zeros(0, np.uint8))
    parts["orders_kind"] = meta["orders_kind"]
    parts["time"] = None if meta["time"] is None else tuple(meta["time"])
    parts["min_pos"], parts["max_pos"], parts["rows"] = meta["min_pos"], meta["max_pos"], meta["rows"]
    opts = state._opts
    return RawRfmState.load(
        parts,
        as_of_day=_time.as_of_day(opts["as_of"], state._time),
        **window_kwargs(state._window),
        frequency=opts["frequency"],
        returns=opts["returns"],
    )
