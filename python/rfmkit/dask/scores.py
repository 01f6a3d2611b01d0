"""score and segment on a dask DataFrame: cut points fitted on the whole
table exactly as :func:`rfmkit.score` fits them, applied per partition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

from .._typing import BinsLike, LangLike, MethodLike, SchemeLike, ThresholdsLike, WeightsLike
from ..errors import InputError
from ..scores.plan import (
    DIMENSIONS,
    SCORE_COLUMNS,
    cut_points_of,
    make_plan,
    scored_table,
    value_column,
    weights_of,
)
from ..scores.score import score as _memory_score
from ..segments.levels import given_levels
from ..segments.segment import segment as _memory_segment
from .common import check_frame, meta_of

__all__ = ["score", "segment"]


def score(
    table: dd.DataFrame,
    *,
    bins: BinsLike = 5,
    method: MethodLike | None = None,
    thresholds: ThresholdsLike | None = None,
    weights: WeightsLike | None = None,
) -> dd.DataFrame:
    """:func:`rfmkit.score` of a dask DataFrame (from :func:`rfmkit.dask.rfm_table`).

    Parameters
    ----------
    table : dask.dataframe.DataFrame
        One row per customer (per group and customer), with ``recency``,
        ``frequency`` and ``monetary`` and, for ``"ntile"`` scores or a
        table grouped with ``by=``, ``customer_id``.
    bins, method, thresholds, weights
        As for :func:`rfmkit.score`.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy: ``table`` with the columns of :func:`rfmkit.score`, in the
        same partitions. Computed, it equals ``rfmkit.score`` of the
        computed table bit for bit: the same scores, codes (``rfm_score``
        with the categories of the whole table), totals and ``attrs``.

    Notes
    -----
    The fit runs on the whole table, as in memory: one task collects the
    value columns (``recency``, ``frequency``, ``monetary``; the table has
    one row per customer, so this is small next to the transactions) and
    fits the cut points with :func:`rfmkit.score`; every partition then
    applies them. ``"ntile"`` ranks and tables grouped with ``by=`` take
    each customer's scores from that fit, found by (group and) id, so the
    ids must be unique within each group, as :func:`rfmkit.dask.rfm_table`
    gives them.

    Examples
    --------
    >>> import dask, dask.dataframe as dd, rfmkit, rfmkit.dask
    >>> tx = rfmkit.datasets.make_transactions(3_000, 400, seed=1)
    >>> table = rfmkit.dask.rfm_table(dd.from_pandas(tx, npartitions=3), npartitions=2)
    >>> with dask.config.set(scheduler="synchronous"):
    ...     scored = rfmkit.dask.score(table, bins=4).compute()
    >>> scored.reset_index(drop=True).equals(rfmkit.score(rfmkit.rfm_table(tx), bins=4))
    True
    """
    table = check_frame(table, "table")
    meta = meta_of(table)
    plan = make_plan(DIMENSIONS, bins, method, thresholds)
    w = weights_of(weights, DIMENSIONS)
    for dim in DIMENSIONS:
        value_column(meta, dim)  # a missing or non-numeric column is an error now
    by = meta.attrs.get("by")
    names = [by] if isinstance(by, str) else list(by or [])
    lookup = bool(names) or any(p[0] == "ntile" for p in plan.values())
    keys = [*names, "customer_id"] if lookup else []
    missing = [k for k in keys if k not in meta.columns]
    if missing:
        raise InputError(f"missing column(s) {missing}: ntile scores and grouped tables need the ids")
    options: dict[str, Any] = {"bins": bins, "method": method, "thresholds": thresholds, "weights": weights}
    out_meta = cast(pd.DataFrame, _memory_score(meta, output="pandas", **options))
    small = table[[*keys, *DIMENSIONS]]
    fitted = dask.delayed(_fit, pure=True)(small, dict(meta.attrs), keys, options)
    out_meta["rfm_score"] = out_meta["rfm_score"].astype(
        pd.CategoricalDtype(["__UNKNOWN_CATEGORIES__"], ordered=True)
    )
    return table.map_partitions(_apply, fitted, w, meta=out_meta, enforce_metadata=False)


@dataclass
class _Fit:
    """What every partition needs from the fit on the whole table."""

    edges: dict
    by_group: dict | None
    categories: pd.Index
    keys: list[str]
    index: pd.Index | None  # (group and) id of every row of the fit, for lookups
    scores: list[np.ndarray] | None
    total: np.ndarray | None


def _fit(small: pd.DataFrame, attrs: dict, keys: list[str], options: dict) -> _Fit:
    small = small.reset_index(drop=True)
    small.attrs.update(attrs)
    scored = cast(pd.DataFrame, _memory_score(small, output="pandas", **options))
    fit = _Fit(
        edges=scored.attrs["score_edges"],
        by_group=scored.attrs.get("score_edges_by_group"),
        categories=scored["rfm_score"].cat.categories,
        keys=keys,
        index=None,
        scores=None,
        total=None,
    )
    if keys:
        fit.index = _key_index(small, keys)
        if not fit.index.is_unique:
            raise InputError(f"the table has repeated {keys} pairs: score needs one row per customer")
        fit.scores = [scored[SCORE_COLUMNS[d]].to_numpy() for d in DIMENSIONS]
        fit.total = scored["rfm_total"].to_numpy()
    return fit


def _key_index(frame: pd.DataFrame, keys: list[str]) -> pd.Index:
    if len(keys) == 1:
        return pd.Index(frame[keys[0]])
    return pd.MultiIndex.from_frame(frame[keys])


def _apply(part: pd.DataFrame, fit: _Fit, w: np.ndarray) -> pd.DataFrame:
    if fit.index is None:
        scores = [cut_points_of(fit.edges[d], d).apply(value_column(part, d), d) for d in DIMENSIONS]
        out = scored_table(part, scores, fit.edges, w)
    else:
        rows = fit.index.get_indexer(_key_index(part, fit.keys))
        if (rows < 0).any():
            raise InputError("a partition changed between the fit and the scores; persist the table")
        assert fit.scores is not None and fit.total is not None
        out = scored_table(part, [s[rows] for s in fit.scores], fit.edges, w)
        out["rfm_total"] = fit.total[rows]
    out["rfm_score"] = out["rfm_score"].cat.set_categories(fit.categories)
    if fit.by_group is not None:
        out.attrs["score_edges_by_group"] = fit.by_group
    return out


def segment(
    scored: dd.DataFrame,
    scheme: SchemeLike = "rfm11",
    *,
    lang: LangLike = "en",
    new_customer_days: int | None = None,
    levels: int | tuple[int, int, int] | None = None,
    explain: bool = False,
) -> dd.DataFrame:
    """:func:`rfmkit.segment` of a dask DataFrame (from :func:`rfmkit.dask.score`), per partition.

    Parameters
    ----------
    scored : dask.dataframe.DataFrame
        With ``r_score``, ``f_score`` and ``m_score``.
    scheme, lang, new_customer_days, levels, explain
        As for :func:`rfmkit.segment`. The levels default to those that
        :func:`rfmkit.dask.score` recorded in the frame's meta.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy, in the same partitions; computed, it equals
        ``rfmkit.segment`` of the computed scored table. Feed the computed
        frame to :func:`rfmkit.action_list`.

    Notes
    -----
    A segment depends on the customer's own row only, so each partition is
    segmented on its own; the categories are the scheme's, the same in
    every partition. The warning about customers in the fallback comes
    from each partition's task.

    Examples
    --------
    >>> import dask, dask.dataframe as dd, rfmkit, rfmkit.dask
    >>> tx = rfmkit.datasets.make_transactions(3_000, 400, seed=1)
    >>> scored = rfmkit.dask.score(rfmkit.dask.rfm_table(dd.from_pandas(tx, npartitions=3)))
    >>> lazy = rfmkit.dask.segment(scored, "rf10", new_customer_days=60)
    >>> with dask.config.set(scheduler="synchronous"):
    ...     customers = lazy.compute()
    >>> rfmkit.action_list(customers).columns[:2].tolist()
    ['customer_id', 'segment_code']
    """
    scored = check_frame(scored, "scored")
    meta = meta_of(scored)
    k = given_levels(levels) if levels is not None else _meta_levels(meta)
    options: dict[str, Any] = {
        "lang": lang,
        "new_customer_days": new_customer_days,
        "levels": k,
        "explain": explain,
    }
    probe = meta
    if new_customer_days is not None and probe.attrs.get("as_of") is None:
        # The meta of a lazy table has no as-of date yet; the partitions have theirs.
        probe = meta.copy()
        probe.attrs["as_of"] = "1970-01-01"
    out_meta = _memory_segment(probe, scheme, output="pandas", **options)
    return scored.map_partitions(
        _segment_part, scheme, options, dict(meta.attrs), meta=out_meta, enforce_metadata=False
    )


def _meta_levels(meta: pd.DataFrame) -> list[int]:
    edges = meta.attrs.get("score_edges")
    if isinstance(edges, Mapping):
        try:
            return given_levels([edges[d]["levels"] for d in DIMENSIONS])
        except (KeyError, TypeError):
            pass
    raise InputError(
        "the number of score levels is unknown: pass levels=... (an integer, or three for R, F, M), "
        "or segment the output of rfmkit.dask.score"
    )


def _segment_part(part: pd.DataFrame, scheme: Any, options: dict, attrs: dict) -> pd.DataFrame:
    if not part.attrs and attrs:
        part = part.copy(deep=False)
        part.attrs.update(attrs)
    return _memory_segment(part, scheme, output="pandas", **options)
