"""What a saved state keeps beside its columns, in JSON: the id column's
dtype, the kind of result, the observation end and the dates' zone, each so
that a state read back (from Arrow or a pickle) behaves as the one saved.

JSON cannot hold every such value as it is: a categorical dtype's
categories and the polars dtypes of an input's date columns are stored as a
small Arrow IPC payload in base64; a ``pandas.Period`` as its start and
frequency.
"""

from __future__ import annotations

import base64
import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .errors import InputError, InputTypeError
from .io.output import OutputKind

__all__ = [
    "dtype_from_meta",
    "dtype_meta",
    "end_from_meta",
    "end_meta",
    "kind_from_meta",
    "kind_meta",
    "loading",
    "pandas_dtype",
    "zone_key",
]


def _b64(table: pa.Table) -> str:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return base64.b64encode(sink.getvalue().to_pybytes()).decode("ascii")


def _unb64(text: str) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(base64.b64decode(text))).read_all()


def dtype_meta(dtype: Any) -> Any:
    """The id column's dtype as JSON: its name, or for a categorical its
    categories (in order), whether they are ordered and their dtype."""
    if dtype is None:
        return None
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories is not None:
        try:
            cats = pa.table({"categories": pa.Array.from_pandas(dtype.categories.to_series(index=None))})
        except (pa.ArrowException, TypeError, ValueError):
            # Categories Arrow cannot hold (mixed types): the name only, as before.
            return str(dtype)
        return {
            "categories": _b64(cats),
            "ordered": bool(dtype.ordered),
            "categories_dtype": str(dtype.categories.dtype),
        }
    return str(dtype)


def dtype_from_meta(meta: Any) -> Any:
    """The dtype saved by :func:`dtype_meta` (None where pandas cannot name it)."""
    if meta is None:
        return None
    if isinstance(meta, dict):
        cats = pd.Index(_unb64(meta["categories"]).column(0).to_pandas()).rename(None)
        with contextlib.suppress(TypeError, ValueError):
            cats = cats.astype(meta.get("categories_dtype") or cats.dtype)
        return pd.CategoricalDtype(cats, ordered=bool(meta.get("ordered")))
    return pandas_dtype(meta)


def pandas_dtype(text: str) -> Any:
    """The pandas dtype of a dtype's name, None where pandas cannot name it."""
    try:
        return pd.api.types.pandas_dtype(text)
    except TypeError:
        return None


def kind_meta(kind: OutputKind) -> dict[str, Any]:
    """The kind of result, with the polars dtypes of a polars input's dates."""
    out: dict[str, Any] = {"kind": kind.kind, "date": kind.date, "dates": None}
    if kind.dates:
        import polars as pl

        out["dates"] = _b64(pl.DataFrame(schema=dict(kind.dates)).to_arrow())
    return out


def kind_from_meta(meta: Any) -> OutputKind:
    """The kind saved by :func:`kind_meta` (pandas for states saved before it)."""
    if not isinstance(meta, dict):
        return OutputKind("pandas")
    dates: dict[str, Any] = {}
    if meta.get("dates"):
        import polars as pl

        frame = pl.from_arrow(_unb64(meta["dates"]))
        assert isinstance(frame, pl.DataFrame)
        dates = dict(frame.schema)
    return OutputKind(meta["kind"], dates, meta.get("date"))


def end_meta(end: Any) -> Any:
    """An observation end or as-of date as JSON: text, or a Period as its
    start and frequency (its text, such as "2024-01-08/2024-01-14", does
    not parse back)."""
    if end is None:
        return None
    if isinstance(end, pd.Period):
        return {"period": end.start_time.isoformat(), "freq": end.freqstr}
    return str(end)


def end_from_meta(meta: Any) -> Any:
    """The end saved by :func:`end_meta`."""
    if isinstance(meta, dict):
        return pd.Period(pd.Timestamp(meta["period"]), freq=meta["freq"])
    return meta


def joined_like(a: Any, b: Any) -> Any:
    """The id dtype of two batches' ids as one column, as ``pd.concat`` would
    make it: categoricals of other categories (or beside other dtypes) give
    the dtype of their values; otherwise the first batch's dtype stands."""
    if a is None or b is None:
        # A batch without a pandas dtype (Arrow, polars) holds plain values.
        known = b if a is None else a
        if not isinstance(known, pd.CategoricalDtype):
            return known
        a, b = known, known.categories.dtype
    categorical = isinstance(a, pd.CategoricalDtype) or isinstance(b, pd.CategoricalDtype)
    if not categorical or a == b:
        return a
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pd.concat([pd.Series([], dtype=a), pd.Series([], dtype=b)]).dtype
    except (TypeError, ValueError):
        return np.dtype(object)


def zone_key(zone: Any) -> str | None:
    """A time zone compared by name: a zone read back from a saved state is
    its name, the live one a tzinfo (``datetime.timezone.utc``, a
    ``zoneinfo.ZoneInfo``, a pytz zone), which compare unequal."""
    return None if zone is None else str(zone)


@contextlib.contextmanager
def loading(what: str) -> Iterator[None]:
    """``with loading("RFMState"):`` turns a malformed saved table's raw
    errors (a missing column or key, a value of the wrong type) into an
    InputError; rfmkit's own errors pass through."""
    try:
        yield
    except (InputError, InputTypeError):
        raise
    except (
        KeyError,
        IndexError,
        TypeError,
        ValueError,
        AttributeError,
        OverflowError,
        OSError,
        pa.ArrowException,
    ) as exc:
        raise InputError(f"this table is not a readable saved {what}: {type(exc).__name__}: {exc}") from None


def check_saved_time(unit: Any, zone: Any) -> None:
    """A saved state's date unit and time zone are ones rfmkit writes."""
    from .io.dates import TICKS_PER_DAY

    if unit not in TICKS_PER_DAY:
        raise InputError(f"this table is not a readable saved state: unknown date unit {unit!r}")
    if zone is not None:
        try:
            pd.Timestamp(0, tz=zone)
        except Exception:  # noqa: BLE001 - whatever the zone library raises for a bad name
            raise InputError(
                f"this table is not a readable saved state: unknown time zone {zone!r}"
            ) from None


def check_saved_ids(table: pa.Table, keys: list[str], what: str) -> None:
    """A saved state holds each customer (of each group) once."""
    if table.num_rows < 2:
        return
    try:
        distinct = table.select(keys).group_by(keys).aggregate([]).num_rows
    except pa.ArrowNotImplementedError:
        return  # keys Arrow cannot group by: not checked
    if distinct != table.num_rows:
        raise InputError(f"this table is not a readable saved {what}: a customer id appears twice")


def check_saved_batches(meta: dict[str, Any], what: str) -> int:
    """A saved state's count of batches."""
    batches = meta.get("batches")
    if isinstance(batches, bool) or not isinstance(batches, int) or batches < 0:
        raise InputError(f"this table is not a readable saved {what}: batches is {batches!r}")
    return batches


def instant(ts: pd.Timestamp) -> str:
    """A date as text that is the same for the same instant: tz-aware dates
    in UTC ("2024-03-31 01:00+01:00" and "2024-03-31 00:00Z" agree)."""
    return (ts.tz_convert("UTC") if ts.tzinfo is not None else ts).isoformat()
