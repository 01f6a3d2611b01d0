"""Adversarial input: every container, dtype, byte order and zone a column can
come in gives the plain pandas reference's table, and junk gives an rfmkit
error, never another exception.

The transactions are drawn once as a canonical pandas frame (the reference
reads that), then each column is re-dressed in a random container (NumPy of
either byte order, pandas Series, Index and ExtensionArray, Arrow arrays and
chunked arrays, object arrays of Python values) before rfmkit reads it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import rfmkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import ExpectedError, assert_same_table, reference_rfm
from rfmkit import InputError, InputTypeError, RFMWarning

ZONES = [None, "UTC", "Asia/Tokyo", "America/New_York", "Europe/Paris"]
BASE = np.datetime64("2024-03-01T00:00:00", "s")


@st.composite
def transactions(draw):
    n = draw(st.integers(1, 25))
    ids = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    midnight = draw(st.booleans())
    if midnight:
        seconds = [86_400 * d for d in draw(st.lists(st.integers(-40, 40), min_size=n, max_size=n))]
    else:
        seconds = draw(st.lists(st.integers(-40 * 86_400, 40 * 86_400), min_size=n, max_size=n))
    cents = draw(st.lists(st.integers(-5_000, 100_000), min_size=n, max_size=n))
    zone = draw(st.sampled_from(ZONES))
    stamps = pd.Series(BASE + np.array(seconds, dtype="m8[s]"))
    if zone is not None:
        stamps = stamps.dt.tz_localize("UTC").dt.tz_convert(zone)
    df = pd.DataFrame(
        {
            "customer_id": np.array(ids, dtype=np.int64),
            "date": stamps,
            "amount": np.array(cents, dtype=np.float64) / 100,
        }
    )
    return df, midnight, zone, cents


def _ids(draw, ids: np.ndarray):
    kind = draw(
        st.sampled_from(
            [
                "numpy",
                "numpy_be32",
                "numpy_be64",
                "numpy_u16",
                "series",
                "Int64",
                "index",
                "category",
                "categorical",
                "arrow",
                "arrow_chunked",
                "object",
                "polars_like_list",
            ]
        )
    )
    return {
        "numpy": lambda: ids,
        "numpy_be32": lambda: ids.astype(">i4"),
        "numpy_be64": lambda: ids.astype(">i8"),
        "numpy_u16": lambda: ids.astype(np.uint16),
        "series": lambda: pd.Series(ids),
        "Int64": lambda: pd.array(ids, dtype="Int64"),
        "index": lambda: pd.Index(ids),
        "category": lambda: pd.Series(ids).astype("category"),
        "categorical": lambda: pd.Categorical(ids),
        "arrow": lambda: pa.array(ids, type=pa.int32()),
        "arrow_chunked": lambda: pa.chunked_array([ids[:1], ids[1:]], type=pa.int64()),
        "object": lambda: ids.astype(object),
        "polars_like_list": lambda: ids.tolist(),
    }[kind]()


def _dates(draw, stamps: pd.Series, midnight: bool, zone):
    if zone is None:
        values = stamps.to_numpy().astype("M8[s]")
        kinds = [
            "s",
            "ms",
            "us",
            "ns",
            "be_s",
            "be_ns",
            "series",
            "index",
            "arrow",
            "arrow_chunked",
            "object",
        ] + (["D", "be_D"] if midnight else [])
        kind = draw(st.sampled_from(kinds))
        if kind in ("s", "ms", "us", "ns", "D"):
            return values.astype(f"M8[{kind}]")
        if kind.startswith("be_"):
            return values.astype(f">M8[{kind[3:]}]")
        return {
            "series": lambda: pd.Series(values.astype("M8[us]")),
            "index": lambda: pd.DatetimeIndex(values.astype("M8[ns]")),
            "arrow": lambda: pa.array(values, type=pa.timestamp("ms")),
            "arrow_chunked": lambda: pa.chunked_array([values[:1], values[1:]], type=pa.timestamp("s")),
            "object": lambda: np.array([v.astype(dt.datetime) for v in values], dtype=object),
        }[kind]()
    kind = draw(
        st.sampled_from(["series", "index", "array", "arrow", "arrow_chunked", "object", "pydatetime"])
    )
    arrow_type = pa.timestamp("us", tz=zone)
    return {
        "series": lambda: stamps,
        "index": lambda: pd.DatetimeIndex(stamps),
        "array": lambda: stamps.array,
        "arrow": lambda: pa.array(stamps, type=arrow_type),
        "arrow_chunked": lambda: pa.chunked_array([pa.array(stamps, type=arrow_type)]),
        "object": lambda: np.array(list(stamps), dtype=object),
        "pydatetime": lambda: np.array([t.to_pydatetime() for t in stamps], dtype=object),
    }[kind]()


def _amounts(draw, amounts: np.ndarray, cents: list[int]):
    kind = draw(
        st.sampled_from(
            [
                "numpy",
                "be",
                "series",
                "Float64",
                "arrow",
                "arrow_chunked",
                "decimal128",
                "decimal_chunked",
                "decimal_series",
                "py_decimal",
                "mixed_decimal",
                "cents_int",
            ]
        )
    )
    decimals = [decimal.Decimal(c).scaleb(-2) for c in cents]
    dec_type = pa.decimal128(12, 2)
    return (
        {
            "numpy": lambda: amounts,
            "be": lambda: amounts.astype(">f8"),
            "series": lambda: pd.Series(amounts),
            "Float64": lambda: pd.array(amounts, dtype="Float64"),
            "arrow": lambda: pa.array(amounts),
            "arrow_chunked": lambda: pa.chunked_array([amounts[:1], amounts[1:]]),
            "decimal128": lambda: pa.array(decimals, type=dec_type),
            "decimal_chunked": lambda: pa.chunked_array(
                [pa.array(decimals, type=dec_type)[:1], pa.array(decimals, type=dec_type)[1:]]
            ),
            "decimal_series": lambda: pd.Series(decimals, dtype=pd.ArrowDtype(dec_type)),
            "py_decimal": lambda: np.array(decimals, dtype=object),
            "mixed_decimal": lambda: np.array(
                [d if i % 2 else float(d) for i, d in enumerate(decimals)], dtype=object
            ),
            "cents_int": None,
        }[kind]()
        if kind != "cents_int"
        else None
    )


def _call(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        return fn(*args, **kw)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    tx=transactions(),
    as_of_shift=st.one_of(st.none(), st.integers(-5, 50)),
    window=st.one_of(st.none(), st.sampled_from([("days", 7), ("days", 30), ("months", 1)])),
)
def test_every_container_gives_the_reference_table(data, tx, as_of_shift, window):
    df, midnight, zone, cents = tx
    ids = _ids(data.draw, df["customer_id"].to_numpy())
    dates = _dates(data.draw, df["date"], midnight, zone)
    amounts = _amounts(data.draw, df["amount"].to_numpy(), cents)
    if amounts is None:
        amounts = df["amount"].to_numpy()
    window_arg = None
    if window is not None:
        window_arg = data.draw(
            st.sampled_from(
                [
                    window[1],
                    f"{window[1]}",
                    f"{window[1]}D",
                    np.timedelta64(window[1], "D"),
                    pd.Timedelta(days=window[1]),
                    pd.offsets.Day(window[1]),
                ]
                if window[0] == "days"
                else ["1M", np.timedelta64(1, "M"), pd.DateOffset(months=1), pd.offsets.MonthEnd(1)]
            )
        )
    as_of = None
    if as_of_shift is not None:
        as_of = (BASE.astype("M8[D]") - 40 + as_of_shift).astype(str)
    try:
        want = _call(reference_rfm, df, as_of=None if as_of is None else str(as_of), window=window)
    except ExpectedError as exc:
        with pytest.raises(InputError, match=exc.match):
            _call(rfmkit.rfm_arrays, ids, dates, amounts, as_of=as_of, window=window_arg)
        return
    got = _call(rfmkit.rfm_arrays, ids, dates, amounts, as_of=as_of, window=window_arg)
    table = pd.DataFrame(
        {
            "customer_id": np.asarray(got.customer_id).astype(np.int64),
            "recency": got.recency,
            "frequency": got.frequency,
            "monetary": got.monetary,
            "first_purchase": got.first_purchase,
            "last_purchase": got.last_purchase,
        }
    )
    assert_same_table(table, want)
    by_table = _call(
        rfmkit.rfm_table,
        {"customer_id": ids, "date": dates, "amount": amounts},
        as_of=as_of,
        window=window_arg,
    )
    np.testing.assert_array_equal(by_table["recency"].to_numpy(), want["recency"].to_numpy())
    np.testing.assert_array_equal(by_table["monetary"].to_numpy(), want["monetary"].to_numpy())


# --------------------------------------------------------------------------- named regressions


def test_big_endian_dates_are_read_as_dates():
    days = np.array(["2024-01-01", "2024-01-05", "2024-01-09"], dtype="M8[D]")
    for unit in ("D", "s", "ns"):
        got = rfmkit.rfm_arrays(np.array([1, 1, 2]), days.astype(f">M8[{unit}]"), np.ones(3))
        assert got.recency.tolist() == [4, 0]
        assert str(got.as_of) == "2024-01-09"


def test_zoned_dates_outside_a_series_are_judged_in_their_zone():
    # 01:00 and 10:00 in Tokyo are one day (2023-12-31 16:00 and 2024-01-01 01:00 in UTC).
    idx = pd.DatetimeIndex(["2024-01-01 01:00", "2024-01-01 10:00"]).tz_localize("Asia/Tokyo")
    for dates in (
        idx,
        idx.array,
        np.array(list(idx), dtype=object),
        np.array([t.to_pydatetime() for t in idx], dtype=object),
    ):
        assert rfmkit.rfm_arrays(np.array([1, 2]), dates, np.ones(2)).recency.tolist() == [0, 0]
        table = rfmkit.rfm_table({"customer_id": [1, 2], "date": dates, "amount": [1.0, 1.0]})
        assert table["recency"].tolist() == [0, 0]
        assert str(table["last_purchase"].dt.tz) == "Asia/Tokyo"


def test_object_dates_of_several_zones_need_tz():
    tokyo = pd.Timestamp("2024-01-01 01:00", tz="Asia/Tokyo")
    paris = pd.Timestamp("2024-01-01 10:00", tz="Europe/Paris")
    dates = np.array([tokyo, paris], dtype=object)
    with pytest.raises(InputError, match="mixes time zones.*tz="):
        rfmkit.rfm_arrays(np.array([1, 2]), dates, np.ones(2))
    got = rfmkit.rfm_arrays(np.array([1, 2]), dates, np.ones(2), tz="Asia/Tokyo")
    # In Tokyo: 2024-01-01 01:00 and 2024-01-01 18:00.
    assert got.recency.tolist() == [0, 0]


@pytest.mark.parametrize(
    ("window", "want_days"),
    [
        (np.timedelta64(1, "M"), None),
        (np.timedelta64(30, "D"), 30),
        (np.timedelta64(2, "W"), 14),
        (np.timedelta64(48, "h"), 2),
        ("90", 90),
        (" 12 d", 12),
        (pd.offsets.Day(3), 3),
        (pd.DateOffset(months=1), None),
        (pd.offsets.MonthEnd(1), None),
        (dt.timedelta(days=5), 5),
    ],
)
def test_window_forms(window, want_days):
    tx = rfmkit.datasets.make_transactions(3_000, 300, seed=4)
    got = rfmkit.rfm_table(tx, window=window)
    want = rfmkit.rfm_table(tx, window=f"{want_days}D" if want_days else "1M")
    pd.testing.assert_frame_equal(got, want)


@pytest.mark.parametrize(
    "window",
    [
        "²D",
        "٣D",
        10**30,
        -5,
        0,
        "99999999999999999999D",
        np.timedelta64(25, "h"),
        [1],
        1.5,
        True,
        np.timedelta64("NaT"),
        np.timedelta64(10**18, "D"),
        pd.offsets.BusinessDay(2),
        pd.DateOffset(months=1, days=2),
        "3 fortnights",
        object(),
    ],
)
def test_bad_windows_are_input_errors(window):
    tx = rfmkit.datasets.make_transactions(100, 10, seed=4)
    with pytest.raises(InputError, match="invalid window"):
        rfmkit.rfm_table(tx, window=window)


def test_arrow_decimals_are_exact():
    values = [decimal.Decimal(v) for v in ("0.70", "0.10", "0.20", "0.30", "0.01", "12345678.91")]
    for t in (pa.decimal128(20, 10), pa.decimal128(38, 12), pa.decimal256(40, 10)):
        arr = pa.array(values, type=t)
        table = rfmkit.rfm_table(
            pa.table(
                {
                    "customer_id": list(range(len(values))),
                    "date": pa.array([dt.datetime(2024, 1, 1)] * len(values)),
                    "amount": arr,
                }
            )
        )
        assert table["monetary"].tolist() == [float(v) for v in values]
    one = rfmkit.rfm_table(
        pd.DataFrame(
            {
                "customer_id": [1, 1, 1],
                "date": pd.to_datetime(["2024-01-01"] * 3),
                "amount": pd.Series([decimal.Decimal("0.70")] * 3, dtype=pd.ArrowDtype(pa.decimal128(10, 2))),
            }
        )
    )
    assert one["monetary"].tolist() == [math.fsum([0.7, 0.7, 0.7])]


@pytest.mark.parametrize(
    ("as_of", "pattern"),
    [
        ("01/12/2024", "ambiguous"),
        ("12/01/2024", "ambiguous"),
        ("1.2.24", "ambiguous"),
        (20240101, "not a number"),
        (20240101.0, "not a number"),
        (True, "not a number"),
        ("2024-13-45", "invalid as_of"),
        (pd.Period("2024-03", "M"), "give a date"),
    ],
)
def test_as_of_is_never_guessed(as_of, pattern):
    tx = rfmkit.datasets.make_transactions(100, 10, seed=4)
    with pytest.raises(InputError, match=pattern):
        rfmkit.rfm_table(tx, as_of=as_of)


def test_unambiguous_as_of_texts():
    tx = rfmkit.datasets.make_transactions(500, 50, seed=4)
    want = rfmkit.rfm_table(tx, as_of=dt.date(2024, 6, 1))
    texts = ("2024-06-01", "2024-06-01 23:59", "2024/06/01", "1 June 2024", "June 1, 2024", "20240601")
    for text in (*texts, np.str_("2024-06-01"), np.str_("1 June 2024")):
        pd.testing.assert_frame_equal(rfmkit.rfm_table(tx, as_of=text), want)
    summary = rfmkit.rfm_summary(tx, "customer_id", "date", "amount", observation_period_end="2024-06-01")
    pd.testing.assert_frame_equal(
        rfmkit.rfm_summary(tx, "customer_id", "date", "amount", observation_period_end=np.str_("2024-06-01")),
        summary,
    )


def test_as_of_with_a_format_in_the_clv_functions():
    tx = pd.DataFrame(
        {
            "id": [1, 1, 2],
            "when": pd.to_datetime(["2024-11-01", "2024-11-20", "2024-11-25"]),
            "paid": [1.0, 2.0, 3.0],
        }
    )
    day_first = rfmkit.rfm_summary(
        tx, "id", "when", "paid", observation_period_end="01/12/2024", datetime_format="%d/%m/%Y"
    )
    iso = rfmkit.rfm_summary(tx, "id", "when", "paid", observation_period_end="2024-12-01")
    pd.testing.assert_frame_equal(day_first, iso, check_like=False)
    with pytest.raises(InputError, match="ambiguous"):
        rfmkit.rfm_summary(tx, "id", "when", "paid", observation_period_end="01/12/2024")


def test_clv_integer_dates_need_a_format():
    tx = pd.DataFrame({"id": [1, 1, 2], "when": [20240101, 20240115, 20240110], "paid": [1.0, 2.0, 3.0]})
    with pytest.raises(InputTypeError, match="'when' holds numbers such as 20240101.*datetime_format"):
        rfmkit.rfm_summary(tx, "id", "when", "paid")
    with pytest.raises(InputTypeError, match="'when'.*numbers"):
        rfmkit.rfm_table(tx, "id", "when", "paid")
    got = rfmkit.rfm_summary(tx, "id", "when", "paid", datetime_format="%Y%m%d")
    want = rfmkit.rfm_summary(
        tx.assign(when=pd.to_datetime(tx["when"].astype(str), format="%Y%m%d")), "id", "when", "paid"
    )
    pd.testing.assert_frame_equal(got, want)


def test_empty_monetary_column_name_is_a_missing_column():
    tx = pd.DataFrame({"id": [1], "when": pd.to_datetime(["2024-01-01"]), "paid": [1.0]})
    with pytest.raises(InputError, match="missing column ''"):
        rfmkit.rfm_summary(tx, "id", "when", "")


@pytest.mark.parametrize(
    ("ids", "exc", "pattern"),
    [
        (np.array(["a", pd.NA, "b"], dtype=object), InputError, r"missing value \(<NA>\) at row 1"),
        (np.array(["a", "b", pd.NaT], dtype=object), InputError, r"missing value \(NaT\) at row 2"),
        (np.array(["a", None, "b"], dtype=object), InputError, r"missing value \(None\) at row 1"),
        (np.array(["a", float("nan"), "b"], dtype=object), InputError, r"missing value \(nan\) at row 1"),
        (np.array([b"a", b"b", b"c"], dtype=object), InputTypeError, r"bytes such as b'a'.*decode"),
        (pd.Categorical([True, False, True]), InputTypeError, r"booleans"),
        (np.array([True, False, True]), InputTypeError, r"dtype bool"),
        (pd.Categorical([1, "a", 2]), InputTypeError, r"mixed types: 'a' \(str\) at row 1 among int"),
        (pd.Categorical(["b", "a", 1]), InputTypeError, r"mixed types: 1 \(int\) at row 2 among str"),
        (np.array(["a", "b", "\ud800"], dtype=object), InputError, r"invalid value '\\ud800' at row 2"),
        (np.array(["a", 3, "b"], dtype=object), InputTypeError, r"mixed types: 3 \(int\) at row 1"),
    ],
)
def test_id_errors_name_the_value_and_row(ids, exc, pattern):
    with pytest.raises(exc, match=pattern):
        rfmkit.rfm_arrays(ids, np.array(["2024-01-01"] * 3, "M8[D]"), np.ones(3))


def test_period_dates_are_named_as_periods():
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "amount": [1.0, 2.0],
            "date": pd.period_range("2024-01-01", periods=2, freq="D"),
        }
    )
    with pytest.raises(InputTypeError, match="'date' holds pandas Periods"):
        rfmkit.rfm_table(tx)
    with pytest.raises(InputTypeError, match="'date' holds pandas Periods"):
        rfmkit.rfm_arrays(tx["customer_id"], tx["date"].to_numpy(), tx["amount"])


def test_decimal_and_float_amounts_mix():
    got = rfmkit.rfm_arrays(
        np.array([1, 1, 1]),
        np.array(["2024-01-01"] * 3, "M8[D]"),
        np.array([decimal.Decimal("0.70"), 0.1, 2], dtype=object),
    )
    assert got.monetary.tolist() == [math.fsum([0.7, 0.1, 2.0])]
    with pytest.raises(InputTypeError, match=r"'amount' must hold numbers.*'x' at row 1"):
        rfmkit.rfm_arrays(
            np.array([1, 1]),
            np.array(["2024-01-01"] * 2, "M8[D]"),
            np.array([decimal.Decimal("0.70"), "x"], dtype=object),
        )


@pytest.mark.parametrize(
    "kw",
    [
        {"frequency": None},
        {"returns": None},
        {"by": 5},
        {"frequency": 3},
        {"returns": ["net"]},
        {"by": [1]},
        {"by": []},
        {"window": {"days": 3}},
        {"tz": 5},
        {"as_of": [2024]},
    ],
)
def test_bad_options_are_input_errors(kw):
    tx = rfmkit.datasets.make_transactions(100, 10, seed=4, channels=True)
    if "tz" in kw:
        tx = tx.assign(date=tx["date"].dt.tz_localize("UTC"))
    with pytest.raises(InputError):
        rfmkit.rfm_table(tx, **kw)


# --------------------------------------------------------------------------- junk in, rfmkit error out

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=3),
    st.binary(max_size=2),
    st.just("\ud800"),
    st.just(pd.NaT),
    st.just(pd.NA),
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
    st.dates(),
    st.decimals(allow_nan=False, places=3),
    st.just(decimal.Decimal("NaN")),
    st.just(float("inf")),
    st.just([1]),
    st.just(np.datetime64("NaT")),
    st.just(pd.Timestamp("2024-01-01", tz="Asia/Tokyo")),
)


@settings(max_examples=400, deadline=None)
@given(
    n=st.integers(0, 4),
    data=st.data(),
    options=st.fixed_dictionaries(
        {},
        optional={
            "as_of": JUNK,
            "window": JUNK,
            "frequency": JUNK,
            "returns": JUNK,
            "tz": JUNK,
        },
    ),
)
def test_junk_columns_give_rfmkit_errors(n, data, options):
    def column():
        values = data.draw(st.lists(JUNK, min_size=n, max_size=n))
        arr = np.empty(n, dtype=object)
        arr[:] = values
        kind = data.draw(st.sampled_from(["object", "series", "list"]))
        if kind == "series":
            try:
                return pd.Series(arr)
            except UnicodeError:  # pandas itself cannot hold some text
                return arr
        return arr if kind == "object" else list(values)

    cols = {"customer_id": column(), "date": column(), "amount": column()}
    for fn in (
        lambda: rfmkit.rfm_table(cols, **options),
        lambda: rfmkit.rfm_arrays(cols["customer_id"], cols["date"], cols["amount"], **options),
        lambda: rfmkit.rfm_summary(cols, "customer_id", "date", "amount"),
    ):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RFMWarning)
                fn()
        except (InputError, InputTypeError):
            pass


def test_clv_text_date_columns_are_never_read_by_a_guess():
    tx = pd.DataFrame(
        {"id": [1, 1, 2], "when": ["01/12/2024", "02/12/2024", "03/12/2024"], "paid": [1.0, 2.0, 3.0]}
    )
    with pytest.raises(InputError, match="day first or month first.*'01/12/2024' at row 0"):
        rfmkit.rfm_summary(tx, "id", "when", "paid")
    # One reading only (13 is no month): day first, as the dates say.
    one = rfmkit.rfm_summary(tx.assign(when=["01/12/2024", "13/12/2024", "03/12/2024"]), "id", "when", "paid")
    assert one["recency"].tolist() == [12.0, 0.0]
    given = rfmkit.rfm_summary(tx, "id", "when", "paid", datetime_format="%m/%d/%Y")
    assert given["T"].tolist() == [60.0, 0.0]  # 12 January to 12 March 2024
