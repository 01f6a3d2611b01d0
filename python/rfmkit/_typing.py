"""Type aliases of rfmkit's public signatures: what each kind of argument accepts.

They are for readers and type checkers (``mypy``, ``pyright``); at run time the
functions check their arguments themselves and raise :class:`rfmkit.InputError`
or :class:`rfmkit.InputTypeError`. The optional libraries (polars, matplotlib)
are imported only by type checkers, so these aliases never import them.

This module imports nothing of rfmkit at run time (it sits below every other
module); :class:`rfmkit.Scheme` and :class:`rfmkit.Migration` are named under
``TYPE_CHECKING`` only.

>>> from rfmkit._typing import DateLike
>>> import datetime
>>> datetime.date in DateLike.__args__
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal, TypeAlias, Union

import numpy as np
import pandas as pd
import pyarrow as pa

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl
    from matplotlib.axes import Axes

    from .analysis.migration import Migration
    from .segments.scheme import Scheme

__all__ = [
    "AxesLike",
    "BinsLike",
    "ColumnLike",
    "DateLike",
    "ForecastsLike",
    "FrameLike",
    "LangLike",
    "MethodLike",
    "MigrationLike",
    "OutputLike",
    "PeriodEndLike",
    "SchemeLike",
    "TableLike",
    "ThresholdsLike",
    "WeightsLike",
    "WindowLike",
    "ZoneLike",
]

# Union[...] where a member is a name known to type checkers only (polars, Scheme):
# ``|`` cannot combine such names at run time on Python 3.10.

ColumnLike: TypeAlias = Union[
    np.ndarray, pd.Series, pd.Index, pa.Array, pa.ChunkedArray, "pl.Series", Sequence[object]
]
"""One column of values: a NumPy array, a pandas Series or Index, an Arrow array
(chunked or not), a polars Series, or a list (or other sequence) of values."""

TableLike: TypeAlias = Union[pd.DataFrame, "pl.DataFrame", pa.Table]
"""A table: a pandas DataFrame, a polars DataFrame or a pyarrow Table (the tables
rfmkit returns, and the same converted to polars or Arrow)."""

FrameLike: TypeAlias = TableLike | Mapping[str, ColumnLike]
"""Transactions: a :data:`TableLike`, or a mapping of column name to column (a
``dict`` of lists or arrays)."""

OutputLike: TypeAlias = Literal["pandas", "polars", "arrow"]
"""The kind of a result (the ``output=`` keyword): a pandas DataFrame, a polars
DataFrame or a pyarrow Table. ``None`` (the default) follows the input: polars
in (a DataFrame or LazyFrame), polars out; pandas otherwise."""

DateLike: TypeAlias = str | dt.date | dt.datetime | np.datetime64 | pd.Timestamp
"""A single date or instant: text (ISO 8601 such as ``"2024-12-31"``, or a date
that reads one way only), a ``datetime.date`` or ``datetime.datetime``, a
``numpy.datetime64`` or a ``pandas.Timestamp``."""

PeriodEndLike: TypeAlias = DateLike | pd.Period
"""The end of an observation, training or test period (the CLV functions): a
:data:`DateLike`, or a ``pandas.Period`` (its start), floored to the time unit."""

WindowLike: TypeAlias = int | str | dt.timedelta | np.timedelta64 | pd.Timedelta | pd.offsets.BaseOffset
"""A look-back window: days as an ``int``, text such as ``"90D"``, ``"12W"``,
``"3M"`` (calendar months) or ``"1Y"``, a ``datetime.timedelta``,
``numpy.timedelta64`` or ``pandas.Timedelta``, or a pandas ``DateOffset``
(``pandas.offsets.MonthEnd(3)``, ``pandas.DateOffset(months=3)``, ...)."""

ZoneLike: TypeAlias = str | dt.tzinfo
"""A time zone: an IANA name (``"Asia/Shanghai"``) or a ``datetime.tzinfo``."""

SchemeLike: TypeAlias = Union[str, "Scheme", Mapping[str, object]]
"""A segment scheme: a built-in name (``"rfm11"``), a :class:`rfmkit.Scheme`, or
its specification as a mapping (as :meth:`rfmkit.Scheme.from_dict` takes)."""

LangLike: TypeAlias = str | Mapping[str, str]
"""Segment labels: ``"en"``, ``"zh"``, or a mapping of segment code to label."""

BinsLike: TypeAlias = int | Mapping[str, int]
"""Number of scores: one for all dimensions, or one per dimension
(``{"recency": 5, "frequency": 3, "monetary": 5}``)."""

MethodLike: TypeAlias = str | Mapping[str, str]
"""A scoring method for all dimensions, or one per dimension."""

ThresholdsLike: TypeAlias = Mapping[str, Sequence[float]]
"""Fixed cut points per dimension, ascending (``{"recency": [30, 90, 180, 365]}``)."""

WeightsLike: TypeAlias = Sequence[float] | Mapping[str, float]
"""Weights of R, F and M in the total score: three numbers in that order, or a
mapping of dimension to weight."""

MigrationLike: TypeAlias = Union["Migration", pd.DataFrame]
"""Segment moves: a :class:`rfmkit.Migration`, or a table of counts (segments
before as rows, after as columns)."""

ForecastsLike: TypeAlias = pd.DataFrame | np.ndarray | Sequence[Sequence[float]] | Sequence[float]
"""Revenue forecasts: one row per customer, one column per future period (a
DataFrame, a 2-D array or a list of lists; a 1-D sequence is one period)."""

AxesLike: TypeAlias = Sequence["Axes"] | np.ndarray
"""Several matplotlib Axes: a list, tuple or array of them."""
