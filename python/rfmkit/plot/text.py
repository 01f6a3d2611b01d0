"""The words of the charts in English and Chinese, the language of a chart, and
segment labels in that language.

Every title, axis label, legend title and marker a chart draws comes from
:data:`TEXT`; the Chinese entries hold no Latin letters (digits, ``%`` and
punctuation only), so a ``lang="zh"`` chart speaks one language. What the
charts do not translate is the user's own data: group names and values of
``by=`` facets, and the labels of custom schemes.

>>> from rfmkit.plot.text import tr
>>> tr("zh", "customers"), tr("en", "last_bar", cap="1,200")
('客户数', 'last bar: 1,200 or more')
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ..errors import InputError

__all__ = ["LANGS", "TEXT", "chart_lang", "relabel", "segment_names", "tr"]

LANGS = ("en", "zh")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "customers": "customers",
        "revenue": "revenue",
        "segment": "segment",
        "segments": "segments",
        "new": "(new)",
        "gone": "(gone)",
        "share_pct": "share of total (%)",
        "bars_title": "Customers and revenue by segment",
        "treemap_title": "Segments by {what}",
        "treemap_xlabel": "area = share of {what}",
        "migration_title": "Segment migration",
        "migration_shares": "share of each row",
        "migration_counts": "customers",
        "after": "segment after",
        "before": "segment before",
        "r_score": "R score (higher = more recent)",
        "f_score": "F score (higher = more frequent)",
        "r_score_short": "R score",
        "f_score_short": "F score",
        "rf_title": "Mean monetary value by R and F score (customers)",
        "mean_monetary": "mean monetary",
        "recency": "Recency",
        "frequency": "Frequency",
        "monetary": "Monetary",
        "recency_unit": "days since the last purchase",
        "frequency_unit": "purchases",
        "monetary_unit": "amount spent",
        "last_bar": "last bar: {cap} or more",
        "orders_title": "Customers by number of purchases",
        "orders_xlabel": "purchases per customer",
        "scatter_title": "Recency, frequency and monetary of each customer",
        "sampled": "a random sample of {n} of {total} customers (seed {seed})",
        "recency_axis": "recency (days)",
        "frequency_axis": "frequency (purchases)",
        "frequency_log": "frequency (log)",
        "monetary_axis": "monetary (log)",
        "monetary_symlog": "monetary (symlog)",
        "medians_title": "Median recency, frequency and monetary by segment",
        "median_recency": "median recency (days)",
        "median_frequency": "median frequency (purchases)",
        "median_monetary": "median monetary",
        "mrf_title": "Mean monetary by R score, one panel per F score",
        "f_panel": "F score {f}",
        "pooled": "{names}: all groups pooled",
        "facet": "{name} = {value}",
    },
    "zh": {
        "customers": "客户数",
        "revenue": "销售额",
        "segment": "客户分群",
        "segments": "客户分群",
        "new": "（新增）",
        "gone": "（流失）",
        "share_pct": "占总数的百分比（%）",
        "bars_title": "各分群的客户数与销售额占比",
        "treemap_title": "各分群的{what}",
        "treemap_xlabel": "面积 = {what}占比",
        "migration_title": "客户分群迁移",
        "migration_shares": "占每行的比例",
        "migration_counts": "客户数",
        "after": "之后的分群",
        "before": "之前的分群",
        "r_score": "近度评分（越高越近期）",
        "f_score": "频度评分（越高越频繁）",
        "r_score_short": "近度评分",
        "f_score_short": "频度评分",
        "rf_title": "按近度与频度评分的平均消费金额（客户数）",
        "mean_monetary": "平均消费金额",
        "recency": "近度",
        "frequency": "频度",
        "monetary": "消费金额",
        "recency_unit": "距上次购买的天数",
        "frequency_unit": "购买次数",
        "monetary_unit": "消费总额",
        "last_bar": "最后一栏：{cap} 及以上",
        "orders_title": "按购买次数的客户分布",
        "orders_xlabel": "每位客户的购买次数",
        "scatter_title": "每位客户的近度、频度与消费金额",
        "sampled": "随机抽样 {n} 位客户，共 {total} 位（种子 {seed}）",
        "recency_axis": "近度（天）",
        "frequency_axis": "频度（次）",
        "frequency_log": "频度（次，对数刻度）",
        "monetary_axis": "消费金额（对数刻度）",
        "monetary_symlog": "消费金额（对称对数刻度）",
        "medians_title": "各分群的近度、频度与消费金额中位数",
        "median_recency": "近度中位数（天）",
        "median_frequency": "购买次数中位数",
        "median_monetary": "消费金额中位数",
        "mrf_title": "按近度评分的平均消费金额，每个频度评分一栏",
        "f_panel": "频度评分 {f}",
        "pooled": "{names}：所有分组合并",
        "facet": "{name} = {value}",
    },
}


def tr(lang: str, key: str, **values: object) -> str:
    """The text ``key`` in ``lang``, its ``{placeholders}`` filled in."""
    return TEXT[lang][key].format(**values)


def chart_lang(lang: str | None, table: Any = None) -> str:
    """``lang`` checked, or by default the language of a segmented table
    (``attrs["lang"]`` when it is "en" or "zh"), else English."""
    if lang is None:
        attrs = getattr(table, "attrs", None) or {}
        found = attrs.get("lang") if isinstance(attrs, Mapping) else None
        return found if found in LANGS else "en"
    if not isinstance(lang, str) or lang not in LANGS:
        raise InputError(f"invalid lang {lang!r}: 'en' or 'zh'")
    return lang


@functools.cache
def builtin_labels() -> dict[str, dict[str, str]]:
    """Every label of the built-in schemes (and the "new" segment), in either
    language, to its label in each language."""
    from ..segments.builtin import builtin_names
    from ..segments.scheme import NEW_SEGMENT, Scheme

    table: dict[str, dict[str, str]] = {}
    items = [(NEW_SEGMENT["labels"]["en"], dict(NEW_SEGMENT["labels"]))]
    for name in builtin_names():
        scheme = Scheme.builtin(name)
        en, zh = scheme.labels("en"), scheme.labels("zh")
        items += [(en[code], {"en": en[code], "zh": zh[code]}) for code in en]
    for _, both in items:
        for label in both.values():
            table.setdefault(label, both)
    return table


def segment_names(table: pd.DataFrame, lang: str) -> dict[str, str]:
    """Label of the table -> label in ``lang``, for the segments of a built-in
    scheme (known by ``attrs["scheme"]`` and ``segment_code``); other labels
    keep their text."""
    seg = table["segment"]
    labels = [str(c) for c in seg.cat.categories] if isinstance(seg.dtype, pd.CategoricalDtype) else []
    out = {label: label for label in labels}
    source, name = table.attrs.get("lang"), table.attrs.get("scheme")
    if source == lang or source not in LANGS or "segment_code" not in table.columns:
        return out
    from ..segments.builtin import builtin_names
    from ..segments.scheme import NEW_SEGMENT, Scheme

    if name not in builtin_names():
        return out
    scheme = Scheme.builtin(str(name))
    before = {**scheme.labels(source), "new": NEW_SEGMENT["labels"][source]}
    after = {**scheme.labels(lang), "new": NEW_SEGMENT["labels"][lang]}
    for code in before:
        if before[code] in out:
            out[before[code]] = after[code]
    return out


def relabel(labels: Iterable[str], lang: str) -> list[str]:
    """Labels in ``lang``: "(new)" and "(gone)" and the labels of the built-in
    schemes translated, any other label as it is."""
    markers = {text[key]: tr(lang, key) for text in TEXT.values() for key in ("new", "gone")}
    known = builtin_labels()
    return [markers.get(x, known.get(x, {}).get(lang, x)) for x in map(str, labels)]
