"""Scores against independent references: NumPy quantiles, DuckDB NTILE, the
source document's hand-computed cut points, and scikit-learn's checks."""

from __future__ import annotations

import contextlib
import json
import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest
import rfmkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rfmkit import InputError, RFMScorer, RFMWarning
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def table_from(r, f, m, ids=None):
    n = len(r)
    return pd.DataFrame(
        {
            "customer_id": np.arange(n) if ids is None else ids,
            "recency": np.asarray(r, dtype=np.int64),
            "frequency": np.asarray(f, dtype=np.int64),
            "monetary": np.asarray(m, dtype=np.float64),
        }
    )


def quiet_score(table, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        return rfmkit.score(table, **kw)


def numpy_quantile_scores(x, k, descending):
    """The documented rule, written with NumPy: 1 + cut points passed strictly."""
    x = np.asarray(x, dtype=np.float64)
    cuts = np.quantile(x, np.arange(1, k) / k)
    if descending:
        return 1 + (cuts[None, :] > x[:, None]).sum(axis=1)
    return 1 + (cuts[None, :] < x[:, None]).sum(axis=1)


columns = st.lists(
    st.tuples(st.integers(0, 400), st.integers(1, 12), st.integers(-500, 100_000).map(lambda c: c / 100)),
    min_size=1,
    max_size=80,
)


@SETTINGS
@given(rows=columns, k=st.integers(2, 10))
def test_quantile_matches_numpy(rows, k):
    r, f, m = map(np.array, zip(*rows, strict=True))
    got = quiet_score(table_from(r, f, m), bins=k)
    np.testing.assert_array_equal(got["r_score"], numpy_quantile_scores(r, k, True))
    np.testing.assert_array_equal(got["f_score"], numpy_quantile_scores(f, k, False))
    np.testing.assert_array_equal(got["m_score"], numpy_quantile_scores(m, k, False))
    for dim in ("recency", "frequency", "monetary"):
        want = np.quantile(np.asarray(got[dim], dtype=np.float64), np.arange(1, k) / k)
        assert got.attrs["score_edges"][dim]["cuts"] == want.tolist()  # bit for bit
    assert got[["r_score", "f_score", "m_score"]].isin(range(1, k + 1)).all().all()


@SETTINGS
@given(rows=columns, k=st.integers(2, 10), seed=st.integers(0, 2**31))
def test_equal_values_share_a_score_and_order_does_not_matter(rows, k, seed):
    t = table_from(*map(np.array, zip(*rows, strict=True)))
    got = quiet_score(t, bins=k)
    for dim, col in (("recency", "r_score"), ("frequency", "f_score"), ("monetary", "m_score")):
        assert (got.groupby(dim)[col].nunique() == 1).all()
    shuffled = t.sample(frac=1, random_state=seed)
    again = quiet_score(shuffled, bins=k).sort_index()
    pd.testing.assert_frame_equal(again, got, check_like=True)


@settings(max_examples=40, deadline=None)
@given(rows=columns, k=st.integers(2, 10), seed=st.integers(0, 2**31))
def test_ntile_matches_duckdb(rows, k, seed):
    r, f, m = map(np.array, zip(*rows, strict=True))
    ids = np.random.default_rng(seed).permutation(len(r)) * 7 + 3  # unsorted ids
    t = table_from(r, f, m, ids=ids)
    got = rfmkit.score(t, bins=k, method="ntile").set_index("customer_id")
    con = duckdb.connect()
    con.register("t", t)
    want = (
        con.sql(f"""
        SELECT customer_id,
               ntile({k}) OVER (ORDER BY recency DESC, customer_id) AS r_score,
               ntile({k}) OVER (ORDER BY frequency, customer_id) AS f_score,
               ntile({k}) OVER (ORDER BY monetary, customer_id) AS m_score
        FROM t""")
        .df()
        .set_index("customer_id")
        .loc[got.index]
    )
    for col in ("r_score", "f_score", "m_score"):
        np.testing.assert_array_equal(got[col].to_numpy(), want[col].to_numpy())


# The source document's cut points: R within 30 days, F of 3 or more, M of 1000 or more.
SOURCE = {"recency": [30], "frequency": [3], "monetary": [1000]}


@pytest.mark.parametrize(
    ("recency", "frequency", "monetary", "code"),
    [
        (10, 5, 1500, "222"),  # bought 10 days ago, 5 orders, 1,500 spent
        (60, 1, 2000, "112"),
        (30, 3, 1000, "222"),  # every cut point is inclusive as written
        (31, 2, 999.99, "111"),
        (0, 1, 0, "211"),
        (45, 7, 10, "121"),
        (29, 2, 5000, "212"),
        (365, 12, 50_000, "122"),
    ],
)
def test_threshold_cut_points_of_the_source_document(recency, frequency, monetary, code):
    got = rfmkit.score(table_from([recency], [frequency], [monetary]), thresholds=SOURCE)
    assert got["rfm_score"].iloc[0] == code
    assert got["rfm_total"].iloc[0] == sum(map(int, code))


def test_threshold_with_several_cut_points_per_dimension():
    t = table_from([5, 20, 45, 100], [1, 2, 4, 10], [50, 500, 5000, 50_000])
    got = rfmkit.score(
        t, thresholds={"recency": [7, 30, 90], "frequency": [2, 4], "monetary": [100, 1000, 10_000]}
    )
    assert got["r_score"].tolist() == [4, 3, 2, 1]
    assert got["f_score"].tolist() == [1, 2, 3, 3]
    assert got["m_score"].tolist() == [1, 2, 3, 4]


def test_mean_and_median_split_in_two():
    t = table_from([1, 2, 3, 10], [1, 1, 1, 9], [10, 20, 30, 40])
    mean = rfmkit.score(t, method="mean")
    assert mean["r_score"].tolist() == [2, 2, 2, 1]  # mean recency 4: below is recent
    assert mean["f_score"].tolist() == [1, 1, 1, 2]  # mean 3
    median = rfmkit.score(t, method="median")
    assert median["f_score"].tolist() == [1, 1, 1, 2]  # median 1: one-time buyers are low
    assert median["m_score"].tolist() == [1, 1, 2, 2]


def test_skewed_frequency_never_raises_and_reports_unused_scores():
    f = np.array([1] * 60 + [2] * 15 + [3] * 10 + list(range(4, 19)))
    t = table_from(np.arange(100), f, np.arange(100.0))
    # NumPy's quintiles of this column: 1, 1, 1.4, 3. Two cut points coincide,
    # so score 2 cannot be reached; 1.4 < F <= 3 is score 4 whatever F is.
    assert np.quantile(f, [0.2, 0.4, 0.6, 0.8]).tolist() == pytest.approx([1.0, 1.0, 1.4, 3.0])
    with pytest.warns(RFMWarning, match=r"frequency: scores \[2\] are unused .*\[1\.0, 1\.0, 1\.3999"):
        got = rfmkit.score(t, bins=5)
    assert (got.loc[f == 1, "f_score"] == 1).all()
    assert set(got["f_score"]) == {1, 4, 5}
    assert (got.loc[(f == 2) | (f == 3), "f_score"] == 4).all()


@pytest.mark.parametrize("k", range(2, 11))
def test_every_k_on_realistic_data(k):
    t = rfmkit.rfm_table(rfmkit.datasets.make_transactions(20_000, 3_000, seed=k))
    got = quiet_score(t, bins=k)
    for col in ("r_score", "f_score", "m_score"):
        assert got[col].between(1, k).all()
    assert got["r_score"].max() == k and got["m_score"].max() == k
    assert (got.loc[got["recency"] == 0, "r_score"] == k).all()
    assert len(got["rfm_score"].iloc[0]) == (3 if k <= 9 else len(got["rfm_score"].iloc[0]))
    if k == 10:
        assert got["rfm_score"].str.count("-").eq(2).all()


def test_constant_columns_and_a_single_customer():
    t = table_from([7, 7, 7], [2, 2, 2], [5.0, 5.0, 5.0])
    with pytest.warns(RFMWarning) as record:
        got = rfmkit.score(t)
    messages = [str(w.message) for w in record]
    assert len(messages) == 3
    assert messages[0].startswith("recency: scores [2, 3, 4] are unused")
    assert got["rfm_score"].tolist() == ["111"] * 3
    one = quiet_score(table_from([3], [1], [9.0]))
    assert one["rfm_score"].tolist() == ["111"]
    assert rfmkit.score(table_from([3], [1], [9.0]), method="ntile")["rfm_score"].tolist() == ["111"]
    empty = rfmkit.score(table_from([], [], []))
    assert len(empty) == 0 and empty["rfm_total"].dtype == np.float64


def test_weights_and_per_dimension_options():
    t = table_from([1, 50], [5, 1], [100.0, 10.0])
    got = rfmkit.score(
        t,
        method={"recency": "threshold", "frequency": "median", "monetary": "mean"},
        thresholds={"recency": [30]},
        bins={"recency": 2},
        weights={"recency": 2, "frequency": 1, "monetary": 0.5},
    )
    assert got["r_score"].tolist() == [2, 1]
    assert got["rfm_total"].tolist() == [2 * 2 + 2 + 0.5 * 2, 2 * 1 + 1 + 0.5 * 1]


@pytest.mark.parametrize(
    ("kw", "pattern"),
    [
        ({"bins": 1}, r"recency bins: must be between 2 and 100, got 1"),
        ({"bins": 101}, r"between 2 and 100, got 101"),
        ({"bins": 2.5}, r"invalid bins for recency: 2\.5"),
        ({"method": "kmeans"}, r"invalid method for recency: 'kmeans'"),
        ({"method": {"freq": "mean"}}, r"unknown dimension\(s\) \['freq'\]"),
        (
            {"thresholds": {"frequency": [3, 2]}},
            r"frequency thresholds: cut points must be sorted and distinct: 3 then 2",
        ),
        ({"thresholds": {"frequency": [3, 3]}}, r"sorted and distinct"),
        ({"thresholds": {"monetary": [np.inf]}}, r"monetary thresholds: cut point inf is not finite"),
        ({"method": "threshold"}, r"method 'threshold' for recency needs thresholds"),
        ({"method": "mean", "thresholds": {"recency": [3]}}, r"only used with method 'threshold'"),
        ({"weights": [1, 2]}, r"weights must have 3 values"),
        ({"weights": [1, -1, 1]}, r"weight for frequency must be finite and non-negative, got -1"),
        ({"weights": {"recency": 1, "frequency": 1}}, r"weights misses dimension\(s\) \['monetary'\]"),
    ],
)
def test_bad_options(kw, pattern):
    with pytest.raises(InputError, match=pattern):
        rfmkit.score(table_from([1, 2], [1, 2], [1.0, 2.0]), **kw)


def test_bad_tables():
    with pytest.raises(InputError, match=r"column 'monetary' has a missing value \(NaN\) at row 1"):
        rfmkit.score(table_from([1, 2], [1, 2], [1.0, np.nan]))
    with pytest.raises(InputError, match=r"missing column 'recency'"):
        rfmkit.score(pd.DataFrame({"frequency": [1]}))


# ------------------------------------------------------------------ fitted scorers


def test_scorer_reuses_cut_points_on_new_data():
    tx = rfmkit.datasets.make_transactions(30_000, 4_000, seed=9)
    before = rfmkit.rfm_table(tx, as_of="2024-06-30")
    now = rfmkit.rfm_table(tx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        scorer = RFMScorer(bins=5).fit(before)
        direct = rfmkit.score(before)
    got = scorer.transform(now)
    # The cut points are last quarter's, not this month's.
    for j, dim in enumerate(("recency", "frequency", "monetary")):
        cuts = np.asarray(scorer.edges_[dim]["cuts"])
        assert cuts.tolist() == direct.attrs["score_edges"][dim]["cuts"]
        x = now[dim].to_numpy(dtype=float)
        want = 1 + ((cuts[None, :] > x[:, None]) if dim == "recency" else (cuts[None, :] < x[:, None])).sum(1)
        np.testing.assert_array_equal(got[:, j], want)
    np.testing.assert_array_equal(
        scorer.transform(before), direct[["r_score", "f_score", "m_score"]].to_numpy()
    )


def test_scorer_json_round_trip_and_pandas_output():
    t = table_from(np.arange(50), np.arange(50) % 7 + 1, np.arange(50.0))
    scorer = RFMScorer(bins=4, thresholds={"frequency": [3]}).fit(t)
    text = scorer.to_json()
    loaded = RFMScorer.from_json(text)
    np.testing.assert_array_equal(loaded.transform(t), scorer.transform(t))
    assert json.loads(text)["edges"]["frequency"] == {
        "method": "threshold",
        "cuts": [3.0],
        "levels": 2,
        "direction": "ascending",
        "inclusive": True,
    }
    out = RFMScorer(bins=4).set_output(transform="pandas").fit_transform(t)
    assert list(out.columns) == ["r_score", "f_score", "m_score"]
    bad = json.loads(text)
    bad["edges"]["monetary"]["cuts"] = [5.0, 1.0, 2.0]
    with pytest.raises(InputError, match="monetary cut points"):
        RFMScorer.from_json(json.dumps(bad))


def test_scorer_errors():
    with pytest.raises(NotFittedError):
        RFMScorer().transform(np.ones((3, 3)))
    with pytest.raises(InputError, match="cannot reuse 'ntile'"):
        RFMScorer(method="ntile").fit(np.ones((3, 3)))
    with pytest.raises(ValueError, match="NaN"):
        RFMScorer().fit(np.array([[1.0, np.nan, 2.0]]))


@pytest.mark.filterwarnings("ignore::rfmkit.RFMWarning")
@parametrize_with_checks([RFMScorer(), RFMScorer(bins=3, method="median")])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_score_leaves_the_callers_table_alone():
    t = table_from([1, 2, 3], [1, 2, 3], [1.0, 2.0, 3.0])
    before = t.copy()
    got = quiet_score(t)
    got.loc[0, "recency"] = -1
    pd.testing.assert_frame_equal(t, before)


def test_scorer_score_matches_rfmkit_score_with_fitted_cut_points():
    tx = rfmkit.datasets.make_transactions(20_000, 3_000, seed=4)
    before, now = rfmkit.rfm_table(tx, as_of="2024-06-30"), rfmkit.rfm_table(tx)
    w = {"recency": 2.0, "frequency": 1.0, "monetary": 0.5}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        scorer = RFMScorer(bins=4, weights=w).fit(before)
        same_data = rfmkit.score(before, bins=4, weights=w)
    pd.testing.assert_frame_equal(scorer.score_table(before), same_data)
    got = scorer.score_table(now)
    np.testing.assert_array_equal(got[["r_score", "f_score", "m_score"]].to_numpy(), scorer.transform(now))
    want_total = got["r_score"] * 2.0 + got["f_score"] * 1.0 + got["m_score"] * 0.5
    np.testing.assert_array_equal(got["rfm_total"].to_numpy(), want_total.to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)  # constant columns
        generic = RFMScorer().fit(np.ones((4, 2)))
    with pytest.raises(InputError, match="fitted on recency, frequency and monetary"):
        generic.score_table(now)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=20),
    levels=st.integers(-3, 300),
    cuts=st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=5),
    direction=st.sampled_from(["ascending", "descending", "sideways"]),
    method=st.sampled_from(["quantile", "threshold", "mean", "median", "bogus"]),
    extra=st.booleans(),
)
def test_scoring_core_never_panics(values, levels, cuts, direction, method, extra):
    from rfmkit._core import CutPoints, score_fit, score_ntile

    x = np.array(values, dtype=np.float64)
    edges = {
        "method": "q",
        "cuts": cuts,
        "levels": max(levels, 0),
        "direction": direction,
        "inclusive": extra,
    }
    if extra:
        edges["surprise"] = 1
    text = json.dumps(edges)
    finite_cuts = [c for c in cuts if c == c] or None
    calls = [
        lambda: CutPoints.from_json(text, "m").apply(x, "m"),
        lambda: CutPoints.from_json(text, "m").unused(),
        lambda: score_ntile(x, max(levels, 0), extra, "m"),
        lambda: score_fit(x, method, max(levels, 0), extra, finite_cuts, "m").apply(x, "m"),
        lambda: CutPoints.from_json("{not json", "m"),
    ]
    for call in calls:
        # InputError, or PyO3's conversion errors (negative levels); a
        # PanicException is a BaseException and fails the test.
        with contextlib.suppress(ValueError, TypeError, OverflowError):
            call()


# ------------------------------------------------------------------ issue 12 regressions


def statistics_mean_scores(x, descending):
    """The documented "mean" rule with Python's exact statistics.mean."""
    import statistics

    mean = statistics.mean([float(v) for v in x])  # exact over fractions, then rounded once
    return np.where(np.asarray(x) < mean if descending else np.asarray(x) > mean, 2, 1)


@pytest.mark.parametrize(
    "m",
    [
        [2.0**63, 2.0**63 + 2048, 2.0**64],
        [1e19, 3e19, 2e19, 1e19],
        [1.7e308, 1.7e308, 1e308],
        [-1.7e308, 1.7e308, 1.0, 2.0],
        [1e-300, 3e-300, 2e-300],
        [5e-324, 1e-323, 0.0],
        [0.1, 0.2, 0.3, 0.2],
        [1e16, 1.0, -1e16, 0.4],
    ],
)
def test_mean_cut_is_the_exact_mean_for_every_finite_value(m):
    t = table_from(np.arange(len(m)), np.arange(len(m)) + 1, m)
    got = rfmkit.score(t, method="mean")
    import statistics

    assert got.attrs["score_edges"]["monetary"]["cuts"] == [statistics.mean(m)]
    np.testing.assert_array_equal(got["m_score"], statistics_mean_scores(m, False))
    np.testing.assert_array_equal(got["r_score"], statistics_mean_scores(t["recency"], True))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=30))
def test_mean_cut_matches_statistics_mean_on_any_floats(m):
    import statistics

    got = rfmkit.score(
        table_from(np.zeros(len(m)), np.ones(len(m)), m),
        method={"recency": "threshold", "frequency": "threshold", "monetary": "mean"},
        thresholds={"recency": [1], "frequency": [2]},
    )
    assert got.attrs["score_edges"]["monetary"]["cuts"] == [statistics.mean(m)]
    np.testing.assert_array_equal(got["m_score"], statistics_mean_scores(m, False))


@pytest.mark.parametrize(
    ("kw", "error", "pattern"),
    [
        ({"bins": 10**30}, InputError, r"recency bins: must be between 2 and 100, got 10{30}"),
        ({"bins": -1}, InputError, r"between 2 and 100, got -1"),
        ({"bins": 0}, InputError, r"between 2 and 100, got 0"),
        ({"bins": 1.5}, InputError, r"invalid bins for recency: 1\.5"),
        ({"bins": "5"}, InputError, r"invalid bins for recency: '5'"),
        ({"bins": True}, InputError, r"invalid bins for recency: True"),
        ({"bins": {"frequency": 2**70}}, InputError, r"frequency bins"),
        ({"thresholds": [30, 60]}, rfmkit.InputTypeError, r"thresholds must map dimensions"),
        ({"thresholds": {"frequency": [[1, 2], [3, 4]]}}, rfmkit.InputTypeError, r"must be numbers"),
        ({"thresholds": {"frequency": np.array([[1, 2]])}}, rfmkit.InputTypeError, r"must be numbers"),
        ({"thresholds": {"frequency": ["a"]}}, rfmkit.InputTypeError, r"got 'a'"),
        ({"thresholds": {"frequency": "3"}}, rfmkit.InputTypeError, r"list of numbers"),
        ({"thresholds": {"frequency": [np.nan]}}, InputError, r"not finite"),
        ({"thresholds": {"frequency": [10**400]}}, InputError, r"not finite"),
        ({"weights": ["a", 1, 1]}, rfmkit.InputTypeError, r"weight for recency must be a number, got 'a'"),
        ({"weights": "abc"}, rfmkit.InputTypeError, r"weights must be 3 numbers"),
        ({"weights": [1, 1, 1, 1]}, InputError, r"weights must have 3 values"),
        ({"weights": {"recency": 1, "frequency": 1, "money": 1}}, InputError, r"unknown dimension"),
        ({"weights": [np.nan, 1, 1]}, InputError, r"finite and non-negative, got nan"),
        ({"weights": [1, np.inf, 1]}, InputError, r"finite and non-negative, got inf"),
        ({"weights": [[1, 1, 1]]}, InputError, r"weights must have 3 values"),
    ],
)
def test_bad_options_are_rfmkit_errors(kw, error, pattern):
    with pytest.raises(error, match=pattern):
        rfmkit.score(table_from([1, 2], [1, 2], [1.0, 2.0]), **kw)


@pytest.mark.parametrize(
    ("column", "error", "pattern"),
    [
        (["a", "b"], rfmkit.InputTypeError, r"column 'monetary' (must hold numbers|has 'a').*row 0"),
        ([True, False], rfmkit.InputTypeError, r"column 'monetary' must hold numbers, not bool"),
        ([1.0, np.inf], InputError, r"column 'monetary' has an invalid value inf at row 1"),
        ([1, None], InputError, r"column 'monetary' has a missing value \(None\) at row 1"),
        ([1, 10**400], InputError, r"column 'monetary' has an invalid value 10+ at row 1"),
        ([1, "2"], rfmkit.InputTypeError, r"column 'monetary' has '2' \(a str\) at row 1"),
        ([1 + 2j, 3j], rfmkit.InputTypeError, r"column 'monetary' must hold numbers, not complex"),
    ],
)
def test_bad_value_columns_name_the_value_and_row(column, error, pattern):
    t = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "recency": [1, 2],
            "frequency": [1, 2],
            "monetary": pd.Series(
                column,
                dtype=None if not isinstance(column[0], int) or isinstance(column[0], bool) else object,
            ),
        }
    )
    with pytest.raises(error, match=pattern):
        rfmkit.score(t)


def _containers(t):
    import polars as pl
    import pyarrow as pa

    return {"pandas": t, "polars": pl.from_pandas(t), "arrow": pa.Table.from_pandas(t)}


@pytest.mark.parametrize("kind", ["pandas", "polars", "arrow"])
def test_score_and_scorer_take_polars_and_arrow(kind):
    t = table_from(np.arange(40) % 13, np.arange(40) % 5 + 1, np.arange(40.0) * 3.5, ids=np.arange(100, 140))
    t["last_purchase"] = pd.Timestamp("2024-01-01")
    t["first_purchase"] = pd.Timestamp("2023-01-01")
    data = _containers(t)[kind]
    want_scores = []
    for dim, desc in (("recency", True), ("frequency", False), ("monetary", False)):
        want_scores.append(numpy_quantile_scores(t[dim], 4, desc))
    want = np.column_stack(want_scores)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        got = rfmkit.score(data, bins=4, output="pandas")
        np.testing.assert_array_equal(got[["r_score", "f_score", "m_score"]].to_numpy(), want)
        ntile = rfmkit.score(data, bins=4, method="ntile", output="pandas")
        assert ntile["customer_id"].tolist() == t["customer_id"].tolist()
        scorer = RFMScorer(bins=4).fit(data)
    # Only R, F and M are scored, whatever else the table has (issue 12, item 12).
    assert scorer.get_feature_names_out().tolist() == ["r_score", "f_score", "m_score"]
    assert list(scorer.edges_) == ["recency", "frequency", "monetary"]
    np.testing.assert_array_equal(scorer.transform(data), want)
    table = scorer.score_table(data)
    np.testing.assert_array_equal(table[["r_score", "f_score", "m_score"]].to_numpy(), want)
    assert list(table.columns[:4]) == ["customer_id", "recency", "frequency", "monetary"]


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        "nope",
        "",
        "[1, 2]",
        "null",
        "3",
        '{"params": {}, "n_features_in": 3, "feature_names_in": [], "edges": {}}',
        '{"params": [], "n_features_in": 3, "feature_names_in": [], "edges": {}}',
        '{"params": {"color": 1}, "n_features_in": 1, "feature_names_in": [], "edges": {"x0": {}}}',
        '{"params": {}, "n_features_in": "3", "feature_names_in": [], "edges": {}}',
        '{"params": {}, "n_features_in": true, "feature_names_in": [], "edges": {"x0": {}}}',
        '{"params": {}, "n_features_in": 1, "feature_names_in": [1], "edges": {"x0": {}}}',
        '{"params": {}, "n_features_in": 1, "feature_names_in": [], "edges": {"x0": 5}}',
        '{"params": {}, "n_features_in": 1, "feature_names_in": [], "edges": {"x0": {}}}',
        '{"params": {}, "n_features_in": 1, "feature_names_in": [], "edges": {"zz": {"method": "q", '
        '"cuts": [1.0], "levels": 2, "direction": "ascending", "inclusive": false}}}',
        '{"params": {"bins": 10000000000000000000000}, "n_features_in": 1, "feature_names_in": [], '
        '"edges": {"x0": {"method": "q", "cuts": [1.0], "levels": 2, "direction": "ascending", '
        '"inclusive": false}}}',
        '{"params": {}, "n_features_in": 1, "feature_names_in": [], "edges": {"x0": {"method": "q", '
        '"cuts": [1.0], "levels": 100000000000000000000, "direction": "ascending", "inclusive": false}}}',
    ],
)
def test_scorer_from_json_refuses_anything_but_a_saved_scorer(text):
    with pytest.raises(InputError, match="RFMScorer JSON|levels|bins|edges"):
        RFMScorer.from_json(text)


def test_scorer_from_json_type_errors():
    with pytest.raises(rfmkit.InputTypeError, match="JSON text"):
        RFMScorer.from_json({"params": {}})
    with pytest.raises(InputError, match="invalid RFMScorer JSON"):
        RFMScorer.from_json(b"\xff\xfe")
