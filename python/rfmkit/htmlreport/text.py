"""Every heading and label of the HTML report, in English and Chinese."""

from __future__ import annotations

from ..errors import InputError

__all__ = ["CHANNELS", "LANGS", "OPTIONS", "SECTIONS", "check_lang", "words"]

LANGS = ("en", "zh")

# The sections in the order of the page: id -> heading.
SECTIONS: dict[str, dict[str, str]] = {
    "overview": {"en": "Overview", "zh": "概览"},
    "summary": {"en": "Segment summary", "zh": "客户分群汇总"},
    "charts": {"en": "Charts", "zh": "图表"},
    "playbook": {"en": "Strategy playbook", "zh": "分群策略手册"},
    "migration": {"en": "Migration", "zh": "客户迁移"},
    "churn": {"en": "Churn alerts", "zh": "流失预警"},
    "rules": {"en": "Segment rules", "zh": "分群规则"},
}

_WORDS: dict[str, tuple[str, str]] = {
    "title": ("RFM customer report", "RFM 客户分析报告"),
    "contents": ("Contents", "目录"),
    "made_by": ("Made with rfmkit {version}", "由 rfmkit {version} 生成"),
    # overview
    "customers": ("Customers", "客户数"),
    "revenue": ("Revenue", "收入"),
    "as_of": ("As of", "截止日期"),
    "scheme": ("Scheme", "分群方案"),
    "segments_used": ("Segments with customers", "有客户的分群"),
    "window": ("Window", "时间窗口"),
    "window_all": ("all history", "全部历史"),
    "frequency_counts": ("Frequency counts", "频次计数方式"),
    "returns": ("Returns", "退货处理"),
    "scores": ("Scores", "评分方法"),
    "score_of": ("{dim}: {method}, {levels} levels", "{dim}:{method},{levels} 级"),
    "grouped_by": ("Grouped by", "分组"),
    "period": ("Transactions from", "交易期间"),
    "period_to": ("{first} to {last}", "{first} 至 {last}"),
    "transactions": ("Transactions", "交易笔数"),
    "transaction_amount": ("Amount of the transactions", "交易总额"),
    "bought_once": ("Bought once", "仅购买一次"),
    "recency": ("Recency", "最近购买间隔"),
    "frequency": ("Frequency", "购买频次"),
    "monetary": ("Monetary", "消费金额"),
    # summary columns
    "segment": ("Segment", "客户分群"),
    "customer_share": ("% of customers", "客户占比"),
    "revenue_share": ("% of revenue", "收入占比"),
    "avg_order_value": ("Avg order", "客单价"),
    "recency_median": ("Median R (days)", "R 中位数(天)"),
    "frequency_median": ("Median F", "F 中位数"),
    "monetary_median": ("Median M", "M 中位数"),
    "total": ("Total", "合计"),
    "pooled": ("All groups pooled.", "所有分组合并计算。"),
    "pooled_short": ("all groups pooled", "所有分组合并"),
    "per_group": ("Per group", "按分组"),
    # charts
    "chart_segment_bars": ("Share of customers and of revenue per segment", "各分群的客户占比与收入占比"),
    "chart_treemap_customers": ("Segments by customers", "按客户数划分的分群"),
    "chart_treemap_revenue": ("Segments by revenue", "按收入划分的分群"),
    "chart_rf_heatmap": ("Mean monetary value by R and F score", "按 R、F 评分的平均消费金额"),
    "chart_histograms": ("Recency, frequency and monetary", "最近购买间隔、购买频次与消费金额的分布"),
    "chart_order_distribution": ("Customers by number of purchases", "按购买次数的客户分布"),
    "chart_segment_medians": ("Median R, F and M per segment", "各分群的 R、F、M 中位数"),
    "chart_rfm_scatter": ("Recency, frequency and monetary against each other", "R、F、M 两两散点图"),
    "chart_monetary_by_rf": ("Mean monetary by R and F score", "按 R、F 评分的平均消费金额分面"),
    "chart_monthly": ("Revenue and purchases per month", "每月收入与购买笔数"),
    "chart_migration": ("Where the customers of each segment went", "各分群客户的去向"),
    "month": ("Month", "月份"),
    "purchases": ("Purchases", "购买笔数"),
    # playbook
    "description": ("Who they are", "客户特征"),
    "goal": ("Goal", "目标"),
    "actions": ("Actions", "行动"),
    "channels": ("Channels", "渠道"),
    "cadence": ("Cadence", "频率"),
    "offer": ("Offer", "优惠"),
    "message": ("Message", "话术"),
    "kpi": ("KPI", "考核指标"),
    "no_playbook": (
        "Scheme {scheme!r} is not built in and carries no strategies here: no playbook.",
        "分群方案 {scheme!r} 不是内置方案,没有策略手册。",
    ),
    # migration and churn
    "migration_intro": (
        "From {before} (rows) to {after} (columns): {stayed} of {total} stayed in their segment, "
        "{new} are new and {gone} are gone.",
        "从 {before}(行)到 {after}(列):{total} 位客户中 {stayed} 位留在原分群,新增 {new} 位,流失 {gone} 位。",
    ),
    "before": ("before", "之前"),
    "after": ("after", "之后"),
    "new": ("(new)", "(新增)"),
    "gone": ("(gone)", "(流失)"),
    "list_sep": (", ", "、"),
    "cell_note": ("Each cell: customers (share of the row).", "每格:客户数(占该行的比例)。"),
    "churn_intro": (
        "{n} valuable customers moved to an at-risk segment; the biggest spenders first.",
        "{n} 位高价值客户转入风险分群;按之前的消费金额从高到低排列。",
    ),
    "churn_shown": ("The first {shown} of {n} are listed.", "仅列出 {n} 位中的前 {shown} 位。"),
    "no_churn_sets": (
        "Scheme {scheme!r} has no default churn segments: use rfmkit.churn_alerts with "
        "valuable=[...] and at_risk=[...].",
        "分群方案 {scheme!r} 没有默认的流失分群:请用 rfmkit.churn_alerts 并指定 valuable 与 at_risk。",
    ),
    "customer_id": ("Customer", "客户"),
    "segment_before": ("Segment before", "之前分群"),
    "segment_after": ("Segment after", "之后分群"),
    "monetary_before": ("Monetary before", "之前消费金额"),
    "monetary_after": ("Monetary after", "之后消费金额"),
    "recency_after": ("Recency after (days)", "之后最近购买间隔(天)"),
    # rules
    "rule": ("Rule", "规则"),
    "code": ("Code", "代码"),
    "any": ("any", "任意"),
    "rule_first": ("first", "优先"),
    "rule_otherwise": ("otherwise", "其余"),
    "fallback": (
        'Otherwise: customers that no rule matches go to the fallback segment "{label}"',
        "其余:不匹配任何规则的客户归入兜底分群「{label}」",
    ),
    "rules_intro": (
        "Scheme {name}: {source}. Scores run from 1 to {scale}; the first matching rule wins; "
        "ranges are inclusive; FM is the mean of the F and M scores.",
        "分群方案 {name}。评分范围 1 至 {scale};按顺序匹配第一条符合的规则;区间含两端;"
        "FM 为 F 与 M 评分的平均值。",
    ),
    "new_rule": (
        "First: customers whose first purchase is at most new_customer_days before the as-of "
        'date are "{label}", whatever their scores',
        "优先:首次购买距截止日期不超过 new_customer_days 天的客户归入「{label}」,不论评分",
    ),
    "empty_left_out": (
        "Segments with nobody before (rows) or after (columns) are left out: {names}.",
        "之前(行)或之后(列)没有客户的分群未列出:{names}。",
    ),
    "no_rules": (
        "Scheme {scheme!r} is not built in: see its definition for the rules.",
        "分群方案 {scheme!r} 不是内置方案:规则见其定义。",
    ),
}

CHANNELS: dict[str, dict[str, str]] = {
    "email": {"en": "email", "zh": "邮件"},
    "sms": {"en": "SMS", "zh": "短信"},
    "phone": {"en": "phone", "zh": "电话"},
    "social": {"en": "social media", "zh": "社交媒体"},
    "in_app": {"en": "in-app", "zh": "应用内"},
    "ads": {"en": "ads", "zh": "广告"},
}


# The options recorded in attrs, as words: (value) -> (en, zh).
OPTIONS: dict[str, tuple[str, str]] = {
    "rows": ("one purchase per transaction row", "每笔交易记录计一次"),
    "orders": ("one purchase per order", "每个订单计一次"),
    "days": ("one purchase per day with a purchase", "每个有购买的日期计一次"),
    "net": ("net of returns", "扣除退货后的净额"),
    "exclude": ("returns left out", "不计退货"),
    "error": ("returns refused", "不允许退货"),
    "quantile": ("quantiles", "分位数"),
    "ntile": ("equal-size groups", "等量分组"),
    "threshold": ("fixed thresholds", "固定阈值"),
    "mean": ("around the mean", "以均值为界"),
    "median": ("around the median", "以中位数为界"),
}


def check_lang(lang: object) -> str:
    if not isinstance(lang, str) or lang not in LANGS:
        raise InputError(f"invalid lang {lang!r}: the report is written in 'en' or 'zh'")
    return lang


def words(lang: str) -> dict[str, str]:
    """Key -> text in ``lang``, the section headings included (under their ids)."""
    i = LANGS.index(lang)
    return {**{k: v[i] for k, v in _WORDS.items()}, **{k: v[lang] for k, v in SECTIONS.items()}}
