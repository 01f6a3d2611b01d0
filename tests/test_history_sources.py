"""rfm_history and churn_labels read the sources rfm_table streams (Parquet files, globs,
directories, datasets, readers, DuckDB relations, LazyFrames) and give what they give for the
same rows in memory."""

from __future__ import annotations

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pytest
import rfmkit


@pytest.fixture(scope="module")
def tx():
    return rfmkit.datasets.make_transactions(4_000, 500, seed=11, order_ids=True)


@pytest.fixture(scope="module")
def files(tx, tmp_path_factory):
    folder = tmp_path_factory.mktemp("parts")
    for i, start in enumerate(range(0, len(tx), 1_500)):
        tx.iloc[start : start + 1_500].to_parquet(folder / f"part-{i}.parquet", row_group_size=400)
    return folder


def sources(tx, folder):
    table = pa.Table.from_pandas(tx, preserve_index=False)
    return {
        "directory": str(folder),
        "glob": str(folder / "part-*.parquet"),
        "path": folder,
        "dataset": ds.dataset(str(folder)),
        "reader": table.to_reader(max_chunksize=700),
        "duckdb": duckdb.connect().from_arrow(table),
        "lazyframe": pl.from_arrow(table).lazy(),
    }


@pytest.mark.parametrize("kind", ["directory", "glob", "path", "dataset", "reader", "duckdb", "lazyframe"])
def test_history_of_a_source_equals_the_frame_in_memory(tx, files, kind):
    options = {"snapshots": "M", "window": "180D", "frequency": "orders", "order_id": "order_id"}
    want = rfmkit.rfm_history(tx, **options)
    got = rfmkit.rfm_history(sources(tx, files)[kind], **options)
    if kind == "lazyframe":
        assert isinstance(got, pl.DataFrame)
        got = got.to_pandas()
        pd.testing.assert_frame_equal(got, want, check_exact=True, check_dtype=False)
    else:
        pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.parametrize("kind", ["glob", "reader", "duckdb"])
def test_labels_of_a_source_equal_the_frame_in_memory(tx, files, kind):
    history = rfmkit.rfm_history(tx, snapshots="M")
    want = rfmkit.churn_labels(tx, history, horizon="60D")
    got = rfmkit.churn_labels(sources(tx, files)[kind], history, horizon="60D")
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_a_missing_column_of_a_source_is_named(files):
    with pytest.raises(rfmkit.InputError, match="order_id"):
        rfmkit.rfm_history(str(files), frequency="orders", order_id="order_id_x")
