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

import json
import numbers
import warnings
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ._core import score_apply, score_fit, score_ntile, score_unused
from ._frames import as_pandas, numeric_column
from ._groups import Groups
from .errors import InputError, InputTypeError, RFMWarning

__all__ = ["DIMENSIONS", "RFMScorer", "score"]  # noqa: F822 (RFMScorer: see __getattr__)

DIMENSIONS = ("recency", "frequency", "monetary")
METHODS = ("quantile", "ntile", "threshold", "mean", "median")
_SCORE_COLUMNS = {"recency": "r_score", "frequency": "f_score", "monetary": "m_score"}


def _per_dimension(value: Any, name: str, dims: Sequence[str]) -> dict[str, Any]:
    if isinstance(value, Mapping):
        unknown = set(value) - set(dims)
        if unknown:
            raise InputError(f"{name} has unknown dimension(s) {sorted(map(str, unknown))}; "
                             f"expected {list(dims)}")
        return {d: value.get(d) for d in dims}
    return dict.fromkeys(dims, value)


MAX_LEVELS = 100


def _bins(k: Any, dim: str) -> int:
    """A number of levels: an integer from 2 to 100 (never a bool, a float or text)."""
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise InputError(f"invalid bins for {dim}: {k!r}; give an integer between 2 and {MAX_LEVELS}")
    if not 2 <= int(k) <= MAX_LEVELS:
        raise InputError(f"invalid {dim} bins: must be between 2 and {MAX_LEVELS}, got {int(k)}")
    return int(k)


def _cuts(cuts: Any, dim: str) -> list[float]:
    """Threshold cut points: a number or a flat sequence of real numbers."""
    if isinstance(cuts, np.ndarray):
        items = [cuts.item()] if cuts.ndim == 0 else cuts.tolist()
    elif isinstance(cuts, (numbers.Number, Decimal, np.generic)):
        items = [cuts]
    elif isinstance(cuts, (str, bytes, Mapping)) or not isinstance(cuts, Iterable):
        raise InputTypeError(f"thresholds for {dim} must be a list of numbers, not {cuts!r}")
    else:
        items = list(cuts)
    out = []
    for c in items:
        if isinstance(c, (bool, np.bool_)) or not isinstance(c, (numbers.Real, Decimal)):
            raise InputTypeError(f"thresholds for {dim} must be numbers, got {c!r} "
                                 f"(a {type(c).__name__})")
        try:
            out.append(float(c))
        except (OverflowError, ValueError):
            raise InputError(f"invalid {dim} thresholds: cut point {c!r} is not finite") from None
    return out


def _plan(dims, bins, method, thresholds) -> dict[str, tuple[str, int, list[float] | None]]:
    """(method, bins, thresholds) per dimension, validated."""
    if thresholds is None:
        thresholds = {}
    elif not isinstance(thresholds, Mapping):
        raise InputTypeError(f"thresholds must map dimensions to cut points, e.g. "
                             f"{{'frequency': [3]}}, not a {type(thresholds).__name__}: {thresholds!r}")
    thresholds = dict(thresholds)
    unknown = set(thresholds) - set(dims)
    if unknown:
        raise InputError(f"thresholds has unknown dimension(s) {sorted(map(str, unknown))}; "
                         f"expected {list(dims)}")
    methods = _per_dimension(method, "method", dims)
    levels = _per_dimension(bins, "bins", dims)
    plan = {}
    for d in dims:
        m = methods[d] or ("threshold" if d in thresholds else "quantile")
        if not isinstance(m, str) or m not in METHODS:
            raise InputError(f"invalid method for {d}: {m!r}; expected one of {', '.join(METHODS)}")
        k = _bins(5 if levels[d] is None else levels[d], d)
        cuts = thresholds.get(d)
        if m == "threshold":
            if cuts is None:
                raise InputError(f"method 'threshold' for {d} needs thresholds={{{d!r}: [...]}}")
            cuts = _cuts(cuts, d)
        elif cuts is not None:
            raise InputError(f"thresholds for {d} are only used with method 'threshold', not {m!r}")
        plan[d] = (m, k, cuts)
    return plan


def _weights(weights: Any, dims: Sequence[str]) -> np.ndarray:
    if weights is None:
        return np.ones(len(dims))
    if isinstance(weights, Mapping):
        missing = set(dims) - set(weights)
        _per_dimension(weights, "weights", dims)  # rejects unknown keys
        if missing:
            raise InputError(f"weights misses dimension(s) {sorted(missing)}")
        weights = [weights[d] for d in dims]
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Iterable):
        raise InputTypeError(f"weights must be {len(dims)} numbers ({', '.join(dims)}), not {weights!r}")
    items = list(weights)
    if len(items) != len(dims):
        raise InputError(f"weights must have {len(dims)} values ({', '.join(dims)}), got {items!r}")
    w = np.empty(len(dims))
    for i, (d, x) in enumerate(zip(dims, items, strict=True)):
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Real, Decimal)):
            raise InputTypeError(f"weight for {d} must be a number, got {x!r}")
        try:
            w[i] = float(x)
        except OverflowError:
            w[i] = np.inf
        if not np.isfinite(w[i]) or w[i] < 0:
            raise InputError(f"weight for {d} must be finite and non-negative, got {x}")
    return w


def _warn_unused(edges_json: str, dim: str, where: str = "", stacklevel: int = 3) -> None:
    unused = score_unused(edges_json, dim)
    if unused:
        cuts = json.loads(edges_json)["cuts"]
        warnings.warn(
            f"{dim}{where}: scores {unused} are unused because cut points coincide "
            f"(cut points used: {cuts}); equal values share a score",
            RFMWarning,
            stacklevel=stacklevel,
        )


def _column(table: pd.DataFrame, dim: str) -> np.ndarray:
    """A value column as contiguous finite float64 (errors name the column, value and row)."""
    if dim not in table.columns:
        raise InputError(f"missing column {dim!r}; score takes the table of rfm_table")
    return numeric_column(table[dim], dim, "scores need")


def score(
    table: Any,
    *,
    bins: int | Mapping[str, int] = 5,
    method: str | Mapping[str, str] | None = None,
    thresholds: Mapping[str, Sequence[float]] | None = None,
    weights: Sequence[float] | Mapping[str, float] | None = None,
) -> pd.DataFrame:
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

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` with ``r_score``, ``f_score``, ``m_score`` (int64,
        1..k, higher is better), ``rfm_score`` (the scores as a code such as
        ``"545"``, a categorical of strings; with k >= 10 the parts are joined
        by ``"-"``) and
        ``rfm_total`` (float64, the weighted sum). ``attrs["score_edges"]``
        holds the cut points of each dimension.

    Notes
    -----
    A table grouped by :func:`rfmkit.rfm_table` with ``by=`` (its
    ``attrs["by"]`` names the group columns) is scored within each group:
    quantile cut points are fitted, and ntile ranks taken, on each group's
    customers alone, exactly as if each group's table were scored on its own.
    ``attrs["score_edges"]`` then holds the method and levels of each
    dimension, and ``attrs["score_edges_by_group"]`` the cut points of each
    group, keyed by the group value (a tuple for several columns). Unused
    scores are reported per group. :class:`RFMScorer` ignores groups: it
    fits one set of cut points on all the rows it is given.

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
    plan = _plan(DIMENSIONS, bins, method, thresholds)
    w = _weights(weights, DIMENSIONS)
    values = {dim: _column(table, dim) for dim in DIMENSIONS}
    ntile = any(p[0] == "ntile" for p in plan.values())
    ids = table["customer_id"].to_numpy() if ntile and "customer_id" in table.columns else None
    by = table.attrs.get("by")
    if not by:
        scores, edges = _score_rows(values, ids, plan, "")
        return _scored(table, scores, edges, w)
    groups = _group_rows(table, by)
    scores = [np.empty(len(table), dtype=np.uint8) for _ in DIMENSIONS]
    per_group: dict[Any, dict] = {}
    for code, rows in enumerate(groups.rows()):
        part, per_group[groups.key(code)] = _score_rows(
            {d: v[rows] for d, v in values.items()}, None if ids is None else ids[rows], plan,
            f" in group {groups.label(code)}",
        )
        for s, p in zip(scores, part, strict=True):
            s[rows] = p
    edges = {d: {"method": plan[d][0], "levels": plan[d][1], "by": list(by)} for d in DIMENSIONS}
    out = _scored(table, scores, edges, w)
    out.attrs["score_edges_by_group"] = per_group
    return out


def _group_rows(table: pd.DataFrame, by: Any) -> Groups:
    names = [by] if isinstance(by, str) else list(by)
    missing = [n for n in names if n not in table.columns]
    if missing:
        raise InputError(f"the table is grouped by {names} (attrs['by']) but misses column(s) {missing}")
    return Groups.build([table[n] for n in names], names)


def _score_rows(values: dict[str, np.ndarray], ids: np.ndarray | None, plan: dict,
                where: str) -> tuple[list[np.ndarray], dict[str, Any]]:
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
            e = score_fit(np.ascontiguousarray(v), m, k, descending, cuts, dim)
            _warn_unused(e, dim, where, stacklevel=4)
            s = score_apply(np.ascontiguousarray(v), e, dim)
            edges[dim] = json.loads(e)
        scores.append(s)
    return scores, edges


def _scored(table: pd.DataFrame, scores: list[np.ndarray], edges: dict, w: np.ndarray) -> pd.DataFrame:
    """``table`` with the score columns, the code and the weighted total."""
    # Under copy-on-write (pandas 3) a shallow copy already protects the
    # caller's table; without it (pandas 2.2 by default) only a deep copy does.
    out = table.copy(deep=not _copy_on_write())
    scores = [s.astype(np.int64) for s in scores]
    for dim, s in zip(DIMENSIONS, scores, strict=True):
        out[_SCORE_COLUMNS[dim]] = s
    out["rfm_score"] = _codes(scores, max(e["levels"] for e in edges.values()))
    out["rfm_total"] = np.column_stack(scores).astype(np.float64) @ w if len(out) else np.zeros(0)
    out.attrs["score_edges"] = edges
    return out


_DIGIT_CODES = np.array([f"{i:03d}" for i in range(1000)], dtype=object)


def _copy_on_write() -> bool:
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.get_option("mode.copy_on_write") is True


def _codes(scores: list[np.ndarray], max_levels: int) -> Any:
    """The score codes, positionally (never aligned on the table's index): a
    categorical of strings such as "545", built from integer codes."""
    if max_levels <= 9:
        number = scores[0] * 100 + scores[1] * 10 + scores[2]
        used = np.flatnonzero(np.bincount(number, minlength=1000))
        position = np.zeros(1000, dtype=np.int64)
        position[used] = np.arange(len(used))
        return pd.Categorical.from_codes(position[number], categories=_DIGIT_CODES[used].tolist())
    parts = [pd.Series(s).astype(str) for s in scores]
    return pd.Categorical((parts[0] + "-" + parts[1] + "-" + parts[2]).to_numpy())


def __getattr__(name: str) -> Any:
    # RFMScorer subclasses scikit-learn's estimators: importing it (and so
    # scikit-learn, about 0.7 s) waits until someone asks for it.
    if name == "RFMScorer":
        from ._scorer import RFMScorer

        return RFMScorer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
