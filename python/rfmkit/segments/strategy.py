"""What to do about each segment, and the per-customer action list for a CRM."""

from __future__ import annotations

import pandas as pd

from .._typing import OutputLike, SchemeLike, TableLike
from ..errors import InputError
from ..io.frames import as_pandas
from ..io.histories import SNAPSHOT, history_groups
from ..io.output import follows_input
from .builtin import builtin_names
from .scheme import NEW_SEGMENT, Scheme, as_scheme, builtin_match
from .validate import FIELDS

__all__ = ["action_list", "strategies"]


def _entry(scheme: Scheme, code: str, lang: str) -> dict:
    custom = scheme.strategy_table.get(code)
    if custom is not None:
        return custom[lang]
    # A custom scheme without its own table borrows the built-in playbook of
    # a segment of the same code (champions, at_risk, ...).
    for name in builtin_names():
        known = Scheme.builtin(name).strategy_table.get(code)
        if known is not None:
            return known[lang]
    raise InputError(
        f"segment {code!r} of scheme {scheme.name!r} has no strategy; give the scheme a 'strategies' table"
    )


def strategies(scheme: SchemeLike = "rfm11", lang: str = "en") -> pd.DataFrame:
    """One row per segment of ``scheme``: what it is and what to do about it.

    Written for every built-in scheme in English and Chinese; a custom scheme
    can carry its own table under ``"strategies"``.

    Parameters
    ----------
    scheme : str, Scheme or dict
        A built-in scheme name (``"rfm11"``, ``"rf10"``, ``"cn8"``,
        ``"tiers4"``, ``"crm4"``) or a custom scheme with strategies.
    lang : "en" or "zh"
        The language of the labels and texts.

    Returns
    -------
    pandas.DataFrame
        One row per segment code in the scheme's order (the fallback last),
        columns ``segment_code``, ``segment``, ``description``, ``goal``,
        ``actions`` (list), ``channels`` (list, from email, sms, phone,
        social, in_app, ads), ``cadence``, ``offer``, ``message`` (a template
        for customer service) and ``kpi``.

    Examples
    --------
    >>> import rfmkit
    >>> s = rfmkit.strategies("cn8", lang="zh")
    >>> s.loc[s.segment_code == "important_retain", "offer"].item()
    '特别激活折扣'
    >>> rfmkit.strategies("tiers4")["segment_code"].tolist()
    ['vip', 'new', 'dormant', 'ordinary', 'other']
    """
    if lang not in ("en", "zh"):
        raise InputError(f"invalid lang {lang!r}: strategies are written in 'en' and 'zh'")
    s = as_scheme(scheme)
    labels = s.labels(lang)
    rows = []
    for code in s.codes:
        entry = _entry(s, code, lang)
        rows.append(
            {
                "segment_code": code,
                "segment": labels[code],
                **{f: list(entry[f]) if f in ("actions", "channels") else entry[f] for f in FIELDS},
            }
        )
    return pd.DataFrame(rows, columns=["segment_code", "segment", *FIELDS])


@follows_input("segmented")
def action_list(
    segmented: TableLike,
    scheme: SchemeLike | None = None,
    lang: str | None = None,
    *,
    output: OutputLike | None = None,
) -> TableLike:
    """One row per customer, ready for a CRM or a campaign tool.

    Parameters
    ----------
    segmented : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        The output of :func:`rfmkit.segment`, with ``customer_id`` and
        ``segment_code``.
    scheme : str, Scheme or dict, optional
        The scheme it was segmented with. By default the one recorded in
        ``attrs["scheme"]`` by :func:`rfmkit.segment` (a built-in name);
        ``"rfm11"`` when nothing is recorded. An explicit scheme wins.
    lang : "en" or "zh", optional
        The language of the strategies. By default the one of the input
        (``attrs["lang"]``, else the language of its ``segment`` labels),
        else English. An explicit language wins.
    output : {None, "pandas", "polars", "arrow"}
        The kind of the result; by default the input's (polars in, polars out, else pandas).

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        Columns: ``customer_id``, ``segment_code``, ``segment``, ``next_action``
        (the first action of the segment's strategy), ``channel`` (its first
        channel), ``offer`` and ``message``. Export with ``to_csv`` or
        ``to_json(orient="records", force_ascii=False)``. A history of
        :func:`rfmkit.rfm_history` keeps its group columns first
        (``snapshot`` and those of ``by``): one row per snapshot and customer.

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(2_000, 300, seed=1)
    >>> segmented = rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx)), "cn8", lang="zh")
    >>> actions = rfmkit.action_list(segmented)  # the scheme and language of segmented
    >>> list(actions.columns)
    ['customer_id', 'segment_code', 'segment', 'next_action', 'channel', 'offer', 'message']
    >>> actions[["customer_id", "segment", "channel"]].head(3)
       customer_id segment channel
    0        10001  一般挽留客户   email
    1        10002  一般挽留客户   email
    2        10003  重要保持客户   phone
    """
    segmented = as_pandas(segmented, "segmented")
    for col in ("customer_id", "segment_code"):
        if col not in segmented.columns:
            raise InputError(f"missing column {col!r}; action_list takes the output of rfmkit.segment")
    s = as_scheme(_recorded_scheme(segmented) if scheme is None else scheme)
    if lang is None:
        lang = _recorded_lang(segmented, s)
    table = strategies(s, lang).set_index("segment_code")
    codes = segmented["segment_code"].astype(str)
    if "new" in set(codes) and "new" not in table.index:
        table.loc["new"] = {
            "segment": s.labels(lang).get("new", "New" if lang == "en" else "新客户"),
            **{f: v for f, v in _entry(s, "new", lang).items()},
        }
    unknown = sorted(set(codes) - set(table.index))
    if unknown:
        raise InputError(f"segment code(s) {unknown} are not in scheme {s.name!r}")
    per_code = pd.DataFrame(
        {
            "segment": table["segment"],
            "next_action": [list(a)[0] for a in table["actions"]],
            "channel": [list(c)[0] for c in table["channels"]],
            "offer": table["offer"],
            "message": table["message"],
        },
        index=table.index,
    )
    out = per_code.reindex(codes.to_numpy()).reset_index(drop=True)
    out.insert(0, "segment_code", codes.to_numpy())
    out.insert(0, "customer_id", segmented["customer_id"].to_numpy())
    history = history_groups(segmented)
    if history is not None:
        for position, name in enumerate([SNAPSHOT, *history]):
            out.insert(position, name, segmented[name].reset_index(drop=True))
    return out


def _recorded_scheme(segmented: pd.DataFrame) -> str:
    name = segmented.attrs.get("scheme")
    if name is None and "segment" in segmented.columns:
        match = builtin_match(segmented)  # a polars or Arrow table has no attrs
        name = None if match is None else match[0]
    if name is None:
        return "rfm11"
    if isinstance(name, str) and name in builtin_names():
        return name
    raise InputError(
        f"the table was segmented with scheme {name!r} (attrs['scheme']), which is not "
        "built in: pass that scheme to action_list(segmented, scheme)"
    )


def _recorded_lang(segmented: pd.DataFrame, s: Scheme) -> str:
    lang = segmented.attrs.get("lang")
    if lang in ("en", "zh"):
        return lang
    if "segment" in segmented.columns:
        seen = set(segmented["segment"].dropna().astype(str).unique())
        for candidate in ("en", "zh"):
            known = {*s.labels(candidate).values(), NEW_SEGMENT["labels"][candidate]}
            if seen and seen <= known:
                return candidate
    return "en"
