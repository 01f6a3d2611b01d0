"""Campaign results per segment: response and conversion rates, and with a
control group the lift and a two-proportion z-test."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .._typing import OutputLike, TableLike
from ..errors import InputError
from ..io.frames import as_pandas
from ..io.groups import python_value
from ..io.output import follows_input
from .common import ALL, ratio, require, segment_input, segments_of, unique_keys

__all__ = ["campaign_report", "two_proportion_p_value"]


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
        rate / control rate - 1) and ``p_value`` (two-sided, pooled
        two-proportion z-test). Rates, lifts and p-values that divide by
        zero are NaN.

    Raises
    ------
    InputError
        Missing columns, duplicate ids, ids not in ``segmented`` (the first
        is named), missing or non-boolean flags (column, value and row).

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
        out["p_value"] = np.array([two_proportion_p_value(*v) for v in zip(x1, n1, x0, n0, strict=True)])
    return pd.DataFrame(out)
