"""The groups of a grouped :class:`rfmkit.RFMState` (``by=``): one core state
per group, the rows of a batch split by group, and the groups put back in
``rfm_table(by=...)``'s order (sorted by group value, then by id).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .errors import InputError, InputTypeError
from .io.groups import Groups

__all__ = [
    "GroupKey",
    "batch_groups",
    "check_kinds",
    "group_label",
    "group_order",
    "plain_ids",
    "remap_rows",
    "take_key_arg",
]

GroupKey = tuple
"""A group as the tuple of its values (``()`` for an ungrouped state)."""


def take_key_arg(arg: tuple | None, rows: np.ndarray) -> tuple | None:
    """The rows ``rows`` of a prepared key column (as ``key_column`` makes it)."""
    if arg is None:
        return None
    kind = arg[0]
    if kind in ("i64", "u64", "obj"):
        return (kind, np.ascontiguousarray(arg[1][rows]))
    offsets, data = arg[1], arg[2]
    typ = pa.large_binary() if offsets.dtype == np.int64 else pa.binary()
    values = pa.Array.from_buffers(typ, len(offsets) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    taken = values.take(pa.array(rows)).cast(pa.large_binary())
    buffers = taken.buffers()
    new_offsets = np.frombuffer(buffers[1], dtype=np.int64)[taken.offset : taken.offset + len(taken) + 1]
    start = int(new_offsets[0]) if len(new_offsets) else 0
    end = int(new_offsets[-1]) if len(new_offsets) else 0
    raw = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    return ("str", (new_offsets - start).astype(np.int64), raw[start:end].copy())


def batch_groups(
    columns: list[Any], names: list[str], n_rows: int
) -> list[tuple[GroupKey, np.ndarray, dict]]:
    """The groups of a batch: each group's key, its rows, and its value as a
    one-row Series per group column (which keeps the column's dtype)."""
    groups = Groups.build(columns, names, n_rows)
    out = []
    for code, rows in enumerate(groups.rows()):
        key = groups.key(code)
        values = groups.values(np.array([code], dtype=np.int64))
        out.append((key if isinstance(key, tuple) else (key,), rows, values))
    return out


def group_order(keys: list[GroupKey], values: dict[GroupKey, dict], names: list[str]) -> list[GroupKey]:
    """The groups in ``rfm_table(by=...)``'s order: sorted by their values."""
    if not keys:
        return []
    columns = [pd.concat([values[k][name] for k in keys], ignore_index=True) for name in names]
    groups = Groups.build(columns, names, len(keys))
    return [keys[i] for i in np.argsort(groups.codes, kind="stable")]


def group_label(key: GroupKey, names: list[str]) -> str:
    """A group for messages: ``channel='web'``."""
    return ", ".join(f"{n}={v!r}" for n, v in zip(names, key, strict=True))


def remap_rows(exc: InputError | InputTypeError, rows: np.ndarray, label: str) -> InputError | InputTypeError:
    """An error raised on one group's rows, with the row numbers of the batch."""
    row = exc.row
    message = str(exc)
    if row is not None and 0 <= row < len(rows):
        batch_row = int(rows[row])
        message = re.sub(rf"\bat row {row}\b", f"at row {batch_row}", message, count=1)
        row = batch_row
    return type(exc)(f"{message} ({label})", column=exc.column, row=row, value=exc.value)


def check_kinds(seen: tuple | None, keys: Any, orders: Any, n: int, names: tuple[str, str]) -> tuple | None:
    """The kinds of a batch's ids and order ids, checked against ``seen``
    (the earlier batches') before anything changes: a grouped batch touches
    several core states. Returns the kinds to remember."""
    if n == 0:
        return seen
    kinds = tuple(
        None if k is None else ("str" if k.arg[0] in ("str", "obj") else k.arg[0]) for k in (keys, orders)
    )
    if seen is None:
        return kinds
    words = {"i64": "integers", "u64": "unsigned integers", "str": "text"}
    for name, now, before in zip(names, kinds, seen, strict=True):
        if now != before and before is not None:
            raise InputTypeError(
                f"column {name!r}: the ids of this batch are {words.get(str(now), now)}, "
                f"the earlier batches' {words.get(str(before), before)} (another kind)"
            )
    return seen


def plain_ids(col: Any) -> Any:
    """Categorical ids as their values (a category's code differs between batches)."""
    if isinstance(col, pd.Series) and isinstance(col.dtype, pd.CategoricalDtype):
        return pd.Series(np.asarray(col), name=col.name)
    if isinstance(col, (pa.ChunkedArray, pa.Array)) and pa.types.is_dictionary(col.type):
        return col.cast(col.type.value_type)
    return col
