"""The CLV bridge: rfm_summary, rfm_train_test_split, the lifetimes forms and
discounted_ltv, against the published fixture, a plain pandas
re-implementation of the rules, pymc-marketing 1.3.0's own code and lifetimes."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
import rfmkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from peers import pymc_clv_utils
from rfmkit.errors import InputError, InputTypeError
from rfmkit.lifetimes import calibration_and_holdout_data, summary_data_from_transaction_data

# --------------------------------------------------------------------------- reference


def reference_summary(
    df, *, end=None, unit="D", scaler=1.0, include_first=False, monetary=True
) -> pd.DataFrame:
    """The section-5 rules, one customer at a time, with pandas Periods."""
    dates = pd.to_datetime(df["date"])
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)  # wall-clock time
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        periods = [p.ordinal for p in dates.dt.to_period(unit)]
        end_ts = dates.max() if end is None else pd.Timestamp(end)
        end_p = end_ts.to_period(unit).ordinal
    per_customer: dict = {}
    for cid, p, amount in zip(df["customer_id"], periods, df["amount"], strict=True):
        if p <= end_p:
            per_customer.setdefault(cid, {}).setdefault(p, []).append(amount)
    rows = []
    for cid in sorted(per_customer):
        sums = {p: math.fsum(v) for p, v in per_customer[cid].items()}
        first, last = min(sums), max(sums)
        recency, T = (last - first) / scaler, (end_p - first) / scaler
        row = {"customer_id": cid}
        if include_first:
            row.update(frequency=float(len(sums)), recency=T - recency)
            mean = math.fsum(sums.values()) / len(sums)
        else:
            row.update(frequency=float(len(sums) - 1), recency=recency, T=T)
            rest = [s for p, s in sums.items() if p != first]
            mean = math.fsum(rest) / len(rest) if rest else 0.0
        if monetary:
            row["monetary_value"] = mean
        rows.append(row)
    columns = ["customer_id", "frequency", "recency"] + ([] if include_first else ["T"])
    return pd.DataFrame(rows, columns=columns + (["monetary_value"] if monetary else []))


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    for c in got.columns[1:]:
        assert got[c].dtype == want[c].dtype, c
        np.testing.assert_allclose(
            got[c].to_numpy(), want[c].to_numpy(dtype=float), rtol=1e-9, atol=1e-9, err_msg=c
        )


def pymc(function: str, *args, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(pymc_clv_utils(), function)(*args, **kwargs)


# --------------------------------------------------------------------------- fixture


FIXTURE = {
    1: [("01-01", 1), ("02-06", 2)],
    2: [("01-01", 2)],
    3: [("01-01", 3), ("01-02", 1), ("01-05", 5)],
    4: [("01-16", 6), ("02-02", 3), ("02-05", 3), ("02-05", 6)],
    5: [("01-16", 3), ("01-17", 1), ("01-18", 8)],
    6: [("02-02", 5)],
}


@pytest.fixture
def fixture_tx() -> pd.DataFrame:
    rows = [(c, f"2015-{d}", a) for c, items in FIXTURE.items() for d, a in items]
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"])


def test_fixture_daily(fixture_tx):
    s = rfmkit.rfm_summary(fixture_tx, "customer_id", "date", "amount", observation_period_end="2015-02-07")
    assert s["customer_id"].tolist() == [1, 2, 3, 4, 5, 6]
    assert s["frequency"].tolist() == [1, 0, 2, 2, 2, 0]
    assert s["recency"].tolist() == [36, 0, 4, 20, 2, 0]
    assert s["T"].tolist() == [37, 37, 37, 22, 22, 5]
    assert s["monetary_value"].tolist() == [2, 0, 3, 6, 4.5, 0]
    assert pd.Timestamp(s.attrs["observation_period_end"]) == pd.Timestamp("2015-02-07")


def test_fixture_include_first_transaction(fixture_tx):
    s = rfmkit.rfm_summary(
        fixture_tx,
        "customer_id",
        "date",
        "amount",
        observation_period_end="2015-02-07",
        include_first_transaction=True,
    )
    assert list(s.columns) == ["customer_id", "frequency", "recency", "monetary_value"]
    assert s["frequency"].tolist() == [2, 1, 3, 3, 3, 1]
    assert s["recency"].tolist() == [1, 37, 33, 2, 20, 5]
    assert s["monetary_value"].tolist() == [1.5, 2, 3, 6, 4, 5]


def test_fixture_weekly(fixture_tx):
    s = rfmkit.rfm_summary(
        fixture_tx, "customer_id", "date", observation_period_end="2015-02-07", time_unit="W"
    )
    assert list(s.columns) == ["customer_id", "frequency", "recency", "T"]
    assert s["frequency"].tolist() == [1, 0, 1, 1, 0, 0]
    assert s["recency"].tolist() == [5, 0, 1, 3, 0, 0]
    assert s["T"].tolist() == [5, 5, 5, 3, 3, 0]


@pytest.mark.parametrize("unit", ["D", "W", "M", "h"])
@pytest.mark.parametrize("include_first", [False, True])
def test_fixture_equals_pymc_marketing(fixture_tx, unit, include_first):
    kw = dict(observation_period_end="2015-02-07", time_unit=unit, include_first_transaction=include_first)
    got = rfmkit.rfm_summary(fixture_tx, "customer_id", "date", "amount", **kw)
    want = pymc("rfm_summary", fixture_tx, "customer_id", "date", "amount", **kw)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)


def test_end_accepts_strings_datetimes_dates_and_periods(fixture_tx):
    base = rfmkit.rfm_summary(fixture_tx, "customer_id", "date", observation_period_end="2015-02-07")
    for end in [
        dt.datetime(2015, 2, 7, 18, 30),
        dt.date(2015, 2, 7),
        np.datetime64("2015-02-07"),
        pd.Period("2015-02-07", "D"),
        pd.Timestamp("2015-02-07 23:59"),
    ]:
        s = rfmkit.rfm_summary(fixture_tx, "customer_id", "date", observation_period_end=end)
        pd.testing.assert_frame_equal(s, base)
    s = rfmkit.rfm_summary(
        fixture_tx, "customer_id", "date", datetime_format="%Y-%m-%d", observation_period_end="2015-02-07"
    )
    pd.testing.assert_frame_equal(s, base)
    dmy = fixture_tx.assign(date=pd.to_datetime(fixture_tx["date"]).dt.strftime("%d/%m/%Y"))
    s = rfmkit.rfm_summary(
        dmy, "customer_id", "date", datetime_format="%d/%m/%Y", observation_period_end="07/02/2015"
    )
    pd.testing.assert_frame_equal(s, base)


@pytest.mark.parametrize("unit", ["D", "W", "M", "h"])
def test_ends_beyond_the_range_of_nanoseconds(unit):
    # 2300 and 9999 do not fit datetime64[ns]: the end must not wrap around.
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "amount": [5.0, 7.0, 3.0],
            "date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-03"]).as_unit("ns"),
        }
    )
    for end in ["2300-01-01", "9999-12-31"]:
        s = rfmkit.rfm_summary(tx, "customer_id", "date", observation_period_end=end, time_unit=unit)
        want = reference_summary(tx, end=pd.Timestamp(end), unit=unit, monetary=False)
        same(s, want)
    split = rfmkit.rfm_train_test_split(tx, "customer_id", "date", "2024-01-02", "2300-01-01")
    assert split["test_T"].iloc[0] == (pd.Period("2300-01-01", "D") - pd.Period("2024-01-02", "D")).n
    assert split["customer_id"].tolist() == [1] and split["test_frequency"].tolist() == [1.0]


def test_default_end_is_the_latest_period(fixture_tx):
    s = rfmkit.rfm_summary(fixture_tx, "customer_id", "date", "amount")
    want = rfmkit.rfm_summary(
        fixture_tx, "customer_id", "date", "amount", observation_period_end="2015-02-06"
    )
    pd.testing.assert_frame_equal(s, want)
    m = rfmkit.rfm_summary(fixture_tx, "customer_id", "date", time_unit="M")
    assert pd.Timestamp(m.attrs["observation_period_end"]) == pd.Timestamp("2015-02-01")
    assert m["T"].tolist() == [1, 1, 1, 1, 1, 0]


def test_time_scaler(fixture_tx):
    s = rfmkit.rfm_summary(
        fixture_tx, "customer_id", "date", observation_period_end="2015-02-07", time_scaler=7
    )
    assert s["T"].tolist() == pytest.approx([37 / 7, 37 / 7, 37 / 7, 22 / 7, 22 / 7, 5 / 7])


def test_sort_transactions_never_changes_the_answer(fixture_tx):
    shuffled = fixture_tx.sample(frac=1, random_state=3)
    for sort in (True, False):
        s = rfmkit.rfm_summary(
            shuffled,
            "customer_id",
            "date",
            "amount",
            observation_period_end="2015-02-07",
            sort_transactions=sort,
        )
        want = rfmkit.rfm_summary(
            fixture_tx, "customer_id", "date", "amount", observation_period_end="2015-02-07"
        )
        pd.testing.assert_frame_equal(s, want)


# --------------------------------------------------------------------------- property tests


ZONES = [None, "Europe/Berlin", "America/New_York"]


@st.composite
def transactions(draw):
    n = draw(st.integers(1, 60))
    string_ids = draw(st.booleans())
    pool = draw(st.lists(st.integers(-5, 40), min_size=1, max_size=8, unique=True))
    ids = [draw(st.sampled_from(pool)) for _ in range(n)]
    # Timestamps from a small pool (ties within a period) and free ones.
    base = pd.Timestamp("2019-12-20")
    spread = draw(st.sampled_from([3_600, 86_400 * 3, 86_400 * 90, 86_400 * 800]))
    stamps = draw(st.lists(st.integers(0, spread), min_size=1, max_size=6))
    secs = [draw(st.one_of(st.sampled_from(stamps), st.integers(0, spread))) for _ in range(n)]
    dates = pd.to_datetime([base + pd.Timedelta(seconds=s) for s in secs]).as_unit(
        draw(st.sampled_from(["s", "us", "ns"]))
    )
    zone = draw(st.sampled_from(ZONES))
    if zone is not None:
        dates = dates.tz_localize(zone, ambiguous=False, nonexistent="shift_forward")
    ints = draw(st.booleans())
    amounts = (
        draw(st.lists(st.integers(-50, 500), min_size=n, max_size=n))
        if ints
        else [round(x, 2) for x in draw(st.lists(st.floats(-50, 500), min_size=n, max_size=n))]
    )
    df = pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in ids] if string_ids else ids,
            "date": dates,
            "amount": amounts,
        }
    )
    end = None
    if draw(st.booleans()):
        end = dates[draw(st.integers(0, n - 1))]
        end = end.tz_localize(None) if zone is not None else end
    return df, end


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=transactions(),
    unit=st.sampled_from(["D", "W", "M", "h"]),
    scaler=st.sampled_from([1, 7, 0.5]),
    include_first=st.booleans(),
    monetary=st.booleans(),
)
def test_summary_equals_reference(data, unit, scaler, include_first, monetary):
    df, end = data
    got = rfmkit.rfm_summary(
        df,
        "customer_id",
        "date",
        "amount" if monetary else None,
        observation_period_end=end,
        time_unit=unit,
        time_scaler=scaler,
        include_first_transaction=include_first,
    )
    want = reference_summary(
        df, end=end, unit=unit, scaler=scaler, include_first=include_first, monetary=monetary
    )
    same(got, want)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=transactions(), unit=st.sampled_from(["D", "W", "M", "h"]), include_first=st.booleans())
def test_summary_equals_pymc_marketing(data, unit, include_first):
    df, end = data
    if isinstance(df["date"].dtype, pd.DatetimeTZDtype):
        # pymc-marketing compares a tz-aware column with naive ends; judge by wall time as it does.
        df = df.assign(date=df["date"].dt.tz_localize(None))
    kw = dict(observation_period_end=end, time_unit=unit, include_first_transaction=include_first)
    got = rfmkit.rfm_summary(df, "customer_id", "date", "amount", **kw)
    want = pymc("rfm_summary", df.sort_values(["customer_id", "date"]), "customer_id", "date", "amount", **kw)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, atol=1e-9)
    assert (got.dtypes[1:] == np.float64).all()


def reference_split(df, train_end, test_end, unit, scaler):
    dates = pd.to_datetime(df["date"])
    train = df[dates <= train_end]
    summary = reference_summary(train, end=train_end, unit=unit, scaler=scaler)
    test = df[(dates > train_end) & (dates <= test_end)]
    test_dates = pd.to_datetime(test["date"])
    periods = [p.ordinal for p in test_dates.dt.to_period(unit)]
    by: dict = {}
    for cid, p, a in zip(test["customer_id"], periods, test["amount"], strict=True):
        by.setdefault(cid, {}).setdefault(p, []).append(a)
    freq, mon = [], []
    for cid in summary["customer_id"]:
        sums = [math.fsum(v) for v in by.get(cid, {}).values()]
        freq.append(float(len(sums)))
        mon.append(math.fsum(sums) / len(sums) if sums else 0.0)
    # pymc-marketing's left merge fills the customers without test purchases
    # with 0, which makes the counts float64; int64 when there are none.
    summary["test_frequency"] = np.array(freq, dtype=np.float64 if 0.0 in freq else np.int64)
    summary["test_monetary_value"] = mon
    steps = pd.Timestamp(test_end).to_period(unit).ordinal - pd.Timestamp(train_end).to_period(unit).ordinal
    summary["test_T"] = steps / scaler
    return summary


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=transactions(),
    unit=st.sampled_from(["D", "W", "M", "h"]),
    scaler=st.sampled_from([1, 7]),
    cut=st.floats(0.1, 0.9),
)
def test_split_equals_reference_and_pymc(data, unit, scaler, cut):
    df, _ = data
    df = df.assign(date=pd.to_datetime(df["date"]))
    if isinstance(df["date"].dtype, pd.DatetimeTZDtype):
        df = df.assign(date=df["date"].dt.tz_localize(None))
    lo, hi = df["date"].min(), df["date"].max()
    train_end = lo + (hi - lo) * cut
    if not ((df["date"] <= train_end).any() and (df["date"] > train_end).any()):
        with pytest.raises(InputError):
            rfmkit.rfm_train_test_split(df, "customer_id", "date", train_end, monetary_value_col="amount")
        return
    got = rfmkit.rfm_train_test_split(
        df, "customer_id", "date", train_end, time_unit=unit, time_scaler=scaler, monetary_value_col="amount"
    )
    same(got, reference_split(df, train_end, hi, unit, scaler))
    want = pymc(
        "rfm_train_test_split",
        df,
        "customer_id",
        "date",
        train_end,
        time_unit=unit,
        time_scaler=scaler,
        monetary_value_col="amount",
    )
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, atol=1e-9)


# --------------------------------------------------------------------------- the peers' dtypes


ID_DTYPES = ["int64", "int32", "uint16", "Int64", "int64[pyarrow]", "object", "str"]
# Not float32: pandas' groupby mean of float32 is float32 or float64 depending on the values
# (and the version); rfmkit's means are float64 (see rfmkit.clv).
AMOUNT_DTYPES = ["int64", "int32", "float64", "Int64", "Float64", "int64[pyarrow]", "double[pyarrow]"]


@st.composite
def split_data(draw):
    """Transactions around a train end at 2024-02-01 00:00 where every
    training customer buys again after it, or some do not."""
    n_customers = draw(st.integers(1, 6))
    all_bought = draw(st.booleans())
    rows = []
    for cid in range(n_customers):
        for _ in range(draw(st.integers(1, 3))):
            rows.append((cid, draw(st.integers(0, 30 * 86_400))))  # January
        if all_bought or draw(st.booleans()):
            for _ in range(draw(st.integers(1, 3))):
                rows.append((cid, draw(st.integers(31 * 86_400 + 1, 90 * 86_400))))
    rows.append((n_customers, 40 * 86_400))  # a customer first seen in the test window
    if not all_bought:
        rows.append((0 if n_customers > 1 else n_customers + 1, 5 * 86_400))  # one who never returns
    base = pd.Timestamp("2024-01-01")
    ids = [r[0] + 3 for r in rows]
    id_dtype = draw(st.sampled_from(ID_DTYPES))
    if id_dtype in ("object", "str"):
        id_col = pd.Series([f"c{i}" for i in ids], dtype=object if id_dtype == "object" else None)
    else:
        id_col = pd.Series(ids).astype(id_dtype)
    amounts = pd.Series(draw(st.lists(st.integers(1, 500), min_size=len(rows), max_size=len(rows))))
    df = pd.DataFrame(
        {
            "customer_id": id_col,
            "date": [base + pd.Timedelta(seconds=r[1]) for r in rows],
            "amount": amounts.astype(draw(st.sampled_from(AMOUNT_DTYPES))),
        }
    )
    return df.sample(frac=1, random_state=draw(st.integers(0, 9))).reset_index(drop=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=split_data(), unit=st.sampled_from(["D", "W"]), monetary=st.booleans())
def test_dtypes_equal_the_peers(df, unit, monetary):
    """Every column of the four drop-ins has the peers' dtype, whether every
    training customer bought in the test window (int64 counts) or not."""
    train_end = "2024-02-01"
    money = "amount" if monetary else None
    kw = dict(time_unit=unit, monetary_value_col=money)
    got = rfmkit.rfm_train_test_split(df, "customer_id", "date", train_end, **kw)
    want = pymc("rfm_train_test_split", df, "customer_id", "date", train_end, **kw)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, check_dtype=True)
    got = rfmkit.rfm_summary(df, "customer_id", "date", money, time_unit=unit)
    want = pymc("rfm_summary", df, "customer_id", "date", money, time_unit=unit)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, check_dtype=True)
    lifetimes_utils = pytest.importorskip("lifetimes.utils")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = lifetimes_utils.summary_data_from_transaction_data(df, "customer_id", "date", money, freq=unit)
        # Without an amount column lifetimes fails on pandas 3 (REFERENCE section 8).
        want_cal = lifetimes_utils.calibration_and_holdout_data(
            df, "customer_id", "date", train_end, freq=unit, monetary_value_col="amount"
        )
    got = summary_data_from_transaction_data(df, "customer_id", "date", money, freq=unit)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, check_dtype=True)
    got = calibration_and_holdout_data(
        df, "customer_id", "date", train_end, freq=unit, monetary_value_col="amount"
    )
    pd.testing.assert_frame_equal(got, want_cal, check_exact=False, rtol=1e-9, check_dtype=True)


def test_test_frequency_is_int64_when_every_customer_bought(fixture_tx):
    # Independent of the peers: the counts are whole numbers; pandas' left merge makes
    # them float64 only when it has holes to fill with 0.
    every = fixture_tx[fixture_tx["customer_id"].isin([1, 4])]
    split = rfmkit.rfm_train_test_split(every, "customer_id", "date", "2015-02-01")
    assert split["test_frequency"].dtype == np.int64
    assert split["test_frequency"].tolist() == [1, 2]
    split = rfmkit.rfm_train_test_split(fixture_tx, "customer_id", "date", "2015-02-01")
    assert split["test_frequency"].dtype == np.float64
    assert split["test_frequency"].tolist() == [1.0, 0.0, 0.0, 2.0, 0.0]
    cal = calibration_and_holdout_data(every, "customer_id", "date", "2015-02-01")
    assert cal["frequency_holdout"].dtype == np.int64


def test_categorical_ids_keep_their_dtype_and_category_order():
    ids = pd.Categorical(["b", "a", "b", "c"], categories=["c", "b", "a"])
    tx = pd.DataFrame(
        {
            "customer_id": ids,
            "amount": [1.0, 2.0, 3.0, 4.0],
            "date": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-05", "2024-01-02"]),
        }
    )
    got = rfmkit.rfm_summary(tx, "customer_id", "date", "amount")
    assert got["customer_id"].tolist() == ["c", "b", "a"]  # groupby's order: the categories'
    assert got["customer_id"].dtype == ids.dtype
    if int(pd.__version__.split(".")[0]) < 3:
        # pandas 2 groups categoricals with observed=False: the peers count every
        # (category, period) pair there (pymc-marketing gives frequency 3, 3, 3).
        return
    pd.testing.assert_frame_equal(got, pymc("rfm_summary", tx, "customer_id", "date", "amount"))
    lifetimes_utils = pytest.importorskip("lifetimes.utils")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = lifetimes_utils.summary_data_from_transaction_data(tx, "customer_id", "date", "amount")
    pd.testing.assert_frame_equal(
        summary_data_from_transaction_data(tx, "customer_id", "date", "amount"), want
    )


# --------------------------------------------------------------------------- generated data


@pytest.fixture(scope="module")
def generated() -> pd.DataFrame:
    return rfmkit.datasets.make_transactions(20_000, 2_000, seed=11)


@pytest.mark.parametrize("unit", ["D", "W", "M", "h"])
def test_generated_data_equals_pymc_marketing(generated, unit):
    got = rfmkit.rfm_summary(generated, "customer_id", "date", "amount", time_unit=unit)
    want = pymc("rfm_summary", generated, "customer_id", "date", "amount", time_unit=unit)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9)


def test_input_kinds_agree(generated):
    want = rfmkit.rfm_summary(generated, "customer_id", "date", "amount", time_unit="W")
    table = pa.Table.from_pandas(generated, preserve_index=False)
    for data in (table, pl.from_arrow(table), {c: generated[c].to_numpy() for c in generated}):
        got = rfmkit.rfm_summary(data, "customer_id", "date", "amount", time_unit="W", output="pandas")
        pd.testing.assert_frame_equal(got, want)
    text = generated.assign(
        date=generated["date"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        customer_id="c" + generated["customer_id"].astype(str),
    )
    got = rfmkit.rfm_summary(
        text, "customer_id", "date", "amount", time_unit="W", datetime_format="%Y-%m-%d %H:%M:%S"
    )
    assert got["customer_id"].tolist() == sorted(text["customer_id"].unique())
    by_id = want.assign(customer_id="c" + want["customer_id"].astype(str)).set_index("customer_id")
    pd.testing.assert_frame_equal(got.set_index("customer_id"), by_id.loc[got["customer_id"]])


def test_string_ids_sort_like_pandas():
    tx = pd.DataFrame(
        {
            "customer_id": ["b", "a", "B", "é", "a"],
            "date": pd.to_datetime(["2024-01-01"] * 5),
            "amount": [1.0] * 5,
        }
    )
    got = rfmkit.rfm_summary(tx, "customer_id", "date", "amount")
    assert got["customer_id"].tolist() == ["B", "a", "b", "é"]
    assert got["customer_id"].dtype == tx["customer_id"].dtype


def test_tz_aware_dates_use_wall_clock_time():
    # 23:30 in New York on Jan 1 is Jan 2 in UTC: the day is Jan 1.
    dates = pd.to_datetime(["2024-01-01 23:30", "2024-01-03 10:00"]).tz_localize("America/New_York")
    tx = pd.DataFrame({"customer_id": [1, 1], "date": dates, "amount": [1.0, 2.0]})
    s = rfmkit.rfm_summary(tx, "customer_id", "date", "amount")
    assert (s["recency"].item(), s["T"].item()) == (2.0, 2.0)
    aware_end = pd.Timestamp("2024-01-05 03:00", tz="UTC")  # Jan 4, 22:00 in New York
    s = rfmkit.rfm_summary(tx, "customer_id", "date", observation_period_end=aware_end)
    assert s["T"].item() == 3.0
    naive = tx.assign(date=dates.tz_localize(None))
    with pytest.raises(InputError, match="tz-aware but the dates are tz-naive"):
        rfmkit.rfm_summary(naive, "customer_id", "date", observation_period_end=aware_end)


def test_results_are_the_same_for_any_row_order(generated):
    want = rfmkit.rfm_summary(generated, "customer_id", "date", "amount", time_unit="M")
    got = rfmkit.rfm_summary(
        generated.sample(frac=1, random_state=5), "customer_id", "date", "amount", time_unit="M"
    )
    pd.testing.assert_frame_equal(got, want)


# --------------------------------------------------------------------------- lifetimes


@pytest.mark.parametrize("freq", ["D", "W", "h"])
@pytest.mark.parametrize("include_first", [False, True])
def test_lifetimes_summary(generated, freq, include_first):
    lifetimes_utils = pytest.importorskip("lifetimes.utils")
    kw = dict(freq=freq, freq_multiplier=7 if freq == "D" else 1, include_first_transaction=include_first)
    got = summary_data_from_transaction_data(generated, "customer_id", "date", "amount", **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = lifetimes_utils.summary_data_from_transaction_data(
            generated, "customer_id", "date", "amount", **kw
        )
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("freq", ["D", "W"])
def test_lifetimes_calibration_and_holdout(generated, freq):
    lifetimes_utils = pytest.importorskip("lifetimes.utils")
    kw = dict(calibration_period_end="2024-09-30", freq=freq, monetary_value_col="amount")
    got = calibration_and_holdout_data(generated, "customer_id", "date", **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = lifetimes_utils.calibration_and_holdout_data(generated, "customer_id", "date", **kw)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9)
    assert got.index.name == "customer_id"


# --------------------------------------------------------------------------- bad input


def test_errors(fixture_tx):
    f = fixture_tx
    with pytest.raises(InputError, match="missing column 'when'"):
        rfmkit.rfm_summary(f, "customer_id", "when")
    with pytest.raises(InputError, match=r"column 'date' has a value that is not a date.*'2015/01/01'"):
        rfmkit.rfm_summary(
            f.assign(date=f["date"].where(f.index != 3, "2015/01/01")),
            "customer_id",
            "date",
            datetime_format="%Y-%m-%d",
        )
    with pytest.raises(InputError, match=r"not a date in the format '%d\.%m\.%Y'.*at row 0"):
        rfmkit.rfm_summary(f, "customer_id", "date", datetime_format="%d.%m.%Y")
    with pytest.raises(InputError, match="not a date.*'soon'"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pandas: "Could not infer format"
        rfmkit.rfm_summary(f.assign(date=["soon"] + list(f["date"][1:])), "customer_id", "date")
    with pytest.raises(InputError, match="invalid time_unit 'Q'"):
        rfmkit.rfm_summary(f, "customer_id", "date", time_unit="Q")
    for bad in (0, -1, float("nan")):
        with pytest.raises(InputError, match="time_scaler must be a positive number"):
            rfmkit.rfm_summary(f, "customer_id", "date", time_scaler=bad)
    with pytest.raises(InputTypeError, match="time_scaler must be a number"):
        rfmkit.rfm_summary(f, "customer_id", "date", time_scaler="7")
    with pytest.raises(InputError, match="observation_period_end .* is before the first transaction"):
        rfmkit.rfm_summary(f, "customer_id", "date", observation_period_end="2014-12-31")
    with pytest.raises(InputError, match="invalid observation_period_end 'never'"):
        rfmkit.rfm_summary(f, "customer_id", "date", observation_period_end="never")
    with pytest.raises(InputError, match="column 'date' has a missing value"):
        rfmkit.rfm_summary(
            f.assign(date=pd.to_datetime(f["date"]).where(f.index != 2)), "customer_id", "date"
        )
    with pytest.raises(InputError, match="column 'amount' has an invalid value NaN at row 4"):
        rfmkit.rfm_summary(
            f.assign(amount=f["amount"].astype(float).where(f.index != 4)), "customer_id", "date", "amount"
        )
    with pytest.raises(InputError, match="column 'customer_id' has a missing value"):
        rfmkit.rfm_summary(
            f.assign(customer_id=f["customer_id"].astype("Int64").where(f.index != 1)), "customer_id", "date"
        )


def test_split_errors(fixture_tx):
    f = fixture_tx
    with pytest.raises(InputError, match="train_period_end .* must be before test_period_end"):
        rfmkit.rfm_train_test_split(f, "customer_id", "date", "2015-02-01", "2015-01-20")
    with pytest.raises(InputError, match="no transactions at or before train_period_end"):
        rfmkit.rfm_train_test_split(f, "customer_id", "date", "2014-06-01")
    with pytest.raises(InputError, match="test window is empty"):
        rfmkit.rfm_train_test_split(f, "customer_id", "date", "2015-02-06", "2015-02-07")
    with pytest.raises(InputError, match="invalid time_unit"):
        rfmkit.rfm_train_test_split(f, "customer_id", "date", "2015-01-20", time_unit="Y")
    with pytest.raises(InputError, match="freq_multiplier must be a positive number"):
        calibration_and_holdout_data(f, "customer_id", "date", "2015-01-20", freq_multiplier=0)
    with pytest.raises(InputError, match="invalid freq 'Q'"):
        summary_data_from_transaction_data(f, "customer_id", "date", freq="Q")


def test_no_panics_on_odd_input():
    odd = [
        {"customer_id": np.array([], dtype=np.int64), "date": np.array([], "M8[ns]"), "amount": np.array([])},
        {
            "customer_id": np.array([1, 2]),
            "date": np.array(["0001-01-01", "9999-12-31"], "M8[s]"),
            "amount": np.array([1.0, 2.0]),
        },
        {
            "customer_id": np.array([1]),
            "date": np.array(["2024-01-01"], "M8[D]"),
            "amount": np.array([1e300]),
        },
        {
            "customer_id": np.array([1, 1]),
            "date": np.array([-(2**62), 2**62], "M8[s]"),
            "amount": np.array([1.0, 2.0]),
        },
    ]
    for data in odd:
        for unit in ("D", "W", "M", "h"):
            with contextlib.suppress(InputError, InputTypeError):
                rfmkit.rfm_summary(data, "customer_id", "date", "amount", time_unit=unit)
    empty = rfmkit.rfm_summary(odd[0], "customer_id", "date", "amount")
    assert len(empty) == 0 and list(empty.columns)[-1] == "monetary_value"


# --------------------------------------------------------------------------- discounted LTV


def test_discounted_ltv_by_hand():
    forecasts = pd.DataFrame(
        {1: [100.0, 0.0], 2: [100.0, 50.0], 3: [100.0, 0.0]}, index=pd.Index(["a", "b"], name="customer_id")
    )
    got = rfmkit.discounted_ltv(forecasts, discount_rate=0.1)
    assert got.index.tolist() == ["a", "b"] and got.name == "ltv"
    assert got["a"] == pytest.approx(100 / 1.1 + 100 / 1.1**2 + 100 / 1.1**3, rel=1e-12)
    assert got["b"] == pytest.approx(50 / 1.1**2, rel=1e-12)
    flat = rfmkit.discounted_ltv(np.array([[10.0, 10.0]]), discount_rate=0)
    assert flat.tolist() == [20.0]


def test_projected_revenue_model(fixture_tx):
    s = rfmkit.rfm_summary(fixture_tx, "customer_id", "date", "amount", observation_period_end="2015-02-07")
    proj = rfmkit.projected_revenue(s, 3)
    # customer 4: 2 repeat periods of mean 6 over T = 22 days; a month is 30.4375 days.
    assert proj.loc[4].tolist() == pytest.approx([2 * 6 / 22 * 30.4375] * 3)
    assert proj.loc[2].tolist() == [0.0, 0.0, 0.0]
    weekly = rfmkit.projected_revenue(s, 2, period="W")
    assert weekly.loc[4, 1] == pytest.approx(2 * 6 / 22 * 7)
    ltv = rfmkit.discounted_ltv(summary=s, periods=3, discount_rate=0.01)
    want = sum(2 * 6 / 22 * 30.4375 / 1.01**t for t in (1, 2, 3))
    assert ltv.loc[4] == pytest.approx(want, rel=1e-12)
    in_weeks = rfmkit.rfm_summary(
        fixture_tx, "customer_id", "date", "amount", observation_period_end="2015-02-07", time_scaler=7
    )
    pd.testing.assert_frame_equal(rfmkit.projected_revenue(in_weeks, 3), proj)


def test_ltv_errors(fixture_tx):
    s = rfmkit.rfm_summary(fixture_tx, "customer_id", "date", "amount")
    with pytest.raises(InputError, match="either forecasts or summary"):
        rfmkit.discounted_ltv(discount_rate=0.1)
    with pytest.raises(InputError, match="periods is required"):
        rfmkit.discounted_ltv(summary=s, discount_rate=0.1)
    with pytest.raises(InputError, match="discount_rate must be a finite number above -1"):
        rfmkit.discounted_ltv(np.ones((2, 2)), discount_rate=-1)
    with pytest.raises(InputError, match="forecast column 1 has an invalid value nan at row 0"):
        rfmkit.discounted_ltv(np.array([[1.0, np.nan]]), discount_rate=0.1)
    with pytest.raises(InputError, match="missing column 'monetary_value'"):
        rfmkit.projected_revenue(s.drop(columns="monetary_value"), 3)
    with pytest.raises(InputError, match="periods must be at least 1"):
        rfmkit.projected_revenue(s, 0)


def test_integer_dates_with_a_format_are_read_as_their_digits(fixture_tx):
    # pymc-marketing's CDNOW test passes dates as integers 19970101 with "%Y%m%d".
    # Reference: the same digits as text, parsed by pandas; no pandas 3 deprecation warning.
    ints = fixture_tx.assign(date=fixture_tx["date"].str.replace("-", "").astype(np.int64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = rfmkit.rfm_summary(
            ints, "customer_id", "date", "amount", datetime_format="%Y%m%d", observation_period_end="20150207"
        )
    text = fixture_tx.assign(date=pd.to_datetime(fixture_tx["date"], format="%Y-%m-%d"))
    pd.testing.assert_frame_equal(
        got, pymc("rfm_summary", text, "customer_id", "date", "amount", observation_period_end="2015-02-07")
    )
