"""The engine's range fold on large batches against plain pandas, and against the same rows
streamed in small batches. A large batch carries each row's values in its scatter record, counts
distinct days, orders and periods by sorting each customer's keys, and keeps no pairs when it is
a one-shot call; small batches go row by row into a state's pair sets instead."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import rfmkit

CUSTOMERS = 20_000  # several ranges of slots: the parallel range fold
ROWS = 160_000


def transactions(seed: int, zone: str | None = None) -> pd.DataFrame:
    """About 8 rows a customer over 120 days: days repeat within customers, orders span several
    rows, and some amounts are ones the fast fixed point cannot hold."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, CUSTOMERS, ROWS)
    ticks = rng.integers(0, 120 * 86_400, ROWS)
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(ticks, unit="s")
    if zone is not None:
        dates = dates.tz_localize("UTC").tz_convert(zone)
    amounts = np.round(rng.uniform(1, 300, ROWS), 2)
    odd = rng.choice(ROWS, 500, replace=False)
    amounts[odd] = rng.choice([1e-8, 3e-5, 2.0**60 + 0.5, 1e-300], 500)
    orders = ids * 10 + rng.integers(0, 3, ROWS)
    return pd.DataFrame({"customer_id": ids, "date": dates, "amount": amounts, "order_id": orders})


def streamed(tx: pd.DataFrame, size: int, **options) -> pd.DataFrame:
    state = rfmkit.RFMState(**options)
    for start in range(0, len(tx), size):
        state.update(tx.iloc[start : start + size])
    return state.finish()


@pytest.mark.parametrize("zone", [None, "America/New_York"])
def test_distinct_days_and_orders_on_a_large_batch_match_pandas(zone):
    tx = transactions(1, zone)
    local = tx["date"].dt.tz_localize(None) if zone else tx["date"]
    days = local.dt.normalize().groupby(tx["customer_id"]).nunique()
    orders = tx.groupby("customer_id")["order_id"].nunique()
    money = {c: math.fsum(g) for c, g in tx.groupby("customer_id")["amount"]}
    assert (days < tx.groupby("customer_id").size()).any()  # days do repeat
    for frequency, want in [("days", days), ("orders", orders)]:
        extra = {"order_id": "order_id"} if frequency == "orders" else {}
        got = rfmkit.rfm_table(tx, frequency=frequency, **extra).set_index("customer_id")
        assert got["frequency"].to_dict() == want.to_dict(), frequency
        assert all(got["monetary"][c] == m for c, m in money.items()), frequency


# Customers with returns only are left out, with a warning (the same for every path).
@pytest.mark.filterwarnings("ignore::rfmkit.errors.RFMWarning")
@pytest.mark.parametrize("returns", ["net", "exclude"])
@pytest.mark.parametrize("frequency", ["days", "orders"])
def test_a_large_batch_equals_small_batches_through_the_pair_sets(frequency, returns):
    tx = transactions(2)
    rng = np.random.default_rng(5)
    negative = rng.choice(len(tx), 4_000, replace=False)
    tx.loc[negative, "amount"] = -tx.loc[negative, "amount"]
    options = {"as_of": "2024-04-20", "window": 60, "frequency": frequency, "returns": returns}
    if frequency == "orders":
        options["order_id"] = "order_id"
    whole = rfmkit.rfm_table(tx, **options)
    pd.testing.assert_frame_equal(streamed(tx, 9_000, **options), whole)  # row by row
    pd.testing.assert_frame_equal(streamed(tx, 70_000, **options), whole)  # ranges, pairs kept


def test_a_large_summary_equals_small_batches_and_keeps_its_first_period_apart():
    tx = transactions(3)
    args = ("customer_id", "date", "amount")
    whole = rfmkit.rfm_summary(tx, *args, time_unit="W")
    for size in (9_000, 70_000):
        state = rfmkit.SummaryState(*args, time_unit="W")
        for start in range(0, len(tx), size):
            state.update(tx.iloc[start : start + size])
        pd.testing.assert_frame_equal(state.finish(), whole)
    weeks = tx["date"].dt.to_period("W-SUN").groupby(tx["customer_id"]).nunique()
    got = whole.set_index("customer_id")
    assert (got["frequency"] == weeks - 1).all()
    assert (weeks < tx.groupby("customer_id").size()).any()  # weeks do repeat


@pytest.mark.parametrize("frequency", ["days", "orders"])
def test_a_large_grouped_batch_equals_each_group_alone(frequency):
    tx = transactions(4)
    tx["channel"] = np.array(["web", "app", "store"])[tx["customer_id"].to_numpy() % 7 % 3]
    tx.loc[tx.index % 5 == 0, "channel"] = "phone"
    options = {"frequency": frequency, "as_of": "2024-04-30"}
    if frequency == "orders":
        options["order_id"] = "order_id"
    grouped = rfmkit.rfm_table(tx, by="channel", **options)
    pd.testing.assert_frame_equal(streamed(tx, 9_000, by="channel", **options), grouped)
    for channel, rows in tx.groupby("channel"):
        alone = rfmkit.rfm_table(rows, **options)
        mine = grouped[grouped["channel"] == channel].drop(columns="channel")
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), alone, check_dtype=False)
