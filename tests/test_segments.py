"""Segments against the published rule tables and hand-made customers."""

from __future__ import annotations

import contextlib
import json
import warnings

import numpy as np
import pandas as pd
import pytest
import rfmkit
from hypothesis import given, settings
from hypothesis import strategies as st
from rfmkit import InputError, RFMWarning, Scheme

BUILTIN = ["cn8", "tiers4", "crm4", "rfm11", "rf10"]

# REFERENCE.md section 4, cell = R digit, FM digit.
RFM11 = {
    "champions": {55, 54, 45}, "loyal": {53, 44, 35, 34},
    "potential_loyalist": {52, 43, 42, 33}, "recent": {51}, "promising": {41, 31},
    "need_attention": {32, 23, 22}, "about_to_sleep": {21}, "at_risk": {25, 24, 13},
    "cant_lose": {15, 14}, "hibernating": {12}, "lost": {11},
}
# REFERENCE.md section 4: R x F.
RF10 = {
    "hibernating": [(1, 2), (1, 2)], "at_risk": [(1, 2), (3, 4)], "cant_lose": [(1, 2), (5, 5)],
    "about_to_sleep": [(3, 3), (1, 2)], "need_attention": [(3, 3), (3, 3)],
    "loyal": [(3, 4), (4, 5)], "promising": [(4, 4), (1, 1)], "new": [(5, 5), (1, 1)],
    "potential_loyalist": [(4, 5), (2, 3)], "champions": [(5, 5), (4, 5)],
}


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_schemes_cover_every_cell(name):
    cov = Scheme.builtin(name).coverage()
    assert cov.total and cov.fallback.empty
    assert cov.shadowed == []
    s = Scheme.builtin(name).scale
    assert len(cov.cells) == s**3


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_schemes_have_both_languages(name):
    s = Scheme.builtin(name)
    en, zh = s.labels("en"), s.labels("zh")
    assert set(en) == set(zh) == set(s.codes)
    assert all(zh[c] and zh[c] != en[c] for c in s.codes)
    assert all(ord(ch) > 0x2E80 for c in s.codes for ch in zh[c][:1] if c != "vip")


def test_rfm11_is_the_published_grid():
    cells = Scheme.builtin("rfm11").coverage().cells
    for _, row in cells.iterrows():
        fm = (row.f + row.m + 1) // 2
        want = next(code for code, members in RFM11.items() if row.r * 10 + fm in members)
        assert row.segment_code == want, (row.r, row.f, row.m)


def test_rf10_is_the_published_grid():
    cells = Scheme.builtin("rf10").coverage().cells
    for _, row in cells.iterrows():
        want = [c for c, ((r0, r1), (f0, f1)) in RF10.items() if r0 <= row.r <= r1 and f0 <= row.f <= f1]
        assert [row.segment_code] == want


def scored(rows, **kw):
    """rows: (recency, frequency, monetary) per customer, scored with the source document's
    cut points: R within 30 days, F of 3 or more, M of 1000 or more."""
    r, f, m = map(np.array, zip(*rows, strict=True))
    t = pd.DataFrame({"customer_id": np.arange(len(r)), "recency": r, "frequency": f,
                      "monetary": m.astype(float)})
    return rfmkit.score(t, thresholds={"recency": [30], "frequency": [3], "monetary": [1000]}, **kw)


def test_cn8_on_the_source_documents_cut_points():
    customers = [
        ((10, 5, 1500), "重要价值客户", "important_value"),
        ((60, 1, 2000), "重要挽留客户", "important_retain"),
        ((45, 4, 1200), "重要保持客户", "important_keep"),
        ((20, 2, 3000), "重要发展客户", "important_develop"),
        ((5, 6, 300), "一般价值客户", "general_value"),
        ((90, 3, 999), "一般保持客户", "general_keep"),
        ((30, 2, 100), "一般发展客户", "general_develop"),
        ((31, 1, 50), "一般挽留客户", "general_retain"),
    ]
    got = rfmkit.segment(scored([c[0] for c in customers]), "cn8", lang="zh")
    assert got["segment"].astype(str).tolist() == [c[1] for c in customers]
    assert got["segment_code"].tolist() == [c[2] for c in customers]
    en = rfmkit.segment(scored([c[0] for c in customers]), "cn8")
    assert en["segment"].iloc[0] == "Important value"
    assert list(en["segment"].cat.categories[:2]) == ["Important value", "Important to keep"]
    assert en["segment"].cat.ordered


def test_k_level_scores_are_rescaled_high_above_the_middle():
    t = pd.DataFrame({"r_score": [5, 4, 3, 1], "f_score": [5, 4, 3, 1], "m_score": [5, 4, 3, 1]})
    got = rfmkit.segment(t, "cn8", levels=5)
    assert got["segment_code"].tolist() == ["important_value", "important_value",
                                            "general_retain", "general_retain"]


def test_custom_schemes_from_dict_json_and_toml(tmp_path):
    spec = {
        "name": "two", "scale": 2,
        "rules": [{"code": "best", "labels": {"en": "Best", "zh": "最佳"}, "r": [2, 2], "m": [2, 2]}],
        "fallback": {"code": "rest", "labels": {"en": "Rest", "zh": "其余"}},
    }
    toml = """
name = "two"
scale = 2
[[rules]]
code = "best"
labels = { en = "Best", zh = "最佳" }
r = [2, 2]
m = [2, 2]
[fallback]
code = "rest"
labels = { en = "Rest", zh = "其余" }
"""
    (tmp_path / "s.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "s.toml").write_text(toml, encoding="utf-8")
    schemes = [Scheme.from_dict(spec), Scheme.from_json(tmp_path / "s.json"),
               Scheme.from_json(json.dumps(spec)), Scheme.from_toml(tmp_path / "s.toml"),
               Scheme.from_toml(toml)]
    assert all(s.spec == schemes[0].spec for s in schemes)
    t = scored([(10, 5, 1500), (60, 1, 50)])
    with pytest.warns(RFMWarning, match=r"1 customer\(s\) match no rule of scheme 'two' and fall to 'rest'"):
        got = rfmkit.segment(t, schemes[3])
    assert got["segment_code"].tolist() == ["best", "rest"]
    assert len(schemes[0].coverage().fallback) == 6
    with pytest.raises(InputError, match="cannot read scheme file 'missing.json'"):
        Scheme.from_json("missing.json")
    with pytest.raises(InputError, match="invalid scheme TOML"):
        Scheme.from_toml("name = ")


def test_coverage_reports_shadowed_rules_and_fallback_cells():
    lab = {"en": "x", "zh": "x"}
    bad = Scheme.from_dict({
        "name": "bad", "scale": 3,
        "rules": [
            {"code": "recent", "labels": lab, "r": [2, 3]},
            {"code": "best", "labels": lab, "r": [3, 3], "f": [3, 3]},  # inside the first: shadowed
            {"code": "spenders", "labels": lab, "m": [3, 3]},
        ],
        "fallback": {"code": "other", "labels": lab},
    })
    cov = bad.coverage()
    assert cov.shadowed == [1]
    assert not cov.total
    assert len(cov.fallback) == 3 * 2  # r = 1 and m in 1..2, any f
    assert set(cov.fallback["r"]) == {1} and set(cov.fallback["m"]) == {1, 2}
    assert bad.rules["r"].tolist() == ["2-3", "3-3", ""]


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        ({"scale": 1}, r"scale must be between 2 and 10, got 1"),
        ({"rules": []}, r"it has no rules"),
        ({"rules": [{"code": "a", "labels": {"en": "A"}, "r": [1, 2]}]},
         r"segment \"a\" has no \"zh\" label"),
        ({"rules": [{"code": "a", "labels": {"en": "A", "zh": "A"}, "r": [2, 1]}]},
         r"r range \[2, 1\] is empty"),
        ({"rules": [{"code": "a", "labels": {"en": "A", "zh": "A"}, "f": [1, 3]}]},
         r"f range \[1, 3\] is outside the scale 1..2"),
        ({"rules": [{"code": "a", "labels": {"en": "A", "zh": "A"}, "x": [1, 2]}]}, r"unknown field `x`"),
        ({"rules": [{"code": "a b", "labels": {"en": "A", "zh": "A"}}]}, r"ASCII letters"),
        ({"colour": "red"}, r"unknown field `colour`"),
    ],
)
def test_bad_schemes(change, pattern):
    spec = {"name": "s", "scale": 2, "rules": [{"code": "a", "labels": {"en": "A", "zh": "A"}}],
            "fallback": {"code": "o", "labels": {"en": "O", "zh": "O"}}}
    spec.update(change)
    with pytest.raises(InputError, match=pattern):
        Scheme.from_dict(spec)


def test_bad_segment_calls():
    t = scored([(10, 5, 1500)])
    with pytest.raises(InputError, match="unknown scheme 'rfm12'"):
        rfmkit.segment(t, "rfm12")
    with pytest.raises(InputError, match=r"lang has no label for segment code\(s\)"):
        rfmkit.segment(t, "cn8", lang={"important_value": "VIP"})
    with pytest.raises(InputError, match="invalid lang 'fr'"):
        rfmkit.segment(t, "cn8", lang="fr")
    with pytest.raises(InputError, match="number of score levels is unknown"):
        rfmkit.segment(pd.DataFrame({"r_score": [1], "f_score": [1], "m_score": [1]}))
    with pytest.raises(InputError, match=r"'f_score' has an invalid value 7 at row 0"):
        rfmkit.segment(pd.DataFrame({"r_score": [1], "f_score": [7], "m_score": [1]}), levels=5)
    with pytest.raises(InputError, match="missing column 'm_score'"):
        rfmkit.segment(pd.DataFrame({"r_score": [1], "f_score": [1]}), levels=5)


def test_custom_labels_and_new_customers():
    tx = rfmkit.datasets.make_transactions(20_000, 3_000, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        s = rfmkit.score(rfmkit.rfm_table(tx))
    got = rfmkit.segment(s, "crm4", new_customer_days=30, lang="zh")
    as_of = pd.Timestamp(s.attrs["as_of"])
    new = (as_of - s["first_purchase"].dt.normalize()).dt.days <= 30
    assert new.any()
    assert (got.loc[new, "segment_code"] == "new").all()
    assert (got.loc[~new, "segment_code"] != "new").all()
    assert got["segment"].cat.categories[0] == "新客户"
    mine = {c: c.upper() for c in Scheme.builtin("crm4").codes}
    assert set(rfmkit.segment(s, "crm4", lang=mine)["segment"].unique()) <= set(mine.values())


def test_segmenting_a_million_customers_is_vectorised():
    n = 1_000_000
    rng = np.random.default_rng(0)
    t = pd.DataFrame({c: rng.integers(1, 6, n) for c in ("r_score", "f_score", "m_score")})
    got = rfmkit.segment(t, "rfm11", levels=5)
    fm = (t["f_score"] + t["m_score"] + 1) // 2
    cell = t["r_score"] * 10 + fm
    want = np.empty(n, dtype=object)
    for code, members in RFM11.items():
        want[cell.isin(members).to_numpy()] = code
    np.testing.assert_array_equal(got["segment_code"].to_numpy(dtype=object), want)


# ------------------------------------------------------------------ strategies

CHANNELS = {"email", "sms", "phone", "social", "in_app", "ads"}


@pytest.mark.parametrize("name", BUILTIN)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_strategies_for_every_segment_of_every_scheme(name, lang):
    s = rfmkit.strategies(name, lang=lang)
    assert s["segment_code"].tolist() == Scheme.builtin(name).codes
    assert s["segment"].tolist() == [Scheme.builtin(name).labels(lang)[c] for c in s["segment_code"]]
    for _, row in s.iterrows():
        for field in ("description", "goal", "cadence", "offer", "message", "kpi"):
            assert isinstance(row[field], str) and row[field].strip(), (row.segment_code, field)
        assert len(row["actions"]) >= 2 and all(a.strip() for a in row["actions"])
        assert row["channels"] and set(row["channels"]) <= CHANNELS
        if lang == "zh":
            assert any("\u4e00" <= ch <= "\u9fff" for ch in row["goal"] + row["message"])


def test_strategies_follow_the_source_documents():
    cn8 = rfmkit.strategies("cn8").set_index("segment_code")
    # The most valuable: exclusive offers and a dedicated contact with priority response.
    assert "dedicated" in cn8.loc["important_value", "actions"][0]
    assert "Exclusive" in cn8.loc["important_value", "offer"]
    # Lapsed high spenders: reactivation, special discount, ask why they stopped.
    retain = " ".join(cn8.loc["important_retain", "actions"])
    assert "special discount" in retain and "why they stopped" in retain
    # New customers: coupons and follow-up recommendations; the lowest tier: low-cost upkeep.
    assert "coupon" in " ".join(cn8.loc["general_develop", "actions"]).lower()
    assert "Low-cost" in cn8.loc["general_retain", "goal"]


def test_custom_scheme_with_its_own_strategies():
    entry = {"description": "d", "goal": "g", "actions": ["a1", "a2"], "channels": ["sms"],
             "cadence": "c", "offer": "o", "message": "m", "kpi": "k"}
    spec = {
        "name": "own", "scale": 2,
        "rules": [{"code": "top", "labels": {"en": "Top", "zh": "顶级"}, "r": [2, 2]}],
        "fallback": {"code": "rest", "labels": {"en": "Rest", "zh": "其余"}},
        "strategies": {"top": {"en": entry, "zh": entry}, "rest": {"en": entry, "zh": entry}},
    }
    s = rfmkit.strategies(Scheme.from_dict(spec))
    assert s["channels"].tolist() == [["sms"], ["sms"]]
    bad = dict(spec, strategies={"top": {"en": entry}})
    with pytest.raises(InputError, match="strategy of segment 'top' has no 'zh' entry"):
        Scheme.from_dict(bad)
    with pytest.raises(InputError, match=r"unknown channel\(s\) \['fax'\]"):
        Scheme.from_dict(dict(spec, strategies={"top": {"en": {**entry, "channels": ["fax"]},
                                                        "zh": entry}}))
    with pytest.raises(InputError, match=r"misses \['kpi'\]"):
        Scheme.from_dict(dict(spec, strategies={"top": {"en": {**entry, "kpi": ""}, "zh": entry}}))
    with pytest.raises(InputError, match=r"unknown segment code\(s\) \['nope'\]"):
        Scheme.from_dict(dict(spec, strategies={"nope": {"en": entry, "zh": entry}}))
    no_table = dict(spec)
    del no_table["strategies"]
    with pytest.raises(InputError, match="segment 'top' of scheme 'own' has no strategy"):
        rfmkit.strategies(Scheme.from_dict(no_table))


def test_action_list_one_row_per_customer(tmp_path):
    tx = rfmkit.datasets.make_transactions(20_000, 3_000, seed=8, string_ids=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        seg = rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx)), "rf10", new_customer_days=10)
    actions = rfmkit.action_list(seg, "rf10", lang="zh")
    assert list(actions.columns) == ["customer_id", "segment_code", "segment", "next_action", "channel",
                                     "offer", "message"]
    assert actions["customer_id"].tolist() == seg["customer_id"].tolist()
    strat = rfmkit.strategies("rf10", "zh").set_index("segment_code")
    for _, row in actions.sample(50, random_state=1).iterrows():
        assert row.next_action == strat.loc[row.segment_code, "actions"][0]
        assert row.channel == strat.loc[row.segment_code, "channels"][0]
    actions.to_csv(tmp_path / "a.csv", index=False)
    back = pd.read_csv(tmp_path / "a.csv")
    assert back["segment"].tolist() == actions["segment"].tolist()
    records = json.loads(actions.to_json(orient="records", force_ascii=False))
    assert records[0]["customer_id"] == actions["customer_id"].iloc[0]
    with pytest.raises(InputError, match="missing column 'segment_code'"):
        rfmkit.action_list(seg.drop(columns="segment_code"))
    with pytest.raises(InputError, match="invalid lang 'fr'"):
        rfmkit.strategies("rf10", lang="fr")


def test_segment_leaves_the_callers_table_alone():
    t = scored([(10, 5, 1500), (60, 1, 50)])
    before = t.copy()
    got = rfmkit.segment(t, "cn8")
    got.loc[0, "r_score"] = 9
    pd.testing.assert_frame_equal(t, before)
    assert got["segment_code"].cat.ordered and got["segment_code"].iloc[0] == "important_value"


@settings(max_examples=300, deadline=None)
@given(
    scale=st.integers(-1, 12),
    ranges=st.lists(st.tuples(st.sampled_from(["r", "f", "m", "fm", "q"]),
                              st.integers(-2, 12), st.integers(-2, 12)), max_size=4),
    scores=st.lists(st.integers(0, 300), min_size=3, max_size=3),
    levels=st.lists(st.integers(-1, 120), min_size=3, max_size=3),
)
def test_segment_core_never_panics(scale, ranges, scores, levels):
    from rfmkit._core import scheme_cube, segment_assign

    rule = {"code": "a", "labels": {"en": "A", "zh": "A"}, **{d: [lo, hi] for d, lo, hi in ranges}}
    text = json.dumps({"name": "x", "scale": scale, "rules": [rule],
                       "fallback": {"code": "o", "labels": {"en": "O", "zh": "O"}}})
    arr = [np.array([min(s, 255)], dtype=np.uint8) for s in scores]
    # InputError, or PyO3's conversion errors; a PanicException fails the test.
    with contextlib.suppress(ValueError, TypeError, OverflowError):
        scheme_cube(text)
    with contextlib.suppress(ValueError, TypeError, OverflowError):
        segment_assign(text, *arr, levels)
