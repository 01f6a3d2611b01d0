"""Engine properties on large data: thread-count determinism, the dense and
partitioned grouping paths agreeing, and many chunks."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import rfmkit
from reference import assert_same_table, reference_rfm

SCRIPT = textwrap.dedent(
    """
    import hashlib, sys, warnings
    import pandas as pd, rfmkit
    kind = sys.argv[1]
    tx = rfmkit.datasets.make_transactions(400_000, 30_000, seed=11, order_ids=True,
                                           string_ids=kind == "str")
    opts = dict(window="6M") if kind != "orders" else dict(frequency="orders", order_id="order_id")
    t = rfmkit.rfm_table(tx, **opts)
    h = hashlib.sha256(pd.util.hash_pandas_object(t, index=False).to_numpy().tobytes())
    print(h.hexdigest())
    """
)


@pytest.mark.parametrize("kind", ["int", "str", "orders"])
def test_same_bits_for_any_thread_count(kind):
    digests = set()
    for threads in ("1", "2", "3"):
        env = dict(os.environ, RAYON_NUM_THREADS=threads)
        out = subprocess.run([sys.executable, "-c", SCRIPT, kind], env=env, check=True,
                             capture_output=True, text=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1


@pytest.fixture(scope="module")
def big():
    return rfmkit.datasets.make_transactions(300_000, 40_000, seed=5, order_ids=True)


def test_dense_and_partitioned_paths_agree(big):
    dense = rfmkit.rfm_table(big)  # ids 10001..50000: indexed directly
    sparse = big.assign(customer_id=big["customer_id"] * 1_000_003_000_017)  # hashed
    hashed = rfmkit.rfm_table(sparse)
    assert (hashed["customer_id"] // 1_000_003_000_017).tolist() == dense["customer_id"].tolist()
    pd.testing.assert_frame_equal(hashed.drop(columns="customer_id"),
                                  dense.drop(columns="customer_id"))


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
        a, b = (big, shuffled) if ids == "int" else (
            big.astype({"customer_id": str}), shuffled.astype({"customer_id": str}))
        pd.testing.assert_frame_equal(rfmkit.rfm_table(a, window=90), rfmkit.rfm_table(b, window=90))


def test_hash_of_results_is_stable_across_calls(big):
    first = rfmkit.rfm_table(big)
    second = rfmkit.rfm_table(big)
    digest = lambda t: hashlib.sha256(  # noqa: E731
        pd.util.hash_pandas_object(t, index=False).to_numpy().tobytes()).hexdigest()
    assert digest(first) == digest(second)
