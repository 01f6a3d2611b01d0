"""InputError and InputTypeError carry .column, .row and .value: where the bad
input is, for code that reports or repairs it (not only a message to read)."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest
import rfmkit
from rfmkit import InputError, InputTypeError


def tx() -> pd.DataFrame:
    return rfmkit.datasets.make_transactions(200, 30, seed=3)


def _set(frame: pd.DataFrame, column: str, row: int, value: object) -> pd.DataFrame:
    frame = frame.copy()
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = value
    return frame


@pytest.mark.parametrize("row", [0, 7, 199])
@pytest.mark.parametrize(
    ("column", "value", "exc", "check"),
    [
        ("amount", float("nan"), InputError, math.isnan),
        ("amount", float("inf"), InputError, lambda v: v == math.inf),
        ("amount", -float("inf"), InputError, lambda v: v == -math.inf),
        ("customer_id", None, InputError, lambda v: v is None),
        ("amount", "12.5 EUR", InputError, None),
    ],
)
def test_table_errors_say_where(column, value, exc, check, row):
    bad = _set(tx(), column, row, value)
    if column == "amount" and not isinstance(value, str):
        bad["amount"] = bad["amount"].astype(float)
    with pytest.raises((InputError, InputTypeError)) as info:
        rfmkit.rfm_table(bad)
    err = info.value
    assert err.column == column
    if not isinstance(value, str):
        assert err.row == row
    if check is not None:
        assert check(err.value), err.value


@pytest.mark.parametrize("row", [0, 11])
def test_nat_dates_and_summary_errors(row):
    bad = tx()
    bad.loc[row, "date"] = pd.NaT
    with pytest.raises(InputError) as info:
        rfmkit.rfm_table(bad)
    assert (info.value.column, info.value.row) == ("date", row)
    bad = tx()
    bad.loc[row, "amount"] = np.nan
    with pytest.raises(InputError) as info:
        rfmkit.rfm_summary(bad, "customer_id", "date", "amount")
    assert (info.value.column, info.value.row) == ("amount", row)
    assert math.isnan(info.value.value)


def test_type_errors_and_options():
    bad = tx()
    bad["date"] = bad["date"].astype(str)
    with pytest.raises(InputTypeError) as info:
        rfmkit.rfm_table(bad)
    assert info.value.column == "date"
    with pytest.raises(InputError) as info:
        rfmkit.rfm_table(tx(), frequency="weekly")
    assert (info.value.column, info.value.row, info.value.value) == (None, None, None)


@pytest.mark.filterwarnings("ignore::rfmkit.RFMWarning")
def test_score_and_segment_errors_say_where():
    table = rfmkit.rfm_table(tx())
    table.loc[4, "monetary"] = np.nan
    with pytest.raises(InputError) as info:
        rfmkit.score(table)
    assert (info.value.column, info.value.row) == ("monetary", 4)
    scored = rfmkit.score(rfmkit.rfm_table(tx()))
    scored["r_score"] = scored["r_score"].astype(float)
    scored.loc[2, "r_score"] = 2.5
    with pytest.raises(InputError) as info:
        rfmkit.segment(scored)
    assert (info.value.column, info.value.row, info.value.value) == ("r_score", 2, 2.5)


def test_attributes_survive_pickling_and_keywords():
    err = InputError("column 'x' has a bad value 3 at row 9", value=3)
    back = pickle.loads(pickle.dumps(err))
    assert (back.column, back.row, back.value, str(back)) == ("x", 9, 3, str(err))
    given = InputTypeError("anything", column="c", row=1, value="v")
    assert (given.column, given.row, given.value) == ("c", 1, "v")
    assert isinstance(given, TypeError) and isinstance(err, ValueError)
