"""Segment summaries, migrations, churn alerts and campaign reports: hand-computed
tiny tables, plain pandas references on generated data, and scipy for the z-test."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import rfmkit
from rfmkit import InputError, InputTypeError, Migration, RFMWarning
from rfmkit.analysis import CHURN_SEGMENTS

CATS = ["A", "B", "C", "D"]


def hand_segmented(segments, **columns) -> pd.DataFrame:
    t = pd.DataFrame({"customer_id": np.arange(1, len(segments) + 1), **columns})
    t["segment"] = pd.Categorical(segments, categories=CATS[: columns.pop("_k", 4)], ordered=True)
    return t


def six() -> pd.DataFrame:
    return hand_segmented(
        ["A", "A", "B", "A", "B", "C"],
        recency=[1, 3, 10, 5, 20, 50],
        frequency=[2, 4, 1, 0, 1, 0],
        monetary=[10.0, 30.0, 5.0, 0.0, 15.0, 0.0],
        channel=["x", "x", "x", "y", "y", "y"],
    )


def pipeline(as_of=None, scheme="rfm11", seed=1) -> pd.DataFrame:
    tx = rfmkit.datasets.make_transactions(4_000, 800, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        return rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx, as_of=as_of)), scheme)


# --------------------------------------------------------------------------- segment_summary


def test_summary_by_hand():
    s = rfmkit.segment_summary(six())
    assert list(s.columns) == [
        "segment",
        "customers",
        "customer_share",
        "revenue",
        "revenue_share",
        "avg_order_value",
        "recency_mean",
        "recency_median",
        "frequency_mean",
        "frequency_median",
        "monetary_mean",
        "monetary_median",
    ]
    assert s["segment"].tolist() == ["A", "B", "C", "D"]
    assert s["segment"].cat.categories.tolist() == CATS and s["segment"].cat.ordered
    assert s["customers"].dtype == np.int64
    assert s["customers"].tolist() == [3, 2, 1, 0]
    np.testing.assert_allclose(s["customer_share"], [0.5, 1 / 3, 1 / 6, 0.0])
    assert s["revenue"].tolist() == [40.0, 20.0, 0.0, 0.0]
    np.testing.assert_allclose(s["revenue_share"], [2 / 3, 1 / 3, 0.0, 0.0])
    # C bought nothing in the window (frequency 0): no average order value.
    np.testing.assert_allclose(s["avg_order_value"], [40 / 6, 10.0, np.nan, np.nan])
    np.testing.assert_allclose(s["recency_mean"], [3.0, 15.0, 50.0, np.nan])
    np.testing.assert_allclose(s["recency_median"], [3.0, 15.0, 50.0, np.nan])
    np.testing.assert_allclose(s["frequency_mean"], [2.0, 1.0, 0.0, np.nan])
    np.testing.assert_allclose(s["monetary_mean"], [40 / 3, 10.0, 0.0, np.nan])
    np.testing.assert_allclose(s["monetary_median"], [10.0, 10.0, 0.0, np.nan])


def test_summary_by_group_by_hand():
    s = rfmkit.segment_summary(six(), by="channel")
    assert list(s.columns[:3]) == ["channel", "segment", "customers"]
    assert s["channel"].tolist() == ["x"] * 4 + ["y"] * 4
    assert s["segment"].tolist() == CATS * 2
    assert s["customers"].tolist() == [2, 1, 0, 0, 1, 1, 1, 0]
    np.testing.assert_allclose(s["customer_share"], [2 / 3, 1 / 3, 0, 0, 1 / 3, 1 / 3, 1 / 3, 0])
    assert s["revenue"].tolist() == [40.0, 5.0, 0.0, 0.0, 0.0, 15.0, 0.0, 0.0]
    np.testing.assert_allclose(s["revenue_share"], [40 / 45, 5 / 45, 0, 0, 0, 1, 0, 0])
    np.testing.assert_allclose(
        s["avg_order_value"], [40 / 6, 5.0, np.nan, np.nan, np.nan, 15.0, np.nan, np.nan]
    )


def test_summary_of_an_empty_table_has_every_segment():
    s = rfmkit.segment_summary(six().iloc[:0])
    assert s["customers"].tolist() == [0, 0, 0, 0]
    assert s["customer_share"].isna().all() and s["revenue_share"].isna().all()


@pytest.mark.parametrize("scheme", ["rfm11", "cn8", "tiers4"])
def test_summary_against_pandas(scheme):
    seg = pipeline(scheme=scheme)
    got = rfmkit.segment_summary(seg)
    g = seg.groupby("segment", observed=False, sort=True)
    want = pd.DataFrame(
        {
            "customers": g.size(),
            "revenue": g["monetary"].sum(),
            "orders": g["frequency"].sum(),
            "recency_mean": g["recency"].mean(),
            "recency_median": g["recency"].median(),
            "frequency_mean": g["frequency"].mean(),
            "frequency_median": g["frequency"].median(),
            "monetary_mean": g["monetary"].mean(),
            "monetary_median": g["monetary"].median(),
        }
    )
    assert got["segment"].astype(str).tolist() == [str(c) for c in want.index]
    assert got["customers"].tolist() == want["customers"].tolist()
    np.testing.assert_allclose(got["revenue"], want["revenue"], rtol=1e-12)
    np.testing.assert_allclose(got["revenue_share"], want["revenue"] / seg["monetary"].sum(), rtol=1e-12)
    with np.errstate(invalid="ignore", divide="ignore"):
        aov = (want["revenue"] / want["orders"]).where(want["orders"] > 0)
    np.testing.assert_allclose(got["avg_order_value"], aov, rtol=1e-12)
    for col in (
        "recency_mean",
        "recency_median",
        "frequency_mean",
        "frequency_median",
        "monetary_mean",
        "monetary_median",
    ):
        np.testing.assert_allclose(got[col], want[col], rtol=1e-12, err_msg=col)


def test_summary_errors():
    with pytest.raises(InputError, match=r"misses column\(s\) \['monetary'\]"):
        rfmkit.segment_summary(six().drop(columns="monetary"))
    with pytest.raises(InputError, match=r"misses column\(s\) \['nope'\]"):
        rfmkit.segment_summary(six(), by="nope")
    with pytest.raises(InputTypeError, match="column 'segment' of segmented must be the categorical"):
        rfmkit.segment_summary(six().assign(segment=list("AABABC")))
    bad = six()
    bad.loc[2, "segment"] = np.nan
    with pytest.raises(InputError, match="missing value at row 2"):
        rfmkit.segment_summary(bad)
    bad = six()
    bad.loc[4, "channel"] = None
    with pytest.raises(InputError, match="column 'channel' has a missing value .* at row 4"):
        rfmkit.segment_summary(bad, by="channel")


# --------------------------------------------------------------------------- migration


def before_after():
    before = hand_segmented(["A", "B", "A"], _k=3)
    after = hand_segmented(["A", "A", "B"], _k=3).assign(customer_id=[2, 3, 4])
    return before, after


def test_migration_by_hand():
    m = rfmkit.migration(*before_after())
    assert isinstance(m, Migration)
    assert m.counts.index.tolist() == ["A", "B", "C", "(new)"]
    assert m.counts.columns.tolist() == ["A", "B", "C", "(gone)"]
    assert (m.counts.dtypes == np.int64).all()
    assert m.counts.values.tolist() == [
        [1, 0, 0, 1],  # A: customer 3 stayed, customer 1 is gone
        [1, 0, 0, 0],  # B: customer 2 moved to A
        [0, 0, 0, 0],  # C: nobody
        [0, 1, 0, 0],  # customer 4 is new, in B
    ]
    np.testing.assert_array_equal(
        m.shares.to_numpy(), [[0.5, 0, 0, 0.5], [1, 0, 0, 0], [np.nan] * 4, [0, 1, 0, 0]]
    )
    assert m.customers["customer_id"].tolist() == [1, 2, 3, 4]
    assert m.customers["segment_before"].tolist() == ["A", "B", "A", "(new)"]
    assert m.customers["segment_after"].tolist() == ["(gone)", "A", "A", "B"]
    assert m.stayed == 1


def test_migration_display():
    m = rfmkit.migration(*before_after())
    text = repr(m)
    assert text.startswith("Migration of 4 customers, 1 in the same segment")
    assert "(gone)" in text and "(new)" in text and str(m) == text
    html = m._repr_html_()
    assert "<table" in html and "(gone)" in html


def test_migration_against_pandas():
    before, after = pipeline("2024-09-30"), pipeline("2024-12-31")
    m = rfmkit.migration(before, after)
    both = before[["customer_id", "segment"]].merge(
        after[["customer_id", "segment"]], on="customer_id", how="outer", suffixes=("_b", "_a")
    )
    b = both["segment_b"].astype(object).fillna("(new)")
    a = both["segment_a"].astype(object).fillna("(gone)")
    want = pd.crosstab(b, a).reindex(index=m.counts.index, columns=m.counts.columns, fill_value=0)
    np.testing.assert_array_equal(m.counts.to_numpy(), want.to_numpy())
    assert m.counts.to_numpy().sum() == len(both)
    assert m.counts.loc["(new)"].sum() == len(after) - len(before)  # nobody leaves: no window
    rows = m.counts.sum(axis=1)
    np.testing.assert_allclose(m.shares[rows > 0].sum(axis=1), 1.0)


def test_migration_errors():
    before, after = before_after()
    with pytest.raises(InputError, match="different segments"):
        rfmkit.migration(before, hand_segmented(["A"], _k=2))
    with pytest.raises(InputError, match=r"before has customer 2 more than once"):
        rfmkit.migration(before.assign(customer_id=[1, 2, 2]), after)
    with pytest.raises(InputError, match=r"after misses column\(s\) \['segment'\]"):
        rfmkit.migration(before, after.drop(columns="segment"))
    with pytest.raises(InputError, match="scheme 'rfm11' but after with 'rf10'"):
        rfmkit.migration(
            pipeline(scheme="rfm11"),
            pipeline(scheme="rf10").assign(segment=pipeline(scheme="rfm11")["segment"]),
        )


def test_migration_of_grouped_tables_matches_group_and_customer():
    tx = rfmkit.datasets.make_transactions(3_000, 500, seed=4)
    tx["channel"] = np.random.default_rng(4).choice(["web", "store"], len(tx))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        seg = [
            rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx, as_of=d, by="channel")), "rf10")
            for d in ("2024-06-30", "2024-12-31")
        ]
    m = rfmkit.migration(*seg)
    assert list(m.customers.columns[:2]) == ["channel", "customer_id"]
    assert len(m.customers) == len(seg[1])  # nobody is gone without a window
    with pytest.raises(InputError, match="grouped by"):
        rfmkit.migration(seg[0], pipeline())


# --------------------------------------------------------------------------- churn_alerts


def cn8(rows, ids=None) -> pd.DataFrame:
    """(recency, frequency, monetary) per customer, on the cut points of document 001."""
    r, f, m = map(np.array, zip(*rows, strict=True))
    t = pd.DataFrame(
        {
            "customer_id": np.arange(len(r)) if ids is None else ids,
            "recency": r,
            "frequency": f,
            "monetary": m.astype(float),
        }
    )
    scored = rfmkit.score(t, thresholds={"recency": [30], "frequency": [3], "monetary": [1000]})
    return rfmkit.segment(scored, "cn8")


BEFORE = [(10, 5, 1500), (10, 1, 2000), (10, 5, 500), (60, 5, 1500), (10, 5, 3000)]
AFTER = [(45, 5, 1500), (40, 1, 2000), (10, 6, 600), (90, 5, 1500), (50, 6, 3200), (5, 1, 50)]


def test_churn_alerts_by_hand():
    alerts = rfmkit.churn_alerts(cn8(BEFORE), cn8(AFTER))
    assert alerts["customer_id"].tolist() == [4, 1, 0]  # most money at stake first
    assert alerts["segment_before"].tolist() == ["Important value", "Important to develop", "Important value"]
    assert alerts["segment_after"].tolist() == [
        "Important to keep",
        "Important to retain",
        "Important to keep",
    ]
    assert alerts["recency_before"].tolist() == [10, 10, 10]
    assert alerts["recency_after"].tolist() == [50, 40, 45]
    assert alerts["recency_after"].dtype == np.int64
    assert alerts["frequency_after"].tolist() == [6, 1, 5]
    assert alerts["monetary_before"].tolist() == [3000.0, 2000.0, 1500.0]
    assert alerts["monetary_change"].tolist() == [200.0, 0.0, 0.0]


def test_churn_alerts_ties_by_id_and_custom_sets_by_label():
    before = cn8([(10, 5, 1500), (10, 5, 1500), (10, 5, 1500)], ids=[30, 10, 20])
    after = cn8([(45, 5, 1500), (45, 5, 1500), (45, 1, 1500)], ids=[30, 10, 20])
    alerts = rfmkit.churn_alerts(before, after, at_risk=["Important to keep"])
    assert alerts["customer_id"].tolist() == [10, 30]  # 20 went to important_retain, not watched


def test_churn_defaults_name_real_segments():
    for name, (valuable, at_risk) in CHURN_SEGMENTS.items():
        codes = set(rfmkit.Scheme.builtin(name).codes)
        assert set(valuable) <= codes and set(at_risk) <= codes and not set(valuable) & set(at_risk)


def test_churn_alerts_against_pandas():
    before, after = pipeline("2024-06-30"), pipeline("2024-12-31")
    alerts = rfmkit.churn_alerts(before, after)
    valuable, at_risk = CHURN_SEGMENTS["rfm11"]
    both = before.merge(after, on="customer_id", suffixes=("_before", "_after"))
    hit = both["segment_code_before"].astype(str).isin(valuable) & both["segment_code_after"].astype(
        str
    ).isin(at_risk)
    want = both[hit].sort_values(["monetary_before", "customer_id"], ascending=[False, True])
    assert len(want) > 0
    assert alerts["customer_id"].tolist() == want["customer_id"].tolist()
    np.testing.assert_array_equal(alerts["monetary_change"], want["monetary_after"] - want["monetary_before"])


def test_churn_alert_errors():
    before, after = cn8(BEFORE), cn8(AFTER)
    with pytest.raises(InputError, match="valuable names unknown segment 'champions'"):
        rfmkit.churn_alerts(before, after, valuable=["champions"])
    with pytest.raises(InputError, match="'important_keep' is both valuable and at_risk"):
        rfmkit.churn_alerts(before, after, valuable=["important_keep"])
    b, a = before_after()
    with pytest.raises(InputError, match="scheme None has no default churn segments"):
        rfmkit.churn_alerts(
            b.assign(recency=1, frequency=1, monetary=1.0),
            a.assign(recency=1, frequency=1, monetary=1.0),
            valuable=["A"],
        )
    got = rfmkit.churn_alerts(
        b.assign(recency=1, frequency=1, monetary=1.0),
        a.assign(recency=1, frequency=1, monetary=1.0),
        valuable="B",
        at_risk="A",
    )
    assert got["customer_id"].tolist() == [2]


def test_churn_alerts_without_segment_code_use_the_builtin_scheme():
    before, after = pipeline("2024-06-30"), pipeline("2024-12-31")
    want = rfmkit.churn_alerts(before, after)
    assert len(want) > 0
    for b, a in (
        (before.drop(columns="segment_code"), after.drop(columns="segment_code")),
        (before.drop(columns="segment_code"), after),
        (before, after.drop(columns="segment_code")),
    ):
        got = rfmkit.churn_alerts(b, a)
        assert got["customer_id"].tolist() == want["customer_id"].tolist()
    # labels of your own and no codes: the cause is the missing column, not the scheme
    own = {c: c.upper() for c in [*rfmkit.Scheme.builtin("rfm11").codes]}
    b = rfmkit.segment(before.drop(columns=["segment_code", "segment"]), "rfm11", lang=own)
    a = rfmkit.segment(after.drop(columns=["segment_code", "segment"]), "rfm11", lang=own)
    with pytest.raises(InputError, match="no column 'segment_code'"):
        rfmkit.churn_alerts(b.drop(columns="segment_code"), a.drop(columns="segment_code"))
    got = rfmkit.churn_alerts(b, a)  # with the codes the defaults apply
    assert got["customer_id"].tolist() == want["customer_id"].tolist()


def test_churn_alerts_keep_the_segment_categoricals():
    before, after = pipeline("2024-06-30"), pipeline("2024-12-31")
    alerts = rfmkit.churn_alerts(before, after)
    none = rfmkit.churn_alerts(before, after, valuable=["lost"], at_risk=["champions"])
    assert len(alerts) > 0 and len(none) == 0
    for got in (alerts, none):
        assert got["segment_before"].dtype == before["segment"].dtype
        assert got["segment_after"].dtype == after["segment"].dtype
        assert got["segment_before"].cat.ordered
    first = alerts.iloc[0]
    row_b = before.set_index("customer_id").loc[first["customer_id"]]
    row_a = after.set_index("customer_id").loc[first["customer_id"]]
    assert first["segment_before"] == row_b["segment"]
    assert first["segment_after"] == row_a["segment"]


# --------------------------------------------------------------------------- campaign_report


def campaign_segments() -> pd.DataFrame:
    return hand_segmented(["A", "A", "A", "B", "B", "C"], _k=3)


def responses(**extra) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4, 5],
            "contacted": [1, 1, 0, 1, 1],
            "responded": [True, False, True, True, False],
            "converted": [1, 0, 0, 0, 0],
            **extra,
        }
    )


def test_campaign_report_by_hand():
    r = rfmkit.campaign_report(campaign_segments(), responses(), converted="converted")
    assert r["segment"].tolist() == ["A", "B", "C", "All"]
    assert r["contacted"].tolist() == [2, 2, 0, 4]
    assert r["responders"].tolist() == [1, 1, 0, 2]  # customer 3 responded without contact
    np.testing.assert_array_equal(r["response_rate"], [0.5, 0.5, np.nan, 0.5])
    assert r["conversions"].tolist() == [1, 0, 0, 1]
    np.testing.assert_array_equal(r["conversion_rate"], [0.5, 0.0, np.nan, 0.25])


def test_campaign_ab_test_by_hand():
    treat = [True, True, False, True, False]
    with pytest.warns(RFMWarning, match=r"'A' \(too small: 2 treated, 1 control.*'B'.*'All'"):
        r = rfmkit.campaign_report(campaign_segments(), responses(treat=treat), treatment="treat")
    assert r["treated"].tolist() == [2, 1, 0, 3]
    assert r["control"].tolist() == [1, 1, 0, 2]
    np.testing.assert_array_equal(r["treated_rate"], [0.5, 1.0, np.nan, 2 / 3])
    np.testing.assert_array_equal(r["control_rate"], [1.0, 0.0, np.nan, 0.5])
    np.testing.assert_allclose(r["lift"], [-0.5, np.nan, np.nan, 1 / 3])
    # Cells this small get Fisher's exact test. A: [[1, 1], [1, 0]], the tables with the same
    # margins have probabilities 2/3 (seen) and 1/3, p = 1; B: [[1, 0], [0, 1]], 1/2 and 1/2,
    # p = 1; All: [[2, 1], [1, 1]], 0.3, 0.6 (seen) and 0.1, p = 1. C has no one: no test.
    assert r["test"].tolist() == ["fisher", "fisher", "", "fisher"]
    np.testing.assert_allclose(r["p_value"], [1.0, 1.0, np.nan, 1.0])
    # The pooled z-test of the same cells, as the report gave them before.
    # A: pooled 2/3, se = sqrt(2/9 * 3/2) = sqrt(1/3), z = -0.5 / sqrt(1/3);
    # B: pooled 1/2, se = sqrt(1/2), z = sqrt(2), p = erfc(1).
    z_p = rfmkit.analysis.two_proportion_p_value
    np.testing.assert_allclose(
        [z_p(1, 2, 1, 1), z_p(1, 1, 0, 1), z_p(2, 3, 1, 2)],
        [
            math.erfc(0.5 * math.sqrt(3) / math.sqrt(2)),
            math.erfc(1.0),
            math.erfc((1 / 6) / math.sqrt(0.6 * 0.4 * (1 / 3 + 1 / 2)) / math.sqrt(2)),
        ],
    )
    np.testing.assert_allclose([z_p(1, 2, 1, 1), z_p(1, 1, 0, 1)], [0.386476, 0.157299], atol=1e-6)


def test_campaign_against_pandas_and_scipy():
    stats = pytest.importorskip("scipy.stats")
    seg = pipeline()
    rng = np.random.default_rng(7)
    chosen = seg.sample(frac=0.7, random_state=3)
    resp = pd.DataFrame(
        {
            "cid": chosen["customer_id"].to_numpy(),
            "contacted": rng.random(len(chosen)) < 0.8,
            "responded": (rng.random(len(chosen)) < 0.15).astype(np.int64),
            "treatment": rng.random(len(chosen)) < 0.5,
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)  # small segments: tests/test_campaign_stats.py
        r = rfmkit.campaign_report(seg, resp, customer_id="cid", treatment="treatment")
    both = resp.merge(seg[["customer_id", "segment"]], left_on="cid", right_on="customer_id")
    contacted = both[both["contacted"]]
    want = contacted.groupby("segment", observed=False)["responded"].agg(["size", "sum"])
    assert r["contacted"].tolist()[:-1] == want["size"].tolist()
    assert r["responders"].tolist()[:-1] == want["sum"].tolist()
    assert r["contacted"].iloc[-1] == resp["contacted"].sum()
    rows = list(both.groupby("segment", observed=False)) + [("All", both)]
    for i, (_, part) in enumerate(rows):
        t, c = part[part["treatment"]], part[~part["treatment"]]
        assert r["treated"].iloc[i] == len(t) and r["control"].iloc[i] == len(c)
        x1, x0 = t["responded"].sum(), c["responded"].sum()
        if len(t) == 0 or len(c) == 0:
            assert np.isnan(r["p_value"].iloc[i]) and r["test"].iloc[i] == ""
            continue
        table = [[x1, len(t) - x1], [x0, len(c) - x0]]
        if x1 + x0 in (0, len(t) + len(c)) or stats.contingency.expected_freq(table).min() < 5:
            assert r["test"].iloc[i] == "fisher"
            assert r["p_value"].iloc[i] == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-12)
            continue
        assert r["test"].iloc[i] == "z"
        chi2 = stats.chi2_contingency(table, correction=False).pvalue  # = the pooled z-test
        p1, p0, p = x1 / len(t), x0 / len(c), (x1 + x0) / (len(t) + len(c))
        z = (p1 - p0) / math.sqrt(p * (1 - p) * (1 / len(t) + 1 / len(c)))
        assert r["p_value"].iloc[i] == pytest.approx(chi2, rel=1e-9)
        assert r["p_value"].iloc[i] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)


def test_campaign_everyone_contacted_when_contacted_is_none():
    r = rfmkit.campaign_report(campaign_segments(), responses().drop(columns="contacted"), contacted=None)
    assert r["contacted"].tolist() == [3, 2, 0, 5]
    assert r["responders"].tolist() == [2, 1, 0, 3]


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [
        ("responded", 2, "2"),
        ("contacted", "yes", "'yes'"),
        ("responded", 0.5, "0.5"),
    ],
)
def test_campaign_non_boolean_flags_are_named(column, value, shown):
    resp = responses()
    resp[column] = resp[column].astype(object)
    resp.loc[3, column] = value
    with pytest.raises(InputError, match=rf"column '{column}' has an invalid value {shown} at row 3"):
        rfmkit.campaign_report(campaign_segments(), resp)


def test_campaign_errors():
    seg = campaign_segments()
    resp = responses()
    with pytest.raises(InputError, match=r"responses has customer 4 more than once"):
        rfmkit.campaign_report(seg, pd.concat([resp, resp.iloc[[3]]], ignore_index=True))
    with pytest.raises(InputError, match=r"customer 99 \(row 5\) that is not in segmented"):
        rfmkit.campaign_report(
            seg, pd.concat([resp, resp.iloc[[0]].assign(customer_id=99)], ignore_index=True)
        )
    with pytest.raises(InputError, match="responses has no column 'treat'"):
        rfmkit.campaign_report(seg, resp, treatment="treat")
    with pytest.raises(InputError, match="responses has no column 'cid'"):
        rfmkit.campaign_report(seg, resp, customer_id="cid")
    missing = resp.assign(responded=pd.array([True, None, True, True, False], dtype="boolean"))
    with pytest.raises(InputError, match="column 'responded' has a missing value at row 1"):
        rfmkit.campaign_report(seg, missing)
    with pytest.raises(InputTypeError, match="responses must be a pandas DataFrame"):
        rfmkit.campaign_report(seg, resp.to_dict())


# --------------------------------------------------------------------------- display


def test_scheme_and_coverage_display():
    s = rfmkit.Scheme.builtin("tiers4")
    assert "<table" in s._repr_html_() and "dormant" in s._repr_html_()
    cov = s.coverage()
    text = repr(cov)
    assert text.startswith("Coverage of 27 cells: every cell matched by a rule, no shadowed rule")
    assert text.splitlines()[2].split() == ["vip", "3"]  # rule order
    assert "<table" in cov._repr_html_()
    mine = rfmkit.Scheme.from_dict(
        {
            "name": "mine",
            "scale": 2,
            "rules": [{"code": "best", "labels": {"en": "Best", "zh": "最佳"}, "r": [2, 2], "m": [2, 2]}],
            "fallback": {"code": "rest", "labels": {"en": "Rest", "zh": "其他"}},
        }
    )
    assert "6 cells fall to the fallback (75.0%)" in repr(mine.coverage())


# --------------------------------------------------------------------------- issue 12 regressions


@pytest.mark.parametrize("column", ["monetary", "frequency", "recency"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, None])
def test_summary_refuses_missing_and_infinite_statistics(column, bad):
    t = six()
    t[column] = t[column].astype(object if bad is None else float)
    t.loc[3, column] = bad
    with pytest.raises(InputError, match=rf"column '{column}' has an? (missing|invalid) value .*at row 3"):
        rfmkit.segment_summary(t)


def test_summary_refuses_text_and_bools():
    with pytest.raises(InputTypeError, match=r"column 'monetary' has 'x' \(a str\) at row 1"):
        rfmkit.segment_summary(six().assign(monetary=[1.0, "x", 2.0, 3.0, 4.0, 5.0]))
    with pytest.raises(InputTypeError, match=r"column 'frequency' must hold numbers, not bool"):
        rfmkit.segment_summary(six().assign(frequency=[True] * 6))


def test_summary_of_huge_amounts_is_exact_or_an_error_naming_the_segment():
    from fractions import Fraction

    # Partial sums beyond float64 whose total is within range: the exact answer.
    t = six().assign(monetary=[1e308, 1e308, 5.0, -1e308, 15.0, 0.0])
    got = rfmkit.segment_summary(t).set_index("segment")
    exact = Fraction(1e308) + Fraction(1e308) - Fraction(1e308)
    assert got.loc["A", "revenue"] == float(exact)
    assert got.loc["A", "monetary_mean"] == float(exact / 3)
    assert got.loc["A", "monetary_median"] == 1e308
    # Medians of two huge values do not overflow.
    two = six().assign(monetary=[1.7e308, 1.7e308, 5.0, 1.0, 15.0, 0.0])
    with pytest.raises(InputError, match=r"revenue \(the sum of monetary\) of segment 'A' is beyond"):
        rfmkit.segment_summary(two)
    # Segments within range, their total beyond it.
    split = six().assign(monetary=[1.7e308, 0.0, 1.7e308, 0.0, 0.0, 0.0])
    with pytest.raises(InputError, match="total revenue is beyond"):
        rfmkit.segment_summary(split)
    grouped = split.assign(channel="x")
    with pytest.raises(InputError, match="total revenue of group"):
        rfmkit.segment_summary(grouped, by="channel")
    # Means and medians of huge values (numpy.median overflows to inf here).
    huge = six().assign(recency=[1.7e308, 1.7e308, 1.7e308, 1.0, 1.7e308, 1.0])
    got = rfmkit.segment_summary(huge).set_index("segment")
    assert got.loc["B", "recency_median"] == 1.7e308
    assert got.loc["B", "recency_mean"] == 1.7e308
    assert got.loc["A", "recency_mean"] == float((2 * Fraction(1.7e308) + 1) / 3)


def _polars(t):
    import polars as pl

    return pl.from_pandas(t)


def _arrow(t):
    import pyarrow as pa

    plain = t.copy()
    plain.attrs = {}  # attrs with dates are not JSON-safe yet (issue 12, item 13, table.py)
    return pa.Table.from_pandas(plain)


@pytest.mark.parametrize("convert", [_polars, _arrow])
@pytest.mark.parametrize("scheme", ["rfm11", "rf10", "cn8"])
def test_analysis_takes_polars_and_arrow(convert, scheme):
    before, after = pipeline(as_of="2024-10-31", scheme=scheme), pipeline(scheme=scheme)
    # output="pandas": polars in gives polars out (tests/test_output_kinds.py).
    pd.testing.assert_frame_equal(
        rfmkit.segment_summary(convert(after), output="pandas"), rfmkit.segment_summary(after)
    )
    want = rfmkit.migration(before, after)
    got = rfmkit.migration(convert(before), convert(after), output="pandas")
    pd.testing.assert_frame_equal(got.counts, want.counts)
    pd.testing.assert_frame_equal(
        rfmkit.churn_alerts(convert(before), convert(after), output="pandas"),
        rfmkit.churn_alerts(before, after),
    )
    responses = pd.DataFrame(
        {"customer_id": after["customer_id"], "contacted": True, "responded": np.arange(len(after)) % 4 == 0}
    )
    pd.testing.assert_frame_equal(
        rfmkit.campaign_report(convert(after), convert(responses), output="pandas"),
        rfmkit.campaign_report(after, responses),
    )


@pytest.mark.parametrize("bad", [{"customer_id": [1]}, [1, 2], "table", None, 5])
def test_analysis_refuses_non_tables(bad):
    seg = six()
    for call in (
        lambda: rfmkit.migration(bad, seg),
        lambda: rfmkit.migration(seg, bad),
        lambda: rfmkit.churn_alerts(bad, seg),
        lambda: rfmkit.segment_summary(bad),
        lambda: rfmkit.campaign_report(bad, seg),
        lambda: rfmkit.campaign_report(seg, bad),
    ):
        with pytest.raises(InputTypeError, match="must be a pandas DataFrame, a polars DataFrame"):
            call()
