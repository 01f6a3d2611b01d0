"""How results show in notebooks: percentages and money formatted, counts and shares in
Migration, plurals right ("1 rule", "2 rules"), the segment summary as a Styler that leaves the
DataFrame alone. Expected texts are formatted here from the numbers, with Python's own format."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest
import rfmkit


def segmented(tx, as_of):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rfmkit.RFMWarning)
        return rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx, as_of=as_of)), "tiers4")


@pytest.fixture(scope="module")
def moves():
    tx = rfmkit.datasets.make_transactions(3_000, 300, seed=2)
    return rfmkit.migration(segmented(tx, "2024-09-30"), segmented(tx, "2024-12-31"))


def test_migration_html_has_counts_and_shares(moves):
    html = moves._repr_html_()
    counts = moves.counts
    both = pd.crosstab(
        moves.customers["segment_before"], moves.customers["segment_after"], dropna=False
    ).reindex(index=counts.index, columns=counts.columns, fill_value=0)
    for before in counts.index:
        row_total = both.loc[before].sum()
        for after in counts.columns:
            n = both.loc[before, after]
            if n:
                assert f"{n:,} ({n / row_total:.1%})" in html, (before, after)
    assert not re.search(r"\d\.\d{4,}", html)  # no raw fractions
    assert f"Migration of {len(moves.customers):,} customers" in html
    assert "customer(s)" not in html + repr(moves)


def test_plurals():
    one = rfmkit.Scheme.from_dict(
        {
            "name": "one",
            "scale": 2,
            "rules": [{"code": "best", "labels": {"en": "Best", "zh": "最佳"}, "r": [2, 2], "m": [2, 2]}],
            "fallback": {"code": "rest", "labels": {"en": "Rest", "zh": "其他"}},
        }
    )
    assert "1 rule, 2 segments" in repr(one) and "1 rules" not in repr(one)
    two = rfmkit.Scheme.builtin("tiers4")
    assert f"{len(two.spec['rules'])} rules" in repr(two)
    cov = one.coverage()
    assert repr(cov).startswith("Coverage of 8 cells: 6 cells fall to the fallback (75.0%), no shadowed rule")
    html = cov._repr_html_()
    assert '<td class="num">6</td><td class="num">75.0%</td>' in html
    assert '<td class="num">2</td><td class="num">25.0%</td>' in html
    shadowing = rfmkit.Scheme.from_dict(
        {
            "name": "shadow",
            "scale": 2,
            "rules": [
                {"code": "all", "labels": {"en": "All", "zh": "全部"}},
                {"code": "never", "labels": {"en": "Never", "zh": "从不"}, "r": [2, 2]},
            ],
            "fallback": {"code": "rest", "labels": {"en": "Rest", "zh": "其他"}},
        }
    )
    assert "1 shadowed rule [1]" in repr(shadowing.coverage())


def test_style_summary_formats_without_changing_the_frame():
    tx = rfmkit.datasets.make_transactions(3_000, 400, seed=3)
    summary = rfmkit.segment_summary(segmented(tx, "2024-12-31"))
    before = summary.copy()
    html = rfmkit.style_summary(summary).to_html()
    pd.testing.assert_frame_equal(summary, before)
    for _, row in summary.iterrows():
        assert f"{row['customer_share']:.1%}" in html
        assert f"{row['revenue']:,.2f}" in html
    assert not re.search(r"0\.\d{5}", html)  # no raw fraction such as 0.25650
    with pytest.raises(rfmkit.InputTypeError, match="summary must be a pandas DataFrame"):
        rfmkit.style_summary(summary.to_dict())
