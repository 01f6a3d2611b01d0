"""rfm_table against the plain pandas reference, for every input kind and option."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
import rfmkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import ExpectedError, assert_same_table, reference_rfm
from rfmkit.errors import RFMWarning

BASE = pd.Timestamp("2024-02-01")  # the span covers a leap day and both DST changes
ZONES = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe"]


@st.composite
def transactions(draw, ids: str = "int", zone: str | None = None, orders: bool = False):
    n = draw(st.integers(1, 40))
    if ids == "int":
        pool = draw(st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=6, unique=True))
    else:
        pool = draw(st.lists(st.text(max_size=6), min_size=1, max_size=6, unique=True))
    day = st.integers(0, 75)
    second = st.integers(0, 86_399)
    cents = st.integers(-20_000, 200_000)
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(pool), day, second, cents, st.integers(0, 4)), min_size=n, max_size=n
        )
    )
    cid, d, s, c, o = map(list, zip(*rows, strict=True))
    wall = BASE + pd.to_timedelta(np.array(d) * 86_400 + np.array(s), unit="s")
    if zone is None:
        dates = pd.Series(wall).astype("datetime64[us]")
    else:
        # Instants spread over the day in UTC, so local days differ from UTC days.
        dates = pd.Series(wall).dt.tz_localize("UTC").dt.tz_convert(zone).astype(f"datetime64[us, {zone}]")
    df = pd.DataFrame(
        {
            "customer_id": pd.Series(cid, dtype="int64" if ids == "int" else object),
            "date": dates,
            "amount": np.array(c, dtype=np.float64) / 100,
        }
    )
    if orders:
        df["order_id"] = np.array(o, dtype=np.int64)
    return df


@st.composite
def options(draw, frequency=("rows", "days")):
    as_of = draw(st.one_of(st.none(), st.integers(20, 80).map(lambda k: BASE + pd.Timedelta(days=k))))
    window = draw(
        st.one_of(
            st.none(),
            st.integers(1, 60).map(lambda k: ("days", k)),
            st.integers(1, 3).map(lambda k: ("months", k)),
        )
    )
    return {
        "as_of": as_of,
        "window": window,
        "frequency": draw(st.sampled_from(frequency)),
        "returns": draw(st.sampled_from(["net", "exclude"])),
    }


def window_arg(window):
    if window is None:
        return None
    kind, k = window
    return k if kind == "days" else f"{k}M"


def engine(data, opts, **extra):
    kwargs = dict(opts, window=window_arg(opts["window"]), **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        return rfmkit.rfm_table(data, **kwargs, output="pandas")  # polars in would give polars


def check(df, opts, data=None, **extra):
    """The engine on ``data`` (default ``df``) equals the reference on ``df``,
    or both refuse. Returns the engine's table (None if it raised)."""
    data = df if data is None else data
    try:
        want = reference_rfm(df, **opts, **extra)
    except ExpectedError as e:
        with pytest.raises(rfmkit.InputError, match=e.match):
            engine(data, opts, **extra)
        return None
    got = engine(data, opts, **extra)
    assert_same_table(got, want)
    return got


SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@SETTINGS
@given(df=transactions("int"), opts=options())
def test_int_ids_match_reference(df, opts):
    check(df, opts)


@SETTINGS
@given(df=transactions("str"), opts=options())
def test_string_ids_match_reference(df, opts):
    check(df, opts)


@SETTINGS
@given(df=transactions("int", orders=True), opts=options(frequency=("orders",)))
def test_orders_match_reference(df, opts):
    check(df, opts, order_id="order_id")


@SETTINGS
@given(df=transactions("str", orders=True), opts=options(frequency=("orders",)))
def test_string_orders_match_reference(df, opts):
    df["order_id"] = df["order_id"].map("ord-{}".format).astype(object)
    check(df, opts, order_id="order_id")


@pytest.mark.parametrize("zone", ZONES)
@SETTINGS
@given(data=st.data(), opts=options())
def test_tz_aware_dates_match_reference(zone, data, opts):
    df = data.draw(transactions("int", zone=zone))
    check(df, opts)
    check(df, opts, tz=data.draw(st.sampled_from(["UTC", "Asia/Kolkata"])))


@SETTINGS
@given(df=transactions("str"), opts=options(), seed=st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(df, opts, seed):
    got = check(df, opts)
    shuffled = df.sample(frac=1, random_state=np.random.RandomState(seed)).reset_index(drop=True)
    again = check(shuffled, opts)
    if got is not None:
        pd.testing.assert_frame_equal(got, again)


# ------------------------------------------------------------------ input kinds and dtypes


def _variants():
    """(name, make) pairs: make turns the canonical frame into another input kind."""

    def cast(column, dtype):
        def make(df):
            return df.assign(**{column: df[column].astype(dtype)})

        return make

    def ids_as(dtype):
        return cast("customer_id", dtype)

    def dates_as(unit):
        return cast("date", f"datetime64[{unit}]")

    def amounts_as(dtype):
        return cast("amount", dtype)

    return [
        ("int32 ids", ids_as("int32")),
        ("uint64 ids", ids_as("uint64")),
        ("nullable Int64 ids", ids_as("Int64")),
        ("object str ids", ids_as(str)),
        ("str dtype ids", lambda df: ids_as("str")(ids_as(str)(df))),
        ("string[pyarrow] ids", lambda df: ids_as("string[pyarrow]")(df)),
        ("string[python] ids", lambda df: ids_as("string[python]")(df)),
        ("arrow large_string ids", lambda df: ids_as(pd.ArrowDtype(pa.large_string()))(ids_as(str)(df))),
        ("categorical int ids", ids_as("category")),
        ("categorical str ids", lambda df: ids_as("category")(ids_as(str)(df))),
        ("dates s", dates_as("s")),
        ("dates ms", dates_as("ms")),
        ("dates ns", dates_as("ns")),
        ("arrow dates", lambda df: df.assign(date=df["date"].astype(pd.ArrowDtype(pa.timestamp("us"))))),
        ("object dates", lambda df: df.assign(date=df["date"].astype(object))),
        ("Float64 amounts", amounts_as("Float64")),
        ("arrow double amounts", amounts_as(pd.ArrowDtype(pa.float64()))),
        ("object amounts", amounts_as(object)),
        ("pyarrow table", lambda df: pa.Table.from_pandas(df, preserve_index=False)),
        (
            "chunked pyarrow table",
            lambda df: pa.concat_tables(
                [
                    pa.Table.from_pandas(df.iloc[:3], preserve_index=False),
                    pa.Table.from_pandas(df.iloc[3:], preserve_index=False),
                ]
            ),
        ),
        ("polars", lambda df: pl.from_pandas(df)),
        (
            "polars categorical str ids",
            lambda df: pl.from_pandas(df.astype({"customer_id": str})).with_columns(
                pl.col("customer_id").cast(pl.Categorical)
            ),
        ),
        ("mapping of numpy arrays", lambda df: {c: df[c].to_numpy() for c in df.columns}),
        (
            "mapping of numpy unicode ids",
            lambda df: {
                "customer_id": df["customer_id"].astype(str).to_numpy().astype("U"),
                "date": df["date"].to_numpy(),
                "amount": df["amount"].to_numpy(),
            },
        ),
    ]


VARIANTS = _variants()


@pytest.mark.parametrize(("name", "make"), VARIANTS, ids=[v[0] for v in VARIANTS])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=transactions("int"), opts=options())
def test_input_kinds_match_reference(name, make, df, opts):
    df["customer_id"] = df["customer_id"].abs() % 1000  # fits every integer dtype
    canonical = df
    if "str" in name or "unicode" in name:
        canonical = df.assign(customer_id=df["customer_id"].astype(str))
    check(canonical, opts, data=make(df))


def test_integer_amounts_are_exact():
    df = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-02"]),
            "amount": np.array([2**62, 2**62, -5], dtype=np.int64),
        }
    )
    with pytest.warns(RFMWarning, match="1 customer"):
        got = rfmkit.rfm_table(df)
    assert got["monetary"].tolist() == [float(2**63)]


def test_output_dtypes_follow_the_input():
    tx = rfmkit.datasets.make_transactions(300, 50, seed=3, string_ids=True, tz="Asia/Tokyo")
    got = rfmkit.rfm_table(tx)
    assert got["customer_id"].dtype == tx["customer_id"].dtype
    assert str(got["first_purchase"].dtype) == "datetime64[us, Asia/Tokyo]"
    assert got["customer_id"].is_monotonic_increasing
    utc = rfmkit.rfm_table(tx, tz="UTC")
    assert str(utc["last_purchase"].dtype) == "datetime64[us, UTC]"


def test_empty_input_gives_typed_empty_table():
    df = pd.DataFrame(
        {
            "customer_id": np.array([], dtype=np.int64),
            "date": np.array([], dtype="datetime64[ms]"),
            "amount": np.array([], dtype=np.float64),
        }
    )
    got = rfmkit.rfm_table(df)
    assert len(got) == 0
    assert got.dtypes.astype(str).tolist() == [
        "int64",
        "int64",
        "int64",
        "float64",
        "datetime64[ms]",
        "datetime64[ms]",
    ]
    assert got.attrs["as_of"] is None
    as_text = df.astype({"customer_id": "str"})  # the str dtype (pandas 3) or object (2.2)
    strings = rfmkit.rfm_table(as_text)
    assert len(strings) == 0 and strings["customer_id"].dtype == as_text["customer_id"].dtype


def test_window_keeps_customers_without_recent_purchases():
    df = pd.DataFrame(
        {
            "customer_id": [1, 2, 2],
            "date": pd.to_datetime(["2024-01-01 00:00", "2024-03-01 23:59", "2024-03-31 00:01"]),
            "amount": [10.0, 5.0, 7.0],
        }
    )
    got = rfmkit.rfm_table(df, window="30D")
    assert got["customer_id"].tolist() == [1, 2]
    assert got["recency"].tolist() == [90, 0]
    assert got["frequency"].tolist() == [0, 1]  # 2024-03-01 is outside (Mar 1, Mar 31]
    assert got["monetary"].tolist() == [0.0, 7.0]
    assert got.attrs["as_of"] == "2024-03-31"


def test_purchase_on_as_of_day_after_midnight_has_recency_zero():
    df = pd.DataFrame(
        {
            "customer_id": [1, 1],
            "date": pd.to_datetime(["2024-05-01 23:59:59", "2024-05-02 00:00:00"]),
            "amount": [1.0, 1.0],
        }
    )
    got = rfmkit.rfm_table(df, as_of="2024-05-01")
    assert got["recency"].tolist() == [0]
    assert got["frequency"].tolist() == [1]  # the row of May 2 is after the as-of date


def test_daylight_saving_day_is_one_day():
    # 2024-03-10 has 23 hours in New York; the purchase at 23:30 that day is
    # one calendar day before 2024-03-11 23:00 even though 23.5 hours passed.
    dates = pd.Series(pd.to_datetime(["2024-03-10 00:30", "2024-03-11 23:00"])).dt.tz_localize(
        "America/New_York"
    )
    df = pd.DataFrame({"customer_id": [1, 2], "date": dates, "amount": [1.0, 1.0]})
    got = rfmkit.rfm_table(df)
    assert got["recency"].tolist() == [1, 0]


def test_cents_sum_exactly():
    n = 1_000_003
    df = pd.DataFrame(
        {
            "customer_id": np.zeros(n, dtype=np.int64),
            "date": np.full(n, np.datetime64("2024-01-01", "s")),
            "amount": np.full(n, 0.1),
        }
    )
    got = rfmkit.rfm_table(df)
    assert got["monetary"].iloc[0] == 100000.3
    assert np.sum(df["amount"].to_numpy()) != 100000.3  # what naive summation gives


def test_numpy_level_api():
    r = rfmkit.rfm_arrays(
        np.array(["b", "a", "b"], dtype=object),
        np.array(["2024-01-01T10", "2024-01-03T08", "2024-01-05T23"], dtype="datetime64[h]"),
        np.array([3, 4, -1]),
        returns="net",
    )
    assert r.customer_id.tolist() == ["a", "b"]
    assert r.recency.tolist() == [2, 4]
    assert r.frequency.tolist() == [1, 1]
    assert r.monetary.tolist() == [4.0, 2.0]
    assert r.last_purchase.dtype == np.dtype("datetime64[h]")
    assert str(r.as_of) == "2024-01-05"


def test_user_buffers_are_never_written():
    tx = rfmkit.datasets.make_transactions(5_000, 500, seed=2)
    arrays = {c: tx[c].to_numpy().copy() for c in tx.columns}
    for a in arrays.values():
        a.flags.writeable = False
    rfmkit.rfm_table(arrays, window=30)
    pd.testing.assert_frame_equal(pd.DataFrame(arrays), rfmkit.datasets.make_transactions(5_000, 500, seed=2))
