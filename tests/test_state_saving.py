"""Saved states (pickle, to_arrow / from_arrow) behave as the states saved:
the id dtype, the kind of result, the observation end and the dates' zone
survive, and a malformed table is an InputError."""

import datetime as dt
import pickle

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
import rfmkit
from rfmkit.errors import InputError, InputTypeError


def _pickled(state):
    return pickle.loads(pickle.dumps(state))


def _arrow(state):
    return type(state).from_arrow(state.to_arrow())


ROUND_TRIPS = [_pickled, _arrow]


def _tx(ids, dates, amounts, tz=None):
    d = pd.to_datetime(pd.Series(dates))
    return pd.DataFrame({"c": ids, "d": d.dt.tz_localize(tz) if tz else d, "m": amounts})


@pytest.mark.parametrize("trip", ROUND_TRIPS)
@pytest.mark.parametrize(
    "categories, ordered",
    [(["c", "b", "a", "z"], False), (["c", "b", "a", "z"], True), ([30, 10, 20], False)],
)
def test_summary_state_keeps_categorical_ids(trip, categories, ordered):
    values = categories[:3][::-1]
    ids = pd.Categorical(values, categories=categories, ordered=ordered)
    df = _tx(ids, ["2024-01-01", "2024-01-05", "2024-01-09"], [1.0, 2.0, 3.0])
    state = rfmkit.SummaryState("c", "d", "m").update(df.iloc[:2])
    back = trip(state).update(df.iloc[2:])
    want = rfmkit.rfm_summary(df, "c", "d", "m")
    pd.testing.assert_frame_equal(back.finish(), want, check_exact=True)
    assert back.finish()["customer_id"].dtype == ids.dtype


@pytest.mark.parametrize("trip", ROUND_TRIPS)
@pytest.mark.parametrize("zone", ["UTC", "America/New_York", dt.timezone(dt.timedelta(hours=5))])
def test_zoned_rfm_state_updates_and_merges_after_a_round_trip(trip, zone):
    df = _tx([1, 2, 1], ["2024-01-01", "2024-01-02", "2024-01-04"], [1.0, 2.0, 4.0], tz=zone)
    back = trip(rfmkit.RFMState("c", "d", "m").update(df.iloc[1:]))
    merged = rfmkit.RFMState("c", "d", "m").update(df.iloc[:1]).merge(back)
    want = rfmkit.rfm_table(df, "c", "d", "m")
    pd.testing.assert_frame_equal(merged.finish(), want, check_exact=True)
    updated = trip(rfmkit.RFMState("c", "d", "m").update(df.iloc[1:])).update(df.iloc[:1])
    pd.testing.assert_frame_equal(updated.finish(), want, check_exact=True)


@pytest.mark.parametrize("trip", ROUND_TRIPS)
@pytest.mark.parametrize(
    "end, unit",
    [
        (pd.Period("2024-01", "M"), "M"),
        (pd.Period("2024-01-10", "W"), "W"),
        (pd.Period("2024-01-09", "D"), "D"),
    ],
)
def test_an_empty_summary_state_keeps_a_period_end(trip, end, unit):
    df = _tx([1, 1, 2], ["2024-01-01", "2024-01-08", "2024-01-03"], [5.0, 7.0, 3.0])
    fresh = rfmkit.SummaryState("c", "d", "m", observation_period_end=end, time_unit=unit)
    got = trip(fresh).update(df).finish()
    want = rfmkit.rfm_summary(df, "c", "d", "m", observation_period_end=end, time_unit=unit)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    # The saved state still merges with one made the same way.
    trip(fresh).merge(fresh)


@pytest.mark.parametrize("trip", ROUND_TRIPS)
def test_polars_in_polars_out_after_a_round_trip(trip):
    df = pl.DataFrame(
        {"c": [1, 2, 1], "d": [dt.datetime(2024, 1, d) for d in (1, 2, 5)], "m": [1.0, 2.0, 3.0]}
    )
    rfm = trip(rfmkit.RFMState("c", "d", "m").update(df[:2])).update(df[2:])
    assert isinstance(rfm.finish(), pl.DataFrame)
    assert rfm.finish().equals(rfmkit.rfm_table(df, "c", "d", "m"))
    summary = trip(rfmkit.SummaryState("c", "d", "m").update(df[:2])).update(df[2:])
    assert isinstance(summary.finish(), pl.DataFrame)
    assert summary.finish().equals(rfmkit.rfm_summary(df, "c", "d", "m"))


@pytest.mark.parametrize("trip", [lambda s: s, *ROUND_TRIPS])
def test_summary_state_refuses_batches_in_another_zone(trip):
    naive = _tx([1, 1], ["2024-01-01 23:00", "2024-01-03 10:00"], [1.0, 2.0])
    utc = _tx([1], ["2024-01-05 23:00"], [4.0], tz="UTC")
    tokyo = _tx([2], ["2024-01-06"], [4.0], tz="Asia/Tokyo")
    state = trip(rfmkit.SummaryState("c", "d", "m").update(naive))
    with pytest.raises(InputTypeError, match="batch 1: .*time zone") as err:
        state.update(utc)
    assert err.value.column == "d"
    zoned = trip(rfmkit.SummaryState("c", "d", "m").update(utc))
    with pytest.raises(InputTypeError, match="Asia/Tokyo"):
        zoned.update(tokyo)
    with pytest.raises(InputError, match="same time zone"):
        state.merge(rfmkit.SummaryState("c", "d", "m").update(utc))
    # The same zone is fine, saved or not.
    same = rfmkit.SummaryState("c", "d", "m").update(_tx([3], ["2024-01-07"], [1.0], tz="UTC"))
    assert len(zoned.merge(same)) == 2


def test_a_malformed_saved_table_is_an_input_error():
    df = _tx([1, 2], ["2024-01-01", "2024-01-02"], [1.0, 2.0])
    rfm = rfmkit.RFMState("c", "d", "m").update(df).to_arrow()
    summary = rfmkit.SummaryState("c", "d", "m").update(df).to_arrow()
    broken = [
        (rfmkit.RFMState, rfm.drop(["money_0"])),
        (rfmkit.RFMState, rfm.replace_schema_metadata({b"rfmkit.state": b'{"format": 2}'})),
        (rfmkit.SummaryState, summary.drop(["money_0"])),
        (rfmkit.SummaryState, summary.replace_schema_metadata({b"rfmkit.summary_state": b"{}"})),
        (rfmkit.SummaryState, pa.table({"x": [1]})),
    ]
    for cls, table in broken:
        with pytest.raises(InputError, match="saved|from_arrow|format"):
            cls.from_arrow(table)
