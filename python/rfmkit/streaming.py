"""Tables bigger than memory: :func:`rfm_table` on Parquet files and Arrow streams.

The public :func:`rfmkit.rfm_table` is this module's: a table in memory goes to
:func:`rfmkit.table.rfm_table` as it is; a source to stream (see
:func:`rfmkit.io.stream.is_streamable`) is folded batch by batch into an
:class:`rfmkit.RFMState`, whose result is the in-memory one bit for bit.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from . import table as _memory
from ._typing import DateLike, FrameLike, OutputLike, TableLike, WindowLike, ZoneLike
from .io.output import follows_input
from .io.stream import Stream, fold, is_streamable, open_stream
from .io.stream_dates import latest_day
from .state import RFMState
from .table import group_names_of

__all__ = ["STREAM_NOTES", "rfm_table", "streamed_doc"]

STREAM_NOTES = """
    Bigger than memory: ``{data}`` may also be a Parquet file, a directory or
    glob of Parquet files (``str`` or ``pathlib.Path``), a
    ``pyarrow.dataset.Dataset``, a ``pyarrow.RecordBatchReader``, a polars
    LazyFrame, a DuckDB relation or any other Arrow stream
    (``__arrow_c_stream__``). Such a source is read batch by batch, only the
    columns needed, and folded into the exact mergeable state
    ({state}), so memory grows with the number of customers, not of
    rows, and the result equals the in-memory one bit for bit (pandas by
    default; polars for a LazyFrame; ``output=`` as always). Errors name the
    column, the value and the row counted over the whole stream.
{extra}"""

_AS_OF = """
    The as-of date a ``window`` needs, when ``as_of`` is not given, is the
    latest date of the data as for a table in memory: read from the
    Parquet statistics (the maximum of the date column over the row
    groups) when every row group has them and they are exact (naive or UTC
    / fixed-offset dates, not INT96), else found by a first pass over the
    date column alone. A one-shot stream (a RecordBatchReader or another
    Arrow stream) cannot be read twice: with a window and no ``as_of`` it
    is read into memory instead, as before.
"""

_PROGRESS = """    progress : bool, optional
        For streamed sources: a progress bar (tqdm.auto) over the rows,
        shown on stderr once the work takes more than about a second. None
        (default): only when stderr is a terminal; True: also when it is not;
        False: never.
"""


def streamed_doc(doc: str | None, data: str, state: str, extra: str = "") -> str:
    """The docstring of an in-memory function, with the streamed inputs: a
    note on ``data`` in its Notes and the ``progress`` parameter."""
    text = doc or ""
    notes = STREAM_NOTES.format(data=data, state=state, extra=extra)
    kinds = f"    {data} : pandas.DataFrame, polars.DataFrame, pyarrow.Table or mapping\n"
    text = text.replace(kinds, kinds[:-1] + ", or a source to stream (see Notes)\n", 1)
    if "    output : " in text:
        text = text.replace("    output : ", _PROGRESS + "    output : ", 1)
    if "    Notes\n    -----\n" in text:
        return text.replace("    Notes\n    -----\n", "    Notes\n    -----\n" + notes.lstrip("\n") + "\n", 1)
    section = "    Notes\n    -----" + notes + "\n"
    if "    Examples\n    --------" in text:
        return text.replace("    Examples\n    --------", section + "    Examples\n    --------", 1)
    return text + "\n" + section


@follows_input("data", date="date")
def rfm_table(
    data: FrameLike,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    *,
    as_of: DateLike | None = None,
    window: WindowLike | None = None,
    frequency: str = "rows",
    order_id: str | None = None,
    returns: str = "net",
    tz: ZoneLike | None = None,
    by: str | Sequence[str] | None = None,
    progress: bool | None = None,
    output: OutputLike | None = None,
) -> TableLike:
    options: dict[str, Any] = dict(
        as_of=as_of, window=window, frequency=frequency, order_id=order_id, returns=returns, tz=tz, by=by
    )
    # Warnings (customers left out) are shown at the caller's line, wherever they come from.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if not is_streamable(data):
            table = _memory.rfm_table(data, customer_id, date, amount, **options, output="pandas")
        else:
            stream = open_stream(data)
            group_names = group_names_of(by, [customer_id, date, amount, order_id])
            columns = [customer_id, date, amount] + ([order_id] if order_id else []) + group_names
            stream.check(columns)
            table = _fold_table(stream, columns, (customer_id, date, amount), options, progress)
    for warning in caught:
        warnings.warn(warning.message, warning.category, stacklevel=3)
    return table


def _fold_table(stream: Stream, columns: list[str], names: tuple, options: dict, progress: Any) -> Any:
    customer_id, date, amount = names
    if options["window"] is not None and options["as_of"] is None:
        options["as_of"] = latest_day(stream, date, options["tz"], progress)
        if options["as_of"] is None and not stream.replayable:
            table = _read_all(stream, columns)  # a one-shot stream: see the docstring
            return _memory.rfm_table(table, customer_id, date, amount, **options, output="pandas")
        if options["as_of"] is None:  # no dates at all
            return _memory.rfm_table(stream.empty(columns), *names, **options, output="pandas")
    state = RFMState(customer_id, date, amount, **options)
    rows = fold(stream, columns, lambda batch, _: state.update(batch), progress)
    if not rows:
        return _memory.rfm_table(stream.empty(columns), *names, **options, output="pandas")
    return state.finish(output="pandas")


def _read_all(stream: Stream, columns: list[str]) -> Any:
    import pyarrow as pa

    batches = list(stream.batches(columns))
    if not batches:
        return stream.empty(columns)
    return pa.Table.from_batches(batches)


rfm_table.__doc__ = streamed_doc(_memory.rfm_table.__doc__, "data", ":class:`rfmkit.RFMState`", _AS_OF)
