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
from ..io.histories import SNAPSHOT, history_groups, row_days, snapshot_slice
from ..io.output import follows_input, output_kind, to_output
from .common import GONE, NEW, names_of, ratio, require, segment_input, segments_of, unique_keys

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
        segmented (see :mod:`rfmkit.io.histories` for how a history is told
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
    >>> tx = pd.DataFrame({"customer_id": [7], "date": pd.to_datetime(["2024-01-01"]), "amount": [5.0]})
    >>> history = rfmkit.rfm_history(tx, snapshots=["2024-01-31", "2024-02-29"])
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
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(2_000, 300, seed=1)
    >>> history = rfmkit.rfm_history(tx, snapshots="M", start="2024-10-01")
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
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(2_000, 300, seed=1)
    >>> history = rfmkit.rfm_history(tx, snapshots=["2024-11-30", "2024-12-31"])
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
    keys = [*groups, "customer_id"]
    require(table, [SNAPSHOT, *keys, "segment"], "segmented_history")
    seg = segments_of(table, "segmented_history")
    unique_keys(table, [SNAPSHOT, *keys], "segmented_history")
    days = row_days(table)
    order, snap = np.unique(days, return_inverse=True)
    snap = snap.reshape(-1)
    first_row = np.unique(snap, return_index=True)[1]
    stamps = table[SNAPSHOT].iloc[first_row].reset_index(drop=True)
    found = Groups.build([table[n] for n in names], names) if names else None
    trans = _transitions(table, keys, seg, snap, len(order), stamps, found)
    sizes = _sizes(seg, snap, stamps, found)
    return MigrationHistory(transitions=to_output(trans, kind), sizes=to_output(sizes, kind))


def _transitions(
    table: pd.DataFrame,
    keys: list[str],
    seg: pd.Categorical,
    snap: np.ndarray,
    n_snapshots: int,
    stamps: pd.Series,
    found: Groups | None,
) -> pd.DataFrame:
    """Every cell of the migration of each consecutive pair of snapshots (and group).

    Each customer key gets a row of segment codes, one per snapshot (``k``
    where the customer is absent), so that a pair's counts are one bincount
    of (before, after) codes: ``"(new)"`` is the row ``k``, ``"(gone)"`` the
    column ``k``, as in :func:`rfmkit.migration`.
    """
    k = len(seg.categories)
    customers = Groups.build([table[c] for c in keys], keys)
    grid = np.full((customers.n, n_snapshots), k, dtype=np.int32)
    grid[customers.codes, snap] = np.asarray(seg.codes, dtype=np.int32)
    n_groups = 1 if found is None else found.n
    group = np.zeros(customers.n, dtype=np.int64)
    if found is not None:
        group[customers.codes] = found.codes
    side = k + 1
    counts = np.zeros((max(n_snapshots - 1, 0), n_groups, side, side), dtype=np.int64)
    for s in range(1, n_snapshots):
        cell = (group * side + grid[:, s - 1]) * side + grid[:, s]
        counts[s - 1] = np.bincount(cell, minlength=n_groups * side * side).reshape(n_groups, side, side)
    counts[:, :, k, k] = 0  # absent from both snapshots: not a customer of this pair
    shares = ratio(counts, counts.sum(axis=3, keepdims=True))
    block = side * side
    n_pairs = counts.shape[0]
    out: dict[str, Any] = {
        SNAPSHOT: stamps.iloc[np.repeat(np.arange(1, n_snapshots), n_groups * block)].to_numpy(),
        "previous_snapshot": stamps.iloc[np.repeat(np.arange(n_snapshots - 1), n_groups * block)].to_numpy(),
    }
    if found is not None:
        out.update(found.values(np.tile(np.repeat(np.arange(n_groups), block), n_pairs)))
    labels = [str(c) for c in seg.categories]
    out["from"] = pd.Categorical.from_codes(
        np.tile(np.repeat(np.arange(side), side), n_pairs * n_groups), categories=[*labels, NEW], ordered=True
    )
    out["to"] = pd.Categorical.from_codes(
        np.tile(np.arange(side), n_pairs * n_groups * side), categories=[*labels, GONE], ordered=True
    )
    out["customers"] = counts.reshape(-1)
    out["share"] = shares.reshape(-1)
    frame = pd.DataFrame(out)
    for col in (SNAPSHOT, "previous_snapshot"):
        frame[col] = frame[col].astype(stamps.dtype)
    return frame


def _sizes(seg: pd.Categorical, snap: np.ndarray, stamps: pd.Series, found: Groups | None) -> pd.DataFrame:
    """Customers per (snapshot, [group,] segment), every segment present."""
    k = len(seg.categories)
    n_snapshots = len(stamps)
    n_groups = 1 if found is None else found.n
    g = np.zeros(len(snap), dtype=np.int64) if found is None else found.codes
    cell = (snap * n_groups + g) * k + np.asarray(seg.codes, dtype=np.int64)
    customers = np.bincount(cell, minlength=n_snapshots * n_groups * k).astype(np.int64)
    block = customers.reshape(-1, k)
    out: dict[str, Any] = {SNAPSHOT: stamps.iloc[np.repeat(np.arange(n_snapshots), n_groups * k)].to_numpy()}
    if found is not None:
        out.update(found.values(np.tile(np.repeat(np.arange(n_groups), k), n_snapshots)))
    out["segment"] = pd.Categorical.from_codes(np.tile(np.arange(k), n_snapshots * n_groups), dtype=seg.dtype)
    out["customers"] = customers
    out["share"] = ratio(block, block.sum(axis=1, keepdims=True)).reshape(-1)
    frame = pd.DataFrame(out)
    frame[SNAPSHOT] = frame[SNAPSHOT].astype(stamps.dtype)
    if found is not None:  # groups absent at a snapshot have no block there
        present = np.repeat(block.sum(axis=1) > 0, k)
        frame = frame.loc[present].reset_index(drop=True)
    return frame
