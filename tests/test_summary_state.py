"""SummaryState: batches, update orders and merge trees give rfm_summary of
all the rows bit for bit; to_arrow / from_arrow and pickle keep the state."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest
import rfmkit
from hypothesis import given, settings
from hypothesis import strategies as st
from rfmkit import InputError, SummaryState

DAY0 = pd.Timestamp("2024-01-01")
AMOUNTS = [12.5, 0.1, 99.99, 1e-8, 3e-5, 7.0, 0.0, 2.0**53, 1.0, 1e250]

row = st.tuples(st.integers(0, 10), st.integers(0, 24 * 120), st.sampled_from(AMOUNTS))
options = st.sampled_from(
    [
        {},
        {"time_unit": "W", "time_scaler": 7},
        {"time_unit": "M"},
        {"time_unit": "h"},
        {"observation_period_end": "2024-03-15"},
        {"include_first_transaction": True},
        {"observation_period_end": "2024-02-20", "time_unit": "W"},
    ]
)


def transactions(rows, ids):
    tx = pd.DataFrame(
        {
            "customer_id": np.array([r[0] for r in rows], dtype=np.int64),
            "date": DAY0 + pd.to_timedelta([r[1] for r in rows], unit="h"),
            "amount": np.array([r[2] for r in rows], dtype=np.float64),
        }
    )
    if ids == "str":
        tx["customer_id"] = "c" + tx["customer_id"].astype(str)
    return tx


def splits(draw, n):
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=5)))
    bounds = [0, *cuts, n]
    return list(zip(bounds, bounds[1:], strict=False))


@settings(max_examples=120, deadline=None)
@given(st.lists(row, min_size=1, max_size=60), options, st.sampled_from(["int", "str"]), st.data())
def test_batches_and_merges_equal_rfm_summary(rows, opts, ids, data):
    tx = transactions(rows, ids)
    args = ("customer_id", "date", "amount")
    try:
        want = rfmkit.rfm_summary(tx, *args, **opts)
    except InputError:
        with pytest.raises(InputError):
            state = SummaryState(*args, **opts)
            for a, b in splits(data.draw, len(tx)):
                state.update(tx.iloc[a:b])
            state.finish()
        return
    parts = splits(data.draw, len(tx))
    order = data.draw(st.permutations(range(len(parts))))
    state = SummaryState(*args, **opts)
    for k in order:
        a, b = parts[k]
        state.update(tx.iloc[a:b])
    pd.testing.assert_frame_equal(state.finish(), want)
    assert state.finish().attrs == want.attrs
    states = [SummaryState(*args, **opts).update(tx.iloc[a:b]) for a, b in parts]
    while len(states) > 1:
        i = data.draw(st.integers(0, len(states) - 2))
        states[i : i + 2] = [states[i].merge(states[i + 1])]
    pd.testing.assert_frame_equal(states[0].finish(), want)
    pd.testing.assert_frame_equal(SummaryState.from_arrow(state.to_arrow()).finish(), want)
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(states[0])).finish(), want)


def test_exact_sums_across_batches_and_without_amounts():
    amounts = [1e-8, 2e-8, 3e-5, 0.1, 0.2]
    tx = pd.DataFrame(
        {
            "customer_id": [1] * 5,
            "date": pd.to_datetime(["2024-01-01"] * 2 + ["2024-01-05"] * 3),
            "amount": amounts,
        }
    )
    state = SummaryState("customer_id", "date", "amount")
    for i in range(5):
        state = SummaryState.from_arrow(state.update(tx.iloc[i : i + 1]).to_arrow())
    got = state.finish()
    assert got["monetary_value"].tolist() == [math.fsum(amounts[2:])]
    plain = SummaryState("customer_id", "date").update(tx.iloc[:2]).update(tx.iloc[2:])
    pd.testing.assert_frame_equal(plain.finish(), rfmkit.rfm_summary(tx, "customer_id", "date"))


def test_errors_name_the_batch_and_options_must_match():
    tx = rfmkit.datasets.make_transactions(400, 40, seed=3)
    state = SummaryState("customer_id", "date", "amount").update(tx.iloc[:100])
    bad = tx.iloc[100:200].copy()
    bad.iloc[5, bad.columns.get_loc("amount")] = np.nan
    with pytest.raises(InputError, match=r"batch 1: .*row 5") as info:
        state.update(bad)
    assert (info.value.column, info.value.row) == ("amount", 5)
    state.update(tx.iloc[100:])
    pd.testing.assert_frame_equal(state.finish(), rfmkit.rfm_summary(tx, "customer_id", "date", "amount"))
    with pytest.raises(InputError, match="same options"):
        state.merge(SummaryState("customer_id", "date", "amount", time_unit="W"))
    with pytest.raises(InputError, match="time_unit"):
        SummaryState("customer_id", "date", time_unit="fortnight")
