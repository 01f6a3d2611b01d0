"""``rfmkit.spark.rfm_summary``: the CLV summary of a Spark DataFrame, exactly.

The plans are those of :mod:`rfmkit.spark.table`, over
:class:`rfmkit.SummaryState`.
"""

from __future__ import annotations

import functools
from typing import Any, cast

import pandas as pd
import pyarrow as pa

from .._typing import PeriodEndLike
from ..clv.state import SummaryState
from ..clv.summary import rfm_summary as _summary_in_memory
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

__all__ = ["rfm_summary"]

_BEFORE_FIRST = "there is nothing to summarize"


def rfm_summary(
    sdf: DataFrame,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    *,
    observation_period_end: PeriodEndLike | None = None,
    time_unit: str = "D",
    time_scaler: float | None = 1,
    include_first_transaction: bool | None = False,
    method: str | None = None,
    num_partitions: int | None = None,
) -> DataFrame:
    """:func:`rfmkit.rfm_summary` of a Spark DataFrame, as a Spark DataFrame.

    Parameters
    ----------
    sdf : pyspark.sql.DataFrame
        The transactions: integer or string ids, timestamp / timestamp_ntz /
        date dates, numeric amounts.
    customer_id_col, datetime_col, monetary_value_col
        Column names, as for :func:`rfmkit.rfm_summary`.
    observation_period_end, time_unit, time_scaler, include_first_transaction
        As for :func:`rfmkit.rfm_summary`. The end defaults to the latest
        date, found by a first ``agg`` job. Periods are those of the
        wall-clock times: for a timestamp column, its times in the session
        time zone (what ``toPandas()`` shows).
    method : {"shuffle", "combine"}, optional
        As for :func:`rfmkit.spark.rfm_table`; the default is ``"shuffle"``
        (the summary's states carry each customer's distinct periods).
    num_partitions : int, optional
        Partitions of the result (default: ``spark.sql.shuffle.partitions``).

    Returns
    -------
    pyspark.sql.DataFrame
        One row per customer: ``customer_id`` (the id column's type),
        ``frequency``, ``recency``, ``T`` (not with
        ``include_first_transaction``) and ``monetary_value`` (with
        ``monetary_value_col``), doubles. Each partition is sorted by id.

    Examples
    --------
    >>> import rfmkit.spark                                  # doctest: +SKIP
    >>> summary = rfmkit.spark.rfm_summary(sdf, "customer_id", "date", "amount")  # doctest: +SKIP
    >>> summary.orderBy("customer_id").toPandas()            # doctest: +SKIP
    """
    check_frame(sdf, "sdf")
    method = method_of(method, "shuffle")  # the states carry distinct periods: rows move faster
    roles = {"customer_id_col": customer_id_col, "datetime_col": datetime_col}
    if monetary_value_col is not None:
        roles["monetary_value_col"] = monetary_value_col
    fields = {name: field_of(sdf, name, arg) for arg, name in roles.items()}
    zone = session_zone(sdf)
    opts: dict[str, Any] = dict(
        time_unit=time_unit, time_scaler=time_scaler, include_first_transaction=include_first_transaction
    )
    cols = (customer_id_col, datetime_col, monetary_value_col)
    date_type = arrow_type(fields[datetime_col].dataType, zone)
    empty = probe_table(fields, pa.array([], date_type), datetime_col, zone)
    _summary_in_memory(empty, *cols, observation_period_end=observation_period_end, **opts)  # at once
    dates = date_range(sdf, fields[datetime_col], zone)
    found = cast(
        pd.DataFrame,
        _summary_in_memory(
            probe_table(fields, dates, datetime_col, zone),
            *cols,
            observation_period_end=observation_period_end,
            **opts,
        ),
    )
    end = (
        observation_period_end
        if observation_period_end is not None
        else found.attrs["observation_period_end"]
    )
    new_state = functools.partial(SummaryState, *cols, observation_period_end=end, **opts)
    schema = _schema(fields[customer_id_col], include_first_transaction, monetary_value_col is not None)
    task = Task(new_state, customer_id_col, _BEFORE_FIRST, arrow_schema(schema))
    src = sdf.select(*dict.fromkeys(c for c in cols if c is not None))
    return plan(src, method, shuffle_partitions(sdf, num_partitions), task, schema)


def _schema(ids, include_first: bool | None, money: bool):
    from pyspark.sql import types as T

    kind_of_ids(ids, "customer_id_col")
    names = (
        ["frequency", "recency"] + ([] if include_first else ["T"]) + (["monetary_value"] if money else [])
    )
    return T.StructType(
        [T.StructField("customer_id", ids.dataType)] + [T.StructField(n, T.DoubleType()) for n in names]
    )
