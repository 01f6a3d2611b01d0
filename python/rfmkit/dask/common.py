"""What the Dask functions share: the input checks, the tree of state merges,
the global latest date and the one-partition result split into pieces."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

from ..errors import InputError, InputTypeError, RFMWarning
from ..io.walltime import wall_dates

__all__ = [
    "METHODS",
    "SPLIT_EVERY",
    "check_frame",
    "check_method",
    "check_npartitions",
    "from_tree",
    "before_all",
    "probe",
    "wall_bound",
    "meta_of",
    "relabel",
]

METHODS = ("tree", "shuffle")
SPLIT_EVERY = 8
"""States merged per task in the tree (dask's ``split_every`` of reductions)."""


def check_frame(ddf: Any, arg: str) -> dd.DataFrame:
    """``ddf`` if it is a dask DataFrame, else an InputTypeError naming ``arg``."""
    if not isinstance(ddf, dd.DataFrame):
        raise InputTypeError(
            f"{arg} must be a dask DataFrame (dask.dataframe.from_pandas, read_parquet, ...), "
            f"not {type(ddf).__name__}; for pandas, polars or Arrow tables use rfmkit's own functions"
        )
    return ddf


def meta_of(ddf: dd.DataFrame) -> pd.DataFrame:
    """The empty pandas frame of ``ddf``'s columns and dtypes."""
    return ddf._meta


def check_method(method: Any, default: str) -> str:
    if method is None:
        return default
    if not isinstance(method, str) or method not in METHODS:
        raise InputError(f"invalid method {method!r}: choose 'tree', 'shuffle' or None (the default)")
    return method


def check_npartitions(npartitions: Any) -> int | None:
    if npartitions is None:
        return None
    if isinstance(npartitions, (bool, np.bool_)) or not isinstance(npartitions, (int, np.integer)):
        raise InputError(f"invalid npartitions {npartitions!r}: give a positive integer or None")
    if npartitions < 1:
        raise InputError(f"invalid npartitions {npartitions!r}: give a positive integer or None")
    return int(npartitions)


def relabel(exc: Exception, where: str) -> Exception:
    """An rfmkit input error of one partition, saying which partition: the row
    it names counts from that partition's first row."""
    if isinstance(exc, (InputError, InputTypeError)):
        text = str(exc)
        if text.startswith("batch 0: "):
            text = text[len("batch 0: ") :]
        return type(exc)(f"{where}: {text}", column=exc.column, row=exc.row, value=exc.value)
    return exc


def _quiet(fn: Callable, *args: Any) -> Any:
    # Per-partition warnings (returns-only customers) would repeat once per
    # task; the final step warns once for the whole table.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        return fn(*args)


def _merge_all(*states: Any) -> Any:
    live = [s for s in states if s is not None]
    if not live:
        return None
    out = live[0]
    for s in live[1:]:
        out = out.merge(s)
    return out


def _chunk(part: pd.DataFrame, make: Callable, index: int, *extra: Any) -> Any:
    if len(part) == 0:
        return None
    try:
        return _quiet(lambda: make(*extra).update(part))
    except (InputError, InputTypeError) as exc:
        raise relabel(exc, f"partition {index}") from None


def _slice(table: pd.DataFrame, i: int, n: int) -> pd.DataFrame:
    bounds = np.linspace(0, len(table), n + 1).astype(np.int64)
    return table.iloc[bounds[i] : bounds[i + 1]]


def from_tree(
    ddf: dd.DataFrame,
    make: Callable,
    finish: Callable,
    meta: pd.DataFrame,
    npartitions: int | None,
    extra: Sequence[Any] = (),
) -> dd.DataFrame:
    """One state per partition (``make(*extra).update(partition)``), merged
    ``SPLIT_EVERY`` at a time up a tree, then ``finish(state)``: the table
    in ``npartitions`` pieces (1 by default), in order, sorted throughout.
    ``extra`` may hold dask scalars or delayed values (a lazy as-of date)."""
    parts = ddf.to_delayed()
    chunk = dask.delayed(_chunk, pure=True)
    states = [chunk(p, make, i, *extra) for i, p in enumerate(parts)]
    merge = dask.delayed(_merge_all, pure=True)
    while len(states) > 1:
        states = [merge(*states[i : i + SPLIT_EVERY]) for i in range(0, len(states), SPLIT_EVERY)]
    table = dask.delayed(finish, pure=True)(states[0] if states else None)
    n = npartitions or 1
    if n == 1:
        return dd.from_delayed([table], meta=meta, verify_meta=False)
    pieces = [dask.delayed(_slice, pure=True)(table, i, n) for i in range(n)]
    return dd.from_delayed(pieces, meta=meta, verify_meta=False)


def _bound(part: pd.DataFrame, name: str, fmt: str | None, pick: str) -> pd.Timestamp | None:
    try:
        dates = _quiet(wall_dates, part[name], name, fmt)
    except (InputError, InputTypeError):
        return None  # the kernel reports it, with its row
    ts = dates.time.ts
    if len(ts) == 0:
        return None
    return dates.timestamp(int(ts.max() if pick == "max" else ts.min()))


def _pick(pick: str, *values: pd.Timestamp | None) -> pd.Timestamp | None:
    live = [v for v in values if v is not None]
    if not live:
        return None
    return max(live) if pick == "max" else min(live)


def wall_bound(ddf: dd.DataFrame, name: str, fmt: str | None, pick: str) -> Any:
    """The latest (``pick="max"``) or earliest (``"min"``) wall-clock date of
    column ``name`` over all partitions, as a delayed Timestamp (None when
    the frame is empty), read as rfm_summary reads dates (text with ``fmt``
    too). NaT and bad text are skipped here: the kernel reports them."""
    bound = dask.delayed(_bound, pure=True)
    values = [bound(p, name, fmt, pick) for p in ddf[[name]].to_delayed()]
    top = dask.delayed(_pick, pure=True)
    while len(values) > 1:
        values = [top(pick, *values[i : i + SPLIT_EVERY]) for i in range(0, len(values), SPLIT_EVERY)]
    return values[0] if values else None


def before_all(exc: Exception) -> bool:
    """Whether ``exc`` is the error of an as-of date or observation end
    before every transaction (of one partition, after a shuffle)."""
    return isinstance(exc, InputError) and "before the first transaction" in str(exc)


def probe(part: pd.DataFrame, date: str, earliest: Any) -> pd.DataFrame:
    """The partition's first row moved to the earliest date of all: the
    in-memory function raises on it exactly when it raises on all the rows."""
    row = part.iloc[:1].copy()
    row[date] = pd.Series([earliest], index=row.index)
    return row
