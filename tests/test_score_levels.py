"""The score levels recorded in rfm_score itself (issue 13): segment() needs no
levels= after a merge, with attrs cleared, after Parquet, Arrow and polars.

The reference categories are built here from the integer scores with plain
Python; the reference segments are segment() given the levels explicitly."""

from __future__ import annotations

import warnings

import pandas as pd
import pyarrow as pa
import pytest
import rfmkit
from rfmkit import InputError, RFMWarning

SCHEMES = ("rfm11", "rf10", "crm4")


@pytest.fixture(autouse=True)
def _quiet():
    # Coinciding cut points and fallback customers warn; neither is what is tested here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        yield


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return rfmkit.rfm_table(rfmkit.datasets.make_transactions(6_000, 900, seed=13), as_of="2024-12-31")


def _scorer(table: pd.DataFrame) -> pd.DataFrame:
    from rfmkit import RFMScorer

    return RFMScorer(bins=4).fit(table.iloc[: len(table) // 2]).score_table(table)


# name -> (how to score, the levels of R, F and M)
CASES = {
    "bins2": (lambda t: rfmkit.score(t, bins=2), (2, 2, 2)),
    "bins3": (lambda t: rfmkit.score(t, bins=3), (3, 3, 3)),
    "bins5": (lambda t: rfmkit.score(t), (5, 5, 5)),
    "bins10": (lambda t: rfmkit.score(t, bins=10), (10, 10, 10)),
    "bins12": (lambda t: rfmkit.score(t, bins=12), (12, 12, 12)),
    "mixed535": (lambda t: rfmkit.score(t, bins={"recency": 5, "frequency": 3, "monetary": 5}), (5, 3, 5)),
    "mixed5_3_12": (
        lambda t: rfmkit.score(t, bins={"recency": 5, "frequency": 3, "monetary": 12}),
        (5, 3, 12),
    ),
    "ntile": (lambda t: rfmkit.score(t, bins=4, method="ntile"), (4, 4, 4)),
    "thresholds": (
        lambda t: rfmkit.score(
            t, thresholds={"recency": [30, 90, 365], "frequency": [2, 5], "monetary": [100, 1000]}
        ),
        (4, 3, 3),
    ),
    "scorer": (_scorer, (4, 4, 4)),
}


def _code(r: int, f: int, m: int, dashed: bool) -> str:
    return f"{r}-{f}-{m}" if dashed else f"{r}{f}{m}"


def _expected_categories(scored: pd.DataFrame, levels: tuple[int, int, int]) -> list[str]:
    dashed = max(levels) >= 10
    cells = set(zip(scored["r_score"], scored["f_score"], scored["m_score"], strict=True))
    cells |= {(1, 1, 1), tuple(levels)}
    return [_code(int(r), int(f), int(m), dashed) for r, f, m in sorted(cells)]


def _same_segments(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    assert got["segment_code"].astype(str).tolist() == want["segment_code"].astype(str).tolist()
    assert got["segment"].astype(str).tolist() == want["segment"].astype(str).tolist()


@pytest.mark.parametrize("case", list(CASES))
def test_rfm_score_is_ordered_with_lowest_and_top_codes(table, case):
    make, levels = CASES[case]
    scored = make(table)
    codes = scored["rfm_score"]
    assert isinstance(codes.dtype, pd.CategoricalDtype) and codes.dtype.ordered
    assert list(codes.cat.categories) == _expected_categories(scored, levels)
    dashed = max(levels) >= 10
    want = [
        _code(r, f, m, dashed) for r, f, m in zip(scored.r_score, scored.f_score, scored.m_score, strict=True)
    ]
    assert codes.astype(str).tolist() == want
    # The scores themselves stay integers for arithmetic.
    assert all(scored[c].dtype == "int64" for c in ("r_score", "f_score", "m_score"))


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("scheme", SCHEMES)
def test_merge_then_segment_needs_no_levels(table, case, scheme):
    make, levels = CASES[case]
    scored = make(table)
    want = rfmkit.segment(scored, scheme, levels=levels)
    _same_segments(rfmkit.segment(scored, scheme), want)  # attrs
    extra = pd.DataFrame({"customer_id": scored["customer_id"], "region": "north"})
    merged = scored.merge(extra, on="customer_id")
    assert not merged.attrs.get("score_edges")  # pandas' merge drops attrs
    _same_segments(rfmkit.segment(merged, scheme), want)


@pytest.mark.parametrize("case", ["bins5", "bins12", "mixed535", "thresholds"])
def test_attrs_cleared(table, case):
    make, levels = CASES[case]
    scored = make(table)
    want = rfmkit.segment(scored, levels=levels)
    bare = scored.copy()
    bare.attrs = {}
    _same_segments(rfmkit.segment(bare), want)


@pytest.mark.parametrize("case", ["bins5", "bins12", "mixed5_3_12"])
def test_parquet_round_trip(table, case, tmp_path):
    make, levels = CASES[case]
    scored = make(table)
    want = rfmkit.segment(scored, levels=levels)
    scored.to_parquet(tmp_path / "s.parquet")
    back = pd.read_parquet(tmp_path / "s.parquet")
    _same_segments(rfmkit.segment(back), want)
    back.attrs = {}
    _same_segments(rfmkit.segment(back), want)


@pytest.mark.parametrize("case", ["bins5", "bins12", "mixed535"])
def test_through_a_pyarrow_table(table, case):
    make, levels = CASES[case]
    scored = make(table)
    want = rfmkit.segment(scored, levels=levels)
    arrow = pa.Table.from_pandas(scored)
    _same_segments(rfmkit.segment(arrow), want)
    # Without any metadata (no attrs, no pandas schema): the Arrow dictionary alone.
    bare = arrow.replace_schema_metadata(None)
    assert pa.types.is_dictionary(bare.schema.field("rfm_score").type)
    _same_segments(rfmkit.segment(bare), want)


@pytest.mark.parametrize("case", ["bins5", "bins12", "mixed535", "thresholds"])
def test_through_polars(table, case):
    pl = pytest.importorskip("polars")
    make, levels = CASES[case]
    scored = make(table)
    want = rfmkit.segment(scored, levels=levels)
    # rfmkit's polars output turns pandas categoricals into Enums of the same categories.
    categories = scored["rfm_score"].cat.categories.tolist()
    frame = pl.from_pandas(scored, schema_overrides={"rfm_score": pl.Enum(categories)})
    _same_segments(rfmkit.segment(frame, output="pandas"), want)
    # ... and back to pandas, as a categorical or as an Arrow dictionary.
    _same_segments(rfmkit.segment(frame.to_pandas()), want)
    _same_segments(rfmkit.segment(frame.to_pandas(use_pyarrow_extension_array=True)), want)
    # A polars Categorical keeps only the codes present: the levels are not
    # guessed from them; the error says what to pass.
    lossy = pl.from_pandas(scored)
    with pytest.raises(InputError, match=r"levels=.*Enum"):
        rfmkit.segment(lossy)
    _same_segments(rfmkit.segment(lossy, levels=levels, output="pandas"), want)


def test_top_level_unused_in_the_data(table):
    # No customer reaches the top monetary score (a cut point above every value),
    # nor the top frequency score, while the lower ones are used.
    top = float(table["monetary"].max()) * 10
    scored = rfmkit.score(
        table,
        bins={"recency": 5},
        thresholds={"frequency": [2, 1e6], "monetary": [float(table["monetary"].median()), top]},
    )
    assert scored["m_score"].max() == 2 and scored["f_score"].max() == 2
    assert scored["rfm_score"].cat.categories[-1] == "533"
    want = rfmkit.segment(scored, levels=(5, 3, 3))
    merged = scored.merge(table[["customer_id"]].assign(x=1), on="customer_id")
    _same_segments(rfmkit.segment(merged), want)
    # Levels guessed from the scores present would rescale F and M differently.
    guessed = rfmkit.segment(scored, levels=(5, 2, 2))
    assert (guessed["segment_code"] != want["segment_code"]).any()


def test_score_by_groups_follows_the_convention():
    tx = rfmkit.datasets.make_transactions(4_000, 600, seed=5, channels=True)
    scored = rfmkit.score(rfmkit.rfm_table(tx, by="channel"), bins=4)
    assert scored["rfm_score"].dtype.ordered
    assert list(scored["rfm_score"].cat.categories) == _expected_categories(scored, (4, 4, 4))
    want = rfmkit.segment(scored, levels=4)
    bare = scored.copy()
    bare.attrs = {}
    _same_segments(rfmkit.segment(bare), want)


def test_empty_table_records_the_levels(table):
    scored = rfmkit.score(table.iloc[:0], bins={"recency": 3, "frequency": 4, "monetary": 2})
    assert list(scored["rfm_score"].cat.categories) == ["111", "342"]
    bare = scored.copy()
    bare.attrs = {}
    assert len(rfmkit.segment(bare)) == 0


def test_plain_string_codes_and_no_attrs_is_a_clear_error(table):
    scored = rfmkit.score(table)
    plain = scored.assign(rfm_score=scored["rfm_score"].astype(str))
    plain.attrs = {}
    with pytest.raises(InputError, match=r"levels is unknown: pass levels=") as info:
        rfmkit.segment(plain)
    assert "rfm_score" in str(info.value)
    no_codes = plain.drop(columns="rfm_score")
    with pytest.raises(InputError, match=r"pass levels="):
        rfmkit.segment(no_codes)
    # With levels given, plain strings are fine.
    _same_segments(rfmkit.segment(plain, levels=5), rfmkit.segment(scored))


@pytest.mark.parametrize(
    ("categories", "ordered", "match"),
    [
        (["111", "232", "banana"], True, r"last category 'banana'"),
        (["111", "232", "5-5-5"], True, r"last category '5-5-5'"),  # dashes only with k >= 10
        (["111", "232", "515"], True, r"last category '515'"),  # a level of 1
        (["1-1-1", "2-3-2", "101-5-5"], True, r"last category '101-5-5'"),
        (["121", "232", "555"], True, r"first category is '121'"),
        (["111", "232", "555"], False, r"without an order"),
    ],
)
def test_a_categorical_that_does_not_follow_the_convention(categories, ordered, match):
    frame = pd.DataFrame(
        {
            "r_score": [2],
            "f_score": [3],
            "m_score": [2],
            "rfm_score": pd.Categorical([categories[1]], categories=categories, ordered=ordered),
        }
    )
    with pytest.raises(InputError, match=match):
        rfmkit.segment(frame)
