"""From user columns to the arrays the core reads: tables, ids and amounts
(dates are in :mod:`rfmkit._time`).

pandas Series (NumPy, nullable, ``str``, Arrow-backed and categorical dtypes),
pyarrow arrays and NumPy arrays come in; contiguous NumPy views with a known
dtype and unit go out. Nothing is copied that the core can read as it is, and
nothing is ever written into the caller's buffers.
"""

from __future__ import annotations

import decimal
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .errors import InputError, InputTypeError

Column = Any  # np.ndarray | pd.Series | pa.Array | pa.ChunkedArray


# --------------------------------------------------------------------------- tables


def get_columns(data: Any, names: list[str]) -> dict[str, Column]:
    """The named columns of a pandas or polars DataFrame, a pyarrow Table or
    RecordBatch, or a mapping of names to arrays."""
    if isinstance(data, pd.DataFrame):
        _check_present(names, list(data.columns))
        cols = {}
        for name in names:
            col = data[name]
            if isinstance(col, pd.DataFrame):
                raise InputError(f"column {name!r} appears more than once in the DataFrame")
            cols[name] = col
        return cols
    if type(data).__module__.split(".")[0] == "polars" and hasattr(data, "to_arrow"):
        _check_present(names, list(data.columns))
        data = data.select(list(dict.fromkeys(names))).to_arrow()
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        _check_present(names, data.schema.names)
        return {name: data.column(name) for name in names}
    if isinstance(data, Mapping):
        _check_present(names, list(data.keys()))
        return {name: _as_column(data[name]) for name in names}
    raise InputTypeError(
        "data must be a pandas DataFrame, a polars DataFrame, a pyarrow Table or a mapping "
        f"of column names to arrays, not {type(data).__name__}"
    )


def _check_present(names: list[str], available: list[Any]) -> None:
    for name in names:
        if name not in available:
            shown = ", ".join(repr(c) for c in available[:20])
            raise InputError(f"missing column {name!r}; the data has columns {shown}")


def _as_column(values: Any) -> Column:
    return as_column(values, None)


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


def _single(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One Arrow array (chunks are combined only when there are several)."""
    if isinstance(arr, pa.ChunkedArray):
        if arr.num_chunks == 1:
            return arr.chunk(0)
        return arr.combine_chunks() if arr.num_chunks else pa.array([], type=arr.type)
    return arr


def _missing(name: str, row: int, value: Any) -> InputError:
    return InputError(f"column {name!r} has a missing value ({value}) at row {row}")


def _first_true(mask: Any) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0])


def _arrow_check_nulls(arr: pa.Array, name: str) -> None:
    if arr.null_count:
        mask = arr.is_null().to_numpy(zero_copy_only=False)
        raise _missing(name, _first_true(mask), "null")


# --------------------------------------------------------------------------- keys


@dataclass
class Keys:
    """A prepared key column: the tuple the core takes, and how to turn the
    core's sorted keys back into values of the input's type."""

    arg: tuple
    finish: Callable[[tuple], Any]


def _ints(values: np.ndarray) -> Keys:
    if values.dtype.kind == "u" and values.dtype.itemsize == 8:
        return Keys(("u64", np.ascontiguousarray(values, dtype=np.uint64)), _plain)
    return Keys(("i64", np.ascontiguousarray(values, dtype=np.int64)), _plain)


def _plain(out: tuple) -> np.ndarray:
    return out[1]


def _strings_out(out: tuple) -> pa.Array:
    offsets, data = out[1], out[2]
    return pa.LargeStringArray.from_buffers(
        len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data)
    )


def key_column(col: Column, name: str) -> Keys:
    """Prepares customer ids or order ids: integers, strings or categories."""
    col = as_column(col, name)
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        return _arrow_keys(_single(col), name)
    if isinstance(col, pd.Series):
        dtype = col.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            return _categorical_keys(col.array, name)
        if isinstance(dtype, pd.ArrowDtype) or (
            isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
        ):
            return _arrow_keys(_single(pa.array(col.array)), name)
        if isinstance(dtype, pd.StringDtype) or (
            isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "iu"
        ):
            missing = col.isna().to_numpy()
            if missing.any():
                row = _first_true(missing)
                raise _missing(name, row, col.iloc[row])
            target = object if isinstance(dtype, pd.StringDtype) else dtype.numpy_dtype
            return _numpy_keys(col.to_numpy(dtype=target), name)
        return _numpy_keys(col.to_numpy(), name)
    return _numpy_keys(np.asarray(col), name)


def _numpy_keys(values: np.ndarray, name: str) -> Keys:
    if values.ndim != 1:
        raise InputTypeError(f"column {name!r} must be one-dimensional, got shape {values.shape}")
    kind = values.dtype.kind
    if kind in "iu":
        return _ints(values)
    if kind == "f":
        raise _float_ids(values, name)
    if kind == "U":
        try:
            strings = pa.array(values, type=pa.large_string())
        except (UnicodeError, pa.ArrowException):
            raise unencodable({name: values}) from None
        return _arrow_keys(strings, name)
    if kind == "O":
        return _object_keys(values, name)
    raise InputTypeError(
        f"column {name!r} has dtype {values.dtype}; ids must be integers or strings"
    )


def _float_ids(values: Any, name: str) -> InputTypeError:
    values = np.asarray(values, dtype=np.float64)
    nan = np.isnan(values)
    example = f"{float(values[~nan][0])!r}" if (~nan).any() else "nan"
    hint = (
        f"; it has a missing value (NaN) at row {_first_true(nan)}: drop rows without an id"
        if nan.any()
        else ""
    )
    return InputTypeError(
        f"column {name!r} holds floats such as {example}; ids must be integers or strings "
        f"(integer ids turn into floats when a value is missing){hint}, then cast with "
        ".astype('int64')"
    )


def _object_keys(values: np.ndarray, name: str) -> Keys:
    missing = isna(values)
    if missing.any():
        # None, NaN, pd.NA and NaT alike: a missing id, wherever it is.
        row = _first_true(missing)
        raise _missing(name, row, values[row])
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred in ("string", "empty"):
        return Keys(("obj", values), _strings_out)
    if inferred == "bytes":
        raise InputTypeError(
            f"column {name!r} holds bytes such as {values[0]!r}; ids must be integers or str: "
            "decode them first, for example with .str.decode('utf-8')"
        )
    if inferred == "boolean":
        raise _bool_ids(name, values[0])
    if inferred == "integer":
        for dtype in (np.int64, np.uint64):
            try:
                return _ints(values.astype(dtype))
            except OverflowError:
                pass
        row = next((i for i, v in enumerate(values) if not -(2**63) <= v < 2**63), 0)
        raise InputError(
            f"column {name!r} has an id out of the 64-bit range: {values[row]} at row {row}; "
            "ids must fit in int64 (or all be non-negative and fit in uint64)"
        )
    if inferred in ("floating", "mixed-integer-float"):
        raise _float_ids(pd.to_numeric(values, errors="coerce"), name)
    raise _mixed(values, name, "ids")


def _bool_ids(name: str, example: Any) -> InputTypeError:
    return InputTypeError(
        f"column {name!r} holds booleans such as {example!r}; ids must be integers or strings"
    )


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
                    "valid Unicode (it holds a lone surrogate)"
                )
    return None


def _mixed(values: np.ndarray, name: str, what: str) -> InputTypeError:
    present = [(i, v) for i, v in enumerate(values) if not isna(v)]
    first = type(present[0][1]) if present else type(None)
    row = next((i for i, v in present if type(v) is not first), 0)
    return InputTypeError(
        f"column {name!r} holds {what} of mixed types: {values[row]!r} "
        f"({type(values[row]).__name__}) at row {row} among {first.__name__} values"
    )


def _arrow_keys(arr: pa.Array, name: str) -> Keys:
    t = arr.type
    if pa.types.is_dictionary(t):
        return _categorical_keys(pd.Categorical(arr.to_pandas()), name)
    _arrow_check_nulls(arr, name)
    if pa.types.is_integer(t):
        return _ints(arr.to_numpy(zero_copy_only=False))
    if pa.types.is_floating(t):
        raise _float_ids(arr.to_numpy(zero_copy_only=False), name)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
            arr = arr.cast(pa.large_string())
        offsets_type = np.int32 if pa.types.is_string(arr.type) else np.int64
        _, offsets_buf, data_buf = arr.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=offsets_type)[arr.offset : arr.offset + len(arr) + 1]
        data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
        return Keys(("str", offsets, data), _strings_out)
    raise InputTypeError(f"column {name!r} has Arrow type {t}; ids must be integers or strings")


def _categorical_keys(cat: pd.Categorical, name: str) -> Keys:
    codes = np.asarray(cat.codes)
    if (codes < 0).any():
        raise _missing(name, _first_true(codes < 0), "NaN")
    categories = cat.categories
    if categories.dtype.kind == "f":
        raise _float_ids(categories.to_numpy(), name)
    if categories.dtype.kind == "b" or (
        len(categories) and pd.api.types.infer_dtype(categories, skipna=True) == "boolean"
    ):
        raise _bool_ids(name, categories[0])
    # Categories are checked as plain ids would be (one type, no floats):
    # then ranking them by value sorts by id.
    values = np.asarray(categories, dtype=object if categories.dtype.kind == "O" else None)
    if values.dtype.kind == "O" and pd.api.types.infer_dtype(values, skipna=True) not in (
        "string", "integer", "empty"
    ):
        # Only on the way to an error: the rows' values, to name the first odd one.
        raise _mixed(values[codes], name, "ids")
    order = np.argsort(values, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    ranked = categories.take(order)
    return Keys(("i64", rank[codes]), lambda out: ranked.take(out[1]).to_numpy())


# --------------------------------------------------------------------------- amounts


def amount_column(col: Column, name: str) -> np.ndarray:
    """Prepares amounts as a float64 or int64 array."""
    col = as_column(col, name)
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        arr = _single(col)
        t = arr.type
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
            _arrow_check_nulls(arr, name)
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
                row = _first_true(missing)
                raise _missing(name, row, col.iloc[row])
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
                "amounts must be below 2**63 in magnitude"
            )
        return np.ascontiguousarray(values, dtype=np.int64)
    if kind == "O":
        missing = isna(values)
        if missing.any():
            row = _first_true(missing)
            raise _missing(name, row, values[row])
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
            # Decimals (alone or among floats): each to its nearest double.
            try:
                return np.array([float(v) for v in values], dtype=np.float64)
            except (ValueError, ArithmeticError):
                row = next(i for i, v in enumerate(values) if not _floats(v))
                raise InputError(
                    f"column {name!r} has an invalid value {values[row]!r} at row {row}"
                ) from None
        raise _not_numbers(pd.Series(values, dtype=object), name)
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
        (i for i, v in enumerate(values)
         if not isinstance(v, (int, float, np.number, decimal.Decimal)) or isinstance(v, (bool, np.bool_))),
        0,
    )
    shown = f": {values[row]!r} at row {row}" if len(values) else ""
    return InputTypeError(f"column {name!r} must hold numbers, not {col.dtype}{shown}")
