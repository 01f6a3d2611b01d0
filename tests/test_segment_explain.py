"""Why a customer is in a segment (issue 13): Scheme.explain and
segment(..., explain=True), against a first-match re-implementation written
here over the rules as the TOML files of the built-in schemes hold them."""

from __future__ import annotations

import itertools
import re
import sys
import warnings
from importlib import resources

import numpy as np
import pandas as pd
import pytest
import rfmkit
from rfmkit import InputError, InputTypeError, RFMWarning, Scheme
from rfmkit.segments.builtin import builtin_names

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DIMS = ("r", "f", "m", "fm")


def _spec(name: str) -> dict:
    path = resources.files("rfmkit.segments").joinpath("data", f"{name}.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _reference(spec: dict, r: int, f: int, m: int) -> int:
    """The first rule whose ranges all hold (len(rules): the fallback)."""
    values = {"r": r, "f": f, "m": m, "fm": -(-(f + m) // 2)}
    for i, rule in enumerate(spec["rules"]):
        if all(rule[d][0] <= values[d] <= rule[d][1] for d in DIMS if d in rule):
            return i
    return len(spec["rules"])


def _text(rule: dict | None) -> str:
    """The documented segment_ranges format, written again."""
    if rule is None:
        return "no rule matched"
    parts = []
    for d in DIMS:
        if d in rule:
            lo, hi = rule[d]
            parts.append(f"{d} {lo}" if lo == hi else f"{d} {lo}-{hi}")
    return ", ".join(parts) if parts else "any scores"


def _cells(levels: tuple[int, int, int]) -> pd.DataFrame:
    grid = list(itertools.product(*(range(1, k + 1) for k in levels)))
    return pd.DataFrame(grid, columns=["r_score", "f_score", "m_score"]).assign(
        customer_id=lambda d: np.arange(len(d))
    )


def _segment(frame: pd.DataFrame, scheme, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)  # fallback cells
        return rfmkit.segment(frame, scheme, explain=True, **kwargs)


@pytest.mark.parametrize("name", builtin_names())
def test_every_cell_of_every_builtin_scheme(name):
    spec = _spec(name)
    scheme = Scheme.builtin(name)
    s = spec["scale"]
    cells = _cells((s, s, s))
    got = _segment(cells, scheme, levels=s)
    n = len(spec["rules"])
    for row, (r, f, m) in enumerate(cells[["r_score", "f_score", "m_score"]].itertuples(index=False)):
        i = _reference(spec, r, f, m)
        rule = spec["rules"][i] if i < n else None
        item = rule or spec["fallback"]
        e = scheme.explain(r, f, m)
        assert e.cell == (r, f, m) and e.scores == (r, f, m) and e.levels == (s, s, s)
        assert e.fm == -(-(f + m) // 2)
        assert e.rule == (i if rule else -1)
        assert e.matched == (rule is not None)
        assert e.segment_code == item["code"]
        assert e.label == item["labels"]["en"] and e.labels["zh"] == item["labels"]["zh"]
        assert e.ranges == ({d: tuple(rule[d]) for d in DIMS if d in rule} if rule else {})
        assert e.segment_rule == (f"rule {i}: {item['code']}" if rule else f"fallback: {item['code']}")
        assert e.segment_ranges == _text(rule)
        assert item["code"] in str(e)
        # segment(..., explain=True) says the same for the customer in that cell.
        assert got["segment_code"].iloc[row] == item["code"]
        assert got["segment_rule"].iloc[row] == e.segment_rule
        assert got["segment_ranges"].iloc[row] == e.segment_ranges


@pytest.mark.parametrize("name", builtin_names())
@pytest.mark.parametrize("levels", [(3, 7, 10), (12, 2, 5)])
def test_rescaled_scores(name, levels):
    spec = _spec(name)
    scheme = Scheme.builtin(name)
    s = spec["scale"]
    cells = _cells(levels)
    got = _segment(cells, scheme, levels=levels)
    for row, (r, f, m) in enumerate(cells[["r_score", "f_score", "m_score"]].itertuples(index=False)):
        cell = tuple(int(np.floor((v - 1) * s / k)) + 1 for v, k in zip((r, f, m), levels, strict=True))
        e = scheme.explain(r, f, m, levels=levels)
        assert e.cell == cell and e.scores == (r, f, m) and e.levels == levels
        i = _reference(spec, *cell)
        assert e.segment_rule == got["segment_rule"].iloc[row]
        assert e.segment_ranges == got["segment_ranges"].iloc[row]
        assert e.segment_code == (spec["rules"][i] if i < len(spec["rules"]) else spec["fallback"])["code"]


def test_explain_on_scored_data_and_new_customers():
    tx = rfmkit.datasets.make_transactions(3_000, 500, seed=2)
    table = rfmkit.rfm_table(tx, as_of="2024-12-31")
    scored = rfmkit.score(table, bins=4, method="ntile")
    plain = rfmkit.segment(scored, "rf10", new_customer_days=60)
    got = rfmkit.segment(scored, "rf10", new_customer_days=60, explain=True)
    # explain adds two columns and changes nothing else.
    pd.testing.assert_frame_equal(got.drop(columns=["segment_rule", "segment_ranges"]), plain)
    age = (pd.Timestamp("2024-12-31") - table["first_purchase"].dt.normalize()).dt.days
    new = (age <= 60).to_numpy()
    assert new.any() and (~new).any()
    assert (got["segment_rule"][new] == "new").all()
    assert (got["segment_ranges"][new] == "first purchase at most 60 days before as_of").all()
    scheme = Scheme.builtin("rf10")
    for row in np.flatnonzero(~new)[:200]:
        e = scheme.explain(*(int(scored[c].iloc[row]) for c in ("r_score", "f_score", "m_score")), levels=4)
        assert got["segment_rule"].iloc[row] == e.segment_rule
        assert got["segment_code"].iloc[row] == e.segment_code
    assert "segment_rule" not in rfmkit.segment(scored, "rf10").columns


CODES = {
    "Premium": ["444", "443", "344", "343"],
    "Lapsed": ["111", "112", "121"],
    "Single": ["234"],
}


def test_explain_on_a_from_codes_scheme():
    scheme = Scheme.from_codes(CODES, fallback="Other", levels=4)
    got = _segment(_cells((4, 4, 4)), scheme, levels=4)
    for row, (r, f, m) in enumerate(itertools.product(range(1, 5), repeat=3)):
        code = f"{r}{f}{m}"
        owner = next((name for name, codes in CODES.items() if code in codes), None)
        e = scheme.explain(r, f, m)
        if owner is None:
            assert e.segment_code == "other" and not e.matched
            assert e.listed == f"code {code} is in no list"
            assert e.segment_ranges == "no rule matched"
        else:
            assert e.label == owner and e.matched
            assert e.listed == f"code {code} is in the list of {owner}"
            # The rule's ranges hold the cell.
            assert all(lo <= v <= hi for v, (lo, hi) in zip((r, f, m), e.ranges.values(), strict=True))
        assert code in str(e)
        assert got["segment_rule"].iloc[row] == e.segment_rule
        assert got["segment_ranges"].iloc[row] == e.segment_ranges
    # Rescaled from 8 levels: the code is the cell's on the scheme's scale.
    assert scheme.explain(8, 8, 6, levels=8).listed == "code 443 is in the list of Premium"


@pytest.mark.parametrize("name", builtin_names())
def test_html_shows_the_fallback_row(name):
    spec = _spec(name)
    html = Scheme.builtin(name)._repr_html_()
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    cells = [re.findall(r"<td>(.*?)</td>", row, flags=re.S) for row in rows]
    cells = [c for c in cells if c]  # the header row has <th>
    assert len(cells) == len(spec["rules"]) + 1
    fb = spec["fallback"]
    assert cells[-1][:4] == ["fallback", fb["code"], fb["labels"]["en"], fb["labels"]["zh"]]
    assert [c[1] for c in cells[:-1]] == [r["code"] for r in spec["rules"]]


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((0, 1, 1), {}, InputError, r"invalid r score 0"),
        ((1, 6, 1), {}, InputError, r"invalid f score 6: .*between 1 and 5"),
        ((1, 1, 2.5), {}, InputError, r"invalid m score 2.5"),
        ((1, 1, float("nan")), {}, InputError, r"invalid m score nan"),
        ((11, 1, 1), {"levels": 10}, InputError, r"invalid r score 11: .*between 1 and 10"),
        (("3", 1, 1), {}, InputTypeError, r"r must be a whole number.*'3'"),
        ((True, 1, 1), {}, InputTypeError, r"r must be a whole number.*True"),
        ((None, 1, 1), {}, InputTypeError, r"r must be a whole number.*None"),
        ((1, 1, 1), {"levels": 1}, InputError, r"invalid levels.*got 1"),
        ((1, 1, 1), {"levels": (5, 5)}, InputError, r"levels must be an integer or three"),
        ((1, 1, 1), {"levels": "5"}, InputTypeError, r"levels must be"),
    ],
)
def test_invalid_scores_name_the_value(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        Scheme.builtin("rfm11").explain(*args, **kwargs)


def test_whole_floats_and_numpy_integers_are_scores():
    scheme = Scheme.builtin("rfm11")
    assert scheme.explain(np.int64(5), 4.0, np.uint8(5)) == scheme.explain(5, 4, 5)


def test_explain_must_be_a_bool():
    scored = rfmkit.score(
        rfmkit.rfm_table(rfmkit.datasets.make_transactions(500, 100, seed=1)), method="ntile"
    )
    with pytest.raises(InputTypeError, match="explain must be True or False"):
        rfmkit.segment(scored, explain="yes")
