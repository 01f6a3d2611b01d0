"""Columns from any container: the one place containers are told apart,
and the small checks every input adapter shares (missing values, rows).

pandas Series (NumPy, nullable, ``str``, Arrow-backed and categorical dtypes),
pyarrow arrays and NumPy arrays come in; nothing is ever written into the
caller's buffers.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError, InputTypeError

Column = Any  # np.ndarray | pd.Series | pa.Array | pa.ChunkedArray


def as_column(values: Any, name: str | None) -> Column:
    """Any one-dimensional column as a pandas Series, an Arrow array or a
    native-byte-order NumPy array: the one place containers are told apart.

    Indexes and extension arrays (a tz-aware DatetimeIndex, a Categorical)
    become Series, so that their dtype (and zone) is kept; polars Series
    become Arrow arrays; big-endian NumPy arrays are byte-swapped into a
    copy; anything else goes through ``numpy.asarray``.
    """
    if isinstance(values, (pd.Series, pa.Array, pa.ChunkedArray)):
        return values
    if isinstance(values, (pd.Index, pd.api.extensions.ExtensionArray)):
        return pd.Series(values, copy=False)
    if type(values).__module__.split(".")[0] == "polars" and hasattr(values, "to_arrow"):
        return values.to_arrow()
    if not isinstance(values, np.ndarray):
        try:
            values = np.asarray(values)
        except (ValueError, TypeError) as exc:
            what = f"column {name!r}" if name is not None else "a column"
            raise InputTypeError(f"{what} is not a one-dimensional array: {exc}") from None
    if values.ndim != 1:
        what = f"column {name!r}" if name is not None else "a column"
        raise InputTypeError(f"{what} must be one-dimensional, got shape {values.shape}")
    if not values.dtype.isnative:
        values = values.astype(values.dtype.newbyteorder("="))
    if values.dtype.kind in "mM" and np.datetime_data(values.dtype)[0] == "generic":
        # Only NaT has no unit; pandas refuses such arrays.
        values = values.astype(f"{values.dtype.kind}8[s]")
    return values


def isna(values: Any) -> Any:
    """``pandas.isna``, also for values it fails on (a signalling-NaN Decimal)."""
    try:
        return pd.isna(values)
    except (ArithmeticError, TypeError, ValueError):
        if isinstance(values, np.ndarray):
            return np.array([_isna_one(v) for v in values], dtype=bool)
        return _isna_one(values)


def _isna_one(value: Any) -> bool:
    if isinstance(value, decimal.Decimal):
        return value.is_nan()
    try:
        return bool(pd.isna(value))
    except (ArithmeticError, TypeError, ValueError):
        return False


def single(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One Arrow array (chunks are combined only when there are several)."""
    if isinstance(arr, pa.ChunkedArray):
        if arr.num_chunks == 1:
            return arr.chunk(0)
        return arr.combine_chunks() if arr.num_chunks else pa.array([], type=arr.type)
    return arr


def missing_error(name: str, row: int, value: Any) -> InputError:
    return InputError(f"column {name!r} has a missing value ({value}) at row {row}", value=value)


def first_true(mask: Any) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0])


def arrow_check_nulls(arr: pa.Array, name: str) -> None:
    if arr.null_count:
        mask = arr.is_null().to_numpy(zero_copy_only=False)
        raise missing_error(name, first_true(mask), "null")


def unencodable(columns: Mapping[str, Any]) -> Exception:
    """After the core met text UTF-8 cannot encode (a lone surrogate such as
    '\\ud800'): an error naming the column, the value and its row."""
    for name, col in columns.items():
        if col is None:
            continue
        if isinstance(col, pd.Series) and col.dtype.kind == "O":
            col = col.to_numpy()
        if isinstance(col, np.ndarray) and col.dtype.kind in "OU":
            found = _unencodable(col, name)
            if found is not None:
                return found
    return InputError("a text column holds a value that is not valid Unicode (a lone surrogate)")


def _unencodable(values: np.ndarray, name: str) -> InputError | None:
    for row, value in enumerate(values):
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return InputError(
                    f"column {name!r} has an invalid value {value!r} at row {row}: text must be "
                    "valid Unicode (it holds a lone surrogate)",
                    column=name,
                    row=row,
                    value=value,
                )
    return None
