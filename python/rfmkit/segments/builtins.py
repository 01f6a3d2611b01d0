"""The built-in segment schemes, as rule tables (see :mod:`rfmkit.segments`).

Ranges are inclusive, on the scheme's scale; the first matching rule wins.
"""

from __future__ import annotations

from typing import Any


def _rule(code: str, en: str, zh: str, **ranges: Any) -> dict:
    return {"code": code, "labels": {"en": en, "zh": zh},
            **{k: list(v) if isinstance(v, tuple) else [v, v] for k, v in ranges.items()}}


# Document 001: a high / low split of each dimension; "R high" means recent.
_CN8 = [
    ("important_value", "Important value", "重要价值客户", 2, 2, 2),
    ("important_keep", "Important to keep", "重要保持客户", 1, 2, 2),
    ("important_develop", "Important to develop", "重要发展客户", 2, 1, 2),
    ("important_retain", "Important to retain", "重要挽留客户", 1, 1, 2),
    ("general_value", "General value", "一般价值客户", 2, 2, 1),
    ("general_keep", "General to keep", "一般保持客户", 1, 2, 1),
    ("general_develop", "General to develop", "一般发展客户", 2, 1, 1),
    ("general_retain", "General to retain", "一般挽留客户", 1, 1, 1),
]

# Document 000 names four tiers on a three-level split (VIP: high R, F, M; new: high R, low F
# and M; dormant: low R and F, high M; ordinary: middle R, F, M), which leave most of the 27
# cells unnamed. rfmkit's total mapping, first match wins:
#   vip      recent or middle R, high F and high M; or recent R, middle F, high M
#   new      recent R with low F (any M): a first purchase or two
#   dormant  lost R (low) with middle or high M: spent well, then went quiet
#   ordinary everything else
_TIERS4 = [
    _rule("vip", "VIP", "VIP客户", r=(2, 3), f=3, m=3),
    _rule("vip", "VIP", "VIP客户", r=3, f=2, m=3),
    _rule("new", "New", "新客户", r=3, f=1),
    _rule("dormant", "Dormant", "休眠客户", r=1, m=(2, 3)),
    _rule("ordinary", "Ordinary", "普通客户", r=(1, 3), f=(1, 3), m=(1, 3)),
]

# Document 003 names four classes: high-value, potential, needs wake-up, churn risk. rfmkit's
# total mapping on 1-5 scores, first match wins:
#   high_value    R, F and M all 4-5
#   potential     R 4-5 (recent) otherwise
#   churn_risk    R 1-2 (lapsed) with F or M of 3-5: a valuable customer slipping away
#   needs_wake_up everything else (R 3, or lapsed and low value)
_CRM4 = [
    _rule("high_value", "High value", "高价值客户", r=(4, 5), f=(4, 5), m=(4, 5)),
    _rule("potential", "Potential", "潜力客户", r=(4, 5)),
    _rule("churn_risk", "Churn risk", "流失风险客户", r=(1, 2), f=(3, 5)),
    _rule("churn_risk", "Churn risk", "流失风险客户", r=(1, 2), m=(3, 5)),
    _rule("needs_wake_up", "Needs wake-up", "需唤醒客户", r=(1, 5)),
]

# The 11 segments on R and FM (the mean of F and M, rounded half up) as a total grid.
_RFM11 = [
    ("champions", "Champions", "冠军客户", [(5, (4, 5)), (4, 5)]),
    ("loyal", "Loyal", "忠诚客户", [(5, 3), (4, 4), (3, (4, 5))]),
    ("potential_loyalist", "Potential loyalist", "潜在忠诚客户", [(5, 2), (4, (2, 3)), (3, 3)]),
    ("recent", "Recent", "新近客户", [(5, 1)]),
    ("promising", "Promising", "有潜力客户", [((3, 4), 1)]),
    ("need_attention", "Need attention", "需要关注客户", [(3, 2), (2, (2, 3))]),
    ("about_to_sleep", "About to sleep", "即将沉睡客户", [(2, 1)]),
    ("at_risk", "At risk", "有流失风险客户", [(2, (4, 5)), (1, 3)]),
    ("cant_lose", "Can't lose them", "不能失去的客户", [(1, (4, 5))]),
    ("hibernating", "Hibernating", "休眠客户", [(1, 2)]),
    ("lost", "Lost", "已流失客户", [(1, 1)]),
]

# The ten segments on the R x F grid.
_RF10 = [
    ("champions", "Champions", "冠军客户", [(5, (4, 5))]),
    ("loyal", "Loyal", "忠诚客户", [((3, 4), (4, 5))]),
    ("potential_loyalist", "Potential loyalist", "潜在忠诚客户", [((4, 5), (2, 3))]),
    ("new", "New", "新客户", [(5, 1)]),
    ("promising", "Promising", "有潜力客户", [(4, 1)]),
    ("need_attention", "Need attention", "需要关注客户", [(3, 3)]),
    ("about_to_sleep", "About to sleep", "即将沉睡客户", [(3, (1, 2))]),
    ("at_risk", "At risk", "有流失风险客户", [((1, 2), (3, 4))]),
    ("cant_lose", "Can't lose them", "不能失去的客户", [((1, 2), 5)]),
    ("hibernating", "Hibernating", "休眠客户", [((1, 2), (1, 2))]),
]

_OTHER = {"code": "other", "labels": {"en": "Other", "zh": "其他客户"}}


def _grid(segments, second: str) -> list[dict]:
    return [_rule(code, en, zh, r=r, **{second: x})
            for code, en, zh, cells in segments for r, x in cells]


BUILTIN: dict[str, dict] = {
    "cn8": {
        "name": "cn8", "scale": 2, "fallback": _OTHER,
        "rules": [_rule(c, en, zh, r=r, f=f, m=m) for c, en, zh, r, f, m in _CN8],
    },
    "tiers4": {"name": "tiers4", "scale": 3, "fallback": _OTHER, "rules": _TIERS4},
    "crm4": {"name": "crm4", "scale": 5, "fallback": _OTHER, "rules": _CRM4},
    "rfm11": {"name": "rfm11", "scale": 5, "fallback": _OTHER, "rules": _grid(_RFM11, "fm")},
    "rf10": {"name": "rf10", "scale": 5, "fallback": _OTHER, "rules": _grid(_RF10, "f")},
}

SOURCES = {
    "cn8": "document 001: eight segments from a high / low split of R, F and M",
    "tiers4": "document 000: VIP, new, dormant and ordinary tiers on a three-level split",
    "crm4": "document 003: high-value, potential, needs wake-up and churn-risk classes",
    "rfm11": "the 11-segment grid on R and FM = mean(F, M) used by RFM tools (Putler)",
    "rf10": "the 10-segment grid on R and F",
}
