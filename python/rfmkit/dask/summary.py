"""rfm_summary on a dask DataFrame: per-partition summary states merged up a
tree, or a shuffle by customer and the in-memory summary per partition."""

from __future__ import annotations

from typing import Any

import dask.dataframe as dd
import pandas as pd

from .._typing import PeriodEndLike
from ..clv.state import SummaryState
from ..clv.summary import rfm_summary as _memory_summary
from ..errors import InputError, InputTypeError
from .common import (
    before_all,
    check_frame,
    check_method,
    check_npartitions,
    from_tree,
    meta_of,
    probe,
    relabel,
    wall_bound,
)

__all__ = ["rfm_summary"]


def rfm_summary(
    ddf: dd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    *,
    observation_period_end: PeriodEndLike | None = None,
    time_unit: str = "D",
    time_scaler: float | None = 1,
    include_first_transaction: bool | None = False,
    datetime_format: str | None = None,
    method: str | None = None,
    npartitions: int | None = None,
) -> dd.DataFrame:
    """:func:`rfmkit.rfm_summary` of a dask DataFrame, as a lazy dask DataFrame.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        The transactions, in any number of partitions, in any order.
    customer_id_col, datetime_col, monetary_value_col, datetime_format
        As for :func:`rfmkit.rfm_summary`.
    observation_period_end, time_unit, time_scaler, include_first_transaction
        As for :func:`rfmkit.rfm_summary`. The end defaults to the latest
        transaction over all partitions.
    method : {None, "tree", "shuffle"}
        ``"shuffle"`` (the default): the needed columns are shuffled by
        customer and :func:`rfmkit.rfm_summary` runs on each partition, with
        the end fixed beforehand (one more pass over the date column when
        ``observation_period_end`` is not given). ``"tree"``: every
        partition folds into an :class:`rfmkit.SummaryState`, merged 8 at a
        time up a tree; only the states move, but they carry every
        customer's distinct periods, and the last merge runs on one worker.
        The shuffle measured faster (bench/bench_dask.py).
    npartitions : int, optional
        Partitions of the result: for ``"tree"`` the finished table cut into
        that many consecutive pieces (default 1); for ``"shuffle"`` the
        shuffle's partitions (default: those of ``ddf``).

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy; one row per customer, the columns and dtypes of
        :func:`rfmkit.rfm_summary`, each partition sorted by id with an
        index from 0. With ``"shuffle"`` sort by id after computing; with
        ``"tree"`` the partitions follow in id order. The values equal
        ``rfmkit.rfm_summary(ddf.compute(), ...)`` bit for bit, for any
        partitioning; the partitions and the computed frame carry its
        ``attrs``.

    Raises
    ------
    InputError (ValueError), InputTypeError (TypeError)
        As :func:`rfmkit.rfm_summary`. Names, dtypes and options are checked
        at call time without computing; bad values when computing, naming
        the partition and the row within it.

    Examples
    --------
    >>> import dask, dask.dataframe as dd, rfmkit, rfmkit.dask
    >>> tx = rfmkit.datasets.make_transactions(3_000, 400, seed=1)
    >>> ddf = dd.from_pandas(tx, npartitions=4)
    >>> lazy = rfmkit.dask.rfm_summary(ddf, "customer_id", "date", "amount", time_unit="W")
    >>> with dask.config.set(scheduler="synchronous"):
    ...     summary = lazy.compute().sort_values("customer_id", ignore_index=True)
    >>> summary.equals(
    ...     rfmkit.rfm_summary(tx, "customer_id", "date", "amount", time_unit="W"))
    True
    """
    ddf = check_frame(ddf, "ddf")
    names = {"customer_id_col": customer_id_col, "datetime_col": datetime_col}
    for arg, value in names.items():
        if not isinstance(value, str):
            raise InputTypeError(f"{arg} must be a column name (str), not {type(value).__name__}")
    opts: dict[str, Any] = {
        "monetary_value_col": monetary_value_col,
        "time_unit": time_unit,
        "time_scaler": time_scaler,
        "include_first_transaction": include_first_transaction,
        "datetime_format": datetime_format,
    }
    meta = _memory_summary(
        meta_of(ddf),
        customer_id_col,
        datetime_col,
        observation_period_end=observation_period_end,
        output="pandas",
        **opts,
    )
    chosen = check_method(method, "shuffle")
    n = check_npartitions(npartitions)
    columns = [customer_id_col, datetime_col, *([monetary_value_col] if monetary_value_col else [])]
    frame = ddf[columns]
    opts.update(customer_id_col=customer_id_col, datetime_col=datetime_col)
    if chosen == "tree":
        return from_tree(frame, _state, _finish(meta), meta, n, extra=(opts, observation_period_end))
    end: Any = observation_period_end
    earliest: Any = None
    if end is None:
        end = wall_bound(frame, datetime_col, datetime_format, "max")
    elif meta_of(frame)[datetime_col].dtype.kind == "M":
        earliest = frame[datetime_col].min()  # tz-aware stays tz-aware
    else:
        earliest = wall_bound(frame, datetime_col, datetime_format, "min")
    shuffled = frame.shuffle(on=customer_id_col, npartitions=n)
    return shuffled.map_partitions(
        _kernel, end, earliest, opts, meta, meta=meta, enforce_metadata=False, align_dataframes=False
    )


def _state(opts: dict, end: Any) -> SummaryState:
    o = dict(opts)
    return SummaryState(
        o.pop("customer_id_col"), o.pop("datetime_col"), o.pop("monetary_value_col"),
        observation_period_end=end, **o,
    )  # fmt: skip


class _finish:
    """The last task: the merged state's summary, or the empty summary."""

    def __init__(self, meta: pd.DataFrame) -> None:
        self.meta = meta

    def __call__(self, state: SummaryState | None) -> pd.DataFrame:
        if state is None:
            return self.meta
        return state.finish(output="pandas")


def _kernel(
    part: pd.DataFrame,
    end: Any,
    earliest: Any,
    opts: dict,
    meta: pd.DataFrame,
    partition_info: dict | None = None,
) -> pd.DataFrame:
    o = dict(opts)
    id_col, date_col = o.pop("customer_id_col"), o.pop("datetime_col")
    try:
        return _memory_summary(part, id_col, date_col, observation_period_end=end, output="pandas", **o)
    except (InputError, InputTypeError) as exc:
        if before_all(exc) and earliest is not None:
            try:
                row = probe(part, date_col, earliest)
                _memory_summary(row, id_col, date_col, observation_period_end=end, output="pandas", **o)
            except (InputError, InputTypeError) as other:
                if before_all(other):
                    raise other from None
            return meta
        where = "shuffled partition" + ("" if partition_info is None else f" {partition_info['number']}")
        raise relabel(exc, where) from None
