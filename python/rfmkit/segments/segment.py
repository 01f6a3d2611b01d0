"""segment(): which customers are in which segment of a scheme.

Scores are rescaled to the scheme's scale first (score s of k levels goes to
``floor((s - 1) * scale / k) + 1``), then each customer falls into the first
rule whose ranges all hold, or into the fallback. The schemes themselves, the
built-in ones included, are in :mod:`rfmkit.segments.scheme` and
``rfmkit/segments/data/*.toml``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._typing import LangLike, OutputLike, SchemeLike, TableLike
from ..errors import InputError, InputTypeError, RFMWarning
from ..io.frames import as_pandas, copy_on_write, numeric_column
from ..io.histories import history_groups, row_days
from ..io.output import follows_input
from .explain import explain_columns
from .levels import code_levels, given_levels, one_level
from .scheme import NEW_SEGMENT, Scheme, as_scheme

__all__ = ["segment"]


def _levels(scored: pd.DataFrame, levels: Any) -> list[int]:
    if levels is not None:
        return given_levels(levels)
    edges = scored.attrs.get("score_edges")
    if not edges:
        # attrs are gone (a merge, polars, a file without them): rfm_score records the levels.
        found = code_levels(scored)
        if found is None:
            raise InputError(
                "the number of score levels is unknown: pass levels=... (an integer, or three "
                "for R, F, M), or segment the output of rfmkit.score (its attrs['score_edges'] "
                "and its rfm_score categorical record them)"
            )
        return [one_level(k) for k in found]
    try:
        return [one_level(edges[d]["levels"]) for d in ("recency", "frequency", "monetary")]
    except (KeyError, TypeError):
        raise InputError(
            "attrs['score_edges'] does not record the score levels of recency, "
            "frequency and monetary; pass levels=..."
        ) from None


def _scores(scored: pd.DataFrame, name: str, k: int) -> np.ndarray:
    """A score column as uint8: whole numbers from 1 to ``k`` (errors name the value and row)."""
    if name not in scored.columns:
        raise InputError(f"missing column {name!r}; segment takes the output of rfmkit.score")
    col = scored[name]
    values = numeric_column(col, name, "segments")
    bad = (values != np.floor(values)) | (values < 1) | (values > k)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        v = col.iloc[row]
        why = (
            "scores are whole numbers"
            if values[row] != np.floor(values[row])
            else f"scores must be between 1 and {k}"
        )
        raise InputError(f"column {name!r} has an invalid value {_plain(v)} at row {row}: {why}", value=v)
    return np.ascontiguousarray(values.astype(np.uint8))


def _plain(v: Any) -> str:
    """A value as written (2.5, not np.float64(2.5))."""
    return repr(v.item() if isinstance(v, np.generic) else v)


@follows_input("scored")
def segment(
    scored: TableLike,
    scheme: SchemeLike = "rfm11",
    *,
    lang: LangLike = "en",
    new_customer_days: int | None = None,
    levels: int | tuple[int, int, int] | None = None,
    explain: bool = False,
    output: OutputLike | None = None,
) -> TableLike:
    """Adds ``segment_code`` and ``segment`` to a table from :func:`rfmkit.score`.

    Parameters
    ----------
    scored : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        With ``r_score``, ``f_score`` and ``m_score``: whole numbers from 1
        to the number of levels (anything else is an error naming the
        column, the value and its row).
    scheme : str, Scheme or dict
        A built-in scheme name (``"rfm11"``, ``"rf10"``, ``"cn8"``,
        ``"tiers4"``, ``"crm4"``) or a custom scheme.
    lang : "en", "zh" or mapping
        The language of ``segment``, or your own label per segment code.
    new_customer_days : int, optional
        Customers whose first purchase is at most this many days before the
        as-of date go to a ``"new"`` segment whatever their scores (they have
        no history yet). Needs ``first_purchase`` and the as-of date in
        ``attrs`` (as :func:`rfmkit.rfm_table` leaves them; a table without
        attrs, such as polars output, gives it by ``last_purchase`` and ``recency``).
        In a history (:func:`rfmkit.rfm_history`) each row's as-of date is its ``snapshot``.
    levels : int or triple, optional
        Score levels of R, F, M. By default read from
        ``attrs["score_edges"]``, or, when ``attrs`` are gone (a merge with
        another frame, polars, a file), from ``rfm_score``: the ordered
        categorical of :func:`rfmkit.score`, whose last category is the top
        code (``"535"``: levels 5, 3, 5; ``"10-3-12"``). Plain text codes
        record nothing: pass ``levels`` then.
    explain : bool
        Also add why each customer is in its segment: ``segment_rule``, the
        winning rule (``"rule 3: loyal"``, its position in
        :attr:`rfmkit.Scheme.rules`; ``"fallback: others"``; ``"new"``), and
        ``segment_ranges``, its ranges on the scheme's scale
        (``"r 4-5, f 3-5"``; ``"no rule matched"`` for the fallback), both
        categoricals. See :meth:`rfmkit.Scheme.explain` and
        :mod:`rfmkit.segments.explain`.
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's (polars in, polars out, else pandas).

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        A copy with ``segment_code`` and ``segment`` (the label), both
        ordered categoricals in the scheme's order, the fallback last. Customers in
        the fallback trigger an :class:`~rfmkit.RFMWarning`. ``attrs["scheme"]``
        and ``attrs["lang"]`` record the scheme's name and the language
        (``"custom"`` for a mapping), which :func:`rfmkit.action_list` reads.

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(2_000, 300, seed=1)
    >>> segmented = rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx)))
    >>> segmented[["customer_id", "r_score", "f_score", "m_score", "segment_code", "segment"]].head(3)
       customer_id  r_score  f_score  m_score    segment_code         segment
    0        10001        2        1        2  need_attention  Need attention
    1        10002        3        1        3  need_attention  Need attention
    2        10003        3        4        4           loyal           Loyal
    >>> segmented.attrs["scheme"], segmented.attrs["lang"]
    ('rfm11', 'en')
    >>> rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx)), lang="zh")["segment"].head(3).tolist()
    ['需要关注客户', '需要关注客户', '忠诚客户']
    >>> with_new = rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx)), "rf10", new_customer_days=60)
    >>> int((with_new["segment_code"] == "new").sum())  # first purchase in the last 60 days
    17
    """
    scored = as_pandas(scored, "scored")
    s = as_scheme(scheme)
    if not isinstance(explain, (bool, np.bool_)):
        raise InputTypeError(f"explain must be True or False, not {explain!r}")
    k = _levels(scored, levels)
    cols = [_scores(scored, name, kk) for name, kk in zip(("r_score", "f_score", "m_score"), k, strict=True)]
    winners = s._compiled.assign(cols[0], cols[1], cols[2], k)
    order = s.codes
    if new_customer_days is not None:
        order = ["new", *[c for c in order if c != "new"]]
    # Positions in `order`: of each rule's segment, then of each customer
    # (a dict, not order.index: schemes may have thousands of rules).
    where = {code: i for i, code in enumerate(order)}
    rule_pos = np.array(
        [where[r["code"]] for r in s.spec["rules"]] + [where[s.spec["fallback"]["code"]]], dtype=np.int64
    )
    pos = rule_pos[winners]
    new = None if new_customer_days is None else _new_customers(scored, new_customer_days)
    if new is not None:
        pos[new] = 0
    labels = _labels(s, lang, order)
    fallback = s.spec["fallback"]["code"]
    n_fallback = int((winners == len(s.spec["rules"])).sum())
    if n_fallback:
        warnings.warn(
            f"{n_fallback} customer(s) match no rule of scheme {s.name!r} and fall to "
            f"{fallback!r}; see Scheme.coverage()",
            RFMWarning,
            stacklevel=2,
        )
    out = scored.copy(deep=not copy_on_write())
    out["segment_code"] = pd.Categorical.from_codes(pos, categories=order, ordered=True)
    first: dict[str, int] = {}
    for label in labels:  # two codes may share a label
        first.setdefault(label, len(first))
    label_pos = np.array([first[label] for label in labels], dtype=np.int64)
    out["segment"] = pd.Categorical.from_codes(label_pos[pos], categories=list(first), ordered=True)
    if explain:
        out["segment_rule"], out["segment_ranges"] = explain_columns(s.spec, winners, new, new_customer_days)
    out.attrs["scheme"] = s.name
    out.attrs["lang"] = lang if isinstance(lang, str) else "custom"
    return out


def _labels(s: Scheme, lang: Any, order: list[str]) -> list[str]:
    """The label of every code of ``order`` in ``lang``."""
    if isinstance(lang, str):
        if lang not in ("en", "zh"):
            raise InputError(f"invalid lang {lang!r}: 'en', 'zh' or a mapping of code to label")
        known = {**{NEW_SEGMENT["code"]: NEW_SEGMENT["labels"][lang]}, **s.labels(lang)}
    elif isinstance(lang, Mapping):
        known = dict(lang)
    else:
        raise InputTypeError(f"lang must be 'en', 'zh' or a mapping, not {type(lang).__name__}")
    missing = [c for c in order if not known.get(c)]
    if missing:
        raise InputError(f"lang has no label for segment code(s) {missing}")
    return [str(known[c]) for c in order]


def _new_customers(scored: pd.DataFrame, days: int) -> np.ndarray:
    """Which customers made their first purchase at most ``days`` days ago."""
    if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 0:
        raise InputError(f"new_customer_days must be a non-negative integer, got {days!r}")
    as_of: Any = scored.attrs.get("as_of")
    if as_of is None and history_groups(scored) is not None:
        as_of = row_days(scored)  # a history: each row's as-of date is its snapshot
    if as_of is None or "first_purchase" not in scored.columns:
        raise InputError(
            "new_customer_days needs first_purchase and attrs['as_of'] (the output of rfm_table, scored)"
        )
    first = pd.Series(scored["first_purchase"])
    if isinstance(first.dtype, pd.DatetimeTZDtype):
        first = first.dt.tz_localize(None)
    start = first.to_numpy(dtype="datetime64[D]")
    age = (np.asarray(as_of, dtype="datetime64[D]") - start).astype(np.int64)
    return (age <= days) & ~np.isnat(start)
