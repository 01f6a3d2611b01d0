"""Group columns (``by=``): rows to group codes, and the composite
(group, customer) key that lets the core compute RFM per group in one pass.

The core groups rows by one integer key. For ``rfm_table(by=...)`` that key
is ``group code * span + customer position``, where groups are numbered in
the sorted order of their values and customers in the sorted order of their
ids, so the core's output, sorted by key, is sorted by group and then by id,
and row numbers in its error messages are still those of the input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError, InputTypeError
from .columns import Column, first_true
from .ids import Keys

# Composite keys stay below this, far from int64 overflow.
_KEY_LIMIT = 2**62


def _as_series(col: Column) -> pd.Series:
    if isinstance(col, pd.Series):
        return col.reset_index(drop=True)
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        return pd.Series(col.to_pandas())
    return pd.Series(np.asarray(col))


def python_value(value: Any) -> Any:
    """A NumPy scalar as the Python value (for keys in attrs and messages)."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass
class Groups:
    """The group of every row, numbered 0..n-1 in the sorted order of the values."""

    names: list[str]
    codes: np.ndarray
    """int64 group code per row."""
    uniques: list[Any]
    """Per column, the distinct values (a pandas Index or array) in sorted order."""
    columns: list[np.ndarray]
    """Per column, the position in ``uniques`` of each group's value."""

    @property
    def n(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    @classmethod
    def build(cls, columns: list[Column], names: list[str], n_rows: int | None = None) -> Groups:
        per_column = []
        for col, name in zip(columns, names, strict=True):
            s = _as_series(col)
            if n_rows is not None and len(s) != n_rows:
                raise InputError(
                    f"columns have different lengths: group column {name!r} has {len(s)} "
                    f"rows, the ids have {n_rows}"
                )
            try:
                codes, uniques = pd.factorize(s, sort=True, use_na_sentinel=True)
            except TypeError as exc:
                raise InputTypeError(
                    f"group column {name!r} holds values that cannot be sorted (mixed types?): {exc}"
                ) from None
            if (codes < 0).any():
                row = first_true(codes < 0)
                raise InputError(
                    f"column {name!r} has a missing value ({s.iloc[row]}) at row {row}; "
                    "group values must not be missing",
                    value=s.iloc[row],
                )
            per_column.append((codes.astype(np.int64), uniques))
        uniques = [u for _, u in per_column]
        if len(per_column) == 1:
            codes = per_column[0][0]
            return cls(names, codes, uniques, [np.arange(len(uniques[0]), dtype=np.int64)])
        shape = tuple(max(len(u), 1) for u in uniques)
        if float(np.prod(shape, dtype=np.float64)) < _KEY_LIMIT:
            flat = np.ravel_multi_index([c for c, _ in per_column], shape)
            used, codes = np.unique(flat, return_inverse=True)
            parts = [p.astype(np.int64) for p in np.unravel_index(used, shape)]
        else:  # too many combinations to number: find the ones used, row by row
            stacked = np.column_stack([c for c, _ in per_column])
            used, codes = np.unique(stacked, axis=0, return_inverse=True)
            parts = [used[:, j].astype(np.int64) for j in range(used.shape[1])]
        return cls(names, np.asarray(codes, dtype=np.int64).reshape(-1), uniques, parts)

    def values(self, group_codes: np.ndarray) -> dict[str, pd.Series]:
        """The group columns for rows whose group codes are ``group_codes``."""
        return {
            name: pd.Series(u.take(part[group_codes]))
            for name, u, part in zip(self.names, self.uniques, self.columns, strict=True)
        }

    def key(self, code: int) -> Any:
        """Group ``code`` as its value, or a tuple of values for several columns."""
        pairs = zip(self.uniques, self.columns, strict=True)
        values = tuple(python_value(u[part[code]]) for u, part in pairs)
        return values[0] if len(values) == 1 else values

    def label(self, code: int) -> str:
        """Group ``code`` for messages: ``channel='web'``."""
        key = self.key(code)
        values = key if len(self.names) > 1 else (key,)
        return ", ".join(f"{n}={v!r}" for n, v in zip(self.names, values, strict=True))

    def rows(self) -> list[np.ndarray]:
        """The rows of each group (in input order), group by group."""
        order = np.argsort(self.codes, kind="stable")
        bounds = np.searchsorted(self.codes[order], np.arange(self.n + 1))
        return [order[bounds[g] : bounds[g + 1]] for g in range(self.n)]


@dataclass
class GroupKeys:
    """The composite (group, customer) key of ``rfm_table(by=...)``."""

    groups: Groups
    keys: Keys
    span: int
    decode: Callable[[np.ndarray], Any]

    @classmethod
    def build(cls, columns: list[Column], names: list[str], ids: Keys, id_name: str) -> GroupKeys:
        kind, values = ids.arg[0], ids.arg[1]
        n_rows = len(values) - 1 if kind == "str" else len(values)
        groups = Groups.build(columns, names, n_rows)
        n_groups = max(groups.n, 1)
        if kind in ("i64", "u64"):
            positions, span, decode = _integer_positions(ids, n_groups)
        else:
            positions, span, decode = _string_positions(ids, id_name)
        composite = groups.codes * np.int64(span) + positions
        return cls(groups, Keys(("i64", composite), lambda out: out[1]), span, decode)

    def split(self, composite: np.ndarray) -> tuple[dict[str, pd.Series], Any]:
        """The group columns and the ids of the core's sorted keys."""
        group_codes, positions = np.divmod(composite, np.int64(self.span))
        return self.groups.values(group_codes), self.decode(positions)

    def describe(self, key_text: str | None) -> str:
        """A composite key, as the core prints it, in words."""
        try:
            code, position = divmod(int(str(key_text)), self.span)
        except ValueError:
            return str(key_text)
        ids = self.decode(np.array([position], dtype=np.int64))
        return f"customer {python_value(ids[0])!r} in {self.groups.label(code)}"


def _integer_positions(ids: Keys, n_groups: int) -> tuple[np.ndarray, int, Callable]:
    kind, values = ids.arg[0], ids.arg[1]
    dtype = values.dtype
    if len(values) == 0:
        return np.zeros(0, np.int64), 1, lambda p: ids.finish((kind, p.astype(dtype)))
    lo, hi = int(values.min()), int(values.max())
    span = hi - lo + 1
    if span * n_groups < _KEY_LIMIT:  # offsets from the smallest id: no sort needed
        base = dtype.type(lo)
        positions = (values - base).astype(np.int64)
        return positions, span, lambda p: ids.finish((kind, p.astype(dtype) + base))
    distinct, positions = np.unique(values, return_inverse=True)
    return (
        np.asarray(positions, np.int64).reshape(-1),
        max(len(distinct), 1),
        lambda p: ids.finish((kind, distinct[p])),
    )


def _string_positions(ids: Keys, id_name: str) -> tuple[np.ndarray, int, Callable]:
    if ids.arg[0] == "str":
        offsets, data = ids.arg[1], ids.arg[2]
        kind = pa.LargeStringArray if offsets.dtype == np.int64 else pa.StringArray
        arr = kind.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data))
    else:  # "obj": an object array of str, possibly with missing values
        values = ids.arg[1]
        missing = pd.isna(values)
        if missing.any():
            row = first_true(missing)
            raise InputError(
                f"column {id_name!r} has a missing value ({values[row]}) at row {row}", value=values[row]
            )
        arr = pa.array(values, type=pa.large_string())
    encoded = pc.dictionary_encode(arr)
    dictionary = encoded.dictionary
    # Sorted by UTF-8 bytes, as the core sorts ids.
    order = np.asarray(pc.array_sort_indices(dictionary.cast(pa.large_binary())), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    positions = rank[encoded.indices.to_numpy(zero_copy_only=False)]
    ordered = dictionary.take(pa.array(order))
    return positions, max(len(order), 1), lambda p: ordered.take(pa.array(p)).cast(pa.large_string())
