"""The groups of a grouped :class:`rfmkit.RFMState` (``by=``): each batch's
group columns prepared for the core (which keys customers by group and id
itself), held to the first batch's dtypes, and categorical ids as values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .errors import InputError, InputTypeError
from .io.columns import first_true
from .io.group_args import GroupArg, group_arg, unfixed

__all__ = ["batch_group_args", "plain_ids", "same_group_dtypes"]


def batch_group_args(columns: dict, names: list[str], first: list[GroupArg] | None) -> list[GroupArg]:
    """A batch's group columns for the core. A categorical column is recoded
    to the first batch's categories (its codes are what the core keys);
    values that only Python can order are refused (a state must key them
    alike in every batch)."""
    out = []
    for j, name in enumerate(names):
        col = columns[name]
        arg = group_arg(col, name)
        if isinstance(arg.dtype, tuple):
            raise InputTypeError(
                f"column {name!r} holds {arg.dtype[1]} values a streamed state cannot group by: "
                "use numbers, text, booleans, dates, periods or categories",
                column=name,
            )
        before = None if first is None else first[j].dtype
        if unfixed(before) and not unfixed(arg.dtype):
            # The first batch's categories had no fixed list: this batch's
            # values are grouped as text too.
            arg = group_arg(_as_dictionary(col, name), name)
        elif isinstance(before, pd.CategoricalDtype) and not _same_categories(arg.dtype, before):
            arg = group_arg(_recoded(col, name, before), name)
        elif (
            before is not None
            and not isinstance(before, pd.CategoricalDtype)
            and isinstance(arg.dtype, pd.CategoricalDtype)
        ):
            # The first batch's values were plain: so are this one's.
            arg = group_arg(_plain_values(col), name)
        out.append(arg)
    return out


def _same_categories(a: Any, b: Any) -> bool:
    """Whether the codes of two dtypes mean the same values (pandas calls two
    unordered categoricals equal whatever the order of their categories)."""
    if not (isinstance(a, pd.CategoricalDtype) and isinstance(b, pd.CategoricalDtype)):
        return False
    if unfixed(a) or unfixed(b):
        return unfixed(a) and unfixed(b)
    return a.ordered == b.ordered and a.categories.equals(b.categories)


def _as_dictionary(col: Any, name: str) -> pa.Array:
    """A batch's text group column as an Arrow dictionary."""
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        col = col.to_pandas()
    series = pd.Series(col).reset_index(drop=True)
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(series.dtype.categories.dtype)
    try:
        return pa.array(series.to_numpy(dtype=object), pa.large_string()).dictionary_encode()
    except (pa.ArrowException, TypeError, ValueError):
        raise InputTypeError(
            f"column {name!r} holds {series.dtype} values, the earlier batches categories of text: "
            "convert the batches alike",
            column=name,
        ) from None


def _plain_values(col: Any) -> pd.Series:
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        col = col.to_pandas()
    series = pd.Series(col).reset_index(drop=True)
    return series.astype(series.dtype.categories.dtype)


def _recoded(col: Any, name: str, dtype: pd.CategoricalDtype) -> pd.Series:
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        col = col.to_pandas()
    values = pd.Series(np.asarray(col, dtype=object))
    codes = dtype.categories.get_indexer(pd.Index(values))
    lost = (codes < 0) & values.notna().to_numpy()
    if lost.any():
        row = first_true(lost)
        raise InputError(
            f"column {name!r} has the value {values.iloc[row]!r} at row {row}, which is not one of "
            "the categories of the earlier batches",
            column=name,
            row=row,
            value=values.iloc[row],
        )
    recoded = pd.Series(pd.Categorical.from_codes(codes, dtype=dtype))
    return recoded


def same_group_dtypes(mine: list[GroupArg], theirs: list[GroupArg], names: list[str]) -> None:
    """Two states' categorical group columns must have the same categories."""
    for name, a, b in zip(names, mine, theirs, strict=True):
        cats = isinstance(a.dtype, pd.CategoricalDtype) or isinstance(b.dtype, pd.CategoricalDtype)
        if cats and not _same_categories(a.dtype, b.dtype):
            raise InputError(
                f"merge needs states whose group column {name!r} has the same categories: "
                f"{a.dtype} vs {b.dtype}"
            )


def plain_ids(col: Any) -> Any:
    """Categorical ids as their values (a category's code differs between batches)."""
    if isinstance(col, pd.Series) and isinstance(col.dtype, pd.CategoricalDtype):
        return pd.Series(np.asarray(col), name=col.name)
    if isinstance(col, (pa.ChunkedArray, pa.Array)) and pa.types.is_dictionary(col.type):
        return col.cast(col.type.value_type)
    return col
