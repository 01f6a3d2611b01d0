# ruff: noqa: E501 - long literal tables of test data
"""Edge cases of SplitState and of the states' newer rules that a second
black-box review found failing (session 13): amounts' dtypes, bad rows in
neither window, refused batches that must change nothing, ragged mappings,
categorical ids before Arrow batches, repeated Arrow columns, huge scalers,
corrupted saved tables, empty batches of other kinds, and one instant in
two time zones."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest
import rfmkit
from rfmkit import InputError, InputTypeError, SplitState

pytestmark = pytest.mark.filterwarnings("ignore::rfmkit.RFMWarning")

TX = rfmkit.datasets.make_transactions(1_500, 120, seed=5)
END = "2024-03-31"


def split(tx, *a, **k):
    return rfmkit.rfm_train_test_split(tx, "customer_id", "date", *a, **k)


def state(*a, **k):
    return SplitState("customer_id", "date", *a, **k)


def small():
    return pd.DataFrame(
        {
            "id": [1, 1, 2, 2],
            "d": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-02-01", "2024-01-03"]),
            "m": [1.0, 2.0, 3.0, 4.0],
        }
    )


@pytest.mark.parametrize("dtype", ["Float64", "double[pyarrow]"])
def test_test_monetary_value_dtype_follows_nullable_and_arrow_amounts(dtype):
    tx = TX.astype({"amount": dtype})
    want = split(tx, END, monetary_value_col="amount")
    got = state(END, monetary_value_col="amount").update(tx.iloc[:700]).update(tx.iloc[700:]).finish()
    pd.testing.assert_frame_equal(got, want, check_exact=True)  # float64 vs Float64 / double[pyarrow]


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_bad_amount_after_test_end_is_refused_as_in_memory(bad):
    tx = small().iloc[:3].copy()
    tx = pd.concat(
        [tx, pd.DataFrame({"id": [2], "d": pd.to_datetime(["2024-03-01"]), "m": [bad]})], ignore_index=True
    )
    with pytest.raises(InputError):
        rfmkit.rfm_train_test_split(tx, "id", "d", "2024-01-15", "2024-02-15", monetary_value_col="m")
    with pytest.raises(InputError) as info:
        SplitState("id", "d", "2024-01-15", "2024-02-15", monetary_value_col="m").update(tx)
    assert info.value.row == 3 and info.value.column == "m"


def test_bad_amount_after_test_end_in_parquet_is_refused(tmp_path):
    bad = TX.copy()
    bad.loc[1450, "amount"] = np.inf  # after test_period_end
    path = tmp_path / "x.parquet"
    pq.write_table(pa.Table.from_pandas(bad, preserve_index=False), path, row_group_size=300)
    with pytest.raises(InputError):
        split(bad, END, "2024-06-30", monetary_value_col="amount")
    with pytest.raises(InputError):
        split(str(path), END, "2024-06-30", monetary_value_col="amount", progress=False)


def test_refused_batch_with_a_bad_test_row_leaves_the_state_unchanged():
    s = SplitState("id", "d", "2024-01-15", monetary_value_col="m").update(small())
    before = s.to_arrow()
    bad = pd.DataFrame({"id": [3, 3], "d": pd.to_datetime(["2024-01-02", "2024-01-20"]), "m": [5.0, np.nan]})
    with pytest.raises(InputError) as info:
        s.update(bad)
    assert info.value.row == 1
    assert s.to_arrow() == before  # customer 3's training row was kept


def test_ragged_mapping_is_refused():
    d = {"id": [1, 1, 2], "d": list(pd.to_datetime(["2024-01-01", "2024-02-01"]))}
    with pytest.raises(InputError):
        rfmkit.rfm_train_test_split(d, "id", "d", "2024-01-15")
    with pytest.raises(InputError, match="^batch 0: "):
        SplitState("id", "d", "2024-01-15").update(d)


@pytest.mark.parametrize("kind", ["arrow", "polars"])
def test_categorical_ids_then_text_batch_of_new_ids(kind):
    b = pd.DataFrame(
        {
            "id": pd.Categorical(["x", "x", "y"]),
            "d": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-02"]),
        }
    )
    c = pd.DataFrame({"id": ["z", "z", "x"], "d": pd.to_datetime(["2024-01-03", "2024-01-09", "2024-01-10"])})
    later = pa.Table.from_pandas(c, preserve_index=False) if kind == "arrow" else pl.from_pandas(c)
    want = rfmkit.SummaryState("id", "d").update(b).update(c).finish()  # pandas batch: fine
    got = rfmkit.SummaryState("id", "d").update(b).update(later).finish(output="pandas")
    pd.testing.assert_frame_equal(got, want, check_exact=True)  # customer 'z' comes back as NaN


def test_split_state_loses_test_rows_of_ids_new_after_a_categorical_batch():
    text = TX.assign(customer_id="c" + TX.customer_id.astype(str))
    want = split(text, END)
    s = state(END).update(text.iloc[:400])
    s.update(text.iloc[400:900].astype({"customer_id": "category"}))
    s.update(pa.Table.from_pandas(text.iloc[900:], preserve_index=False))
    got = s.finish()
    np.testing.assert_array_equal(got["test_frequency"].to_numpy(), want["test_frequency"].to_numpy())


def _dup_table():
    return pa.table(
        [
            pa.array([1, 2]),
            pa.array([1, 2]),
            pa.array(pd.to_datetime(["2024-01-01", "2024-02-01"])),
            pa.array([1.0, 2.0]),
        ],
        names=["customer_id", "customer_id", "date", "amount"],
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda t: SplitState("customer_id", "date", "2024-01-15").update(t),
        lambda t: rfmkit.rfm_table(t, as_of="2024-03-01"),
        lambda t: rfmkit.rfm_summary(t, "customer_id", "date"),
        lambda t: rfmkit.RFMState(as_of="2024-03-01").update(t),
    ],
)
def test_arrow_table_with_a_duplicated_column_name(call):
    with pytest.raises((InputError, InputTypeError)):
        call(_dup_table())  # KeyError: Field "customer_id" exists 2 times in schema


def test_huge_time_scaler_is_an_input_error():
    with pytest.raises((InputError, InputTypeError)):
        state(END, time_scaler=10**400)  # OverflowError


def test_empty_money_column_name_is_refused_as_in_memory():
    with pytest.raises(InputError):
        split(TX, END, monetary_value_col="")
    with pytest.raises(InputError):
        state(END, monetary_value_col="").update(TX).finish()


def _saved():
    s = state(END, monetary_value_col="amount").update(TX)
    return s, s.to_arrow()


def test_from_arrow_of_truncated_bytes_is_an_input_error():
    _, t = _saved()
    raw = t.column("train")[0].as_py()
    with pytest.raises(InputError):
        SplitState.from_arrow(t.set_column(0, "train", pa.array([raw[: len(raw) // 2]], pa.large_binary())))


def test_from_arrow_does_not_open_a_file_named_in_the_table(tmp_path):
    _, t = _saved()
    other = rfmkit.SummaryState("customer_id", "date", "amount", observation_period_end=END).update(
        TX.iloc[:50]
    )
    path = os.fspath(tmp_path / "elsewhere.arrows")
    with ipc.new_stream(path, other.to_arrow().schema) as w:
        w.write_table(other.to_arrow())
    with pytest.raises(InputError):
        SplitState.from_arrow(t.set_column(0, "train", pa.array([path], pa.string())))


@pytest.mark.parametrize(("key", "value"), [("rows", [5]), ("unit", "x")])
def test_from_arrow_checks_the_saved_meta(key, value):
    s, t = _saved()
    meta = json.loads(t.schema.metadata[b"rfmkit.split_state"])
    meta[key] = value
    broken = t.replace_schema_metadata({b"rfmkit.split_state": json.dumps(meta)})
    try:
        loaded = SplitState.from_arrow(broken)
    except InputError:
        return
    for use in (loaded.finish, lambda: loaded.merge(s)):
        with pytest.raises((InputError, InputTypeError)):
            use()  # IndexError / ValueError / TypeError


@pytest.mark.parametrize("cls", ["summary", "rfm"])
def test_corrupted_batches_meta_of_saved_states(cls):
    obj = (
        rfmkit.SummaryState("customer_id", "date", "amount").update(TX)
        if cls == "summary"
        else rfmkit.RFMState(as_of="2024-12-31").update(TX)
    )
    t = obj.to_arrow()
    key = next(iter(t.schema.metadata))
    meta = json.loads(t.schema.metadata[key])
    meta["batches"] = None
    broken = t.replace_schema_metadata({key: json.dumps(meta)})
    try:
        loaded = type(obj).from_arrow(broken)
    except InputError:
        return
    with pytest.raises((InputError, InputTypeError)):
        loaded.merge(obj)  # TypeError: unsupported operand type(s) for +: 'NoneType' and 'int'


@pytest.mark.parametrize("kind", ["summary", "rfm"])
def test_an_empty_batch_after_rows_changes_nothing(kind):
    empty = pa.table(
        {
            "customer_id": pa.array([], pa.int64()),
            "date": pa.array([], pa.date32()),
            "amount": pa.array([], pa.float64()),
        }
    )
    s = (
        rfmkit.SummaryState("customer_id", "date", "amount")
        if kind == "summary"
        else rfmkit.RFMState(as_of="2024-12-31")
    )
    s.update(TX).update(empty)  # InputTypeError: another unit than the earlier batches'
    SplitState("customer_id", "date", END).update(TX).update(empty)  # SplitState accepts it


def test_merge_of_the_same_instant_in_another_zone():
    tz = TX.assign(date=TX.date.dt.tz_localize("UTC"))
    a, b = pd.Timestamp(END, tz="UTC"), pd.Timestamp("2024-03-31 01:00", tz="Europe/Paris")
    pd.testing.assert_frame_equal(split(tz, a), split(tz, b), check_exact=True)
    got = state(a).update(tz.iloc[:700]).merge(state(b).update(tz.iloc[700:])).finish()
    pd.testing.assert_frame_equal(got, split(tz, a), check_exact=True)


@pytest.mark.parametrize("kind", ["summary", "rfm"])
def test_two_empty_first_batches_of_other_kinds(kind):
    """The first batch *with rows* fixes ids and unit; an empty batch fixes nothing."""
    arrow_empty = pa.table(
        {
            "customer_id": pa.array([], pa.int64()),
            "date": pa.array([], pa.date32()),
            "amount": pa.array([], pa.float64()),
        }
    )
    frame_empty = pd.DataFrame(columns=["customer_id", "date", "amount"])  # object columns
    s = (
        rfmkit.SummaryState("customer_id", "date", "amount")
        if kind == "summary"
        else rfmkit.RFMState(as_of="2024-12-31")
    )
    s.update(arrow_empty).update(
        frame_empty
    )  # InputTypeError: ids / dates "of another kind than the earlier batches'"
    SplitState("customer_id", "date", END).update(arrow_empty).update(frame_empty)  # accepted
