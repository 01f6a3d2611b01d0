"""Engine properties on large data: thread-count determinism, the dense and
partitioned grouping paths agreeing, and many chunks."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rfmkit
from reference import assert_same_table, reference_rfm

# One run of rfm_table in a fresh process; the result goes back pickled.
SCRIPT = textwrap.dedent(
    """
    import pickle, sys
    import rfmkit
    sys.path.insert(0, sys.argv[2])
    from test_engine import KINDS, mid_input
    tx, opts = mid_input(sys.argv[1])
    with open(sys.argv[3], "wb") as f:
        pickle.dump(rfmkit.rfm_table(tx, **opts), f)
    """
)

# (ids, rfm_table options, reference options): dense integer ids (indexed directly), sparse
# ones (hashed), strings, and distinct orders.
KINDS = {
    "int": ({"window": "6M"}, {"window": ("months", 6)}),
    "sparse": ({"window": "6M"}, {"window": ("months", 6)}),
    "str": ({"window": 90}, {"window": ("days", 90)}),
    "orders": (
        {"frequency": "orders", "order_id": "order_id"},
        {"frequency": "orders", "order_id": "order_id"},
    ),
}


def mid_input(kind):
    """250k rows (four 64k-row chunks, so three threads split them), 25k customers."""
    tx = rfmkit.datasets.make_transactions(250_000, 25_000, seed=11, order_ids=True, string_ids=kind == "str")
    if kind == "sparse":
        tx = tx.assign(customer_id=tx["customer_id"] * 1_000_003_000_017)
    return tx, KINDS[kind][0]


def column_bytes(table):
    """Every column as (name, dtype, bytes); datetimes as int64 nanoseconds, text as UTF-8."""
    out = []
    for name in table.columns:
        col = table[name]
        if col.dtype.kind in "iuf":
            data = np.ascontiguousarray(col.to_numpy()).tobytes()
        elif isinstance(col.dtype, pd.DatetimeTZDtype) or col.dtype.kind == "M":
            ns = pd.Series(col).dt.tz_localize(None) if isinstance(col.dtype, pd.DatetimeTZDtype) else col
            data = np.ascontiguousarray(ns.astype("datetime64[ns]").to_numpy().view(np.int64)).tobytes()
        else:
            data = "\x00".join(map(str, col.tolist())).encode()
        out.append((name, str(col.dtype), data))
    return out


@pytest.mark.parametrize("kind", list(KINDS))
def test_same_bytes_for_any_process_and_thread_count_and_as_the_reference(kind, tmp_path):
    results = []
    for threads in ("1", "2", "3"):
        path = tmp_path / f"t{threads}.pickle"
        env = dict(os.environ, RAYON_NUM_THREADS=threads)
        subprocess.run(
            [sys.executable, "-c", SCRIPT, kind, str(Path(__file__).parent), str(path)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(pd.read_pickle(path))
    first = column_bytes(results[0])
    for threads, other in zip(("2", "3"), results[1:], strict=True):
        assert column_bytes(other) == first, f"RAYON_NUM_THREADS={threads} differs from 1"
    tx, _ = mid_input(kind)
    want = reference_rfm(tx, **KINDS[kind][1])
    assert_same_table(results[0], want)
    # Bit for bit, dtypes aside: ids, the counts, every monetary bit and the instants.
    got_bytes = [(name, data) for name, _, data in first]
    want_bytes = [(name, data) for name, _, data in column_bytes(want)]
    assert len(got_bytes) == len(want_bytes)
    for (name, got), (want_name, expected) in zip(got_bytes, want_bytes, strict=True):
        assert name == want_name
        assert got == expected, name


@pytest.fixture(scope="module")
def big():
    return rfmkit.datasets.make_transactions(300_000, 40_000, seed=5, order_ids=True)


def test_dense_and_partitioned_paths_agree(big):
    dense = rfmkit.rfm_table(big)  # ids 10001..50000: indexed directly
    sparse = big.assign(customer_id=big["customer_id"] * 1_000_003_000_017)  # hashed
    hashed = rfmkit.rfm_table(sparse)
    assert (hashed["customer_id"] // 1_000_003_000_017).tolist() == dense["customer_id"].tolist()
    pd.testing.assert_frame_equal(hashed.drop(columns="customer_id"), dense.drop(columns="customer_id"))


@pytest.mark.parametrize("frequency", ["rows", "days", "orders"])
def test_large_input_matches_reference(big, frequency):
    extra = {"order_id": "order_id"} if frequency == "orders" else {}
    got = rfmkit.rfm_table(big, window=365, frequency=frequency, as_of="2024-06-30", **extra)
    want = reference_rfm(big, window=("days", 365), frequency=frequency, as_of="2024-06-30")
    assert_same_table(got, want)


def test_shuffled_large_input_gives_identical_bits(big):
    rng = np.random.default_rng(0)
    shuffled = big.iloc[rng.permutation(len(big))].reset_index(drop=True)
    for ids in ("int", "str"):
        a, b = (
            (big, shuffled)
            if ids == "int"
            else (big.astype({"customer_id": str}), shuffled.astype({"customer_id": str}))
        )
        pd.testing.assert_frame_equal(rfmkit.rfm_table(a, window=90), rfmkit.rfm_table(b, window=90))
