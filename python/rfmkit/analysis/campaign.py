"""Campaign results per segment: response and conversion rates, and with a
control group the lift, its confidence interval and a test (the pooled
z-test where every expected count is at least 5, Fisher's exact test
otherwise); :func:`format_campaign` shows a report with formatted numbers."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from .._typing import OutputLike, TableLike
from ..errors import InputError, RFMWarning
from ..io.frames import as_pandas
from ..io.groups import python_value
from ..io.output import follows_input
from .common import ALL, ratio, require, segment_input, segments_of, unique_keys
from .stats import fisher_p_values, newcombe_interval, pooled_z_p_values, z_test_is_valid

__all__ = ["MIN_ARM", "campaign_report", "format_campaign", "two_proportion_p_value"]

# Below this many customers in an arm a cell is "too small to say anything": the Wilson
# interval of a rate measured on 9 customers is 40 to 55 points wide for rates of 10% to 50%,
# so the interval of the difference is wider still and no test finds a plausible lift.
MIN_ARM = 10


def _flags(responses: pd.DataFrame, name: str) -> np.ndarray:
    """A boolean / 0-1 column as a bool array; anything else is an error."""
    if name not in responses.columns:
        raise InputError(f"responses has no column {name!r}; columns are {list(responses.columns)}")
    col = responses[name]
    missing = col.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise InputError(f"column {name!r} has a missing value at row {row}; flags must be True/False")
    values = col.to_numpy(dtype=object)
    ok = np.array(
        [
            isinstance(v, (bool, np.bool_))
            or (isinstance(v, (int, float, np.integer, np.floating)) and v in (0, 1))
            for v in values
        ],
        dtype=bool,
    )
    if not ok.all():
        row = int(np.flatnonzero(~ok)[0])
        raise InputError(
            f"column {name!r} has an invalid value {values[row]!r} at row {row}; "
            "flags must be booleans or 0/1"
        )
    return values.astype(bool)


def two_proportion_p_value(x1: float, n1: float, x2: float, n2: float) -> float:
    """Two-sided p-value of the pooled two-proportion z-test (NaN when undefined)."""
    if n1 <= 0 or n2 <= 0:
        return math.nan
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return math.nan
    z = (x1 / n1 - x2 / n2) / se
    return math.erfc(abs(z) / math.sqrt(2))


def _notes(x1: np.ndarray, n1: np.ndarray, x0: np.ndarray, n0: np.ndarray) -> list[str]:
    """Why a row's comparison says little, or ""."""
    notes = []
    for a, m, b, k in zip(x1.tolist(), n1.tolist(), x0.tolist(), n0.tolist(), strict=True):
        if m == 0 and k == 0:
            notes.append("no customers")
        elif m == 0 or k == 0:
            notes.append("no treated customers" if m == 0 else "no control group")
        elif min(m, k) < MIN_ARM:
            notes.append(f"too small: {m} treated, {k} control, fewer than {MIN_ARM} in an arm")
        elif a + b == 0:
            notes.append("no responders in either arm")
        elif a + b == m + k:
            notes.append("everyone responded")
        else:
            notes.append("")
    return notes


def _ab_test(
    segments: list[str], x1: np.ndarray, n1: np.ndarray, x0: np.ndarray, n0: np.ndarray
) -> dict[str, Any]:
    """The columns of the A/B comparison, and the warning for the cells too small."""
    low, high = newcombe_interval(x1, n1, x0, n0)
    use_z = z_test_is_valid(x1, n1, x0, n0)
    both = (n1 > 0) & (n0 > 0)
    p = pooled_z_p_values(x1, n1, x0, n0)
    exact = both & ~use_z
    if exact.any():
        p[exact] = fisher_p_values(x1[exact], n1[exact], x0[exact], n0[exact])
    notes = _notes(x1, n1, x0, n0)
    small = [
        f"{name!r} ({note})"
        for name, note in zip(segments, notes, strict=True)
        if note not in ("", "no customers")
    ]
    if small:
        warnings.warn(
            f"campaign_report: too little data to compare treated and control in {len(small)} "
            f"row(s): {', '.join(small)}; their intervals are wide and their p-values say little",
            RFMWarning,
            stacklevel=3,
        )
    return {
        "difference": ratio(x1, n1) - ratio(x0, n0),
        "difference_low": low,
        "difference_high": high,
        "test": np.where(use_z, "z", np.where(both, "fisher", "")).astype(object),
        "p_value": p,
        "note": np.array(notes, dtype=object),
    }


@follows_input("segmented", "responses")
def campaign_report(
    segmented: TableLike,
    responses: TableLike,
    *,
    customer_id: str = "customer_id",
    contacted: str | None = "contacted",
    responded: str = "responded",
    converted: str | None = None,
    treatment: str | None = None,
    output: OutputLike | None = None,
) -> TableLike:
    """Response (and conversion, and A/B lift) of a campaign, per segment.

    Parameters
    ----------
    segmented : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        The output of :func:`rfmkit.segment`, one row per customer (select
        one group of a grouped table first).
    responses : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        One row per customer of the campaign: the id column and boolean
        (or 0/1) flags. Customers of ``segmented`` without a row here were
        not in the campaign.
    customer_id : str
        The id column of ``responses`` (``segmented`` has ``customer_id``).
    contacted : str or None
        Who was contacted; ``None``: every row of ``responses`` was.
    responded, converted : str
        Who responded, who converted (optional).
    treatment : str, optional
        A boolean column for an A/B test: True = got the campaign, False =
        control group. Rates then come from ``responded`` in each arm.
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's (polars in, polars out, else pandas).

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        One row per segment in the scheme's order, then ``"All"``:
        ``segment``, ``contacted``, ``responders`` (contacted and responded),
        ``response_rate`` (responders / contacted); with ``converted``,
        ``conversions`` (contacted and converted) and ``conversion_rate``
        (conversions / contacted); with ``treatment``, ``treated``,
        ``treated_rate``, ``control``, ``control_rate``, ``lift`` (treated
        rate / control rate - 1), ``difference`` (treated rate - control
        rate), ``difference_low`` and ``difference_high`` (its 95%
        confidence interval, Newcombe's hybrid score method), ``test``
        (``"z"`` or ``"fisher"``, ``""`` when an arm is empty), ``p_value``
        (two-sided, of that test) and ``note`` (why a row says little, or
        ``""``: ``"no customers"``, ``"no treated customers"``, ``"no
        control group"``, ``"too small: ..."``, ``"no responders in either
        arm"``, ``"everyone responded"``). Rates, lifts, intervals and
        p-values that divide by zero are NaN. :func:`format_campaign` shows
        the report with formatted percentages.

    Warns
    -----
    RFMWarning
        With ``treatment``, naming the rows (segments, or ``"All"``) too
        small to say anything: an arm empty while the other is not, fewer
        than :data:`MIN_ARM` (10) customers in an arm, or nobody (or
        everybody) responded in both arms. Empty segments are not named.

    Raises
    ------
    InputError
        Missing columns, duplicate ids, ids not in ``segmented`` (the first
        is named), missing or non-boolean flags (column, value and row).

    Notes
    -----
    The statistics of the A/B rows, each a 2x2 table (responders and
    non-responders, treated and control); see :mod:`rfmkit.analysis.stats`:

    - The interval of the difference is Newcombe's hybrid score interval
      (method 10 of Newcombe 1998, "Interval estimation for the difference
      between independent proportions: comparison of eleven methods",
      Statistics in Medicine 17, 873-890), built from the Wilson score
      intervals of the two rates. Unlike the Wald interval it keeps close
      to 95% coverage for small arms and for rates near 0 or 1, and is
      defined when an arm has no responders.
    - The test is the pooled two-proportion z-test only where every
      expected count of the table is at least 5; otherwise it is Fisher's
      exact test (two-sided, ``scipy.stats.fisher_exact``), which is
      valid for any cell size. With 1 of 16 treated and 0 of 3 control
      customers responding, the z-test says p = 0.66 and Fisher's test
      p = 1.0. The exact test needs scipy: ``pip install 'rfmkit[stats]'``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, rfmkit
    >>> tx = rfmkit.datasets.make_transactions(5_000, 1_000, seed=1)
    >>> segmented = rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx)), "rf10")
    >>> rng = np.random.default_rng(0)
    >>> responses = pd.DataFrame({"customer_id": segmented["customer_id"], "contacted": True,
    ...                           "responded": rng.random(len(segmented)) < 0.1,
    ...                           "treatment": rng.random(len(segmented)) < 0.5})
    >>> report = rfmkit.campaign_report(segmented, responses, treatment="treatment")
    >>> row = report.set_index("segment").loc["All"]
    >>> int(row["treated"]), int(row["control"]), row["test"]
    (534, 466, 'z')
    >>> [round(float(row[c]), 3) for c in ("difference", "difference_low", "difference_high")]
    [-0.006, -0.042, 0.029]
    >>> rfmkit.analysis.format_campaign(report).loc["All", "difference (95% CI)"]
    '-0.6 pts (-4.2 to +2.9)'
    """
    segmented = segment_input(segmented, "segmented")
    responses = as_pandas(responses, "responses")
    require(segmented, ["customer_id", "segment"], "segmented")
    seg = segments_of(segmented, "segmented")
    unique_keys(segmented, ["customer_id"], "segmented")
    if customer_id not in responses.columns:
        raise InputError(f"responses has no column {customer_id!r}; columns are {list(responses.columns)}")
    unique_keys(responses, [customer_id], "responses")
    position = pd.Index(segmented["customer_id"]).get_indexer(responses[customer_id])
    if (position < 0).any():
        row = int(np.flatnonzero(position < 0)[0])
        who = python_value(responses[customer_id].iloc[row])
        raise InputError(f"responses has customer {who!r} (row {row}) that is not in segmented")
    k = len(seg.categories)
    code = np.asarray(seg.codes, dtype=np.int64)[position]
    was_contacted = np.ones(len(responses), bool) if contacted is None else _flags(responses, contacted)
    did_respond = _flags(responses, responded)

    def per_segment(mask: np.ndarray) -> np.ndarray:
        counts = np.bincount(code[mask], minlength=k).astype(np.int64)
        return np.append(counts, counts.sum())

    n = per_segment(was_contacted)
    out: dict[str, Any] = {
        "segment": pd.Categorical.from_codes(
            np.arange(k + 1), categories=[*map(str, seg.categories), ALL], ordered=True
        ),
        "contacted": n,
        "responders": per_segment(was_contacted & did_respond),
    }
    out["response_rate"] = ratio(out["responders"], n)
    if converted is not None:
        out["conversions"] = per_segment(was_contacted & _flags(responses, converted))
        out["conversion_rate"] = ratio(out["conversions"], n)
    if treatment is not None:
        treated = _flags(responses, treatment)
        n1, x1 = per_segment(treated), per_segment(treated & did_respond)
        n0, x0 = per_segment(~treated), per_segment(~treated & did_respond)
        out.update(treated=n1, treated_rate=ratio(x1, n1), control=n0, control_rate=ratio(x0, n0))
        out["lift"] = ratio(out["treated_rate"], out["control_rate"]) - 1
        out.update(_ab_test([*map(str, seg.categories), ALL], x1, n1, x0, n0))
    return pd.DataFrame(out)


def _percent(values: pd.Series, signed: bool = False) -> list[str]:
    form = "{:+.1f}%" if signed else "{:.1f}%"
    return ["" if math.isnan(v) else form.format(100 * v) for v in values.astype(float)]


def _points(value: float, signed: bool = True) -> str:
    return f"{100 * value:+.1f}" if signed else f"{100 * value:.1f}"


def _difference(row: pd.Series) -> str:
    d, low, high = (float(row[c]) for c in ("difference", "difference_low", "difference_high"))
    if math.isnan(d):
        return ""
    return f"{_points(d)} pts ({_points(low)} to {_points(high)})"


def _p_value(p: float) -> str:
    if math.isnan(p):
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _report_columns(report: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in report.columns]
    if missing:
        raise InputError(
            f"report misses column(s) {missing}; it should be the output of rfmkit.campaign_report"
        )


def format_campaign(report: pd.DataFrame) -> pd.DataFrame:
    """A report of :func:`campaign_report` as text to read: percentages, signed
    differences with their interval, p-values and the name of the test.

    The numbers stay in the report (for ``.loc``, sorting and saving); this
    is the view to show a marketing team, the same in a notebook (as a
    table) and in a terminal. Rates and the lift are percentages with one
    decimal (``"12.5%"``, lift ``"+25.0%"``); the difference of the rates
    is in percentage points with its 95% interval,
    ``"+3.2 pts (-1.0 to +7.5)"``; p-values have three decimals, or
    ``"<0.001"``; the test is ``"z"`` or ``"Fisher"``. Undefined values
    are blank. Only ASCII is used, so any terminal prints it.

    Parameters
    ----------
    report : pandas.DataFrame
        The output of :func:`campaign_report` (pandas, polars or Arrow).

    Returns
    -------
    pandas.DataFrame
        One row per row of the report, indexed by segment, all text.

    Raises
    ------
    InputError
        ``report`` is not a campaign report (it misses a column).

    Examples
    --------
    >>> import pandas as pd, rfmkit
    >>> from rfmkit.analysis import format_campaign
    >>> report = pd.DataFrame({"segment": ["All"], "contacted": [200], "responders": [25],
    ...     "response_rate": [0.125], "treated": [100], "treated_rate": [0.15], "control": [100],
    ...     "control_rate": [0.10], "lift": [0.5], "difference": [0.05], "difference_low": [-0.041],
    ...     "difference_high": [0.141], "test": ["z"], "p_value": [0.2846], "note": [""]})
    >>> shown = format_campaign(report)
    >>> shown.loc["All", ["treated rate", "lift", "difference (95% CI)", "p-value"]].tolist()
    ['15.0%', '+50.0%', '+5.0 pts (-4.1 to +14.1)', '0.285']
    """
    report = as_pandas(report, "report")
    _report_columns(report, ["segment", "contacted", "responders", "response_rate"])
    out = pd.DataFrame(index=pd.Index(report["segment"].astype(str).tolist(), name="segment"))
    out["contacted"] = [f"{int(v):,}" for v in report["contacted"]]
    out["responders"] = [f"{int(v):,}" for v in report["responders"]]
    out["response rate"] = _percent(report["response_rate"])
    if "conversions" in report.columns:
        out["conversions"] = [f"{int(v):,}" for v in report["conversions"]]
        out["conversion rate"] = _percent(report["conversion_rate"])
    if "treated" in report.columns:
        _report_columns(report, ["difference", "difference_low", "difference_high", "test", "p_value"])
        out["treated"] = [f"{int(v):,}" for v in report["treated"]]
        out["treated rate"] = _percent(report["treated_rate"])
        out["control"] = [f"{int(v):,}" for v in report["control"]]
        out["control rate"] = _percent(report["control_rate"])
        out["lift"] = _percent(report["lift"], signed=True)
        out["difference (95% CI)"] = [_difference(row) for _, row in report.iterrows()]
        out["test"] = report["test"].map({"z": "z", "fisher": "Fisher"}).fillna("").tolist()
        out["p-value"] = [_p_value(float(p)) for p in report["p_value"]]
        if "note" in report.columns:
            out["note"] = report["note"].fillna("").astype(str).tolist()
    return out
