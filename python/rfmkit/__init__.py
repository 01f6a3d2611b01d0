"""rfmkit: Recency, Frequency and Monetary customer metrics, fast and exact.

>>> import rfmkit
>>> tx = rfmkit.datasets.make_transactions(1_000, 200, seed=1)
>>> table = rfmkit.rfm_table(tx)
>>> list(table.columns)
['customer_id', 'recency', 'frequency', 'monetary', 'first_purchase', 'last_purchase']
"""

from . import datasets, errors
from ._core import __version__
from .analysis import Migration, campaign_report, churn_alerts, migration, segment_summary, style_summary
from .analysis.over_time import MigrationHistory, migration_over_time, snapshot_table
from .clv import (
    SplitState,
    SummaryState,
    discounted_ltv,
    projected_revenue,
    rfm_segments,
    rfm_summary,
    rfm_train_test_split,
)
from .errors import InputError, InputTypeError, RFMWarning
from .history import rfm_history
from .htmlreport import report
from .labels import churn_labels
from .pipeline import rfm
from .scores import score
from .segments import Coverage, Scheme, action_list, segment, strategies
from .state import RFMState
from .streaming import rfm_table
from .table import RFMArrays, rfm_arrays

__all__ = [
    "Coverage",
    "InputError",
    "InputTypeError",
    "Migration",
    "MigrationHistory",
    "RFMArrays",
    "RFMScorer",
    "RFMState",
    "RFMWarning",
    "Scheme",
    "SplitState",
    "SummaryState",
    "__version__",
    "action_list",
    "campaign_report",
    "churn_alerts",
    "churn_labels",
    "datasets",
    "discounted_ltv",
    "errors",
    "migration",
    "migration_over_time",
    "projected_revenue",
    "report",
    "rfm",
    "rfm_arrays",
    "rfm_history",
    "rfm_segments",
    "rfm_summary",
    "rfm_table",
    "rfm_train_test_split",
    "score",
    "segment",
    "segment_summary",
    "snapshot_table",
    "strategies",
    "style_summary",
]


def __getattr__(name: str):
    # RFMScorer needs scikit-learn, imported on first use only.
    if name == "RFMScorer":
        from .scores.scorer import RFMScorer

        return RFMScorer
    raise AttributeError(f"module 'rfmkit' has no attribute {name!r}")
