"""RFMState: any split of the rows into batches, any order of updates and any
tree of merges gives rfm_table's result on all the rows, bit for bit; the
state survives to_arrow / from_arrow and pickle; bad batches are reported
with their batch and row."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import polars as pl
import pytest
import rfmkit
from hypothesis import given, settings
from hypothesis import strategies as st
from rfmkit import InputError, InputTypeError, RFMState

pytestmark = pytest.mark.filterwarnings("ignore::rfmkit.RFMWarning")

DAY0 = pd.Timestamp("2024-01-01")
AMOUNTS = [12.5, 0.1, 99.99, -5.0, 1e-8, 3e-5, 1e300, -1e300, 7.0, 0.0, 2.0**53, 1.0]


def transactions(rows, ids="int", tz=None):
    tx = pd.DataFrame(
        {
            "customer_id": np.array([r[0] for r in rows], dtype=np.int64),
            "date": DAY0 + pd.to_timedelta([r[1] for r in rows], unit="h"),
            "amount": np.array([r[2] for r in rows], dtype=np.float64),
            "order_id": np.array([r[3] for r in rows], dtype=np.int64),
            "channel": [("web", "shop", "app")[r[0] % 3] for r in rows],
            "region": np.array([r[3] % 2 for r in rows], dtype=np.int64),
        }
    )
    if ids == "str":
        tx["customer_id"] = "c" + tx["customer_id"].astype(str)
        tx["order_id"] = "o" + tx["order_id"].astype(str)
    elif ids == "uint":
        tx["customer_id"] = tx["customer_id"].astype(np.uint64) + np.uint64(2**63)
    if tz is not None:
        tx["date"] = tx["date"].dt.tz_localize("UTC").dt.tz_convert(tz)
    return tx


row = st.tuples(st.integers(0, 12), st.integers(0, 24 * 90), st.sampled_from(AMOUNTS), st.integers(0, 30))
options = st.sampled_from(
    [
        {},
        {"frequency": "days"},
        {"frequency": "orders", "order_id": "order_id"},
        {"returns": "exclude"},
        {"as_of": "2024-02-15", "window": "30D"},
        {"as_of": "2024-03-01", "window": "1M", "frequency": "days", "returns": "exclude"},
        {"as_of": "2024-02-20", "frequency": "orders", "order_id": "order_id"},
        {"by": "channel"},
        {"by": ["channel", "region"], "frequency": "days"},
        {"by": "region", "as_of": "2024-02-15", "window": "30D", "returns": "exclude"},
    ]
)


def one_shot(tx, opts):
    return rfmkit.rfm_table(tx, **opts)


def splits(draw, n):
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=5)))
    bounds = [0, *cuts, n]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False)]


def fits(tx):
    """Whether every customer's exact sum fits float64 (the tricky amounts can overflow)."""
    from fractions import Fraction

    for _, part in tx.groupby("customer_id"):
        try:
            float(sum(map(Fraction, part["amount"].tolist()), Fraction(0)))
        except OverflowError:
            return False
    return True


@settings(max_examples=120, deadline=None)
@given(
    st.lists(row, min_size=1, max_size=60),
    options,
    st.sampled_from(["int", "str", "uint"]),
    st.sampled_from([None, "Asia/Shanghai"]),
    st.data(),
)
def test_batches_and_merges_equal_the_one_shot_table(rows, opts, ids, tz, data):
    tx = transactions(rows, ids, tz)
    if not fits(tx):
        return
    try:
        want = one_shot(tx, opts)
    except InputError as exc:  # as_of before the first transaction, ...
        with pytest.raises(InputError):
            state = RFMState(**opts)
            for a, b in splits(data.draw, len(tx)):
                state.update(tx.iloc[a:b])
            state.finish()
        assert str(exc)
        return
    parts = splits(data.draw, len(tx))
    # Batches fed in a random order.
    order = data.draw(st.permutations(range(len(parts))))
    state = RFMState(**opts)
    for k in order:
        a, b = parts[k]
        state.update(tx.iloc[a:b])
    pd.testing.assert_frame_equal(state.finish(), want)
    assert state.finish().attrs == want.attrs
    # One state per batch, merged in a random tree.
    states = [RFMState(**opts).update(tx.iloc[a:b]) for a, b in parts]
    while len(states) > 1:
        i = data.draw(st.integers(0, len(states) - 2))
        merged = states[i].merge(states[i + 1])
        states[i : i + 2] = [merged]
    pd.testing.assert_frame_equal(states[0].finish(), want)
    # Saved and loaded.
    back = RFMState.from_arrow(state.to_arrow())
    pd.testing.assert_frame_equal(back.finish(), want)
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(states[0])).finish(), want)


def test_merge_leaves_its_inputs_alone_and_keeps_updating():
    tx = rfmkit.datasets.make_transactions(3_000, 200, seed=4)
    a = RFMState().update(tx.iloc[:1000])
    b = RFMState().update(tx.iloc[1000:2000])
    before = (a.finish(), b.finish())
    merged = a.merge(b)
    pd.testing.assert_frame_equal(a.finish(), before[0])
    pd.testing.assert_frame_equal(b.finish(), before[1])
    merged.update(tx.iloc[2000:])
    pd.testing.assert_frame_equal(merged.finish(), rfmkit.rfm_table(tx))
    loaded = pickle.loads(pickle.dumps(a))
    loaded.update(tx.iloc[1000:])
    pd.testing.assert_frame_equal(loaded.finish(), rfmkit.rfm_table(tx))


def test_money_is_exact_across_batches():
    amounts = [1e-8, 1e-8, 3e-5, 1e300, -1e300, 0.1, 0.2, 0.3]
    tx = pd.DataFrame(
        {"customer_id": [1] * 8, "date": pd.date_range("2024-01-01", periods=8), "amount": amounts}
    )
    state = RFMState()
    for i in range(8):
        state.update(tx.iloc[i : i + 1])
        back = RFMState.from_arrow(state.to_arrow())
        state = back.merge(RFMState())
    assert state.finish()["monetary"].tolist() == [math.fsum(amounts)]


def test_errors_name_the_batch_and_its_row():
    tx = rfmkit.datasets.make_transactions(500, 50, seed=2)
    state = RFMState().update(tx.iloc[:200])
    bad = tx.iloc[200:400].copy()
    bad.iloc[37, bad.columns.get_loc("amount")] = np.nan
    with pytest.raises(InputError, match=r"batch 1: .*'amount'.*row 37") as info:
        state.update(bad)
    assert (info.value.column, info.value.row) == ("amount", 37)
    assert math.isnan(info.value.value)
    # The failed batch left the state as it was.
    state.update(tx.iloc[200:])
    pd.testing.assert_frame_equal(state.finish(), rfmkit.rfm_table(tx))


def test_options_are_checked():
    with pytest.raises(InputError, match="as_of"):
        RFMState(window="90D")
    with pytest.raises(InputError, match="frequency"):
        RFMState(frequency="weekly")
    with pytest.raises(InputError, match="order_id"):
        RFMState(frequency="orders")
    tx = rfmkit.datasets.make_transactions(300, 40, seed=2)
    with pytest.raises(InputError, match="same columns and options"):
        RFMState(frequency="days").update(tx).merge(RFMState().update(tx))
    with pytest.raises(InputError, match="no rows"):
        RFMState().finish()
    state = RFMState().update(tx)
    with pytest.raises(InputTypeError, match="another kind"):
        state.update(tx.assign(customer_id=tx["customer_id"].astype(str)))
    with pytest.raises(InputTypeError, match="dates in s"):
        state.update(tx.assign(date=tx["date"].astype("datetime64[s]")))


def test_polars_batches_give_polars():
    tx = rfmkit.datasets.make_transactions(2_000, 150, seed=5)
    frame = pl.from_pandas(tx)
    state = RFMState()
    for batch in frame.iter_slices(300):
        state.update(batch)
    got = state.finish()
    assert isinstance(got, pl.DataFrame)
    assert got.equals(rfmkit.rfm_table(frame))
    pd.testing.assert_frame_equal(state.finish(output="pandas"), rfmkit.rfm_table(tx))


def test_grouped_errors_name_the_batch_row():
    tx = rfmkit.datasets.make_transactions(600, 60, seed=2, channels=True)
    state = RFMState(by="channel").update(tx.iloc[:300])
    bad = tx.iloc[300:].copy().reset_index(drop=True)
    bad.loc[123, "amount"] = np.inf
    with pytest.raises(InputError, match=r"batch 1: .*row 123\b") as info:
        state.update(bad)
    assert (info.value.column, info.value.row) == ("amount", 123)
    state.update(tx.iloc[300:])
    pd.testing.assert_frame_equal(state.finish(), rfmkit.rfm_table(tx, by="channel"))


def test_a_batch_of_another_id_kind_changes_nothing():
    tx = rfmkit.datasets.make_transactions(400, 40, seed=6, channels=True)
    for by in (None, "channel"):
        state = RFMState(by=by).update(tx.iloc[:200])
        before = state.finish()
        with pytest.raises(InputTypeError, match="another kind"):
            state.update(tx.iloc[200:].assign(customer_id=lambda t: "c" + t["customer_id"].astype(str)))
        pd.testing.assert_frame_equal(state.finish(), before)
        state.update(tx.iloc[200:])
        pd.testing.assert_frame_equal(state.finish(), rfmkit.rfm_table(tx, by=by))


@pytest.mark.parametrize("make", ["text", "int", "polars"])
def test_categorical_ids_come_back_as_rfm_table_gives_them(make):
    tx = rfmkit.datasets.make_transactions(3_000, 400, seed=5)
    if make == "int":
        tx["customer_id"] = tx["customer_id"].astype("category")
    else:
        tx["customer_id"] = ("c" + tx["customer_id"].astype(str)).astype("category")
    data = pl.from_pandas(tx) if make == "polars" else tx
    want = rfmkit.rfm_table(data)
    state = RFMState()
    for start in range(0, len(tx), 700):
        state.update(data[start : start + 700])
    got = state.finish()
    if make == "polars":
        assert got.equals(want)
    else:
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert got["customer_id"].dtype == want["customer_id"].dtype
