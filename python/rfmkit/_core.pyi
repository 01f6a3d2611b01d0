"""Type stubs of the compiled core (``rfmkit._core``). Internal: use the
functions of :mod:`rfmkit`, which prepare these arguments."""

from typing import Any, Literal, TypedDict, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "RawRfmState",
    "RawSummaryState",
    "__version__",
    "rfm_columns",
    "scheme_cube",
    "scheme_validate",
    "score_apply",
    "score_fit",
    "score_ntile",
    "score_unused",
    "period_summary",
    "segment_assign",
]

__version__: str

# The helper types below exist only in this stub (the extension defines no such
# classes), so they are private names: stubtest skips them.

# ("i64", int64 array) | ("u64", uint64 array) | ("str", int32 or int64 offsets, uint8 data)
# | ("obj", object array of str)
_KeyArg = tuple[str, npt.NDArray] | tuple[str, npt.NDArray, npt.NDArray[np.uint8]]

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

def rfm_columns(
    ids: _KeyArg,
    ts: npt.NDArray[np.int64],
    ticks_per_day: int,
    days: npt.NDArray[np.int32] | None,
    amounts: npt.NDArray[np.float64] | npt.NDArray[np.int64],
    orders: _KeyArg | None,
    as_of_day: int | None,
    window: tuple[Literal["days", "months"], int] | None,
    frequency: str,
    returns: str,
    names: tuple[str, str, str, str],
) -> _RawTable:
    """Groups transactions by customer with the interpreter released.

    ``ts`` are int64 ticks, ``ticks_per_day`` of them to a day; ``days``, for
    tz-aware data, is the local calendar day of each row. Raises
    ``rfmkit.errors.InputError`` / ``InputTypeError``.
    """

def score_fit(
    values: npt.NDArray[np.float64],
    method: Literal["quantile", "threshold", "mean", "median"],
    levels: int,
    descending: bool,
    thresholds: list[float] | None,
    dim: str,
) -> str:
    """Learns cut points; returns the edges as JSON."""

def score_apply(values: npt.NDArray[np.float64], edges: str, dim: str) -> npt.NDArray[np.uint8]:
    """Scores values with edges given as JSON (validated)."""

def score_unused(edges: str, dim: str) -> list[int]:
    """The scores that edges given as JSON can never give (validates them)."""

def score_ntile(
    values: npt.NDArray[np.float64], levels: int, descending: bool, dim: str
) -> npt.NDArray[np.uint8]:
    """SQL ntile scores of values in customer-id order."""

def scheme_validate(scheme: str) -> str:
    """Validates a segment scheme given as JSON; returns it normalised."""

def scheme_cube(scheme: str) -> list[int]:
    """The winning rule of every cell of the scheme's score cube (len(rules): fallback)."""

def segment_assign(
    scheme: str,
    r: npt.NDArray[np.uint8],
    f: npt.NDArray[np.uint8],
    m: npt.NDArray[np.uint8],
    levels: tuple[int, int, int] | list[int],
) -> npt.NDArray[np.uint16]:
    """The winning rule of every customer (len(rules) for the fallback)."""

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

@final
class RawRfmState:
    """The per-customer state of a streamed rfm_table (see rfmkit.RFMState)."""

    def __new__(
        cls, *, as_of_day: int | None, window: tuple[str, int] | None, frequency: str, returns: str
    ) -> RawRfmState: ...
    def update(
        self,
        ids: _KeyArg,
        ts: npt.NDArray[np.int64],
        ticks_per_day: int,
        days: npt.NDArray[np.int32] | None,
        amounts: npt.NDArray[np.float64] | npt.NDArray[np.int64],
        orders: _KeyArg | None,
        names: tuple[str, str, str, str],
    ) -> None: ...
    def merge(self, other: RawRfmState) -> RawRfmState: ...
    def absorb(self, other: RawRfmState) -> None: ...
    def copy(self) -> RawRfmState: ...
    def finish(self, names: tuple[str, str, str, str], as_of_day: int | None = None) -> _RawTable: ...
    def day_span(self) -> tuple[int, int] | None: ...
    def export(self) -> dict[str, Any]: ...
    @staticmethod
    def load(
        parts: dict[str, Any],
        *,
        as_of_day: int | None,
        window: tuple[str, int] | None,
        frequency: str,
        returns: str,
    ) -> RawRfmState: ...
    def __len__(self) -> int: ...

@final
class RawSummaryState:
    """The per-customer state of a streamed rfm_summary (see rfmkit.SummaryState)."""

    def __new__(cls, *, unit: str, end_period: int | None) -> RawSummaryState: ...
    def update(
        self,
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
