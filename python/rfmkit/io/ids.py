"""Customer and order ids: integers, strings or categories, as the tuple the
core takes, and back into the input's type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError, InputTypeError
from .columns import (
    Column,
    arrow_check_nulls,
    as_column,
    first_true,
    isna,
    missing_error,
    single,
    unencodable,
)


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


def strings_out(out: tuple) -> pa.Array:
    """Sorted text keys from the core as an Arrow array."""
    offsets, data = out[1], out[2]
    return pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data))


def key_column(col: Column, name: str) -> Keys:
    """Prepares customer ids or order ids: integers, strings or categories."""
    col = as_column(col, name)
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        return _arrow_keys(single(col), name)
    if isinstance(col, pd.Series):
        dtype = col.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            return _categorical_keys(col.array, name)
        if isinstance(dtype, pd.ArrowDtype) or (
            isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
        ):
            return _arrow_keys(single(pa.array(col.array)), name)
        if isinstance(dtype, pd.StringDtype) or (
            isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "iu"
        ):
            missing = col.isna().to_numpy()
            if missing.any():
                row = first_true(missing)
                raise missing_error(name, row, col.iloc[row])
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
    raise InputTypeError(f"column {name!r} has dtype {values.dtype}; ids must be integers or strings")


def _float_ids(values: Any, name: str) -> InputTypeError:
    values = np.asarray(values, dtype=np.float64)
    nan = np.isnan(values)
    example = f"{float(values[~nan][0])!r}" if (~nan).any() else "nan"
    hint = (
        f"; it has a missing value (NaN) at row {first_true(nan)}: drop rows without an id"
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
        row = first_true(missing)
        raise missing_error(name, row, values[row])
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred in ("string", "empty"):
        return Keys(("obj", values), strings_out)
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
            "ids must fit in int64 (or all be non-negative and fit in uint64)",
            value=values[row],
        )
    if inferred in ("floating", "mixed-integer-float"):
        raise _float_ids(pd.to_numeric(values, errors="coerce"), name)
    raise _mixed(values, name, "ids")


def _bool_ids(name: str, example: Any) -> InputTypeError:
    return InputTypeError(
        f"column {name!r} holds booleans such as {example!r}; ids must be integers or strings"
    )


def _mixed(values: np.ndarray, name: str, what: str) -> InputTypeError:
    present = [(i, v) for i, v in enumerate(values) if not isna(v)]
    first = type(present[0][1]) if present else type(None)
    row = next((i for i, v in present if type(v) is not first), 0)
    return InputTypeError(
        f"column {name!r} holds {what} of mixed types: {values[row]!r} "
        f"({type(values[row]).__name__}) at row {row} among {first.__name__} values",
        value=values[row],
    )


def _arrow_keys(arr: pa.Array, name: str) -> Keys:
    t = arr.type
    if pa.types.is_dictionary(t):
        return _categorical_keys(pd.Categorical(arr.to_pandas()), name)
    arrow_check_nulls(arr, name)
    if pa.types.is_null(t) and not len(arr):
        # No ids at all (an empty column of unknown type, as pandas 2 gives
        # Arrow for an empty object column).
        return _ints(np.zeros(0, np.int64))
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
        return Keys(("str", offsets, data), strings_out)
    raise InputTypeError(f"column {name!r} has Arrow type {t}; ids must be integers or strings")


def _categorical_keys(cat: pd.Categorical, name: str) -> Keys:
    codes = np.asarray(cat.codes)
    if (codes < 0).any():
        raise missing_error(name, first_true(codes < 0), "NaN")
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
        "string",
        "integer",
        "empty",
    ):
        # Only on the way to an error: the rows' values, to name the first odd one.
        raise _mixed(values[codes], name, "ids")
    order = np.argsort(values, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    ranked = categories.take(order)
    return Keys(("i64", rank[codes]), lambda out: ranked.take(out[1]).to_numpy())


def id_series(ids: Any, like: Any) -> pd.Series:
    """The id column, in the input's string dtype where there was one."""
    if not isinstance(ids, pa.Array):
        return pd.Series(ids, copy=False)
    if isinstance(like, (pd.StringDtype, pd.ArrowDtype)):
        return pd.Series(pd.array(ids.to_pandas(), dtype=like), copy=False)
    if like is not None and getattr(like, "kind", None) == "O":
        return pd.Series(ids.to_numpy(zero_copy_only=False), dtype=object, copy=False)
    return ids.to_pandas()
