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
    "champions": {55, 54, 45},
    "loyal": {53, 44, 35, 34},
    "potential_loyalist": {52, 43, 42, 33},
    "recent": {51},
    "promising": {41, 31},
    "need_attention": {32, 23, 22},
    "about_to_sleep": {21},
    "at_risk": {25, 24, 13},
    "cant_lose": {15, 14},
    "hibernating": {12},
    "lost": {11},
}
# REFERENCE.md section 4: R x F.
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
    t = pd.DataFrame(
        {"customer_id": np.arange(len(r)), "recency": r, "frequency": f, "monetary": m.astype(float)}
    )
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
    assert got["segment_code"].tolist() == [
        "important_value",
        "important_value",
        "general_retain",
        "general_retain",
    ]


def test_custom_schemes_from_dict_json_and_toml(tmp_path):
    spec = {
        "name": "two",
        "scale": 2,
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
    schemes = [
        Scheme.from_dict(spec),
        Scheme.from_json(tmp_path / "s.json"),
        Scheme.from_json(json.dumps(spec)),
        Scheme.from_toml(tmp_path / "s.toml"),
        Scheme.from_toml(toml),
    ]
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
    bad = Scheme.from_dict(
        {
            "name": "bad",
            "scale": 3,
            "rules": [
                {"code": "recent", "labels": lab, "r": [2, 3]},
                {"code": "best", "labels": lab, "r": [3, 3], "f": [3, 3]},  # inside the first: shadowed
                {"code": "spenders", "labels": lab, "m": [3, 3]},
            ],
            "fallback": {"code": "other", "labels": lab},
        }
    )
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
        (
            {"rules": [{"code": "a", "labels": {"en": "A"}, "r": [1, 2]}]},
            r"segment \"a\" has no \"zh\" label",
        ),
        (
            {"rules": [{"code": "a", "labels": {"en": "A", "zh": "A"}, "r": [2, 1]}]},
            r"r range \[2, 1\] is empty",
        ),
        (
            {"rules": [{"code": "a", "labels": {"en": "A", "zh": "A"}, "f": [1, 3]}]},
            r"f range \[1, 3\] is outside the scale 1..2",
        ),
        ({"rules": [{"code": "a", "labels": {"en": "A", "zh": "A"}, "x": [1, 2]}]}, r"unknown field `x`"),
        ({"rules": [{"code": "a b", "labels": {"en": "A", "zh": "A"}}]}, r"ASCII letters"),
        ({"colour": "red"}, r"unknown field `colour`"),
    ],
)
def test_bad_schemes(change, pattern):
    spec = {
        "name": "s",
        "scale": 2,
        "rules": [{"code": "a", "labels": {"en": "A", "zh": "A"}}],
        "fallback": {"code": "o", "labels": {"en": "O", "zh": "O"}},
    }
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
    """The work done in Python does not grow with the customers: the lines run in rfmkit's own
    modules and the calls into ``rfmkit._core`` are (about) the same for 1k and for 1M customers;
    a per-customer Python loop, an ``apply`` of an rfmkit function or one core call per customer
    would multiply them. The 1M result is checked against the rule table too."""
    import os
    import sys

    import rfmkit._core as core

    package = os.path.dirname(os.path.abspath(rfmkit.__file__)) + os.sep
    core_functions = {id(f) for f in vars(core).values() if callable(f) and not isinstance(f, type)}
    counts = {"lines": 0, "core": 0}

    def counting(f):
        def call(*args, **kwargs):
            counts["core"] += 1
            return f(*args, **kwargs)

        return call

    def local(frame, event, arg):
        if event == "line":
            counts["lines"] += 1
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(package) else None

    def measured(t):
        counts.update(lines=0, core=0)
        previous = sys.gettrace()
        sys.settrace(tracer)
        try:
            return rfmkit.segment(t, "rfm11", levels=5)
        finally:
            sys.settrace(previous)

    def scores(n):
        rng = np.random.default_rng(n)
        return pd.DataFrame({c: rng.integers(1, 6, n) for c in ("r_score", "f_score", "m_score")})

    rfmkit.segment(scores(100), "rfm11", levels=5)  # warm up: lazy imports, cached schemes
    with pytest.MonkeyPatch.context() as mp:
        for name, module in list(sys.modules.items()):
            if name == "rfmkit" or name.startswith("rfmkit."):
                for attr, value in list(vars(module).items()):
                    if id(value) in core_functions:
                        mp.setattr(module, attr, counting(value))
        # The scheme is compiled by the core once; its methods are core calls too.
        scheme = rfmkit.Scheme.builtin("rfm11")
        mp.setattr(scheme, "_compiled", _Counted(scheme._compiled, counting))
        measured(scores(1_000))
        small = dict(counts)
        n = 1_000_000
        t = scores(n)
        got = measured(t)
        large = dict(counts)
    assert small["core"] >= 1, "segment() no longer calls rfmkit._core: update this test"
    assert small["lines"] >= 1
    for what in ("lines", "core"):
        assert large[what] <= 2 * small[what] + 50, (what, small, large)

    fm = (t["f_score"] + t["m_score"] + 1) // 2
    cell = t["r_score"] * 10 + fm
    want = np.empty(n, dtype=object)
    for code, members in RFM11.items():
        want[cell.isin(members).to_numpy()] = code
    np.testing.assert_array_equal(got["segment_code"].to_numpy(dtype=object), want)


class _Counted:
    """A compiled object whose method calls go through ``counting``."""

    def __init__(self, inner, counting):
        self._inner, self._counting = inner, counting

    def __getattr__(self, name):
        value = getattr(self._inner, name)
        return self._counting(value) if callable(value) else value


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
    entry = {
        "description": "d",
        "goal": "g",
        "actions": ["a1", "a2"],
        "channels": ["sms"],
        "cadence": "c",
        "offer": "o",
        "message": "m",
        "kpi": "k",
    }
    spec = {
        "name": "own",
        "scale": 2,
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
        Scheme.from_dict(dict(spec, strategies={"top": {"en": {**entry, "channels": ["fax"]}, "zh": entry}}))
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
    assert list(actions.columns) == [
        "customer_id",
        "segment_code",
        "segment",
        "next_action",
        "channel",
        "offer",
        "message",
    ]
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
    ranges=st.lists(
        st.tuples(st.sampled_from(["r", "f", "m", "fm", "q"]), st.integers(-2, 12), st.integers(-2, 12)),
        max_size=4,
    ),
    scores=st.lists(st.integers(0, 300), min_size=3, max_size=3),
    levels=st.lists(st.integers(-1, 120), min_size=3, max_size=3),
)
def test_segment_core_never_panics(scale, ranges, scores, levels):
    from rfmkit._core import CompiledScheme

    rule = {"code": "a", "labels": {"en": "A", "zh": "A"}, **{d: [lo, hi] for d, lo, hi in ranges}}
    text = json.dumps(
        {
            "name": "x",
            "scale": scale,
            "rules": [rule],
            "fallback": {"code": "o", "labels": {"en": "O", "zh": "O"}},
        }
    )
    arr = [np.array([min(s, 255)], dtype=np.uint8) for s in scores]
    # InputError, or PyO3's conversion errors; a PanicException fails the test.
    with contextlib.suppress(ValueError, TypeError, OverflowError):
        compiled = CompiledScheme.from_json(text)
        compiled.cube()
        compiled.assign(*arr, levels)


# ------------------------------------------------------------------ issue 12 regressions


def rf10_reference(r, f):
    """The rf10 segment code of R and F scores on 5 levels, from the RF10 table above."""
    for code, ((r_lo, r_hi), (f_lo, f_hi)) in RF10.items():
        if r_lo <= r <= r_hi and f_lo <= f <= f_hi:
            return code
    raise AssertionError((r, f))


def score_frame(r, f=None, m=None):
    n = len(r)
    return pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "r_score": r,
            "f_score": [1] * n if f is None else f,
            "m_score": [1] * n if m is None else m,
        }
    )


@pytest.mark.parametrize(
    ("values", "error", "pattern"),
    [
        ([1.5, 2.0], InputError, r"'r_score' has an invalid value 1\.5 at row 0: scores are whole numbers"),
        ([2.0, 2.5], InputError, r"'r_score' has an invalid value 2\.5 at row 1"),
        ([1, 4.999], InputError, r"invalid value 4\.999 at row 1"),
        ([0, 1], InputError, r"invalid value 0 at row 0: scores must be between 1 and 5"),
        ([1, 6], InputError, r"invalid value 6 at row 1: scores must be between 1 and 5"),
        ([-1, 1], InputError, r"invalid value -1 at row 0"),
        ([1, 256], InputError, r"invalid value 256 at row 1"),
        ([1, 2**70], InputError, r"invalid value 1180591620717411303424 at row 1"),
        ([1.0, np.nan], InputError, r"'r_score' has a missing value \(NaN\) at row 1"),
        ([1.0, np.inf], InputError, r"'r_score' has an invalid value inf at row 1"),
        (["1", "2"], rfmkit.InputTypeError, r"'r_score' (must hold numbers|has '1' \(a str\) at row 0)"),
        ([1, "2"], rfmkit.InputTypeError, r"'r_score' has '2' \(a str\) at row 1"),
        ([True, False], rfmkit.InputTypeError, r"'r_score' must hold numbers, not bool: True at row 0"),
    ],
)
def test_segment_refuses_scores_that_are_not_whole_numbers_in_range(values, error, pattern):
    col = pd.Series(
        values,
        dtype=object
        if any(isinstance(v, str) for v in values) or any(isinstance(v, int) and v > 2**63 for v in values)
        else None,
    )
    t = score_frame(col)
    with pytest.raises(error, match=pattern):
        rfmkit.segment(t, "rf10", levels=5)


def test_whole_float_and_nullable_scores_are_accepted():
    r, f = [1, 2, 3, 4, 5, 5], [1, 3, 5, 4, 2, 1]
    want = [rf10_reference(a, b) for a, b in zip(r, f, strict=True)]
    for dtype in ["int64", "float64", "Int64", "uint8", "Float32", "int64[pyarrow]"]:
        t = score_frame(pd.Series(r, dtype=dtype), pd.Series(f, dtype=dtype))
        got = rfmkit.segment(t, "rf10", levels=5)
        assert got["segment_code"].astype(str).tolist() == want, dtype


@pytest.mark.parametrize(
    ("levels", "pattern"),
    [
        ([5, 5], r"levels must be an integer or three integers"),
        ([5, 5, 5, 5], r"three integers"),
        ([[5, 5, 5]], r"three integers"),
        (10**30, r"between 2 and 100, got 10{30}"),
        (-1, r"between 2 and 100, got -1"),
        (1.5, r"invalid levels: 1\.5"),
        ([5, 5, "5"], r"invalid levels: '5'"),
        (True, r"invalid levels: True"),
    ],
)
def test_bad_levels_are_rfmkit_errors(levels, pattern):
    with pytest.raises(InputError, match=pattern):
        rfmkit.segment(score_frame([1, 2]), "rf10", levels=levels)
    with pytest.raises(rfmkit.InputTypeError, match="levels must be"):
        rfmkit.segment(score_frame([1, 2]), "rf10", levels="5")


@pytest.mark.parametrize("kind", ["polars", "arrow"])
def test_segment_takes_polars_and_arrow(kind):
    import polars as pl
    import pyarrow as pa

    r, f = [1, 2, 3, 4, 5, 5, 3], [1, 3, 5, 4, 2, 1, 3]
    t = score_frame(r, f)
    data = pl.from_pandas(t) if kind == "polars" else pa.Table.from_pandas(t)
    got = rfmkit.segment(data, "rf10", levels=5, output="pandas")
    want = [rf10_reference(a, b) for a, b in zip(r, f, strict=True)]
    assert got["segment_code"].astype(str).tolist() == want
    actions = rfmkit.action_list(got)  # attrs name the scheme: rf10, not the default rfm11
    assert actions["segment_code"].tolist() == got["segment_code"].astype(str).tolist()
    # Without attrs (a polars table of the result) the labels name the scheme and language.
    zh = rfmkit.segment(data, "rf10", levels=5, lang="zh", output="pandas")
    back = rfmkit.action_list(
        pl.from_pandas(zh) if kind == "polars" else pa.Table.from_pandas(zh), output="pandas"
    )
    want = rfmkit.strategies("rf10", lang="zh").set_index("segment_code")
    assert back["next_action"].tolist() == [want.loc[c, "actions"][0] for c in back["segment_code"]]


@pytest.mark.parametrize("name", BUILTIN)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_action_list_follows_the_scheme_and_language_of_its_input(name, lang):
    t = score_frame([1, 2, 2, 1, 2], [2, 1, 2, 1, 2], [1, 2, 2, 2, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        seg = rfmkit.segment(t, name, levels=2, lang=lang)
    want = rfmkit.strategies(name, lang=lang).set_index("segment_code")
    for got in (rfmkit.action_list(seg), rfmkit.action_list(seg, name)):
        assert got["segment"].tolist() == seg["segment"].astype(str).tolist()
        assert got["next_action"].tolist() == [want.loc[c, "actions"][0] for c in got["segment_code"]]
        assert got["channel"].tolist() == [want.loc[c, "channels"][0] for c in got["segment_code"]]
    # An explicit language wins over the recorded one.
    other = "en" if lang == "zh" else "zh"
    flipped = rfmkit.action_list(seg, lang=other)
    other_want = rfmkit.strategies(name, lang=other).set_index("segment_code")
    assert flipped["offer"].tolist() == [other_want.loc[c, "offer"] for c in flipped["segment_code"]]


def test_action_list_on_a_custom_scheme_needs_that_scheme():
    t = score_frame([1, 2])
    spec = {
        "name": "own",
        "scale": 2,
        "rules": [{"code": "champions", "labels": {"en": "Top", "zh": "顶级"}, "r": [2, 2]}],
        "fallback": {"code": "other", "labels": {"en": "Rest", "zh": "其余"}},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)  # one customer in the fallback
        seg = rfmkit.segment(t, spec, levels=2)
    with pytest.raises(InputError, match="scheme 'own'.*not built in"):
        rfmkit.action_list(seg)
    assert rfmkit.action_list(seg, Scheme.from_dict(spec))["segment"].tolist() == ["Rest", "Top"]


ENTRY = {
    "description": "d",
    "goal": "g",
    "actions": ["Call them", "Write"],
    "channels": ["sms"],
    "cadence": "c",
    "offer": "o",
    "message": "m",
    "kpi": "k",
}


@pytest.mark.parametrize(
    ("change", "error", "pattern"),
    [
        ({"actions": "Call them"}, rfmkit.InputTypeError, r"'actions' must be a list of strings, not str"),
        ({"channels": "sms"}, rfmkit.InputTypeError, r"'channels' must be a list of strings, not str"),
        ({"actions": {"a": 1}}, rfmkit.InputTypeError, r"'actions' must be a list"),
        ({"actions": [1, 2]}, rfmkit.InputTypeError, r"'actions' must hold non-empty strings, got 1"),
        ({"actions": ["ok", ""]}, rfmkit.InputTypeError, r"non-empty strings, got ''"),
        ({"actions": []}, InputError, r"misses \['actions'\]"),
        ({"offer": 5}, rfmkit.InputTypeError, r"'offer' must be a string, not int"),
        ({"message": ["m"]}, rfmkit.InputTypeError, r"'message' must be a string, not list"),
        ({"kpi": None}, rfmkit.InputTypeError, r"'kpi' must be a string"),
        ({"goal": "   "}, InputError, r"'goal' is empty"),
        ({"colour": "red"}, InputError, r"unknown field\(s\) \['colour'\]"),
    ],
)
def test_strategy_tables_are_type_checked(change, error, pattern):
    spec = {
        "name": "own",
        "scale": 2,
        "rules": [{"code": "top", "labels": {"en": "Top", "zh": "顶级"}, "r": [2, 2]}],
        "fallback": {"code": "rest", "labels": {"en": "Rest", "zh": "其余"}},
        "strategies": {"top": {"en": {**ENTRY, **change}, "zh": ENTRY}},
    }
    with pytest.raises(error, match=pattern):
        Scheme.from_dict(spec)


def test_strategy_tables_must_be_mappings():
    base = {
        "name": "own",
        "scale": 2,
        "rules": [{"code": "top", "labels": {"en": "Top", "zh": "顶级"}, "r": [2, 2]}],
        "fallback": {"code": "rest", "labels": {"en": "Rest", "zh": "其余"}},
    }
    for table, pattern in [
        ([1], "strategies must map"),
        ({"top": "x"}, "must map 'en' and 'zh'"),
        ({"top": {"en": "x", "zh": ENTRY}}, r"\(en\) must be a mapping"),
    ]:
        with pytest.raises(rfmkit.InputTypeError, match=pattern):
            Scheme.from_dict({**base, "strategies": table})
    with pytest.raises(InputError, match="unknown language 'fr'"):
        Scheme.from_dict({**base, "strategies": {"top": {"en": ENTRY, "zh": ENTRY, "fr": ENTRY}}})
    # A valid table: action_list gives the first action, not its first letter.
    s = Scheme.from_dict(
        {**base, "strategies": {"top": {"en": ENTRY, "zh": ENTRY}, "rest": {"en": ENTRY, "zh": ENTRY}}}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)  # one customer in the fallback
        got = rfmkit.action_list(rfmkit.segment(score_frame([1, 2]), s, levels=2), s)
    assert got["next_action"].tolist() == ["Call them", "Call them"]


def test_fallback_code_may_not_be_a_rule_code():
    spec = {
        "name": "own",
        "scale": 2,
        "rules": [{"code": "top", "labels": {"en": "Top", "zh": "顶级"}, "r": [2, 2]}],
        "fallback": {"code": "top", "labels": {"en": "Top", "zh": "顶级"}},
    }
    with pytest.raises(InputError, match='fallback\'s code "top" is also the code of a rule'):
        Scheme.from_dict(spec)


@pytest.mark.parametrize("kind", ["json", "toml"])
def test_scheme_files_that_are_not_utf8(tmp_path, kind):
    path = tmp_path / f"scheme.{kind}"
    text = '{"name": "caf\u00e9"}' if kind == "json" else 'name = "caf\u00e9"'
    path.write_bytes(text.encode("latin-1"))
    load = Scheme.from_json if kind == "json" else Scheme.from_toml
    for source in (path, str(path)):
        with pytest.raises(InputError, match=r"is not UTF-8 text: byte 0xe9"):
            load(source)
    with pytest.raises(InputError, match="not UTF-8"):
        load(text.encode("latin-1"))
    with pytest.raises(rfmkit.InputTypeError, match="path or a text"):
        load(5)


def test_schemes_with_20000_rules_validate_and_segment_in_linear_time():
    import time

    n = 20_000
    rules = [
        {
            "code": f"c{i}",
            "labels": {"en": f"C{i}", "zh": f"C{i}"},
            "r": [1 + i % 5] * 2,
            "f": [1 + (i // 5) % 5] * 2,
            "m": [1 + (i // 25) % 5] * 2,
        }
        for i in range(n)
    ]
    spec = {
        "name": "big",
        "scale": 5,
        "rules": rules,
        "fallback": {"code": "other", "labels": {"en": "Other", "zh": "其他"}},
    }
    rng = np.random.default_rng(0)
    t = score_frame(*(rng.integers(1, 6, 50_000) for _ in range(3)))
    start = time.perf_counter()
    s = Scheme.from_dict(spec)
    got = rfmkit.segment(t, s, levels=5)
    cov = s.coverage()
    elapsed = time.perf_counter() - start
    assert elapsed < 5, elapsed  # quadratic validation took about 27 s
    # Reference: rule i is the single cell i (mod 125); the first of them wins.
    r, f, m = (t[c].to_numpy() for c in ("r_score", "f_score", "m_score"))
    first = (r - 1) + 5 * (f - 1) + 25 * (m - 1)
    assert got["segment_code"].astype(str).tolist() == [f"c{i}" for i in first]
    assert len(cov.shadowed) == n - 125 and cov.total
