"""Group columns (``by=``) for the core, which keys its customers by
(group, id) itself: each column as numbers or text (no factorizing here),
and the core's sorted groups back in the column's own dtype.

Numbers, booleans, dates, periods and categories (by their codes, so in
category order) cross as 64-bit integers or floats; text as the ids do. Only
object columns of other Python values (dates as objects, decimals) are
numbered here, in sorted order, and only for one in-memory table: a streamed
state needs values that mean the same in every batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError, InputTypeError
from .columns import Column, first_true
from .ids import id_series, key_column, strings_out

__all__ = ["GroupArg", "group_arg", "group_columns", "group_label"]


@dataclass
class GroupArg:
    """A prepared group column: the tuple the core takes, and how to turn the
    core's sorted group values back into a Series of the column's dtype."""

    arg: tuple
    restore: Callable[[tuple], pd.Series]
    dtype: Any
    """The column's dtype as pandas sees it (batches of a state must agree)."""


def _series(col: Column) -> pd.Series:
    if isinstance(col, pd.Series):
        return col.reset_index(drop=True)
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if isinstance(col, pa.Array):
        return pd.Series(col.to_pandas())
    return pd.Series(np.asarray(col))


def _check_missing(s: pd.Series, name: str) -> None:
    missing = s.isna().to_numpy()
    if missing.any():
        row = first_true(missing)
        raise InputError(
            f"column {name!r} has a missing value ({s.iloc[row]}) at row {row}; "
            "group values must not be missing",
            column=name,
            row=row,
            value=s.iloc[row],
        )


def _numbers(s: pd.Series, name: str) -> GroupArg:
    dtype = s.dtype
    numpy_dtype = getattr(dtype, "numpy_dtype", dtype)
    values = s.to_numpy(dtype=numpy_dtype)
    if numpy_dtype.kind == "f":
        if isinstance(dtype, pd.api.extensions.ExtensionDtype):
            _check_missing(s, name)
        arg: tuple = ("f64", np.ascontiguousarray(values, dtype=np.float64))
    elif numpy_dtype.kind == "u" and numpy_dtype.itemsize == 8:
        arg = ("u64", np.ascontiguousarray(values))
    else:
        arg = ("i64", np.ascontiguousarray(values, dtype=np.int64))
    return GroupArg(arg, lambda out: pd.Series(out[1]).astype(dtype), dtype)


def _datetimes(s: pd.Series, name: str) -> GroupArg:
    _check_missing(s, name)
    dtype = s.dtype
    unit = dtype.unit if isinstance(dtype, pd.DatetimeTZDtype) else np.datetime_data(dtype)[0]
    kind = "M" if dtype.kind == "M" else "m"
    ticks = np.asarray(s.array.asi8 if hasattr(s.array, "asi8") else s.to_numpy().view("i8"))
    tz = getattr(dtype, "tz", None)

    def restore(out: tuple) -> pd.Series:
        back = pd.Series(out[1].view(f"{kind}8[{unit}]"))
        return back.dt.tz_localize("UTC").dt.tz_convert(tz) if tz is not None else back

    return GroupArg(("i64", np.ascontiguousarray(ticks, dtype=np.int64)), restore, dtype)


def _categories(s: pd.Series, name: str) -> GroupArg:
    codes = np.asarray(s.cat.codes, dtype=np.int64)
    if (codes < 0).any():
        row = first_true(codes < 0)
        raise InputError(
            f"column {name!r} has a missing value (NaN) at row {row}; group values must not be missing",
            column=name,
            row=row,
            value=None,
        )
    dtype = s.dtype
    return GroupArg(
        ("i64", codes), lambda out: pd.Series(pd.Categorical.from_codes(out[1], dtype=dtype)), dtype
    )


def _periods(s: pd.Series, name: str) -> GroupArg:
    _check_missing(s, name)
    dtype = s.dtype
    ordinals = np.asarray(s.array.asi8, dtype=np.int64)
    return GroupArg(
        ("i64", ordinals),
        lambda out: pd.Series(pd.PeriodIndex.from_ordinals(out[1], freq=dtype.freq)),
        dtype,
    )


def _text(col: Column, like: Any, name: str) -> GroupArg:
    keys = key_column(col, name)

    def restore(out: tuple) -> pd.Series:
        return id_series(strings_out(out), like).reset_index(drop=True)

    return GroupArg(keys.arg, restore, like)


def _sorted_codes(s: pd.Series, name: str) -> GroupArg:
    """Other Python objects: numbered here, in sorted order (in memory only)."""
    _check_missing(s, name)
    try:
        codes, uniques = pd.factorize(s, sort=True)
    except TypeError as exc:
        raise InputTypeError(
            f"group column {name!r} holds values that cannot be sorted (mixed types?): {exc}",
            column=name,
        ) from None
    dtype = s.dtype
    arg = GroupArg(("i64", codes.astype(np.int64)), lambda out: pd.Series(uniques.take(out[1])), dtype)
    arg.dtype = ("sorted-here", dtype)
    return arg


def group_arg(col: Column, name: str) -> GroupArg:
    """Prepares one group column for the core."""
    dictionary = isinstance(col, (pa.Array, pa.ChunkedArray)) and pa.types.is_dictionary(col.type)
    if dictionary and not col.type.ordered and _is_text(col.type.value_type):
        # (An ordered dictionary, such as a polars Enum's, has a fixed list.)
        return _unfixed_categories(col, name)
    if isinstance(col, (pa.Array, pa.ChunkedArray)) and _is_text(col.type):
        # Arrow text goes to the core as it is (no copy into Python objects).
        arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        if arr.null_count:
            row = first_true(arr.is_null().to_numpy(zero_copy_only=False))
            raise InputError(
                f"column {name!r} has a missing value (null) at row {row}; group values must not be missing",
                column=name,
                row=row,
                value=None,
            )
        return _text(arr, pd.Series(arr.slice(0, 0).to_pandas()).dtype, name)
    s = _series(col)
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _categories(s, name)
    if isinstance(dtype, pd.PeriodDtype):
        return _periods(s, name)
    if isinstance(dtype, pd.DatetimeTZDtype) or dtype.kind in "mM":
        return _datetimes(s, name)
    if isinstance(dtype, pd.StringDtype) or (
        isinstance(dtype, pd.ArrowDtype) and pa.types.is_string(dtype.pyarrow_dtype)
    ):
        _check_missing(s, name)
        return _text(s, dtype, name)
    if dtype.kind in "biuf":
        if dtype.kind != "f" or isinstance(dtype, pd.api.extensions.ExtensionDtype):
            _check_missing(s, name)
        if dtype.kind == "b":
            return GroupArg(
                ("i64", s.to_numpy(dtype=bool).astype(np.int64)),
                lambda out: pd.Series(out[1].astype(bool)).astype(dtype),
                dtype,
            )
        return _numbers(s, name)
    if dtype.kind == "O":
        _check_missing(s, name)
        inferred = pd.api.types.infer_dtype(s, skipna=True)
        if inferred in ("string", "empty"):
            return _text(s, dtype, name)
    return _sorted_codes(s, name)


def _unfixed_categories(col: pa.Array | pa.ChunkedArray, name: str) -> GroupArg:
    """Text categories without a fixed list (an unordered Arrow dictionary,
    a polars Categorical: each batch, chunk or slice has a dictionary of its own):
    grouped by value, as text, and given back as a categorical of the values
    met, in sorted order, whatever the order of the rows or batches."""
    text = group_arg(col.cast(col.type.value_type), name)

    def restore(out: tuple) -> pd.Series:
        values = text.restore(out)
        return pd.Series(pd.Categorical(values, categories=pd.Index(values).unique().sort_values()))

    return GroupArg(text.arg, restore, pd.CategoricalDtype())


def unfixed(dtype: Any) -> bool:
    """Whether a group column's dtype is that of :func:`_unfixed_categories`."""
    return isinstance(dtype, pd.CategoricalDtype) and dtype.categories is None


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def group_columns(out: tuple | None, args: Sequence[GroupArg], names: Sequence[str]) -> dict[str, pd.Series]:
    """The group columns of the core's grouped table (``out`` is its
    ``groups``: each row's group and the sorted groups' values)."""
    rows, values = (None, []) if out is None else (out[0], out[1])
    if not len(values) and (rows is None or not len(rows)):
        # No rows yet (a state fed only empty batches keeps no group values).
        return {name: a.restore(empty_values(a.arg)) for name, a in zip(names, args, strict=True)}
    return {
        name: a.restore(v).take(rows).reset_index(drop=True)
        for name, a, v in zip(names, args, values, strict=True)
    }


def group_label(out: tuple, args: Sequence[GroupArg], names: Sequence[str], group: int) -> str:
    """Group ``group`` of the core's sorted groups, for messages: ``channel='web'``."""
    parts = []
    for name, a, v in zip(names, args, out[1], strict=True):
        value = a.restore(v).iloc[group]
        parts.append(f"{name}={(value.item() if isinstance(value, np.generic) else value)!r}")
    return ", ".join(parts)


def group_texts(args: Sequence[GroupArg], names: Sequence[str]) -> dict[str, Any]:
    """The text group columns as the core takes them (Python strings), for
    naming the one a lone surrogate came from."""
    return {name: a.arg[1] for name, a in zip(names, args, strict=True) if a.arg[0] == "obj"}


def empty_values(arg: tuple) -> tuple:
    """No values of a group column of the kind of ``arg``."""
    if arg[0] in ("str", "obj"):
        return ("str", np.zeros(1, np.int64), np.zeros(0, np.uint8))
    return (arg[0], np.zeros(0, dtype={"f64": np.float64, "u64": np.uint64}.get(arg[0], np.int64)))
