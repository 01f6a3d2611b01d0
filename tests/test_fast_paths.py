"""The engine's fast paths against plain Python: the rows table folded in one part of the rows
per thread (each into its own accumulators, merged after), text ids ordered by their first 16
bytes with the rest breaking ties, and the validation pass that checks whole chunks at once."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import rfmkit
from rfmkit import InputError


def spread(customers: int, per: int, amounts: np.ndarray) -> pd.DataFrame:
    """`per` rows for each customer, the customers' rows spread over the whole frame (so that
    every thread's part of the rows holds some of each customer's)."""
    n = customers * per
    ids = np.tile(np.arange(customers), per)
    days = np.arange(n) % 300
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D")
    return pd.DataFrame({"customer_id": ids, "date": dates, "amount": amounts[:n]})


def test_many_rows_per_customer_sum_exactly_across_the_parts():
    rng = np.random.default_rng(3)
    customers, per = 5_000, 40  # 200k rows: each thread's part holds half of every customer
    n = customers * per
    amounts = np.round(rng.uniform(-20, 200, n), 2)
    # Amounts the fast fixed point cannot hold, in some customers' rows only, in either part.
    tiny = rng.choice(n, 400, replace=False)
    amounts[tiny] = rng.choice([1e-8, 3e-5, 1e-300, 2.0**60 + 0.5, -(2.0**60)], 400)
    tx = spread(customers, per, amounts)
    got = rfmkit.rfm_table(tx, as_of="2024-12-31")
    want = {c: math.fsum(g) for c, g in tx.groupby("customer_id")["amount"]}
    assert got["customer_id"].tolist() == sorted(want)
    for c, m in zip(got["customer_id"], got["monetary"], strict=True):
        assert m == want[c], c
    purchases = tx[tx["amount"] >= 0].groupby("customer_id")["amount"].size()
    assert got.set_index("customer_id")["frequency"].to_dict() == purchases.to_dict()


def test_the_parts_agree_with_one_batch_at_a_time():
    rng = np.random.default_rng(4)
    tx = spread(3_000, 30, np.round(rng.uniform(1, 90, 90_000), 2))
    state = rfmkit.RFMState(as_of="2024-12-31", window=120)
    for start in range(0, len(tx), 7_000):  # small batches: no part per thread
        state.update(tx.iloc[start : start + 7_000])
    whole = rfmkit.rfm_table(tx, as_of="2024-12-31", window=120)
    pd.testing.assert_frame_equal(state.finish(), whole)


TEXT_IDS = [
    "",
    "a",
    "ab",
    "ab\x00",
    "ab\x00c",
    "abc",
    "a" * 16,
    "a" * 16 + "\x00",
    "a" * 16 + "b",
    "a" * 16 + "a",
    "a" * 40 + "z",
    "a" * 40 + "y",
    "é",
    "z",
    "ÿ",
    "中文",
]


@pytest.mark.parametrize("grouped", [False, True])
def test_text_ids_sort_by_their_bytes_whatever_their_prefixes(grouped):
    rng = np.random.default_rng(5)
    ids = rng.permutation(np.array(TEXT_IDS * 3, dtype=object))
    tx = pd.DataFrame(
        {
            "customer_id": ids,
            "date": pd.Timestamp("2024-03-01") + pd.to_timedelta(np.arange(len(ids)), unit="h"),
            "amount": np.arange(len(ids), dtype=float),
            "g": np.where(np.arange(len(ids)) % 2 == 0, "x", "y"),
        }
    )
    if not grouped:
        got = rfmkit.rfm_table(tx.drop(columns="g"))
        assert got["customer_id"].tolist() == sorted(TEXT_IDS, key=lambda s: s.encode())
        return
    got = rfmkit.rfm_table(tx, by="g")
    want = sorted(set(zip(tx["g"], tx["customer_id"], strict=True)), key=lambda p: (p[0], p[1].encode()))
    assert list(zip(got["g"], got["customer_id"], strict=True)) == want


@pytest.mark.parametrize("bad", ["nan", "inf", "nat"])
@pytest.mark.parametrize("where", [0, 65_535, 65_536, 199_999])
def test_the_chunk_check_reports_the_first_bad_row(bad, where):
    n = 200_000
    tx = pd.DataFrame(
        {
            "customer_id": np.arange(n) % 1000,
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) % 100, unit="D"),
            "amount": np.ones(n),
        }
    )
    column = "date" if bad == "nat" else "amount"
    value = {"nan": np.nan, "inf": np.inf, "nat": pd.NaT}[bad]
    tx.loc[where, column] = value
    tx.loc[min(where + 3, n - 1), column] = value  # a later bad row is not the one named
    with pytest.raises(InputError) as err:
        rfmkit.rfm_table(tx)
    assert err.value.column == column
    assert err.value.row == where


def test_the_chunk_check_finds_the_span_and_the_first_return():
    n = 150_000
    days = (np.arange(n) * 7919) % 500
    amounts = np.ones(n)
    amounts[[70_001, 70_005, 140_000]] = -1.0
    tx = pd.DataFrame(
        {
            "customer_id": np.arange(n) % 5000,
            "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(days, unit="D"),
            "amount": amounts,
        }
    )
    with pytest.raises(InputError) as err:
        rfmkit.rfm_table(tx, returns="error")
    assert err.value.row == 70_001
    got = rfmkit.rfm_table(tx)
    assert got["last_purchase"].max() == tx["date"].max()
    assert got["first_purchase"].min() == tx["date"].min()
