"""rfmkit.SplitState: rfm_train_test_split fed batch by batch and merged,
equal to the in-memory split of all the rows, bit for bit."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
import rfmkit
from hypothesis import given, settings
from hypothesis import strategies as st
from rfmkit import InputError, InputTypeError, SplitState

pytestmark = pytest.mark.filterwarnings("ignore::rfmkit.RFMWarning")

TX = rfmkit.datasets.make_transactions(1_500, 120, seed=5)
TEXT = rfmkit.datasets.make_transactions(1_500, 120, seed=6, string_ids=True)
OPTIONS = [
    {},
    {"monetary_value_col": "amount"},
    {"monetary_value_col": "amount", "test_period_end": "2024-09-30"},
    {"monetary_value_col": "amount", "include_first_transaction": True, "time_unit": "W"},
    {"time_unit": "M", "time_scaler": 2.0},
]


def one_shot(tx: pd.DataFrame, train_end: str, opts: dict) -> pd.DataFrame:
    opts = dict(opts)
    test_end = opts.pop("test_period_end", None)
    return rfmkit.rfm_train_test_split(tx, "customer_id", "date", train_end, test_end, **opts)


def new_state(train_end: str, opts: dict) -> SplitState:
    opts = dict(opts)
    test_end = opts.pop("test_period_end", None)
    return SplitState("customer_id", "date", train_end, test_end, **opts)


def saved(state: SplitState, how: int) -> SplitState:
    """The state itself, pickled, or through Arrow."""
    if how == 1:
        return pickle.loads(pickle.dumps(state))
    if how == 2:
        return SplitState.from_arrow(state.to_arrow())
    return state


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(OPTIONS),
    st.booleans(),
    st.sampled_from(["2023-06-30", "2024-03-31"]),
    st.lists(st.integers(0, 1_500), max_size=6),
    st.data(),
)
def test_any_batches_updates_and_merge_trees_equal_the_one_shot_split(opts, text, end, cuts, data):
    tx = TEXT if text else TX
    want = one_shot(tx, end, opts)
    bounds = [0, *sorted(cuts), len(tx)]
    batches = [tx.iloc[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    order = data.draw(st.permutations(range(len(batches))))
    # One state fed in a random order...
    state = new_state(end, opts)
    for i in order:
        state = saved(state, data.draw(st.integers(0, 2))).update(batches[i])
    pd.testing.assert_frame_equal(state.finish(), want, check_exact=True)
    assert state.finish().attrs == want.attrs
    # ...and one state per batch, merged in a random tree.
    states = [new_state(end, opts).update(b) for b in batches]
    while len(states) > 1:
        i = data.draw(st.integers(0, len(states) - 2))
        left, right = saved(states[i], data.draw(st.integers(0, 2))), states[i + 1]
        states[i : i + 2] = [left.merge(right)]
    pd.testing.assert_frame_equal(states[0].finish(), want, check_exact=True)


def test_merge_leaves_both_states_as_they_were():
    a = new_state("2024-03-31", {}).update(TX.iloc[:700])
    b = new_state("2024-03-31", {}).update(TX.iloc[700:])
    before = (a.to_arrow(), b.to_arrow())
    merged = a.merge(b)
    merged.update(TX.iloc[:10])
    assert (a.to_arrow(), b.to_arrow()) == before


def test_polars_and_arrow_batches():
    want = one_shot(TX, "2024-03-31", {"monetary_value_col": "amount"})
    frame = pl.from_pandas(TX)
    got = new_state("2024-03-31", {"monetary_value_col": "amount"}).update(frame[:600]).update(frame[600:])
    result = got.finish()
    assert isinstance(result, pl.DataFrame)
    pd.testing.assert_frame_equal(result.to_pandas(), want.reset_index(drop=True), check_dtype=False)
    table = pa.Table.from_pandas(TX, preserve_index=False)
    arrow = new_state("2024-03-31", {"monetary_value_col": "amount"}).update(table.slice(900))
    arrow.update(table.slice(0, 900))
    pd.testing.assert_frame_equal(arrow.finish(output="pandas"), want, check_exact=True)


@pytest.mark.parametrize(("column", "value"), [("amount", np.nan), ("date", pd.NaT), ("customer_id", None)])
def test_a_bad_row_names_the_batch_and_its_row_and_changes_nothing(column, value):
    state = new_state("2024-03-31", {"monetary_value_col": "amount"}).update(TX.iloc[:500])
    bad = TX.iloc[500:900].copy()
    if column == "customer_id":
        bad = bad.astype({"customer_id": object})
    bad.iloc[37, bad.columns.get_loc(column)] = value
    before = state.to_arrow()
    with pytest.raises((InputError, InputTypeError)) as info:
        state.update(bad)
    assert str(info.value).startswith("batch 1: ")
    assert info.value.column == column
    assert info.value.row == 37
    assert state.to_arrow() == before
    # The state goes on as if the bad batch had not come.
    state.update(TX.iloc[500:])
    want = one_shot(TX, "2024-03-31", {"monetary_value_col": "amount"})
    pd.testing.assert_frame_equal(state.finish(), want, check_exact=True)


def test_batches_and_states_must_agree():
    state = new_state("2024-03-31", {}).update(TX.iloc[:100])
    with pytest.raises(InputTypeError, match="customer_id"):
        state.update(TEXT.iloc[100:200])
    with pytest.raises(InputTypeError, match="date"):
        state.update(TX.iloc[100:200].assign(date=TX["date"].iloc[100:200].dt.tz_localize("UTC")))
    with pytest.raises(InputError, match="same options"):
        state.merge(new_state("2024-04-30", {}))
    with pytest.raises(InputError, match="same options"):
        state.merge(new_state("2024-03-31", {"time_unit": "W"}))
    with pytest.raises(InputError):
        state.merge(new_state("2024-03-31", {}).update(TEXT.iloc[:100]))
    with pytest.raises(InputTypeError):
        state.merge(rfmkit.SummaryState("customer_id", "date"))  # type: ignore[arg-type]
    # The same end, spelled differently, is the same option.
    same = SplitState("customer_id", "date", pd.Timestamp("2024-03-31")).update(TX.iloc[100:])
    want = one_shot(TX, "2024-03-31", {})
    pd.testing.assert_frame_equal(state.merge(same).finish(), want, check_exact=True)


def test_empty_states_and_windows_are_errors_as_in_memory():
    with pytest.raises(InputError, match="no rows yet"):
        new_state("2024-03-31", {}).finish()
    with pytest.raises(InputError, match="no rows yet"):
        new_state("2024-03-31", {}).update(TX.iloc[:0]).finish()
    # Empty batches change nothing, before or after the others.
    state = new_state("2024-03-31", {}).update(TX.iloc[:0]).update(TX).update(TX.iloc[:0])
    pd.testing.assert_frame_equal(state.finish(), one_shot(TX, "2024-03-31", {}), check_exact=True)
    # Ends that leave a window empty: the in-memory function's errors.
    ends = [("2020-01-01", None), ("2025-06-30", None), ("2024-03-31", "2024-03-31 00:00:01")]
    for train_end, test_end in ends:
        opts = {} if test_end is None else {"test_period_end": test_end}
        with pytest.raises(InputError) as memory:
            one_shot(TX, train_end, opts)
        with pytest.raises(InputError) as streamed:
            new_state(train_end, opts).update(TX.iloc[:800]).update(TX.iloc[800:]).finish()
        assert str(streamed.value) == str(memory.value)
    with pytest.raises(InputError, match="must be before"):
        SplitState("customer_id", "date", "2024-03-31", "2024-01-01").update(TX)
    with pytest.raises(InputError):
        SplitState("customer_id", "date", "not a date")


def test_from_arrow_refuses_other_tables():
    with pytest.raises(InputError):
        SplitState.from_arrow(pa.table({"a": [1]}))
    with pytest.raises(InputError):
        SplitState.from_arrow(rfmkit.SummaryState("customer_id", "date").update(TX).to_arrow())
    state = new_state("2024-03-31", {}).update(TX)
    table = state.to_arrow()
    broken = table.set_column(0, "train", pa.array([b"not arrow"], pa.large_binary()))
    with pytest.raises(InputError):
        SplitState.from_arrow(broken)
    assert "SplitState(" in repr(state) and len(state) == len(state.finish())
