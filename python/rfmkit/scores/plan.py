"""What the score functions share: the per-dimension plan (method, levels,
cut points), weights, the value columns and the scored table."""

from __future__ import annotations

import json
import numbers
import warnings
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from .._core import CutPoints
from ..errors import InputError, InputTypeError, RFMWarning
from ..io.frames import copy_on_write, numeric_column

DIMENSIONS = ("recency", "frequency", "monetary")
Method = Literal["quantile", "ntile", "threshold", "mean", "median"]
METHODS: tuple[Method, ...] = get_args(Method)
SCORE_COLUMNS = {"recency": "r_score", "frequency": "f_score", "monetary": "m_score"}


def per_dimension(value: Any, name: str, dims: Sequence[str]) -> dict[str, Any]:
    if isinstance(value, Mapping):
        unknown = set(value) - set(dims)
        if unknown:
            raise InputError(
                f"{name} has unknown dimension(s) {sorted(map(str, unknown))}; expected {list(dims)}"
            )
        return {d: value.get(d) for d in dims}
    return dict.fromkeys(dims, value)


MAX_LEVELS = 100


def bins_of(k: Any, dim: str) -> int:
    """A number of levels: an integer from 2 to 100 (never a bool, a float or text)."""
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise InputError(f"invalid bins for {dim}: {k!r}; give an integer between 2 and {MAX_LEVELS}")
    if not 2 <= int(k) <= MAX_LEVELS:
        raise InputError(f"invalid {dim} bins: must be between 2 and {MAX_LEVELS}, got {int(k)}")
    return int(k)


def cuts_of(cuts: Any, dim: str) -> list[float]:
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
            raise InputTypeError(f"thresholds for {dim} must be numbers, got {c!r} (a {type(c).__name__})")
        try:
            out.append(float(c))
        except (OverflowError, ValueError):
            raise InputError(f"invalid {dim} thresholds: cut point {c!r} is not finite") from None
    return out


def make_plan(dims, bins, method, thresholds) -> dict[str, tuple[Method, int, list[float] | None]]:
    """(method, bins, thresholds) per dimension, validated."""
    if thresholds is None:
        thresholds = {}
    elif not isinstance(thresholds, Mapping):
        raise InputTypeError(
            f"thresholds must map dimensions to cut points, e.g. "
            f"{{'frequency': [3]}}, not a {type(thresholds).__name__}: {thresholds!r}"
        )
    thresholds = dict(thresholds)
    unknown = set(thresholds) - set(dims)
    if unknown:
        raise InputError(
            f"thresholds has unknown dimension(s) {sorted(map(str, unknown))}; expected {list(dims)}"
        )
    methods = per_dimension(method, "method", dims)
    levels = per_dimension(bins, "bins", dims)
    plan = {}
    for d in dims:
        m = methods[d] or ("threshold" if d in thresholds else "quantile")
        if not isinstance(m, str) or m not in METHODS:
            raise InputError(f"invalid method for {d}: {m!r}; expected one of {', '.join(METHODS)}")
        k = bins_of(5 if levels[d] is None else levels[d], d)
        cuts = thresholds.get(d)
        if m == "threshold":
            if cuts is None:
                raise InputError(f"method 'threshold' for {d} needs thresholds={{{d!r}: [...]}}")
            cuts = cuts_of(cuts, d)
        elif cuts is not None:
            raise InputError(f"thresholds for {d} are only used with method 'threshold', not {m!r}")
        plan[d] = (m, k, cuts)
    return plan


def weights_of(weights: Any, dims: Sequence[str]) -> np.ndarray:
    if weights is None:
        return np.ones(len(dims))
    if isinstance(weights, Mapping):
        missing = set(dims) - set(weights)
        per_dimension(weights, "weights", dims)  # rejects unknown keys
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


def edges_dict(cut_points: CutPoints) -> dict[str, Any]:
    """The saved form of cut points (``attrs["score_edges"]``, ``RFMScorer.edges_``):
    method, cuts, levels, direction and inclusive."""
    return json.loads(cut_points.to_json())


def cut_points_of(edges: Any, dim: str) -> CutPoints:
    """Cut points from their saved form (a dict), validated (InputError)."""
    try:
        text = json.dumps(edges, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InputError(f"invalid {dim} cut points {edges!r}: {exc}") from None
    return CutPoints.from_json(text, dim)


def warn_unused(cut_points: CutPoints, dim: str, where: str = "", stacklevel: int = 3) -> None:
    unused = cut_points.unused()
    if unused:
        cuts = cut_points.cuts
        warnings.warn(
            f"{dim}{where}: scores {unused} are unused because cut points coincide "
            f"(cut points used: {cuts}); equal values share a score",
            RFMWarning,
            stacklevel=stacklevel,
        )


def value_column(table: pd.DataFrame, dim: str) -> np.ndarray:
    """A value column as contiguous finite float64 (errors name the column, value and row)."""
    if dim not in table.columns:
        raise InputError(f"missing column {dim!r}; score takes the table of rfm_table")
    return numeric_column(table[dim], dim, "scores need")


def scored_table(table: pd.DataFrame, scores: list[np.ndarray], edges: dict, w: np.ndarray) -> pd.DataFrame:
    """``table`` with the score columns, the code and the weighted total."""
    # Under copy-on-write (pandas 3) a shallow copy already protects the
    # caller's table; without it (pandas 2.2 by default) only a deep copy does.
    out = table.copy(deep=not copy_on_write())
    scores = [s.astype(np.int64) for s in scores]
    for dim, s in zip(DIMENSIONS, scores, strict=True):
        out[SCORE_COLUMNS[dim]] = s
    out["rfm_score"] = score_codes(scores, [int(edges[d]["levels"]) for d in DIMENSIONS])
    out["rfm_total"] = np.column_stack(scores).astype(np.float64) @ w if len(out) else np.zeros(0)
    out.attrs["score_edges"] = edges
    return out


_DIGIT_CODES = np.array([f"{i:03d}" for i in range(1000)], dtype=object)


def score_codes(scores: list[np.ndarray], levels: Sequence[int]) -> pd.Categorical:
    """The score codes, positionally (never aligned on the table's index).

    An ordered categorical of strings such as "545" (with 10 or more levels
    in some dimension, "10-3-12"), built from integer codes. Its categories
    are the codes in use plus, always, the lowest code first and the top
    code (every dimension at its number of levels) last, sorted by the
    (R, F, M) scores: the last category records the levels, so
    :func:`rfmkit.segment` finds them after a merge drops ``attrs``.
    """
    kr, kf, km = (int(k) for k in levels)
    if max(kr, kf, km) <= 9:
        number = scores[0] * 100 + scores[1] * 10 + scores[2]
        used = np.bincount(number, minlength=1000) > 0
        used[[111, kr * 100 + kf * 10 + km]] = True
        keep = np.flatnonzero(used)
        position = np.zeros(1000, dtype=np.int64)
        position[keep] = np.arange(len(keep))
        return pd.Categorical.from_codes(
            position[number], categories=_DIGIT_CODES[keep].tolist(), ordered=True
        )
    # Scores are at most 100: base 101 keeps the (R, F, M) order of the keys.
    key = (scores[0] * 101 + scores[1]) * 101 + scores[2]
    ends = np.array([(1 * 101 + 1) * 101 + 1, (kr * 101 + kf) * 101 + km], dtype=np.int64)
    keep = np.union1d(np.unique(key), ends)
    r, rest = np.divmod(keep, 101 * 101)
    f, m = np.divmod(rest, 101)
    names = [f"{a}-{b}-{c}" for a, b, c in zip(r.tolist(), f.tolist(), m.tolist(), strict=True)]
    return pd.Categorical.from_codes(np.searchsorted(keep, key), categories=names, ordered=True)
