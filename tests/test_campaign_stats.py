"""The statistics of campaign_report's A/B rows (issue 16): Newcombe's interval of the
difference of the rates, the z-test only where every expected count is at least 5 and
Fisher's exact test otherwise, the note and warning for cells too small, and format_campaign.

References: an independent Newcombe / Wilson written out below with Python floats from the
formulas of Newcombe (1998), the published worked examples of that paper, scipy's
fisher_exact and expected_freq, and the z-test written out from its formula.
"""

from __future__ import annotations

import math
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import rfmkit
from rfmkit import InputError, RFMWarning
from rfmkit.analysis import format_campaign
from rfmkit.analysis.stats import (
    fisher_p_values,
    newcombe_interval,
    pooled_z_p_values,
    wilson_interval,
    z_test_is_valid,
)

stats = pytest.importorskip("scipy.stats")

Z = 1.959963984540054  # the 97.5% normal quantile, as printed in tables


# --------------------------------------------------------------------------- references


def wilson_ref(x: int, n: int) -> tuple[float, float]:
    """Newcombe (1998a), method 3, in the p-form: (2np + z² ± z·sqrt(z² + 4np(1-p))) / 2(n + z²)."""
    p = x / n
    root = Z * math.sqrt(Z * Z + 4 * n * p * (1 - p))
    return (2 * n * p + Z * Z - root) / (2 * (n + Z * Z)), (2 * n * p + Z * Z + root) / (2 * (n + Z * Z))


def newcombe_ref(x1: int, n1: int, x0: int, n0: int) -> tuple[float, float, float]:
    """Newcombe (1998b), method 10: d - delta, d + epsilon from the two Wilson intervals."""
    p1, p0 = x1 / n1, x0 / n0
    l1, u1 = wilson_ref(x1, n1)
    l0, u0 = wilson_ref(x0, n0)
    d = p1 - p0
    return d, d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)


def z_ref(x1: int, n1: int, x0: int, n0: int) -> float:
    p = (x1 + x0) / (n1 + n0)
    z = (x1 / n1 - x0 / n0) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n0))
    return 2 * stats.norm.sf(abs(z))


def fisher_ref(x1: int, n1: int, x0: int, n0: int) -> float:
    return float(stats.fisher_exact([[x1, n1 - x1], [x0, n0 - x0]]).pvalue)


def min_expected(x1: int, n1: int, x0: int, n0: int) -> float:
    return float(stats.contingency.expected_freq([[x1, n1 - x1], [x0, n0 - x0]]).min())


# --------------------------------------------------------------------------- the interval

# Newcombe (1998b), table II, method 10 (score interval, no continuity correction), the eight
# examples (a)-(h) to four decimals. They also agree with statsmodels'
# confint_proportions_2indep(method="newcomb") (checked when this test was written).
NEWCOMBE_TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("cell", "published"), NEWCOMBE_TABLE_II)
def test_newcombe_published_examples(cell, published):
    low, high = newcombe_interval(*([v] for v in cell))
    assert (round(float(low[0]), 4), round(float(high[0]), 4)) == published
    d, ref_low, ref_high = newcombe_ref(*cell)
    assert (low[0], high[0]) == pytest.approx((ref_low, ref_high), abs=1e-12)
    assert d == pytest.approx(cell[0] / cell[1] - cell[2] / cell[3])


def test_wilson_published_examples():
    # Newcombe (1998a), table I, method 3: 81/263, 15/148, 0/20, 1/29.
    got = wilson_interval([81, 15, 0, 1], [263, 148, 20, 29])
    want = [(0.2553, 0.3662), (0.0624, 0.1605), (0.0, 0.1611), (0.0061, 0.1718)]
    assert [(round(float(a), 4), round(float(b), 4)) for a, b in zip(*got, strict=True)] == want


def test_newcombe_vectorised_against_floats():
    rng = np.random.default_rng(16)
    n1 = rng.integers(1, 400, 300)
    n0 = rng.integers(1, 400, 300)
    x1 = rng.integers(0, n1 + 1)
    x0 = rng.integers(0, n0 + 1)
    # the edges: no responders, all responders, one customer
    x1[:4], n1[:4], x0[:4], n0[:4] = [0, 7, 1, 0], [7, 7, 1, 1], [0, 5, 0, 1], [5, 5, 1, 1]
    low, high = newcombe_interval(x1, n1, x0, n0)
    want = np.array(
        [newcombe_ref(*v)[1:] for v in zip(x1.tolist(), n1.tolist(), x0.tolist(), n0.tolist(), strict=True)]
    )
    np.testing.assert_allclose(low, want[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(high, want[:, 1], rtol=0, atol=1e-12)
    assert (low >= -1).all() and (high <= 1).all() and (high > low).all()


def test_empty_arms_give_nan_quietly():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning of a division by zero
        low, high = newcombe_interval([0, 3, 0], [0, 5, 0], [2, 0, 0], [4, 0, 0])
        p = pooled_z_p_values([0, 3, 0], [0, 5, 0], [2, 0, 0], [4, 0, 0])
        f = fisher_p_values([0, 3, 0], [0, 5, 0], [2, 0, 0], [4, 0, 0])
        w = wilson_interval([0], [0])
    for values in (low, high, p, f, *w):
        assert np.isnan(values).all()


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize(
    "cell",
    [(30, 100, 20, 100), (1, 16, 0, 3), (12, 334, 0, 102), (5, 10, 5, 10), (4, 10, 5, 10), (0, 50, 0, 60)],
)
def test_z_test_rule_against_scipy_expected_counts(cell):
    assert bool(z_test_is_valid(*([v] for v in cell))[0]) == (min_expected(*cell) >= 5)


def test_p_values_against_scipy():
    rng = np.random.default_rng(3)
    n1, n0 = rng.integers(1, 60, 200), rng.integers(1, 60, 200)
    x1, x0 = rng.integers(0, n1 + 1), rng.integers(0, n0 + 1)
    cells = list(zip(x1.tolist(), n1.tolist(), x0.tolist(), n0.tolist(), strict=True))
    np.testing.assert_allclose(fisher_p_values(x1, n1, x0, n0), [fisher_ref(*c) for c in cells], rtol=1e-12)
    z = pooled_z_p_values(x1, n1, x0, n0)
    for got, c in zip(z, cells, strict=True):
        if c[0] + c[2] in (0, c[1] + c[3]):
            assert np.isnan(got)
        else:
            assert got == pytest.approx(z_ref(*c), rel=1e-9)


# --------------------------------------------------------------------------- campaign_report

CELLS = {  # segment: (treated responders, treated, control responders, control)
    "big": (30, 100, 20, 100),
    "issue_a": (1, 16, 0, 3),  # z p 0.66, Fisher 1.0
    "issue_b": (12, 334, 0, 102),  # z p 0.052, Fisher 0.077
    "nobody": (0, 20, 0, 15),
    "everybody": (12, 12, 11, 11),
    "no_control": (5, 10, 0, 0),
    "no_treated": (0, 0, 3, 10),
    "empty": (0, 0, 0, 0),
}


def build(cells: dict[str, tuple[int, int, int, int]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    segment, treat, responded = [], [], []
    for name, (x1, n1, x0, n0) in cells.items():
        for arm, x, n in ((True, x1, n1), (False, x0, n0)):
            segment += [name] * n
            treat += [arm] * n
            responded += [True] * x + [False] * (n - x)
    ids = np.arange(1, len(segment) + 1)
    segmented = pd.DataFrame(
        {"customer_id": ids, "segment": pd.Categorical(segment, categories=list(cells), ordered=True)}
    )
    responses = pd.DataFrame({"customer_id": ids, "responded": responded, "treatment": treat})
    return segmented, responses


def report_of(cells: dict[str, tuple[int, int, int, int]]) -> pd.DataFrame:
    segmented, responses = build(cells)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        return rfmkit.campaign_report(segmented, responses, contacted=None, treatment="treatment")


def test_campaign_report_statistics_per_segment_and_overall():
    r = report_of(CELLS).set_index("segment")
    totals = tuple(sum(c[i] for c in CELLS.values()) for i in range(4))
    for name, (x1, n1, x0, n0) in [*CELLS.items(), ("All", totals)]:
        row = r.loc[name]
        assert (row["treated"], row["control"]) == (n1, n0)
        if n1 == 0 or n0 == 0:
            assert row["test"] == ""
            undefined = row[["difference", "difference_low", "difference_high", "p_value"]].astype(float)
            assert np.isnan(undefined).all()
            continue
        d, low, high = newcombe_ref(x1, n1, x0, n0)
        assert row["difference"] == pytest.approx(d, abs=1e-15)
        assert (row["difference_low"], row["difference_high"]) == pytest.approx((low, high), abs=1e-12)
        assert row["difference"] == pytest.approx(row["treated_rate"] - row["control_rate"], abs=1e-15)
        if min_expected(x1, n1, x0, n0) >= 5:
            assert row["test"] == "z"
            assert row["p_value"] == pytest.approx(z_ref(x1, n1, x0, n0), rel=1e-9)
        else:
            assert row["test"] == "fisher"
            assert row["p_value"] == pytest.approx(fisher_ref(x1, n1, x0, n0), rel=1e-12)


def test_the_issue_examples():
    r = report_of(CELLS).set_index("segment")
    # what the pooled z-test said, and what the report says now
    assert round(z_ref(1, 16, 0, 3), 2) == 0.66 and r.loc["issue_a", "p_value"] == 1.0
    assert round(z_ref(12, 334, 0, 102), 3) == 0.052
    assert round(r.loc["issue_b", "p_value"], 3) == 0.077 and r.loc["issue_b", "test"] == "fisher"
    assert r.loc["big", "test"] == "z"


def test_notes_and_warning_name_the_small_cells():
    segmented, responses = build(CELLS)
    with pytest.warns(RFMWarning, match="too little data to compare treated and control") as caught:
        r = rfmkit.campaign_report(segmented, responses, contacted=None, treatment="treatment")
    message = str(caught[0].message)
    notes = dict(zip(r["segment"].astype(str), r["note"], strict=True))
    assert notes == {
        "big": "",
        "issue_a": "too small: 16 treated, 3 control, fewer than 10 in an arm",
        "issue_b": "",
        "nobody": "no responders in either arm",
        "everybody": "everyone responded",
        "no_control": "no control group",
        "no_treated": "no treated customers",
        "empty": "no customers",
        "All": "",
    }
    named = {name for name, note in notes.items() if note not in ("", "no customers")}
    assert {n for n in notes if f"'{n}'" in message} == named


def test_no_warning_when_every_cell_is_large():
    segmented, responses = build({"a": (30, 100, 20, 100), "b": (50, 200, 40, 210)})
    # pytest turns any warning into an error: none is raised
    r = rfmkit.campaign_report(segmented, responses, contacted=None, treatment="treatment")
    assert r["test"].tolist() == ["z", "z", "z"] and r["note"].tolist() == ["", "", ""]


def test_expected_count_boundary():
    # 10 vs 10 with 10 responders: every expected count is exactly 5, the z-test; with 9, 4.5.
    r = report_of({"five": (5, 10, 5, 10), "under": (4, 10, 5, 10)}).set_index("segment")
    assert min_expected(5, 10, 5, 10) == 5 and min_expected(4, 10, 5, 10) < 5
    assert r.loc["five", "test"] == "z" and r.loc["under", "test"] == "fisher"


def test_without_scipy(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy.stats", None)  # `import scipy.stats` now fails
    segmented, responses = build({"a": (30, 100, 20, 100)})
    r = rfmkit.campaign_report(segmented, responses, contacted=None, treatment="treatment")
    assert r["test"].tolist() == ["z", "z"]  # no exact test needed, no scipy needed
    segmented, responses = build({"a": (1, 16, 0, 3)})
    with pytest.raises(ImportError, match=r"pip install 'rfmkit\[stats\]'"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        rfmkit.campaign_report(segmented, responses, contacted=None, treatment="treatment")


# --------------------------------------------------------------------------- display


def test_format_campaign():
    r = report_of({"a": (30, 100, 20, 100), "b": (1, 16, 0, 3), "c": (0, 0, 0, 0)})
    shown = format_campaign(r)
    assert shown.index.tolist() == ["a", "b", "c", "All"]
    a = shown.loc["a"]
    d, low, high = newcombe_ref(30, 100, 20, 100)
    assert a["treated rate"] == "30.0%" and a["control rate"] == "20.0%" and a["lift"] == "+50.0%"
    assert a["difference (95% CI)"] == f"+10.0 pts ({100 * low:+.1f} to {100 * high:+.1f})"
    assert a["p-value"] == f"{z_ref(30, 100, 20, 100):.3f}" and a["test"] == "z"
    b = shown.loc["b"]
    assert b["test"] == "Fisher" and b["p-value"] == "1.000" and b["lift"] == ""  # control rate 0
    assert b["note"].startswith("too small")
    c = shown.loc["c"]
    assert c[["response rate", "difference (95% CI)", "test", "p-value"]].tolist() == ["", "", "", ""]
    assert shown.map(lambda v: isinstance(v, str) and v.isascii()).all().all()
    assert "<table" in shown._repr_html_() and "30.0%" in shown._repr_html_()


def test_format_campaign_tiny_p_and_no_treatment():
    r = report_of({"a": (300, 1000, 100, 1000)})
    assert format_campaign(r).loc["a", "p-value"] == "<0.001"
    segmented, responses = build({"a": (3, 10, 2, 10)})
    plain = rfmkit.campaign_report(segmented, responses.drop(columns="treatment"), contacted=None)
    shown = format_campaign(plain)
    assert shown.columns.tolist() == ["contacted", "responders", "response rate"]
    assert shown.loc["a"].tolist() == ["20", "5", "25.0%"]
    with pytest.raises(InputError, match=r"report misses column\(s\) \['responders'.*rfmkit.campaign_report"):
        format_campaign(pd.DataFrame({"segment": ["a"], "contacted": [1]}))
