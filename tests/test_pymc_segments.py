"""rfm_segments against pymc-marketing 1.3.0's own function, Scheme.from_codes
and the built-in pymc5 against its code lists, and rfm() against the three calls."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import rfmkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from peers import pymc_clv_utils
from rfmkit import Scheme
from rfmkit.errors import InputError, InputTypeError

PYMC = pymc_clv_utils()
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ALL_CODES = [f"{r}{f}{m}" for r in range(1, 5) for f in range(1, 5) for m in range(1, 5)]


def _run(func, *args, **kwargs):
    """(result or the exception's type, the messages of the UserWarnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = func(*args, **kwargs)
        except ValueError:
            out = ValueError
    return out, sorted(
        str(w.message)
        for w in caught
        if issubclass(w.category, UserWarning) and "RFM score" in str(w.message)
    )


@st.composite
def transactions(draw):
    n_customers = draw(st.integers(1, 25))
    # Skewed: many customers with one purchase make frequency ties (the fewer-labels path).
    counts = draw(st.lists(st.sampled_from([1, 1, 1, 2, 3, 8]), min_size=n_customers, max_size=n_customers))
    days = st.integers(0, draw(st.sampled_from([3, 40, 400])))
    amounts = st.sampled_from([1.0, 2.5, 10.0, 10.0, 99.99])
    rows = []
    for cid, n in enumerate(counts):
        for _ in range(n):
            rows.append(
                (cid * 7 + 1, pd.Timestamp("2024-01-01") + pd.Timedelta(hours=draw(days) * 13), draw(amounts))
            )
    order = draw(st.permutations(range(len(rows))))
    return pd.DataFrame([rows[i] for i in order], columns=["cid", "when", "spend"])


configs = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["A", "Best", "Lapsed", "Z z"]),
        st.lists(st.sampled_from(ALL_CODES), max_size=12),
        max_size=4,
    ),
)


@SETTINGS
@given(transactions(), configs, st.sampled_from(["D", "W", "M", "h"]), st.sampled_from([1, 7, 0.5]))
def test_rfm_segments_equals_pymc_marketing(tx, config, unit, scaler):
    args = (tx, "cid", "when", "spend")
    kwargs = dict(segment_config=config, time_unit=unit, time_scaler=scaler)
    want, want_warn = _run(PYMC.rfm_segments, *args, **kwargs)
    got, got_warn = _run(rfmkit.rfm_segments, *args, **kwargs)
    assert got_warn == want_warn
    if isinstance(want, pd.DataFrame):
        assert isinstance(got, pd.DataFrame), got
        pd.testing.assert_frame_equal(got, want)
    else:  # pymc-marketing's qcut fails (too many ties): a ValueError, here an InputError
        assert got is want, got


def test_rfm_segments_observation_end_and_text_dates():
    tx = rfmkit.datasets.make_transactions(3_000, 400, seed=5)
    tx = tx[tx["amount"] > 0].assign(date=lambda d: d["date"].dt.strftime("%Y%m%d"))
    kwargs = dict(observation_period_end="20240630", datetime_format="%Y%m%d")
    want, want_warn = _run(PYMC.rfm_segments, tx, "customer_id", "date", "amount", **kwargs)
    got, got_warn = _run(rfmkit.rfm_segments, tx, "customer_id", "date", "amount", **kwargs)
    pd.testing.assert_frame_equal(got, want)
    assert got_warn == want_warn


def test_rfm_segments_refuses_what_cannot_be_cut():
    tx = pd.DataFrame({"id": [1, 2], "d": ["2024-01-01", "2024-01-01"], "v": [1.0, 1.0]})
    with pytest.raises(ValueError):
        PYMC.rfm_segments(tx, "id", "d", "v")
    with pytest.raises(InputError, match="recency"):
        rfmkit.rfm_segments(tx, "id", "d", "v")
    with pytest.raises(InputTypeError, match="segment_config"):
        rfmkit.rfm_segments(tx, "id", "d", "v", segment_config=["111"])
    with pytest.raises(InputTypeError, match="'A'"):
        rfmkit.rfm_segments(tx, "id", "d", "v", segment_config={"A": "111"})


# ------------------------------------------------------------------------ Scheme.from_codes


def _cells(scheme: Scheme) -> dict[str, str]:
    c = scheme.coverage().cells
    return {f"{r}{f}{m}": code for r, f, m, code in zip(c.r, c.f, c.m, c.segment_code, strict=True)}


@st.composite
def partitions(draw):
    levels = draw(st.integers(2, 5))
    codes = [
        f"{r}{f}{m}" for r in range(1, levels + 1) for f in range(1, levels + 1) for m in range(1, levels + 1)
    ]
    owner = draw(st.lists(st.integers(-1, 3), min_size=len(codes), max_size=len(codes)))
    config = {}
    for code, k in zip(codes, owner, strict=True):
        if k >= 0:
            config.setdefault(f"Segment {k}", []).append(code)
    return levels, draw(st.permutations(list(config.items())))


@SETTINGS
@given(partitions())
def test_from_codes_gives_exactly_the_code_lists(case):
    levels, items = case
    config = dict(items)
    if not config:
        return
    scheme = Scheme.from_codes(config, levels=levels)
    want = {code: "other" for code in _cells(scheme)}
    for name, codes in config.items():
        want.update({c: name.lower().replace(" ", "_") for c in codes})
    assert _cells(scheme) == want
    assert scheme.codes == [n.lower().replace(" ", "_") for n in config] + ["other"]
    assert scheme.coverage().shadowed == []
    assert scheme.labels("zh")[scheme.codes[0]] == items[0][0]


@pytest.mark.parametrize(
    ("config", "kwargs", "match"),
    [
        ({"A": ["115"]}, {}, r"'A'.*'115'.*out of range 1\.\.4"),
        ({"A": ["333"]}, {"levels": 2}, r"'A'.*'333'"),
        ({"A": ["11"]}, {}, r"'A'.*'11'.*three digits"),
        ({"A": ["1a1"]}, {}, r"'A'.*'1a1'"),
        ({"A": [111]}, {}, r"'A'.*111"),
        ({"A": ["111", "222"], "B": ["222"]}, {}, r"'222'.*'A'.*'B'"),
        ({"A": []}, {}, r"'A' has no score codes"),
        ({"Other": ["111"]}, {}, r"fallback 'Other'"),
        ({}, {}, "no segments"),
        ({"A": ["111"]}, {"levels": 10}, "levels"),
        ({"A": ["111"]}, {"labels": {"B": {"en": "b"}}}, "unknown segment 'B'"),
    ],
)
def test_from_codes_refuses(config, kwargs, match):
    with pytest.raises(InputError, match=match):
        Scheme.from_codes(config, **kwargs)


def test_from_codes_type_errors():
    with pytest.raises(InputTypeError, match="codes must map"):
        Scheme.from_codes([("A", ["111"])])
    with pytest.raises(InputTypeError, match="'A'"):
        Scheme.from_codes({"A": "111"})


def test_from_codes_labels_and_name():
    s = Scheme.from_codes(
        {"Top Spender": ["444"], "高价值": ["111"]},
        fallback="Rest",
        name="mine",
        labels={"Top Spender": {"zh": "高消费"}},
    )
    assert s.name == "mine" and s.codes == ["top_spender", "segment", "rest"]
    assert s.labels("zh") == {"top_spender": "高消费", "segment": "高价值", "rest": "Rest"}


# ------------------------------------------------------------------------------ pymc5


def test_pymc5_is_pymc_marketings_default():
    config = PYMC._default_rfm_segment_config
    want = {code: "Other" for code in ALL_CODES}
    for name, codes in config.items():
        want.update(dict.fromkeys(codes, name))
    builtin = Scheme.builtin("pymc5")
    labels = builtin.labels("en")
    assert {code: labels[seg] for code, seg in _cells(builtin).items()} == want
    assert _cells(builtin) == _cells(Scheme.from_codes(config))
    assert sum(v == "Other" for v in want.values()) == 18


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pymc5_strategies(lang):
    table = rfmkit.strategies("pymc5", lang=lang)
    assert table["segment_code"].tolist() == Scheme.builtin("pymc5").codes
    assert all(len(a) >= 2 for a in table["actions"])


def test_pymc5_segments_pymc_scores_as_rfm_segments_does():
    tx = rfmkit.datasets.make_transactions(3_000, 400, seed=8)
    tx = tx[tx["amount"] > 0]
    want, _ = _run(PYMC.rfm_segments, tx, "customer_id", "date", "amount")
    digits = want["rfm_score"].str
    scored = pd.DataFrame(
        {
            "customer_id": want["customer_id"],
            **{f"{d}_score": digits[i].astype(int) for i, d in enumerate("rfm")},
        }
    )
    with pytest.warns(rfmkit.RFMWarning, match="fall to 'other'"):  # pymc's 18 unlisted codes
        got = rfmkit.segment(scored, "pymc5", levels=4)
    assert got["segment"].astype(str).tolist() == want["segment"].tolist()


# ------------------------------------------------------------------------------- rfm()


@SETTINGS
@given(
    seed=st.integers(0, 50),
    scheme=st.sampled_from(["rfm11", "cn8", "pymc5", "crm4"]),
    bins=st.sampled_from([2, 4, 5, {"r": 3, "f": 4, "m": 5}]),
    method=st.sampled_from([None, "quantile", "ntile"]),
    weights=st.sampled_from([None, (1, 1, 2)]),
    lang=st.sampled_from(["en", "zh"]),
    window=st.sampled_from([None, 365, "6M"]),
    frequency=st.sampled_from(["rows", "days"]),
    returns=st.sampled_from(["net", "exclude"]),
    by=st.sampled_from([None, "store"]),
    new_customer_days=st.sampled_from([None, 30]),
)
def test_rfm_equals_the_three_calls(
    seed, scheme, bins, method, weights, lang, window, frequency, returns, by, new_customer_days
):
    tx = rfmkit.datasets.make_transactions(600, 80, seed=seed)
    tx["store"] = np.where(tx["customer_id"] % 3 == 0, "north", "south")
    table_kw = dict(as_of="2024-12-31", window=window, frequency=frequency, returns=returns, by=by)
    score_kw = dict(bins=bins, method=method, weights=weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rfmkit.RFMWarning)
        try:
            want = rfmkit.segment(
                rfmkit.score(rfmkit.rfm_table(tx, **table_kw), **score_kw),
                scheme,
                lang=lang,
                new_customer_days=new_customer_days,
            )
        except (InputError, InputTypeError) as exc:
            with pytest.raises(type(exc)):
                rfmkit.rfm(
                    tx, scheme=scheme, lang=lang, new_customer_days=new_customer_days, **table_kw, **score_kw
                )
            return
        got = rfmkit.rfm(
            tx, scheme=scheme, lang=lang, new_customer_days=new_customer_days, **table_kw, **score_kw
        )
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs == want.attrs


@pytest.mark.parametrize("output", ["numpy", "Pandas", 1])
def test_rfm_output_of_another_kind_is_refused(output):
    tx = rfmkit.datasets.make_transactions(100, 10, seed=1)
    with pytest.raises(InputError, match="output"):
        rfmkit.rfm(tx, output=output)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rfmkit.RFMWarning)  # few customers: unused scores
        assert isinstance(rfmkit.rfm(tx, output="pandas"), pd.DataFrame)
        assert type(rfmkit.rfm(tx, output="polars")).__module__.startswith("polars")
        assert type(rfmkit.rfm(tx, output="arrow")).__name__ == "Table"
