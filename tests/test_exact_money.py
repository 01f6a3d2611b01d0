"""Money is exact for every finite amount: monetary and the CLV sums equal the
exact sum of the float64 amounts, correctly rounded (what math.fsum gives,
computed here with fractions.Fraction, which has no intermediate overflow).

The fast fixed point holds amounts in [2^-64, 2^63); the others (crypto
amounts such as 1e-8, subnormals, 1e300) take the exact second pass, for
the customers that have them only. Both paths are checked here, mixed.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import rfmkit
from hypothesis import given, settings
from hypothesis import strategies as st
from rfmkit import InputError

# Customers of returns only are left out with a warning; that is tested elsewhere.
pytestmark = pytest.mark.filterwarnings("ignore::rfmkit.RFMWarning")

DAY0 = pd.Timestamp("2024-01-01")

# Amounts of every magnitude, including the ones the fast path cannot hold.
TRICKY = [
    1e-8,
    -1e-8,
    3e-5,
    1e-5,
    2e-5,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1e-300,
    1e300,
    -1e300,
    2.0**53,
    1.0,
    2.0**-60,
    2.0**63,
    -(2.0**63),
    9.2e18,
    0.1,
    0.7,
    123.45,
]

amount = st.one_of(
    st.sampled_from(TRICKY),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e306, max_value=1e306),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e-3, max_value=1e-3),
    st.integers(-(10**6), 10**6).map(lambda c: c / 100),
)


def exact(values) -> float:
    """The exact sum of float64 values, correctly rounded (OverflowError beyond float64)."""
    return float(sum((Fraction(v) for v in values), Fraction(0)))


def transactions(rows: list[tuple[int, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": np.array([r[0] for r in rows], dtype=np.int64),
            "date": DAY0 + pd.to_timedelta([r[1] for r in rows], unit="D"),
            "amount": np.array([r[2] for r in rows], dtype=np.float64),
        }
    )


row = st.tuples(st.integers(0, 5), st.integers(0, 30), amount)


def reference_monetary(tx: pd.DataFrame) -> dict[int, float] | None:
    """Per customer, the exact sum; None when one overflows float64."""
    out = {}
    for cid, part in tx.groupby("customer_id"):
        try:
            out[int(cid)] = exact(part["amount"].tolist())
        except OverflowError:
            return None
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(row, min_size=1, max_size=40), st.sampled_from(["int", "sparse", "str"]))
def test_monetary_is_the_exact_sum(rows, ids):
    tx = transactions(rows)
    if ids == "sparse":
        tx["customer_id"] = tx["customer_id"] * 10**15
    elif ids == "str":
        tx["customer_id"] = "c" + tx["customer_id"].astype(str)
    want = {}
    overflow = False
    for cid, part in tx.groupby("customer_id"):
        if (part["amount"] >= 0).any():  # a customer of returns only is left out
            try:
                want[cid] = exact(part["amount"].tolist())
            except OverflowError:
                overflow = True
    if overflow:
        with pytest.raises(InputError, match="customer"):
            rfmkit.rfm_table(tx)
        return
    got = rfmkit.rfm_table(tx)
    assert dict(zip(got["customer_id"], got["monetary"].tolist(), strict=True)) == want
    # The same bits for any row order.
    again = rfmkit.rfm_table(tx.iloc[::-1].reset_index(drop=True))
    assert again["monetary"].to_numpy().tobytes() == got["monetary"].to_numpy().tobytes()


@pytest.mark.parametrize("frequency", ["rows", "days", "orders"])
@pytest.mark.parametrize("returns", ["net", "exclude"])
def test_every_mode_sums_tiny_and_huge_amounts(frequency, returns):
    rng = np.random.default_rng(7)
    n = 5_000
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 300, n),
            "date": DAY0 + pd.to_timedelta(rng.integers(0, 200, n), unit="D"),
            "amount": rng.choice(np.array(TRICKY), n) * rng.choice([1.0, -1.0], n, p=[0.8, 0.2]),
            "order_id": rng.integers(0, 2_000, n),
        }
    )
    # Keep the huge ones to a few customers, so that no sum overflows.
    huge = tx["amount"].abs() > 1e200
    tx.loc[huge, "customer_id"] = 1_000 + (tx.index[huge] % 3)
    kw = {"order_id": "order_id"} if frequency == "orders" else {}
    got = rfmkit.rfm_table(tx, frequency=frequency, returns=returns, as_of="2024-06-01", window="120D", **kw)
    kept = tx[(tx["date"] <= "2024-06-01") & ((returns == "net") | (tx["amount"] >= 0))]
    in_window = kept[kept["date"] > pd.Timestamp("2024-06-01") - pd.Timedelta(days=120)]
    buyers = kept.loc[kept["amount"] >= 0, "customer_id"].unique()
    want = {
        int(c): exact(in_window.loc[in_window["customer_id"] == c, "amount"].tolist()) for c in sorted(buyers)
    }
    assert dict(zip(got["customer_id"].tolist(), got["monetary"].tolist(), strict=True)) == want


def test_grouped_tables_sum_exactly():
    tx = transactions(
        [(1, 0, 1e-8), (1, 1, 2e-8), (1, 2, 1e-8), (2, 0, 1e300), (2, 3, -1e300), (2, 4, 1e-300)]
    )
    tx["channel"] = ["a", "b", "a", "a", "a", "b"]
    got = rfmkit.rfm_table(tx, by="channel")
    want = {
        (ch, int(c)): exact(p["amount"].tolist()) for (ch, c), p in tx.groupby(["channel", "customer_id"])
    }
    assert {
        (ch, c): m for ch, c, m in zip(got["channel"], got["customer_id"], got["monetary"], strict=True)
    } == want


def test_the_issue_examples():
    tx = transactions([(1, 0, 1e-8), (2, 0, 1e-5), (2, 1, 2e-5), (2, 2, 3e-5)])
    got = rfmkit.rfm_table(tx)["monetary"].tolist()
    assert got == [1e-8, math.fsum([1e-5, 2e-5, 3e-5])] == [1e-8, 6e-05]


def test_sums_past_two_to_the_63_keep_their_fraction():
    # 2^63 + 1024 lies halfway between two float64s: the 0.5 breaks the tie upward.
    tx = transactions([(1, 0, 2.0**62), (1, 1, 2.0**62), (1, 2, 1024.0), (1, 3, 0.5)])
    assert rfmkit.rfm_table(tx)["monetary"].tolist() == [exact(tx["amount"].tolist())] == [2.0**63 + 2048]


def test_a_sum_beyond_float64_names_the_customer():
    tx = transactions([(1, 0, 1.0), (7, 0, 1.7e308), (7, 1, 1.7e308)])
    with pytest.raises(InputError, match="customer 7"):
        rfmkit.rfm_table(tx)
    with pytest.raises(InputError, match="customer 7"):
        rfmkit.rfm_summary(tx, "customer_id", "date", "amount")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 40), amount), min_size=1, max_size=40))
def test_clv_monetary_is_exact(rows):
    tx = transactions(rows)
    per_day = {}
    for (cid, day), part in tx.groupby(["customer_id", "date"]):
        per_day.setdefault(int(cid), []).append((day, part["amount"].tolist()))
    want_rest = {}
    try:
        for cid, days in per_day.items():
            days.sort()
            rest = [x for _, amounts in days[1:] for x in amounts]
            want_rest[cid] = (exact(rest), len(days) - 1)
            exact([x for _, amounts in days for x in amounts])
    except OverflowError:
        with pytest.raises(InputError, match="customer"):
            rfmkit.rfm_summary(tx, "customer_id", "date", "amount")
        return
    got = rfmkit.rfm_summary(tx, "customer_id", "date", "amount")
    for cid, mv in zip(got["customer_id"], got["monetary_value"], strict=True):
        total, repeat = want_rest[int(cid)]
        assert mv == (total / repeat if repeat else 0.0), cid
