"""Segments over time: migration between every pair of consecutive snapshots
of a segmented history (:func:`rfmkit.rfm_history`, scored and segmented),
the segment sizes per snapshot, and one snapshot of a history as a plain table."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._display import count, html_table, plural
from .._typing import DateLike, OutputLike, TableLike
from ..errors import InputError
from ..io.frames import as_pandas
from ..io.groups import Groups
from ..io.output import follows_input, output_kind, to_output
from ..io.snapshots import SNAPSHOT, history_groups, snapshot_days, snapshot_slice
from .common import GONE, NEW, names_of, ratio, require, segment_input, segments_of
from .migration import migration

__all__ = ["MigrationHistory", "migration_over_time", "snapshot_table"]

_SHOWN = 6  # snapshots shown by the repr of MigrationHistory


def _history(table: Any, what: str) -> tuple[pd.DataFrame, list[str]]:
    groups = history_groups(table)
    if groups is None:
        raise InputError(
            f"{what} is not a history: it needs the layout of rfmkit.rfm_history (a first "
            f"group column 'snapshot' of dates, then customer_id, recency, ...) and, when "
            "attrs are gone, snapshots that are the rows' as-of days (last_purchase + recency)"
        )
    return table, groups


@follows_input("history")
def snapshot_table(history: TableLike, date: DateLike, *, output: OutputLike | None = None) -> TableLike:
    """One snapshot of a history, as the table of ``rfm_table(..., as_of=date)``.

    Parameters
    ----------
    history : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        The output of :func:`rfmkit.rfm_history`, possibly scored and
        segmented (see :mod:`rfmkit.io.snapshots` for how a history is told
        from a plain table when ``attrs`` are gone).
    date : date-like
        One of its snapshot dates (its calendar day counts).
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's (polars in, polars out, else pandas).

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        The rows of that snapshot without the ``snapshot`` column;
        ``attrs["as_of"]`` is the snapshot's day and ``attrs["by"]`` the
        history's other group columns. Every function that takes an
        ``rfm_table`` (scored, segmented) takes it, e.g. :func:`rfmkit.churn_alerts`.

    Raises
    ------
    InputError
        Not a history, or a date that is not one of its snapshots.

    Examples
    --------
    >>> import pandas as pd, rfmkit
    >>> history = pd.DataFrame({"snapshot": pd.to_datetime(["2024-01-31", "2024-02-29"]),
    ...                         "customer_id": [7, 7], "recency": [30, 59],
    ...                         "frequency": [1, 1], "monetary": [5.0, 5.0],
    ...                         "first_purchase": pd.to_datetime(["2024-01-01"] * 2),
    ...                         "last_purchase": pd.to_datetime(["2024-01-01"] * 2)})
    >>> feb = rfmkit.snapshot_table(history, "2024-02-29")
    >>> feb[["customer_id", "recency"]].to_dict("records"), feb.attrs["as_of"]
    ([{'customer_id': 7, 'recency': 59}], '2024-02-29')
    """
    table, groups = _history(as_pandas(history, "history"), "history")
    return snapshot_slice(table, groups, date, "date")


@dataclass(frozen=True, eq=False)
class MigrationHistory:
    """Where the customers of every segment went, snapshot after snapshot.

    The result of :func:`rfmkit.migration_over_time`. Both frames are of the
    kind of the input (polars in, polars out) or of ``output=``.

    Examples
    --------
    >>> import pandas as pd, rfmkit
    >>> tx = rfmkit.datasets.make_transactions(2_000, 300, seed=1)
    >>> dates = ["2024-10-31", "2024-11-30", "2024-12-31"]
    >>> history = pd.concat({pd.Timestamp(d): rfmkit.rfm_table(tx, as_of=d) for d in dates},
    ...                     names=["snapshot"]).reset_index(0).reset_index(drop=True)
    >>> moves = rfmkit.migration_over_time(rfmkit.segment(rfmkit.score(history), "rf10"))
    >>> moves.transitions["previous_snapshot"].nunique(), moves.sizes["snapshot"].nunique()
    (2, 3)
    """

    transitions: TableLike
    """One row per (snapshot, [group,] from, to) cell, every cell of the
    scheme present (zeros included): ``snapshot`` (the later one),
    ``previous_snapshot``, the group columns, ``from`` (a segment or
    ``"(new)"``), ``to`` (a segment or ``"(gone)"``), ``customers`` (int64)
    and ``share`` (of the ``from`` segment's customers at the previous
    snapshot; NaN for an empty segment). Equal, snapshot pair by pair, to
    ``rfmkit.migration(before, after).counts`` and ``.shares``."""
    sizes: TableLike
    """One row per (snapshot, [group,] segment), every segment present:
    ``customers`` (int64) and ``share`` (of the snapshot's customers)."""

    def _pandas(self, name: str) -> pd.DataFrame:
        return as_pandas(getattr(self, name), name)

    def _grid(self) -> pd.DataFrame:
        sizes = self._pandas("sizes")
        grid = sizes.pivot_table(
            index="segment", columns=SNAPSHOT, values="customers", aggfunc="sum", observed=False, sort=False
        )
        grid.columns = [str(pd.Timestamp(c).date()) for c in grid.columns]
        return grid.iloc[:, -_SHOWN:].astype(np.int64)

    def _headline(self) -> str:
        sizes = self._pandas("sizes")
        days = sorted({pd.Timestamp(d).date() for d in sizes[SNAPSHOT]})
        span = f" ({days[0]} to {days[-1]})" if days else ""
        shown = "" if len(days) <= _SHOWN else f"; the last {_SHOWN} shown"
        return f"Segment sizes over {plural(len(days), 'snapshot')}{span}{shown}"

    def __repr__(self) -> str:
        return f"{self._headline()}\n{self._grid().to_string()}"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        grid = self._grid()
        rows = [[str(label), *grid.loc[label].tolist()] for label in grid.index]
        header = ["segment", *grid.columns]
        table = html_table(
            header,
            rows,
            numeric=[False] + [True] * grid.shape[1],
            formats=[None] + [count] * grid.shape[1],
            row_header=True,
        )
        return f"<p>{html.escape(self._headline())}; cells: customers</p>{table}"


def migration_over_time(
    segmented_history: TableLike,
    *,
    by: str | Sequence[str] | None = None,
    output: OutputLike | None = None,
) -> MigrationHistory:
    """Migration between segments from each snapshot of a history to the next.

    Parameters
    ----------
    segmented_history : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        The output of :func:`rfmkit.rfm_history`, scored and segmented
        (``rfmkit.segment(rfmkit.score(history))``, or scored with fixed cut
        points by :meth:`rfmkit.RFMScorer.score_table`).
    by : str or list of str, optional
        Group columns of the history (its ``by=``) to count the moves
        within: one block of transitions and sizes per group. By default
        the moves are counted over all groups, customers matched on the
        group columns and ``customer_id``, as :func:`rfmkit.migration` does.
    output : {None, "pandas", "polars", "arrow"}
        The kind of ``transitions`` and ``sizes``; by default the input's.

    Returns
    -------
    MigrationHistory
        ``transitions`` (long form, one row per cell of each consecutive
        pair of snapshots) and ``sizes`` (customers per segment and
        snapshot). Shows as a table of sizes in notebooks.

    Notes
    -----
    The rule of :func:`rfmkit.migration` applies to each pair: customers
    seen only at the later snapshot (their first purchase came in between)
    are counted in the ``"(new)"`` row, customers seen only at the earlier
    one in the ``"(gone)"`` column (a history keeps every customer once
    seen, so that column is empty unless rows were filtered). Customers in
    neither are in no row. The first snapshot has no transitions.

    Raises
    ------
    InputError
        Not a history, a ``by`` column that is not one of its group columns,
        missing columns, a customer twice in a snapshot.

    Examples
    --------
    >>> import pandas as pd, rfmkit
    >>> tx = rfmkit.datasets.make_transactions(2_000, 300, seed=1)
    >>> dates = ["2024-11-30", "2024-12-31"]
    >>> history = pd.concat({pd.Timestamp(d): rfmkit.rfm_table(tx, as_of=d) for d in dates},
    ...                     names=["snapshot"]).reset_index(0).reset_index(drop=True)
    >>> t = rfmkit.migration_over_time(rfmkit.segment(rfmkit.score(history), "rf10")).transitions
    >>> int(t["customers"].sum()) == len(rfmkit.rfm_table(tx, as_of="2024-12-31"))
    True
    >>> champions = t[t["from"] == "Champions"]
    >>> round(float(champions["share"].sum()), 9)
    1.0
    """
    kind = output_kind(segmented_history, output)
    table, groups = _history(segment_input(segmented_history, "segmented_history"), "segmented_history")
    names = names_of(by)
    unknown = [n for n in names if n not in groups]
    if unknown:
        raise InputError(
            f"by column {unknown[0]!r} is not a group column of the history (its group columns "
            f"after 'snapshot' are {groups})"
        )
    require(table, [SNAPSHOT, *groups, "customer_id", "segment"], "segmented_history")
    labels = segments_of(table, "segmented_history").categories
    days = snapshot_days(table)
    order = np.unique(days)
    stamp = {d: table[SNAPSHOT].iloc[int(np.argmax(days == d))] for d in order}
    parts = {d: snapshot_slice(table, groups, d, "snapshot") for d in order}
    blocks = _blocks(table, names)
    transitions = []
    for prev, cur in zip(order[:-1], order[1:], strict=True):
        for key, select in blocks:
            before, after = select(parts[prev]), select(parts[cur])
            moves = migration(before, after, output="pandas")
            transitions.append(_long(moves, stamp[cur], stamp[prev], key))
    dtype = table[SNAPSHOT].dtype
    if transitions:
        trans = pd.concat(transitions, ignore_index=True)
        trans[SNAPSHOT] = trans[SNAPSHOT].astype(dtype)
        trans["previous_snapshot"] = trans["previous_snapshot"].astype(dtype)
    else:
        trans = _no_moves(labels, names, dtype)
    sizes = _sizes(table, days, order, stamp, names)
    return MigrationHistory(transitions=to_output(trans, kind), sizes=to_output(sizes, kind))


def _blocks(table: pd.DataFrame, names: list[str]) -> list[tuple[dict[str, Any], Any]]:
    """(group values, a function selecting that group's rows of a snapshot) per group."""
    if not names:
        return [({}, lambda part: part)]
    found = Groups.build([table[n] for n in names], names)
    out = []
    for code in range(found.n):
        key = found.key(code)
        values = dict(zip(names, key if len(names) > 1 else (key,), strict=True))

        def select(part: pd.DataFrame, values: dict[str, Any] = values) -> pd.DataFrame:
            rows = np.ones(len(part), dtype=bool)
            for n, v in values.items():
                rows &= (part[n] == v).to_numpy(dtype=bool)
            sub = part.loc[rows].reset_index(drop=True)
            sub.attrs = part.attrs
            return sub

        out.append(({n: [v] for n, v in values.items()}, select))
    return out


def _long(moves: Any, cur: Any, prev: Any, key: dict[str, list]) -> pd.DataFrame:
    """The cells of one migration in long form."""
    rows, cols = moves.counts.index, moves.counts.columns
    counts, shares = moves.counts.to_numpy(), moves.shares.to_numpy()
    n = counts.size
    out: dict[str, Any] = {SNAPSHOT: [cur] * n, "previous_snapshot": [prev] * n}
    out.update({name: list(v) * n for name, v in key.items()})
    out["from"] = pd.Categorical.from_codes(
        np.repeat(np.arange(len(rows)), len(cols)), categories=list(rows), ordered=True
    )
    out["to"] = pd.Categorical.from_codes(
        np.tile(np.arange(len(cols)), len(rows)), categories=list(cols), ordered=True
    )
    out["customers"] = counts.reshape(-1).astype(np.int64)
    out["share"] = shares.reshape(-1).astype(np.float64)
    return pd.DataFrame(out)


def _no_moves(labels: Any, names: list[str], dtype: Any) -> pd.DataFrame:
    """The transitions of a history of one snapshot: none, with the columns."""
    empty = pd.Series([], dtype=dtype)
    out: dict[str, Any] = {SNAPSHOT: empty, "previous_snapshot": empty}
    out.update({n: pd.Series([], dtype=object) for n in names})
    out["from"] = pd.Categorical([], categories=[*map(str, labels), NEW], ordered=True)
    out["to"] = pd.Categorical([], categories=[*map(str, labels), GONE], ordered=True)
    out["customers"] = np.zeros(0, np.int64)
    out["share"] = np.zeros(0)
    return pd.DataFrame(out)


def _sizes(
    table: pd.DataFrame, days: np.ndarray, order: np.ndarray, stamp: dict, names: list[str]
) -> pd.DataFrame:
    """Customers per (snapshot, [group,] segment), every segment present."""
    seg = segments_of(table, "segmented_history")
    k = len(seg.categories)
    snap = np.searchsorted(order, days)
    if names:
        found = Groups.build([table[n] for n in names], names)
        g, n_groups = found.codes, found.n
    else:
        g, n_groups = np.zeros(len(table), dtype=np.int64), 1
    cell = (snap * n_groups + g) * k + np.asarray(seg.codes, dtype=np.int64)
    customers = np.bincount(cell, minlength=len(order) * n_groups * k).astype(np.int64)
    block = customers.reshape(-1, k)
    out: dict[str, Any] = {
        SNAPSHOT: np.repeat([stamp[d] for d in order], n_groups * k),
    }
    if names:
        out.update(found.values(np.tile(np.repeat(np.arange(n_groups), k), len(order))))
    out["segment"] = pd.Categorical.from_codes(np.tile(np.arange(k), len(order) * n_groups), dtype=seg.dtype)
    out["customers"] = customers
    out["share"] = ratio(block, block.sum(axis=1, keepdims=True)).reshape(-1)
    frame = pd.DataFrame(out)
    frame[SNAPSHOT] = frame[SNAPSHOT].astype(table[SNAPSHOT].dtype)
    if names:  # groups absent at a snapshot have no block there
        present = pd.Series(block.sum(axis=1) > 0).repeat(k).to_numpy()
        frame = frame.loc[present].reset_index(drop=True)
    return frame
