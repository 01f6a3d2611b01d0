"""The latest date of a streamed source, for the as-of date of a window: from the
Parquet statistics when they say it exactly, else from a first pass over the
date column."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import numpy as np
import pyarrow as pa

from ..errors import InputError, InputTypeError
from . import dates as _time
from .stream import Stream, fold

__all__ = ["latest_day"]

_EPOCH = dt.date(1970, 1, 1)


def latest_day(stream: Stream, date: str, tz: Any, progress: bool | None) -> dt.date | None:
    """The calendar day of the latest date (in the zone ``tz`` or the
    column's): from the Parquet statistics when every row group has exact
    ones, else from a first pass over the date column; None when the stream
    cannot be read twice or has no dates."""
    day = _stats_day(stream, date, tz)
    if day is None and stream.replayable:
        days: list[int] = []

        def update(batch: Any, offset: int) -> None:
            got = _max_day(_time.time_column(_column(batch, date), date, tz))
            if got is not None:
                days.append(got)

        fold(stream, [date], update, progress, desc="finding the latest date")
        day = max(days) if days else None
    return None if day is None else _EPOCH + dt.timedelta(days=day)


def _column(batch: Any, name: str) -> Any:
    if isinstance(batch, (pa.RecordBatch, pa.Table)):
        return batch.column(name)
    return batch.get_column(name).to_arrow()


def _max_day(time: _time.TimeColumn) -> int | None:
    valid = time.ts != np.iinfo(np.int64).min  # NaT: refused later, with its row
    if not valid.any():
        return None
    if time.days is not None:
        return int(time.days[valid].max())
    return int(time.ts[valid].max()) // time.ticks_per_day


_FIXED = re.compile(r"^(UTC|Etc/UTC|GMT|Z|[+-]\d\d:?\d\d)$")


def _stats_day(stream: Stream, date: str, tz: Any) -> int | None:
    """The latest day from Parquet statistics, or None when they cannot say
    it exactly: a missing statistic, INT96 or text dates, or a zone whose
    offset changes (the latest instant need not be on the latest local day)."""
    if not stream.files:
        return None
    best = None
    for _, meta in stream.files:
        arrow = meta.schema.to_arrow_schema()
        field = arrow.field(date)
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            zone = str(tz if tz is not None else field.type.tz)
            if not _FIXED.match(zone):
                return None
        column = next((j for j in range(meta.num_columns) if meta.schema.column(j).path == date), None)
        if column is None:
            return None
        ok, top = _file_max(meta, column)
        if not ok:
            return None
        if top is None:
            continue
        logical = json.loads(meta.schema.column(column).logical_type.to_json())
        if logical.get("Type") == "Date":
            value = pa.array([np.datetime64(top, "D")], pa.date32())
        elif logical.get("Type") == "Timestamp":
            unit = {"milliseconds": "ms", "microseconds": "us", "nanoseconds": "ns"}[logical["timeUnit"]]
            zone_of = field.type.tz if pa.types.is_timestamp(field.type) else None
            value = pa.array([top], pa.int64()).cast(pa.timestamp(unit, tz=zone_of))
        else:
            return None
        try:
            day = _max_day(_time.time_column(value, date, tz))
        except (InputError, InputTypeError):
            return None  # the real pass names the problem
        if day is not None:
            best = day if best is None else max(best, day)
    return best


def _file_max(meta: Any, column: int) -> tuple[bool, int | None]:
    """Whether every row group has statistics, and the largest maximum."""
    top = None
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        if group.num_rows == 0:
            continue
        chunk = group.column(column)
        stats = chunk.statistics
        if chunk.physical_type not in ("INT64", "INT32") or stats is None or not stats.has_min_max:
            return False, None
        top = stats.max_raw if top is None else max(top, stats.max_raw)
    return True, top
