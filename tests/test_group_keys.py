"""Group columns of every dtype (``by=``), keyed by the core: each table
equals running rfm_table on each group's rows alone (pandas' groupby order),
the group columns keep their dtype, and a streamed, merged and saved
RFMState gives the same table. Bad group values are errors that name the
column and the row."""

from __future__ import annotations

import datetime as dt
import pickle
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import rfmkit
from hypothesis import given, settings
from hypothesis import strategies as st
from rfmkit import InputError, InputTypeError, RFMState

_TX = rfmkit.datasets.make_transactions(1_500, 120, seed=11)
_K = np.random.default_rng(5).integers(0, 4, len(_TX))


def _column(kind: str, k: np.ndarray) -> pd.Series:
    four = {
        "int64": lambda: pd.Series(k * 7 - 9),
        "int8": lambda: pd.Series(k.astype(np.int8)),
        "uint64": lambda: pd.Series(k.astype(np.uint64) + np.uint64(2**63)),
        "float64": lambda: pd.Series(k * 0.5 - 1.0),
        "float32": lambda: pd.Series((k * 0.25).astype(np.float32)),
        "bool": lambda: pd.Series(k % 2 == 0),
        "boolean": lambda: pd.Series(pd.array(k % 2 == 0, dtype="boolean")),
        "Int64": lambda: pd.Series(pd.array(k, dtype="Int64")),
        "string": lambda: pd.Series(pd.array(np.array(["b", "a", "é", "c"])[k], dtype="string")),
        "object": lambda: pd.Series(np.array(["b", "a", "é", "ab"], dtype=object)[k], dtype=object),
        "category": lambda: pd.Series(
            pd.Categorical(np.array(["z", "a", "m", "b"])[k], categories=["z", "m", "b", "a"])
        ),
        "datetime": lambda: pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(k, "D")),
        "datetime_tz": lambda: pd.Series(
            (pd.Timestamp("2024-01-01") + pd.to_timedelta(k, "h")).tz_localize("Europe/Paris")
        ),
        "period": lambda: pd.Series(pd.period_range("2024-01", periods=4, freq="M")[k]),
        "timedelta": lambda: pd.Series(pd.to_timedelta(k * 90, "min")),
    }
    return four[kind]()


KINDS = [
    "int64",
    "int8",
    "uint64",
    "float64",
    "float32",
    "bool",
    "boolean",
    "Int64",
    "string",
    "object",
    "category",
    "datetime",
    "datetime_tz",
    "period",
    "timedelta",
]


def _each_group_alone(tx: pd.DataFrame, by: list[str], as_of: str) -> pd.DataFrame:
    parts = []
    for _, rows in tx.groupby(by, sort=True, observed=True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", rfmkit.RFMWarning)
            table = rfmkit.rfm_table(rows.drop(columns=by), as_of=as_of)
        for j, name in enumerate(by):
            value = rows[name].iloc[:1].repeat(len(table)).reset_index(drop=True)
            table.insert(j, name, value.astype(rows[name].dtype))
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize("kind", KINDS)
def test_every_dtype_equals_each_group_alone(kind):
    tx = _TX.assign(g=_column(kind, _K))
    got = rfmkit.rfm_table(tx, by="g")
    assert got["g"].dtype == tx["g"].dtype
    want = _each_group_alone(tx, ["g"], got.attrs["as_of"])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=True)


@pytest.mark.parametrize("kinds", [("string", "int64"), ("category", "float64"), ("datetime", "bool")])
def test_two_group_columns_of_mixed_dtypes(kinds):
    k2 = np.random.default_rng(9).integers(0, 3, len(_TX))
    tx = _TX.assign(g=_column(kinds[0], _K), h=_column(kinds[1], k2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rfmkit.RFMWarning)
        got = rfmkit.rfm_table(tx, by=["g", "h"])
    want = _each_group_alone(tx, ["g", "h"], got.attrs["as_of"])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want)


@pytest.mark.parametrize("kind", KINDS)
def test_state_batches_merges_and_saves_equal_the_table(kind):
    tx = _TX.assign(g=_column(kind, _K))
    want = rfmkit.rfm_table(tx, by="g")
    cuts = [0, 200, 201, 900, len(tx)]
    states = [RFMState(by="g").update(tx.iloc[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]
    merged = states[3].merge(states[1]).merge(states[0].merge(states[2]))
    for state in (merged, pickle.loads(pickle.dumps(merged)), RFMState.from_arrow(merged.to_arrow())):
        pd.testing.assert_frame_equal(state.finish(), want)


def test_categorical_batches_with_other_categories_are_recoded():
    tx = _TX.assign(g=pd.Categorical(np.array(["web", "app", "shop", "tel"])[_K]))
    want = rfmkit.rfm_table(tx, by="g")
    state = RFMState(by="g")
    state.update(tx.iloc[:700])
    later = tx.iloc[700:].copy()
    later["g"] = pd.Categorical(later["g"].astype(str), categories=["web", "tel", "shop", "app"])
    state.update(later)
    pd.testing.assert_frame_equal(state.finish(), want)
    odd = later.copy()
    odd["g"] = pd.Categorical(["fax"] + list(odd["g"].astype(str))[1:])
    before = state.finish()
    with pytest.raises(InputError, match="'fax' at row 0, which is not one of the categories") as info:
        state.update(odd)
    assert (info.value.column, info.value.row) == ("g", 0)
    pd.testing.assert_frame_equal(state.finish(), before)


def test_plain_and_categorical_batches_mix_by_the_first_batch():
    values = np.array(["web", "app", "shop", "tel"], dtype=object)[_K]
    tx = _TX.assign(g=pd.Series(values, dtype=object))
    want = rfmkit.rfm_table(tx, by="g")
    later = tx.iloc[800:].assign(g=pd.Categorical(values[800:]))
    state = RFMState(by="g").update(tx.iloc[:800]).update(later)
    pd.testing.assert_frame_equal(state.finish(), want)
    cats = _TX.assign(g=pd.Categorical(values))
    state = RFMState(by="g").update(cats.iloc[:800]).update(tx.iloc[800:])
    pd.testing.assert_frame_equal(state.finish(), rfmkit.rfm_table(cats, by="g"))


def test_categories_must_match_to_merge():
    a = RFMState(by="g").update(_TX.assign(g=pd.Categorical(np.array(["x", "y", "z", "w"])[_K])))
    b = RFMState(by="g").update(_TX.assign(g=pd.Categorical(np.array(["q", "y", "z", "w"])[_K])))
    with pytest.raises(InputError, match="same categories"):
        a.merge(b)


def test_python_objects_group_in_memory_but_not_in_a_state():
    days = np.array([dt.date(2024, 1, d) for d in (3, 1, 2, 4)], dtype=object)[_K]
    tx = _TX.assign(g=pd.Series(days, dtype=object))
    got = rfmkit.rfm_table(tx, by="g")
    pd.testing.assert_frame_equal(got, _each_group_alone(tx, ["g"], got.attrs["as_of"]))
    with pytest.raises(InputTypeError, match="streamed state cannot group by"):
        RFMState(by="g").update(tx)


@pytest.mark.parametrize(
    "value",
    [np.nan, None, pd.NA, pd.NaT],
    ids=["nan", "none", "na", "nat"],
)
@pytest.mark.parametrize("kind", ["float64", "object", "Int64", "datetime", "category", "string"])
def test_missing_group_values_name_column_and_row(kind, value):
    col = _column(kind, _K).astype(object)
    col.iloc[37] = value
    try:
        col = col.astype(_column(kind, _K).dtype)
    except (TypeError, ValueError):
        pytest.skip(f"{kind} cannot hold {value!r}")
    tx = _TX.assign(g=col)
    for run in (lambda: rfmkit.rfm_table(tx, by="g"), lambda: RFMState(by="g").update(tx)):
        with pytest.raises(InputError, match="missing value") as info:
            run()
        assert info.value.column == "g"
        assert info.value.row == 37


def test_a_bad_batch_leaves_a_grouped_state_as_it_was():
    tx = _TX.assign(g=_column("string", _K))
    state = RFMState(by="g").update(tx.iloc[:500])
    before, n = state.finish(), len(state)
    bad = tx.iloc[500:].copy()
    bad.iloc[3, bad.columns.get_loc("amount")] = np.nan
    with pytest.raises(InputError, match="batch 1") as info:
        state.update(bad)
    assert info.value.row == 3
    assert len(state) == n
    pd.testing.assert_frame_equal(state.finish(), before)
    with pytest.raises(InputTypeError, match="another kind"):
        state.update(tx.iloc[500:].assign(g=1.5))
    pd.testing.assert_frame_equal(state.finish(), before)


def test_arrow_and_polars_inputs_key_alike():
    tx = _TX.assign(g=_column("string", _K))
    want = rfmkit.rfm_table(tx, by="g")
    arrow = rfmkit.rfm_table(pa.Table.from_pandas(tx), by="g")
    pd.testing.assert_frame_equal(arrow, want, check_dtype=False)
    state = RFMState(by="g").update(pa.Table.from_pandas(tx.iloc[:600])).update(tx.iloc[600:])
    pd.testing.assert_frame_equal(state.finish(), want, check_dtype=False)


def test_arrow_text_groups_with_a_null_name_the_row():
    table = pa.Table.from_pandas(_TX.assign(g=_column("string", _K)))
    values = table.column("g").to_pylist()
    values[41] = None
    table = table.set_column(table.schema.get_field_index("g"), "g", pa.array(values))
    for run in (lambda: rfmkit.rfm_table(table, by="g"), lambda: RFMState(by="g").update(table)):
        with pytest.raises(InputError, match="missing value") as info:
            run()
        assert (info.value.column, info.value.row) == ("g", 41)


def test_returns_only_warning_names_the_group():
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
            "amount": [5.0, -1.0, -2.0, 3.0],
            "g": ["a", "b", "a", "a"],
        }
    )
    for run in (lambda: rfmkit.rfm_table(tx, by="g"), lambda: RFMState(by="g").update(tx).finish()):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run()
        assert any("customer 1 in g='b'" in str(w.message) for w in caught), [str(w.message) for w in caught]


@settings(max_examples=40, deadline=None)
@given(
    groups=st.lists(st.sampled_from(["a", "b", "é", ""]), min_size=1, max_size=40),
    nums=st.lists(st.sampled_from([0.0, -0.0, 1.5, -2.0]), min_size=40, max_size=40),
    ids=st.lists(st.integers(-3, 3), min_size=40, max_size=40),
    cut=st.integers(0, 40),
)
def test_property_random_groups_and_batches(groups, nums, ids, cut):
    n = len(groups)
    tx = pd.DataFrame(
        {
            "customer_id": ids[:n],
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) % 7, "D"),
            "amount": np.linspace(1.0, 9.0, n),
            "g": groups,
            "x": nums[:n],
        }
    )
    got = rfmkit.rfm_table(tx, by=["g", "x"])
    want = _each_group_alone(tx, ["g", "x"], got.attrs["as_of"])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want)
    cut = min(cut, n)
    state = RFMState(by=["g", "x"], as_of=got.attrs["as_of"]).update(tx.iloc[:cut]).update(tx.iloc[cut:])
    pd.testing.assert_frame_equal(state.finish(), got)
