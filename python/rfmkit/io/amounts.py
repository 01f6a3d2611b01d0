"""Amounts: float or integer money columns as float64 / int64 arrays, with
decimals converted to the nearest double of each value."""

from __future__ import annotations

import decimal
import numbers
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError, InputTypeError
from .columns import Column, arrow_check_nulls, as_column, first_true, isna, missing_error, single


def amount_column(col: Column, name: str) -> np.ndarray:
    """Prepares amounts as a float64 or int64 array."""
    col = as_column(col, name)
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        arr = single(col)
        t = arr.type
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
            arrow_check_nulls(arr, name)
            if pa.types.is_decimal(t):
                return _decimal_amounts(arr)
            return _numpy_amounts(arr.to_numpy(zero_copy_only=False), name)
        raise _not_numbers(arr.to_pandas(), name)
    if isinstance(col, pd.Series):
        dtype = col.dtype
        if isinstance(dtype, pd.ArrowDtype):
            return amount_column(pa.array(col.array), name)
        if isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "iuf":
            missing = col.isna().to_numpy()
            if missing.any():
                row = first_true(missing)
                raise missing_error(name, row, col.iloc[row])
            return _numpy_amounts(col.to_numpy(dtype=dtype.numpy_dtype), name)
        if isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind != "O":
            raise _not_numbers(col, name)
        return _numpy_amounts(col.to_numpy(), name)
    return _numpy_amounts(np.asarray(col), name)


def _decimal_amounts(arr: pa.Array) -> np.ndarray:
    """Arrow decimals as the nearest float64 of each value.

    Arrow's own cast to float is not correctly rounded (0.70 becomes
    0.7000000000000001). A decimal is unscaled / 10**scale; when the unscaled
    integer is below 2**53 and 10**|scale| at most 10**22, both are exact
    doubles and one IEEE division (or product) rounds correctly. Other values
    go through Python's Decimal, whose float() is correctly rounded.
    """
    t = arr.type
    scale = t.scale
    if pa.types.is_decimal128(t) and len(arr) and abs(scale) <= 22:
        words = np.frombuffer(arr.buffers()[1], dtype="<i8")[2 * arr.offset : 2 * (arr.offset + len(arr))]
        low, high = words[0::2], words[1::2]
        # The value fits in int64 when the high word is the sign of the low one.
        fits = high == (low >> 63)
        if fits.all() and (np.abs(low) < 2**53).all():
            unscaled = low.astype(np.float64)
            if scale >= 0:
                return unscaled / (10.0**scale)
            return unscaled * (10.0 ** (-scale))
    return np.array([float(v) for v in arr.to_pylist()], dtype=np.float64)


def _numpy_amounts(values: np.ndarray, name: str) -> np.ndarray:
    kind = values.dtype.kind
    if kind == "f":
        return np.ascontiguousarray(values, dtype=np.float64)
    if kind == "i":
        return np.ascontiguousarray(values, dtype=np.int64)
    if kind == "u":
        if values.dtype.itemsize == 8 and values.size and values.max() > np.iinfo(np.int64).max:
            row = int(np.argmax(values > np.iinfo(np.int64).max))
            raise InputError(
                f"column {name!r} has an invalid value {values[row]} at row {row}: "
                "amounts must be below 2**63 in magnitude",
                value=values[row],
            )
        return np.ascontiguousarray(values, dtype=np.int64)
    if kind == "O":
        missing = isna(values)
        if missing.any():
            row = first_true(missing)
            raise missing_error(name, row, values[row])
        inferred = pd.api.types.infer_dtype(values, skipna=True)
        if inferred == "integer":
            try:
                return values.astype(np.int64)
            except OverflowError:
                pass
        numbers_only = inferred in ("integer", "floating", "mixed-integer-float", "decimal", "empty") or all(
            isinstance(v, (int, float, numbers.Rational, decimal.Decimal, np.integer, np.floating))
            and not isinstance(v, (bool, np.bool_))
            for v in values
        )
        if numbers_only:
            # Decimals (alone or among floats): each to its nearest double, as
            # float() does; NumPy's cast runs it in C, not a Python loop.
            try:
                return values.astype(np.float64)
            except (ValueError, TypeError, ArithmeticError):
                row = next((i for i, v in enumerate(values) if not _floats(v)), 0)
                raise InputError(
                    f"column {name!r} has an invalid value {values[row]!r} at row {row}",
                    value=values[row],
                ) from None
    raise _not_numbers(pd.Series(values, dtype=object), name)


def _floats(value: Any) -> bool:
    try:
        float(value)
    except (ValueError, ArithmeticError):
        return False
    return True


def _not_numbers(col: pd.Series, name: str) -> InputTypeError:
    values = col.to_numpy(dtype=object)
    row = next(
        (
            i
            for i, v in enumerate(values)
            if not isinstance(v, (int, float, np.number, decimal.Decimal)) or isinstance(v, (bool, np.bool_))
        ),
        0,
    )
    shown = f": {values[row]!r} at row {row}" if len(values) else ""
    return InputTypeError(f"column {name!r} must hold numbers, not {col.dtype}{shown}")
