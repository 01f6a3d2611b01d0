"""pymc-marketing's RFM segments: quartile scores and segments by score codes.

:func:`rfm_segments` is a drop-in for ``pymc_marketing.clv.utils.rfm_segments``
of pymc-marketing 1.3.0, built on :func:`rfmkit.rfm_summary` (the per-customer
summary with ``include_first_transaction=True``). Its rules, pymc-marketing's:

- each of ``recency``, ``frequency`` and ``monetary_value`` is cut into
  quartiles with :func:`pandas.qcut` (``duplicates="drop"``), labelled 1 to 4
  (recency reversed: 4 for the smallest, the most recent). When tied values
  make edges coincide, the labels are retried with 3, then 2 levels; with 2 a
  :class:`UserWarning` says that the score will not exceed 2;
- ``rfm_score`` is the three digits as text ("344");
- ``segment`` is the key of ``segment_config`` whose list holds the score
  (a later key wins a code listed twice), ``"Other"`` for the rest. The
  default is pymc-marketing's five segments, also the built-in scheme
  ``"pymc5"`` (:meth:`rfmkit.Scheme.from_codes` turns such a config into a
  scheme).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .._typing import FrameLike, OutputLike, PeriodEndLike, TableLike
from ..errors import InputError, InputTypeError
from ..io.output import follows_input
from .summary import rfm_summary

__all__ = ["DEFAULT_SEGMENT_CONFIG", "quartile_labels", "rfm_segments"]

DEFAULT_SEGMENT_CONFIG: dict[str, list[str]] = {
    "Premium Customer": ["334", "443", "444", "344", "434", "433", "343", "333"],
    "Repeat Customer": ["244", "234", "232", "332", "143", "233", "243"],
    "Top Spender": [
        "424",
        "414",
        "144",
        "314",
        "324",
        "124",
        "224",
        "423",
        "413",
        "133",
        "323",
        "313",
        "134",
    ],
    "At Risk Customer": ["422", "223", "212", "122", "222", "132", "322", "312", "412", "123", "214"],
    "Inactive Customer": ["411", "111", "113", "114", "112", "211", "311"],
}
"""pymc-marketing 1.3.0's default ``segment_config`` (its ``_default_rfm_segment_config``)."""

_COLUMNS = (("r_quartile", "recency"), ("f_quartile", "frequency"), ("m_quartile", "monetary_value"))


def quartile_labels(column_name: str, max_label_range: int) -> list[int] | range:
    """The quartile labels of one score column, as pymc-marketing makes them.

    Parameters
    ----------
    column_name : str
        ``"r_quartile"`` (labels reversed: a small recency is good),
        ``"f_quartile"`` or ``"m_quartile"``.
    max_label_range : int
        One more than the number of labels.

    Returns
    -------
    list of int or range
        ``[max_label_range - 1, ..., 1]`` for recency, ``range(1,
        max_label_range)`` otherwise (pymc-marketing's types).

    Examples
    --------
    >>> from rfmkit.clv.segments import quartile_labels
    >>> quartile_labels("r_quartile", 5), quartile_labels("f_quartile", 4)
    ([4, 3, 2, 1], range(1, 4))
    """
    if column_name == "r_quartile":
        return list(range(max_label_range - 1, 0, -1))
    return range(1, max_label_range)


def _quartiles(values: pd.Series, score: str) -> pd.Series:
    """``values`` cut into quartile labels as text, with pymc-marketing's retries."""
    for levels in (5, 4, 3):
        labels = quartile_labels(score, levels)
        try:
            cut = pd.qcut(values, q=4, labels=labels, duplicates="drop")
        except ValueError:
            continue
        if levels == 3:
            warnings.warn(
                f"RFM score will not exceed 2 for {score}. Specify a custom segment_config",
                UserWarning,
                stacklevel=3,
            )
        return cut.astype(str)
    edges = sorted(set(values.quantile([0, 0.25, 0.5, 0.75, 1]).tolist()))
    raise InputError(
        f"{values.name}: cannot cut into quartiles, its quartile edges {edges} leave fewer than "
        f"2 bins (of {len(values)} customers, too many tie on {values.iloc[0]!r}); "
        "rfm_segments needs at least two distinct quartile groups in every column"
    )


def _check_config(segment_config: Any) -> dict[str, list]:
    if segment_config is None:
        return DEFAULT_SEGMENT_CONFIG
    if not isinstance(segment_config, Mapping):
        raise InputTypeError(
            "segment_config must be a mapping of segment name -> list of RFM score codes, "
            f"not {type(segment_config).__name__}"
        )
    out = {}
    for name, codes in segment_config.items():
        if isinstance(codes, (str, bytes)) or not hasattr(codes, "__iter__"):
            raise InputTypeError(
                f"segment_config[{name!r}] must be a list of RFM score codes such as "
                f"['333', '344'], not {type(codes).__name__} {codes!r}"
            )
        out[name] = list(codes)
    return out


@follows_input("transactions", date="datetime_col")
def rfm_segments(
    transactions: FrameLike,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str,
    segment_config: dict | None = None,
    observation_period_end: PeriodEndLike | None = None,
    datetime_format: str | None = None,
    time_unit: str = "D",
    time_scaler: float | None = 1,
    sort_transactions: bool | None = True,
    *,
    output: OutputLike | None = None,
) -> TableLike:
    """Quartile RFM scores and segments by score codes, as pymc-marketing does.

    A drop-in for ``pymc_marketing.clv.utils.rfm_segments`` (pymc-marketing
    1.3.0): the same signature, columns, row order, dtypes, scores and
    segments. The rules are in :mod:`rfmkit.clv.segments`.

    Parameters
    ----------
    transactions : pandas.DataFrame, polars.DataFrame, pyarrow.Table or mapping
        One row per transaction.
    customer_id_col, datetime_col, monetary_value_col : str
        Column names (as :func:`rfmkit.rfm_summary` reads them).
    segment_config : dict, optional
        Segment name -> list of score codes (``{"Best": ["444", "443"]}``);
        default pymc-marketing's five segments. Unlisted scores: ``"Other"``.
    observation_period_end, datetime_format, time_unit, time_scaler, sort_transactions
        As in :func:`rfmkit.rfm_summary`.
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's (polars in, polars out, else pandas).

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        ``customer_id``, ``frequency``, ``recency``, ``monetary_value`` (from
        :func:`rfmkit.rfm_summary` with ``include_first_transaction=True``),
        ``rfm_score`` (text such as "344") and ``segment``; one row per
        customer, sorted by id.

    Raises
    ------
    InputError (ValueError)
        What :func:`rfmkit.rfm_summary` refuses, and a column whose values tie
        so much that its quartiles leave fewer than 2 groups.
    InputTypeError (TypeError)
        A ``segment_config`` that is not a mapping of lists.

    Warns
    -----
    UserWarning
        When a column gets only 2 score levels ("RFM score will not exceed 2").

    Examples
    --------
    >>> import pandas as pd, rfmkit
    >>> tx = pd.DataFrame({
    ...     "id": [1, 1, 2, 3, 3, 3, 4, 5, 5, 6, 6, 6, 6],
    ...     "date": ["2024-01-01", "2024-03-01", "2024-01-05", "2024-01-02", "2024-02-10",
    ...              "2024-03-20", "2024-02-01", "2024-01-10", "2024-03-25", "2024-01-03",
    ...              "2024-02-03", "2024-03-03", "2024-03-30"],
    ...     "amount": [10.0, 20.0, 5.0, 30.0, 40.0, 50.0, 8.0, 15.0, 25.0, 60.0, 70.0, 80.0, 90.0]})
    >>> out = rfmkit.rfm_segments(tx, "id", "date", "amount")
    >>> out[["customer_id", "rfm_score", "segment"]]
       customer_id rfm_score            segment
    0            1       222   At Risk Customer
    1            2       111  Inactive Customer
    2            3       344   Premium Customer
    3            4       111  Inactive Customer
    4            5       423        Top Spender
    5            6       444   Premium Customer
    """
    config = _check_config(segment_config)
    rfm_data = rfm_summary(
        transactions,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        monetary_value_col=monetary_value_col,
        observation_period_end=observation_period_end,
        datetime_format=datetime_format,
        time_unit=time_unit,
        time_scaler=time_scaler,
        include_first_transaction=True,
        sort_transactions=sort_transactions,
        output="pandas",
    )
    assert isinstance(rfm_data, pd.DataFrame)
    if rfm_data.empty:
        raise InputError("transactions: there are no transactions to segment")
    scores = [_quartiles(rfm_data[column], score) for score, column in _COLUMNS]
    rfm_data["rfm_score"] = scores[0] + scores[1] + scores[2]
    rfm_data["segment"] = "Other"
    for key in config:
        rfm_data.loc[rfm_data["rfm_score"].isin(config[key]), "segment"] = key
    return rfm_data
