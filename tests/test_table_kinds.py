"""Every kind of table a user has in hand is read: polars DataFrame and
LazyFrame, pyarrow Table, RecordBatch and RecordBatchReader, DuckDB relations,
narwhals frames and any object with the Arrow PyCapsule interface; each gives
the same result as the pandas frame (asked for as pandas: polars input gives
polars output by default, see tests/test_output_kinds.py)."""

from __future__ import annotations

import warnings

import duckdb
import narwhals as nw
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
import rfmkit


class StreamOnly:
    """An object with nothing but ``__arrow_c_stream__``."""

    def __init__(self, table: pa.Table):
        self._table = table

    def __arrow_c_stream__(self, requested_schema=None):
        return self._table.__arrow_c_stream__(requested_schema)


class ArrayOnly:
    """An object with nothing but ``__arrow_c_array__`` (a record batch)."""

    def __init__(self, table: pa.Table):
        self._batch = table.combine_chunks().to_batches()[0]

    def __arrow_c_array__(self, requested_schema=None):
        return self._batch.__arrow_c_array__(requested_schema)


def kinds(frame: pd.DataFrame) -> dict[str, object]:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    batch = table.combine_chunks().to_batches()[0]
    con = duckdb.connect()
    con.register("frame_view", table)
    return {
        "polars": pl.from_arrow(table),
        "lazy": pl.from_arrow(table).lazy(),
        "arrow": table,
        "batch": batch,
        "reader": pa.RecordBatchReader.from_batches(batch.schema, [batch]),
        "duckdb": con.sql("select * from frame_view"),
        "narwhals": nw.from_native(pl.from_arrow(table)),
        "stream": StreamOnly(table),
        "array": ArrayOnly(table),
    }


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    frame = rfmkit.datasets.make_transactions(3_000, 300, seed=8)
    return frame.assign(date=frame["date"].astype("datetime64[us]"))


KINDS = ["polars", "lazy", "arrow", "batch", "reader", "duckdb", "narwhals", "stream", "array"]


@pytest.mark.parametrize("kind", KINDS)
def test_transactions_of_every_kind(tx, kind):
    want = rfmkit.rfm_table(tx)
    got = rfmkit.rfm_table(kinds(tx)[kind], output="pandas")
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    summary = rfmkit.rfm_summary(kinds(tx)[kind], "customer_id", "date", "amount", output="pandas")
    pd.testing.assert_frame_equal(
        summary, rfmkit.rfm_summary(tx, "customer_id", "date", "amount"), check_dtype=False
    )


@pytest.mark.parametrize("kind", KINDS)
def test_tables_of_every_kind_score_and_segment(tx, kind):
    table = rfmkit.rfm_table(tx)
    plain = table.assign(
        first_purchase=table["first_purchase"].astype("datetime64[us]"),
        last_purchase=table["last_purchase"].astype("datetime64[us]"),
    )
    plain.attrs = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rfmkit.RFMWarning)
        want = rfmkit.score(plain)
        got = rfmkit.score(kinds(plain)[kind], output="pandas")
    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_categorical=False)


def test_a_lazyframe_reads_only_the_columns_it_needs(tx):
    lazy = pl.from_pandas(tx).lazy().with_columns(extra=pl.lit(1))
    pd.testing.assert_frame_equal(
        rfmkit.rfm_table(lazy, output="pandas"), rfmkit.rfm_table(tx), check_dtype=False
    )
    with pytest.raises(rfmkit.InputError, match="missing column 'nope'"):
        rfmkit.rfm_table(lazy, customer_id="nope")


def test_other_objects_are_refused_clearly():
    with pytest.raises(rfmkit.InputTypeError, match="not int"):
        rfmkit.rfm_table(5)
    with pytest.raises(rfmkit.InputTypeError, match="must be a pandas DataFrame"):
        rfmkit.score(object())
