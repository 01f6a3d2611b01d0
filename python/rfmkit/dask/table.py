"""rfm_table on a dask DataFrame: per-partition states merged up a tree, or a
shuffle by customer and the in-memory kernel per partition."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dask.dataframe as dd
import pandas as pd

from .._typing import DateLike, WindowLike, ZoneLike
from ..errors import InputError, InputTypeError
from ..state import RFMState
from ..table import group_names_of
from ..table import rfm_table as _memory_table
from .common import (
    before_all,
    check_frame,
    check_method,
    check_npartitions,
    from_tree,
    meta_of,
    probe,
    relabel,
)

__all__ = ["rfm_table"]


def rfm_table(
    ddf: dd.DataFrame,
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
    npartitions: int | None = None,
) -> dd.DataFrame:
    """:func:`rfmkit.rfm_table` of a dask DataFrame, as a lazy dask DataFrame.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        The transactions, in any number of partitions, in any order.
    customer_id, date, amount, as_of, window, frequency, order_id, returns, tz, by
        As for :func:`rfmkit.rfm_table`. ``as_of`` defaults to the latest
        date over all partitions; a ``window`` needs it before any partition
        is read, so without ``as_of`` a window costs one more pass over the
        date column (``ddf[date].max()``, part of the same graph).
    method : {None, "tree", "shuffle"}
        ``"tree"``: every partition folds into an :class:`rfmkit.RFMState`,
        the states are merged 8 at a time up a tree and the last one is
        finished; the rows never move, only the states (one row per
        customer, plus the distinct days or orders for those frequencies).
        ``"shuffle"``: the needed columns are shuffled by customer
        (``ddf.shuffle(on=customer_id)``) and :func:`rfmkit.rfm_table` runs
        on each partition. The default is ``"tree"`` for
        ``frequency="rows"``, whose states are small, and ``"shuffle"`` for
        ``"orders"`` and ``"days"``, whose states carry each customer's
        distinct orders or days (measured in bench/bench_dask.py).
    npartitions : int, optional
        Partitions of the result: for ``"tree"`` the finished table cut into
        that many consecutive pieces (default 1); for ``"shuffle"`` the
        shuffle's partitions (default: those of ``ddf``).

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy; ``.compute()`` gives pandas. One row per customer (per group
        and customer with ``by``), with the columns and dtypes of
        :func:`rfmkit.rfm_table`; each partition is sorted by id (by group,
        then id), and its index counts from 0. With ``"tree"`` the
        partitions follow each other in id order, so ``.compute()`` equals
        ``rfmkit.rfm_table(ddf.compute(), ...)`` after
        ``reset_index(drop=True)``; with ``"shuffle"`` a customer's row may
        be in any partition: sort by (group and) id first. Either way the
        values are equal bit for bit, money included, for any number of
        partitions and any partitioning. The partitions carry the
        ``attrs`` of ``rfm_table`` (``as_of`` and the options), and so does
        the computed frame.

    Raises
    ------
    InputTypeError (TypeError)
        ``ddf`` is not a dask DataFrame, or a column's dtype is wrong (float
        ids, text dates): at call time, from the frame's dtypes.
    InputError (ValueError)
        Missing columns, unknown options, a bad ``as_of``: at call time,
        without computing. Bad values (NaT, null ids, NaN amounts) are found
        when computing; the error names the partition and the row within it.

    Notes
    -----
    Warnings of ``rfm_table`` (customers with returns only) come from the
    task that finishes the table; on a distributed cluster they stay in the
    worker's log.

    Examples
    --------
    >>> import dask, dask.dataframe as dd, rfmkit, rfmkit.dask
    >>> tx = rfmkit.datasets.make_transactions(3_000, 400, seed=1)
    >>> ddf = dd.from_pandas(tx, npartitions=4)
    >>> with dask.config.set(scheduler="synchronous"):
    ...     table = rfmkit.dask.rfm_table(ddf).compute()
    >>> table.reset_index(drop=True).equals(rfmkit.rfm_table(tx))
    True
    >>> lazy = rfmkit.dask.rfm_table(ddf, frequency="days", method="shuffle")
    >>> with dask.config.set(scheduler="synchronous"):
    ...     days = lazy.compute().sort_values("customer_id", ignore_index=True)
    >>> days.equals(rfmkit.rfm_table(tx, frequency="days"))
    True
    """
    ddf = check_frame(ddf, "ddf")
    for arg, value in (("customer_id", customer_id), ("date", date), ("amount", amount)):
        if not isinstance(value, str):
            raise InputTypeError(f"{arg} must be a column name (str), not {type(value).__name__}")
    group_names = group_names_of(by, [customer_id, date, amount, order_id])
    opts: dict[str, Any] = {
        "customer_id": customer_id,
        "date": date,
        "amount": amount,
        "window": window,
        "frequency": frequency,
        "order_id": order_id,
        "returns": returns,
        "tz": tz,
        "by": by,
    }
    # The checks of rfm_table, on the frame's empty meta: names, dtypes, options.
    meta = _memory_table(meta_of(ddf), as_of=as_of, **opts)
    chosen = check_method(method, "tree" if frequency == "rows" else "shuffle")
    n = check_npartitions(npartitions)
    columns = [customer_id, date, amount, *([order_id] if order_id else []), *group_names]
    frame = ddf[columns]
    need_as_of = as_of is None and (window is not None or chosen == "shuffle")
    lazy_as_of: Any = frame[date].max() if need_as_of else as_of
    if chosen == "tree":
        out = from_tree(frame, _state, _finish(meta), meta, n, extra=(opts, lazy_as_of))
    else:
        # A partition whose customers all start after as_of is empty, unless all do.
        earliest = frame[date].min() if as_of is not None else None
        shuffled = frame.shuffle(on=customer_id, npartitions=n)
        out = shuffled.map_partitions(
            _kernel,
            lazy_as_of,
            earliest,
            opts,
            meta,
            meta=meta,
            enforce_metadata=False,
            align_dataframes=False,
        )
    like = meta_of(frame)[customer_id].dtype
    if isinstance(like, pd.CategoricalDtype):
        ids = like.categories.dtype
        return out.map_partitions(_ids_as, ids, meta=_ids_as(meta, ids))
    return out


def _as_of(value: Any) -> Any:
    # The maximum of an empty frame is NaT: no as-of date then, as in rfm_table.
    return None if value is None or value is pd.NaT else value


def _state(opts: dict, as_of: Any) -> RFMState:
    return RFMState(as_of=_as_of(as_of), **opts)


class _finish:
    """The last task: the merged state's table, or the empty table."""

    def __init__(self, meta: pd.DataFrame) -> None:
        self.meta = meta

    def __call__(self, state: RFMState | None) -> pd.DataFrame:
        if state is None:
            return self.meta
        return state.finish(output="pandas")


def _ids_as(table: pd.DataFrame, dtype: Any) -> pd.DataFrame:
    # Categorical ids come out of rfm_table in their categories' dtype; dask
    # turns the object column of RFMState.finish (and of rfm_table on an
    # empty frame) into its own string dtype: put the categories' dtype back.
    table = table.copy(deep=False)
    table["customer_id"] = table["customer_id"].astype(dtype)
    return table


def _kernel(
    part: pd.DataFrame,
    as_of: Any,
    earliest: Any,
    opts: dict,
    meta: pd.DataFrame,
    partition_info: dict | None = None,
) -> pd.DataFrame:
    try:
        return _memory_table(part, as_of=_as_of(as_of), output="pandas", **opts)
    except (InputError, InputTypeError) as exc:
        if before_all(exc) and earliest is not None:
            try:
                _memory_table(probe(part, opts["date"], earliest), as_of=as_of, output="pandas", **opts)
            except (InputError, InputTypeError) as other:
                if before_all(other):
                    raise other from None
            return meta
        where = "shuffled partition" + ("" if partition_info is None else f" {partition_info['number']}")
        raise relabel(exc, where) from None
