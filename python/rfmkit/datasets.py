"""Synthetic data to try rfmkit on."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._typing import DateLike

__all__ = ["make_transactions"]

_CHANNELS = np.array(["web", "store", "app", "marketplace"])
_CHANNEL_P = np.array([0.45, 0.30, 0.17, 0.08])


def make_transactions(
    n_transactions: int = 10_000,
    n_customers: int = 1_000,
    seed: int = 0,
    *,
    start: DateLike = "2022-01-01",
    end: DateLike = "2024-12-31",
    one_time_share: float = 0.55,
    return_rate: float = 0.03,
    order_ids: bool = False,
    channels: bool = False,
    string_ids: bool = False,
    tz: str | None = None,
) -> pd.DataFrame:
    """Realistic retail transactions, the same for the same arguments.

    Parameters
    ----------
    n_transactions, n_customers : int
        Rows to make, and the size of the customer base they are drawn from
        (with fewer transactions than customers, only some customers appear).
    seed : int
        Seed of the random generator.
    start, end : date-like
        The span of the timestamps.
    one_time_share : float
        Share of buying customers with exactly one purchase; the others share
        the remaining transactions with heavy-tailed (log-normal) intensity.
    return_rate : float
        Share of repeat transactions turned into returns (negative amounts).
        A customer's first purchase is never a return.
    order_ids : bool
        Add an ``order_id`` column; about a quarter of the rows are further
        lines of the order before them (same customer, same timestamp).
    channels : bool
        Add a ``channel`` column, the customer's acquisition channel
        (web, store, app, marketplace).
    string_ids : bool
        Ids as strings (``"C0012345"``) instead of int64.
    tz : str, optional
        Make the timestamps tz-aware in this zone.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``date`` (datetime64[us], sorted), ``amount``
        (float64, whole cents; log-normal, median about 40), and the optional
        columns, in time order.

    Examples
    --------
    >>> from rfmkit.datasets import make_transactions
    >>> tx = make_transactions(500, 100, seed=7, order_ids=True, channels=True)
    >>> list(tx.columns)
    ['customer_id', 'date', 'amount', 'order_id', 'channel']
    """
    if n_transactions < 0 or n_customers < 1:
        raise ValueError("n_transactions must be >= 0 and n_customers >= 1")
    if not 0 <= one_time_share <= 1 or not 0 <= return_rate < 1:
        raise ValueError("one_time_share must be in [0, 1] and return_rate in [0, 1)")
    rng = np.random.default_rng(seed)
    counts = _purchase_counts(rng, n_transactions, n_customers, one_time_share)
    buyers = np.flatnonzero(counts)
    counts = counts[buyers]
    owner = np.repeat(np.arange(len(buyers)), counts)
    first_row = np.cumsum(counts) - counts

    # Timestamp.value is in nanoseconds whatever the unit; the data is in us.
    lo = pd.Timestamp(start).normalize().value // 1_000
    hi = pd.Timestamp(end).normalize().value // 1_000 + 86_400_000_000 - 1
    # Customers arrive over the span; repeat purchases fall between their
    # arrival and the end.
    birth = rng.integers(lo, hi, size=len(buyers), endpoint=True)
    frac = rng.random(len(owner))
    frac[first_row] = 0.0
    ts = birth[owner] + (frac * (hi - birth[owner])).astype(np.int64)

    amount = np.round(rng.lognormal(np.log(40.0), 0.9, size=len(owner)), 2).clip(0.01)
    is_return = rng.random(len(owner)) < return_rate
    is_return[first_row] = False
    amount[is_return] *= -1

    ids = rng.permutation(n_customers)[buyers] + 10_001
    frame: dict[str, Any] = {"customer_id": ids[owner]}
    order = None
    if order_ids:
        order, ts = _orders(rng, owner, ts)
    if channels:
        channel = rng.choice(len(_CHANNELS), size=len(buyers), p=_CHANNEL_P)
        frame["channel"] = pd.Categorical.from_codes(channel[owner], categories=_CHANNELS)
    by_time = np.argsort(ts, kind="stable")
    out = pd.DataFrame(
        {
            "customer_id": (
                pd.Series(frame["customer_id"][by_time]).map("C{:07d}".format).astype("str")
                if string_ids
                else frame["customer_id"][by_time]
            ),
            "date": ts[by_time].view("datetime64[us]"),
            "amount": amount[by_time],
        }
    )
    if tz is not None:
        out["date"] = out["date"].dt.tz_localize("UTC").dt.tz_convert(tz)
    if order is not None:
        out["order_id"] = order[by_time]
    if channels:
        out["channel"] = frame["channel"][by_time]
    return out


def _purchase_counts(rng, n_tx: int, n_customers: int, one_time_share: float) -> np.ndarray:
    counts = np.zeros(n_customers, dtype=np.int64)
    buyers = rng.permutation(n_customers)[: min(n_tx, n_customers)]
    counts[buyers] = 1
    rest = n_tx - len(buyers)
    repeaters = buyers[int(round(one_time_share * len(buyers))) :]
    if rest > 0:
        if len(repeaters) == 0:
            repeaters = buyers
        if rest >= len(repeaters):  # a repeat customer buys at least twice
            counts[repeaters] += 1
            rest -= len(repeaters)
        weights = rng.lognormal(0.0, 1.2, size=len(repeaters))
        counts[repeaters] += rng.multinomial(rest, weights / weights.sum())
    return counts


def _orders(rng, owner: np.ndarray, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order ids per row; some rows join the previous order of the customer."""
    by_customer = np.lexsort((ts, owner))
    o, t = owner[by_customer], ts[by_customer].copy()
    joins = np.zeros(len(o), dtype=bool)
    joins[1:] = (o[1:] == o[:-1]) & (rng.random(len(o) - 1) < 0.25)
    order = np.cumsum(~joins) + 500_000
    starts = np.flatnonzero(~joins)
    t = t[starts][np.cumsum(~joins) - 1]  # every line carries its order's time
    out_order = np.empty_like(order)
    out_ts = np.empty_like(t)
    out_order[by_customer] = order
    out_ts[by_customer] = t
    return out_order, out_ts
