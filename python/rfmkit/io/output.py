"""Tables out: the kind of the input (polars in, polars out; pandas otherwise), or ``output=``.

Every public function that takes a table computes on pandas and hands its
result to :func:`to_output`, with the kind :func:`output_kind` decided from
the *input* before it was converted (a polars LazyFrame is collected by the
adapter of :mod:`rfmkit.io.frames`). The decorator :func:`follows_input` does
both around a function, so the function itself only ever returns pandas.

What the kinds keep:

- ``"pandas"``: the result as computed, ``attrs`` included.
- ``"polars"``: a ``polars.DataFrame`` with the same column names in the same
  order. Categoricals of text (``segment``, ``segment_code``, ``rfm_score``,
  ...) are ``polars.Enum`` with the same categories in the same order;
  integers and floats keep their dtype; dates keep the unit and time zone of
  the input's date column (a ``polars.Date`` column gives ``polars.Date``
  ``first_purchase`` / ``last_purchase``: every value is a midnight). A
  labelled index (the lifetimes forms: the customer id) becomes the first
  column. polars has no ``attrs``: the next step reads what it needs from
  the columns (see "Where the metadata lives" in docs/ARCHITECTURE.md).
- ``"arrow"``: a ``pyarrow.Table`` (categoricals as dictionary arrays, a
  labelled index as the first column) with ``attrs`` as JSON in the schema
  metadata under ``b"PANDAS_ATTRS"``, where pandas' Parquet writer keeps them
  and where :func:`rfmkit.io.frames.as_pandas` reads them back.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa

from ..errors import InputError

__all__ = ["ATTRS_KEY", "OUTPUT_KINDS", "OutputKind", "follows_input", "output_kind", "to_output"]

OUTPUT_KINDS = ("pandas", "polars", "arrow")
ATTRS_KEY = b"PANDAS_ATTRS"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class OutputKind:
    """What a result is converted to: ``kind`` and, for polars, the dtypes of
    the input's date columns (by name) that the result's dates follow.

    Examples
    --------
    >>> OutputKind("pandas").kind
    'pandas'
    """

    kind: str
    dates: Mapping[str, Any] = field(default_factory=dict)
    """Name -> polars dtype of every temporal column of a polars input."""
    date: str | None = None
    """The input's date column: the dtype of result dates not in the input."""


def output_kind(tables: Any, output: Any = None, date: str | None = None) -> OutputKind:
    """The kind of result for ``tables`` (one input table, or a tuple of them).

    Parameters
    ----------
    tables : table or tuple of tables
        The input(s) as the user gave them, before any conversion.
    output : {None, "pandas", "polars", "arrow"}
        ``None``: ``"polars"`` when an input is a polars DataFrame or
        LazyFrame (or a narwhals frame of one), ``"pandas"`` otherwise.
    date : str, optional
        The input's date column, whose unit and zone the result's dates take
        when they are not columns of the input (``first_purchase`` of
        :func:`rfmkit.rfm_table`).

    Returns
    -------
    OutputKind

    Raises
    ------
    InputError
        An ``output`` that is not one of the kinds (the value is named).

    Examples
    --------
    >>> import pandas as pd, polars as pl
    >>> output_kind(pd.DataFrame({"a": [1]})).kind, output_kind(pl.DataFrame({"a": [1]})).kind
    ('pandas', 'polars')
    >>> output_kind(pl.DataFrame({"a": [1]}).lazy(), "arrow").kind
    'arrow'
    """
    if output is not None and not (isinstance(output, str) and output in OUTPUT_KINDS):
        raise InputError(f"invalid output {output!r}: choose None, 'pandas', 'polars' or 'arrow'")
    frames = [_unwrap(t) for t in (tables if isinstance(tables, tuple) else (tables,))]
    polars = [t for t in frames if _polars_frame(t)]
    kind = output if output is not None else ("polars" if polars else "pandas")
    if kind != "polars" or not polars:
        return OutputKind(kind, {}, date)
    schema = polars[0].collect_schema() if hasattr(polars[0], "collect_schema") else polars[0].schema
    dates = {name: dtype for name, dtype in schema.items() if dtype.is_temporal()}
    return OutputKind(kind, dates, date)


def to_output(result: Any, kind: OutputKind) -> Any:
    """``result`` (a pandas DataFrame, or a tuple, list or dict of them) as ``kind``.

    Parameters
    ----------
    result : pandas.DataFrame, tuple, list or dict
        What the function computed. Other values (a Series, a dataclass)
        are returned as they are.
    kind : OutputKind
        From :func:`output_kind`.

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table (or the same container of them)

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"segment": pd.Categorical(["b", "a"], categories=["b", "a"])})
    >>> frame.attrs["scheme"] = "rfm11"
    >>> table = to_output(frame, OutputKind("arrow"))
    >>> table.schema.field("segment").type
    DictionaryType(dictionary<values=string, indices=int8, ordered=0>)
    >>> table.schema.metadata[b"PANDAS_ATTRS"]
    b'{"scheme": "rfm11"}'
    >>> to_output(frame, OutputKind("polars")).schema["segment"]
    Enum(categories=['b', 'a'])
    """
    if kind.kind == "pandas":
        return result
    if isinstance(result, tuple):
        return tuple(to_output(r, kind) for r in result)
    if isinstance(result, list):
        return [to_output(r, kind) for r in result]
    if isinstance(result, dict):
        return {k: to_output(v, kind) for k, v in result.items()}
    if not isinstance(result, pd.DataFrame):
        return result
    table = _arrow(result)
    if kind.kind == "arrow":
        return table
    return _polars(table, result, kind)


def follows_input(*tables: str, date: str | None = None) -> Callable[[F], F]:
    """A decorator: the function's result follows its input tables (``tables``,
    parameter names) or its ``output=`` keyword.

    The decorated function computes on pandas and returns pandas (its own
    ``output`` parameter, which documents the keyword, is left at None); the
    wrapper decides the kind from the inputs as given, then converts the
    result with :func:`to_output`. ``date`` names the parameter that holds
    the input's date column (see :func:`output_kind`).

    Examples
    --------
    >>> import pandas as pd, polars as pl
    >>> @follows_input("data")
    ... def first_row(data, *, output=None):
    ...     return pd.DataFrame(data).head(1)
    >>> type(first_row(pl.DataFrame({"a": [1, 2]}))).__name__
    'DataFrame'
    >>> first_row({"a": [1, 2]}, output="arrow").num_rows
    1
    """

    def decorate(func: F) -> F:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            output = kwargs.pop("output", None)
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError:
                return func(*args, **kwargs)  # the usual TypeError
            bound.apply_defaults()
            given = tuple(bound.arguments.get(name) for name in tables)
            column = bound.arguments.get(date) if date is not None else None
            kind = output_kind(given, output, column if isinstance(column, str) else None)
            return to_output(func(*args, **kwargs), kind)

        return wrapper  # type: ignore[return-value]

    return decorate


# --------------------------------------------------------------------------- conversions


def _unwrap(table: Any) -> Any:
    if type(table).__module__.split(".")[0] == "narwhals":
        import narwhals as nw

        return nw.to_native(table)
    return table


def _polars_frame(obj: Any) -> bool:
    cls = type(obj)
    return cls.__module__.split(".")[0] == "polars" and cls.__name__ in ("DataFrame", "LazyFrame")


def _arrow(frame: pd.DataFrame) -> pa.Table:
    """The frame as Arrow: a labelled index as the first column(s), attrs as JSON."""
    index = frame.index
    plain = isinstance(index, pd.RangeIndex) and index.name is None
    if not plain:
        frame = frame.reset_index()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if frame.attrs:
        metadata = {**(table.schema.metadata or {}), ATTRS_KEY: _json(frame.attrs).encode()}
        table = table.replace_schema_metadata(metadata)
    return table


def _json(attrs: Mapping[str, Any]) -> str:
    """attrs as JSON; keys that JSON cannot hold (tuples) as text, other values as text."""

    def safe(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k if isinstance(k, (str, int, float)) else str(k): safe(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [safe(v) for v in value]
        return value

    return json.dumps(safe(attrs), default=str, ensure_ascii=False)


def _polars(table: pa.Table, frame: pd.DataFrame, kind: OutputKind) -> Any:
    import polars as pl

    out = pl.from_arrow(table)
    assert isinstance(out, pl.DataFrame)
    casts = []
    for name in out.columns:
        col = frame[name] if name in frame.columns else None
        dtype = getattr(col, "dtype", None)
        if isinstance(dtype, pd.CategoricalDtype) and out.schema[name] in (pl.Categorical, pl.String):
            categories = [str(c) for c in dtype.categories]
            casts.append(pl.col(name).cast(pl.String).cast(pl.Enum(categories)))
        elif out.schema[name].is_temporal():
            target = kind.dates.get(name, kind.dates.get(kind.date) if kind.date else None)
            if target is not None:
                casts.append(_temporal(pl.col(name), out.schema[name], target))
    return out.with_columns(casts) if casts else out


def _temporal(col: Any, have: Any, want: Any) -> Any:
    """A date column of the result in the unit and zone of the input's."""
    import polars as pl

    if want == pl.Date:
        return col.dt.date() if isinstance(have, pl.Datetime) else col
    if not isinstance(want, pl.Datetime) or not isinstance(have, pl.Datetime):
        return col
    if (have.time_zone is None) != (want.time_zone is None):
        return col  # not the same kind of instant: left as it is
    if want.time_zone is not None and have.time_zone != want.time_zone:
        col = col.dt.convert_time_zone(want.time_zone)
    return col.dt.cast_time_unit(want.time_unit)
