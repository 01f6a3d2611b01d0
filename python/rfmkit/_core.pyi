"""Type stubs of the compiled core (``rfmkit._core``). Internal: use the
functions of :mod:`rfmkit`, which prepare these arguments."""

from typing import Any, Literal, TypedDict, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "CompiledScheme",
    "CutPoints",
    "RawRfmState",
    "RawSummaryState",
    "__version__",
    "rfm_columns",
    "history_columns",
    "label_columns",
    "score_fit",
    "score_ntile",
    "period_summary",
    "split_summary",
]

__version__: str

# The helper types below exist only in this stub (the extension defines no such
# classes), so they are private names: stubtest skips them.

# ("i64", int64 array) | ("u64", uint64 array) | ("str", int32 or int64 offsets, uint8 data)
# | ("obj", object array of str)
_KeyArg = tuple[str, npt.NDArray] | tuple[str, npt.NDArray, npt.NDArray[np.uint8]]
# A group column: a key column, or ("f64", float64 array)
_GroupArg = _KeyArg

class _RawTable(TypedDict):
    customer_id: _KeyArg
    recency: npt.NDArray[np.int64]
    frequency: npt.NDArray[np.int64]
    monetary: npt.NDArray[np.float64]
    first_purchase: npt.NDArray[np.int64]
    last_purchase: npt.NDArray[np.int64]
    as_of_day: int | None
    without_purchase: int
    first_without_purchase: str | None
    # With groups: (each row's group, [each group column's sorted values], the
    # group of the first customer left out, or None); None without groups.
    groups: tuple[npt.NDArray[np.uint32], list[_GroupArg], int | None] | None

def rfm_columns(
    *,
    ids: _KeyArg,
    ts: npt.NDArray[np.int64],
    ticks_per_day: int,
    days: npt.NDArray[np.int32] | None,
    amounts: npt.NDArray[np.float64] | npt.NDArray[np.int64],
    orders: _KeyArg | None,
    as_of_day: int | None,
    frequency: str,
    returns: str,
    names: tuple[str, str, str, str],
    window_days: int | None = None,
    window_months: int | None = None,
    groups: list[_GroupArg] | None = None,
    by: list[str] = ...,
) -> _RawTable:
    """Groups transactions by customer with the interpreter released.

    ``ts`` are int64 ticks, ``ticks_per_day`` of them to a day; ``days``, for
    tz-aware data, is the local calendar day of each row. Raises
    ``rfmkit.errors.InputError`` / ``InputTypeError``.
    """

class _RawHistory(TypedDict):
    customer_id: _KeyArg
    snapshot_rows: npt.NDArray[np.uint64]
    customer: npt.NDArray[np.uint32]
    recency: npt.NDArray[np.int64]
    frequency: npt.NDArray[np.int64]
    monetary: npt.NDArray[np.float64]
    first_purchase: npt.NDArray[np.int64]
    last_purchase: npt.NDArray[np.int64]
    without_purchase: int
    first_without_purchase: tuple[int, str] | None

def history_columns(
    *,
    ids: _KeyArg,
    ts: npt.NDArray[np.int64],
    ticks_per_day: int,
    days: npt.NDArray[np.int32] | None,
    amounts: npt.NDArray[np.float64] | npt.NDArray[np.int64],
    orders: _KeyArg | None,
    snapshot_days: npt.NDArray[np.int64],
    frequency: str,
    returns: str,
    names: tuple[str, str, str, str],
    window_days: int | None = None,
    window_months: int | None = None,
) -> _RawHistory:
    """The RFM table at every snapshot day (strictly increasing days since
    1970-01-01), in one pass, with the interpreter released: the distinct
    sorted keys, the rows of each snapshot, and per row the key's position
    (``customer``) and its columns. Raises ``rfmkit.errors.InputError`` /
    ``InputTypeError``.
    """

def label_columns(
    *,
    ids: _KeyArg,
    ts: npt.NDArray[np.int64],
    ticks_per_day: int,
    days: npt.NDArray[np.int32] | None,
    amounts: npt.NDArray[np.float64] | npt.NDArray[np.int64],
    snapshot_days: npt.NDArray[np.int64],
    returns: str,
    names: tuple[str, str, str, str],
    horizon_days: int | None = None,
    horizon_months: int | None = None,
) -> _RawHistory:
    """The purchases (``frequency``: rows, ``monetary``: exact sum) in the
    horizon after every snapshot day, for each customer who had bought by it;
    ``recency`` and the dates are empty. Raises ``rfmkit.errors.InputError``.
    """

@final
class CutPoints:
    """The validated cut points of one dimension (immutable; pickles as its JSON)."""

    @staticmethod
    def from_json(text: str, dim: str) -> CutPoints:
        """Cut points saved by ``to_json``, validated (``dim`` names them in errors)."""
    def to_json(self) -> str:
        """The cut points as JSON: method, cuts, levels, direction, inclusive."""
    def apply(self, values: npt.NDArray[np.float64], dim: str) -> npt.NDArray[np.uint8]:
        """The score of every value (``dim`` names the column in errors)."""
    def unused(self) -> list[int]:
        """The scores no value can get (coinciding cut points), ascending."""
    @property
    def method(self) -> str: ...
    @property
    def cuts(self) -> list[float]: ...
    @property
    def levels(self) -> int: ...
    @property
    def direction(self) -> Literal["ascending", "descending"]: ...
    @property
    def inclusive(self) -> bool: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, tuple[str, str]]: ...

def score_fit(
    values: npt.NDArray[np.float64],
    method: Literal["quantile", "threshold", "mean", "median"],
    levels: int,
    descending: bool,
    thresholds: list[float] | None,
    dim: str,
) -> CutPoints:
    """Learns the cut points of one dimension."""

def score_ntile(
    values: npt.NDArray[np.float64], levels: int, descending: bool, dim: str
) -> npt.NDArray[np.uint8]:
    """SQL ntile scores of values in customer-id order."""

@final
class CompiledScheme:
    """A validated segment scheme and the winner of every cell of its score cube
    (immutable; pickles as its JSON)."""

    @staticmethod
    def from_json(text: str) -> CompiledScheme:
        """Validates a scheme given as JSON and compiles it."""
    def to_json(self) -> str:
        """The scheme normalised, as JSON."""
    def assign(
        self,
        r: npt.NDArray[np.uint8],
        f: npt.NDArray[np.uint8],
        m: npt.NDArray[np.uint8],
        levels: tuple[int, int, int] | list[int],
    ) -> npt.NDArray[np.uint16]:
        """The winning rule of every customer (len(rules) for the fallback)."""
    def cube(self) -> list[int]:
        """The winning rule of every cell of the score cube (len(rules): the fallback)."""
    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...

class _RawSummary(TypedDict):
    customer_id: _KeyArg
    first: npt.NDArray[np.int64]
    last: npt.NDArray[np.int64]
    periods: npt.NDArray[np.int64]
    rows: npt.NDArray[np.int64]
    first_sum: npt.NDArray[np.float64]
    rest_sum: npt.NDArray[np.float64]
    total_sum: npt.NDArray[np.float64]
    end_period: int | None

def period_summary(
    *,
    ids: _KeyArg,
    ts: npt.NDArray[np.int64],
    ticks_per_day: int,
    amounts: npt.NDArray[np.float64] | npt.NDArray[np.int64] | None,
    unit: Literal["D", "W", "M", "h", "H"],
    after: int | None,
    until: int | None,
    end_period: int | None,
    names: tuple[str, str, str],
) -> _RawSummary:
    """Per customer: first and last period ordinal, distinct periods, rows, and
    the exact sums of the amounts in the first period, the others and all.
    Rows count when after < ts <= until and their period is at most end_period."""

class _RawSplit(TypedDict):
    train: _RawSummary
    test: _RawSummary  # aligned with train's customers
    test_customers: int

def split_summary(
    *,
    ids: _KeyArg,
    ts: npt.NDArray[np.int64],
    ticks_per_day: int,
    amounts: npt.NDArray[np.float64] | npt.NDArray[np.int64] | None,
    unit: str,  # "D", "W", "M", "h" or "H"
    train_until: int,
    train_end_period: int,
    test_until: int,
    names: tuple[str, str, str],
) -> _RawSplit:
    """The training window (ts <= train_until, periods up to train_end_period)
    and the test window (train_until < ts <= test_until) in one pass: the
    training customers' summaries, the test columns of the same customers in
    the same order, and how many customers have a test row."""

@final
class RawRfmState:
    """The per-customer state of a streamed rfm_table (see rfmkit.RFMState)."""

    def __new__(
        cls,
        *,
        as_of_day: int | None,
        frequency: str,
        returns: str,
        window_days: int | None = None,
        window_months: int | None = None,
        by: int = 0,
    ) -> RawRfmState: ...
    def update(
        self,
        *,
        ids: _KeyArg,
        ts: npt.NDArray[np.int64],
        ticks_per_day: int,
        days: npt.NDArray[np.int32] | None,
        amounts: npt.NDArray[np.float64] | npt.NDArray[np.int64],
        orders: _KeyArg | None,
        names: tuple[str, str, str, str],
        groups: list[_GroupArg] | None = None,
        by: list[str] = ...,
    ) -> None: ...
    def merge(self, other: RawRfmState) -> RawRfmState: ...
    def absorb(self, other: RawRfmState) -> None: ...
    def copy(self) -> RawRfmState: ...
    def finish(self, names: tuple[str, str, str, str]) -> _RawTable: ...
    @property
    def rows(self) -> int: ...
    def export(self) -> dict[str, Any]: ...
    @staticmethod
    def load(
        parts: dict[str, Any],
        *,
        as_of_day: int | None,
        frequency: str,
        returns: str,
        window_days: int | None = None,
        window_months: int | None = None,
    ) -> RawRfmState: ...
    def __len__(self) -> int: ...

@final
class RawSummaryState:
    """The per-customer state of a streamed rfm_summary (see rfmkit.SummaryState)."""

    def __new__(cls, *, unit: str, end_period: int | None) -> RawSummaryState: ...
    def update(
        self,
        *,
        ids: _KeyArg,
        ts: npt.NDArray[np.int64],
        ticks_per_day: int,
        amounts: npt.NDArray[np.float64] | npt.NDArray[np.int64] | None,
        names: tuple[str, str, str],
    ) -> None: ...
    def merge(self, other: RawSummaryState) -> RawSummaryState: ...
    def absorb(self, other: RawSummaryState) -> None: ...
    def copy(self) -> RawSummaryState: ...
    def finish(self, names: tuple[str, str, str]) -> _RawSummary: ...
    @property
    def rows(self) -> int: ...
    def export(self) -> dict[str, Any]: ...
    @staticmethod
    def load(parts: dict[str, Any], *, unit: str, end_period: int | None) -> RawSummaryState: ...
    def __len__(self) -> int: ...
