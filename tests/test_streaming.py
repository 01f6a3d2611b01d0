"""Streamed input (Parquet files, datasets, readers, DuckDB relations, polars LazyFrames)
gives the in-memory result bit for bit, names bad input as in-memory input does, and
shows a progress bar only when asked to or when the work is long."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import warnings
from contextlib import contextmanager
from unittest import mock

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
import rfmkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rfmkit import table as memory_table
from rfmkit.clv import split as memory_split
from rfmkit.clv import summary as memory_summary
from rfmkit.errors import InputError, InputTypeError, RFMWarning
from rfmkit.io import stream as stream_io
from rfmkit.io import stream_dates

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def transactions(seed: int, n: int, customers: int, text_ids: bool, zone: str | None) -> pa.Table:
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, customers, n)
    start = np.datetime64("2024-01-01", "us").astype(np.int64)
    ts = pa.array(start + rng.integers(0, 200 * 86_400 * 10**6, n), pa.timestamp("us", tz=zone))
    cents = rng.integers(-2_000, 20_000, n)
    return pa.table(
        {
            "customer_id": pa.array([f"c{i:03d}" for i in ids]) if text_ids else pa.array(ids),
            "date": ts,
            "amount": pa.array(cents / 100),
            "order_id": pa.array(rng.integers(0, n // 2 + 1, n)),
            "channel": pa.array(rng.choice(["web", "store", "app"], n)),
        }
    )


@contextmanager
def parquet_dir(table: pa.Table, cuts: list[int], row_group: int):
    """``table`` as Parquet files cut at ``cuts`` (one file per piece)."""
    with tempfile.TemporaryDirectory(prefix="rfmkit-stream-") as tmp:
        bounds = [0, *sorted(set(cuts)), table.num_rows]
        for i, (lo, hi) in enumerate(zip(bounds, bounds[1:], strict=False)):
            pq.write_table(
                table.slice(lo, hi - lo), os.path.join(tmp, f"part-{i:03d}.parquet"), row_group_size=row_group
            )
        yield tmp


def sources(path: str, table: pa.Table, batch: int):
    """Every kind of streamed source of the same rows, and the in-memory table it stands for."""
    yield "directory", path, table
    yield "glob", os.path.join(path, "*.parquet"), table
    yield "path", __import__("pathlib").Path(path), table
    yield "dataset", ds.dataset(path), table
    yield (
        "reader",
        pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=batch)),
        table,
    )
    rel = duckdb.connect().from_arrow(table)
    yield "duckdb", rel, rel.to_arrow_table()
    lazy = pl.scan_parquet(os.path.join(path, "*.parquet"))
    yield "polars", lazy, lazy.collect()


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.attrs == want.attrs
    for col in ("monetary", "monetary_value", "test_monetary_value"):
        if col in want:  # money bit for bit
            assert np.array_equal(got[col].to_numpy().view(np.int64), want[col].to_numpy().view(np.int64))


data = st.tuples(
    st.integers(0, 2**16),  # seed
    st.integers(1, 400),  # rows
    st.integers(1, 40),  # customers
    st.booleans(),  # text ids
    st.sampled_from([None, "UTC", "Europe/Paris"]),
)
layout = st.tuples(st.lists(st.integers(1, 399), max_size=4), st.integers(1, 120), st.integers(1, 150))

TABLE_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "window": st.sampled_from([30, "2M", "12W"]),
        "frequency": st.sampled_from(["rows", "days", "orders"]),
        "returns": st.sampled_from(["net", "exclude"]),
        "by": st.just("channel"),
        "as_of": st.sampled_from(["2024-05-01", "2024-07-19"]),
    },
)


@SETTINGS
@given(data=data, layout=layout, options=TABLE_OPTIONS)
def test_rfm_table_streamed_equals_in_memory(data, layout, options):
    table = transactions(*data)
    if options.get("frequency") == "orders":
        options["order_id"] = "order_id"
    cuts, row_group, batch = layout
    cut = [c for c in cuts if c < table.num_rows]
    with (
        parquet_dir(table, cut, row_group) as path,
        mock.patch.object(stream_io, "BATCH_ROWS", batch),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", RFMWarning)
        for name, source, memory in sources(path, table, batch):
            try:
                want = memory_table.rfm_table(memory, **options, output="pandas")
            except InputError as exc:
                with pytest.raises(InputError) as caught:
                    rfmkit.rfm_table(source, **options)
                assert str(caught.value) == str(exc)
                continue
            assert_same(rfmkit.rfm_table(source, progress=False, **options, output="pandas"), want), name


SUMMARY_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "monetary_value_col": st.just("amount"),
        "time_unit": st.sampled_from(["D", "W", "M", "h"]),
        "time_scaler": st.sampled_from([1, 7, 2.5]),
        "include_first_transaction": st.booleans(),
    },
)


@SETTINGS
@given(
    data=data,
    layout=layout,
    options=SUMMARY_OPTIONS,
    end=st.sampled_from([None, "2024-04-10", "2024-06-01 12:00"]),
)
def test_summary_and_split_streamed_equal_in_memory(data, layout, options, end):
    table = transactions(*data)
    cuts, row_group, batch = layout
    cut = [c for c in cuts if c < table.num_rows]
    with parquet_dir(table, cut, row_group) as path, mock.patch.object(stream_io, "BATCH_ROWS", batch):
        for name, source, memory in sources(path, table, batch):
            args = (memory, "customer_id", "date")
            try:
                want = memory_summary.rfm_summary(
                    *args, observation_period_end=end, **options, output="pandas"
                )
            except InputError as exc:
                with pytest.raises(InputError) as caught:
                    rfmkit.rfm_summary(source, "customer_id", "date", observation_period_end=end, **options)
                assert str(caught.value) == str(exc)
                continue
            got = rfmkit.rfm_summary(
                source, "customer_id", "date", observation_period_end=end, **options, output="pandas"
            )
            assert_same(got, want), name
            if isinstance(source, pa.RecordBatchReader):  # read once: a fresh one for the split
                source = pa.RecordBatchReader.from_batches(
                    table.schema, table.to_batches(max_chunksize=batch)
                )
            train_end = end or "2024-03-15 08:30"
            try:
                want = memory_split.rfm_train_test_split(
                    *args, train_period_end=train_end, **options, output="pandas"
                )
            except InputError as exc:
                with pytest.raises(InputError) as caught:
                    rfmkit.rfm_train_test_split(
                        source, "customer_id", "date", train_period_end=train_end, **options
                    )
                assert str(caught.value) == str(exc)
                continue
            got = rfmkit.rfm_train_test_split(
                source, "customer_id", "date", train_period_end=train_end, **options, output="pandas"
            )
            assert_same(got, want), name


def test_polars_lazyframe_in_polars_out(tmp_path):
    table = transactions(1, 3_000, 200, True, "Europe/Paris")
    pq.write_table(table, tmp_path / "tx.parquet", row_group_size=700)
    lazy = pl.scan_parquet(tmp_path / "tx.parquet")
    with mock.patch.object(stream_io, "BATCH_ROWS", 500):
        got = rfmkit.rfm_table(lazy, window=60, by="channel")
        want = memory_table.rfm_table(lazy.collect(), window=60, by="channel")
        assert isinstance(got, pl.DataFrame) and got.equals(want)
        got = rfmkit.rfm_summary(lazy, "customer_id", "date", "amount", time_unit="W")
        assert got.equals(
            memory_summary.rfm_summary(lazy.collect(), "customer_id", "date", "amount", time_unit="W")
        )
        args = ("customer_id", "date", "2024-04-01")
        got = rfmkit.rfm_train_test_split(lazy, *args, monetary_value_col="amount")
        assert got.equals(
            memory_split.rfm_train_test_split(lazy.collect(), *args, monetary_value_col="amount")
        )


def test_output_kinds_and_the_pipeline(tmp_path):
    table = transactions(2, 2_000, 150, False, None)
    pq.write_table(table, tmp_path / "tx.parquet", row_group_size=300)
    path = str(tmp_path / "tx.parquet")
    assert isinstance(rfmkit.rfm_table(path), pd.DataFrame)
    arrow = rfmkit.rfm_table(path, output="arrow")
    assert isinstance(arrow, pa.Table) and arrow.equals(memory_table.rfm_table(table, output="arrow"))
    assert rfmkit.rfm_table(path, output="polars").equals(memory_table.rfm_table(table, output="polars"))
    got = rfmkit.rfm(path, scheme="crm4", window="3M")
    want = rfmkit.segment(rfmkit.score(memory_table.rfm_table(table, window="3M")), "crm4")
    assert_same(got, want)


def test_as_of_from_statistics_or_a_first_pass(tmp_path):
    """A window without as_of ends on the latest day: the same from statistics, from a
    first pass (files without statistics, a zone with changing offsets) and in memory."""
    table = transactions(3, 2_000, 100, False, None)
    want = memory_table.rfm_table(table, window=45)
    (tmp_path / "a").mkdir()
    pq.write_table(table, tmp_path / "a" / "stats.parquet", row_group_size=400)
    (tmp_path / "b").mkdir()
    pq.write_table(table, tmp_path / "b" / "plain.parquet", row_group_size=400, write_statistics=False)
    stream = stream_io.open_stream(str(tmp_path / "a"))
    day = pd.Timestamp(table.column("date").to_pandas().max()).date()
    assert stream_dates.latest_day(stream, "date", None, False) == day
    with mock.patch.object(stream_dates, "fold", side_effect=AssertionError("no first pass")):
        assert stream_dates.latest_day(stream, "date", None, False) == day  # from the statistics
    for sub in ("a", "b"):
        assert_same(rfmkit.rfm_table(str(tmp_path / sub), window=45), want)
    zoned = transactions(3, 2_000, 100, False, "America/Havana")
    pq.write_table(zoned, tmp_path / "havana.parquet", row_group_size=400)
    assert_same(
        rfmkit.rfm_table(str(tmp_path / "havana.parquet"), window=45),
        memory_table.rfm_table(zoned, window=45),
    )
    # A one-shot reader cannot be read twice: it is read into memory, with the same result.
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=300))
    assert_same(rfmkit.rfm_table(reader, window=45), want)


def test_empty_sources_are_the_empty_in_memory_result(tmp_path):
    table = transactions(4, 10, 3, False, None).slice(0, 0)
    pq.write_table(table, tmp_path / "empty.parquet")
    path = str(tmp_path / "empty.parquet")
    assert_same(rfmkit.rfm_table(path), memory_table.rfm_table(table))
    assert_same(rfmkit.rfm_table(path, window=30), memory_table.rfm_table(table, window=30))
    assert_same(
        rfmkit.rfm_summary(path, "customer_id", "date"),
        memory_summary.rfm_summary(table, "customer_id", "date"),
    )
    with pytest.raises(InputError, match="no transactions"):
        rfmkit.rfm_train_test_split(path, "customer_id", "date", "2024-01-01")


def bad_table(column: str, value, row: int) -> pa.Table:
    table = transactions(5, 3_000, 100, False, None)
    values = table.column(column).to_pylist()
    values[row] = value
    return table.set_column(
        table.schema.get_field_index(column), column, pa.array(values, table.schema.field(column).type)
    )


@pytest.mark.parametrize(
    ("column", "value", "row"),
    [
        ("amount", float("nan"), 2_345),
        ("amount", float("inf"), 1_999),
        ("customer_id", None, 2_999),
        ("date", None, 1_001),
    ],
)
def test_bad_values_in_a_later_batch_are_named_as_in_memory(tmp_path, column, value, row):
    table = bad_table(column, value, row)
    pq.write_table(table.slice(0, 1_000), tmp_path / "a.parquet", row_group_size=300)
    pq.write_table(table.slice(1_000), tmp_path / "b.parquet", row_group_size=300)
    calls = [
        lambda data: rfmkit.rfm_table(data),
        lambda data: rfmkit.rfm_summary(data, "customer_id", "date", "amount"),
        lambda data: rfmkit.rfm_train_test_split(
            data, "customer_id", "date", "2024-03-01", monetary_value_col="amount"
        ),
    ]
    for call in calls:
        with pytest.raises((InputError, InputTypeError)) as memory:
            call(table)
        assert memory.value.row == row
        with mock.patch.object(stream_io, "BATCH_ROWS", 256):
            for source in (str(tmp_path), ds.dataset(str(tmp_path)), pl.scan_parquet(tmp_path / "*.parquet")):
                with pytest.raises(type(memory.value)) as streamed:
                    call(source)
                assert str(streamed.value) == str(memory.value)
                assert (streamed.value.column, streamed.value.row) == (column, row)


def test_bad_paths_and_columns(tmp_path):
    (tmp_path / "text.parquet").write_text("not parquet")
    (tmp_path / "empty").mkdir()
    pq.write_table(transactions(6, 50, 5, False, None), tmp_path / "ok.parquet")
    cases = [
        (str(tmp_path / "missing.parquet"), "does not exist"),
        (str(tmp_path / "*.pq"), "no files match"),
        (str(tmp_path / "empty"), "has no files"),
        (str(tmp_path / "text.parquet"), "cannot read .*text.parquet.* as Parquet"),
    ]
    for path, message in cases:
        for call in (rfmkit.rfm_table, lambda p: rfmkit.rfm_summary(p, "customer_id", "date")):
            with pytest.raises(InputError, match=message):
                call(path)
    with pytest.raises(InputError, match="missing column 'spend' in .*ok.parquet") as exc:
        rfmkit.rfm_table(str(tmp_path / "ok.parquet"), amount="spend")
    assert exc.value.column == "spend"
    with pytest.raises(InputError, match="missing column 'spend'"):
        rfmkit.rfm_summary(ds.dataset(str(tmp_path / "ok.parquet")), "customer_id", "date", "spend")
    with pytest.raises(InputError, match="missing column 'when'"):
        rfmkit.rfm_train_test_split(
            pl.scan_parquet(tmp_path / "ok.parquet"), "customer_id", "when", "2024-01-01"
        )


def test_progress_bar(tmp_path, capfd):
    pq.write_table(transactions(7, 5_000, 100, False, None), tmp_path / "tx.parquet", row_group_size=500)
    path = str(tmp_path / "tx.parquet")
    with mock.patch.object(stream_io, "PROGRESS_DELAY", 0.0):
        rfmkit.rfm_table(path, progress=True)
        err = capfd.readouterr().err
        assert "rows" in err and "5.00k" in err  # the total comes from the file's metadata
        rfmkit.rfm_summary(path, "customer_id", "date", progress=False)
        rfmkit.rfm_table(path)  # None: not a terminal here
        assert capfd.readouterr().err == ""
    rfmkit.rfm_table(path, progress=True)  # quick work stays quiet under the default delay
    assert capfd.readouterr().err == ""


def test_in_memory_tables_are_not_streamed():
    table = transactions(8, 100, 10, False, None)
    for data in (table, table.to_pandas(), pl.from_arrow(table), table.to_batches()[0]):
        assert not stream_io.is_streamable(data)
    with mock.patch.object(stream_io, "open_stream", side_effect=AssertionError("streamed")):
        rfmkit.rfm_table(table.to_pandas())


def test_streamed_table_against_plain_pandas(tmp_path):
    table = transactions(9, 4_000, 300, False, None)
    pq.write_table(table, tmp_path / "tx.parquet", row_group_size=333)
    got = rfmkit.rfm_table(str(tmp_path / "tx.parquet"), returns="exclude")
    df = table.to_pandas()
    as_of = df["date"].max().normalize()
    buys = df[df["amount"] >= 0]
    g = buys.groupby("customer_id")
    want = pd.DataFrame(
        {
            "recency": (as_of - g["date"].max().dt.normalize()).dt.days,
            "frequency": g.size(),
            "monetary": g["amount"].sum(),
        }
    )
    assert got["customer_id"].tolist() == want.index.tolist()
    assert got["recency"].tolist() == want["recency"].tolist()
    assert got["frequency"].tolist() == want["frequency"].tolist()
    assert np.allclose(got["monetary"], want["monetary"], rtol=0, atol=1e-9)
    assert got.attrs["as_of"] == as_of.date().isoformat() and dt.date.fromisoformat(got.attrs["as_of"])


def test_warnings_point_at_the_caller(tmp_path):
    table = pa.table(
        {"customer_id": [1, 2], "date": pa.array([1, 2], pa.timestamp("s")), "amount": [1.0, -2.0]}
    )
    pq.write_table(table, tmp_path / "tx.parquet")
    for data in (str(tmp_path / "tx.parquet"), table.to_pandas()):
        with pytest.warns(RFMWarning, match="returns but no purchase") as caught:
            got = rfmkit.rfm_table(data)
        assert got["customer_id"].tolist() == [1]
        assert caught[0].filename == __file__
