"""Bad input: a clear exception naming the column and an offending value, never a
panic, never a silently wrong table."""

from __future__ import annotations

import contextlib
import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import rfmkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from rfmkit import InputError, InputTypeError, RFMWarning
from rfmkit._core import rfm_columns


def frame(**overrides):
    df = pd.DataFrame(
        {
            "cust": [1, 2, 3, 1],
            "when": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
            "paid": [10.0, 20.0, 30.0, 40.0],
        }
    )
    for k, v in overrides.items():
        df[k] = v
    return df


def run(df, **kw):
    return rfmkit.rfm_table(df, "cust", "when", "paid", **kw)


@pytest.mark.parametrize(
    ("overrides", "exc", "pattern"),
    [
        ({"cust": [1.0, 2.0, np.nan, 1.0]}, InputTypeError, r"'cust'.*floats.*1\.0.*NaN\) at row 2"),
        ({"cust": [1.5, 2.0, 3.0, 1.0]}, InputTypeError, r"'cust' holds floats such as 1\.5"),
        ({"cust": ["a", None, "b", "a"]}, InputError, r"'cust' has a missing value \((None|null)\) at row 1"),
        ({"cust": pd.array([1, None, 2, 3], dtype="Int64")}, InputError, r"'cust'.*missing.*row 1"),
        ({"cust": pd.Series(["a", "b", None, "c"], dtype="str")}, InputError, r"'cust'.*row 2"),
        ({"cust": pd.Series(["a", "b", None, "c"], dtype="category")}, InputError, r"'cust'.*row 2"),
        (
            {"cust": np.array(["a", 5, "b", "c"], dtype=object)},
            InputTypeError,
            r"'cust'.*mixed types: 5 \(int\) at row 1",
        ),
        ({"cust": np.array([1, "x", 2, 3], dtype=object)}, InputTypeError, r"'cust'.*mixed.*'x'"),
        ({"cust": [True, False, True, True]}, InputTypeError, r"'cust' has dtype bool"),
        (
            {"cust": np.array([1, -(2**63) - 1, 2, 3], dtype=object)},
            InputError,
            r"'cust' has an id out of the 64-bit range: -9223372036854775809 at row 1",
        ),
        (
            {"cust": np.array([-1, 2**63, 2, 3], dtype=object)},
            InputError,
            r"'cust'.*64-bit range: 9223372036854775808 at row 1",
        ),
        (
            {"when": pd.to_datetime(["2024-01-01", None, "2024-01-03", "2024-01-04"])},
            InputError,
            r"'when' has a missing value \(NaT\) at row 1",
        ),
        (
            {"when": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]},
            InputTypeError,
            r"'when' holds text such as '2024-01-01'",
        ),
        ({"when": [1, 2, 3, 4]}, InputTypeError, r"'when' has dtype int64"),
        (
            {
                "when": np.array(
                    [
                        dt.datetime(2024, 1, 1),
                        dt.datetime(2024, 1, 2, tzinfo=dt.timezone.utc),
                        dt.datetime(2024, 1, 3),
                        dt.datetime(2024, 1, 4),
                    ],
                    dtype=object,
                )
            },
            InputError,
            r"'when' mixes tz-aware and naive.*row 1",
        ),
        ({"paid": [1.0, np.nan, 2.0, 3.0]}, InputError, r"'paid' has an invalid value NaN at row 1"),
        ({"paid": [1.0, 2.0, np.inf, 3.0]}, InputError, r"'paid'.*inf at row 2.*finite"),
        ({"paid": [1.0, 2.0, 3.0, -np.inf]}, InputError, r"'paid'.*row 3.*finite"),
        ({"paid": ["1.0", "2", "3", "4"]}, InputTypeError, r"'paid' must hold numbers.*'1\.0' at row 0"),
        (
            {"paid": pd.array([1.0, None, 2.0, 3.0], dtype="Float64")},
            InputError,
            r"'paid' has a missing value \(<NA>\) at row 1",
        ),
        ({"paid": np.array([2**64 - 1, 1, 1, 1], dtype=np.uint64)}, InputError, r"'paid'.*row 0"),
        ({"paid": [True, False, True, True]}, InputTypeError, r"'paid' must hold numbers"),
    ],
)
def test_bad_columns(overrides, exc, pattern):
    with pytest.raises(exc, match=pattern):
        run(frame(**overrides))


def test_exceptions_subclass_builtins():
    assert issubclass(InputError, ValueError)
    assert issubclass(InputTypeError, TypeError)


def test_missing_column_names_it_and_lists_the_others():
    with pytest.raises(InputError, match=r"missing column 'amount'; the data has columns 'cust'"):
        rfmkit.rfm_table(frame(), "cust", "when")


def test_duplicate_column():
    df = pd.concat([frame(), frame()[["paid"]]], axis=1)
    with pytest.raises(InputError, match="'paid' appears more than once"):
        run(df)


def test_arrays_of_different_lengths():
    with pytest.raises(InputError, match=r"'customer_id' has 3 rows, 'amount' has 2"):
        rfmkit.rfm_arrays(np.array([1, 2, 3]), np.array(["2024-01-01"] * 3, "M8[D]"), np.array([1.0, 2.0]))


@pytest.mark.parametrize(
    ("kw", "pattern"),
    [
        ({"frequency": "visits"}, r"invalid frequency 'visits': choose one of 'rows', 'orders', 'days'"),
        ({"returns": "keep"}, r"invalid returns 'keep'"),
        ({"frequency": "orders"}, r"'orders' needs an order_id column"),
        ({"window": 0}, r"invalid window 0: it must be at least 1 day, got 0"),
        ({"window": "10 fortnights"}, r"invalid window '10 fortnights'"),
        ({"window": "36h"}, r"whole number of days"),
        ({"window": True}, r"invalid window True"),
        ({"as_of": "2023-12-31"}, r"as_of: 2023-12-31 is before the first transaction, on 2024-01-01"),
        ({"as_of": "not a date"}, r"invalid as_of 'not a date'"),
        ({"as_of": pd.Timestamp("2024-02-01", tz="UTC")}, r"as_of .* is tz-aware but the dates"),
        ({"tz": "Europe/Paris"}, r"tz='Europe/Paris' applies to tz-aware dates.*'when' is tz-naive"),
    ],
)
def test_bad_options(kw, pattern):
    with pytest.raises(InputError, match=pattern):
        run(frame(), **kw)


def test_bad_tz_name():
    df = frame(when=frame()["when"].dt.tz_localize("UTC"))
    with pytest.raises(InputError, match="invalid tz 'Mars/Olympus'"):
        run(df, tz="Mars/Olympus")


def test_order_id_without_orders_frequency():
    df = frame(order=[1, 2, 3, 4])
    with pytest.raises(InputError, match="only used with frequency='orders'"):
        run(df, order_id="order")


def test_returns_error_counts_and_names_the_first():
    df = frame(paid=[10.0, -2.5, 3.0, -1.0])
    with pytest.raises(InputError, match=r"'paid' has 2 negative amount\(s\).*first is -2.5 at row 1"):
        run(df, returns="error")
    # Returns after the as-of date are left out, and so not an error.
    assert len(run(df, returns="error", as_of="2024-01-01")) == 1


def test_customers_with_only_returns_are_reported():
    df = frame(paid=[10.0, -20.0, 30.0, 40.0])
    with pytest.warns(RFMWarning, match=r"1 customer\(s\) with returns but no purchase.*first is 2"):
        got = run(df)
    assert got["customer_id"].tolist() == [1, 3]
    # With returns dropped, customer 2 simply has no rows: nothing to report.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run(df, returns="exclude")["customer_id"].tolist() == [1, 3]


def test_wrong_data_type():
    with pytest.raises(InputTypeError, match="data must be a pandas DataFrame"):
        rfmkit.rfm_table([1, 2, 3])


# ------------------------------------------------------------------ no panic, ever

DTYPES = st.sampled_from(["i8", "u8", "f8", "i4", "M8[s]", "M8[ns]", "M8[D]", "O", "U3", "b1"])


@st.composite
def arbitrary_array(draw, n):
    dtype = draw(DTYPES)
    if dtype == "O":
        elems = st.one_of(st.none(), st.integers(), st.text(max_size=3), st.floats())
        return np.array(draw(st.lists(elems, min_size=n, max_size=n)) + [None], dtype=object)[:n]
    return draw(hnp.arrays(np.dtype(dtype), n))


# A warning (customers of returns only left out, unused scores) is not a panic.
@pytest.mark.filterwarnings("ignore::rfmkit.RFMWarning")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    n=st.integers(0, 12),
    opts=st.fixed_dictionaries(
        {
            "frequency": st.sampled_from(["rows", "orders", "days", "x"]),
            "returns": st.sampled_from(["net", "exclude", "error"]),
            "window": st.one_of(st.none(), st.integers(-3, 10**12), st.sampled_from(["3M", "99999Y"])),
            "as_of": st.one_of(st.none(), st.sampled_from(["1970-01-01", "2262-01-01", "1677-09-22"])),
        }
    ),
)
def test_generated_input_never_panics(data, n, opts):
    cols = [data.draw(arbitrary_array(n + data.draw(st.integers(0, 1)))) for _ in range(4)]
    order = cols[3] if opts["frequency"] == "orders" else None
    # InputError / InputTypeError (or pandas' own error on garbage) are fine;
    # a PanicException is a BaseException and fails the test.
    with contextlib.suppress(ValueError, TypeError):
        rfmkit.rfm_arrays(cols[0], cols[1], cols[2], order_id=order, **opts)


@settings(max_examples=200, deadline=None)
@given(
    offsets=hnp.arrays(np.int64, st.integers(0, 6), elements=st.integers(-5, 20)),
    data=hnp.arrays(np.uint8, st.integers(0, 10)),
    n=st.integers(0, 6),
)
def test_core_rejects_malformed_string_buffers(offsets, data, n):
    ts = np.zeros(max(len(offsets) - 1, 0), dtype=np.int64)
    with contextlib.suppress(ValueError, TypeError):
        rfm_columns(
            ids=("str", offsets, data),
            ts=ts,
            ticks_per_day=1,
            days=None,
            amounts=np.zeros(len(ts)),
            orders=None,
            as_of_day=None,
            frequency="rows",
            returns="net",
            names=("c", "d", "a", "o"),
        )


def test_core_rejects_mismatched_zone_days_and_bad_unit():
    ids = ("i64", np.array([1, 2]))
    ts = np.array([0, 1])
    with pytest.raises(InputError, match="different lengths"):
        rfm_columns(**core_args(ids, ts, days=np.array([0], dtype=np.int32)))
    with pytest.raises(InputError, match="ticks per day must be positive"):
        rfm_columns(**core_args(ids, ts, ticks_per_day=0))
    with pytest.raises(InputError, match="not both"):
        rfm_columns(**core_args(ids, ts), window_days=30, window_months=1)
    with pytest.raises(TypeError):
        rfm_columns(ids, ts, 1, None, np.zeros(2), None, None, "rows", "net", ("c", "d", "a", "o"))


def core_args(ids, ts, **over):
    """The core's keyword arguments for two rows."""
    args = {
        "ids": ids,
        "ts": ts,
        "ticks_per_day": 1,
        "days": None,
        "amounts": np.zeros(2),
        "orders": None,
        "as_of_day": None,
        "frequency": "rows",
        "returns": "net",
        "names": ("c", "d", "a", "o"),
    }
    return {**args, **over}


def test_extreme_dates_and_ids_do_not_overflow():
    ids = np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max, 0])
    dates = np.array([np.iinfo(np.int64).min + 1, np.iinfo(np.int64).max, 0]).view("M8[s]")
    with pytest.raises(InputError, match=r"'date'.*at row 0: dates must be in years 1 to 9999"):
        rfmkit.rfm_arrays(ids, dates, np.ones(3))
    old = np.array([np.iinfo(np.int64).min + 1, 0], dtype=np.int64).view("M8[D]")
    with pytest.raises(InputError, match=r"'date'.*at row 0: dates must be in years 1 to 9999"):
        rfmkit.rfm_arrays(np.array([1, 2]), old, np.ones(2))
    with pytest.raises(InputError, match=r"as_of: day .* is not a date of years 1 to 9999"):
        rfmkit.rfm_arrays(
            np.array([1]), np.array(["2024-01-01"], "M8[D]"), np.ones(1), as_of=np.datetime64("10000-01-01")
        )
    r = rfmkit.rfm_arrays(ids, np.array(["2024-01-01"] * 3, "M8[ns]"), np.ones(3))
    assert r.customer_id.tolist() == sorted(ids.tolist())


def test_arrow_nulls_in_ids():
    t = pa.table(
        {
            "customer_id": pa.array(["a", None]),
            "date": pa.array([0, 1], pa.timestamp("s")),
            "amount": pa.array([1.0, 2.0]),
        }
    )
    with pytest.raises(InputError, match=r"'customer_id' has a missing value \(null\) at row 1"):
        rfmkit.rfm_table(t)
