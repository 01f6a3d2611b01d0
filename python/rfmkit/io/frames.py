"""Tables in: a pandas DataFrame, a polars DataFrame or a pyarrow Table, as pandas.

The functions that take rfmkit's own tables (score, segment, action_list,
segment_summary, migration, churn_alerts, campaign_report, RFMScorer) convert
their input here, once, at entry; everything after works on pandas.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError, InputTypeError
from .columns import Column, as_column

__all__ = ["as_pandas", "column_attrs", "copy_on_write", "get_columns", "native_table", "numeric_column"]

# Where pandas (>= 2.1) keeps DataFrame.attrs in Parquet / Arrow metadata.
_ATTRS_KEY = b"PANDAS_ATTRS"


def as_pandas(table: Any, what: str = "table") -> pd.DataFrame:
    """``table`` as a pandas DataFrame (itself when it already is one).

    Parameters
    ----------
    table : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        The input table. A polars table has no ``attrs``; an Arrow table's
        are restored from its schema's metadata (where pyarrow and pandas'
        Parquet writer keep them). Without them, what the columns of an
        rfmkit table tell is put back (see :func:`column_attrs`).
    what : str
        The argument's name, for the error message.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    InputTypeError
        Anything else (a dict, a Series, a polars LazyFrame, ...).

    Examples
    --------
    >>> import pyarrow as pa
    >>> as_pandas(pa.table({"recency": [1, 2]}))["recency"].tolist()
    [1, 2]
    """
    if isinstance(table, pd.DataFrame):
        return table
    table = native_table(table)
    if _is_polars(table, "DataFrame"):
        table = table.to_arrow()
    if isinstance(table, pa.Table):
        out = table.to_pandas()  # restores attrs kept in the "pandas" metadata
        if not out.attrs:
            out.attrs = _arrow_attrs(table.schema) or column_attrs(out)
        return out
    raise InputTypeError(
        f"{what} must be a pandas DataFrame, a polars DataFrame or a pyarrow Table "
        "(or another table: DuckDB, narwhals, an Arrow PyCapsule stream), not "
        f"{type(table).__module__}.{type(table).__name__}"
    )


# The columns of rfmkit.rfm_table after its group columns, in order.
_RFM_COLUMNS = ["customer_id", "recency", "frequency", "monetary", "first_purchase", "last_purchase"]


def column_attrs(table: pd.DataFrame) -> dict:
    """The ``attrs`` that the columns of an rfmkit table stand in for, when a
    table came without them (polars output, a hand-made Arrow table).

    - ``as_of``: the day of ``last_purchase`` (in its own zone) plus
      ``recency``, when every row gives the same day;
    - ``by``: the columns before ``customer_id`` when the table starts with
      the layout of :func:`rfmkit.rfm_table` (group columns, then
      ``customer_id``, ``recency``, ``frequency``, ``monetary``,
      ``first_purchase``, ``last_purchase``).

    Parameters
    ----------
    table : pandas.DataFrame

    Returns
    -------
    dict
        JSON values only; empty when the columns tell nothing.

    Examples
    --------
    >>> t = pd.DataFrame({"channel": ["web"], "customer_id": [1], "recency": [3],
    ...                   "frequency": [1], "monetary": [5.0],
    ...                   "first_purchase": pd.to_datetime(["2024-01-01"]),
    ...                   "last_purchase": pd.to_datetime(["2024-01-01 18:00"])})
    >>> column_attrs(t)
    {'as_of': '2024-01-04', 'by': ['channel']}
    """
    attrs: dict[str, Any] = {}
    names = [str(c) for c in table.columns]
    if len(table) and "recency" in names and "last_purchase" in names:
        last, recency = table["last_purchase"], table["recency"]
        if pd.api.types.is_datetime64_any_dtype(last.dtype) and pd.api.types.is_integer_dtype(recency.dtype):
            if isinstance(last.dtype, pd.DatetimeTZDtype):
                last = last.dt.tz_localize(None)
            days = last.to_numpy(dtype="datetime64[D]") + recency.to_numpy(dtype=np.int64, na_value=0)
            if not last.isna().any() and not recency.isna().any() and (days == days[0]).all():
                attrs["as_of"] = str(days[0])
    if "customer_id" in names:
        start = names.index("customer_id")
        if start and names[start : start + len(_RFM_COLUMNS)] == _RFM_COLUMNS:
            attrs["by"] = names[:start]
    return attrs


def native_table(data: Any, names: list[str] | None = None) -> Any:
    """Tables of the other libraries as a pandas or polars DataFrame or a
    pyarrow Table: narwhals frames (their native frame), polars LazyFrames
    (collected, only ``names`` when given), pyarrow RecordBatch and
    RecordBatchReader, DuckDB relations and anything else with the Arrow
    PyCapsule interface (``__arrow_c_stream__`` / ``__arrow_c_array__``).
    Mappings and unknown objects are returned as they are.

    Examples
    --------
    >>> import pyarrow as pa
    >>> batch = pa.record_batch({"a": [1, 2]})
    >>> native_table(pa.RecordBatchReader.from_batches(batch.schema, [batch])).num_rows
    2
    """
    if isinstance(data, (pd.DataFrame, pa.Table, Mapping)):
        return data
    if type(data).__module__.split(".")[0] == "narwhals":
        import narwhals as nw

        data = nw.to_native(data)
    if _is_polars(data, "LazyFrame"):
        # Only the columns needed, when they are all there (else the error names the missing one).
        if names is not None and set(names) <= set(data.collect_schema().names()):
            data = data.select(list(dict.fromkeys(names)))
        return data.collect()
    if _is_polars(data, "DataFrame"):
        return data
    if isinstance(data, pa.RecordBatchReader):
        return data.read_all()
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, (pd.Series, pd.Index, pa.Array, pa.ChunkedArray)) or _is_polars(data, "Series"):
        raise InputTypeError(
            "expected a table of named columns (a DataFrame, a pyarrow Table, a mapping of "
            f"names to arrays), got a single column ({type(data).__name__})"
        )
    try:
        if hasattr(data, "__arrow_c_stream__"):
            return pa.table(data)
        if hasattr(data, "__arrow_c_array__"):
            return pa.Table.from_batches([pa.record_batch(data)])
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise InputTypeError(
            f"expected a table of named columns; this {type(data).__name__} could not be read as one: {exc}"
        ) from None
    return data


def _is_polars(obj: Any, name: str) -> bool:
    cls = type(obj)
    return cls.__module__.split(".")[0] == "polars" and cls.__name__ == name


def _arrow_attrs(schema: pa.Schema) -> dict:
    raw = (schema.metadata or {}).get(_ATTRS_KEY)
    if raw is None:
        return {}
    try:
        attrs = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {}
    return attrs if isinstance(attrs, dict) else {}


def numeric_column(col: pd.Series, name: str, user: str) -> np.ndarray:
    """A column of real numbers as contiguous, finite float64.

    Parameters
    ----------
    col : pandas.Series
        The column (any integer or float dtype, nullable ones included, or
        objects that are all real numbers or Decimals).
    name : str
        Its name, for the error message.
    user : str
        What needs the values, for the error message ("scores").

    Returns
    -------
    numpy.ndarray
        float64, C-contiguous.

    Raises
    ------
    InputError
        A missing, infinite or too large value (named with its row).
    InputTypeError
        Booleans, text, dates, complex numbers or anything else that is not a
        real number (the first such value is named with its row).

    Examples
    --------
    >>> numeric_column(pd.Series([1, 2]), "frequency", "scores").tolist()
    [1.0, 2.0]
    """
    dtype = col.dtype
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype):
        col = col.astype(object)  # Decimals, converted one by one below
        dtype = col.dtype
    is_object = pd.api.types.is_object_dtype(dtype)
    missing = col.isna().to_numpy(dtype=bool)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        v = col.iloc[row]
        shown = "NaN" if isinstance(v, float) and v != v else repr(v)
        raise InputError(
            f"column {name!r} has a missing value ({shown}) at row {row}; {user} need values", value=v
        )
    if pd.api.types.is_bool_dtype(dtype) or not (
        is_object or (pd.api.types.is_numeric_dtype(dtype) and dtype.kind in "iuf")
    ):
        v = col.iloc[0] if len(col) else None
        first = f": {(v.item() if isinstance(v, np.generic) else v)!r} at row 0" if len(col) else ""
        raise InputTypeError(f"column {name!r} must hold numbers, not {dtype}{first}")
    if is_object:
        values = np.empty(len(col))
        for row, v in enumerate(col.to_numpy()):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, Decimal)):
                raise InputTypeError(
                    f"column {name!r} has {v!r} (a {type(v).__name__}) at row {row}; it must hold numbers",
                    value=v,
                )
            try:
                values[row] = float(v)
            except OverflowError:
                values[row] = -np.inf if v < 0 else np.inf
    else:
        values = col.to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        shown = repr(col.iloc[row]) if is_object else repr(float(values[row]))
        raise InputError(
            f"column {name!r} has an invalid value {shown} at row {row}: {user} need finite numbers",
            value=col.iloc[row],
        )
    return np.ascontiguousarray(values)


def get_columns(data: Any, names: list[str]) -> dict[str, Column]:
    """The named columns of a pandas or polars DataFrame, a pyarrow Table or
    RecordBatch, or a mapping of names to arrays."""
    if isinstance(data, pd.DataFrame):
        check_present(names, list(data.columns))
        cols = {}
        for name in names:
            col = data[name]
            if isinstance(col, pd.DataFrame):
                raise InputError(f"column {name!r} appears more than once in the DataFrame")
            cols[name] = col
        return cols
    data = native_table(data, names)
    if type(data).__module__.split(".")[0] == "polars" and hasattr(data, "to_arrow"):
        check_present(names, list(data.columns))
        data = data.select(list(dict.fromkeys(names))).to_arrow()
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        check_present(names, data.schema.names)
        for name in dict.fromkeys(names):
            if data.schema.names.count(name) > 1:
                raise InputError(f"column {name!r} appears more than once in the table", column=name)
        return {name: data.column(name) for name in names}
    if isinstance(data, Mapping):
        check_present(names, list(data.keys()))
        return {name: as_column(data[name], name) for name in names}
    raise InputTypeError(
        "data must be a pandas DataFrame, a polars DataFrame, a pyarrow Table or a mapping "
        f"of column names to arrays, not {type(data).__name__}"
    )


def check_present(names: list[str], available: list[Any]) -> None:
    for name in names:
        if name not in available:
            shown = ", ".join(repr(c) for c in available[:20])
            raise InputError(f"missing column {name!r}; the data has columns {shown}")


def copy_on_write() -> bool:
    """Whether pandas copies on write (always on pandas 3): then a shallow
    copy of a frame is safe to add columns to without touching the caller's."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.get_option("mode.copy_on_write") is True
