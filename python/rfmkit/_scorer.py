"""The scikit-learn transformer :class:`RFMScorer` (imported lazily by
:mod:`rfmkit.scoring`, so that ``import rfmkit`` does not import scikit-learn)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ._core import score_apply, score_fit, score_unused
from .errors import InputError
from .scoring import _SCORE_COLUMNS, DIMENSIONS, _column, _plan, _scored, _warn_unused, _weights


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

    def __init__(self, bins=5, method=None, thresholds=None, weights=None):
        self.bins = bins
        self.method = method
        self.thresholds = thresholds
        self.weights = weights

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # scores are integers
        return tags

    def _prepare(self, X, reset: bool):
        if isinstance(X, pd.DataFrame) and set(DIMENSIONS) <= set(map(str, X.columns)):
            X = X[list(DIMENSIONS)]
        return validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite=True)

    def _dims(self) -> list[str]:
        names = getattr(self, "feature_names_in_", None)
        if self.n_features_in_ == 3 and (names is None or list(names) == list(DIMENSIONS)):
            return list(DIMENSIONS)
        return [str(n) for n in names] if names is not None else [f"x{i}" for i in range(self.n_features_in_)]

    def fit(self, X, y=None):
        """Learns the cut points of each column of ``X``."""
        X = self._prepare(X, reset=True)
        dims = self._dims()
        plan = _plan(dims, self.bins, self.method, self.thresholds)
        _weights(self.weights, dims)
        self.edges_ = {}
        for j, dim in enumerate(dims):
            m, k, cuts = plan[dim]
            if m == "ntile":
                raise InputError("RFMScorer cannot reuse 'ntile' scores (they have no cut points); "
                                 "use 'quantile'")
            e = score_fit(np.ascontiguousarray(X[:, j]), m, k, dim == "recency", cuts, dim)
            _warn_unused(e, dim)
            self.edges_[dim] = json.loads(e)
        return self

    def transform(self, X):
        """The scores of ``X`` with the fitted cut points, one column per dimension."""
        check_is_fitted(self, "edges_")
        X = self._prepare(X, reset=False)
        cols = [
            score_apply(np.ascontiguousarray(X[:, j]), json.dumps(self.edges_[dim]), dim)
            for j, dim in enumerate(self.edges_)
        ]
        return np.column_stack(cols).astype(np.int64) if cols else np.empty((len(X), 0), np.int64)

    def score_table(self, table: pd.DataFrame) -> pd.DataFrame:
        """Like :func:`rfmkit.score`, with the fitted cut points: ``table``
        with ``r_score``, ``f_score``, ``m_score``, ``rfm_score`` and
        ``rfm_total`` (weighted by ``weights``). Needs a scorer fitted on
        recency, frequency and monetary."""
        check_is_fitted(self, "edges_")
        if list(self.edges_) != list(DIMENSIONS):
            raise InputError("score_table() needs a scorer fitted on recency, frequency and monetary")
        w = _weights(self.weights, DIMENSIONS)
        scores = [score_apply(_column(table, d), json.dumps(self.edges_[d]), d) for d in DIMENSIONS]
        return _scored(table, scores, dict(self.edges_), w)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "edges_")
        return np.array([_SCORE_COLUMNS.get(d, f"{d}_score") for d in self.edges_], dtype=object)

    def to_json(self) -> str:
        """The fitted scorer (parameters and cut points) as JSON."""
        check_is_fitted(self, "edges_")
        return json.dumps({"params": self.get_params(), "n_features_in": self.n_features_in_,
                           "feature_names_in": getattr(self, "feature_names_in_", np.array([])).tolist(),
                           "edges": self.edges_})

    @classmethod
    def from_json(cls, text: str) -> RFMScorer:
        """A fitted scorer from :meth:`to_json`; the cut points are validated."""
        data = json.loads(text)
        scorer = cls(**data["params"])
        for dim, edges in data["edges"].items():
            score_unused(json.dumps(edges), dim)  # validates (raises InputError)
        scorer.edges_ = data["edges"]
        scorer.n_features_in_ = data["n_features_in"]
        if data["feature_names_in"]:
            scorer.feature_names_in_ = np.array(data["feature_names_in"], dtype=object)
        return scorer
