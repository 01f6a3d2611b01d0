"""rfmkit.dask: any partitioning of the transactions (any number of
partitions, uneven and empty ones, rows in any order) gives the in-memory
functions' results bit for bit, with both methods; options are checked at
call time without computing; a 2-worker LocalCluster runs the whole path.

The reference is rfmkit's in-memory function on the computed frame, itself
tested against pandas and the peers elsewhere; here what is under test is
the distribution (partial states, merges, shuffles, fitted cut points)."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import rfmkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rfmkit import InputError, InputTypeError

if os.environ.get("RFMKIT_REQUIRE_SCALE") == "1":  # CI's main environment: a missing engine fails
    import dask
    import dask.dataframe as dd
    import distributed
else:
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")

import rfmkit.dask as rd  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::rfmkit.RFMWarning")

DAY0 = pd.Timestamp("2024-01-01")
AMOUNTS = [12.5, 0.1, 99.99, -5.0, 1e-8, 3e-5, 1e300, -1e300, 7.0, 0.0, 2.0**53, 1.0, 0.3]


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def transactions(rows, ids="int", tz=None) -> pd.DataFrame:
    tx = pd.DataFrame(
        {
            "customer_id": np.array([r[0] for r in rows], dtype=np.int64),
            "date": DAY0 + pd.to_timedelta([r[1] for r in rows], unit="h"),
            "amount": np.array([r[2] for r in rows], dtype=np.float64),
            "order_id": np.array([r[3] for r in rows], dtype=np.int64),
            "channel": [("web", "shop", "app")[r[0] % 3] for r in rows],
        }
    )
    if ids == "str":
        tx["customer_id"] = "c" + tx["customer_id"].astype(str)
    if tz is not None:
        tx["date"] = tx["date"].dt.tz_localize("UTC").dt.tz_convert(tz)
    return tx


ROW = st.tuples(st.integers(1, 12), st.integers(0, 24 * 120), st.sampled_from(AMOUNTS), st.integers(1, 15))


def partitioned(tx: pd.DataFrame, cuts: list[int], seed: int) -> dd.DataFrame:
    """``tx``'s rows shuffled by ``seed`` and cut at ``cuts`` (empty pieces too)."""
    rows = tx.sample(frac=1.0, random_state=seed)
    bounds = [0, *sorted(min(c, len(rows)) for c in cuts), len(rows)]
    pieces = [rows.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return dd.from_delayed([dask.delayed(p) for p in pieces], meta=tx.iloc[:0], verify_meta=False)


def same(got: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    got = got.sort_values(keys, ignore_index=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.attrs == expected.attrs


CASE = st.fixed_dictionaries(
    {
        "rows": st.lists(ROW, min_size=1, max_size=60),
        "cuts": st.lists(st.integers(0, 60), max_size=6),
        "seed": st.integers(0, 2**16),
        "ids": st.sampled_from(["int", "str"]),
        "tz": st.sampled_from([None, "America/New_York"]),
        "method": st.sampled_from(["tree", "shuffle"]),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=CASE,
    frequency=st.sampled_from(["rows", "orders", "days"]),
    window=st.sampled_from([None, 30, "2M"]),
    as_of=st.sampled_from([None, "2024-02-15", "2024-01-03"]),
    by=st.sampled_from([None, "channel"]),
    returns=st.sampled_from(["net", "exclude"]),
)
def test_rfm_table_any_partitioning(case, frequency, window, as_of, by, returns):
    tx = transactions(case["rows"], case["ids"], case["tz"])
    opts = {
        "frequency": frequency,
        "order_id": "order_id" if frequency == "orders" else None,
        "window": window,
        "as_of": as_of,
        "by": by,
        "returns": returns,
    }
    try:
        expected = rfmkit.rfm_table(tx, **opts)
    except InputError as exc:  # an as-of date before every row: the same error, when computing
        with pytest.raises(InputError, match="before the first transaction"):
            rd.rfm_table(partitioned(tx, case["cuts"], case["seed"]), method=case["method"], **opts).compute()
        assert "before the first transaction" in str(exc)
        return
    ddf = partitioned(tx, case["cuts"], case["seed"])
    got = rd.rfm_table(ddf, method=case["method"], npartitions=1 + case["seed"] % 3, **opts).compute()
    same(got, expected, ["channel", "customer_id"] if by else ["customer_id"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=CASE,
    time_unit=st.sampled_from(["D", "W", "M", "h"]),
    end=st.sampled_from([None, "2024-02-15", "2023-12-01"]),
    first=st.booleans(),
    money=st.booleans(),
)
def test_rfm_summary_any_partitioning(case, time_unit, end, first, money):
    tx = transactions(case["rows"], case["ids"], case["tz"])
    args = ("customer_id", "date", "amount" if money else None)
    opts = {"time_unit": time_unit, "observation_period_end": end, "include_first_transaction": first}
    ddf = partitioned(tx, case["cuts"], case["seed"])
    lazy = rd.rfm_summary(ddf, *args, method=case["method"], **opts)
    try:
        expected = rfmkit.rfm_summary(tx, *args, **opts)
    except InputError:
        with pytest.raises(InputError, match="before the first transaction"):
            lazy.compute()
        return
    same(lazy.compute(), expected, ["customer_id"])


@pytest.mark.parametrize("end", [None, "05/01/2022", "01/03/2022", "01/01/2021"])
def test_summary_of_text_dates_with_a_format(end):
    tx = rfmkit.datasets.make_transactions(800, 120, seed=4)
    tx["day"] = tx["date"].dt.strftime("%d/%m/%Y")
    args = ("customer_id", "day", "amount")
    opts = {"datetime_format": "%d/%m/%Y", "observation_period_end": end}
    ddf = dd.from_pandas(tx.sample(frac=1.0, random_state=1), npartitions=3)
    for method in ("tree", "shuffle"):
        lazy = rd.rfm_summary(ddf, *args, method=method, npartitions=40, **opts)  # some partitions empty
        if end == "01/01/2021":  # before every transaction
            with pytest.raises(InputError, match="before the first transaction"):
                lazy.compute()
        else:
            same(lazy.compute(), rfmkit.rfm_summary(tx, *args, **opts), ["customer_id"])


def test_defaults_and_partitions_of_the_result():
    tx = rfmkit.datasets.make_transactions(2_000, 300, seed=2, order_ids=True)
    ddf = dd.from_pandas(tx, npartitions=4)
    tree = rd.rfm_table(ddf, npartitions=3)
    assert tree.npartitions == 3
    parts = [p.compute() for p in tree.partitions]
    assert all(p["customer_id"].is_monotonic_increasing for p in parts)
    assert parts[0]["customer_id"].iloc[-1] < parts[1]["customer_id"].iloc[0]  # in id order
    assert tree.compute().reset_index(drop=True).equals(rfmkit.rfm_table(tx))
    days = rd.rfm_table(ddf, frequency="days", npartitions=5)  # shuffle by default
    assert days.npartitions == 5
    assert all(p.compute()["customer_id"].is_monotonic_increasing for p in days.partitions)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"method": "ntile", "bins": 4},
        {"weights": [0.1, 0.37, 0.2]},
        {"method": {"recency": "mean", "frequency": "median", "monetary": "quantile"}},
        {"thresholds": {"frequency": [2, 5], "monetary": [100.0]}},
    ],
)
@pytest.mark.parametrize("by", [None, "channel"])
def test_score_and_segment_equal_in_memory(kw, by):
    tx = rfmkit.datasets.make_transactions(3_000, 500, seed=3, channels=True)
    table = rfmkit.rfm_table(tx, by=by)
    ddf = dd.from_pandas(tx.sample(frac=1.0, random_state=2), npartitions=4)
    # The tree's table is in id order; the shuffle's is not: the fit must not care.
    lazy = rd.score(rd.rfm_table(ddf, by=by, method="shuffle" if by else "tree", npartitions=3), **kw)
    expected = rfmkit.score(table, **kw)
    keys = ["channel", "customer_id"] if by else ["customer_id"]
    same(lazy.compute(), expected, keys)
    segmented = rd.segment(lazy, "rf10", new_customer_days=45, explain=True).compute()
    same(segmented, rfmkit.segment(expected, "rf10", new_customer_days=45, explain=True), keys)


def test_options_are_checked_at_call_time_without_computing():
    def boom():
        raise AssertionError("computed")

    meta = rfmkit.datasets.make_transactions(10, 5, seed=1, order_ids=True).iloc[:0]
    ddf = dd.from_delayed([dask.delayed(boom)()], meta=meta, verify_meta=False)
    with pytest.raises(InputError, match="'when'"):
        rd.rfm_table(ddf, date="when")
    with pytest.raises(InputError, match="frequency"):
        rd.rfm_table(ddf, frequency="weekly")
    with pytest.raises(InputError, match="order_id"):
        rd.rfm_table(ddf, frequency="orders")
    with pytest.raises(InputError, match="method"):
        rd.rfm_table(ddf, method="broadcast")
    with pytest.raises(InputError, match="npartitions"):
        rd.rfm_table(ddf, npartitions=0)
    with pytest.raises(InputError, match="as_of"):
        rd.rfm_table(ddf, as_of="not a date")
    with pytest.raises(InputTypeError, match="customer_id"):
        rd.rfm_table(ddf.assign(customer_id=ddf["amount"]))  # float ids
    with pytest.raises(InputError, match="'spend'"):
        rd.rfm_summary(ddf, "customer_id", "date", "spend")
    with pytest.raises(InputError, match="time_unit"):
        rd.rfm_summary(ddf, "customer_id", "date", time_unit="fortnight")
    with pytest.raises(InputTypeError, match="dask DataFrame"):
        rd.rfm_table(meta)
    table = rd.rfm_table(ddf)  # lazy: fine until computed
    with pytest.raises(InputError, match="bins"):
        rd.score(table, bins=1)
    with pytest.raises(InputError, match="scheme|unknown"):
        rd.segment(rd.score(table), "no-such-scheme")
    with pytest.raises(InputError, match="levels"):
        rd.segment(table.assign(r_score=1, f_score=1, m_score=1))
    with pytest.raises(AssertionError, match="computed"):
        table.compute()


def test_bad_values_name_the_partition_and_column():
    tx = rfmkit.datasets.make_transactions(200, 40, seed=1)
    tx.loc[150, "amount"] = np.nan
    ddf = dd.from_pandas(tx, npartitions=4)
    for method in ("tree", "shuffle"):
        with pytest.raises(InputError, match="partition.*'amount'") as err:
            rd.rfm_table(ddf, method=method).compute()
        assert err.value.column == "amount"


def test_import_rfmkit_does_not_import_dask():
    code = "import sys, rfmkit; rfmkit.rfm_table; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_missing_dask_names_the_extra():
    code = (
        "import sys; sys.modules['dask'] = None\n"
        "try:\n    import rfmkit.dask\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "rfmkit[dask]"' in out.stdout


@pytest.mark.parametrize("method", ["tree", "shuffle"])
@pytest.mark.parametrize("kind", ["category", "arrow", "two groups", "tz option"])
def test_id_kinds_dtypes_and_options(kind, method):
    tx = rfmkit.datasets.make_transactions(600, 90, seed=6, channels=True, tz="Europe/Berlin")
    opts: dict = {}
    keys = ["customer_id"]
    if kind == "category":
        tx["customer_id"] = ("c" + tx["customer_id"].astype(str)).astype("category")
    elif kind == "arrow":
        tx = tx.drop(columns="channel").convert_dtypes(dtype_backend="pyarrow")
    elif kind == "two groups":
        tx["region"] = tx["customer_id"] % 2
        opts = {"by": ["channel", "region"]}
        keys = ["channel", "region", "customer_id"]
    else:
        opts = {"tz": "Asia/Tokyo", "window": 40}
    ddf = dd.from_pandas(tx.sample(frac=1.0, random_state=3), npartitions=3)
    computed = ddf.compute()  # the reference sees the dtypes dask gives the partitions
    same(
        rd.rfm_table(ddf, method=method, npartitions=8, **opts).compute(),
        rfmkit.rfm_table(computed, **opts),
        keys,
    )
    if kind in ("category", "arrow"):
        got = rd.rfm_summary(ddf, "customer_id", "date", "amount", method=method, npartitions=8).compute()
        same(got, rfmkit.rfm_summary(computed, "customer_id", "date", "amount"), ["customer_id"])


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
            scheduler_kwargs={"dashboard": False},
        )
    c = distributed.Client(cluster, set_as_default=False)  # the other tests stay synchronous
    yield c
    c.close()
    cluster.close()


@pytest.mark.parametrize("method", ["tree", "shuffle"])
def test_the_whole_path_on_a_local_cluster(client, method):
    tx = rfmkit.datasets.make_transactions(6_000, 800, seed=9, order_ids=True)
    ddf = dd.from_pandas(tx.sample(frac=1.0, random_state=9), npartitions=6)
    with dask.config.set(scheduler=client):
        table = rd.rfm_table(ddf, frequency="orders", order_id="order_id", window="6M", method=method)
        customers = rd.segment(rd.score(table)).compute()
        summary = rd.rfm_summary(ddf, "customer_id", "date", "amount", method=method).compute()
    expected = rfmkit.segment(
        rfmkit.score(rfmkit.rfm_table(tx, frequency="orders", order_id="order_id", window="6M"))
    )
    same(customers, expected, ["customer_id"])
    same(summary, rfmkit.rfm_summary(tx, "customer_id", "date", "amount"), ["customer_id"])
    actions = rfmkit.action_list(customers.sort_values("customer_id", ignore_index=True))
    pd.testing.assert_frame_equal(actions, rfmkit.action_list(expected))
