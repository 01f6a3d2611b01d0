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
from collections.abc import Sequence
from typing import Any, cast

import pandas as pd
import pyarrow as pa

from .. import table as _table_module
from .._typing import DateLike, WindowLike, ZoneLike
from ..errors import InputTypeError
from ..state import RFMState
from .engine import (
    DataFrame,
    Task,
    arrow_schema,
    arrow_type,
    check_frame,
    date_range,
    field_of,
    kind_of_ids,
    method_of,
    plan,
    probe_table,
    session_zone,
    shuffle_partitions,
)

__all__ = ["rfm_table"]

_BEFORE_FIRST = "is before the first transaction"


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
        How customers meet: ``"shuffle"`` moves the rows by customer and
        runs the kernel per partition; ``"combine"`` moves per-task states.
        Both give the same table. The default, ``"combine"``, was the
        faster in the measurements of :mod:`rfmkit.spark`.
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
    method = method_of(method, "combine")  # the faster one as measured (bench/README.md)
    names = [customer_id, date, amount] + ([order_id] if order_id is not None else [])
    roles = ("customer_id", "date", "amount", "order_id")[: len(names)]
    fields = {n: field_of(sdf, n, arg) for n, arg in zip(names, roles, strict=True)}
    by_names = _by_names(by)
    groups = {g: field_of(sdf, g, "by") for g in by_names}
    zone = session_zone(sdf)
    opts: dict[str, Any] = dict(window=window, frequency=frequency, order_id=order_id, returns=returns, tz=tz)
    empty = probe_table(fields, pa.array([], _date_type(fields[date], zone)), date, zone)
    _table_module.rfm_table(empty, customer_id, date, amount, as_of=as_of, **opts)  # options, at once
    dates = date_range(sdf, fields[date], zone)
    found = cast(
        pd.DataFrame,
        _table_module.rfm_table(
            probe_table(fields, dates, date, zone), customer_id, date, amount, as_of=as_of, **opts
        ),
    )
    spec: dict[str, Any] = dict(
        customer_id=customer_id,
        date=date,
        amount=amount,
        as_of=as_of if as_of is not None else found.attrs["as_of"],
        by=by_names or None,
        **opts,
    )
    RFMState(**{**spec, "as_of": spec["as_of"] or "1970-01-01"})  # the grouping, at once (no rows: no as_of)
    schema = _schema(fields, groups, customer_id, date, found.attrs["as_of"])
    src = sdf.select(*dict.fromkeys([*by_names, *names]))
    task = Task(functools.partial(RFMState, **spec), customer_id, _BEFORE_FIRST, arrow_schema(schema))
    return plan(src, method, shuffle_partitions(sdf, num_partitions), task, schema)


def _by_names(by: Any) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    if not isinstance(by, (list, tuple)):
        raise InputTypeError(f"by must be a column name or a list of them, not {type(by).__name__}")
    return list(by)


def _date_type(f: Any, zone: str) -> pa.DataType:
    return arrow_type(f.dataType, zone)


def _schema(fields: dict, groups: dict, customer_id: str, date: str, as_of: str | None) -> Any:
    from pyspark.sql import types as T

    ts = fields[date].dataType
    stamp = T.TimestampType() if isinstance(ts, T.TimestampType) else T.TimestampNTZType()
    meta = {"rfmkit": {"as_of": as_of, "by": list(groups)}}
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
