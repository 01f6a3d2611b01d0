"""The scikit-learn transformer :class:`RFMScorer` (imported lazily by
:mod:`rfmkit.scores`, so that ``import rfmkit`` does not import scikit-learn)."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from .._core import CutPoints, score_fit
from .._typing import BinsLike, MethodLike, OutputLike, TableLike, ThresholdsLike, WeightsLike
from ..errors import InputError, InputTypeError
from ..io.frames import as_pandas
from ..io.output import follows_input
from .plan import (
    DIMENSIONS,
    SCORE_COLUMNS,
    cut_points_of,
    edges_dict,
    make_plan,
    scored_table,
    value_column,
    warn_unused,
    weights_of,
)


class _Base:
    """Placeholder so this module imports without scikit-learn."""


try:
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError:  # scikit-learn is optional: RFMScorer needs it, score() does not
    BaseEstimator, TransformerMixin = _Base, object  # type: ignore[misc,assignment]

    def validate_data(*args, **kwargs):  # type: ignore[no-redef]
        raise ImportError("RFMScorer needs scikit-learn: pip install 'rfmkit[sklearn]'")

    check_is_fitted = validate_data  # type: ignore[assignment]


class RFMScorer(TransformerMixin, BaseEstimator):
    """Learns score cut points on one table and applies them unchanged to another.

    A scikit-learn transformer: fit on last quarter's table, transform this
    month's, and the scores mean the same thing. Takes a DataFrame with
    ``recency``, ``frequency`` and ``monetary`` columns (other columns are
    ignored), or an array whose three columns are R, F and M. Arrays with
    another number of columns are scored column by column, higher is better.

    Parameters
    ----------
    bins, method, thresholds
        As in :func:`rfmkit.score`, except ``"ntile"``, which has no cut
        points to reuse.
    weights
        Weights of R, F and M in the ``rfm_total`` of :meth:`score_table`.

    Attributes
    ----------
    edges_ : dict
        The cut points of each dimension: method, cuts, levels, direction
        and whether a value equal to a cut passes it.
    n_features_in_, feature_names_in_
        As in scikit-learn.

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(5_000, 800, seed=3)
    >>> last_quarter = rfmkit.rfm_table(tx, as_of="2024-09-30")
    >>> scorer = rfmkit.RFMScorer(bins=4).fit(last_quarter)
    >>> scores = scorer.transform(rfmkit.rfm_table(tx))   # same cut points
    >>> scores.shape[1], scorer.get_feature_names_out().tolist()
    (3, ['r_score', 'f_score', 'm_score'])
    """

    def __init__(
        self,
        bins: BinsLike = 5,
        method: MethodLike | None = None,
        thresholds: ThresholdsLike | None = None,
        weights: WeightsLike | None = None,
    ) -> None:
        self.bins = bins
        self.method = method
        self.thresholds = thresholds
        self.weights = weights

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # scores are integers
        return tags

    def _prepare(self, X, reset: bool):
        if _is_table(X):
            X = as_pandas(X, "X")
        if isinstance(X, pd.DataFrame) and set(DIMENSIONS) <= set(map(str, X.columns)):
            # Only R, F and M, checked here so that errors name the column and row.
            X = pd.DataFrame({d: value_column(X, d) for d in DIMENSIONS}, index=X.index)
        try:
            return validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite=True)
        except TypeError as exc:
            if isinstance(exc, InputTypeError):
                raise
            raise InputTypeError(str(exc)) from None
        except ValueError as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(str(exc)) from None

    def _dims(self) -> list[str]:
        names = getattr(self, "feature_names_in_", None)
        if self.n_features_in_ == 3 and (names is None or list(names) == list(DIMENSIONS)):
            return list(DIMENSIONS)
        return [str(n) for n in names] if names is not None else [f"x{i}" for i in range(self.n_features_in_)]

    def fit(self, X: TableLike | npt.ArrayLike, y: object = None) -> RFMScorer:
        """Learns the cut points of each column of ``X``."""
        X = self._prepare(X, reset=True)
        dims = self._dims()
        plan = make_plan(dims, self.bins, self.method, self.thresholds)
        weights_of(self.weights, dims)
        fitted = {}
        for j, dim in enumerate(dims):
            m, k, cuts = plan[dim]
            if m == "ntile":
                raise InputError(
                    "RFMScorer cannot reuse 'ntile' scores (they have no cut points); use 'quantile'"
                )
            fitted[dim] = score_fit(np.ascontiguousarray(X[:, j]), m, k, dim == "recency", cuts, dim)
            warn_unused(fitted[dim], dim)
        self.edges_ = {dim: edges_dict(c) for dim, c in fitted.items()}
        self._keep_compiled(fitted)
        return self

    def _keep_compiled(self, fitted: dict[str, CutPoints]) -> None:
        # Beside edges_ (plain dicts, what is saved), with a copy of it to
        # tell whether it was changed since.
        self._cut_points = (copy.deepcopy(self.edges_), fitted)

    def _compiled(self) -> dict[str, CutPoints]:
        """The cut points of ``edges_``, compiled once (again if ``edges_`` was changed)."""
        cached = getattr(self, "_cut_points", None)
        if cached is None or cached[0] != self.edges_:
            self._keep_compiled({dim: cut_points_of(e, dim) for dim, e in self.edges_.items()})
            cached = self._cut_points
        return cached[1]

    def transform(self, X: TableLike | npt.ArrayLike) -> np.ndarray:
        """The scores of ``X`` with the fitted cut points, one column per dimension."""
        check_is_fitted(self, "edges_")
        X = self._prepare(X, reset=False)
        cols = [
            cut_points.apply(np.ascontiguousarray(X[:, j]), dim)
            for j, (dim, cut_points) in enumerate(self._compiled().items())
        ]
        return np.column_stack(cols).astype(np.int64) if cols else np.empty((len(X), 0), np.int64)

    @follows_input("table")
    def score_table(self, table: TableLike, *, output: OutputLike | None = None) -> TableLike:
        """Like :func:`rfmkit.score`, with the fitted cut points: ``table``
        with ``r_score``, ``f_score``, ``m_score``, ``rfm_score`` and
        ``rfm_total`` (weighted by ``weights``); ``rfm_score`` records the
        levels in its categories as :func:`rfmkit.score`'s does. Needs a
        scorer fitted on recency, frequency and monetary.

        A history of :func:`rfmkit.rfm_history` gets the same cut points at
        every snapshot (scores comparable over time, unlike
        ``rfmkit.score(history)``, which scores each snapshot on its own);
        its rows, columns and ``attrs`` are kept, so :func:`rfmkit.segment`
        and :func:`rfmkit.migration_over_time` take the result. The result
        is of the input's kind (polars in, polars out) or of ``output``."""
        check_is_fitted(self, "edges_")
        table = as_pandas(table, "table")
        if list(self.edges_) != list(DIMENSIONS):
            raise InputError("score_table() needs a scorer fitted on recency, frequency and monetary")
        w = weights_of(self.weights, DIMENSIONS)
        fitted = self._compiled()
        scores = [fitted[d].apply(value_column(table, d), d) for d in DIMENSIONS]
        return scored_table(table, scores, dict(self.edges_), w)

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        check_is_fitted(self, "edges_")
        return np.array([SCORE_COLUMNS.get(d, f"{d}_score") for d in self.edges_], dtype=object)

    def to_json(self) -> str:
        """The fitted scorer (parameters and cut points) as JSON."""
        check_is_fitted(self, "edges_")
        return json.dumps(
            {
                "params": self.get_params(),
                "n_features_in": self.n_features_in_,
                "feature_names_in": getattr(self, "feature_names_in_", np.array([])).tolist(),
                "edges": self.edges_,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> RFMScorer:
        """A fitted scorer from :meth:`to_json`; everything in it is validated.

        Raises
        ------
        InputError
            Text that is not JSON, or JSON that is not a saved scorer (a
            missing or ill-typed key, cut points that do not fit).
        InputTypeError
            ``text`` is not a string.
        """
        if not isinstance(text, (str, bytes, bytearray)):
            raise InputTypeError(f"from_json takes the JSON text of to_json, not {type(text).__name__}")
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
            raise InputError(f"invalid RFMScorer JSON: {exc}") from None
        bad = _saved_shape_error(data)
        if bad:
            raise InputError(f"invalid RFMScorer JSON: {bad}")
        scorer = cls(**data["params"])
        names = data["feature_names_in"]
        scorer.n_features_in_ = data["n_features_in"]
        if names:
            scorer.feature_names_in_ = np.array(names, dtype=object)
        dims = scorer._dims()
        if list(data["edges"]) != dims:
            raise InputError(
                f"invalid RFMScorer JSON: edges are for {list(data['edges'])}, but the features are {dims}"
            )
        make_plan(dims, scorer.bins, scorer.method, scorer.thresholds)
        weights_of(scorer.weights, dims)
        # Validated once here (InputError); edges_ keeps the dicts as saved.
        fitted = {dim: cut_points_of(edges, dim) for dim, edges in data["edges"].items()}
        scorer.edges_ = data["edges"]
        scorer._keep_compiled(fitted)
        return scorer


_PARAMS = ("bins", "method", "thresholds", "weights")


def _saved_shape_error(data: Any) -> str | None:
    """What is wrong with the shape of a saved scorer, or None."""
    if not isinstance(data, dict):
        return f"expected an object, got {type(data).__name__}"
    keys = {"params", "n_features_in", "feature_names_in", "edges"}
    if set(data) != keys:
        return f"expected the keys {sorted(keys)}, got {sorted(map(str, data))}"
    params, n, names, edges = (data[k] for k in ("params", "n_features_in", "feature_names_in", "edges"))
    if not isinstance(params, dict) or not set(params) <= set(_PARAMS):
        return f"'params' must be an object with keys among {list(_PARAMS)}, got {params!r}"
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        return f"'n_features_in' must be a positive integer, got {n!r}"
    if not isinstance(names, list) or not all(isinstance(x, str) for x in names) or len(names) not in (0, n):
        return f"'feature_names_in' must be a list of {n} names (or empty), got {names!r}"
    if not isinstance(edges, dict) or len(edges) != n or not all(isinstance(e, dict) for e in edges.values()):
        return f"'edges' must map each of the {n} features to its cut points, got {edges!r}"
    return None


def _is_table(X: Any) -> bool:
    """A polars DataFrame or a pyarrow Table (converted to pandas)."""
    return isinstance(X, pa.Table) or (
        type(X).__module__.split(".")[0] == "polars" and type(X).__name__ == "DataFrame"
    )
