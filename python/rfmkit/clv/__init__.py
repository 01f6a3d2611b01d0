"""The bridge to customer-lifetime-value models: the per-customer summary that
BG/NBD, Pareto/NBD and Gamma-Gamma models are fitted on (pymc-marketing's
names in :mod:`rfmkit.clv.summary`, lifetimes' in :mod:`rfmkit.lifetimes`), and
discounted lifetime values (:mod:`rfmkit.clv.ltv`)."""

from .ltv import discounted_ltv, projected_revenue
from .segments import rfm_segments
from .split_state import SplitState
from .state import SummaryState
from .streaming import rfm_summary, rfm_train_test_split

__all__ = [
    "SplitState",
    "SummaryState",
    "discounted_ltv",
    "projected_revenue",
    "rfm_segments",
    "rfm_summary",
    "rfm_train_test_split",
]
