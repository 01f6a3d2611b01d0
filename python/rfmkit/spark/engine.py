"""What the Spark functions share: the column checks, the Spark <-> Arrow
types, the first job (the dates' range), the batches of a partition in
chunks, the bucket of each customer and the tree merge of states.

Nothing here starts a job except :func:`date_range` (one ``agg``).
"""

from __future__ import annotations

import datetime as dt
import functools
import pickle
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError, InputTypeError, RFMWarning

try:
    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F
    from pyspark.sql import types as T
except ImportError as exc:  # pragma: no cover - the package's __init__ says the same first
    raise ImportError('rfmkit.spark needs PySpark: pip install "rfmkit[spark]"') from exc

__all__ = [
    "CHUNK_ROWS",
    "METHODS",
    "Task",
    "fold_buckets",
    "fold_rows",
    "merge_states",
    "method_of",
    "plan",
    "shuffle_partitions",
    "DataFrame",
    "arrow_schema",
    "bucket_of",
    "check_frame",
    "chunks",
    "conform",
    "date_range",
    "field_of",
    "kind_of_ids",
    "probe_table",
    "quiet",
    "session_zone",
    "tree_merge",
]

METHODS = ("shuffle", "combine")
_STATE_SCHEMA = "bucket int, state binary"
CHUNK_ROWS = 1 << 20
"""Rows folded per state update: Spark's Arrow batches (10,000 rows by
default) are concatenated up to this many first, so that the per-call cost
of an update does not dominate."""

_ATOMIC = (
    T.BooleanType,
    T.ByteType,
    T.ShortType,
    T.IntegerType,
    T.LongType,
    T.FloatType,
    T.DoubleType,
    T.DecimalType,
    T.StringType,
    T.DateType,
    T.TimestampType,
    T.TimestampNTZType,
)


def check_frame(sdf: Any, arg: str) -> None:
    """``sdf`` must be a Spark DataFrame (classic or Spark Connect)."""
    if not (isinstance(sdf, DataFrame) or type(sdf).__name__ == "DataFrame" and hasattr(sdf, "mapInArrow")):
        raise InputTypeError(f"{arg} must be a pyspark.sql.DataFrame, not {type(sdf).__name__}")


def field_of(sdf: Any, name: str, arg: str) -> T.StructField:
    """The schema field of column ``name`` (an error naming the argument otherwise)."""
    if not isinstance(name, str):
        raise InputTypeError(f"{arg} must be a column name (str), not {type(name).__name__}")
    for f in sdf.schema.fields:
        if f.name == name:
            if not isinstance(f.dataType, _ATOMIC):
                raise InputTypeError(
                    f"column {name!r} ({arg}) is of Spark type {f.dataType.simpleString()}, "
                    "which rfmkit cannot read: give numbers, text, dates or timestamps",
                    column=name,
                )
            return f
    raise InputError(
        f"{arg}: column {name!r} is not in the DataFrame; its columns are {sdf.columns}", column=name
    )


def kind_of_ids(f: T.StructField, arg: str) -> T.DataType:
    """The Spark type of an id column in the result: long for integers, string for text."""
    if isinstance(f.dataType, (T.ByteType, T.ShortType, T.IntegerType, T.LongType)):
        return T.LongType()
    if isinstance(f.dataType, T.StringType):
        return T.StringType()
    raise InputTypeError(
        f"column {f.name!r} ({arg}) holds {f.dataType.simpleString()}: ids are integers or text",
        column=f.name,
    )


def session_zone(sdf: Any) -> str:
    """The session time zone (``spark.sql.session.timeZone``): the zone of
    the Arrow batches' timestamps and of ``toPandas()``'s naive times."""
    return str(sdf.sparkSession.conf.get("spark.sql.session.timeZone"))


def arrow_type(dtype: T.DataType, zone: str) -> pa.DataType:
    """The Arrow type of a Spark type, as mapInArrow's batches hold it."""
    if isinstance(dtype, T.TimestampType):
        return pa.timestamp("us", tz=zone)
    if isinstance(dtype, T.TimestampNTZType):
        return pa.timestamp("us")
    if isinstance(dtype, T.DecimalType):
        return pa.decimal128(dtype.precision, dtype.scale)
    simple: dict[type, Any] = {
        T.BooleanType: pa.bool_(),
        T.ByteType: pa.int8(),
        T.ShortType: pa.int16(),
        T.IntegerType: pa.int32(),
        T.LongType: pa.int64(),
        T.FloatType: pa.float32(),
        T.DoubleType: pa.float64(),
        T.StringType: pa.string(),
        T.DateType: pa.date32(),
    }
    return simple[type(dtype)]


def arrow_schema(schema: T.StructType) -> pa.Schema:
    """The Arrow schema of a result's Spark schema (timestamps labelled UTC:
    Spark reads the instants, not the label)."""
    return pa.schema([pa.field(f.name, arrow_type(f.dataType, "UTC")) for f in schema.fields])


def date_range(sdf: Any, f: T.StructField, zone: str) -> pa.Array:
    """The earliest and the latest date of column ``f`` as a two-value Arrow
    array of the batches' type (empty for a DataFrame without dates): one
    ``agg`` job. Timestamps are read as microseconds since the epoch, so
    the driver's own time zone never enters."""
    col = F.col(f.name)
    if isinstance(f.dataType, T.TimestampType):
        row = sdf.agg(F.min(F.unix_micros(col)), F.max(F.unix_micros(col))).first()
    else:
        row = sdf.agg(F.min(col), F.max(col)).first()
    typ = arrow_type(f.dataType, zone)
    values = [] if row is None or row[0] is None else [row[0], row[1]]
    if isinstance(f.dataType, T.TimestampType):
        return pa.array(values, pa.int64()).cast(typ)
    if isinstance(f.dataType, T.TimestampNTZType):
        # collect() gives NTZ values as naive datetimes, unshifted.
        return pa.array([_naive(v) for v in values], typ)
    return pa.array(values, typ)


def _naive(v: Any) -> dt.datetime:
    return v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v


def probe_table(columns: dict[str, T.StructField], dates: pa.Array, date: str, zone: str) -> pa.Table:
    """A tiny Arrow table of the columns' own types: the dates' range, and
    ``1`` (or ``"1"``) elsewhere; the in-memory function run on it checks
    the options and the as-of date exactly as on the whole data."""
    n = len(dates)
    out = {}
    for name, f in columns.items():
        if name == date:
            out[name] = dates
            continue
        typ = arrow_type(f.dataType, zone)
        if pa.types.is_timestamp(typ) or pa.types.is_date(typ):
            out[name] = dates.cast(typ) if n else pa.array([], typ)
        elif pa.types.is_string(typ):
            out[name] = pa.array(["1"] * n, typ)
        elif pa.types.is_boolean(typ):
            out[name] = pa.array([True] * n, typ)
        else:
            out[name] = pa.array([1] * n, pa.int64()).cast(typ)
    return pa.table(out)


def chunks(batches: Iterable[pa.RecordBatch], rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
    """The batches of a partition as tables of about ``rows`` rows."""
    buf: list[pa.RecordBatch] = []
    n = 0
    for b in batches:
        if b.num_rows == 0:
            continue
        buf.append(b)
        n += b.num_rows
        if n >= rows:
            yield pa.Table.from_batches(buf)
            buf, n = [], 0
    if buf:
        yield pa.Table.from_batches(buf)


def bucket_of(ids: pa.ChunkedArray, n: int) -> np.ndarray:
    """Each row's bucket, 0 to ``n - 1``, from its customer id alone (the
    same in every task and process: pandas' fixed-key hash)."""
    if ids.null_count:
        return np.zeros(len(ids), dtype=np.int64)  # the state's update names the missing id
    values = ids.to_numpy()
    if values.dtype.kind not in "iu":
        values = values.astype(object)
    hashed = pd.util.hash_array(values)
    return (hashed % np.uint64(n)).astype(np.int64)


def tree_merge(states: list[Any]) -> Any:
    """The merge of states, pairwise (each merge copies: a chain would copy
    the growing state once per part)."""
    while len(states) > 1:
        pairs = range(0, len(states), 2)
        states = [states[i].merge(states[i + 1]) if i + 1 < len(states) else states[i] for i in pairs]
    return states[0]


def conform(table: pa.Table, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """A result table in the columns, order and types of ``schema``."""
    cols = [table.column(f.name).cast(f.type) for f in schema]
    yield from pa.Table.from_arrays(cols, schema=schema).to_batches()


def method_of(method: Any, default: str) -> str:
    """The plan: ``"shuffle"`` or ``"combine"`` (``default`` for None)."""
    if method is None:
        return default
    if method not in METHODS:
        raise InputError(f"invalid method {method!r}: choose one of 'shuffle', 'combine'")
    return str(method)


def shuffle_partitions(sdf: Any, num_partitions: Any) -> int:
    """``num_partitions`` checked, or the session's ``spark.sql.shuffle.partitions``."""
    if num_partitions is None:
        return int(sdf.sparkSession.conf.get("spark.sql.shuffle.partitions"))
    n = num_partitions
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"num_partitions must be a positive integer, got {num_partitions!r}")
    return int(n)


@dataclass(frozen=True)
class Task:
    """What a task needs: a new empty state (a picklable callable), the id
    column, the text of the error that means "no rows up to the end date
    in this task" and the Arrow schema of the result."""

    new_state: Callable[[], Any]
    customer_id: str
    empty_when: str
    schema: pa.Schema


def plan(src: Any, method: str, n: int, task: Task, schema: Any) -> Any:
    """The Spark plan of ``method`` over the needed columns ``src``."""
    if method == "shuffle":
        rows = src.repartition(n, task.customer_id)
        return rows.mapInArrow(functools.partial(fold_rows, task=task), schema)
    states = src.mapInArrow(functools.partial(fold_buckets, task=task, buckets=n), _STATE_SCHEMA)
    moved = states.repartition(n, "bucket")
    return moved.mapInArrow(functools.partial(merge_states, task=task), schema)


# -- the tasks (module functions: Spark pickles them by reference) ---------
def _finish(state: Any, task: Task) -> Iterator[pa.RecordBatch]:
    if state is None:
        return
    table = quiet(lambda: state.finish(output="arrow"), task.empty_when)
    if table is not None:
        yield from conform(table, task.schema)


def fold_rows(batches: Iterable[pa.RecordBatch], task: Task) -> Iterator[pa.RecordBatch]:
    """A task of ``"shuffle"``: its customers' rows into one state, finished."""
    state = None
    for chunk in chunks(batches):
        state = (state or task.new_state()).update(chunk)
    yield from _finish(state, task)


def fold_buckets(batches: Iterable[pa.RecordBatch], task: Task, buckets: int) -> Iterator[pa.RecordBatch]:
    """A first task of ``"combine"``: its rows into one state per bucket of
    customers, each emitted as one row (bucket, pickled state: Arrow IPC,
    money as integer limbs)."""
    states: dict[int, Any] = {}
    for chunk in chunks(batches):
        b = bucket_of(chunk.column(task.customer_id), buckets)
        order = np.argsort(b, kind="stable")
        counts = np.bincount(b, minlength=buckets)
        taken = chunk.take(pa.array(order))
        start = 0
        for k in np.flatnonzero(counts).tolist():
            part = taken.slice(start, int(counts[k]))
            start += int(counts[k])
            states[k] = (states.get(k) or task.new_state()).update(part)
    for k, state in states.items():
        yield pa.RecordBatch.from_pydict(
            {"bucket": pa.array([k], pa.int32()), "state": pa.array([pickle.dumps(state)], pa.binary())}
        )


def merge_states(batches: Iterable[pa.RecordBatch], task: Task) -> Iterator[pa.RecordBatch]:
    """A second task of ``"combine"``: the states of its buckets merged, finished."""
    states = [pickle.loads(blob) for b in batches for blob in b.column("state").to_pylist()]
    yield from _finish(tree_merge(states) if states else None, task)


def quiet(fn: Callable[[], Any], empty_when: str) -> Any:
    """``fn()`` in a task: the per-customer warnings off (each task would
    repeat them), and ``None`` for the error ``empty_when`` (an as-of date
    before every row *of this task*, which the driver has ruled out for the
    whole data: these customers have no row up to it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        try:
            return fn()
        except InputError as exc:
            if empty_when in str(exc):
                return None
            raise
