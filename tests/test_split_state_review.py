# ruff: noqa: E501 - long literal tables of test data
"""A second black-box review (session 13) of SplitState, written from its
contract: every unit, end spelling, id and date kind, mixed frame kinds,
batches in one window only, empty batches, merges and saves, errors, and
streamed sources; and the grouping of categories without a fixed list."""

from __future__ import annotations

import datetime as dt
import pickle

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import rfmkit
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal as pl_equal
from rfmkit import InputError, InputTypeError, SplitState

pytestmark = pytest.mark.filterwarnings("ignore::rfmkit.RFMWarning")

TX = rfmkit.datasets.make_transactions(1_500, 120, seed=5)
TEXT = TX.assign(customer_id="c" + TX.customer_id.astype(str))
TZ = (
    TX.assign(date=TX.date.dt.tz_localize("Europe/Paris", ambiguous="NaT", nonexistent="shift_forward"))
    .dropna()
    .reset_index(drop=True)
)
END = "2024-03-31"


def split(tx, *a, **k):
    return rfmkit.rfm_train_test_split(tx, "customer_id", "date", *a, **k)


def state(*a, **k):
    return SplitState("customer_id", "date", *a, **k)


def same(got, want):
    if isinstance(want, pl.DataFrame):
        pl_equal(got, want)
    else:
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert got.attrs == want.attrs


def rows(t, a, b):
    if isinstance(t, pd.DataFrame):
        return t.iloc[a:b]
    if isinstance(t, pa.Table):
        return t.slice(a, max(b - a, 0))
    return t[a:b]


def roundtrip(s, how):
    if how == 1:
        return pickle.loads(pickle.dumps(s))
    if how == 2:
        return SplitState.from_arrow(s.to_arrow())
    return s


FRAMES = {
    "int": TX,
    "text": TEXT,
    "cat": TEXT.astype({"customer_id": "category"}),
    "Int64": TX.astype({"customer_id": "Int64"}),
    "tz": TZ,
    "ms": TX.assign(date=TX.date.astype("datetime64[ms]")),
    "s": TX.assign(date=TX.date.astype("datetime64[s]")),
    "polars": pl.from_pandas(TEXT),
    "polars cat": pl.from_pandas(TEXT).with_columns(pl.col("customer_id").cast(pl.Categorical)),
    "arrow": pa.Table.from_pandas(TX, preserve_index=False),
    "arrow date32": pa.Table.from_pandas(TX.assign(date=TX.date.dt.date), preserve_index=False),
}


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(sorted(FRAMES)),
    st.sampled_from("DWMh"),
    st.sampled_from([1, 2.5]),
    st.booleans(),
    st.booleans(),
    st.sampled_from([None, "2024-09-30"]),
    st.lists(st.integers(0, 1_500), max_size=5),
    st.data(),
)
def test_any_kind_options_batches_and_merge_trees(name, unit, scaler, first, money, test_end, cuts, data):
    tx = FRAMES[name]
    opts = dict(time_unit=unit, time_scaler=scaler, include_first_transaction=first)
    if money:
        opts["monetary_value_col"] = "amount"
    want = split(tx, END, test_end, **opts)
    bounds = [0, *sorted(cuts), len(tx)]
    parts = [rows(tx, a, b) for a, b in zip(bounds, bounds[1:], strict=False)]
    states = [roundtrip(state(END, test_end, **opts).update(p), data.draw(st.integers(0, 2))) for p in parts]
    while len(states) > 1:
        i = data.draw(st.integers(0, len(states) - 2))
        states[i : i + 2] = [roundtrip(states[i].merge(states[i + 1]), data.draw(st.integers(0, 2)))]
    same(states[0].finish(), want)
    same(states[0].finish(), want)  # repeated finish


@pytest.mark.parametrize(
    "ends",
    [
        (dt.date(2024, 3, 31), None),
        (pd.Period("2024-03", "M"), pd.Period("2024-09", "M")),
        (pd.Timestamp(END), np.datetime64("2024-09-30")),
        (dt.datetime(2024, 3, 31, 12), "2030-01-01"),
        ("2022-06-30", "2022-12-31"),  # later batches wholly after test_period_end
    ],
)
def test_end_spellings(ends):
    want = split(TX, *ends, monetary_value_col="amount")
    got = state(*ends, monetary_value_col="amount").update(TX.iloc[:100]).update(TX.iloc[100:1200])
    same(got.update(TX.iloc[1200:]).finish(), want)


@pytest.mark.parametrize("end", [pd.Timestamp(END, tz="Europe/Paris"), pd.Timestamp(END, tz="UTC"), END])
def test_tz_aware_data_and_ends(end):
    want = split(TZ, end, time_unit="h")
    got = state(end, time_unit="h").update(TZ.iloc[900:]).update(TZ.iloc[:900])
    same(roundtrip(got, 2).finish(), want)


def test_text_dates_with_a_format():
    tx = TX.assign(date=TX.date.dt.strftime("%d/%m/%Y"))
    want = split(tx, "31/03/2024", "30/09/2024", datetime_format="%d/%m/%Y")
    got = state("31/03/2024", "30/09/2024", datetime_format="%d/%m/%Y").update(tx.iloc[:800])
    got = roundtrip(got, 1).update(tx.iloc[800:])
    same(got.finish(), want)
    other = state(pd.Timestamp(END), "30/09/2024", datetime_format="%d/%m/%Y").update(tx.iloc[:0])
    same(other.merge(got.merge(state("31/03/2024", "30/09/2024", datetime_format="%d/%m/%Y"))).finish(), want)


def test_mixed_pandas_polars_arrow_batches_of_text_ids():
    want = split(TEXT, END, monetary_value_col="amount")
    s = state(END, monetary_value_col="amount").update(TEXT.iloc[:400])
    s.update(pa.Table.from_pandas(TEXT.iloc[400:900], preserve_index=False)).update(
        pl.from_pandas(TEXT.iloc[900:])
    )
    same(s.finish(), want)


def test_polars_output_is_exact():
    frame = pl.from_pandas(TX)
    want = split(frame, END, monetary_value_col="amount")
    got = state(END, monetary_value_col="amount").update(frame[:0]).update(frame[:700]).update(frame[700:])
    same(roundtrip(got, 2).finish(), want)


def test_customer_only_in_the_test_window_is_left_out():
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3],
            "date": pd.to_datetime(["2024-01-01", "2024-05-01", "2024-02-01", "2024-06-01"]),
        }
    )
    want = split(tx, END)
    assert 3 not in set(want.customer_id)
    same(state(END).update(tx.iloc[3:]).update(tx.iloc[:0]).update(tx.iloc[:3]).finish(), want)


def test_states_of_empty_batches_only_merge_and_save():
    empty = roundtrip(state(END).update(TX.iloc[:0]).update(pl.from_pandas(TX)[:0]), 2)
    assert len(empty) == 0
    with pytest.raises(InputError, match="no rows yet"):
        empty.finish()
    full = state(END).update(TX)
    same(roundtrip(empty.merge(full), 1).finish(), split(TX, END))
    same(full.merge(roundtrip(empty, 1)).finish(), split(TX, END))
    assert empty.merge(empty).to_arrow() == empty.merge(empty).to_arrow()


def test_update_after_finish_and_merge_leaves_inputs():
    s = state(END).update(TX.iloc[:800])
    out = s.finish()
    out["frequency"] = -1.0
    out.attrs["x"] = 1
    before = s.to_arrow()
    merged = s.merge(state(END).update(TX.iloc[800:]))
    assert s.to_arrow() == before
    same(merged.finish(), split(TX, END))
    same(s.update(TX.iloc[800:]).finish(), split(TX, END))


@pytest.mark.parametrize("kind", ["pandas", "polars", "arrow"])
@pytest.mark.parametrize("column", ["date", "customer_id"])
def test_bad_row_in_the_test_window_names_batch_and_row(kind, column):
    s = state(END, "2024-09-30", monetary_value_col="amount").update(TX.iloc[:300])
    bad = TX.iloc[1000:1400].reset_index(drop=True).astype({"customer_id": object})
    bad.loc[350, column] = None if column == "customer_id" else pd.NaT
    batch = (
        bad
        if kind == "pandas"
        else pl.from_pandas(bad)
        if kind == "polars"
        else pa.Table.from_pandas(bad, preserve_index=False)
    )
    s.update(TX.iloc[:0])
    before = s.to_arrow()
    with pytest.raises((InputError, InputTypeError)) as info:
        s.update(batch)
    assert str(info.value).startswith("batch 2: ")
    assert (info.value.row, info.value.column) == (350, column)
    assert s.to_arrow() == before


@pytest.mark.parametrize(
    "batch",
    [
        None,
        [1, 2],
        5,
        "missing.parquet",
        np.zeros((2, 3)),
        TX["amount"],
        pl.from_pandas(TX)["amount"],
        TX.drop(columns="date"),
    ],
)
def test_non_tables_are_rfmkit_errors(batch):
    with pytest.raises((InputError, InputTypeError), match="^batch 0: "):
        state(END).update(batch)


def test_window_errors_match_in_memory_for_parquet(tmp_path):
    path = tmp_path / "tx.parquet"
    pq.write_table(pa.Table.from_pandas(TX, preserve_index=False), path, row_group_size=137)
    for ends in [
        ("2020-01-01", None),
        ("2025-06-30", None),
        (END, "2024-03-31 00:00:01"),
        (END, "2024-01-01"),
    ]:
        with pytest.raises(InputError) as memory:
            split(TX, *ends)
        with pytest.raises(InputError) as streamed:
            split(str(path), *ends, progress=False)
        assert str(streamed.value) == str(memory.value)


@pytest.mark.parametrize("name", ["int", "text", "tz", "arrow date32"])
@pytest.mark.parametrize("test_end", [None, "2024-10-31"])
def test_parquet_and_reader_equal_in_memory(tmp_path, name, test_end):
    tx = FRAMES[name]
    table = tx if isinstance(tx, pa.Table) else pa.Table.from_pandas(tx, preserve_index=False)
    path = tmp_path / "tx.parquet"
    pq.write_table(table, path, row_group_size=137)
    opts = dict(time_unit="W", monetary_value_col="amount")
    want = split(table, END, test_end, **opts)
    same(split(str(path), END, test_end, progress=False, **opts), want)
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=211))
    same(split(reader, END, test_end, progress=False, **opts), want)


def _groups(seed):
    rng = np.random.default_rng(seed)
    return TX.assign(region=rng.choice(["north", "south", "east", "west"], len(TX))).sample(
        frac=1, random_state=seed
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_by_polars_categorical_and_arrow_dictionary_grouped_by_value(tmp_path, seed):
    df = _groups(seed).reset_index(drop=True)
    frame = pl.from_pandas(df).with_columns(pl.col("region").cast(pl.Categorical))
    want = rfmkit.rfm_table(frame.sort("date"), by="region", as_of="2024-12-31")
    assert want.schema["region"] == pl.Enum(["east", "north", "south", "west"])
    pl_equal(rfmkit.rfm_table(frame, by="region", as_of="2024-12-31"), want)
    parts = [
        rfmkit.RFMState(as_of="2024-12-31", by="region").update(frame[a : a + 300])
        for a in range(0, len(df), 300)
    ]
    merged = parts[-1]
    for p in parts[-2::-1]:
        merged = p.merge(pickle.loads(pickle.dumps(merged)))
    pl_equal(merged.finish(), want)
    chunks = []
    for a in range(0, len(df), 500):
        c = pa.Table.from_pandas(df.iloc[a : a + 500], preserve_index=False)
        i = c.schema.get_field_index("region")
        chunks.append(c.set_column(i, "region", pa.array(c.column("region").to_pylist()).dictionary_encode()))
    table = pa.concat_tables(chunks)
    memory = rfmkit.rfm_table(table, by="region", as_of="2024-12-31")
    assert list(memory.region.cat.categories) == ["east", "north", "south", "west"]
    s = rfmkit.RFMState(as_of="2024-12-31", by="region")
    for c in chunks[::-1]:
        s.update(c)
    same(s.finish(), memory)
    path = tmp_path / "g.parquet"
    pq.write_table(table, path, row_group_size=250)
    same(rfmkit.rfm_table(str(path), by="region", as_of="2024-12-31", progress=False), memory)


def test_by_polars_enum_keeps_its_order():
    df = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 1, 2, 4],
            "date": pd.to_datetime(
                ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01", "2024-06-01"]
            ),
            "amount": [1.0, 2, 3, 4, 5, 6],
            "g": ["z", "m", "z", "a", "b", "m"],
        }
    )
    enum = pl.Enum(["z", "b", "m", "a"])
    frame = pl.from_pandas(df).with_columns(pl.col("g").cast(enum))
    want = rfmkit.rfm_table(frame, by="g", as_of="2024-12-31")
    assert want.schema["g"] == enum
    s = (
        rfmkit.RFMState(as_of="2024-12-31", by="g")
        .update(frame[[5, 4, 3]])
        .update(frame[:0])
        .update(frame[[2, 1, 0]])
    )
    pl_equal(s.finish(), want)


@pytest.mark.parametrize(
    "call",
    [
        lambda x: rfmkit.rfm_table(x, as_of="2024-12-31"),
        lambda x: rfmkit.rfm_summary(x, "customer_id", "date"),
        lambda x: rfmkit.rfm_train_test_split(x, "customer_id", "date", END),
        lambda x: rfmkit.RFMState(as_of="2024-12-31").update(x),
        lambda x: rfmkit.SummaryState("customer_id", "date").update(x),
        lambda x: rfmkit.score(x),
    ],
)
@pytest.mark.parametrize(
    "series", [TX["amount"], TX.iloc[0], pl.from_pandas(TX)["amount"], pa.chunked_array([pa.array([1.0])])]
)
def test_a_series_where_a_table_is_expected(call, series):
    with pytest.raises(InputTypeError):
        call(series)


@pytest.mark.parametrize("data", ["text", "tz"])
@pytest.mark.parametrize("kind", ["rfm", "summary", "split"])
def test_empty_first_batches_of_another_kind(data, kind):
    tx = FRAMES[data]
    empty = pa.table(
        {
            "customer_id": pa.array([], pa.int64()),
            "date": pa.array([], pa.date32()),
            "amount": pa.array([], pa.float64()),
        }
    )
    new, want = {
        "rfm": (
            lambda: rfmkit.RFMState(as_of="2024-12-31"),
            lambda: rfmkit.rfm_table(tx, as_of="2024-12-31"),
        ),
        "summary": (
            lambda: rfmkit.SummaryState("customer_id", "date", "amount"),
            lambda: rfmkit.rfm_summary(tx, "customer_id", "date", "amount"),
        ),
        "split": (
            lambda: state(END, monetary_value_col="amount"),
            lambda: split(tx, END, monetary_value_col="amount"),
        ),
    }[kind]
    s = pickle.loads(pickle.dumps(new().update(empty).update(empty)))
    s = type(s).from_arrow(s.to_arrow()).update(tx.iloc[:700])
    same(new().update(empty).merge(s).merge(new().update(tx.iloc[700:])).finish(), want())


@pytest.mark.parametrize(
    "spelling",
    [
        pd.Timestamp("2024-12-31"),
        dt.date(2024, 12, 31),
        np.datetime64("2024-12-31"),
        "2024-12-31T00:00:00.000",
    ],
)
def test_end_spellings_merge(spelling):
    for new in (
        lambda a: rfmkit.RFMState(as_of=a, window="90D"),
        lambda a: rfmkit.SummaryState("customer_id", "date", "amount", observation_period_end=a),
    ):
        a = new("2024-12-31").update(TX.iloc[:700])
        b = pickle.loads(pickle.dumps(new(spelling).update(TX.iloc[700:])))
        same(a.merge(b).finish(), b.merge(a).finish())
    s = state(pd.Timestamp(END) if isinstance(spelling, pd.Timestamp) else END).update(TX.iloc[:700])
    same(s.merge(state(dt.date(2024, 3, 31)).update(TX.iloc[700:])).finish(), split(TX, END))


def test_from_arrow_refuses_corrupted_split_tables():
    t = state(END, monetary_value_col="amount").update(TX).to_arrow()
    for broken in (
        t.replace_schema_metadata({b"rfmkit.split_state": b"{not json"}),
        t.drop_columns(["train"]),
        t.set_column(0, "train", pa.array([None], pa.large_binary())),
        t.set_column(0, "train", pa.array([1], pa.int64())),
        t.slice(0, 0),
        "not a table",
    ):
        with pytest.raises(InputError):
            SplitState.from_arrow(broken)
