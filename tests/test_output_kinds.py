"""Output follows input: polars in (a DataFrame or a LazyFrame), polars out;
pandas for every other kind of table; ``output="pandas" | "polars" | "arrow"``
overrides it. Every public function that takes a table is checked against the
pandas result of the same call on plain pandas input, converted here with
polars' and pyarrow's own converters (not rfmkit's):

- polars: the same column names in the same order, categoricals of text as
  ``polars.Enum`` with the same categories in the same order, dates in the
  input's unit and zone, numbers in their dtype; an index (the lifetimes
  forms) as the first column;
- arrow: a ``pyarrow.Table`` (categoricals as dictionary arrays) whose schema
  metadata holds the attrs as JSON under ``b"PANDAS_ATTRS"``.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable

import duckdb
import narwhals as nw
import numpy as np
import pandas as pd
import polars as pl
import polars.testing
import pyarrow as pa
import pytest
import rfmkit
from rfmkit.lifetimes import calibration_and_holdout_data, summary_data_from_transaction_data

AS_OF, EARLIER = "2024-12-31", "2024-09-30"


class StreamOnly:
    """An object with nothing but ``__arrow_c_stream__``."""

    def __init__(self, table: pa.Table):
        self._table = table

    def __arrow_c_stream__(self, requested_schema=None):
        return self._table.__arrow_c_stream__(requested_schema)


def to_polars(frame: pd.DataFrame) -> pl.DataFrame:
    """A pandas frame as a polars user has it: categoricals of text as Enum."""
    if not (isinstance(frame.index, pd.RangeIndex) and frame.index.name is None):
        frame = frame.reset_index()
    out = pl.from_pandas(frame)
    enums = [
        pl.col(c).cast(pl.String).cast(pl.Enum([str(x) for x in frame[c].cat.categories]))
        for c in frame.columns
        if isinstance(frame[c].dtype, pd.CategoricalDtype)
    ]
    return out.with_columns(enums)


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def duckdb_relation(frame: pd.DataFrame):
    con = duckdb.connect()
    con.register("frame_view", to_arrow(frame))
    return con.sql("select * from frame_view")


def reader(frame: pd.DataFrame) -> pa.RecordBatchReader:
    table = to_arrow(frame)
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches())


POLARS_KINDS: dict[str, Callable] = {
    "polars": to_polars,
    "lazy": lambda f: to_polars(f).lazy(),
    "narwhals": lambda f: nw.from_native(to_polars(f)),
}
PANDAS_KINDS: dict[str, Callable] = {
    "duckdb": duckdb_relation,
    "reader": reader,
    "stream": lambda f: StreamOnly(to_arrow(f)),
}


@pytest.fixture(scope="module")
def data() -> dict[str, pd.DataFrame]:
    tx = rfmkit.datasets.make_transactions(1_500, 120, seed=5)
    tx = tx.assign(date=tx["date"].astype("datetime64[us]"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rfmkit.RFMWarning)
        table = rfmkit.rfm_table(tx, as_of=AS_OF)
        scored = rfmkit.score(table)
        segmented = rfmkit.segment(scored, "rfm11")
        before = rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx, as_of=EARLIER)), "rfm11")
    rng = np.random.default_rng(1)
    ids = segmented["customer_id"].to_numpy()[::2]
    responses = pd.DataFrame({"customer_id": ids, "contacted": True, "responded": rng.random(len(ids)) < 0.3})
    return {
        "tx": tx,
        "table": table,
        "scored": scored,
        "segmented": segmented,
        "before": before,
        "responses": responses,
    }


# name -> (the inputs, the call on them)
CASES: dict[str, tuple[tuple[str, ...], Callable]] = {
    "rfm_table": (("tx",), lambda t, **kw: rfmkit.rfm_table(t, as_of=AS_OF, **kw)),
    "rfm": (("tx",), lambda t, **kw: rfmkit.rfm(t, as_of=AS_OF, **kw)),
    "score": (("table",), lambda t, **kw: rfmkit.score(t, **kw)),
    "segment": (("scored",), lambda t, **kw: rfmkit.segment(t, "rfm11", levels=5, **kw)),
    "action_list": (("segmented",), lambda t, **kw: rfmkit.action_list(t, **kw)),
    "segment_summary": (("segmented",), lambda t, **kw: rfmkit.segment_summary(t, **kw)),
    "migration": (("before", "segmented"), lambda b, a, **kw: rfmkit.migration(b, a, **kw)),
    "churn_alerts": (("before", "segmented"), lambda b, a, **kw: rfmkit.churn_alerts(b, a, **kw)),
    "campaign_report": (
        ("segmented", "responses"),
        lambda s, r, **kw: rfmkit.campaign_report(s, r, **kw),
    ),
    "rfm_summary": (
        ("tx",),
        lambda t, **kw: rfmkit.rfm_summary(t, "customer_id", "date", "amount", **kw),
    ),
    "rfm_train_test_split": (
        ("tx",),
        lambda t, **kw: rfmkit.rfm_train_test_split(
            t, "customer_id", "date", EARLIER, monetary_value_col="amount", **kw
        ),
    ),
    "rfm_segments": (
        ("tx",),
        lambda t, **kw: rfmkit.rfm_segments(t, "customer_id", "date", "amount", **kw),
    ),
    "summary_data_from_transaction_data": (
        ("tx",),
        lambda t, **kw: summary_data_from_transaction_data(t, "customer_id", "date", "amount", **kw),
    ),
    "calibration_and_holdout_data": (
        ("tx",),
        lambda t, **kw: calibration_and_holdout_data(
            t, "customer_id", "date", EARLIER, monetary_value_col="amount", **kw
        ),
    ),
}


def run(name: str, data: dict, convert: Callable = lambda f: f, **kw):
    inputs, call = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unused scores, 2-level quartiles
        result = call(*(convert(data[i]) for i in inputs), **kw)
    # A Migration's per-customer table follows the input; counts and shares stay pandas.
    return result.customers if isinstance(result, rfmkit.Migration) else result


def check_polars(got, want: pd.DataFrame) -> None:
    assert isinstance(got, pl.DataFrame), type(got)
    expected = to_polars(want)
    assert got.columns == expected.columns
    assert got.schema == expected.schema
    polars.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("kind", list(POLARS_KINDS))
@pytest.mark.parametrize("name", list(CASES))
def test_polars_in_polars_out(data, name, kind):
    want = run(name, data)
    check_polars(run(name, data, POLARS_KINDS[kind]), want)


@pytest.mark.parametrize("kind", list(PANDAS_KINDS))
@pytest.mark.parametrize("name", list(CASES))
def test_other_tables_give_pandas(data, name, kind):
    want = run(name, data)
    got = run(name, data, PANDAS_KINDS[kind])
    assert isinstance(got, pd.DataFrame), type(got)
    # DuckDB reads an unordered dictionary column (rfm_score) as text: the
    # input's own columns then come back as DuckDB gave them.
    loose = kind == "duckdb"
    pd.testing.assert_frame_equal(got, want, check_dtype=not loose, check_categorical=not loose)


@pytest.mark.parametrize("name", list(CASES))
def test_output_overrides_the_kind(data, name):
    want = run(name, data)
    check_polars(run(name, data, output="polars"), want)
    got = run(name, data, output="arrow")
    assert isinstance(got, pa.Table)
    flat = want if isinstance(want.index, pd.RangeIndex) else want.reset_index()
    assert got.schema.names == [str(c) for c in flat.columns]
    for c in flat.columns:
        if isinstance(flat[c].dtype, pd.CategoricalDtype):
            field = got.schema.field(str(c))
            assert pa.types.is_dictionary(field.type)
            assert got.column(str(c)).combine_chunks().dictionary.to_pylist() == list(flat[c].cat.categories)
    pd.testing.assert_frame_equal(got.to_pandas(), flat)
    if want.attrs:
        assert json.loads(got.schema.metadata[b"PANDAS_ATTRS"]) == want.attrs
    # And pandas wins over polars input.
    pd.testing.assert_frame_equal(run(name, data, to_polars, output="pandas"), want, check_categorical=False)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("bad", ["excel", "Polars", 1, ("pandas",)])
def test_an_invalid_output_is_refused(data, name, bad):
    with pytest.raises(rfmkit.InputError, match=re.escape(f"invalid output {bad!r}")):
        run(name, data, output=bad)


# --------------------------------------------------------------------------- the pipeline on polars


def quiet(call: Callable, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rfmkit.RFMWarning)
        return call(*args, **kw)


@pytest.mark.parametrize("lazy", [False, True])
@pytest.mark.parametrize("by", [None, "channel"])
def test_the_polars_pipeline_equals_the_pandas_one(lazy, by):
    tx = rfmkit.datasets.make_transactions(1_500, 120, seed=9, channels=True)
    tx = tx.assign(date=tx["date"].astype("datetime64[us]"))
    source = to_polars(tx)  # the channel categorical as an Enum, in the same order
    steps = [
        (rfmkit.rfm_table, {"as_of": AS_OF, "by": by}),
        (rfmkit.score, {}),
        (rfmkit.segment, {"scheme": "rfm11", "levels": 5, "new_customer_days": 90}),
    ]
    want: object = tx
    got: object = source.lazy() if lazy else source
    for step, kw in steps:
        want, got = quiet(step, want, **kw), quiet(step, got, **kw)
        check_polars(got, want)
    assert int((want["segment_code"] == "new").sum()) > 0  # the as-of day came from the columns
    names = [by] if by else None
    check_polars(rfmkit.segment_summary(got, by=names), rfmkit.segment_summary(want, by=names))
    check_polars(rfmkit.action_list(got), rfmkit.action_list(want))
    earlier = quiet(rfmkit.rfm_table, tx, as_of=EARLIER, by=by)
    before = quiet(rfmkit.segment, quiet(rfmkit.score, earlier), "rfm11", new_customer_days=90)
    moves = rfmkit.migration(to_polars(before), got)
    check_polars(moves.customers, rfmkit.migration(before, want).customers)
    pd.testing.assert_frame_equal(moves.counts, rfmkit.migration(before, want).counts)


def test_a_grouped_polars_table_is_scored_within_its_groups():
    tx = rfmkit.datasets.make_transactions(1_500, 120, seed=9, channels=True)
    table = rfmkit.rfm_table(tx, by="channel")
    got = quiet(rfmkit.score, rfmkit.rfm_table(to_polars(tx), by="channel"))
    # The reference: each channel's table scored on its own.
    parts = []
    for _, part in table.groupby("channel", sort=True, observed=True):
        alone = part.drop(columns="channel").reset_index(drop=True)
        alone.attrs = {}
        parts.append(quiet(rfmkit.score, alone))
    want = pd.concat(parts, ignore_index=True)
    assert got["r_score"].to_list() == want["r_score"].tolist()
    assert got["m_score"].to_list() == want["m_score"].tolist()


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "dtype",
    [
        pl.Datetime("ms"),
        pl.Datetime("us", "UTC"),
        pl.Datetime("ns", "Asia/Shanghai"),
        pl.Datetime("ms", "America/New_York"),
    ],
    ids=str,
)
def test_dates_keep_the_unit_and_zone_of_the_input(dtype):
    tx = rfmkit.datasets.make_transactions(600, 60, seed=2)
    source = pl.from_pandas(tx).with_columns(pl.col("date").cast(pl.Datetime("us")))
    if dtype.time_zone is not None:
        source = source.with_columns(
            pl.col("date").dt.replace_time_zone("UTC").dt.convert_time_zone(dtype.time_zone)
        )
    source = source.with_columns(pl.col("date").dt.cast_time_unit(dtype.time_unit))
    assert source.schema["date"] == dtype
    got = rfmkit.rfm_table(source)
    assert got.schema["first_purchase"] == dtype and got.schema["last_purchase"] == dtype
    # Values: the first and last purchase of each customer (returns are not purchases), by polars.
    want = (
        source.filter(pl.col("amount") >= 0)
        .group_by("customer_id")
        .agg(first_purchase=pl.col("date").min(), last_purchase=pl.col("date").max())
        .sort("customer_id")
    )
    polars.testing.assert_frame_equal(got.select(want.columns), want)
    segmented = quiet(rfmkit.segment, quiet(rfmkit.score, got), "rf10", levels=5)
    assert segmented.schema["first_purchase"] == dtype


def test_a_date_column_gives_dates():
    tx = rfmkit.datasets.make_transactions(600, 60, seed=2)
    source = pl.from_pandas(tx).with_columns(pl.col("date").dt.date())
    got = rfmkit.rfm_table(source)
    assert got.schema["first_purchase"] == pl.Date and got.schema["last_purchase"] == pl.Date
    want = (
        source.filter(pl.col("amount") >= 0)
        .group_by("customer_id")
        .agg(first_purchase=pl.col("date").min(), last_purchase=pl.col("date").max())
        .sort("customer_id")
    )
    polars.testing.assert_frame_equal(got.select(want.columns), want)


# --------------------------------------------------------------------------- metadata


def test_arrow_output_keeps_the_attrs_for_the_next_step(data):
    table = rfmkit.rfm_table(data["tx"], as_of=EARLIER, output="arrow")
    scored = quiet(rfmkit.score, table, output="arrow")
    meta = json.loads(scored.schema.metadata[b"PANDAS_ATTRS"])
    assert meta["as_of"] == EARLIER and set(meta["score_edges"]) == {"recency", "frequency", "monetary"}
    segmented = quiet(rfmkit.segment, scored, "rf10", new_customer_days=30)  # levels from the metadata
    assert isinstance(segmented, pd.DataFrame)
    assert segmented.attrs["as_of"] == EARLIER and segmented.attrs["scheme"] == "rf10"


def test_the_as_of_day_comes_from_the_columns():
    t = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "recency": [0, 10, 40],
            "frequency": [1, 1, 1],
            "monetary": [1.0, 1.0, 1.0],
            "first_purchase": pd.to_datetime(["2024-03-01", "2024-02-01", "2023-12-01"]),
            "last_purchase": pd.to_datetime(["2024-03-31 23:00", "2024-03-21 00:00", "2024-02-20 00:00"]),
            "r_score": [2, 2, 1],
            "f_score": [1, 1, 1],
            "m_score": [1, 1, 1],
        }
    )
    got = quiet(rfmkit.segment, pl.from_pandas(t), "rf10", levels=2, new_customer_days=45)
    # as of 2024-03-31: first purchases 30, 59 and 121 days before
    assert got["segment_code"].cast(pl.String).to_list()[0] == "new"
    assert "new" not in got["segment_code"].cast(pl.String).to_list()[1:]
    broken = t.assign(recency=[0, 11, 40])  # rows that disagree: no as-of day
    with pytest.raises(rfmkit.InputError, match="as_of"):
        quiet(rfmkit.segment, pl.from_pandas(broken), "rf10", levels=2, new_customer_days=45)


def test_a_polars_summary_projects_with_its_time_unit(data):
    tx = data["tx"]
    want = rfmkit.projected_revenue(rfmkit.rfm_summary(tx, "customer_id", "date", "amount", time_unit="W"), 3)
    summary = rfmkit.rfm_summary(to_polars(tx), "customer_id", "date", "amount", time_unit="W")
    with pytest.raises(rfmkit.InputError, match="pass time_unit="):
        rfmkit.projected_revenue(summary, 3)  # polars has no attrs: the unit of T is unknown
    pd.testing.assert_frame_equal(rfmkit.projected_revenue(summary, 3, time_unit="W"), want)
    arrow = rfmkit.rfm_summary(tx, "customer_id", "date", "amount", time_unit="W", output="arrow")
    pd.testing.assert_frame_equal(rfmkit.projected_revenue(arrow, 3), want)  # attrs in the metadata
