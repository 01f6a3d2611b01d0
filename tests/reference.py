"""A plain pandas implementation of the documented rfm_table rules.

Written for the tests, independently of the engine: groupby, boolean masks
and math.fsum, with no cleverness. Every property test compares the engine
with this.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


class ExpectedError(Exception):
    """The rules say the engine must raise an InputError matching ``match``."""

    def __init__(self, match: str):
        super().__init__(match)
        self.match = match


def reference_rfm(
    df: pd.DataFrame,
    *,
    as_of=None,
    window: tuple[str, int] | None = None,
    frequency: str = "rows",
    returns: str = "net",
    tz=None,
    order_id: str = "order_id",
) -> pd.DataFrame:
    """customer_id, recency, frequency, monetary, first_purchase, last_purchase.

    ``window`` is ("days", n) or ("months", n). Dates in ``df["date"]`` are
    naive or tz-aware pandas datetimes.
    """
    d = df.copy()
    # Text ids as integer codes in the ids' sorted order: pandas 2.2 hashes object strings up to
    # their first NUL, so its groupby and unique take "" and "\x00" for one id.
    text_ids = None
    if not pd.api.types.is_integer_dtype(d["customer_id"].dtype):
        text_ids = sorted(set(d["customer_id"].tolist()))
        code = {k: i for i, k in enumerate(text_ids)}
        d["customer_id"] = np.array([code[k] for k in d["customer_id"].tolist()], dtype=np.int64)
    dates = d["date"]
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        zone = tz if tz is not None else dates.dt.tz
        wall = dates.dt.tz_convert(zone).dt.tz_localize(None)
    else:
        zone = None
        wall = dates
    d["day"] = wall.dt.floor("D")

    if as_of is None:
        as_of_day = d["day"].max()
    else:
        t = pd.Timestamp(as_of)
        if t.tzinfo is not None:
            t = t.tz_convert(zone).tz_localize(None)
        as_of_day = t.floor("D")
        if len(d) and as_of_day < d["day"].min():
            raise ExpectedError("before the first transaction")
    d = d[d["day"] <= as_of_day]
    if returns == "exclude":
        d = d[d["amount"] >= 0]
    elif returns == "error" and (d["amount"] < 0).any():
        raise ExpectedError("negative amount")

    if window is None:
        start = None
    elif window[0] == "days":
        start = as_of_day - pd.Timedelta(days=window[1])
    else:
        start = as_of_day - pd.DateOffset(months=window[1])
    in_window = d if start is None else d[d["day"] > start]
    purchases = d[d["amount"] >= 0]
    window_purchases = in_window[in_window["amount"] >= 0]

    customers = np.sort(purchases["customer_id"].unique())
    g = purchases.groupby("customer_id")
    last_day = g["day"].max().reindex(customers)
    if frequency == "rows":
        freq = window_purchases.groupby("customer_id").size()
    elif frequency == "orders":
        freq = window_purchases.groupby("customer_id")[order_id].nunique()
    else:
        freq = window_purchases.groupby("customer_id")["day"].nunique()
    money = in_window.groupby("customer_id")["amount"].agg(lambda s: math.fsum(s.tolist()))
    out = pd.DataFrame(
        {
            "customer_id": customers,
            "recency": (as_of_day - last_day).dt.days.to_numpy().astype(np.int64),
            "frequency": freq.reindex(customers, fill_value=0).to_numpy().astype(np.int64),
            "monetary": money.reindex(customers, fill_value=0.0).to_numpy().astype(np.float64),
            "first_purchase": g["date"].min().reindex(customers).to_numpy(),
            "last_purchase": g["date"].max().reindex(customers).to_numpy(),
        }
    )
    if zone is not None:
        for col in ("first_purchase", "last_purchase"):
            out[col] = (
                g["date"]
                .agg("min" if col.startswith("first") else "max")
                .reindex(customers)
                .dt.tz_convert(zone)
                .to_numpy()
            )
    if text_ids is not None:
        out["customer_id"] = np.array(text_ids, dtype=object)[out["customer_id"].to_numpy()]
    return out


def assert_same_table(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Exact equality of every column (monetary bit for bit)."""
    assert list(got.columns) == [
        "customer_id",
        "recency",
        "frequency",
        "monetary",
        "first_purchase",
        "last_purchase",
    ]
    assert len(got) == len(want), (len(got), len(want))
    assert got["customer_id"].astype(object).tolist() == want["customer_id"].astype(object).tolist()
    for col in ("recency", "frequency"):
        assert got[col].dtype == np.int64, got[col].dtype
        np.testing.assert_array_equal(got[col].to_numpy(), want[col].to_numpy(), err_msg=col)
    assert got["monetary"].dtype == np.float64
    np.testing.assert_array_equal(got["monetary"].to_numpy(), want["monetary"].to_numpy())
    for col in ("first_purchase", "last_purchase"):
        g = pd.Series(got[col]).reset_index(drop=True)
        w = pd.Series(want[col]).reset_index(drop=True)
        if isinstance(g.dtype, pd.DatetimeTZDtype):
            assert isinstance(w.dtype, pd.DatetimeTZDtype) or len(w) == 0
            g = g.dt.tz_convert("UTC").dt.tz_localize(None)
            w = w.dt.tz_convert("UTC").dt.tz_localize(None) if len(w) else w
        assert (g.astype("datetime64[ns]") == w.astype("datetime64[ns]")).all(), col
