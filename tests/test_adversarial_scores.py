"""Junk thrown at score, segment, action_list, segment_summary and RFMScorer.

Every call either gives the result of a plain reference written here (NumPy
quantiles, Python's exact statistics.mean, the rf10 table, pandas group sums)
or raises rfmkit's InputError / InputTypeError: no other exception, no warning
(pytest turns warnings into errors) and no silently wrong table. Columns vary
over element kinds (ints, huge ints, floats, NaN, inf, bools, text, None,
Decimals), dtypes (inferred, object, nullable, Arrow-backed) and containers
(pandas, polars, pyarrow).
"""

from __future__ import annotations

import math
import statistics
import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
import rfmkit
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rfmkit import InputError, InputTypeError, RFMScorer, RFMWarning

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
RFMKIT_ERRORS = (InputError, InputTypeError)

# Values a column may hold; only real, finite numbers are valid data.
good_numbers = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(-1e300, 1e300, allow_nan=False),
    st.decimals(-(10**6), 10**6, allow_nan=False, allow_infinity=False, places=2),
)
junk = st.one_of(
    st.just(math.nan),
    st.just(math.inf),
    st.just(-math.inf),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
    st.integers(2**64, 2**80).map(lambda x: x * 10**300),
    st.just(Decimal("NaN")),
    st.just(1 + 1j),
)
values = st.one_of(good_numbers, junk)
dtypes = st.sampled_from(["infer", "object", "Float64", "Int64", "float64[pyarrow]"])
containers = st.sampled_from(["pandas", "polars", "arrow"])


def valid(v) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def column(items, dtype):
    """A pandas Series of ``items`` with ``dtype`` (None when pandas refuses the dtype)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if dtype == "infer":
                return pd.Series(items)
            if dtype == "object":
                return pd.Series(items, dtype=object)
            return pd.Series(items, dtype=dtype)
    except Exception:
        return None


def contain(frame: pd.DataFrame, kind: str):
    """``frame`` in a container (None when polars / Arrow cannot hold the column)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind == "polars":
                return pl.from_pandas(frame)
            if kind == "arrow":
                return pa.Table.from_pandas(frame, preserve_index=False)
    except Exception:
        return None
    return frame


def as_read(series: pd.Series) -> list:
    """The values as they arrive (the container may have turned them into others)."""
    return list(series.astype(object))


def quantile_scores(x, k, descending):
    x = np.asarray(x, dtype=np.float64)
    cuts = np.quantile(x, np.arange(1, k) / k)
    passed = (cuts[None, :] > x[:, None]) if descending else (cuts[None, :] < x[:, None])
    return 1 + passed.sum(axis=1)


def quiet(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)  # unused scores on skewed data
        return call()


# --------------------------------------------------------------------------- score


@SETTINGS
@given(
    items=st.lists(values, min_size=1, max_size=12),
    dtype=dtypes,
    kind=containers,
    k=st.integers(2, 6),
    method=st.sampled_from(["quantile", "mean"]),
)
def test_score_on_junk_monetary(items, dtype, kind, k, method):
    m = column(items, dtype)
    assume(m is not None)
    n = len(m)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "recency": np.arange(n) % 4,
            "frequency": np.arange(n) % 3 + 1,
            "monetary": m,
        }
    )
    data = contain(frame, kind)
    assume(data is not None)
    seen = (
        data["monetary"].to_list()
        if kind == "polars"
        else as_read(data.column("monetary").to_pandas())
        if kind == "arrow"
        else as_read(m)
    )
    try:
        got = quiet(lambda: rfmkit.score(data, bins=k, method={"monetary": method}, output="pandas"))
    except RFMKIT_ERRORS:
        assert not all(valid(v) for v in seen), seen  # refused valid data
        return
    assert all(valid(v) for v in seen), f"accepted {seen}"
    x = [float(v) for v in seen]
    if method == "mean":
        # The cut is the exact mean rounded once (statistics.mean works in fractions).
        cut = statistics.mean(x)
        assert got.attrs["score_edges"]["monetary"]["cuts"] == [cut]
        want = np.where(np.array(x) > cut, 2, 1)
    else:
        want = quantile_scores(x, k, False)
    np.testing.assert_array_equal(got["m_score"].to_numpy(), want)
    np.testing.assert_array_equal(got["r_score"].to_numpy(), quantile_scores(frame["recency"], k, True))
    assert got["customer_id"].tolist() == list(range(n))


options = st.fixed_dictionaries(
    {},
    optional={
        "bins": st.one_of(
            st.integers(-5, 200),
            st.integers(10**18, 10**30),
            st.floats(),
            st.text(max_size=2),
            st.booleans(),
            st.none(),
            st.just([5, 5]),
            st.just({"recency": 3}),
        ),
        "method": st.one_of(
            st.sampled_from(["quantile", "ntile", "mean", "median", "threshold", "kmeans"]),
            st.integers(),
            st.just({"frequency": "mean"}),
        ),
        "thresholds": st.one_of(
            st.none(),
            st.lists(st.integers(0, 9), max_size=3),
            st.dictionaries(
                st.sampled_from(["recency", "frequency", "monetary", "x"]),
                st.one_of(
                    st.lists(
                        st.one_of(
                            st.floats(), st.integers(-(10**400), 10**400), st.text(max_size=2), st.booleans()
                        ),
                        max_size=3,
                    ),
                    st.floats(),
                    st.text(max_size=2),
                    st.just([[1, 2], [3, 4]]),
                ),
                max_size=3,
            ),
        ),
        "weights": st.one_of(
            st.none(),
            st.lists(st.one_of(st.floats(), st.integers(-3, 3), st.text(max_size=1)), max_size=4),
            st.dictionaries(
                st.sampled_from(["recency", "frequency", "monetary", "q"]), st.floats(), max_size=4
            ),
        ),
    },
)


@SETTINGS
@given(kw=options)
def test_score_options_never_raise_anything_else(kw):
    t = pd.DataFrame(
        {
            "customer_id": [3, 1, 2, 4],
            "recency": [1, 5, 9, 30],
            "frequency": [1, 2, 3, 8],
            "monetary": [5.0, 10.0, 20.0, 1e4],
        }
    )
    try:
        got = quiet(lambda: rfmkit.score(t, **kw))
    except RFMKIT_ERRORS:
        return
    for col, dim in (("r_score", "recency"), ("f_score", "frequency"), ("m_score", "monetary")):
        levels = got.attrs["score_edges"][dim]["levels"]
        assert got[col].between(1, levels).all()
    assert np.isfinite(got["rfm_total"]).all()


# --------------------------------------------------------------------------- RFMScorer


@SETTINGS
@given(items=st.lists(values, min_size=2, max_size=10), dtype=dtypes, kind=containers)
def test_scorer_on_junk(items, dtype, kind):
    m = column(items, dtype)
    assume(m is not None)
    n = len(m)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "recency": np.arange(n) % 4,
            "frequency": np.arange(n) % 3 + 1,
            "monetary": m,
            "segment": ["x"] * n,
        }
    )
    data = contain(frame, kind)
    assume(data is not None)
    seen = (
        data["monetary"].to_list()
        if kind == "polars"
        else as_read(data.column("monetary").to_pandas())
        if kind == "arrow"
        else as_read(m)
    )
    try:
        scorer = quiet(lambda: RFMScorer(bins=3).fit(data))
        out = scorer.transform(data)
        table = scorer.score_table(data)
    except RFMKIT_ERRORS:
        assert not all(valid(v) for v in seen), seen
        return
    assert all(valid(v) for v in seen), f"accepted {seen}"
    assert out.shape == (n, 3)  # R, F and M only, whatever else the table holds
    np.testing.assert_array_equal(out[:, 2], quantile_scores([float(v) for v in seen], 3, False))
    np.testing.assert_array_equal(table["m_score"].to_numpy(), out[:, 2])


@SETTINGS
@given(
    text=st.one_of(
        st.text(max_size=30),
        st.binary(max_size=10),
        st.recursive(
            st.none() | st.integers() | st.text(max_size=3) | st.floats(),
            lambda c: (
                st.lists(c, max_size=3)
                | st.dictionaries(
                    st.sampled_from(["params", "edges", "n_features_in", "feature_names_in", "x0", "bins"]),
                    c,
                    max_size=4,
                )
            ),
            max_leaves=10,
        ).map(lambda obj: __import__("json").dumps(obj)),
    )
)
def test_scorer_from_json_on_junk(text):
    try:
        scorer = RFMScorer.from_json(text)
    except RFMKIT_ERRORS:
        return
    assert len(scorer.edges_) == scorer.n_features_in_  # only a complete saved scorer loads


# --------------------------------------------------------------------------- segment

RF10 = {
    "hibernating": [(1, 2), (1, 2)],
    "at_risk": [(1, 2), (3, 4)],
    "cant_lose": [(1, 2), (5, 5)],
    "about_to_sleep": [(3, 3), (1, 2)],
    "need_attention": [(3, 3), (3, 3)],
    "loyal": [(3, 4), (4, 5)],
    "promising": [(4, 4), (1, 1)],
    "new": [(5, 5), (1, 1)],
    "potential_loyalist": [(4, 5), (2, 3)],
    "champions": [(5, 5), (4, 5)],
}


def rf10(r, f):
    return next(c for c, ((a, b), (lo, hi)) in RF10.items() if a <= r <= b and lo <= f <= hi)


score_values = st.one_of(st.integers(-2, 8), st.floats(-1, 7), st.sampled_from([1.0, 2.0, 5.0]), junk)


@SETTINGS
@given(
    items=st.lists(score_values, min_size=1, max_size=10),
    dtype=dtypes,
    kind=containers,
    lang=st.sampled_from(["en", "zh"]),
)
def test_segment_and_action_list_on_junk_scores(items, dtype, kind, lang):
    r = column(items, dtype)
    assume(r is not None)
    n = len(r)
    f = np.arange(n) % 5 + 1
    frame = pd.DataFrame({"customer_id": np.arange(n), "r_score": r, "f_score": f, "m_score": 1})
    data = contain(frame, kind)
    assume(data is not None)
    seen = (
        data["r_score"].to_list()
        if kind == "polars"
        else as_read(data.column("r_score").to_pandas())
        if kind == "arrow"
        else as_read(r)
    )
    ok = all(valid(v) and float(v) == int(float(v)) and 1 <= float(v) <= 5 for v in seen)
    try:
        got = rfmkit.segment(data, "rf10", levels=5, lang=lang, output="pandas")
    except RFMKIT_ERRORS:
        assert not ok, seen
        return
    assert ok, f"accepted {seen}"
    want = [rf10(int(float(a)), b) for a, b in zip(seen, f, strict=True)]
    assert got["segment_code"].astype(str).tolist() == want
    again = contain(got, kind)  # the scheme and language come back from attrs or the labels
    actions = rfmkit.action_list(got if again is None else again, output="pandas")
    strategies = rfmkit.strategies("rf10", lang=lang).set_index("segment_code")
    assert actions["next_action"].tolist() == [strategies.loc[c, "actions"][0] for c in want]


@SETTINGS
@given(
    levels=st.one_of(
        st.integers(),
        st.floats(),
        st.text(max_size=2),
        st.booleans(),
        st.none(),
        st.lists(st.one_of(st.integers(-3, 10**20), st.floats(), st.text(max_size=1)), max_size=4),
    )
)
def test_segment_levels_on_junk(levels):
    t = pd.DataFrame({"customer_id": [1, 2], "r_score": [1, 2], "f_score": [2, 1], "m_score": [1, 1]})
    try:
        got = quiet(lambda: rfmkit.segment(t, "cn8", levels=levels))
    except RFMKIT_ERRORS:
        return
    assert len(got) == 2


# --------------------------------------------------------------------------- segment_summary


@SETTINGS
@given(
    items=st.lists(st.one_of(good_numbers, st.floats(allow_nan=False), junk), min_size=1, max_size=10),
    dtype=dtypes,
    kind=containers,
)
def test_segment_summary_on_junk_monetary(items, dtype, kind):
    m = column(items, dtype)
    assume(m is not None)
    n = len(m)
    seg = pd.Categorical(np.array(["A", "B"])[np.arange(n) % 2], categories=["A", "B", "C"], ordered=True)
    frame = pd.DataFrame(
        {"customer_id": np.arange(n), "recency": np.arange(n), "frequency": 1, "monetary": m, "segment": seg}
    )
    data = contain(frame, kind)
    assume(data is not None)
    seen = (
        data["monetary"].to_list()
        if kind == "polars"
        else as_read(data.column("monetary").to_pandas())
        if kind == "arrow"
        else as_read(m)
    )
    try:
        got = rfmkit.segment_summary(data, output="pandas")
    except RFMKIT_ERRORS:
        if all(valid(v) for v in seen):  # valid data is only refused when a sum is beyond float64
            exact = [sum((Fraction(float(v)) for v in seen[i::2]), Fraction(0)) for i in (0, 1)]
            assert any(abs(e) > Fraction(np.finfo(float).max) for e in [*exact, sum(exact)]), seen
        return
    assert all(valid(v) for v in seen), f"accepted {seen}"
    x = [float(v) for v in seen]
    got = got.set_index(got["segment"].astype(str))
    # polars keeps neither the order nor the unused categories of a categorical
    # (not recoverable for a custom scheme): empty segments may then be absent.
    empty_rows = kind != "polars"
    for i, name in enumerate(["A", "B"]):
        part = x[i::2]
        if not part:
            assert got.loc[name, "customers"] == 0 if empty_rows else name not in got.index
            continue
        assert got.loc[name, "customers"] == len(part)
        assert got.loc[name, "revenue"] == float(sum(map(Fraction, part), Fraction(0)))
        ordered = sorted(part)
        middle = (Fraction(ordered[(len(part) - 1) // 2]) + Fraction(ordered[len(part) // 2])) / 2
        assert got.loc[name, "monetary_median"] == pytest.approx(float(middle), rel=1e-15, abs=1e-300)
    if empty_rows:
        assert got.loc["C", "customers"] == 0
