"""``rfmkit.spark.score`` and ``rfmkit.spark.segment``: the scores and
segments of :func:`rfmkit.score` and :func:`rfmkit.segment` on a Spark table.

Fitting: the cut points of ``"quantile"``, ``"mean"`` and ``"median"``
depend only on the multiset of each dimension's values, so Spark counts the
values (one ``groupBy(dimension, value).count()`` job over the three
dimensions exploded into pairs, per group with ``by``) and the driver
fits them exactly as in memory on the values repeated by their counts (the
driver holds at most one value per customer, never a transaction).
``"ntile"`` ranks customers by (value, id): the driver collects the value
and id, ranks them as in memory and keeps, per score, the (value, id) where
it starts. Applying: one ``mapInArrow`` pass, per partition.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable, Iterator
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._core import score_fit, score_ntile
from .._typing import BinsLike, LangLike, MethodLike, SchemeLike, ThresholdsLike, WeightsLike
from ..errors import InputError, RFMWarning
from ..scores.plan import (
    DIMENSIONS,
    SCORE_COLUMNS,
    cut_points_of,
    edges_dict,
    make_plan,
    score_codes,
    warn_unused,
    weights_of,
)
from ..segments.scheme import as_scheme
from ..segments.segment import segment as _segment_in_memory
from .engine import DataFrame, check_frame, field_of

__all__ = ["score", "segment"]


def _meta(sdf: DataFrame, column: str) -> dict[str, Any]:
    for f in sdf.schema.fields:
        if f.name == column:
            return dict(f.metadata.get("rfmkit", {}))
    return {}


def score(
    table: DataFrame,
    *,
    bins: BinsLike = 5,
    method: MethodLike | None = None,
    thresholds: ThresholdsLike | None = None,
    weights: WeightsLike | None = None,
) -> DataFrame:
    """:func:`rfmkit.score` of a Spark table from :func:`rfmkit.spark.rfm_table`.

    Parameters
    ----------
    table : pyspark.sql.DataFrame
        With ``recency``, ``frequency`` and ``monetary`` (and
        ``customer_id`` for ``"ntile"``). A table of ``rfm_table(by=...)``
        is scored within each group, as in memory (the group columns are
        read from the metadata of ``recency``).
    bins, method, thresholds, weights
        As for :func:`rfmkit.score`.

    Returns
    -------
    pyspark.sql.DataFrame
        ``table`` with ``r_score``, ``f_score``, ``m_score`` (long),
        ``rfm_score`` (string: the code, as the categorical's values in
        memory) and ``rfm_total`` (double), equal to :func:`rfmkit.score`'s.
        The metadata of ``r_score`` holds the levels and the cut points
        (``schema["r_score"].metadata["rfmkit"]``), which
        :func:`rfmkit.spark.segment` reads.

    Notes
    -----
    Fitting runs one job over ``table`` (two with ``"ntile"``), and the
    result is computed again when used: ``table.cache()`` first, or each
    job recomputes the table from the transactions.

    Examples
    --------
    >>> scored = rfmkit.spark.score(rfmkit.spark.rfm_table(sdf), bins=4)  # doctest: +SKIP
    """
    check_frame(table, "table")
    plan = make_plan(DIMENSIONS, bins, method, thresholds)
    w = weights_of(weights, DIMENSIONS)
    for dim in DIMENSIONS:
        field_of(table, dim, dim)
    by = list(_meta(table, "recency").get("by") or [])
    for g in by:
        field_of(table, g, "by")
    if any(plan[d][0] == "ntile" for d in DIMENSIONS):
        field_of(table, "customer_id", "customer_id")
    fits = _fit(table, plan, by)
    levels = [plan[d][1] for d in DIMENSIONS]
    meta: dict[str, Any] = {"levels": levels, "by": by}
    if not by:
        meta["score_edges"] = {d: fits[()][d][1] for d in DIMENSIONS if fits[()][d][0] == "cuts"}
    from pyspark.sql import types as T

    schema = T.StructType(
        list(table.schema.fields)
        + [T.StructField("r_score", T.LongType(), metadata={"rfmkit": meta})]
        + [T.StructField(n, T.LongType()) for n in ("f_score", "m_score")]
        + [T.StructField("rfm_score", T.StringType()), T.StructField("rfm_total", T.DoubleType())]
    )
    task = functools.partial(apply_scores, fits=fits, by=by, levels=levels, weights=w)
    return table.mapInArrow(task, schema)


def _fit(table: DataFrame, plan: dict, by: list[str]) -> dict[tuple, dict[str, tuple]]:
    """Per group, per dimension: ("cuts", edges dict) or ("ntile", starts).

    At most two jobs over ``table``: the value counts of every dimension
    fitted by cut points at once (the dimensions exploded into (dimension,
    value) pairs), and the (id, value) pairs of the ntile dimensions."""
    from pyspark.sql import functions as F

    counted = [d for d in DIMENSIONS if plan[d][0] != "ntile"]
    ranked = [d for d in DIMENSIONS if plan[d][0] == "ntile"]
    fits: dict[tuple, dict[str, tuple]] = {}
    if counted:
        pairs = F.array(
            *(F.struct(F.lit(d).alias("__dim"), F.col(d).cast("double").alias("__value")) for d in counted)
        )
        exploded = table.select(*by, F.explode(pairs).alias("__p")).select(*by, "__p.__dim", "__p.__value")
        got = exploded.groupBy(*by, "__dim", "__value").agg(F.count(F.lit(1)).alias("__n")).toArrow()
        for key, part in _groups(got, by):
            label = ", ".join(f"{n}={x!r}" for n, x in zip(by, key, strict=True))
            for dim in counted:
                m, k, cuts = plan[dim]
                rows = part.filter(pc.equal(part.column("__dim"), dim))
                v = _finite(rows.column("__value"), dim)
                values = np.repeat(v, rows.column("__n").to_numpy().astype(np.int64))
                fitted = score_fit(np.ascontiguousarray(values), m, k, dim == "recency", cuts, dim)
                warn_unused(fitted, dim, f" in group {label}" if by else "", stacklevel=4)
                fits.setdefault(key, {})[dim] = ("cuts", edges_dict(fitted))
    if ranked:
        got = table.select(*by, "customer_id", *ranked).toArrow()
        for key, part in _groups(got, by):
            ids = part.column("customer_id").to_numpy(zero_copy_only=False)
            for dim in ranked:
                k = plan[dim][1]
                starts = _ntile_starts(_finite(part.column(dim), dim), ids, k, dim == "recency", dim)
                fits.setdefault(key, {})[dim] = ("ntile", starts)
    return fits


def _groups(t: pa.Table, by: list[str]) -> Iterator[tuple[tuple, pa.Table]]:
    if not by:
        yield (), t
        return
    keys = list(zip(*[t.column(g).to_pylist() for g in by], strict=True))
    codes, uniques = pd.factorize(pd.Series(keys, dtype=object))
    for i, key in enumerate(uniques):
        yield tuple(key), t.take(pa.array(np.flatnonzero(codes == i)))


def _finite(col: pa.ChunkedArray, dim: str) -> np.ndarray:
    v = col.to_numpy().astype(np.float64)
    bad = ~np.isfinite(v)
    if bad.any():
        raise InputError(
            f"column {dim!r} has the value {v[bad][0]!r}; scores need finite numbers", column=dim
        )
    return v


def _ntile_starts(v: np.ndarray, ids: np.ndarray, k: int, descending: bool, dim: str) -> list[tuple]:
    """The (value, id) at which each score from 2 up starts, in the order
    of :func:`rfmkit.score`'s ntile: by value (descending for recency), then id."""
    order = np.argsort(ids, kind="stable")
    s = np.empty(len(v), dtype=np.int64)
    s[order] = score_ntile(np.ascontiguousarray(v[order]), k, descending, dim)
    by_value = np.argsort(-v[order] if descending else v[order], kind="stable")
    rank = order[by_value]
    ranked = s[rank]
    starts = []
    for level in range(2, k + 1):
        at = np.flatnonzero(ranked >= level)
        if len(at):
            i = rank[at[0]]
            starts.append((float(v[i]), ids[i].item() if isinstance(ids[i], np.generic) else ids[i]))
    return starts


def _ntile_apply(v: np.ndarray, ids: np.ndarray, starts: list[tuple], descending: bool) -> np.ndarray:
    s = np.ones(len(v), dtype=np.int64)
    for sv, sid in starts:
        later = (v < sv) if descending else (v > sv)
        s += later | ((v == sv) & (ids >= sid))
    return s


# -- the task (a module function: Spark pickles it by reference) ----------
def apply_scores(
    batches: Iterable[pa.RecordBatch], fits: dict, by: list[str], levels: list[int], weights: np.ndarray
) -> Iterator[pa.RecordBatch]:
    """A task of :func:`score`: the fitted scores of its rows."""
    compiled: dict[tuple, dict[str, Any]] = {}
    for batch in batches:
        n = batch.num_rows
        scores = [np.empty(n, dtype=np.int64) for _ in DIMENSIONS]
        for key, rows in _batch_groups(batch, by):
            fit = fits.get(key)
            if fit is None:
                raise InputError(f"group {key!r} was not in the table the scores were fitted on")
            if key not in compiled:
                compiled[key] = {
                    d: cut_points_of(f[1], d) if f[0] == "cuts" else None for d, f in fit.items()
                }
            for out, dim in zip(scores, DIMENSIONS, strict=True):
                v = batch.column(dim).to_numpy(zero_copy_only=False).astype(np.float64)[rows]
                if fit[dim][0] == "cuts":
                    out[rows] = compiled[key][dim].apply(np.ascontiguousarray(v), dim)
                else:
                    ids = batch.column("customer_id").to_numpy(zero_copy_only=False)[rows]
                    out[rows] = _ntile_apply(v, ids, fit[dim][1], dim == "recency")
        codes = np.asarray(score_codes(scores, levels), dtype=object) if n else np.empty(0, object)
        total = np.column_stack(scores).astype(np.float64) @ weights if n else np.zeros(0)
        cols = [*batch.columns, *(pa.array(s, pa.int64()) for s in scores)]
        cols += [pa.array(codes, pa.string()), pa.array(total, pa.float64())]
        names = [*batch.schema.names, *SCORE_COLUMNS.values(), "rfm_score", "rfm_total"]
        yield pa.RecordBatch.from_arrays(cols, names=names)


def _batch_groups(batch: pa.RecordBatch, by: list[str]) -> Iterator[tuple[tuple, np.ndarray]]:
    if not by:
        yield (), np.arange(batch.num_rows)
        return
    keys = list(zip(*[batch.column(g).to_pylist() for g in by], strict=True))
    codes, uniques = pd.factorize(pd.Series(keys, dtype=object))
    for i, key in enumerate(uniques):
        yield tuple(key), np.flatnonzero(codes == i)


def segment(
    scored: DataFrame,
    scheme: SchemeLike = "rfm11",
    *,
    lang: LangLike = "en",
    new_customer_days: int | None = None,
    levels: int | tuple[int, int, int] | None = None,
    explain: bool = False,
) -> DataFrame:
    """:func:`rfmkit.segment` of a Spark table from :func:`rfmkit.spark.score`.

    Parameters
    ----------
    scored : pyspark.sql.DataFrame
        With ``r_score``, ``f_score`` and ``m_score``.
    scheme, lang, new_customer_days, levels, explain
        As for :func:`rfmkit.segment`. ``levels`` defaults to the ones
        :func:`rfmkit.spark.score` records in the metadata of ``r_score``;
        ``new_customer_days`` reads the as-of date that
        :func:`rfmkit.spark.rfm_table` records in that of ``recency``.

    Returns
    -------
    pyspark.sql.DataFrame
        ``scored`` with ``segment_code`` and ``segment`` (strings; with
        ``explain``, ``segment_rule`` and ``segment_ranges`` too), equal to
        :func:`rfmkit.segment`'s. Tasks do not warn about customers in the
        fallback segment (count them with a ``filter``). For the action
        list, collect the segments (one row per customer):
        ``rfmkit.action_list(segmented.toPandas(), scheme)``.

    Examples
    --------
    >>> segmented = rfmkit.spark.segment(rfmkit.spark.score(table), "rfm11")  # doctest: +SKIP
    """
    check_frame(scored, "scored")
    s = as_scheme(scheme)
    if levels is None:
        found = _meta(scored, "r_score").get("levels")
        levels = None if found is None else cast("tuple[int, int, int]", tuple(int(k) for k in found))
        if levels is None:
            raise InputError(
                "the number of score levels is unknown: pass levels=... (an integer, or three for "
                "R, F, M), or segment the output of rfmkit.spark.score (its r_score records them)"
            )
    as_of = _meta(scored, "recency").get("as_of")
    for name in ("r_score", "f_score", "m_score"):
        field_of(scored, name, name)
    probe = pd.DataFrame({n: np.ones(0, np.int64) for n in ("r_score", "f_score", "m_score")})
    if new_customer_days is not None:
        field_of(scored, "first_purchase", "first_purchase")
        probe["first_purchase"] = pd.Series([], dtype="datetime64[us]")
        probe.attrs["as_of"] = as_of
    options: dict[str, Any] = dict(
        lang=lang, new_customer_days=new_customer_days, levels=levels, explain=explain
    )
    _segment_in_memory(probe, s, **options)  # the options, at once
    from pyspark.sql import types as T

    added = ["segment_code", "segment"] + (["segment_rule", "segment_ranges"] if explain else [])
    schema = T.StructType(list(scored.schema.fields) + [T.StructField(n, T.StringType()) for n in added])
    return scored.mapInArrow(
        functools.partial(apply_segments, scheme=s, options=options, as_of=as_of), schema
    )


def apply_segments(
    batches: Iterable[pa.RecordBatch], scheme: Any, options: dict, as_of: str | None
) -> Iterator[pa.RecordBatch]:
    """A task of :func:`segment`: the segments of its rows."""
    for batch in batches:
        frame = pa.Table.from_batches([batch]).select(
            [n for n in ("r_score", "f_score", "m_score", "first_purchase") if n in batch.schema.names]
        )
        df = frame.to_pandas()
        df.attrs["as_of"] = as_of
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RFMWarning)
            out = _segment_in_memory(df, scheme, **options)
        added = [c for c in ("segment_code", "segment", "segment_rule", "segment_ranges") if c in out.columns]
        cols = [*batch.columns, *(pa.array(np.asarray(out[c], dtype=object), pa.string()) for c in added)]
        yield pa.RecordBatch.from_arrays(cols, names=[*batch.schema.names, *added])
