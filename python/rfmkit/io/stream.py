"""Transactions bigger than memory: Parquet files, datasets and Arrow streams, batch by batch.

:func:`open_stream` turns a source that is not already a table in memory (a
Parquet file, a directory or glob of them, a ``pyarrow.dataset.Dataset``, a
``RecordBatchReader``, a polars LazyFrame, a DuckDB relation, anything with
``__arrow_c_stream__``) into a :class:`Stream`: its column names, its row
count when the files' metadata tell it, and its batches of only the columns
asked for. Files are read row group by row group (``ParquetFile.iter_batches``,
no pre-buffering) and datasets with read-ahead turned down to one batch, so
what is in memory at a time is a batch, not the file. :func:`fold` feeds the
batches to a state with a progress bar and counts rows over the whole stream
in errors, so a bad value is named as in-memory input names it.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from queue import Empty, Full, Queue
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ..errors import InputError, InputTypeError
from .frames import check_present

__all__ = ["BATCH_ROWS", "PROGRESS_DELAY", "Stream", "fold", "is_streamable", "open_stream", "relocate"]

BATCH_ROWS = 1 << 18
"""Rows per batch read from files and datasets."""
PROGRESS_DELAY = 1.0
"""Seconds of work before the progress bar shows (tqdm's ``delay``)."""

_BATCH = re.compile(r"^batch \d+: ")


def _module(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def is_streamable(data: Any) -> bool:
    """Whether ``data`` is a source to stream rather than a table in memory.

    Examples
    --------
    >>> import pandas as pd, pyarrow as pa
    >>> is_streamable("transactions/*.parquet"), is_streamable(pd.DataFrame()), is_streamable(pa.table({}))
    (True, False, False)
    """
    if isinstance(data, (str, os.PathLike, ds.Dataset, pa.RecordBatchReader)):
        return True
    if _module(data) == "narwhals":
        import narwhals as nw

        return is_streamable(nw.to_native(data))
    name = type(data).__name__
    if _module(data) == "polars":
        return name == "LazyFrame"
    in_memory = (
        pd.DataFrame,
        pd.Series,
        np.ndarray,
        pa.Table,
        pa.RecordBatch,
        pa.Array,
        pa.ChunkedArray,
        Mapping,
    )
    if _module(data) in ("pandas", "numpy") or isinstance(data, in_memory):
        return False
    return hasattr(data, "__arrow_c_stream__") and not hasattr(data, "__arrow_c_array__")


@dataclasses.dataclass
class Stream:
    """A streamed source: column names, rows when known, and batches of chosen columns."""

    names: list[str]
    rows: int | None
    replayable: bool  # whether it can be read twice (a first pass over the dates)
    read: Callable[[list[str]], Iterator[Any]]  # batches (Arrow RecordBatch or polars DataFrame)
    empty: Callable[[list[str]], Any]  # an empty table of the columns
    files: list[tuple[str, Any]] = dataclasses.field(default_factory=list)  # (path, Parquet metadata)
    where: str = ""  # " in 'path'" for a single file, for messages
    _used: bool = False

    def check(self, columns: list[str]) -> None:
        """Fails, naming the column (and file), when a column is missing."""
        if not self.files:
            check_present(columns, self.names)
            return
        for path, meta in self.files:
            names = meta.schema.to_arrow_schema().names
            for col in columns:
                if names.count(col) > 1:
                    raise InputError(
                        f"column {col!r} appears {names.count(col)} times in {path!r}; "
                        "give every column its own name"
                    )
                if col not in names:
                    shown = ", ".join(repr(c) for c in names[:20])
                    raise InputError(f"missing column {col!r} in {path!r}; the file has columns {shown}")

    def batches(self, columns: list[str]) -> Iterator[Any]:
        if self._used and not self.replayable:
            raise InputError("the stream was read already: a RecordBatchReader can be read once")
        self._used = True
        return self.read(list(dict.fromkeys(columns)))


def open_stream(data: Any) -> Stream:
    """The :class:`Stream` of ``data`` (see :func:`is_streamable`).

    Raises
    ------
    InputError
        A missing path, a glob that matches nothing, a directory without
        files, a file that is not Parquet (each named).

    Examples
    --------
    >>> import pyarrow as pa
    >>> batch = pa.record_batch({"a": [1, 2], "b": [3, 4]})
    >>> s = open_stream(pa.RecordBatchReader.from_batches(batch.schema, [batch]))
    >>> s.names, [b.num_columns for b in s.batches(["a"])]
    (['a', 'b'], [1])
    """
    if _module(data) == "narwhals":
        import narwhals as nw

        data = nw.to_native(data)
    if isinstance(data, (str, os.PathLike)):
        return _files(_paths(os.fspath(data)))
    if isinstance(data, ds.Dataset):
        return _dataset(data)
    if _module(data) == "polars":
        return _lazy(data)
    if _module(data) == "duckdb" and hasattr(data, "project"):
        return _duckdb(data)
    if not isinstance(data, pa.RecordBatchReader):
        data = pa.RecordBatchReader.from_stream(data)
    return _reader(data)


def _paths(text: str) -> list[str]:
    if glob.has_magic(text):
        found = sorted(p for p in glob.glob(text, recursive=True) if os.path.isfile(p))
        if not found:
            raise InputError(f"no files match {text!r}")
        return found
    if os.path.isdir(text):
        found = sorted(
            str(p)
            for p in Path(text).rglob("*")
            if p.is_file() and not any(part.startswith((".", "_")) for part in p.relative_to(text).parts)
        )
        if not found:
            raise InputError(f"directory {text!r} has no files")
        return found
    if not os.path.exists(text):
        raise InputError(f"input path {text!r} does not exist")
    return [text]


def _parquet(path: str) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path, pre_buffer=False)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot read {path!r} as Parquet: {exc}") from None


def _files(paths: list[str]) -> Stream:
    files = []
    for path in paths:
        with _parquet(path) as f:
            files.append((path, f.metadata))
    schema = files[0][1].schema.to_arrow_schema()

    def read(columns: list[str]) -> Iterator[Any]:
        for path, _ in files:
            with _parquet(path) as f:
                yield from f.iter_batches(batch_size=BATCH_ROWS, columns=columns)

    return Stream(
        names=schema.names,
        rows=sum(m.num_rows for _, m in files),
        replayable=True,
        read=read,
        empty=lambda columns: schema.empty_table().select(columns),
        files=files,
    )


def _dataset(data: ds.Dataset) -> Stream:
    parquet = isinstance(getattr(data, "format", None), ds.ParquetFileFormat)
    options = ds.ParquetFragmentScanOptions(pre_buffer=False) if parquet else None

    def read(columns: list[str]) -> Iterator[Any]:
        scanner = data.scanner(
            columns=columns,
            batch_size=BATCH_ROWS,
            batch_readahead=1,
            fragment_readahead=1,
            fragment_scan_options=options,
        )
        return iter(scanner.to_batches())

    return Stream(
        names=data.schema.names,
        rows=data.count_rows() if parquet else None,
        replayable=True,
        read=read,
        empty=lambda columns: data.schema.empty_table().select(columns),
    )


def _reader(reader: pa.RecordBatchReader) -> Stream:
    def read(columns: list[str]) -> Iterator[Any]:
        for batch in reader:
            yield batch.select(columns)

    return Stream(
        names=reader.schema.names,
        rows=None,
        replayable=False,
        read=read,
        empty=lambda columns: reader.schema.empty_table().select(columns),
    )


def _duckdb(rel: Any) -> Stream:
    def project(columns: list[str]) -> Any:
        return rel.project(", ".join('"' + c.replace('"', '""') + '"' for c in columns))

    def read(columns: list[str]) -> Iterator[Any]:
        return iter(project(columns).to_arrow_reader(BATCH_ROWS))

    return Stream(
        names=list(rel.columns),
        rows=None,
        replayable=True,
        read=read,
        empty=lambda columns: project(columns).limit(0).to_arrow_table(),
    )


def _lazy(frame: Any) -> Stream:
    def read(columns: list[str]) -> Iterator[Any]:
        return iter(frame.select(columns).collect_batches(chunk_size=BATCH_ROWS))

    return Stream(
        names=frame.collect_schema().names(),
        rows=None,
        replayable=True,
        read=read,
        empty=lambda columns: frame.select(columns).head(0).collect(),
    )


# --------------------------------------------------------------------------- folding


def relocate(exc: InputError | InputTypeError, offset: int) -> InputError | InputTypeError:
    """A state's error about row ``r`` of a batch as one about row ``offset + r``
    of the whole stream, without the state's ``batch k:`` prefix."""
    text = _BATCH.sub("", str(exc))
    row = exc.row
    if row is not None:
        row += offset
        text = re.sub(rf"\bat row {exc.row}\b", f"at row {row}", text, count=1)
    return type(exc)(text, column=exc.column, row=row, value=exc.value)


def fold(
    stream: Stream,
    columns: list[str],
    update: Callable[[Any, int], object],
    progress: bool | None,
    desc: str = "rows",
) -> int:
    """Calls ``update(batch, offset)`` for each batch (``offset``: rows before
    it), with a progress bar over rows; returns the number of rows.

    An InputError or InputTypeError of ``update`` about a row of its batch
    is raised about that row of the whole stream. ``progress``: None shows
    the bar when stderr is a terminal and the work takes over
    :data:`PROGRESS_DELAY` seconds, True whenever it takes that long, False never.
    """
    from tqdm.auto import tqdm

    offset = 0
    with tqdm(
        total=stream.rows,
        unit="rows",
        unit_scale=True,
        desc=desc,
        disable=None if progress is None else not progress,
        delay=PROGRESS_DELAY,
        file=sys.stderr,
        leave=False,
    ) as bar:
        for batch in _ahead(stream.batches(columns)):
            n = len(batch)
            if n:
                try:
                    update(batch, offset)
                except (InputError, InputTypeError) as exc:
                    raise relocate(exc, offset) from None
            offset += n
            bar.update(n)
    return offset


def _ahead(batches: Iterator[Any]) -> Iterator[Any]:
    """``batches``, the next one read on a thread while the caller works on
    this one (decoding and the core both release the interpreter): one batch
    of read-ahead, no more."""
    queue: Queue = Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        queue.put((True, batch), timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put((False, None))
        except BaseException as exc:  # handed to the caller, raised there
            queue.put((False, exc))

    worker = threading.Thread(target=produce, name="rfmkit-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            more, item = queue.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                queue.get_nowait()
            except Empty:
                worker.join(0.05)


def read_columns(data: Any, columns: list[str]) -> Any:
    """Every row of a streamed source's ``columns`` as one table in memory: an
    Arrow table, or a polars DataFrame for a LazyFrame's batches. For the
    functions whose result is as large as their input (rfm_history,
    churn_labels), which read the sources rfm_table streams."""
    stream = open_stream(data)
    stream.check(columns)
    batches = list(stream.batches(columns))
    if not batches:
        return stream.empty(columns)
    if isinstance(batches[0], pa.RecordBatch):
        return pa.Table.from_batches(batches)
    import polars as pl

    return pl.concat(batches)
