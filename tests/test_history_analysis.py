"""Scores, segments, migration and churn alerts over a history (rfm_history):
every snapshot must give what the same steps give on that snapshot's own
rfm_table, and a history must be recognised when its attrs are gone."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import rfmkit
from hypothesis import given, settings
from hypothesis import strategies as st
from rfmkit import InputError

pl = pytest.importorskip("polars")

MONTHS = ["2024-07-31", "2024-08-31", "2024-09-30", "2024-10-31", "2024-11-30", "2024-12-31"]


def quiet(f, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rfmkit.RFMWarning)
        return f(*args, **kwargs)


def history_of(tx, dates, **kw):
    return quiet(rfmkit.rfm_history, tx, snapshots=list(dates), **kw)


def table_at(tx, d, **kw):
    return quiet(rfmkit.rfm_table, tx, as_of=d, **kw)


def rows_at(history, d):
    rows = history[history["snapshot"] == pd.Timestamp(d)].drop(columns="snapshot")
    return rows.reset_index(drop=True)


def without_attrs(frame):
    out = frame.copy()
    out.attrs = {}
    return out


SCORE_COLS = ["r_score", "f_score", "m_score", "rfm_total"]


def assert_scores_equal(got, want):
    pd.testing.assert_frame_equal(got[SCORE_COLS], want[SCORE_COLS])
    assert got["rfm_score"].astype(str).tolist() == want["rfm_score"].astype(str).tolist()


@pytest.fixture(scope="module")
def tx():
    return rfmkit.datasets.make_transactions(4_000, 500, seed=5, channels=True)


@pytest.fixture(scope="module")
def history(tx):
    return history_of(tx, MONTHS)


@pytest.fixture(scope="module")
def segmented(history):
    return quiet(rfmkit.segment, quiet(rfmkit.score, history), "rfm11")


# --------------------------------------------------------------------------- scores per snapshot


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 50),
    n_dates=st.integers(1, 4),
    bins=st.integers(2, 6),
    method=st.sampled_from(["quantile", "ntile", "median"]),
    grouped=st.booleans(),
    form=st.sampled_from(["attrs", "polars", "arrow", "no attrs"]),
    tz=st.sampled_from([None, "Asia/Shanghai", "America/New_York"]),
    window=st.sampled_from([None, "60D", "3M"]),
)
def test_score_of_a_history_is_the_score_of_each_snapshot(
    seed, n_dates, bins, method, grouped, form, tz, window
):
    tx = rfmkit.datasets.make_transactions(600, 120, seed=seed, channels=True, tz=tz)
    by = "channel" if grouped else None
    dates = MONTHS[-n_dates:]
    history = history_of(tx, dates, by=by, window=window)
    given_h = {
        "attrs": history,
        "polars": pl.from_pandas(history),
        "arrow": pa.Table.from_pandas(history, preserve_index=False).replace_schema_metadata({}),
        "no attrs": without_attrs(history),
    }[form]
    got = quiet(rfmkit.score, given_h, bins=bins, method=method, output="pandas")
    assert len(got) == len(history)
    assert got["snapshot"].tolist() == history["snapshot"].tolist()
    for d in dates:
        want = quiet(rfmkit.score, table_at(tx, d, by=by, window=window), bins=bins, method=method)
        assert_scores_equal(rows_at(got, d), want)


def test_a_history_read_back_from_parquet_is_scored_per_snapshot(tx, history, tmp_path):
    path = tmp_path / "history.parquet"
    history.to_parquet(path)
    want = pd.concat([quiet(rfmkit.score, table_at(tx, d)) for d in MONTHS], ignore_index=True)
    for back in (pd.read_parquet(path), pl.read_parquet(path), without_attrs(pd.read_parquet(path))):
        got = quiet(rfmkit.score, back, output="pandas")
        assert_scores_equal(got, want)
        moves = rfmkit.migration_over_time(quiet(rfmkit.segment, got))
        assert moves.transitions["snapshot"].nunique() == len(MONTHS) - 1


def test_a_user_column_named_snapshot_is_not_a_history(tx):
    table = table_at(tx, MONTHS[-1])
    # After the RFM columns: never a group column; the table is scored as one.
    tagged = without_attrs(table.assign(snapshot=pd.Timestamp("2024-01-31")))
    pooled = quiet(rfmkit.score, table)
    assert_scores_equal(quiet(rfmkit.score, tagged), pooled)
    with pytest.raises(InputError, match="not a history"):
        rfmkit.migration_over_time(quiet(rfmkit.segment, quiet(rfmkit.score, tagged)))
    # A group column of the user's named snapshot: rfm_table's as-of date is
    # the same for every row, not each row's snapshot, so not a history either.
    dated = tx.assign(snapshot=tx["date"].dt.to_period("Q").dt.end_time.dt.normalize())
    grouped = without_attrs(table_at(dated, MONTHS[-1], by="snapshot"))
    assert grouped.columns[0] == "snapshot"
    with pytest.raises(InputError, match="not a history"):
        rfmkit.snapshot_table(grouped, "2024-12-31")
    seg = quiet(rfmkit.segment, quiet(rfmkit.score, grouped))
    assert len(rfmkit.segment_summary(seg)) == len(seg["segment"].cat.categories)  # pooled


# --------------------------------------------------------------------------- fixed cut points


def test_fitted_scorer_applies_the_same_cut_points_to_every_snapshot(tx, history):
    pytest.importorskip("sklearn")
    first = table_at(tx, MONTHS[0])
    scorer = quiet(rfmkit.RFMScorer(bins=4).fit, first)
    got = scorer.score_table(history)
    assert got.columns[: len(history.columns)].tolist() == history.columns.tolist()
    pd.testing.assert_frame_equal(got[history.columns], history)
    assert got.attrs["snapshots"] == MONTHS
    arrays = scorer.transform(history)
    assert arrays.shape == (len(history), 3)
    for d in MONTHS:
        want = scorer.score_table(table_at(tx, d))
        assert_scores_equal(rows_at(got, d), want)
        rows = (history["snapshot"] == pd.Timestamp(d)).to_numpy()
        np.testing.assert_array_equal(arrays[rows], scorer.transform(table_at(tx, d)))
    # Fixed cuts: one customer's unchanged values keep their scores, and the
    # scores equal a plain numpy count of the cut points passed.
    cuts = np.array(scorer.edges_["monetary"]["cuts"])
    want_m = 1 + (history["monetary"].to_numpy()[:, None] > cuts[None, :]).sum(axis=1)
    np.testing.assert_array_equal(got["m_score"].to_numpy(), want_m)
    # Segments and migration of the fixed-cut history: those of each snapshot's fixed-cut table.
    moves = rfmkit.migration_over_time(quiet(rfmkit.segment, got, "rf10")).transitions
    prev, cur = MONTHS[-2], MONTHS[-1]
    want_moves = rfmkit.migration(
        *(quiet(rfmkit.segment, scorer.score_table(table_at(tx, d)), "rf10") for d in (prev, cur))
    )
    last = moves[moves["snapshot"] == pd.Timestamp(cur)]
    assert last["customers"].tolist() == want_moves.counts.to_numpy().reshape(-1).tolist()
    polars_out = scorer.score_table(pl.from_pandas(history))
    assert isinstance(polars_out, pl.DataFrame)
    assert polars_out["m_score"].to_list() == got["m_score"].tolist()


# --------------------------------------------------------------------------- segments


def test_segment_summary_and_actions_per_snapshot(tx, segmented):
    summary = rfmkit.segment_summary(segmented)
    k = len(segmented["segment"].cat.categories)
    assert len(summary) == k * len(MONTHS) and summary.columns[0] == "snapshot"
    for d in MONTHS:
        want = rfmkit.segment_summary(quiet(rfmkit.segment, quiet(rfmkit.score, table_at(tx, d)), "rfm11"))
        got = summary[summary["snapshot"] == pd.Timestamp(d)].drop(columns="snapshot")
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want)
    polars_summary = rfmkit.segment_summary(pl.from_pandas(segmented))
    assert isinstance(polars_summary, pl.DataFrame) and polars_summary.height == len(summary)
    actions = rfmkit.action_list(segmented)
    assert actions.columns[:2].tolist() == ["snapshot", "customer_id"]
    assert actions["snapshot"].tolist() == segmented["snapshot"].tolist()


def test_new_customers_counted_at_each_snapshot(tx, history):
    got = quiet(rfmkit.segment, quiet(rfmkit.score, history), "rf10", new_customer_days=45)
    for d in MONTHS:
        table = table_at(tx, d)
        want = quiet(rfmkit.segment, quiet(rfmkit.score, table), "rf10", new_customer_days=45)
        assert (
            rows_at(got, d)["segment_code"].astype(str).tolist() == want["segment_code"].astype(str).tolist()
        )
        # Independent: first purchase within 45 days of the snapshot.
        age = (pd.Timestamp(d) - table["first_purchase"].dt.normalize()).dt.days
        assert (want["segment_code"] == "new").to_numpy().tolist() == (age <= 45).tolist()


# --------------------------------------------------------------------------- migration over time


def test_migration_over_time_is_migration_of_each_consecutive_pair(tx, segmented):
    moves = rfmkit.migration_over_time(segmented)
    t = moves.transitions
    assert t.columns.tolist() == ["snapshot", "previous_snapshot", "from", "to", "customers", "share"]
    assert sorted(t["snapshot"].unique()) == [pd.Timestamp(d) for d in MONTHS[1:]]
    for prev, cur in zip(MONTHS[:-1], MONTHS[1:], strict=True):
        before = quiet(rfmkit.segment, quiet(rfmkit.score, table_at(tx, prev)), "rfm11")
        after = quiet(rfmkit.segment, quiet(rfmkit.score, table_at(tx, cur)), "rfm11")
        want = rfmkit.migration(before, after)
        cell = t[t["snapshot"] == pd.Timestamp(cur)]
        assert (cell["previous_snapshot"] == pd.Timestamp(prev)).all()
        counts = cell.pivot(index="from", columns="to", values="customers")
        shares = cell.pivot(index="from", columns="to", values="share")
        np.testing.assert_array_equal(counts.to_numpy(), want.counts.to_numpy())
        np.testing.assert_array_equal(shares.to_numpy(), want.shares.to_numpy())
        assert counts.index.astype(str).tolist() == want.counts.index.tolist()
        assert counts.columns.astype(str).tolist() == want.counts.columns.tolist()
        # Independent: a pandas crosstab of the two snapshots' segments, new customers as "(new)".
        pair = before[["customer_id", "segment"]].merge(
            after[["customer_id", "segment"]], on="customer_id", how="right", suffixes=("_b", "_a")
        )
        pair["segment_b"] = pair["segment_b"].astype(object).fillna("(new)")
        ref = pd.crosstab(pair["segment_b"], pair["segment_a"].astype(object))
        for (b, a), n in ref.stack().items():
            assert int(counts.loc[b, a]) == n
        assert int(cell["customers"].sum()) == len(after)
    sizes = moves.sizes
    for d in MONTHS:
        at = sizes[sizes["snapshot"] == pd.Timestamp(d)]
        want = rows_at(segmented, d)["segment"].value_counts(sort=False)
        assert at["customers"].tolist() == want.reindex(at["segment"]).tolist()
        assert at["share"].sum() == pytest.approx(1.0)
    assert "Segment sizes over 6 snapshots" in repr(moves)
    assert "<table" in moves._repr_html_()


def test_migration_over_time_per_group_and_polars(tx):
    history = history_of(tx, MONTHS[-3:], by="channel")
    seg = quiet(rfmkit.segment, quiet(rfmkit.score, history), "rf10")
    pooled = rfmkit.migration_over_time(seg)
    per_group = rfmkit.migration_over_time(seg, by="channel")
    assert per_group.transitions.columns[:3].tolist() == ["snapshot", "previous_snapshot", "channel"]
    for cur, prev in [(MONTHS[-1], MONTHS[-2])]:
        before, after = rfmkit.snapshot_table(seg, prev), rfmkit.snapshot_table(seg, cur)
        want = rfmkit.migration(before, after)
        cell = pooled.transitions[pooled.transitions["snapshot"] == pd.Timestamp(cur)]
        assert cell["customers"].tolist() == want.counts.to_numpy().reshape(-1).tolist()
        for channel in sorted(tx["channel"].unique()):
            part = per_group.transitions
            part = part[(part["snapshot"] == pd.Timestamp(cur)) & (part["channel"] == channel)]
            b, a = before[before["channel"] == channel], after[after["channel"] == channel]
            got = rfmkit.migration(b, a).counts.to_numpy().reshape(-1)
            assert part["customers"].tolist() == got.tolist()
    with pytest.raises(InputError, match="not a group column"):
        rfmkit.migration_over_time(seg, by="region")
    polars_moves = rfmkit.migration_over_time(pl.from_pandas(seg))
    assert isinstance(polars_moves.transitions, pl.DataFrame)
    assert isinstance(polars_moves.sizes, pl.DataFrame)
    assert polars_moves.transitions["customers"].to_list() == pooled.transitions["customers"].tolist()
    one = rfmkit.migration_over_time(seg[seg["snapshot"] == pd.Timestamp(MONTHS[-1])])
    assert len(one.transitions) == 0 and len(one.sizes) == len(seg["segment"].cat.categories)


# --------------------------------------------------------------------------- churn alerts


def test_churn_alerts_between_snapshots(tx, segmented):
    a, b = MONTHS[0], MONTHS[-1]
    want = rfmkit.churn_alerts(
        quiet(rfmkit.segment, quiet(rfmkit.score, table_at(tx, a)), "rfm11"),
        quiet(rfmkit.segment, quiet(rfmkit.score, table_at(tx, b)), "rfm11"),
    )
    assert len(want) > 0
    slices = (
        segmented[segmented["snapshot"] == pd.Timestamp(a)],
        segmented[segmented["snapshot"] == pd.Timestamp(b)],
    )
    pd.testing.assert_frame_equal(rfmkit.churn_alerts(*slices), want)
    pd.testing.assert_frame_equal(rfmkit.churn_alerts(segmented, snapshots=(a, b)), want)
    tables = rfmkit.snapshot_table(segmented, a), rfmkit.snapshot_table(segmented, b)
    pd.testing.assert_frame_equal(rfmkit.churn_alerts(*tables), want)
    polars_slices = tuple(pl.from_pandas(s) for s in slices)
    got = rfmkit.churn_alerts(*polars_slices)
    assert isinstance(got, pl.DataFrame) and got["customer_id"].to_list() == want["customer_id"].tolist()
    last = rfmkit.churn_alerts(segmented)  # the last two snapshots
    pd.testing.assert_frame_equal(last, rfmkit.churn_alerts(segmented, snapshots=MONTHS[-2:]))
    moves = rfmkit.migration(*slices)
    assert moves.counts.loc["(new)"].sum() == len(slices[1]) - len(slices[0])


def test_history_errors(segmented):
    with pytest.raises(InputError, match="history of 6 snapshots"):
        rfmkit.churn_alerts(segmented, segmented)
    with pytest.raises(InputError, match="history of 6 snapshots"):
        rfmkit.migration(segmented, segmented)
    with pytest.raises(InputError, match="'2024-12-15' is not a snapshot"):
        rfmkit.churn_alerts(segmented, snapshots=("2024-07-31", "2024-12-15"))
    with pytest.raises(InputError, match="in order"):
        rfmkit.churn_alerts(segmented, snapshots=("2024-12-31", "2024-07-31"))
    with pytest.raises(InputError, match="two dates"):
        rfmkit.churn_alerts(segmented, snapshots="2024-12-31")
    with pytest.raises(InputError, match="invalid snapshots"):
        rfmkit.churn_alerts(segmented, snapshots=("2024-07-31", "soon"))
    with pytest.raises(InputError, match="without after"):
        rfmkit.churn_alerts(segmented, segmented, snapshots=("2024-07-31", "2024-12-31"))
    with pytest.raises(InputError, match="not a snapshot"):
        rfmkit.snapshot_table(segmented, "2023-01-01")
    twice = pd.concat([segmented, segmented.iloc[[len(segmented) - 1]]], ignore_index=True)
    twice.attrs = segmented.attrs
    with pytest.raises(InputError, match=r"more than once \(row "):
        rfmkit.migration_over_time(twice)
