"""discounted_ltv at the edges of the discount rate (issue 12): rates near -1,
at or below it, NaN and inf; no overflow warning may escape (pytest turns
warnings into errors)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import rfmkit
from rfmkit import InputError, InputTypeError


def reference(rows, r):
    """sum_t R_t / (1 + r)^t in plain Python, term by term."""
    return [math.fsum(x / (1 + r) ** t for t, x in enumerate(row, start=1) if x != 0) for row in rows]


@pytest.mark.parametrize("rate", [-0.999999, -0.9999999999, -1 + 2**-52, -0.5, 0.0, 0.05, 1e300])
@pytest.mark.parametrize("periods", [1, 12, 200, 2000])
def test_zero_forecasts_are_worth_zero_at_any_valid_rate(rate, periods):
    got = rfmkit.discounted_ltv(np.zeros((3, periods)), discount_rate=rate)
    assert got.tolist() == [0.0, 0.0, 0.0]
    frame = pd.DataFrame(np.zeros((2, periods)), index=["a", "b"])
    assert rfmkit.discounted_ltv(frame, discount_rate=rate).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("rate", [-1, -1.0, -1.5, -2, -1e300, math.nan, math.inf, -math.inf])
def test_rates_at_or_below_minus_one_or_not_finite_are_refused(rate):
    with pytest.raises(InputError, match="discount_rate must be a finite number above -1"):
        rfmkit.discounted_ltv(np.zeros((2, 5)), discount_rate=rate)


@pytest.mark.parametrize("rate", ["0.1", None, True, [0.1], 1 + 1j])
def test_rates_that_are_not_numbers_are_refused(rate):
    with pytest.raises(InputTypeError, match="discount_rate must be a number"):
        rfmkit.discounted_ltv(np.zeros((2, 5)), discount_rate=rate)


def test_values_near_minus_one_are_exact_when_finite_and_an_error_when_not():
    rows = [[0.0] * 40 + [1.0], [2.0, 0.0, 3.0] + [0.0] * 38]
    got = rfmkit.discounted_ltv(np.array(rows), discount_rate=-0.9)
    np.testing.assert_allclose(got, reference(rows, -0.9), rtol=1e-12)
    far = np.zeros((3, 400))
    far[2, 399] = 1.0  # (1 - 0.999999)^-400 = 1e2400: beyond float64
    with pytest.raises(InputError, match="discounted LTV of row 2 is beyond the range of float64"):
        rfmkit.discounted_ltv(far, discount_rate=-0.999999)
    huge = np.full((1, 3), 1e308)
    with pytest.raises(InputError, match="row 0 is beyond the range"):
        rfmkit.discounted_ltv(huge, discount_rate=-0.5)
