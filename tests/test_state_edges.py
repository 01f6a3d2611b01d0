"""Edge cases of the streamed states that a black-box review found failing
(session 13), each with the rule it checks: categorical ids across batches,
states of empty batches, group columns without a fixed list of categories,
lone surrogates, single columns as input, corrupted saved states, equal
options spelled differently."""

from __future__ import annotations

import json
import pickle

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import rfmkit
from rfmkit import InputError, InputTypeError, RFMState, SummaryState

pytestmark = pytest.mark.filterwarnings("ignore::rfmkit.RFMWarning")
A = ("customer_id", "date", "amount")
RFMKIT_ERRORS = (InputError, InputTypeError)


def frame(ids, days, amounts=None, **extra):
    n = len(ids)
    return pd.DataFrame(
        {
            "customer_id": ids,
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"),
            "amount": [1.0] * n if amounts is None else amounts,
            **extra,
        }
    )


# -- 1. SummaryState loses ids of categorical batches with different categories --------
def test_summary_state_categorical_ids_with_per_batch_categories():
    a = frame(pd.Categorical(["a"]), [0])
    b = frame(pd.Categorical(["b"]), [1])
    want = rfmkit.rfm_summary(pd.concat([a, b], ignore_index=True), *A)
    got = SummaryState(*A).update(a).update(b).finish()
    # got: customer_id [NaN, 'a'] (the id 'b' is lost, and the rows are misordered)
    assert got["customer_id"].isna().sum() == 0
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_summary_state_categorical_ids_merge():
    a = frame(pd.Categorical([1, 1]), [0, 3])
    b = frame(pd.Categorical([2, 2]), [1, 5])
    want = rfmkit.rfm_summary(pd.concat([a, b], ignore_index=True), *A)
    got = SummaryState(*A).update(a).merge(SummaryState(*A).update(b)).finish()
    assert got["customer_id"].tolist() == want["customer_id"].tolist()


def test_summary_state_categorical_then_plain_text_ids():
    a = frame(pd.Categorical(["a"]), [0])
    c = frame(["z"], [1])
    got = SummaryState(*A).update(a).update(c).finish()
    assert got["customer_id"].tolist() == ["a", "z"]


# -- 2. a by= state that saw only empty batches: raw ValueError -------------------------
@pytest.mark.parametrize("op", ["finish", "to_arrow", "pickle", "merge_finish"])
def test_grouped_state_of_empty_batches(op):
    tx = rfmkit.datasets.make_transactions(50, 5, seed=1, channels=True)
    state = RFMState(by="channel").update(tx.iloc[:0])
    want = rfmkit.rfm_table(tx.iloc[:0], by="channel")
    try:
        if op == "finish":
            pd.testing.assert_frame_equal(state.finish(), want)
        elif op == "to_arrow":
            RFMState.from_arrow(state.to_arrow())
        elif op == "pickle":
            pickle.loads(pickle.dumps(state)).update(tx)
        else:
            state.merge(RFMState(by="channel").update(tx.iloc[:0])).finish()
    except RFMKIT_ERRORS:
        pass  # an rfmkit error would be acceptable; a raw ValueError (zip strict) is not


# -- 3. group columns without a fixed category set (polars Categorical, Arrow dictionary) -
def test_polars_categorical_group_split_into_batches():
    df = pl.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "date": pl.Series(pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"])),
            "amount": [1.0, 2.0, 3.0, 4.0],
            "g": pl.Series(["b", "b", "a", "a"], dtype=pl.Categorical),
        }
    )
    want = rfmkit.rfm_table(df, by="g")
    state = RFMState(by="g").update(df[:2]).update(df[2:])  # InputError: 'a' not one of the categories
    assert state.finish().equals(want)


def test_polars_categorical_group_result_depends_on_batch_order():
    df = pl.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "date": pl.Series(pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"])),
            "amount": [1.0, 2.0, 3.0, 4.0],
            "g": pl.Series(["b", "a", "a", "b"], dtype=pl.Categorical),
        }
    )
    want = rfmkit.rfm_table(df, by="g")  # Enum(['b', 'a']), rows b, b, a, a
    got = RFMState(by="g").update(df[2:]).update(df[:2]).finish()  # Enum(['a', 'b']), rows a, a, b, b
    assert got.equals(want)


def _dictionary_tables():
    t1 = pa.table(
        {
            "customer_id": [1, 2],
            "date": pa.array(pd.to_datetime(["2024-01-01", "2024-01-02"])),
            "amount": [1.0, 2.0],
            "g": pa.array(["b", "b"]).dictionary_encode(),
        }
    )
    t2 = pa.table(
        {
            "customer_id": [3, 4],
            "date": pa.array(pd.to_datetime(["2024-01-03", "2024-01-04"])),
            "amount": [1.0, 2.0],
            "g": pa.array(["a", "b"]).dictionary_encode(),
        }
    )
    return t1, t2


def test_streamed_parquet_with_dictionary_group_column(tmp_path):
    t1, t2 = _dictionary_tables()
    pq.write_table(t1, tmp_path / "p1.parquet")
    pq.write_table(t2, tmp_path / "p2.parquet")
    want = rfmkit.rfm_table(pa.concat_tables([t1, t2]), by="g")
    got = rfmkit.rfm_table(str(tmp_path / "*.parquet"), by="g", progress=False)  # InputError
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_streamed_reader_with_dictionary_group_column():
    t1, t2 = _dictionary_tables()
    reader = pa.RecordBatchReader.from_batches(t1.schema, t1.to_batches() + t2.to_batches())
    want = rfmkit.rfm_table(pa.concat_tables([t1, t2]), by="g")
    got = rfmkit.rfm_table(reader, by="g", progress=False)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


# -- 4. raw Python exceptions escaping public functions ---------------------------------
def test_summary_state_lone_surrogate_id_is_an_input_error():
    bad = frame(pd.Series(["\ud800", "y"], dtype=object), [0, 1])
    with pytest.raises(InputError):
        rfmkit.rfm_summary(bad, *A)  # passes: InputError
    with pytest.raises(InputError):
        SummaryState(*A).update(bad)  # raw UnicodeEncodeError


def test_group_surrogate_error_names_the_column():
    bad = frame([1, 2], [0, 1], g=pd.Series(["\ud800", "y"], dtype=object))
    with pytest.raises(InputError) as info:
        RFMState(by="g").update(bad)
    assert info.value.column == "g"  # the message says only "a text column"


@pytest.mark.parametrize(
    "call",
    [
        lambda s: rfmkit.rfm_table(s),
        lambda s: RFMState().update(s),
        lambda s: SummaryState(*A).update(s),
    ],
)
def test_a_series_batch_is_an_input_type_error(call):
    with pytest.raises(InputTypeError):
        call(frame([1], [0])["amount"])  # raw pyarrow ArrowInvalid


def _edit(table, key, fn):
    meta = json.loads(table.schema.metadata[key])
    fn(meta)
    return table.replace_schema_metadata({key: json.dumps(meta)})


def _rfm_saved():
    return RFMState().update(frame([1, 2], [0, 1])).to_arrow()


def _summary_saved():
    return SummaryState(*A).update(frame([1, 2], [0, 1])).to_arrow()


@pytest.mark.parametrize(
    "make",
    [
        lambda: (RFMState, _edit(_rfm_saved(), b"rfmkit.state", lambda m: m["groups"][0].update(rows=-1))),
        lambda: (
            RFMState,
            _edit(_rfm_saved(), b"rfmkit.state", lambda m: m["groups"][0].update(min_pos=2**63)),
        ),
        lambda: (RFMState, _edit(_rfm_saved(), b"rfmkit.state", lambda m: m.update(unit="fortnight"))),
        lambda: (RFMState, _edit(_rfm_saved(), b"rfmkit.state", lambda m: m.update(zone="Mars/Base"))),
        lambda: (
            SummaryState,
            _edit(_summary_saved(), b"rfmkit.summary_state", lambda m: m.update(total_rows=-1)),
        ),
        lambda: (
            SummaryState,
            _summary_saved().set_column(2, "last", pa.array([2**63 - 1, 2**63 - 1], pa.int64())),
        ),
    ],
    ids=["rows-1", "min_pos2^63", "unit", "zone", "summary-rows-1", "summary-last-max"],
)
def test_corrupted_saved_state_is_an_input_error(make):
    cls, table = make()
    with pytest.raises(RFMKIT_ERRORS):
        cls.from_arrow(
            table
        ).finish()  # OverflowError / TypeError / ZoneInfoNotFoundError / OutOfBoundsDatetime


# -- 5. a zero-row first batch fixes kinds it cannot know -------------------------------
def test_summary_state_empty_object_first_batch_fixes_the_id_kind():
    tx = rfmkit.datasets.make_transactions(100, 10, seed=3)
    empty = pd.DataFrame(
        {
            "customer_id": pd.Series([], dtype=object),
            "date": pd.Series([], dtype=tx["date"].dtype),
            "amount": pd.Series([], dtype=float),
        }
    )
    RFMState().update(empty).update(tx).finish()  # RFMState accepts this
    SummaryState(*A).update(empty).update(tx).finish()  # InputTypeError: another kind


# -- 6. merge messages / equal options --------------------------------------------------
def test_merge_error_names_the_differing_columns():
    with pytest.raises(InputError) as info:
        RFMState("customer_id", "date", "amount").merge(RFMState("customer_id", "date", "amt"))
    assert "amt" in str(info.value)  # message: "frequency='rows', returns='net' vs <the same>"


def test_equal_as_of_in_two_spellings_merge():
    tx = rfmkit.datasets.make_transactions(100, 10, seed=3)
    a = RFMState(as_of="2023-06-01").update(tx.iloc[:50])
    b = RFMState(as_of=pd.Timestamp("2023-06-01")).update(tx.iloc[50:])
    pd.testing.assert_frame_equal(a.merge(b).finish(), rfmkit.rfm_table(tx, as_of="2023-06-01"))
