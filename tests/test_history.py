"""rfm_history and churn_labels: every snapshot is rfm_table at that as-of date,
the labels are a plain pandas count, and no feature or label leaks across its
cut-off."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest
import rfmkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rfmkit.errors import InputError, RFMWarning

DAY0 = pd.Timestamp("2024-01-01")


@st.composite
def transactions(draw):
    n = draw(st.integers(1, 40))
    pool = draw(st.integers(1, 6))
    ids = draw(st.lists(st.integers(0, pool - 1), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 120), min_size=n, max_size=n))
    minutes = draw(st.lists(st.integers(0, 24 * 60 - 1), min_size=n, max_size=n))
    cents = draw(st.lists(st.integers(-3000, 9000), min_size=n, max_size=n))
    tiny = draw(st.booleans())
    amount = np.array(cents, dtype=np.float64) / 100
    if tiny:  # amounts the fast fixed point cannot hold
        amount[0] = 1e-30 if amount[0] >= 0 else -1e-30
    orders = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    frame = pd.DataFrame(
        {
            "customer_id": ids,
            "date": DAY0 + pd.to_timedelta(days, unit="D") + pd.to_timedelta(minutes, unit="min"),
            "amount": amount,
            "order_id": orders,
            "channel": draw(st.lists(st.sampled_from(["web", "shop"]), min_size=n, max_size=n)),
        }
    )
    kind = draw(st.sampled_from(["dense", "sparse", "str"]))
    if kind == "sparse":  # ids too far apart to index an array: the hashed grouping
        frame["customer_id"] = [i * 10**15 - 7 for i in ids]
    elif kind == "str":
        frame["customer_id"] = ["c" + str(i) for i in ids]
    if draw(st.booleans()):
        frame["date"] = frame["date"].dt.tz_localize("UTC").dt.tz_convert("America/New_York")
    perm = draw(st.permutations(range(n)))
    return frame.iloc[list(perm)].reset_index(drop=True)


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        return fn(*args, **kwargs)


def first_day(frame: pd.DataFrame) -> pd.Timestamp:
    d = frame["date"]
    if d.dt.tz is not None:
        d = d.dt.tz_localize(None)
    return d.min().normalize()


def check_snapshots(tx, history, snapshots, **opts):
    assert history["snapshot"].dtype == np.dtype("datetime64[ns]")
    got_days = sorted(history["snapshot"].unique())
    for snap in snapshots:
        want = quiet(rfmkit.rfm_table, tx, as_of=snap, **opts).reset_index(drop=True)
        got = history[history["snapshot"] == pd.Timestamp(snap)].drop(columns="snapshot")
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_exact=True)
    assert set(got_days) <= {pd.Timestamp(s) for s in snapshots}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tx=transactions(),
    frequency=st.sampled_from(["rows", "orders", "days"]),
    window=st.sampled_from([None, 1, 10, "30D", "1M", "2M"]),
    returns=st.sampled_from(["net", "exclude"]),
    by=st.sampled_from([None, "channel"]),
    offsets=st.lists(st.integers(0, 130), min_size=1, max_size=6),
)
def test_every_snapshot_is_rfm_table_at_that_date(tx, frequency, window, returns, by, offsets):
    start = first_day(tx)
    snaps = sorted({(start + pd.Timedelta(days=o)).date().isoformat() for o in offsets})
    opts = dict(window=window, frequency=frequency, returns=returns, by=by)
    if frequency == "orders":
        opts["order_id"] = "order_id"
    history = quiet(rfmkit.rfm_history, tx, snapshots=snaps, **opts)
    check_snapshots(tx, history, snaps, **opts)
    assert history.attrs["by"] == ["snapshot"] + ([by] if by else [])
    assert history.attrs["snapshots"] == snaps
    assert history.attrs["as_of"] is None


@settings(max_examples=25, deadline=None)
@given(tx=transactions(), freq=st.sampled_from(["M", "ME", "W", "W-WED", "Q", "QE", "7D", "10D"]))
def test_frequencies_are_period_ends_in_the_data(tx, freq):
    history = quiet(rfmkit.rfm_history, tx, snapshots=freq)
    d = tx["date"].dt.tz_localize(None) if tx["date"].dt.tz is not None else tx["date"]
    first, last = d.min().normalize(), d.max().normalize()
    alias = {"M": "ME", "Q": "QE"}.get(freq, freq)
    if freq[0].isdigit():
        n = int(freq[:-1])
        want = pd.date_range(first + pd.Timedelta(days=n - 1), last, freq=f"{n}D")
    else:
        want = pd.date_range(first, last, freq=alias)
    assert history.attrs["snapshots"] == [t.date().isoformat() for t in want]
    check_snapshots(tx, history, [t.date().isoformat() for t in want])


def test_start_end_and_lists():
    tx = rfmkit.datasets.make_transactions(3_000, 200, seed=3, start="2024-01-01", end="2024-06-30")
    h = rfmkit.rfm_history(tx, snapshots="M", start="2024-02-15", end="2024-05-31")
    assert h.attrs["snapshots"] == ["2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"]
    # the default end is the latest transaction's day: a month end only if it is one
    assert rfmkit.rfm_history(tx).attrs["snapshots"][-1] == "2024-05-31" or tx["date"].max().day == 30
    listed = rfmkit.rfm_history(tx, snapshots=["2024-03-31", "2024-02-29", "2024-03-31"])
    assert listed.attrs["snapshots"] == ["2024-02-29", "2024-03-31"]
    check_snapshots(tx, listed, ["2024-02-29", "2024-03-31"])
    bounded = rfmkit.rfm_history(tx, snapshots=["2024-02-29", "2024-03-31"], start="2024-03-01")
    assert bounded.attrs["snapshots"] == ["2024-03-31"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"snapshots": "XYZ"}, "snapshots"),
        ({"snapshots": "6h"}, "snapshots"),
        ({"snapshots": "-1M"}, "snapshots"),
        ({"snapshots": []}, "empty"),
        ({"snapshots": 5}, "snapshots"),
        ({"snapshots": ["2023-01-01"]}, "before the first transaction"),
        ({"snapshots": ["not a date"]}, "snapshots"),
        ({"start": "2024-05-01", "end": "2024-02-01"}, "before start"),
        ({"start": 20240101}, "start"),
        ({"by": "snapshot"}, "snapshot"),
    ],
)
def test_errors_name_the_argument(kwargs, match):
    tx = rfmkit.datasets.make_transactions(500, 50, seed=1, start="2024-01-01", end="2024-06-30")
    tx["snapshot"] = 1
    with pytest.raises(InputError, match=match):
        rfmkit.rfm_history(tx, **kwargs)


def test_bad_rows_are_named_as_rfm_table_names_them():
    tx = pd.DataFrame(
        {"customer_id": [1, 2], "date": pd.to_datetime(["2024-01-01", None]), "amount": [1.0, 2.0]}
    )
    with pytest.raises(InputError, match="row 1"):
        rfmkit.rfm_history(tx, snapshots=["2024-01-31"])
    tx = pd.DataFrame(
        {"customer_id": [1, 2], "date": pd.to_datetime(["2024-01-01", "2024-01-02"]), "amount": [1.0, -2.0]}
    )
    with pytest.raises(InputError, match="returns"):
        rfmkit.rfm_history(tx, snapshots=["2024-01-31"], returns="error")


def test_returns_only_customers_warn_once():
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2, 2],
            "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-02-05"]),
            "amount": [1.0, -2.0, 3.0],
        }
    )
    with pytest.warns(RFMWarning, match="1 .*pair"):
        h = rfmkit.rfm_history(tx, snapshots=["2024-01-31", "2024-02-29"])
    assert h["customer_id"].tolist() == [1, 1, 2]


def test_polars_in_polars_out_and_arrow():
    tx = rfmkit.datasets.make_transactions(800, 60, seed=2, start="2024-01-01", end="2024-04-30")
    out = rfmkit.rfm_history(pl.from_pandas(tx))
    assert isinstance(out, pl.DataFrame)
    want = rfmkit.rfm_history(tx)
    assert out.columns == list(want.columns)
    assert out["monetary"].to_list() == want["monetary"].tolist()
    assert rfmkit.rfm_history(tx, output="arrow").num_rows == len(want)
    labels = rfmkit.churn_labels(pl.from_pandas(tx), "M", horizon="30D")
    assert isinstance(labels, pl.DataFrame)


def test_score_scores_within_each_snapshot():
    tx = rfmkit.datasets.make_transactions(3_000, 300, seed=4, start="2024-01-01", end="2024-06-30")
    h = rfmkit.rfm_history(tx)
    scored = quiet(rfmkit.score, h)
    snap = h.attrs["snapshots"][2]
    one = quiet(rfmkit.score, rfmkit.rfm_table(tx, as_of=snap))
    got = scored[scored["snapshot"] == pd.Timestamp(snap)].reset_index(drop=True)
    for col in ("r_score", "f_score", "m_score"):
        assert got[col].tolist() == one[col].tolist()


# ----------------------------------------------------------------------- labels


def labels_by_hand(tx, snaps, horizon_days, returns):
    d = tx["date"].dt.tz_localize(None) if tx["date"].dt.tz is not None else tx["date"]
    day = d.dt.normalize()
    rows = []
    for snap in snaps:
        s = pd.Timestamp(snap)
        bought = sorted(set(tx.loc[(day <= s) & (tx["amount"] >= 0), "customer_id"]))
        future = tx[(day > s) & (day <= s + pd.Timedelta(days=horizon_days))]
        if returns == "exclude":
            future = future[future["amount"] >= 0]
        for c in bought:
            mine = future[future["customer_id"] == c]
            n = int((mine["amount"] >= 0).sum())
            rows.append((s, c, n > 0, n, math.fsum(mine["amount"])))
    return pd.DataFrame(
        rows, columns=["snapshot", "customer_id", "purchased", "future_frequency", "future_monetary"]
    )


@settings(max_examples=40, deadline=None)
@given(
    tx=transactions(),
    horizon=st.integers(1, 60),
    returns=st.sampled_from(["net", "exclude"]),
    offsets=st.lists(st.integers(0, 130), min_size=1, max_size=5),
)
def test_labels_are_the_purchases_after_each_snapshot(tx, horizon, returns, offsets):
    start = first_day(tx)
    snaps = sorted({(start + pd.Timedelta(days=o)).date().isoformat() for o in offsets})
    got = rfmkit.churn_labels(tx, snaps, horizon=horizon, returns=returns, incomplete="flag")
    want = labels_by_hand(tx, snaps, horizon, returns)
    got_plain = got.drop(columns="complete").astype({"snapshot": "datetime64[ns]"})
    want["customer_id"] = want["customer_id"].astype(got["customer_id"].dtype)
    want["snapshot"] = want["snapshot"].astype("datetime64[ns]")
    pd.testing.assert_frame_equal(got_plain, want, check_exact=True, check_dtype=False)
    d = tx["date"].dt.tz_localize(None) if tx["date"].dt.tz is not None else tx["date"]
    last = d.max().normalize()
    complete = got["snapshot"] + pd.Timedelta(days=horizon) <= last
    assert got["complete"].tolist() == complete.tolist()
    dropped = rfmkit.churn_labels(tx, snaps, horizon=horizon, returns=returns)
    keep = got[got["complete"]].drop(columns="complete").reset_index(drop=True)
    pd.testing.assert_frame_equal(dropped, keep)


def test_labels_of_a_history_follow_its_pairs_and_months():
    tx = rfmkit.datasets.make_transactions(4_000, 300, seed=5, start="2024-01-01", end="2024-12-31")
    h = rfmkit.rfm_history(tx, window="3M")
    labels = rfmkit.churn_labels(tx, h, horizon="3M")
    # the last three month ends' horizons run past the data: dropped
    assert labels["snapshot"].max() == pd.Timestamp("2024-09-30")
    joined = h.merge(labels, on=["snapshot", "customer_id"], how="inner")
    assert len(joined) == len(labels) == (h["snapshot"] <= "2024-09-30").sum()
    s = pd.Timestamp("2024-06-30")
    day = tx["date"].dt.normalize()
    future = tx[(day > s) & (day <= pd.Timestamp("2024-09-30"))]
    at = labels[labels["snapshot"] == s].set_index("customer_id")
    for c, n in future[future["amount"] >= 0].groupby("customer_id").size().items():
        if c in at.index:
            assert at.loc[c, "future_frequency"] == n


@settings(max_examples=30, deadline=None)
@given(tx=transactions(), cut=st.integers(0, 120), seed=st.integers(0, 2**16))
def test_nothing_leaks_across_the_cutoff(tx, cut, seed):
    rng = np.random.default_rng(seed)
    start = first_day(tx)
    snap = (start + pd.Timedelta(days=cut)).date().isoformat()
    d = tx["date"].dt.tz_localize(None) if tx["date"].dt.tz is not None else tx["date"]
    after = (d.dt.normalize() > pd.Timestamp(snap)).to_numpy()
    # Change every transaction after the cut-off (amounts, ids, dates later still): features stay.
    later = tx.copy()
    later.loc[after, "amount"] = rng.integers(-500, 5000, after.sum()) / 100
    later.loc[after, "customer_id"] = (
        later.loc[after, "customer_id"].sample(frac=1, random_state=seed).to_numpy()
    )
    later.loc[after, "date"] = later.loc[after, "date"] + pd.Timedelta(days=3)
    later = later.sample(frac=1, random_state=seed).reset_index(drop=True)
    a = quiet(rfmkit.rfm_history, tx, snapshots=[snap], window="30D")
    b = quiet(rfmkit.rfm_history, later, snapshots=[snap], window="30D")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    # Change every purchase on or before it (amounts, times within the day): labels stay.
    earlier = tx.copy()
    before = ~after & (tx["amount"] >= 0).to_numpy()
    earlier.loc[before, "amount"] = rng.integers(0, 5000, before.sum()) / 100
    earlier = earlier.sample(frac=1, random_state=seed).reset_index(drop=True)
    la = rfmkit.churn_labels(tx, [snap], horizon=20, incomplete="flag")
    lb = rfmkit.churn_labels(earlier, [snap], horizon=20, incomplete="flag")
    pd.testing.assert_frame_equal(la, lb, check_exact=True)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"horizon": "0D"}, "horizon"),
        ({"horizon": None}, "horizon"),
        ({"horizon": "xyz"}, "horizon"),
        ({"incomplete": "keep"}, "incomplete"),
        ({"returns": "sometimes"}, "returns"),
    ],
)
def test_label_errors_name_the_argument(kwargs, match):
    tx = rfmkit.datasets.make_transactions(300, 30, seed=1, start="2024-01-01", end="2024-03-31")
    with pytest.raises(InputError, match=match):
        rfmkit.churn_labels(tx, "M", **kwargs)
