"""One call from transactions to segments: :func:`rfm`.

:func:`rfm` is :func:`rfmkit.rfm_table`, then :func:`rfmkit.score`, then
:func:`rfmkit.segment`, with each option passed to the step that takes it;
the result is the same table, attrs included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._typing import DateLike, FrameLike, OutputLike, SchemeLike, TableLike, WindowLike, ZoneLike
from .io.output import follows_input
from .scores import score
from .segments import segment
from .streaming import rfm_table

__all__ = ["rfm"]


@follows_input("data", date="date")
def rfm(
    data: FrameLike,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    *,
    scheme: SchemeLike = "rfm11",
    bins: int | Mapping[str, int] = 5,
    method: str | Mapping[str, str] | None = None,
    thresholds: Mapping[str, Sequence[float]] | None = None,
    weights: Sequence[float] | Mapping[str, float] | None = None,
    lang: str | Mapping[str, str] = "en",
    as_of: DateLike | None = None,
    window: WindowLike | None = None,
    frequency: str = "rows",
    order_id: str | None = None,
    returns: str = "net",
    tz: ZoneLike | None = None,
    by: str | Sequence[str] | None = None,
    new_customer_days: int | None = None,
    progress: bool | None = None,
    output: OutputLike | None = None,
) -> TableLike:
    """From transactions to per-customer scores and segments, in one call.

    The same as ``segment(score(rfm_table(data, ...), ...), scheme, ...)``
    with the same options.

    Parameters
    ----------
    data : pandas.DataFrame, polars.DataFrame, pyarrow.Table, mapping, or a source to stream
        The transactions, one row per purchase; or Parquet files, a
        ``pyarrow.dataset.Dataset``, a RecordBatchReader, a polars LazyFrame,
        a DuckDB relation or another Arrow stream, read batch by batch as
        :func:`rfmkit.rfm_table` reads them (memory grows with customers,
        not rows).
    customer_id, date, amount : str
        Column names.
    scheme : str, Scheme or dict
        The segment scheme (:func:`rfmkit.segment`): a built-in name, a
        :class:`rfmkit.Scheme` or its dict.
    bins, method, thresholds, weights
        How the scores are made (:func:`rfmkit.score`).
    lang : str or mapping
        The language of the segment labels (:func:`rfmkit.segment`).
    as_of, window, frequency, order_id, returns, tz, by
        What the table measures (:func:`rfmkit.rfm_table`).
    new_customer_days : int, optional
        Customers whose first purchase is at most this many days old go to
        the segment "new" (:func:`rfmkit.segment`).
    progress : bool, optional
        The progress bar of a streamed source (:func:`rfmkit.rfm_table`).
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's (polars in, polars out, else pandas).

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        The columns of :func:`rfmkit.rfm_table`, ``r_score``, ``f_score``,
        ``m_score`` (and the others :func:`rfmkit.score` adds), then
        ``segment_code`` and ``segment``, one row per customer (per group and
        customer with ``by``), with the attrs of the three steps.

    Raises
    ------
    InputError, InputTypeError
        What the three steps refuse, and an invalid ``output``.

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(2_000, 300, seed=3)
    >>> out = rfmkit.rfm(tx, scheme="crm4", as_of="2024-12-31")
    >>> out[["customer_id", "r_score", "f_score", "m_score", "segment"]].shape
    (300, 5)
    >>> step = rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx, as_of="2024-12-31")), "crm4")
    >>> out.equals(step)
    True
    """
    table = rfm_table(
        data,
        customer_id,
        date,
        amount,
        as_of=as_of,
        window=window,
        frequency=frequency,
        order_id=order_id,
        returns=returns,
        tz=tz,
        by=by,
        progress=progress,
        output="pandas",
    )
    scored = score(table, bins=bins, method=method, thresholds=thresholds, weights=weights, output="pandas")
    return segment(scored, scheme, lang=lang, new_customer_days=new_customer_days, output="pandas")
