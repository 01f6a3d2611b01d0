"""R, F and M scores with explicit rules, and scorers fitted once and reused.

Scores are small integers, 1 to k, and higher is better in every dimension:
a short recency scores high. The rules (the core implements them):

- ``"quantile"``: k - 1 cut points at the k-quantiles of the values (NumPy's
  default "linear" quantiles). A value's score is 1 + the number of cut points
  it passes strictly (lies above, or below for recency). Equal values always
  share a score and nothing ever raises on skewed data: when cut points
  coincide (60% of customers with F = 1), the scores between them are unused
  rather than renumbered, so a 5 always means the top fifth. An
  :class:`~rfmkit.RFMWarning` says which scores are unused, and the cut points
  are in ``result.attrs["score_edges"]``.
- ``"ntile"``: equal-count groups whose sizes differ by at most one, the
  larger first, ties broken by customer id: SQL
  ``ntile(k) OVER (ORDER BY value, customer_id)`` (recency: ``value DESC``).
  Identical customers can get different scores; that is what NTILE does.
- ``"threshold"``: your cut points, any number of them, inclusive as business
  rules are written: F ``[3]`` means "3 or more" scores 2, R ``[30]`` means
  "within 30 days" scores 2, M ``[1000]`` means "1000 or more".
- ``"mean"`` / ``"median"``: two levels, high when strictly above the mean or
  median (recency: strictly below). The mean is exact for every finite value
  (huge or tiny), rounded once: it equals Python's ``statistics.mean``.

Tables may be pandas or polars DataFrames or pyarrow Tables; the result is
pandas. Values must be real, finite numbers: text, booleans, NaN and inf are
errors naming the column, the value and its row.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd

from .._core import score_fit, score_ntile
from .._typing import BinsLike, MethodLike, OutputLike, TableLike, ThresholdsLike, WeightsLike
from ..errors import InputError
from ..io.frames import as_pandas
from ..io.groups import Groups
from ..io.histories import SNAPSHOT, history_groups
from ..io.output import follows_input
from .plan import (
    DIMENSIONS,
    edges_dict,
    make_plan,
    scored_table,
    value_column,
    warn_unused,
    weights_of,
)

__all__ = ["score"]


@follows_input("table")
def score(
    table: TableLike,
    *,
    bins: BinsLike = 5,
    method: MethodLike | None = None,
    thresholds: ThresholdsLike | None = None,
    weights: WeightsLike | None = None,
    output: OutputLike | None = None,
) -> TableLike:
    """Adds R, F and M scores to a table from :func:`rfmkit.rfm_table`.

    Parameters
    ----------
    table : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        With columns ``recency``, ``frequency`` and ``monetary`` (and
        ``customer_id``, which breaks ties for ``"ntile"``).
    bins : int or mapping
        Number of scores k (2 to 100), or one per dimension, e.g.
        ``{"recency": 5, "frequency": 3, "monetary": 5}``.
    method : str or mapping, optional
        ``"quantile"`` (default), ``"ntile"``, ``"threshold"``, ``"mean"`` or
        ``"median"``, or one per dimension. Dimensions given in
        ``thresholds`` default to ``"threshold"``. See the module docs.
    thresholds : mapping, optional
        Cut points per dimension, sorted and distinct; k = cut points + 1.
    weights : sequence or mapping, optional
        Non-negative weights of R, F and M in ``rfm_total`` (default equal).
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's (polars in, polars out, else pandas).

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        A copy of ``table`` with ``r_score``, ``f_score``, ``m_score`` (int64,
        1..k, higher is better), ``rfm_score`` (the scores as a code such as
        ``"545"``; with k >= 10 in some dimension the parts are joined by
        ``"-"``, ``"10-3-12"``) and
        ``rfm_total`` (float64, the weighted sum). ``attrs["score_edges"]``
        holds the cut points of each dimension.

        ``rfm_score`` is an ordered categorical whose categories are the codes
        in use plus, always, the lowest code (``"111"``) first and the top
        code (``"555"``, ``"535"`` for bins 5, 3, 5) last, sorted by the
        (R, F, M) scores, even when no customer has them. The last category
        thus records the levels, where merges and polars (which drop
        ``attrs``) keep it: :func:`rfmkit.segment` reads it when ``attrs`` are
        gone. The integer scores stay plain int64 for arithmetic.

    Notes
    -----
    A table grouped by :func:`rfmkit.rfm_table` with ``by=`` (its
    ``attrs["by"]`` names the group columns) is scored within each group:
    quantile cut points are fitted, and ntile ranks taken, on each group's
    customers alone, exactly as if each group's table were scored on its own.
    ``attrs["score_edges"]`` then holds the method and levels of each
    dimension, and ``attrs["score_edges_by_group"]`` the cut points of each
    group, keyed by the group value (JSON values only, so that the attrs
    survive Parquet and Arrow: dates as ISO text such as ``"2024-06-30"``,
    several columns' values as the JSON text of their list, such as
    ``'["web", "2024-06-30"]'``). Unused
    scores are reported per group. :class:`RFMScorer` ignores groups: it
    fits one set of cut points on all the rows it is given.

    A history of :func:`rfmkit.rfm_history` (``attrs["by"]`` is
    ``["snapshot", *by]``) is thus scored within each snapshot (and group):
    the quantiles of that month. Its layout tells it apart when ``attrs``
    are gone (polars, a file, a concatenation): see :mod:`rfmkit.io.histories`.
    For scores comparable over time, fit :class:`RFMScorer` once and apply
    its fixed cut points with :meth:`RFMScorer.score_table`.

    Examples
    --------
    >>> import rfmkit
    >>> table = rfmkit.rfm_table(rfmkit.datasets.make_transactions(2_000, 400, seed=1))
    >>> scored = rfmkit.score(table, thresholds={"recency": [30], "frequency": [3],
    ...                                          "monetary": [1000]})
    >>> sorted(scored["rfm_score"].unique())[:3]
    ['111', '112', '121']
    """
    table = as_pandas(table, "table")
    plan = make_plan(DIMENSIONS, bins, method, thresholds)
    w = weights_of(weights, DIMENSIONS)
    values = {dim: value_column(table, dim) for dim in DIMENSIONS}
    ntile = any(p[0] == "ntile" for p in plan.values())
    ids = table["customer_id"].to_numpy() if ntile and "customer_id" in table.columns else None
    by = table.attrs.get("by")
    if not by and (history := history_groups(table)) is not None:
        by = [SNAPSHOT, *history]  # a history whose attrs are gone (see rfmkit.io.histories)
    if not by:
        scores, edges = _score_rows(values, ids, plan, "")
        return scored_table(table, scores, edges, w)
    groups = _group_rows(table, by)
    scores = [np.empty(len(table), dtype=np.uint8) for _ in DIMENSIONS]
    per_group: dict[Any, dict] = {}
    for code, rows in enumerate(groups.rows()):
        part, per_group[_json_key(groups.key(code))] = _score_rows(
            {d: v[rows] for d, v in values.items()},
            None if ids is None else ids[rows],
            plan,
            f" in group {groups.label(code)}",
        )
        for s, p in zip(scores, part, strict=True):
            s[rows] = p
    edges = {d: {"method": plan[d][0], "levels": plan[d][1], "by": list(by)} for d in DIMENSIONS}
    out = scored_table(table, scores, edges, w)
    out.attrs["score_edges_by_group"] = per_group
    return out


def _json_key(key: Any) -> Any:
    """A group's key in ``attrs`` (JSON values only, as pandas writes them to
    Parquet): the value itself when JSON has it, a date or time as ISO text
    (``"2024-06-30"`` for a snapshot), several columns' values as the JSON
    text of their list."""
    if isinstance(key, tuple):
        return json.dumps([_json_key(k) for k in key], ensure_ascii=False)
    if isinstance(key, (dt.datetime, dt.date, np.datetime64)):
        stamp = pd.Timestamp(key)
        if stamp == stamp.normalize():
            return stamp.date().isoformat()
        return stamp.isoformat()
    if key is None or isinstance(key, (str, int, float, bool)):
        return key
    return str(key)


def _group_rows(table: pd.DataFrame, by: Any) -> Groups:
    names = [by] if isinstance(by, str) else list(by)
    missing = [n for n in names if n not in table.columns]
    if missing:
        raise InputError(f"the table is grouped by {names} (attrs['by']) but misses column(s) {missing}")
    return Groups.build([table[n] for n in names], names)


def _score_rows(
    values: dict[str, np.ndarray], ids: np.ndarray | None, plan: dict, where: str
) -> tuple[list[np.ndarray], dict[str, Any]]:
    """The scores and cut points of one set of customers."""
    edges: dict[str, Any] = {}
    order = None
    scores = []
    for dim in DIMENSIONS:
        v = values[dim]
        m, k, cuts = plan[dim]
        descending = dim == "recency"
        if m == "ntile":
            if order is None:
                order = np.argsort(ids, kind="stable") if ids is not None else np.arange(len(v))
            s = np.empty(len(v), dtype=np.uint8)
            s[order] = score_ntile(np.ascontiguousarray(v[order]), k, descending, dim)
            edges[dim] = {"method": "ntile", "levels": k}
        else:
            v = np.ascontiguousarray(v)
            cut_points = score_fit(v, m, k, descending, cuts, dim)
            warn_unused(cut_points, dim, where, stacklevel=4)
            s = cut_points.apply(v, dim)
            edges[dim] = edges_dict(cut_points)
        scores.append(s)
    return scores, edges
