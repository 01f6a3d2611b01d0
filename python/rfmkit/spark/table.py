"""``rfmkit.spark.rfm_table``: the RFM table of a Spark DataFrame, exactly.

Two plans, both ``mapInArrow`` (whole Arrow batches through the Rust core,
never a row at a time):

- ``"shuffle"``: ``repartition(n, customer_id)``, then each task folds its
  rows into one :class:`rfmkit.RFMState` and finishes it. Rows cross the
  shuffle (only the columns needed).
- ``"combine"``: each task folds its rows into one state per bucket of
  customers (a fixed hash of the id), and emits the states (Arrow IPC bytes,
  money as integer limbs); ``repartition(n, bucket)`` brings a customer's
  states together, a second task merges and finishes them. States cross the
  shuffle.
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from .. import table as _table_module
from .._typing import DateLike, WindowLike, ZoneLike
from ..errors import InputError
from ..state import RFMState
from .engine import (
    DataFrame,
    arrow_schema,
    arrow_type,
    bucket_of,
    check_frame,
    chunks,
    conform,
    date_range,
    field_of,
    kind_of_ids,
    probe_table,
    quiet,
    session_zone,
    tree_merge,
)

__all__ = ["METHODS", "rfm_table", "shuffle_partitions"]

METHODS = ("shuffle", "combine")
_BEFORE_FIRST = "is before the first transaction"
_STATE_SCHEMA = "bucket int, state binary"


def rfm_table(
    sdf: DataFrame,
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
    by: str | Sequence[str] | None = None,
    method: str | None = None,
    num_partitions: int | None = None,
) -> DataFrame:
    """:func:`rfmkit.rfm_table` of a Spark DataFrame, as a Spark DataFrame.

    Parameters
    ----------
    sdf : pyspark.sql.DataFrame
        The transactions. Ids: integer or string columns; dates: timestamp,
        timestamp_ntz or date columns; amounts: any numeric column (decimals
        are read exactly).
    customer_id, date, amount, as_of, window, frequency, order_id, returns, tz, by
        As for :func:`rfmkit.rfm_table`. ``as_of`` defaults to the date of
        the latest transaction, found by a first ``agg`` job. Timestamp
        (zoned) columns are instants: their calendar days are those of
        ``tz``, by default the session time zone
        (``spark.sql.session.timeZone``), which is also the zone of
        ``toPandas()``'s naive times. timestamp_ntz and date columns are
        wall-clock times (``tz`` is an error, as for naive pandas dates).
    method : {"shuffle", "combine"}, optional
        How customers meet: ``"shuffle"`` (the default) moves the rows by
        customer and runs the kernel per partition; ``"combine"`` moves
        per-task states. Both give the same table; see
        :mod:`rfmkit.spark` for the measured times.
    num_partitions : int, optional
        Partitions of the result (default: ``spark.sql.shuffle.partitions``).

    Returns
    -------
    pyspark.sql.DataFrame
        One row per customer (per group and customer with ``by``): the
        group columns, ``customer_id`` (long or string), ``recency``,
        ``frequency`` (long), ``monetary`` (double, the exact sum correctly
        rounded), ``first_purchase`` and ``last_purchase`` (timestamp for a
        timestamp column, timestamp_ntz for timestamp_ntz and date columns;
        microseconds). Each partition is sorted by group and id; call
        ``orderBy`` for one order. The field ``recency`` carries the as-of
        date and the group columns in its metadata
        (``schema["recency"].metadata["rfmkit"]``), which
        :func:`rfmkit.spark.score` and :func:`rfmkit.spark.segment` read.

    Raises
    ------
    InputError, InputTypeError
        At once, for options and columns (naming them). Bad values in the
        rows (a missing id, a NaN amount) fail the Spark job that computes
        the table, with rfmkit's message (naming the column) inside
        Spark's ``PythonException``.

    Examples
    --------
    >>> import rfmkit.spark                                  # doctest: +SKIP
    >>> table = rfmkit.spark.rfm_table(sdf, "customer_id", "date", "amount")  # doctest: +SKIP
    >>> table.orderBy("customer_id").toPandas()              # doctest: +SKIP
    """
    check_frame(sdf, "sdf")
    method = _method(method)
    names = [customer_id, date, amount] + ([order_id] if order_id is not None else [])
    roles = ("customer_id", "date", "amount", "order_id")[: len(names)]
    fields = {n: field_of(sdf, n, arg) for n, arg in zip(names, roles, strict=True)}
    by_names = _by_names(by)
    groups = {g: field_of(sdf, g, "by") for g in by_names}
    zone = session_zone(sdf)
    opts = dict(window=window, frequency=frequency, order_id=order_id, returns=returns, tz=tz)
    empty = probe_table(fields, pa.array([], _date_type(fields[date], zone)), date, zone)
    _table_module.rfm_table(empty, customer_id, date, amount, as_of=as_of, **opts)  # options, at once
    dates = date_range(sdf, fields[date], zone)
    found = _table_module.rfm_table(
        probe_table(fields, dates, date, zone), customer_id, date, amount, as_of=as_of, **opts
    )
    spec = dict(
        customer_id=customer_id,
        date=date,
        amount=amount,
        as_of=as_of if as_of is not None else found.attrs["as_of"],
        by=by_names or None,
        **opts,
    )
    RFMState(**spec)  # the grouping, at once
    schema = _schema(fields, groups, customer_id, date, spec)
    src = sdf.select(*dict.fromkeys([*by_names, *names]))
    out = arrow_schema(schema)
    n = shuffle_partitions(sdf, num_partitions)
    if method == "shuffle":
        rows = src.repartition(n, customer_id)
        return rows.mapInArrow(functools.partial(fold_rows, spec=spec, schema=out), schema)
    states = src.mapInArrow(functools.partial(fold_buckets, spec=spec, buckets=n), _STATE_SCHEMA)
    moved = states.repartition(n, "bucket")
    return moved.mapInArrow(functools.partial(merge_states, schema=out), schema)


def _method(method: Any) -> str:
    if method is None:
        return "shuffle"
    if method not in METHODS:
        raise InputError(f"invalid method {method!r}: choose one of 'shuffle', 'combine'")
    return str(method)


def _by_names(by: Any) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _date_type(f: Any, zone: str) -> pa.DataType:
    return arrow_type(f.dataType, zone)


def shuffle_partitions(sdf: DataFrame, num_partitions: Any) -> int:
    """``num_partitions`` checked, or the session's ``spark.sql.shuffle.partitions``."""
    if num_partitions is None:
        return int(sdf.sparkSession.conf.get("spark.sql.shuffle.partitions"))
    n = num_partitions
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"num_partitions must be a positive integer, got {num_partitions!r}")
    return int(num_partitions)


def _schema(fields: dict, groups: dict, customer_id: str, date: str, spec: dict) -> Any:
    from pyspark.sql import types as T

    ts = fields[date].dataType
    stamp = T.TimestampType() if isinstance(ts, T.TimestampType) else T.TimestampNTZType()
    meta = {"rfmkit": {"as_of": str(spec["as_of"]), "by": list(groups)}}
    return T.StructType(
        [T.StructField(g, f.dataType) for g, f in groups.items()]
        + [
            T.StructField("customer_id", kind_of_ids(fields[customer_id], "customer_id")),
            T.StructField("recency", T.LongType(), metadata=meta),
            T.StructField("frequency", T.LongType()),
            T.StructField("monetary", T.DoubleType()),
            T.StructField("first_purchase", stamp),
            T.StructField("last_purchase", stamp),
        ]
    )


# -- the tasks (module functions: Spark pickles them by reference) ---------
def _finish(state: RFMState | None, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    if state is None:
        return
    table = quiet(lambda: state.finish(output="arrow"), _BEFORE_FIRST)
    if table is not None:
        yield from conform(table, schema)


def fold_rows(batches: Iterable[pa.RecordBatch], spec: dict, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """A task of ``"shuffle"``: its customers' rows into one state, finished."""
    state = None
    for chunk in chunks(batches):
        state = (state or RFMState(**spec)).update(chunk)
    yield from _finish(state, schema)


def fold_buckets(batches: Iterable[pa.RecordBatch], spec: dict, buckets: int) -> Iterator[pa.RecordBatch]:
    """A first task of ``"combine"``: its rows into one state per bucket of
    customers, each emitted as one row (bucket, pickled state)."""
    states: dict[int, RFMState] = {}
    for chunk in chunks(batches):
        b = bucket_of(chunk.column(spec["customer_id"]), buckets)
        order = np.argsort(b, kind="stable")
        counts = np.bincount(b, minlength=buckets)
        taken = chunk.take(pa.array(order))
        start = 0
        for k in np.flatnonzero(counts).tolist():
            part = taken.slice(start, int(counts[k]))
            start += int(counts[k])
            states[k] = (states.get(k) or RFMState(**spec)).update(part)
    for k, state in states.items():
        yield pa.RecordBatch.from_pydict(
            {"bucket": pa.array([k], pa.int32()), "state": pa.array([pickle.dumps(state)], pa.binary())}
        )


def merge_states(batches: Iterable[pa.RecordBatch], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """A second task of ``"combine"``: the states of its buckets merged, finished."""
    states = [pickle.loads(blob) for b in batches for blob in b.column("state").to_pylist()]
    yield from _finish(tree_merge(states) if states else None, schema)
